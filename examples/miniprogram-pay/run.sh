#!/usr/bin/env bash
# The pay page of examples/miniprogram-pay, tested in Node: rendered with
# miniprogram-simulate, `wx` from wxpay-devkit/wx-runtime backed by the
# wxpay-mock binary, the example backend signing with wxpay-devkit.
#
#   bash examples/miniprogram-pay/run.sh   (from anywhere; after
#                                           bash js/scripts/ci.sh has built js/dist)
#
# Steps: npm ci here (skipped when node_modules matches package-lock.json)
# → cargo build -p wxpay-mock → node --test. Each test starts its own
# `wxpay-mock serve --port 0` and backend on 127.0.0.1 and stops them.
set -euo pipefail

EX_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$EX_DIR/../.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

die() {
  printf 'examples/miniprogram-pay/run.sh: error: %s\n' "$*" >&2
  exit 1
}
command -v node >/dev/null 2>&1 || die "Node.js 18 or newer is required."
command -v npm >/dev/null 2>&1 || die "npm is required (it ships with Node.js)."
command -v cargo >/dev/null 2>&1 || die "cargo is required (install Rust with rustup)."
[ -f js/dist/wx-runtime/index.cjs ] || die "the npm package is not built (js/dist/wx-runtime is missing): run 'bash js/scripts/ci.sh' first."

echo "=== examples/miniprogram-pay: npm ci"
lock_hash=$(node -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("hex"))' "$EX_DIR/package-lock.json")
stamp="$EX_DIR/node_modules/.wxpay-lock-sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  echo "node_modules matches package-lock.json"
else
  # --ignore-scripts: nothing may download at install time.
  (cd "$EX_DIR" && npm ci --no-audit --no-fund --ignore-scripts)
  printf '%s' "$lock_hash" >"$stamp"
fi

echo "=== examples/miniprogram-pay: cargo build -p wxpay-mock"
cargo build -p wxpay-mock --locked
export WXPAY_MOCK_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/wxpay-mock"
[ -x "$WXPAY_MOCK_BIN" ] || die "$WXPAY_MOCK_BIN is missing after the build"

echo "=== examples/miniprogram-pay: node --test"
cd "$EX_DIR"
node --test ./test/*.test.mjs
