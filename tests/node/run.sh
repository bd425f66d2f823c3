#!/usr/bin/env bash
# Interop flows in Node: tenpay 2.1.18 (a real third-party SDK) and the
# wxpay-devkit npm package against the wxpay-mock binary, on loopback.
#
#   bash tests/node/run.sh        (from anywhere; after bash js/scripts/ci.sh
#                                  has built the npm package into js/dist)
#
# Steps: npm ci in tests/node (skipped when node_modules matches
# package-lock.json) → cargo build -p wxpay-mock → node --test. Each test
# starts its own `wxpay-mock serve --port 0` and stops it.
set -euo pipefail

NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$NODE_DIR/../.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

die() {
  printf 'tests/node/run.sh: error: %s\n' "$*" >&2
  exit 1
}
command -v node >/dev/null 2>&1 || die "Node.js 18 or newer is required."
command -v npm >/dev/null 2>&1 || die "npm is required (it ships with Node.js)."
command -v cargo >/dev/null 2>&1 || die "cargo is required (install Rust with rustup)."
[ -f js/dist/node/index.mjs ] || die "the npm package is not built (js/dist/node/index.mjs is missing): run 'bash js/scripts/ci.sh' first."

echo "=== tests/node: npm ci"
lock_hash=$(node -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("hex"))' tests/node/package-lock.json)
stamp=tests/node/node_modules/.wxpay-lock-sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  echo "node_modules matches package-lock.json"
else
  # --ignore-scripts: nothing may download at install time.
  (cd tests/node && npm ci --no-audit --no-fund --ignore-scripts)
  printf '%s' "$lock_hash" >"$stamp"
fi

echo "=== tests/node: cargo build -p wxpay-mock"
cargo build -p wxpay-mock --locked
export WXPAY_MOCK_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/wxpay-mock"
[ -x "$WXPAY_MOCK_BIN" ] || die "$WXPAY_MOCK_BIN is missing after the build"

echo "=== tests/node: node --test"
cd tests/node
node --test ./*.test.mjs
