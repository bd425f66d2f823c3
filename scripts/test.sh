#!/usr/bin/env bash
# The project's test command: installs what the tests need (only what is
# missing or at the wrong version) and runs every check and test.
#
#   bash scripts/test.sh
#
# Phases: toolchain targets → module cycles, MSRV and licences (fast, offline)
# → fmt → clippy → docs → Rust tests (core, mock
# server, end-to-end) → no_std build of core → the wasm build and the npm
# package's tests (js/scripts/ci.sh: Node, browser, Mini-Program realm,
# packaging) → the mock's console in headless Chromium → the npm package and
# a third-party SDK (tenpay) against the mock binary (tests/node).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
start_all=$(date +%s)
phase() { printf '\n=== %s\n' "$*"; phase_start=$(date +%s); }
done_phase() { printf -- '--- done in %ss\n' "$(( $(date +%s) - phase_start ))"; }

need() { command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is required but not installed. $2" >&2; exit 1; }; }
need cargo "Install Rust with rustup (https://rustup.rs)."
need rustup "The tests add targets with rustup; install Rust with rustup."
need node "Install Node.js 18 or newer."
need npm "Install npm (it ships with Node.js)."
need python3 "Install Python 3.11 or newer (the static checks use its tomllib)."

phase "toolchain: components and targets"
installed_components=$(rustup component list --installed 2>/dev/null || true)
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$installed_components" || rustup component add "$c"
done
installed_targets=$(rustup target list --installed)
for t in thumbv7em-none-eabihf wasm32-unknown-unknown; do
  grep -qx "$t" <<<"$installed_targets" || rustup target add "$t"
done
done_phase

phase "module imports form a DAG (scripts/check-cycles.py)"
python3 scripts/check-cycles.py --self-test
python3 scripts/check-cycles.py
done_phase

phase "MSRV: rust-version covers every dependency (scripts/check-msrv.py)"
python3 scripts/check-msrv.py
done_phase

phase "licences within deny.toml's allow-list (scripts/check-licenses.py)"
python3 scripts/check-licenses.py
done_phase

phase "cargo fmt --check"
cargo fmt --all -- --check
done_phase

phase "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
done_phase

phase "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
done_phase

phase "cargo test (core, mock server, end-to-end)"
cargo test --workspace --locked
done_phase

phase "no_std: core for a bare-metal target"
cargo build -p wxpay-core --no-default-features --target thumbv7em-none-eabihf --locked
cargo build -p wxpay-core --no-default-features --features v3 --target thumbv7em-none-eabihf --locked
done_phase

phase "wasm build and npm package tests"
bash js/scripts/ci.sh
done_phase

phase "mock console in headless Chromium"
bash mock-server/console/test.sh
done_phase

phase "end-to-end with the npm package and a third-party SDK (tenpay) against the mock"
bash tests/node/run.sh
done_phase

phase "a mini-program pay page (miniprogram-simulate + wxpay-devkit/wx-runtime) against the mock"
bash examples/miniprogram-pay/run.sh
done_phase

printf '\nall checks passed in %ss\n' "$(( $(date +%s) - start_all ))"
