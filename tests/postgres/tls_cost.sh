#!/usr/bin/env bash
# What TLS to the database costs: `erpops serve` on one throwaway PostgreSQL
# server started with ssl=on (server.sh start DIR PORT tls), the same binary
# and load generator, sslmode=disable (the anchor) then verify-full, twice,
# alternating. Not run by `make test` (a release build and ~40 s of load).
# Usage: tests/postgres/tls_cost.sh [connections=50] [seconds=8]
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNS=${1:-50}; SECS=${2:-8}
cargo build --quiet --release -p erpops-receiver --bin erpops --example loadgen
BIN=target/release
DATA=$(mktemp -d); PG=$(mktemp -d /tmp/erpops-pgtls-bench.XXXXXX)
free() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free); HP=$(free)
SPID=""
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null || true; tests/postgres/server.sh stop "$PG"; rm -rf "$DATA"; }
trap cleanup EXIT
tests/postgres/server.sh start "$PG" "$PORT" tls
tests/postgres/server.sh createdb "$PG" "$PORT" bench
PLAIN="postgres://erpops@localhost:$PORT/bench?sslmode=disable"
TLS="postgres://erpops@localhost:$PORT/bench?sslmode=verify-full&sslrootcert=$PG/tls/ca.pem"
"$BIN/erpops" admin --store "$PLAIN" tenants create bench --plan enterprise >/dev/null
out=$("$BIN/erpops" admin --store "$PLAIN" connectors create --tenant bench --name load)
CONNECTOR=$(echo "$out" | sed -n 's/^connector_id: //p')
export ERPOPS_BENCH_SECRET=$(echo "$out" | sed -n 's/^secret: //p')
for round in 1 2; do
  for kind in plain tls; do
    url=$PLAIN; [ $kind = tls ] && url=$TLS
    ERPOPS_LOG=warn "$BIN/erpops" serve --store "$url" --data "$DATA/$kind$round" --listen 127.0.0.1:$HP & SPID=$!
    sleep 1
    "$BIN/examples/loadgen" "http://127.0.0.1:$HP/functions/v1/receive-event" "$CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" 2 >/dev/null
    echo "$kind round $round: $("$BIN/examples/loadgen" "http://127.0.0.1:$HP/functions/v1/receive-event" "$CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" "$SECS")"
    kill $SPID; wait $SPID 2>/dev/null || true; SPID=""
  done
done
