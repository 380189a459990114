#!/usr/bin/env bash
# The receiver tarball as an operator uses it: unpack, read the unit and the
# example settings, start the demo from bin/erpops and paste the curl it prints.
source "$(dirname "$0")/lib.sh"

home="$work/opt/erpops"
unpack "erpops-$version-x86_64-linux-gnu" "$home"
bin="$home/bin/erpops"

floor="$(glibc_floor "$bin")"
echo "bin/erpops needs glibc $floor"
check "bin/erpops needs glibc <= 2.17 (needs $floor)" at_most "$floor" 2.17
check "bin/erpops is stripped" stripped "$bin"
check "erpops --version is $version" [ "$(as_user "$bin" --version)" = "erpops $version" ]
for f in etc/erpops.toml lib/systemd/system/erpops.service share/doc/erpops/README.md \
    share/doc/erpops/receiver.md share/doc/erpops/deployment.md share/doc/erpops/LICENSE \
    share/doc/erpops/CHANGELOG.md; do
    check "ships $f" [ -s "$home/$f" ]
done

# The unit as systemd reads it, in a root where the tarball sits at /opt/erpops
# (ExecStart must exist). verify prints nothing for a sound unit, and exits 0
# even for an unknown setting, so any output fails.
sysroot="$work/sysroot"
mkdir -p "$sysroot/opt" "$sysroot/etc/systemd/system" "$sysroot/usr/lib/systemd"
cp -a "$home" "$sysroot/opt/erpops"
cp -r /usr/lib/systemd/system "$sysroot/usr/lib/systemd/"
cp "$home/lib/systemd/system/erpops.service" "$sysroot/etc/systemd/system/"
verify="$(systemd-analyze verify --root="$sysroot" /etc/systemd/system/erpops.service 2>&1)" && rc=0 || rc=$?
[ -z "$verify" ] || echo "$verify" >&2
check "systemd-analyze verify accepts erpops.service" [ "$rc:$verify" = "0:" ]
exposure="$(systemd-analyze security --offline=yes "$home/lib/systemd/system/erpops.service" 2>/dev/null \
    | sed -n 's/.*Overall exposure level for erpops.service: \([0-9.]*\).*/\1/p')"
echo "systemd-analyze security: exposure ${exposure:-?} (0 = locked down, 10 = exposed)"
check "the unit's exposure is at most 2.0 (is ${exposure:-?})" at_most "${exposure:-99}" 2.0
check "the unit runs as its own user with a read-only system" \
    sh -c "grep -q '^DynamicUser=yes' '$home/lib/systemd/system/erpops.service' && grep -q '^ProtectSystem=strict' '$home/lib/systemd/system/erpops.service' && grep -q '^NoNewPrivileges=yes' '$home/lib/systemd/system/erpops.service'"

# The example settings parse (unknown keys are refused at start): serve with
# them, on a free port and a data directory of this test's.
cd "$work"
spawn_as_user "$bin" serve --demo --config "$home/etc/erpops.toml" --listen 127.0.0.1:0 --data "$work/data" \
    > "$work/serve.out" 2> "$work/serve.err"
server=$spawned
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    grep -q -- '-d "$BODY"' "$work/serve.out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
check "serve --demo prints the curl command" grep -q -- '-d "$BODY"' "$work/serve.out"
# The lines from BODY= to -d "$BODY", pasted into a shell as printed.
sed -n '/^BODY=/,/-d "\$BODY"/p' "$work/serve.out" > "$work/paste.sh"
status="$(as_user bash -c "$(cat "$work/paste.sh") -s -o /dev/null -w '%{http_code}'" 2>/dev/null || true)"
check "the pasted curl gets 202 (got ${status:-nothing})" [ "$status" = 202 ]
# What an operator runs beside the server: the retention and size metrics,
# and an online backup of the serving store.
port="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/paste.sh" | head -n 1 | sed 's/.*://')"
metrics="$(as_user curl -s "http://127.0.0.1:${port:-0}/metrics" || true)"
check "/metrics counts pruned rows and the store's size" \
    sh -c 'echo "$1" | grep -q "^erpops_pruned_rows_total{kind=\"events\"} " && echo "$1" | grep -q "^erpops_store_bytes [1-9]"' _ "$metrics"
check "admin backup copies the store while it serves" \
    as_user "$bin" admin --data "$work/data" backup --to "$work/backup.sqlite3"
# Batch jobs (#23): a job set beside the serving receiver is listed by
# /v1/jobs with its next expected run once the writer loaded it (<= 1 s).
cid="$(grep -o '[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}' "$work/paste.sh" | head -n 1)"
check "admin jobs set watches the payroll batch" \
    as_user "$bin" admin --data "$work/data" jobs set --connector "$cid" --source PSFT_PAYROLL_BATCH \
    --schedule "0 2 * * MON-FRI" --time-zone America/Chicago --grace 15m --max-runtime 2h --deadline 06:00
key="$(as_user "$bin" admin --data "$work/data" api-keys create --tenant demo | sed -n 's/^api_key: //p')"
jobs=""
for _ in $(seq 1 50); do
    jobs="$(as_user curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:${port:-0}/v1/jobs" || true)"
    echo "$jobs" | grep -q '"next_expected_run":"20' && break
    sleep 0.1
done
check "/v1/jobs lists the job with its next expected run" \
    sh -c 'echo "$1" | grep -q "\"source\":\"PSFT_PAYROLL_BATCH\"" && echo "$1" | grep -q "\"next_expected_run\":\"20"' _ "$jobs"
# AI-query metering (#24): the demo tenant's plan charges one query, and a
# retry with the same Idempotency-Key is not charged again.
ai="$(as_user curl -s -D - -X POST -H "Authorization: Bearer $key" -H "Idempotency-Key: dist-1" \
    "http://127.0.0.1:${port:-0}/v1/usage/ai-queries" || true)"
ai_again="$(as_user curl -s -D - -X POST -H "Authorization: Bearer $key" -H "Idempotency-Key: dist-1" \
    "http://127.0.0.1:${port:-0}/v1/usage/ai-queries" || true)"
check "POST /v1/usage/ai-queries charges one AI query" \
    sh -c 'echo "$1" | grep -q "^HTTP/1.1 200" && echo "$1" | grep -q "\"metric\":\"ai_query\"" && echo "$2" | grep -qi "^idempotent-replayed: true"' _ "$ai" "$ai_again"
usage="$(as_user curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:${port:-0}/v1/usage" || true)"
check "/v1/usage counts it once" \
    sh -c 'echo "$1" | grep -q "\"metric\":\"ai_query\"[^}]*\"used\":1[,}]\|\"used\":1[^}]*\"metric\":\"ai_query\""' _ "$usage"
kill -TERM "$server"
wait "$server" && stopped=0 || stopped=$?
check "SIGTERM stops it cleanly (exit $stopped)" [ "$stopped" = 0 ]
check "admin restore puts the backup into a new data directory" \
    as_user "$bin" admin restore --from "$work/backup.sqlite3" --data "$work/restored"
check "the restored store holds the demo tenant" \
    sh -c '"$1" admin --data "$2" tenants list | grep -q demo' _ "$bin" "$work/restored"
[ "$fail" = 0 ] || cat "$work/serve.err" >&2

finish dist-receiver
