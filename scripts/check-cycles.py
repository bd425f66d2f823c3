#!/usr/bin/env python3
"""Fail when the module import graph of a workspace crate has a cycle.

    python3 scripts/check-cycles.py              # every workspace member
    python3 scripts/check-cycles.py mock-server  # one crate (its folder)
    python3 scripts/check-cycles.py --self-test  # the checker finds planted cycles

For each crate root (src/lib.rs, src/main.rs, every binary under src/bin/) the
module tree is followed through its `mod` declarations (`#[path]` honoured).
Every file is one node. An edge A -> B exists when file A names something that
lives in file B:

  * a `use` path starting with `crate::`, `super::` or `self::`, or with a
    module name in scope (a child module, or a name a `use` bound to a module);
  * the same kinds of paths written inline in code (`crate::a::b::f()`,
    `refund::settle(..)` beside `mod refund;`).

A path resolves to the deepest module that exists (`crate::a::b::Item` is an
edge to the file of `a::b`); a name that module only imports (`pub use`, or a
plain `use` a child sees) is followed to the module that defines it, so a
facade's re-exports do not count as the facade's own code. A path naming a
module itself (`use crate::pay;`) binds the name and adds no edge; the uses
through it do. The `mod x;` declaration itself is no edge (parent -> child), and
inline `mod tests { use super::*; }` stays within its file.

Comments, doc comments, strings and `$crate` (macro bodies) are ignored. The
module graph must be a DAG: exit status 1 names every cycle, file by file with
the names that tie each step, 0 otherwise, 2 on a usage error.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------
# Lexing: blank out comments and literals, keep offsets and newlines.

def strip_code(src: str) -> str:
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', src[i:i + 258]) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            m = re.match(r'r(#*)"', src[i:])
            end = src.find('"' + m.group(1), i + len(m.group(0)))
            j = n if end < 0 else end + 1 + len(m.group(1))
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "'":
            # char literal ('a', '\n', '\u{1F600}') vs lifetime ('a)
            m = re.match(r"'(\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'])'", src[i:i + 16])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------------------
# The module tree.

@dataclass
class FileMod:
    path: str       # file path, relative to the repo
    modpath: tuple  # ("crate", "a", "b")
    code: str = ""  # the source with comments and literals blanked


IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


class Crate:
    def __init__(self, name: str, root_file: str):
        self.name = name
        self.root_file = root_file
        self.files: dict[tuple, FileMod] = {}      # file modpath -> FileMod
        self.mod_file: dict[tuple, tuple] = {}     # any module path (incl. inline) -> file modpath
        self.uses: dict[tuple, dict] = {}          # module path -> {name: absolute path | None(glob)}
        self.children: dict[tuple, set] = {}       # module path -> child names

    def load(self):
        self._load_file(self.root_file, ("crate",))

    def _load_file(self, path: str, modpath: tuple):
        try:
            with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                raw = f.read()
        except OSError:
            return
        code = strip_code(raw)
        fm = FileMod(path, modpath, code)
        self.files[modpath] = fm
        self.mod_file[modpath] = modpath
        base = os.path.basename(path)
        if base in ("lib.rs", "main.rs", "mod.rs") or modpath == ("crate",):
            dir_ = os.path.dirname(path)
        else:
            dir_ = os.path.join(os.path.dirname(path), base[:-3])
        # walk declarations with a scope stack for inline modules
        stack = []  # (name, depth at which its body opened)
        depth = 0
        token = re.compile(r"[{}]|(?:pub(?:\s*\([^)]*\))?\s+)?\bmod\s+" + IDENT + r"\s*[;{]")
        for m in token.finditer(code):
            t = m.group(0)
            if t == "{":
                depth += 1
                continue
            if t == "}":
                depth -= 1
                if stack and stack[-1][1] == depth:
                    stack.pop()
                continue
            name = re.search(r"mod\s+(" + IDENT + ")", t).group(1)
            cur = modpath + tuple(s[0] for s in stack)
            self.children.setdefault(cur, set()).add(name)
            child = cur + (name,)
            # a #[path = "..."] attribute right before this declaration?
            pm = re.search(r'#\[path\s*=\s*"([^"]+)"\]\s*(?:#\[[^\]]*\]\s*)*$', raw[max(0, m.start() - 300):m.start()])
            attr = pm.group(1) if pm else None
            if t.endswith("{"):
                depth += 1
                stack.append((name, depth - 1))
                self.mod_file[child] = modpath
            else:
                sub = os.path.join(dir_, *[s[0] for s in stack])
                if attr:
                    cand = [os.path.normpath(os.path.join(os.path.dirname(path) if not stack else sub, attr))]
                else:
                    cand = [os.path.join(sub, name + ".rs"), os.path.join(sub, name, "mod.rs")]
                for c in cand:
                    if os.path.exists(os.path.join(ROOT, c)):
                        self._load_file(c, child)
                        break

    # -- scope of a position in a file: the inline module path it sits in
    def scopes(self, fm: FileMod):
        """Yield (start, end, module path) spans of a file's code."""
        spans = []
        stack = []
        depth = 0
        token = re.compile(r"[{}]|\bmod\s+(" + IDENT + r")\s*\{")
        last = 0
        cur = fm.modpath
        for m in token.finditer(fm.code):
            t = m.group(0)
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if stack and stack[-1][1] == depth:
                    spans.append((last, m.end(), cur))
                    last = m.end()
                    stack.pop()
                    cur = fm.modpath + tuple(s[0] for s in stack)
            else:
                spans.append((last, m.start(), cur))
                last = m.start()
                stack.append((m.group(1), depth))
                depth += 1
                cur = fm.modpath + tuple(s[0] for s in stack)
        spans.append((last, len(fm.code), cur))
        return spans


# ---------------------------------------------------------------------------
# Use trees and paths.

def parse_use_tree(text: str):
    """`a::{b, c::d as e, f::*}` -> [(["a","b"], "b"), (["a","c","d"], "e"), (["a","f"], "*")]"""
    text = re.sub(r"\s+", "", text)
    out = []

    def rec(prefix, s):
        # split s at top-level commas
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        for p in parts:
            if not p:
                continue
            if "{" in p:
                head, rest = p.split("{", 1)
                rest = rest[: rest.rfind("}")]
                segs = [x for x in head.split("::") if x]
                rec(prefix + segs, rest)
                continue
            alias = None
            if p.endswith("*"):
                segs = [x for x in p[:-1].split("::") if x]
                out.append((prefix + segs, "*"))
                continue
            segs = [x for x in p.split("::") if x]
            if segs and segs[-1] == "self":
                segs = segs[:-1]
                alias = prefix[-1] if not segs and prefix else (segs[-1] if segs else None)
            else:
                alias = segs[-1] if segs else None
            out.append((prefix + segs, alias))

    rec([], text)
    return out


USE_RE = re.compile(r"\buse\s+([^;]+);")


def parse_use(stmt: str):
    # normalise `x as y` before whitespace goes
    stmt = re.sub(r"\s+as\s+(" + IDENT + ")", r"@\1", stmt)
    items = []
    for segs, alias in parse_use_tree(stmt):
        if segs and "@" in segs[-1]:
            last, al = segs[-1].split("@", 1)
            segs = segs[:-1] + [last]
            alias = al
        items.append((segs, alias))
    return items


PATH_RE = re.compile(r"(?<![\w$:])(" + IDENT + r"(?:\s*::\s*" + IDENT + r")+)")


class Graph:
    def __init__(self, crate: Crate):
        self.c = crate
        self.edges: dict[str, dict[str, set]] = {}

    def absolutise(self, segs, mod):
        """Turn a path written in module `mod` into an absolute one, or None (extern, std, ...)."""
        if not segs:
            return None
        s = list(segs)
        if s[0] == "crate":
            return tuple(s)
        if s[0] in ("self", "super"):
            cur = list(mod)
            while s and s[0] in ("self", "super"):
                if s[0] == "super":
                    if len(cur) > 1:
                        cur.pop()
                s.pop(0)
            return tuple(cur + s)
        # a child module of this module, or a name bound by a `use` here or in an enclosing inline module
        m = tuple(mod)
        while True:
            if s[0] in self.c.children.get(m, ()):
                return m + tuple(s)
            bound = self.c.uses.get(m, {}).get(s[0])
            if bound:
                return tuple(bound) + tuple(s[1:])
            if m in self.c.files:  # stop at the file's own module: the file boundary
                break
            m = m[:-1]
        return None

    def resolve(self, path, seen=0):
        """Absolute path -> (file modpath, exact module?) of the module defining it."""
        if path is None or seen > 8:
            return None
        p = tuple(path)
        k = len(p)
        while k > 0 and p[:k] not in self.c.mod_file:
            k -= 1
        if k == 0:
            return None
        mod = p[:k]
        rest = p[k:]
        if not rest:
            return (self.c.mod_file[mod], True)
        # a name that module only imports: follow it
        bound = self.c.uses.get(mod, {}).get(rest[0])
        if bound:
            r = self.resolve(tuple(bound) + rest[1:], seen + 1)
            if r is not None:
                return r
            return None  # re-export of an external item
        return (self.c.mod_file[mod], False)

    def add(self, src_file, target, name):
        if target is None:
            return
        tfile, exact = target
        if exact or tfile == src_file:
            return
        a = self.c.files[src_file].path
        b = self.c.files[tfile].path
        self.edges.setdefault(a, {}).setdefault(b, set()).add(name)

    def build(self):
        c = self.c
        spans_of = {}
        # pass 1: bindings made by `use`
        for fmod, fm in c.files.items():
            spans = c.scopes(fm)
            spans_of[fmod] = spans
            for m in USE_RE.finditer(fm.code):
                scope = next(sp[2] for sp in spans if sp[0] <= m.start() < sp[1])
                for segs, alias in parse_use(m.group(1)):
                    if alias == "*" or not alias or alias == "_":
                        continue
                    c.uses.setdefault(scope, {})[alias] = segs  # raw; absolutised lazily below
        # absolutise the bindings (their own scope), to a fixed point
        raw = {scope: dict(b) for scope, b in c.uses.items()}
        c.uses = {}
        for _ in range(4):
            for scope, b in raw.items():
                for name, segs in b.items():
                    a = self.absolutise(segs, scope)
                    if a is not None:
                        c.uses.setdefault(scope, {})[name] = a
        # pass 2: edges from use statements and inline paths
        for fmod, fm in c.files.items():
            spans = spans_of[fmod]
            use_spans = []
            for m in USE_RE.finditer(fm.code):
                use_spans.append((m.start(), m.end()))
                scope = next(sp[2] for sp in spans if sp[0] <= m.start() < sp[1])
                for segs, alias in parse_use(m.group(1)):
                    a = self.absolutise(segs, scope)
                    if a is None:
                        continue
                    r = self.resolve(a)
                    if alias == "*" and r is not None:
                        r = (r[0], False)  # a glob import depends on the module's items
                    self.add(fmod, r, "::".join(a[1:]) or "crate")
            for m in PATH_RE.finditer(fm.code):
                if any(s <= m.start() < e for s, e in use_spans):
                    continue
                segs = re.split(r"\s*::\s*", m.group(1))
                scope = next(sp[2] for sp in spans if sp[0] <= m.start() < sp[1])
                a = self.absolutise(segs, scope)
                if a is None or a[0] != "crate":
                    continue
                self.add(fmod, self.resolve(a), "::".join(a[1:]))
        return self.edges


# ---------------------------------------------------------------------------
# Cycles.

def sccs(nodes, edges):
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            strong(v)
    return [c for c in out if len(c) > 1]


def shortest_cycle(comp, edges):
    """A shortest cycle through the component's first node (BFS)."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges.get(v, {})):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return [start]


def crate_roots(member: str):
    src = os.path.join(member, "src")
    roots = []
    for r in ("lib.rs", "main.rs"):
        if os.path.exists(os.path.join(ROOT, src, r)):
            roots.append(os.path.join(src, r))
    bindir = os.path.join(ROOT, src, "bin")
    if os.path.isdir(bindir):
        for e in sorted(os.listdir(bindir)):
            if e.endswith(".rs"):
                roots.append(os.path.join(src, "bin", e))
            elif os.path.exists(os.path.join(bindir, e, "main.rs")):
                roots.append(os.path.join(src, "bin", e, "main.rs"))
    return roots


def workspace_members():
    with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
        ws = tomllib.load(f)["workspace"]
    out = []
    for pattern in ws.get("members", []):
        if pattern.endswith("/*"):
            base = pattern[:-2]
            out += sorted(os.path.join(base, d) for d in os.listdir(os.path.join(ROOT, base))
                          if os.path.exists(os.path.join(ROOT, base, d, "Cargo.toml")))
        else:
            out.append(pattern)
    return out


def names_of(names, keep=4):
    names = sorted(names)
    more = f", and {len(names) - keep} more" if len(names) > keep else ""
    return ", ".join(names[:keep]) + more


def cycles_of(member):
    """For one crate folder: ([(crate root, [files of one cycle], edges)], files read)."""
    out, files = [], 0
    for root in crate_roots(member):
        crate = Crate(member, root)
        crate.load()
        files += len(crate.files)
        edges = Graph(crate).build()
        nodes = {fm.path for fm in crate.files.values()}
        out += [(root, comp, edges) for comp in sccs(nodes, edges)]
    return out, files


# Small crates with a known answer: the checker must find each planted cycle
# (so the test command's phase can fail) and pass the DAG.
SELF_TEST = {
    "cycle through a re-export": ({
        "src/lib.rs": "mod a;\nmod b;\nmod c;\npub use a::A;\n",
        "src/a.rs": "pub struct A;\npub fn f() { crate::b::g() }\n",
        "src/b.rs": "use super::c::C;\npub fn g() { let _ = C; }\n",
        "src/c.rs": "pub struct C;\nfn h() -> crate::A { crate::A }\n",
    }, [["src/a.rs", "src/b.rs", "src/c.rs"]]),
    "parent uses a child that uses the parent": ({
        "src/lib.rs": "mod pay;\n",
        "src/pay/mod.rs": "mod refund;\npub(crate) struct Ctx;\npub fn route() { refund::handle() }\n",
        "src/pay/refund.rs": "use super::Ctx;\npub fn handle() { let _ = Ctx; }\n",
    }, [["src/pay/mod.rs", "src/pay/refund.rs"]]),
    "a DAG: facade re-exports, inline tests, strings and comments": ({
        "src/lib.rs": "mod model;\nmod store;\npub use model::{Order, State};\n",
        "src/model/mod.rs": "mod order;\nmod state;\npub use order::Order;\npub use state::State;\n",
        "src/model/order.rs": "use crate::State;\npub struct Order(State);\n"
                              "#[cfg(test)]\nmod tests {\n    use super::*;\n    const S: &str = \"crate::store::X\";\n}\n",
        "src/model/state.rs": "/// See [`crate::store::Store`].\npub struct State; // crate::store::Store\n",
        "src/store.rs": "use crate::model::Order;\npub struct Store(Vec<Order>);\n",
    }, []),
}


def self_test():
    import tempfile
    global ROOT
    saved, failures = ROOT, 0
    try:
        for name, (files, want) in SELF_TEST.items():
            with tempfile.TemporaryDirectory() as tmp:
                ROOT = tmp
                open(os.path.join(tmp, "Cargo.toml"), "w").close()
                for path, text in files.items():
                    os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
                    with open(os.path.join(tmp, path), "w") as f:
                        f.write(text)
                got = sorted(sorted(comp) for _, comp, _ in cycles_of(".")[0])
                got = [[os.path.normpath(f) for f in comp] for comp in got]
                if got != want:
                    failures += 1
                    print(f"self-test {name!r}: found {got}, expected {want}", file=sys.stderr)
    finally:
        ROOT = saved
    if failures:
        return 1
    print(f"check-cycles: self-test passed ({len(SELF_TEST)} cases)")
    return 0


def main(argv):
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        return 0
    if argv == ["--self-test"]:
        return self_test()
    members = argv or workspace_members()
    failed = 0
    files = 0
    for member in members:
        member = member.rstrip("/")
        if not os.path.exists(os.path.join(ROOT, member, "Cargo.toml")):
            print(f"error: {member} is not a crate folder (no Cargo.toml)", file=sys.stderr)
            return 2
        found, n = cycles_of(member)
        files += n
        for root, comp, edges in found:
            failed += 1
            cyc = shortest_cycle(comp, edges)
            print(f"cycle in {root}'s module graph: {len(comp)} files tied together:")
            for f in comp:
                print(f"  {f}")
            print("  the shortest loop through the first, with the names each step uses:")
            for a, b in zip(cyc, cyc[1:]):
                print(f"    {a} -> {b}: {names_of(edges[a][b])}")
            inner = [(a, b) for a in comp for b in sorted(edges.get(a, {})) if b in comp]
            print(f"  every tie inside it ({len(inner)}):")
            for a, b in inner:
                print(f"    {a} -> {b}: {names_of(edges[a][b])}")
    if failed:
        print(f"check-cycles: {failed} import cycle(s); module imports must form a DAG "
              "(a child may use its parent's items only if the parent uses none of the child's)", file=sys.stderr)
        return 1
    print(f"check-cycles: no import cycle ({len(members)} crate(s), {files} module files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
