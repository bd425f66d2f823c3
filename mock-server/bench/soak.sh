#!/usr/bin/env bash
# Soak (not a test): sustained mixed load on the release wxpay-mock — login,
# jscode2session, unifiedorder, requestPayment, orderquery, refund — with
# notify receivers that sometimes fail, for a bounded time. Reports
# throughput, p50/p99, errors (must be 0), and every SAMPLE seconds the
# mock's RSS, stored orders and notifications by state (flat RSS once the
# retention caps are reached).
#
#   bash mock-server/bench/soak.sh                 # 60 s
#   DURATION=600 bash mock-server/bench/soak.sh    # 10 minutes
#   PERSIST=1 bash mock-server/bench/soak.sh       # with --data-dir (fsync'd)
#
# Environment: DURATION (s, default 60), WORKERS (default 8), SAMPLE (s,
# default 5), RATE (flows/s, default 150; 0 = as fast as the generator can:
# then the Python notify receivers, at a few hundred answers a second, fall
# behind and pending notifies pile up, which is not the mock's doing),
# MAX_ORDERS (default 5000), MAX_NOTIFICATIONS (default 5000),
# PERSIST (1: serve with --data-dir in a temporary directory and report the
# database file's size at the end).
# Needs: cargo, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-60}
WORKERS=${WORKERS:-8}
SAMPLE=${SAMPLE:-5}
MAX_ORDERS=${MAX_ORDERS:-5000}
RATE=${RATE:-150}
MAX_NOTIFICATIONS=${MAX_NOTIFICATIONS:-5000}

for tool in cargo python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
done

cargo build --release -p wxpay-mock --quiet
WORK=$(mktemp -d)
PID=
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

PERSIST_ARGS=()
if [[ ${PERSIST:-0} == 1 ]]; then
  PERSIST_ARGS=(--data-dir "$WORK/data")
fi
WXPAY_MOCK_MAX_ORDERS=$MAX_ORDERS WXPAY_MOCK_MAX_NOTIFICATIONS=$MAX_NOTIFICATIONS \
  target/release/wxpay-mock serve --port 0 --quiet "${PERSIST_ARGS[@]}" >"$WORK/out" 2>"$WORK/err" &
PID=$!
URL=
for _ in $(seq 100); do
  URL=$(sed -n 's|^wxpay-mock listening on \(http://[^ ]*\).*|\1|p' "$WORK/out" 2>/dev/null | head -1 || true)
  [[ -n $URL ]] && break
  sleep 0.05
done
[[ -n $URL ]] || { echo "the mock did not start: $(cat "$WORK/err")" >&2; exit 1; }
echo "wxpay-mock at $URL (pid $PID), max_orders $MAX_ORDERS, max_notifications $MAX_NOTIFICATIONS, ${DURATION}s, $WORKERS workers, $RATE flows/s${PERSIST_ARGS[*]:+, persistence on}"
set +e
python3 mock-server/bench/soak.py "$URL" "$PID" "$DURATION" "$WORKERS" "$SAMPLE" "$RATE"
rc=$?
set -e
if ! kill -0 "$PID" 2>/dev/null; then
  echo "the mock died: $(tail -5 "$WORK/err")" >&2
  exit 1
fi
if [[ ${PERSIST:-0} == 1 ]]; then
  echo "data dir: $(du -h "$WORK/data/wxpay-mock.redb" | cut -f1) database file"
fi
if [[ -s $WORK/err ]]; then
  echo "mock stderr (warnings):"; tail -5 "$WORK/err"
fi
exit $rc
