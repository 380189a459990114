#!/usr/bin/env bash
# CPU time per request of each receive server, by thread, under the same
# closed-loop load as run.sh: the server's utime+stime (from
# /proc/PID/task/*/stat) before and after a fixed loadgen run, divided by the
# requests answered. Unlike requests/s this barely moves when other builds
# load the machine, so it is the figure to compare code changes with.
# Usage: benches/receiver/cpu.sh [connections=50] [seconds=5] [servers="erpops bare ceiling"]
# (`alt` in the list runs the erpops binary at $ERPOPS_ALT: A/B of two builds.)
# Prints one line per server: total µs/request, then µs/request per thread
# name (tokio workers summed), the requests/s and p99 of the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNS=${1:-50}
SECS=${2:-5}
SERVERS=${3:-erpops bare ceiling}
cargo build --quiet --release -p erpops-receiver --bin erpops --example bare_hyper --example loadgen
BIN=target/release
DATA=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

# A fresh data directory with the bench tenant and connector, made by the
# erpops binary $1 (each server gets its own: builds may differ in schema).
setup() {
  rm -rf "$DATA"; mkdir -p "$DATA"
  "$1" admin --data "$DATA" tenants create bench --plan enterprise >/dev/null
  OUT=$("$1" admin --data "$DATA" connectors create --tenant bench --name load)
  export ERPOPS_BENCH_CONNECTOR=$(echo "$OUT" | sed -n 's/^connector_id: //p')
  export ERPOPS_BENCH_SECRET=$(echo "$OUT" | sed -n 's/^secret: //p')
}

# Per-thread CPU ticks of a process: "name ticks" lines (tokio workers and
# blocking threads merged by name).
ticks() {
  for t in /proc/"$1"/task/*; do
    # comm may hold spaces: take the fields after the closing parenthesis.
    local stat name
    stat=$(cat "$t/stat" 2>/dev/null) || continue
    name=$(cat "$t/comm" 2>/dev/null | tr ' ' '_')
    echo "$name ${stat##*) }" | awk '{print $1, $13 + $14}'
  done | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}'
}

measure() { # name port pid
  local before after result
  $BIN/examples/loadgen "http://127.0.0.1:$2/functions/v1/receive-event" "$ERPOPS_BENCH_CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" 2 >/dev/null
  before=$(ticks "$3")
  result=$($BIN/examples/loadgen "http://127.0.0.1:$2/functions/v1/receive-event" "$ERPOPS_BENCH_CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" "$SECS")
  after=$(ticks "$3")
  python3 - "$1" "$result" "$before" "$after" "$(getconf CLK_TCK)" "$3" <<'PY'
import json, sys
name, result, before, after, hz, pid = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
def parse(s):
    return {l.split()[0]: int(l.split()[1]) for l in s.splitlines() if l.strip()}
b, a = parse(before), parse(after)
n = result["requests"]
per = {k: (a[k] - b.get(k, 0)) / hz * 1e6 / n for k in a}
total = sum(per.values())
rss = 0
for line in open(f"/proc/{pid}/status"):
    if line.startswith("VmHWM:"):
        rss = int(line.split()[1]) // 1024
parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(per.items(), key=lambda kv: -kv[1]) if v >= 0.05)
print(f"{name}: {total:.1f} us/request CPU ({parts}); {result['rps']:.0f} req/s, p99 {result['p99_ms']:.2f} ms, non-2xx {result['non_2xx']}, peak RSS {rss} MiB")
PY
}

port=28190
for s in $SERVERS; do
  port=$((port + 1))
  case $s in
    erpops) setup $BIN/erpops; ERPOPS_LOG=warn $BIN/erpops serve --data "$DATA" --listen 127.0.0.1:$port & PIDS+=($!) ;;
    # Another build of the receiver (e.g. the previous commit's), same data directory.
    alt) setup "$ERPOPS_ALT"; ERPOPS_LOG=warn "$ERPOPS_ALT" serve --data "$DATA" --listen 127.0.0.1:$port & PIDS+=($!) ;;
    bare) setup $BIN/erpops; $BIN/examples/bare_hyper 127.0.0.1:$port & PIDS+=($!) ;;
    ceiling) setup $BIN/erpops; $BIN/examples/bare_hyper 127.0.0.1:$port --no-work & PIDS+=($!) ;;
  esac
  # Wait until it listens.
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  measure "$s" "$port" "${PIDS[-1]}"
  # One server at a time: the next one gets the machine to itself.
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
done
