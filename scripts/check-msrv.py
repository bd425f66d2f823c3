#!/usr/bin/env python3
"""Check the declared MSRV (`rust-version`) against the resolved dependency graph.

    python3 scripts/check-msrv.py

Only one Rust toolchain is installed where the tests run, so `cargo +1.90 check`
is not available; this is the offline stand-in. It reads `rust-version` from the
root Cargo.toml's [workspace.package] and fails (exit 1), naming each offender,
when:

  * a workspace member declares another rust-version (or none);
  * a package the workspace builds declares a `rust-version` newer than ours.
    "Builds" = reachable from a workspace member through normal and build
    dependencies, plus the members' own dev-dependencies (the test command
    compiles them), on each target the test command builds: the host,
    wasm32-unknown-unknown and thumbv7em-none-eabihf (`cargo metadata
    --filter-platform`, so a Windows-only crate does not count).

A dependency that declares no rust-version cannot be checked; they are counted
in the summary. Uses `cargo metadata --locked`: no network once the crates are fetched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["wasm32-unknown-unknown", "thumbv7em-none-eabihf"]


def version(v: str) -> tuple:
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def host_triple() -> str:
    out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("host: "))


def metadata(target: str) -> dict:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", target],
        cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        sys.exit(2)
    return json.loads(out.stdout)


def main() -> int:
    with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
        ours = tomllib.load(f)["workspace"]["package"]["rust-version"]
    msrv = version(ours)
    problems = []
    built = {}  # package id -> (package, how reached)
    unchecked = set()
    for target in [host_triple()] + TARGETS:
        meta = metadata(target)
        pkgs = {p["id"]: p for p in meta["packages"]}
        nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
        members = set(meta["workspace_members"])
        if target == TARGETS[-1]:
            for mid in sorted(members, key=lambda i: pkgs[i]["name"]):
                rv = pkgs[mid]["rust_version"]
                if rv is None or version(rv) != msrv:
                    problems.append(f"workspace member {pkgs[mid]['name']} declares rust-version {rv}, "
                                    f"the workspace {ours}: use `rust-version.workspace = true`")
        # walk normal + build edges; members also through dev edges
        stack = [(m, "") for m in members]
        seen = set()
        while stack:
            pid, via = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            if pid not in members:
                built.setdefault(pid, (pkgs[pid], via, target))
            for dep in nodes[pid]["deps"]:
                kinds = {k["kind"] for k in dep["dep_kinds"]}
                if kinds & {None, "build"} or (pid in members and "dev" in kinds):
                    dev = " (dev)" if pid in members and not kinds & {None, "build"} else ""
                    stack.append((dep["pkg"], f"{pkgs[pid]['name']} {pkgs[pid]['version']}{dev}"))
    for pid, (p, via, target) in sorted(built.items(), key=lambda kv: kv[1][0]["name"]):
        rv = p["rust_version"]
        if rv is None:
            unchecked.add(p["name"])
        elif version(rv) > msrv:
            problems.append(f"{p['name']} {p['version']} needs Rust {rv}, newer than our rust-version {ours} "
                            f"(required by {via}, on {target})")
    if problems:
        for line in problems:
            print(f"error: {line}", file=sys.stderr)
        print(f"check-msrv: {len(problems)} problem(s): raise rust-version in Cargo.toml, or pin an older "
              "version of the dependency (`cargo update -p NAME --precise VERSION`)", file=sys.stderr)
        return 1
    newest = max((version(p["rust_version"]), p["name"]) for p, _, _ in built.values() if p["rust_version"])
    print(f"check-msrv: rust-version {ours} covers all {len(built)} packages built "
          f"(the newest need: {newest[1]} {'.'.join(map(str, newest[0]))}; "
          f"{len(unchecked)} declare no rust-version)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
