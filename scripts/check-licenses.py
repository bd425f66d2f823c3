#!/usr/bin/env python3
"""Check every package's licence against deny.toml's allow-list, offline.

    python3 scripts/check-licenses.py [--allow-file FILE]

A stand-in for `cargo deny check licenses` that needs no cargo-deny: for every
package in the resolved graph (`cargo metadata --locked`: all
targets, normal, build and dev dependencies) it evaluates the SPDX `license`
expression against [licenses].allow of deny.toml (or FILE) and fails (exit 1),
naming each package whose expression cannot be satisfied, or that declares only
a `license-file`. `A OR B` needs one side allowed, `A AND B` both, `A WITH E`
needs `A WITH E` or `A` allowed; the legacy `A/B` is read as `A OR B`, as
crates.io and cargo-deny read it. Workspace members are skipped when deny.toml
sets [licenses.private] ignore = true.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Bad(Exception):
    pass


def tokens(expr: str):
    for t in re.findall(r"\(|\)|/|[A-Za-z0-9.+:-]+", expr):
        yield "OR" if t == "/" else t


def satisfiable(expr: str, allow: set) -> bool:
    toks = list(tokens(expr))
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        t = peek()
        if t is None:
            raise Bad("expression ends early")
        if t == "(":
            take()
            v = disj()
            if take() != ")":
                raise Bad("unbalanced parentheses")
            return v
        lic = take()
        if peek() == "WITH":
            take()
            exc = take()
            return f"{lic} WITH {exc}" in allow or lic in allow
        return lic in allow

    def conj():
        v = primary()
        while peek() == "AND":
            take()
            v = primary() and v
        return v

    def disj():
        v = conj()
        while peek() == "OR":
            take()
            v = conj() or v
        return v

    v = disj()
    if pos != len(toks):
        raise Bad(f"unexpected {toks[pos]!r}")
    return v


def main(argv) -> int:
    allow_file = os.path.join(ROOT, "deny.toml")
    if argv[:1] == ["--allow-file"] and len(argv) == 2:
        allow_file = argv[1]
    elif argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(allow_file, "rb") as f:
        lic = tomllib.load(f).get("licenses", {})
    allow = set(lic.get("allow", []))
    allow_name = "deny.toml" if argv == [] else allow_file
    skip_private = lic.get("private", {}).get("ignore", False)
    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--locked"],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        return 2
    meta = json.loads(out.stdout)
    members = set(meta["workspace_members"])
    bad, used = [], set()
    checked = 0
    for p in sorted(meta["packages"], key=lambda p: (p["name"], p["version"])):
        if skip_private and p["id"] in members:
            continue
        checked += 1
        expr = p["license"]
        name = f"{p['name']} {p['version']}"
        if not expr:
            bad.append(f"{name}: no SPDX licence (license-file {p['license_file']!r}); read it and add a clarification")
            continue
        try:
            ok = satisfiable(expr, allow)
        except Bad as e:
            bad.append(f"{name}: cannot read licence {expr!r} ({e})")
            continue
        if not ok:
            bad.append(f"{name}: licence {expr!r} is not allowed by {allow_name}")
        used |= {t for t in tokens(expr) if t in allow}
    if bad:
        for line in bad:
            print(f"error: {line}", file=sys.stderr)
        print(f"check-licenses: {len(bad)} package(s) outside the allow-list {sorted(allow)}", file=sys.stderr)
        return 1
    unused = sorted(allow - used)
    note = f"; allowed but unused: {', '.join(unused)}" if unused else ""
    print(f"check-licenses: {checked} packages, every licence allowed ({', '.join(sorted(allow))}){note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
