#!/usr/bin/env bash
# Retention under load (issue #22): does deleting a backlog of expired rows
# show in the answers' p99? One SQLite database is filled with BACKLOG events
# accepted 40 days ago (past the default 30 days' retention), copied twice,
# and `erpops serve` is measured on each copy with the same load generator:
#
# - anchor: retention off (`--retain-events-days 0`): nothing is deleted;
# - pruning: the default retention: the writer deletes the backlog in
#   batches of 500 between groups while the load runs.
#
# Printed: each run's loadgen line, the rows pruned during the measured
# pruning run, and the p99 and requests/s ratios (pruning / anchor).
#
# Usage: benches/receiver/retention.sh [connections=50] [seconds=15]
# Environment: BACKLOG (500000).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNS=${1:-50}
SECS=${2:-15}
BACKLOG=${BACKLOG:-500000}
cargo build --quiet --release -p erpops-receiver --bin erpops --example loadgen
BIN=${CARGO_TARGET_DIR:-target}/release
WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return; sleep 0.1; done; }
metric() { curl -s "http://127.0.0.1:$1/metrics" | sed -n "s/^$2 //p"; }

# The seed database: a tenant and connector, then the backlog of old events
# written straight into the events table (the receiver's own schema).
mkdir -p "$WORK/seed"
"$BIN/erpops" admin --data "$WORK/seed" tenants create bench --plan enterprise >/dev/null
out=$("$BIN/erpops" admin --data "$WORK/seed" connectors create --tenant bench --name load)
CONNECTOR=$(echo "$out" | sed -n 's/^connector_id: //p')
export ERPOPS_BENCH_SECRET=$(echo "$out" | sed -n 's/^secret: //p')
python3 - "$WORK/seed/erpops.sqlite3" "$CONNECTOR" "$BACKLOG" <<'EOF'
import sqlite3, sys, time
path, connector, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
old = int((time.time() - 40 * 86400) * 1e9)
event = ('{"connector_id":"%s","event_type":"integration.progress","timestamp":"2026-01-01T00:00:00Z",'
         '"severity":"info","source":"GL_LOAD","message":"%s"}') % (connector, "x" * 400)
db = sqlite3.connect(path)
db.execute("BEGIN")
db.executemany(
    "INSERT INTO events (event_id, tenant_id, connector_id, received_at, event_type, severity, "
    "source, incident_id, event_json, raw_body, event_second) "
    "VALUES (?, 'bench', ?, ?, 'integration.progress', 'info', 'GL_LOAD', NULL, ?, NULL, 0)",
    ((f"evt_{i:032x}", connector, old + i * 1000, event) for i in range(n)))
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
EOF
echo "seed: $BACKLOG events 40 days old, $(du -h "$WORK/seed/erpops.sqlite3" | cut -f1)"

measure() { # measure NAME SERVE_FLAGS... -> loadgen line; pruned rows in $WORK/NAME.pruned
  local name=$1 port
  shift
  rm -rf "$WORK/$name"; cp -r "$WORK/seed" "$WORK/$name"
  port=$(free_port)
  ERPOPS_LOG=warn "$BIN/erpops" serve --data "$WORK/$name" --listen 127.0.0.1:$port "$@" & PID=$!
  wait_port "$port"
  local before after line
  before=$(metric "$port" 'erpops_pruned_rows_total{kind="events"}')
  line=$("$BIN/examples/loadgen" "http://127.0.0.1:$port/functions/v1/receive-event" "$CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" "$SECS")
  after=$(metric "$port" 'erpops_pruned_rows_total{kind="events"}')
  echo $((after - before)) > "$WORK/$name.pruned"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  echo "$line"
}

ANCHOR=$(measure anchor --retain-events-days 0)
PRUNING=$(measure pruning)
echo "retention off (anchor):  $ANCHOR"
echo "pruning the backlog:     $PRUNING"
echo "rows pruned during the measured run: $(cat "$WORK/pruning.pruned") (anchor: $(cat "$WORK/anchor.pruned"))"
python3 - "$ANCHOR" "$PRUNING" <<'EOF'
import json, sys
a, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"p99 ratio (pruning / anchor): {p['p99_ms'] / a['p99_ms']:.2f}x  "
      f"({p['p99_ms']:.1f} ms vs {a['p99_ms']:.1f} ms)")
print(f"requests/s ratio (pruning / anchor): {p['rps'] / a['rps']:.2f}x")
EOF
