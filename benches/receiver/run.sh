#!/usr/bin/env bash
# Receive-endpoint load benchmark (issue #11): the erpops receiver with
# durability on (SQLite WAL, group commit, one fsync before each answer)
# against anchors measured in the same run: a bare hyper server and a Node
# `http` server that both verify + parse the same signed bodies and store
# nothing, and the same hyper server answering 202 with no work at all (the
# HTTP stack's ceiling with this load generator on this machine).
# Each event is stamped with the time it is sent; a last run sends erpops a
# burst of events all stamped with one second (`loadgen --one-timestamp`),
# the replay index's worst case.
# Usage: benches/receiver/run.sh [connections=50] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNS=${1:-50}
SECS=${2:-10}
cargo build --quiet --release -p erpops-receiver --bin erpops --example bare_hyper --example loadgen
BIN=target/release
DATA=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DATA"; }
trap cleanup EXIT

$BIN/erpops admin --data "$DATA" tenants create bench --plan enterprise >/dev/null
OUT=$($BIN/erpops admin --data "$DATA" connectors create --tenant bench --name load)
export ERPOPS_BENCH_CONNECTOR=$(echo "$OUT" | sed -n 's/^connector_id: //p')
export ERPOPS_BENCH_SECRET=$(echo "$OUT" | sed -n 's/^secret: //p')

ERPOPS_LOG=warn $BIN/erpops serve --data "$DATA" --listen 127.0.0.1:18080 & PIDS+=($!); ERPOPS_PID=$!
$BIN/examples/bare_hyper 127.0.0.1:18081 & PIDS+=($!); BARE_PID=$!
node benches/receiver/node_receiver.mjs 18082 & PIDS+=($!); NODE_PID=$!
$BIN/examples/bare_hyper 127.0.0.1:18083 --no-work & PIDS+=($!)
sleep 1

run() { $BIN/examples/loadgen "http://127.0.0.1:$1/functions/v1/receive-event" "$ERPOPS_BENCH_CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" "${2:-$SECS}" ${3:-}; }
# A 2 s warm-up of each, then the measured runs in turn.
for port in 18083 18081 18082 18080; do run "$port" 2 >/dev/null; done
CEILING=$(run 18083); BARE=$(run 18081); NODE=$(run 18082); ERPOPS=$(run 18080)
BURST=$(run 18080 "$SECS" --one-timestamp)
echo "hyper 202 (no work): $CEILING"
echo "bare hyper:  $BARE"
echo "node http:   $NODE"
echo "erpops:      $ERPOPS"
echo "one-second burst (erpops): $BURST"
# Peak resident set (VmHWM) of each server over the whole run.
hwm() { awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' "/proc/$1/status"; }
echo "peak RSS: erpops $(hwm $ERPOPS_PID), bare hyper $(hwm $BARE_PID), node $(hwm $NODE_PID)"
python3 - "$BARE" "$NODE" "$ERPOPS" "$CEILING" "$BURST" <<'PY'
import json, sys
bare, node, erp, ceiling, burst = (json.loads(a) for a in sys.argv[1:6])
print()
print("| server | requests/s | ratio to bare hyper | p50 ms | p99 ms | non-2xx |")
print("|---|---|---|---|---|---|")
for name, r in (("hyper answering 202 with no work (HTTP ceiling)", ceiling), ("bare hyper (verify + parse)", bare), ("Node http (verify + parse)", node), ("erpops serve (durable)", erp), ("erpops serve, every event stamped with one second", burst)):
    print(f"| {name} | {r['rps']:.0f} | {r['rps']/bare['rps']:.2f}x | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['non_2xx']} |")
print()
print(f"erpops / bare hyper = {erp['rps']/bare['rps']:.2f}x (target >= 0.5x); erpops / Node = {erp['rps']/node['rps']:.2f}x (target >= 2x); erpops p99 = {erp['p99_ms']:.2f} ms (target < 10 ms)")
PY
