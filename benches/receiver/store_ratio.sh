#!/usr/bin/env bash
# Shared-store throughput (issue #14): `erpops serve` on SQLite (single node,
# the anchor) against the same binary on PostgreSQL (one receiver, then two
# receivers on one database, their requests/s added), measured in the same
# run with the same load generator. PostgreSQL is a throwaway server from
# tests/postgres/server.sh (fsync on, synchronous_commit on: a 202 is
# durable in both).
# Usage: benches/receiver/store_ratio.sh [connections=50] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNS=${1:-50}
SECS=${2:-10}
cargo build --quiet --release -p erpops-receiver --bin erpops --example loadgen
BIN=target/release
DATA=$(mktemp -d)
PG=$(mktemp -d /tmp/erpops-pg-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  tests/postgres/server.sh stop "$PG"
  rm -rf "$DATA"
}
trap cleanup EXIT
tests/postgres/server.sh start "$PG" "$PORT"
tests/postgres/server.sh createdb "$PG" "$PORT" bench
URL="postgres://erpops@127.0.0.1:$PORT/bench"

setup() { # setup ADMIN_ARGS... -> exports the connector and secret
  "$BIN/erpops" admin "$@" tenants create bench --plan enterprise >/dev/null
  local out
  out=$("$BIN/erpops" admin "$@" connectors create --tenant bench --name load)
  CONNECTOR=$(echo "$out" | sed -n 's/^connector_id: //p')
  export ERPOPS_BENCH_SECRET=$(echo "$out" | sed -n 's/^secret: //p')
}
run() { "$BIN/examples/loadgen" "http://127.0.0.1:$1/functions/v1/receive-event" "$CONNECTOR" ERPOPS_BENCH_SECRET "$2" "$3"; }

setup --data "$DATA"
ERPOPS_LOG=warn "$BIN/erpops" serve --data "$DATA" --listen 127.0.0.1:18090 & PIDS+=($!)
sleep 1
run 18090 "$CONNS" 2 >/dev/null
SQLITE=$(run 18090 "$CONNS" "$SECS")
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true; PIDS=()

setup --store "$URL"
ERPOPS_LOG=warn "$BIN/erpops" serve --store "$URL" --data "$DATA/a" --listen 127.0.0.1:18091 & PIDS+=($!)
ERPOPS_LOG=warn "$BIN/erpops" serve --store "$URL" --data "$DATA/b" --listen 127.0.0.1:18092 & PIDS+=($!)
sleep 1
run 18091 "$CONNS" 2 >/dev/null
PG1=$(run 18091 "$CONNS" "$SECS")
# Two receivers, each with half the connections, at the same time.
HALF=$(( (CONNS + 1) / 2 ))
run 18091 "$HALF" "$SECS" > "$DATA/pg2a" & A=$!
run 18092 "$HALF" "$SECS" > "$DATA/pg2b" & B=$!
wait $A $B
PG2A=$(cat "$DATA/pg2a"); PG2B=$(cat "$DATA/pg2b")
echo "sqlite:        $SQLITE"
echo "postgres x1:   $PG1"
echo "postgres x2:   $PG2A + $PG2B"
python3 - "$SQLITE" "$PG1" "$PG2A" "$PG2B" <<'PY'
import json, sys
sq, p1, a, b = (json.loads(x) for x in sys.argv[1:5])
two = a["rps"] + b["rps"]
print()
print("| store | requests/s | ratio to SQLite single node | p50 ms | p99 ms | non-2xx |")
print("|---|---|---|---|---|---|")
print(f"| SQLite, one receiver (anchor) | {sq['rps']:.0f} | 1.00x | {sq['p50_ms']:.2f} | {sq['p99_ms']:.2f} | {sq['non_2xx']} |")
print(f"| PostgreSQL, one receiver | {p1['rps']:.0f} | {p1['rps']/sq['rps']:.2f}x | {p1['p50_ms']:.2f} | {p1['p99_ms']:.2f} | {p1['non_2xx']} |")
print(f"| PostgreSQL, two receivers (sum) | {two:.0f} | {two/sq['rps']:.2f}x | {max(a['p50_ms'], b['p50_ms']):.2f} | {max(a['p99_ms'], b['p99_ms']):.2f} | {a['non_2xx'] + b['non_2xx']} |")
PY
