#!/usr/bin/env bash
# Shared-store throughput (issues #14, #21): `erpops serve` on SQLite (single
# node, the anchor) against the same binary on PostgreSQL (one receiver, then
# two receivers on one database, their requests/s added), measured in the
# same run with the same load generator. PostgreSQL is a throwaway server
# from tests/postgres/server.sh (fsync on, synchronous_commit on: a 202 is
# durable in both).
#
# Two workloads, each on all three set-ups:
# - one tenant, one correlation key (every event on the same key: the most
#   contended case for the shared engine);
# - many tenants: TENANTS tenants (each its own connector, created with
#   `erpops admin`, the time it took printed) × TENANT_KEYS correlation keys
#   each (`loadgen --tenants-file F --keys N`), every (tenant, key) pair
#   seeded with one event first (`--seed`), so all keys exist and hold
#   incident state before the measured run.
#
# Usage: benches/receiver/store_ratio.sh [connections=50] [seconds=10]
# Environment: TENANTS (200), TENANT_KEYS (50).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNS=${1:-50}
SECS=${2:-10}
TENANTS=${TENANTS:-200}
TENANT_KEYS=${TENANT_KEYS:-50}
cargo build --quiet --release -p erpops-receiver --bin erpops --example loadgen
BIN=${CARGO_TARGET_DIR:-target}/release
DATA=$(mktemp -d)
PG=$(mktemp -d /tmp/erpops-pg-bench.XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Free ports, not fixed ones: other runs may share the machine.
PORT=$(free_port); SQ=$(free_port); PA=$(free_port); PB=$(free_port)
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
# tenants FILE ADMIN_ARGS...: TENANTS tenants (Enterprise: no quota in the
# way) with a connector each, written to FILE as `connector_id secret` lines
# (loadgen's --tenants-file). Two `erpops admin` calls per tenant.
tenants() {
  local file=$1 start out i
  shift
  : >"$file"
  start=$(date +%s.%N)
  for i in $(seq -f '%04g' 1 "$TENANTS"); do
    "$BIN/erpops" admin "$@" tenants create "t$i" --plan enterprise >/dev/null
    out=$("$BIN/erpops" admin "$@" connectors create --tenant "t$i" --name load)
    echo "$(echo "$out" | sed -n 's/^connector_id: //p') $(echo "$out" | sed -n 's/^secret: //p')" >>"$file"
  done
  echo "$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")"
}
receive() { echo "http://127.0.0.1:$1/functions/v1/receive-event"; }
run() { "$BIN/examples/loadgen" "$(receive "$1")" "$CONNECTOR" ERPOPS_BENCH_SECRET "$2" "$3"; }
run_many() { "$BIN/examples/loadgen" "$(receive "$1")" --tenants-file "$4" "$2" "$3" --keys "$TENANT_KEYS"; }
seed_many() { "$BIN/examples/loadgen" "$(receive "$1")" --tenants-file "$2" "$CONNS" 0 --keys "$TENANT_KEYS" --seed; }
# The machine's busy share of all its cores between two readings of
# /proc/stat: near 100% means the phase was bound by this machine's CPU
# (load generator, receivers and PostgreSQL share it), not by the store.
jiffies() { awk '/^cpu /{busy=$2+$3+$4+$7+$8; print busy, busy+$5+$6}' /proc/stat; }
busy_since() { # busy_since "BUSY TOTAL" -> percent
  local now; now=$(jiffies)
  python3 -c "import sys; b0,t0,b1,t1=map(int,sys.argv[1:5]); print(f'{100*(b1-b0)/max(1,t1-t0):.0f}%')" $1 $now
}
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return; sleep 0.1; done; }
HALF=$(( (CONNS + 1) / 2 ))

# SQLite, one receiver.
setup --data "$DATA"
SQ_TENANTS_S=$(tenants "$DATA/tenants-sqlite" --data "$DATA")
ERPOPS_LOG=warn "$BIN/erpops" serve --data "$DATA" --listen 127.0.0.1:$SQ & PIDS+=($!)
wait_port $SQ
run $SQ "$CONNS" 2 >/dev/null
SQLITE=$(run $SQ "$CONNS" "$SECS")
SQ_SEED=$(seed_many $SQ "$DATA/tenants-sqlite")
J=$(jiffies)
SQLITE_MT=$(run_many $SQ "$CONNS" "$SECS" "$DATA/tenants-sqlite")
SQ_MT_CPU=$(busy_since "$J")
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true; PIDS=()

# PostgreSQL: two receivers on one database; one of them alone, then both.
setup --store "$URL"
PG_TENANTS_S=$(tenants "$DATA/tenants-pg" --store "$URL")
ERPOPS_LOG=warn "$BIN/erpops" serve --store "$URL" --data "$DATA/a" --listen 127.0.0.1:$PA & PIDS+=($!)
ERPOPS_LOG=warn "$BIN/erpops" serve --store "$URL" --data "$DATA/b" --listen 127.0.0.1:$PB & PIDS+=($!)
wait_port $PA; wait_port $PB
run $PA "$CONNS" 2 >/dev/null
PG1=$(run $PA "$CONNS" "$SECS")
# Two receivers, each with half the connections, at the same time.
run $PA "$HALF" "$SECS" > "$DATA/pg2a" & A=$!
run $PB "$HALF" "$SECS" > "$DATA/pg2b" & B=$!
wait $A $B
PG2A=$(cat "$DATA/pg2a"); PG2B=$(cat "$DATA/pg2b")
PG_SEED=$(seed_many $PA "$DATA/tenants-pg")
J=$(jiffies)
PG1_MT=$(run_many $PA "$CONNS" "$SECS" "$DATA/tenants-pg")
PG1_MT_CPU=$(busy_since "$J")
J=$(jiffies)
run_many $PA "$HALF" "$SECS" "$DATA/tenants-pg" > "$DATA/pg2a" & A=$!
run_many $PB "$HALF" "$SECS" "$DATA/tenants-pg" > "$DATA/pg2b" & B=$!
wait $A $B
PG2_MT_CPU=$(busy_since "$J")
PG2A_MT=$(cat "$DATA/pg2a"); PG2B_MT=$(cat "$DATA/pg2b")
# Two receivers, the tenants split between them (a balancer with affinity
# by connector): their groups share no tenant, so their engine partitions
# never make them wait for each other.
half=$(( (TENANTS + 1) / 2 ))
head -n "$half" "$DATA/tenants-pg" > "$DATA/tenants-pg-a"
tail -n +"$((half + 1))" "$DATA/tenants-pg" > "$DATA/tenants-pg-b"
J=$(jiffies)
run_many $PA "$HALF" "$SECS" "$DATA/tenants-pg-a" > "$DATA/pg2a" & A=$!
run_many $PB "$HALF" "$SECS" "$DATA/tenants-pg-b" > "$DATA/pg2b" & B=$!
wait $A $B
PG2S_MT_CPU=$(busy_since "$J")
PG2SA_MT=$(cat "$DATA/pg2a"); PG2SB_MT=$(cat "$DATA/pg2b")

echo "tenants created ($TENANTS, 2 erpops admin calls each): SQLite ${SQ_TENANTS_S}s, PostgreSQL ${PG_TENANTS_S}s"
echo "seed ($TENANTS tenants x $TENANT_KEYS keys, one event each): SQLite $SQ_SEED"
echo "                                                    PostgreSQL $PG_SEED"
echo "one key, sqlite:        $SQLITE"
echo "one key, postgres x1:   $PG1"
echo "one key, postgres x2:   $PG2A + $PG2B"
echo "many,    sqlite:        $SQLITE_MT"
echo "many,    postgres x1:   $PG1_MT"
echo "many,    postgres x2:   $PG2A_MT + $PG2B_MT"
echo "many,    postgres x2, tenants split: $PG2SA_MT + $PG2SB_MT"
echo "machine CPU busy ($(nproc) cores), many tenants: SQLite $SQ_MT_CPU, PostgreSQL x1 $PG1_MT_CPU, x2 $PG2_MT_CPU, x2 split $PG2S_MT_CPU"
python3 - "$TENANTS" "$TENANT_KEYS" "$SQLITE" "$PG1" "$PG2A" "$PG2B" "$SQLITE_MT" "$PG1_MT" "$PG2A_MT" "$PG2B_MT" "$PG2SA_MT" "$PG2SB_MT" <<'PY'
import json, sys
tenants, keys = int(sys.argv[1]), int(sys.argv[2])
r = [json.loads(x) for x in sys.argv[3:]]
print()
print("| workload | store | requests/s | ratio to SQLite (same workload, same run) | p50 ms | p99 ms | non-2xx |")
print("|---|---|---|---|---|---|---|")
for name, (sq, p1, a, b) in [
    ("1 tenant, 1 key", r[0:4]),
    (f"{tenants} tenants x {keys} keys", r[4:8]),
]:
    two = a["rps"] + b["rps"]
    print(f"| {name} | SQLite, one receiver (anchor) | {sq['rps']:.0f} | 1.00x | {sq['p50_ms']:.2f} | {sq['p99_ms']:.2f} | {sq['non_2xx']} |")
    print(f"| {name} | PostgreSQL, one receiver | {p1['rps']:.0f} | {p1['rps']/sq['rps']:.2f}x | {p1['p50_ms']:.2f} | {p1['p99_ms']:.2f} | {p1['non_2xx']} |")
    print(f"| {name} | PostgreSQL, two receivers (sum) | {two:.0f} | {two/sq['rps']:.2f}x | {max(a['p50_ms'], b['p50_ms']):.2f} | {max(a['p99_ms'], b['p99_ms']):.2f} | {a['non_2xx'] + b['non_2xx']} |")
a, b = r[8], r[9]
two = a["rps"] + b["rps"]
sq = r[4]
print(f"| {tenants} tenants x {keys} keys | PostgreSQL, two receivers, tenants split between them (sum) | {two:.0f} | {two/sq['rps']:.2f}x | {max(a['p50_ms'], b['p50_ms']):.2f} | {max(a['p99_ms'], b['p99_ms']):.2f} | {a['non_2xx'] + b['non_2xx']} |")
PY
