#!/usr/bin/env bash
# Load test (not a test): unifiedorder on wxpay-mock against a bare hyper
# handler that only parses, verifies and signs the same requests, measured in
# one run with wrk on this machine; then memory per stored order.
#
#   bash mock-server/bench/load.sh            # defaults below
#   DURATION=5s CONNS=50 ROUNDS=2 bash mock-server/bench/load.sh
#   PERSIST=1 bash mock-server/bench/load.sh   # the mock with --data-dir
#
# Needs: cargo, python3, wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-5s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
BODIES=${BODIES:-300000}
ROUNDS=${ROUNDS:-5}

for tool in cargo python3 wrk; do
  command -v "$tool" >/dev/null || { echo "error: $tool is required (wrk: apt-get install wrk)" >&2; exit 1; }
done

cargo build --release -p wxpay-mock --bin wxpay-mock --example bare-bench --quiet
BIN=target/release/wxpay-mock
BENCH=mock-server/bench
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

wait_url() { # file prefix -> url
  for _ in $(seq 100); do
    if grep -q "$2" "$1" 2>/dev/null; then sed -n "s|^$2 \(http://[^ ]*\).*|\1|p" "$1" | head -1; return; fi
    sleep 0.05
  done
  echo "server did not start: $(cat "$1")" >&2; exit 1
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, clock ticks
TICKS=$(getconf CLK_TCK)
orders() { curl -s "$1/mock/" | python3 -c 'import json,sys; print(json.load(sys.stdin)["orders"])'; }

run_wrk() { # label url runid pid
  python3 "$BENCH/gen_bodies.py" "$BODIES" "$3" > "$WORK/bodies-$3.txt"
  local out t0 t1
  t0=$(cpu_ticks "$4")
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$BENCH/unifiedorder.lua" "$2/pay/unifiedorder" -- "$WORK/bodies-$3.txt" "$THREADS")
  local rps p99 p50 errs
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  t1=$(cpu_ticks "$4")
  errs=$(grep -c "unexpected answer" <<<"$out" || true)
  local reqs cpu_us
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu_us=$(awk -v d="$((t1 - t0))" -v t="$TICKS" -v n="$reqs" 'BEGIN {printf "%.1f", d / t * 1e6 / n}')
  printf '%-6s %-5s req/s %10s   p50 %8s   p99 %8s   server CPU %6s us/req   bad answers %s\n' "$1" "$3" "$rps" "$p50" "$p99" "$cpu_us" "$errs"
  echo "$1 $rps" >> "$WORK/rps"
  echo "$1 $cpu_us" >> "$WORK/cpu"
}

cat > "$WORK/bench.toml" <<TOML
max_orders = 5000000
TOML
if [[ ${PERSIST:-0} == 1 ]]; then
  # The mock with --data-dir: every answer waits for its fsync'd commit.
  echo "data_dir = \"$WORK/data\"" >> "$WORK/bench.toml"
fi
"$BIN" serve --port 0 --quiet --config "$WORK/bench.toml" > "$WORK/mock.out" 2>&1 &
PIDS+=($!); MOCK_PID=$!
target/release/examples/bare-bench --port 0 > "$WORK/bare.out" 2>&1 &
PIDS+=($!); BARE_PID=$!
MOCK=$(wait_url "$WORK/mock.out" "wxpay-mock listening on")
BARE=$(wait_url "$WORK/bare.out" "bare handler listening on")

echo "wrk: $THREADS threads, $CONNS connections, $DURATION per run, $BODIES distinct signed bodies per run; $(nproc) cores"
rss0=$(rss_kib "$MOCK_PID"); n0=$(orders "$MOCK")
for r in $(seq "$ROUNDS"); do
  run_wrk bare "$BARE" "b$r" "$BARE_PID"
  run_wrk mock "$MOCK" "m$r" "$MOCK_PID"
done
summary() { # label -> "median best"
  grep "^$1 " "$WORK/rps" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f %.0f", m, a[NR]}'
}
read -r mmed mbest <<<"$(summary mock)"
read -r bmed bbest <<<"$(summary bare)"
echo "req/s over $ROUNDS alternating rounds: mock median $mmed best $mbest; bare median $bmed best $bbest"
awk -v m="$mmed" -v b="$bmed" -v mb="$mbest" -v bb="$bbest" 'BEGIN {printf "ratio mock/bare: median %.3f, best %.3f\n", m/b, mb/bb}'
cpu_med() { grep "^$1 " "$WORK/cpu" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
echo "server CPU per request (median): mock $(cpu_med mock) us, bare $(cpu_med bare) us"

rss1=$(rss_kib "$MOCK_PID"); n1=$(orders "$MOCK")
echo "memory: $((n1 - n0)) orders stored, RSS ${rss0} KiB -> ${rss1} KiB: $(( (rss1 - rss0) * 1024 / (n1 - n0 > 0 ? n1 - n0 : 1) )) bytes per stored order (RSS includes allocator slack)"
