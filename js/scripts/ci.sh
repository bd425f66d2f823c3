#!/usr/bin/env bash
# The npm package's CI: installs what is missing, builds the wasm package and
# runs every JS check. Safe on a fresh machine (rustup stable, cargo, Node 18+,
# npm, apt as root) and idempotent: installs that are already satisfied are
# skipped.
#
#   bash js/scripts/ci.sh          (from the repository root, or anywhere)
#
# Phases: prerequisites → wasm32 target → wasm-bindgen CLI (the exact
# Cargo.lock version) → Debian chromium + wabt → npm ci → build (4 cargo
# builds, wasm-bindgen, wasm-opt from npm binaryen, the MVP Mini-Program
# flavour, brotli) → tsc on the declarations → node --test (vectors, input
# rules, errors, random parity, UTF-8 fallback, CJS/ESM, headless Chromium,
# Mini-Program realm, npm pack + consumer).
set -euo pipefail

JS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$JS_DIR/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

start_all=$(date +%s)
phase_name=""
phase_start=0
timings=()
phase() {
  end_phase
  phase_name="$*"
  phase_start=$(date +%s)
  printf '\n=== js: %s\n' "$phase_name"
}
end_phase() {
  if [ -n "$phase_name" ]; then
    local took=$(($(date +%s) - phase_start))
    printf -- '--- js: %s: %ss\n' "$phase_name" "$took"
    timings+=("$(printf '%5ss  %s' "$took" "$phase_name")")
    phase_name=""
  fi
}
die() {
  printf '\njs/scripts/ci.sh: error: %s\n' "$*" >&2
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not found. $2"; }

# ---------------------------------------------------------------- prerequisites
phase "prerequisites"
need cargo "Install Rust with rustup (stable)."
need rustup "The wasm target is added with rustup; install Rust with rustup."
need node "Install Node.js 18 or newer."
need npm "Install npm (it ships with Node.js)."
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "Node.js 18 or newer is required (found $(node --version))."
[ -f Cargo.lock ] || die "Cargo.lock is missing at $ROOT (run from a checkout of the repository)."
[ -f js/package-lock.json ] || die "js/package-lock.json is missing."
echo "node $(node --version), npm $(npm --version), $(cargo --version)"

# ---------------------------------------------------------------- rust target
phase "rustup target wasm32-unknown-unknown"
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "already installed"
else
  rustup target add wasm32-unknown-unknown
fi

# ---------------------------------------------------------------- wasm-bindgen CLI
phase "wasm-bindgen CLI"
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$wb_version" ] || die "no wasm-bindgen entry in Cargo.lock"
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$wb_version" ]; then
  echo "wasm-bindgen $have already installed"
else
  echo "installing wasm-bindgen-cli $wb_version (found: ${have:-none}); this takes a few minutes"
  # --locked can fail when a locked dependency is missing from the registry
  # mirror; then install unlocked (same CLI version either way).
  if ! cargo install wasm-bindgen-cli --version "$wb_version" --no-default-features --locked; then
    echo "cargo install --locked failed; retrying without --locked"
    cargo install wasm-bindgen-cli --version "$wb_version" --no-default-features
  fi
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  [ "$have" = "$wb_version" ] || die "wasm-bindgen $wb_version is still not on PATH after cargo install (found: ${have:-none})"
fi

# ---------------------------------------------------------------- Debian packages
phase "Debian packages: chromium, wabt"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v wasm-validate >/dev/null 2>&1 || missing+=(wabt)
if [ ${#missing[@]} -eq 0 ]; then
  echo "chromium and wabt already installed"
else
  need apt-get "Install ${missing[*]} (Debian packages) by hand."
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo -n)
    else
      die "installing ${missing[*]} needs root (apt-get); run as root or install them by hand"
    fi
  else
    SUDO=()
  fi
  echo "installing: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is still missing after apt-get install chromium"
  command -v wasm-validate >/dev/null 2>&1 || die "wasm-validate is still missing after apt-get install wabt"
fi

# ---------------------------------------------------------------- npm
phase "npm ci"
lock_hash=$(node -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("hex"))' js/package-lock.json)
stamp=js/node_modules/.wxpay-lock-sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  echo "node_modules matches package-lock.json"
else
  # --ignore-scripts: nothing may download at install time.
  (cd js && npm ci --no-audit --no-fund --ignore-scripts)
  printf '%s' "$lock_hash" >"$stamp"
fi

# ---------------------------------------------------------------- build
phase "build (cargo ×4, wasm-bindgen, wasm-opt, MVP flavour, brotli)"
node js/scripts/build.mjs

# ---------------------------------------------------------------- types
phase "tsc (declarations)"
node js/node_modules/typescript/bin/tsc -p js/test/types/tsconfig.json
echo "tsc: ok"

# ---------------------------------------------------------------- tests
phase "node --test (Node, Chromium, Mini-Program realm, npm pack)"
node --test js/test/*.test.mjs js/test/*.test.cjs

end_phase
printf '\n=== js: timings\n'
printf '%s\n' "${timings[@]}"
printf '%5ss  total\n' "$(($(date +%s) - start_all))"
