#!/usr/bin/env bash
# Single-node throughput by number of correlation keys (issue #21): the same
# closed-loop load as run.sh, its events spread round-robin over N keys
# (`loadgen --keys N`, each key its own source), for N in KEYS. Every phase
# gets a fresh data directory; for N > 1 the directory is first seeded with
# one event per key (`loadgen --seed`), so all N keys exist (and hold
# incident and alerting state) before the measured run. With ERPOPS_ALT set
# (e.g. the previous build), each key count runs that binary and this one
# alternately, in the same run.
# Usage: benches/receiver/keys.sh [connections=50] [seconds=10] [keys="1 1000 100000"] [rounds=1]
# Prints one JSON line per phase, then a table: requests/s and its ratio to
# the same binary's 1-key and 1,000-key rates, p99, resident set after the
# run (VmRSS) and its growth per key over the 1-key phase.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNS=${1:-50}
SECS=${2:-10}
KEYS=${3:-1 1000 100000}
ROUNDS=${4:-1}
cargo build --quiet --release -p erpops-receiver --bin erpops --example loadgen
BIN=${CARGO_TARGET_DIR:-target}/release
DATA=$(mktemp -d)
PORT=28291
PID=
RESULTS=$DATA/results.jsonl
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

BINS="erpops"
[ -n "${ERPOPS_ALT:-}" ] && BINS="alt erpops"

status() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

phase() { # name binary keys
  local dir=$DATA/d out seed result
  rm -rf "$dir"; mkdir -p "$dir"
  "$2" admin --data "$dir" tenants create bench --plan enterprise >/dev/null
  out=$("$2" admin --data "$dir" connectors create --tenant bench --name load)
  export ERPOPS_BENCH_CONNECTOR=$(echo "$out" | sed -n 's/^connector_id: //p')
  export ERPOPS_BENCH_SECRET=$(echo "$out" | sed -n 's/^secret: //p')
  ERPOPS_LOG=warn "$2" serve --data "$dir" --listen 127.0.0.1:$PORT & PID=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
  local url="http://127.0.0.1:$PORT/functions/v1/receive-event"
  seed='null'
  if [ "$3" -gt 1 ]; then
    seed=$($BIN/examples/loadgen "$url" "$ERPOPS_BENCH_CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" 0 --keys "$3" --seed)
  fi
  local rss_seeded; rss_seeded=$(status "$PID" VmRSS)
  $BIN/examples/loadgen "$url" "$ERPOPS_BENCH_CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" 2 --keys "$3" >/dev/null
  result=$($BIN/examples/loadgen "$url" "$ERPOPS_BENCH_CONNECTOR" ERPOPS_BENCH_SECRET "$CONNS" "$SECS" --keys "$3")
  local rss hwm db
  rss=$(status "$PID" VmRSS); hwm=$(status "$PID" VmHWM)
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  db=$(du -sk "$dir" | cut -f1)
  echo "{\"server\":\"$1\",\"keys\":$3,\"run\":$result,\"seed\":$seed,\"rss_seeded_kib\":$rss_seeded,\"rss_kib\":$rss,\"hwm_kib\":$hwm,\"data_kib\":$db}" | tee -a "$RESULTS"
}

for _ in $(seq "$ROUNDS"); do
  for k in $KEYS; do
    for s in $BINS; do
      case $s in
        alt) phase alt "$ERPOPS_ALT" "$k" ;;
        erpops) phase erpops "$BIN/erpops" "$k" ;;
      esac
    done
  done
done

python3 - "$RESULTS" <<'PY'
import json, sys
from collections import defaultdict
rows = [json.loads(l) for l in open(sys.argv[1])]
by = defaultdict(list)
for r in rows:
    by[(r["server"], r["keys"])].append(r)
def mean(xs): return sum(xs) / len(xs)
def rps(s, k): return mean([r["run"]["rps"] for r in by[(s, k)]]) if by[(s, k)] else None
def rss(s, k): return mean([r["rss_kib"] for r in by[(s, k)]]) if by[(s, k)] else None
servers = sorted({s for s, _ in by}, key=lambda s: s != "alt")
keys = sorted({k for _, k in by})
print()
print("| build | keys | requests/s | vs 1 key | vs 1,000 keys | vs previous build | p99 ms | seed events/s | RSS after MiB | RSS growth per key over 1 key |")
print("|---|---|---|---|---|---|---|---|---|---|")
for s in servers:
    for k in keys:
        rs = by[(s, k)]
        if not rs: continue
        r = rps(s, k)
        one, thousand = rps(s, 1), rps(s, 1000)
        prev = rps("alt", k) if s != "alt" else None
        p99 = max(x["run"]["p99_ms"] for x in rs)
        seeds = [x["seed"]["rps"] for x in rs if x["seed"]]
        grow = ""
        if k > 1 and rss(s, 1) is not None:
            grow = f"{(rss(s, k) - rss(s, 1)) * 1024 / (k - 1):.0f} B"
        name = "previous" if s == "alt" else "this"
        print(f"| {name} | {k:,} | {r:.0f} | {r/one:.2f}x | " + (f"{r/thousand:.2f}x" if thousand else "-") +
              f" | " + (f"{r/prev:.2f}x" if prev else "-") + f" | {p99:.2f} | " +
              (f"{mean(seeds):.0f}" if seeds else "-") + f" | {rss(s, k)/1024:.1f} | {grow} |")
PY
