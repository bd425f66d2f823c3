#!/usr/bin/env bash
# Browser test of the sandbox console: builds the mock (with the
# wxpay-devkit/web package embedded, so run js/scripts/ci.sh first), installs
# playwright-core from the lock file, and drives headless Chromium through
# the console. Screenshots land in mock-server/console/test/artifacts/.
#
#   bash mock-server/console/test.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

for f in index.js wxpay_wasm_bg.wasm wxpay_doctor_bg.wasm; do
  [ -f "js/dist/web/$f" ] || { echo "console test: js/dist/web/$f is missing: run bash js/scripts/ci.sh first" >&2; exit 1; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "console test: ${CHROMIUM:-/usr/bin/chromium} is missing (js/scripts/ci.sh installs Debian chromium)" >&2; exit 1; }

cargo build -p wxpay-mock --locked
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>process.stdout.write(JSON.parse(s).target_directory))')
bin="$target_dir/debug/wxpay-mock"
"$bin" --version >/dev/null

lock_hash=$(sha256sum "$HERE/test/package-lock.json" | cut -d' ' -f1)
stamp="$HERE/test/node_modules/.lock-sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  (cd "$HERE/test" && npm ci --no-audit --no-fund --ignore-scripts)
  printf '%s' "$lock_hash" >"$stamp"
fi
node "$HERE/test/console.test.mjs" "$bin"
