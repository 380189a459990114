#!/usr/bin/env bash
# Builds the GnuCOBOL payroll example against libERPOps, runs it like a batch
# step, and checks what it wrote with tools that share no code with us:
# openssl for the signature, python3's json module for the body.
#
# usage: tests/cobol/run.sh LIBDIR [INCLUDEDIR [SOURCE [shared|static]]]
#   defaults: this checkout's ffi-c/include and ffi-c/examples/cobol/PAYNOTFY.cbl,
#   linked against LIBDIR's libERPOps.so (tests/dist/c.sh passes an installed
#   C SDK's directories and the copy of the example it ships, both ways).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
libdir="$1"
includedir="${2:-$root/ffi-c/include}"
source="${3:-$root/ffi-c/examples/cobol/PAYNOTFY.cbl}"
link="${4:-shared}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
check() { # check NAME COMMAND...
    if "${@:2}"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1" >&2; fi
}

compile() { # compile OUT SOURCE
    if [ "$link" = static ]; then
        # The archive and the system libraries the Rust code needs (erpops.pc's
        # Libs.private); the program then loads no libERPOps at run time.
        cobc -x -fstatic-call -I "$includedir" -o "$1" "$2" \
            "$libdir/libERPOps.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
    else
        cobc -x -fstatic-call -I "$includedir" -o "$1" "$2" \
            -L "$libdir" -lERPOps -Q "-Wl,-rpath,$libdir"
    fi
}
compile "$work/paynotfy" "$source"
if [ "$link" = static ]; then
    check "statically linked: no libERPOps needed at run time" \
        sh -c "! readelf -d '$work/paynotfy' | grep -q 'NEEDED.*libERPOps'"
fi

secret='whsec_cobol_batch_secret_42'
# The job runs PAYNOTFY before the payroll program (started) and after it (succeeded or
# failed); each run writes body.json and sig.txt for the next step's curl.
paynotfy() { # paynotfy PHASE EVENT_TIME OUT_DIR [program]
    mkdir -p "$3"
    ERPOPS_RUN_PHASE="$1" ERPOPS_SECRET="$secret" ERPOPS_OUT_DIR="$3" ERPOPS_EVENT_TIME="$2" \
        "${4:-$work/paynotfy}"
}
head='{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"'
run='"run_id":"PAY_NIGHTLY_01-1234567","run_cntl_id":"PAY_NIGHTLY_01","process_instance":1234567'
outcome='"records_processed":18441,"records_total":40000,"gross_amount":1234567.89'
expected_started="$head"',"event_type":"integration.started","timestamp":"2026-04-20T07:00:00Z","severity":"info","source":"PSFT_PAYROLL_BATCH","message":"Payroll run started, process instance 1234567","metadata":{'"$run"'}}'
expected_succeeded="$head"',"event_type":"integration.succeeded","timestamp":"2026-04-20T08:12:00Z","severity":"info","source":"PSFT_PAYROLL_BATCH","message":"Processed 18441 of 40000 records","metadata":{'"$run,$outcome"'}}'
expected_failed="$head"',"event_type":"integration.failed","timestamp":"2026-04-20T08:12:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441","metadata":{'"$run,$outcome"',"exit_code":1}}'

for phase in started succeeded failed; do
    case "$phase" in
        started) at='2026-04-20T02:00:00-05:00' ;;     # 02:00 in Chicago
        *) at='2026-04-20T03:12:00-05:00' ;;
    esac
    out="$work/$phase"
    paynotfy "$phase" "$at" "$out" > "$out.stdout"
    want_var="expected_$phase"
    check "$phase: body is the exact expected JSON" [ "$(cat "$out/body.json")" = "${!want_var}" ]
    check "$phase: body has no trailing newline" [ "$(tail -c 1 "$out/body.json" | od -An -c | tr -d ' ')" = "}" ]
    want="sha256=$(openssl dgst -sha256 -hmac "$secret" < "$out/body.json" | awk '{print $NF}')"
    check "$phase: signature matches openssl" [ "$(cat "$out/sig.txt")" = "$want" ]
    check "$phase: body is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/body.json"
    check "$phase: says what it wrote" grep -q "integration.$phase ready" "$out.stdout"
done
# The pair the receiver sees: one run id on the start and the end, and an integer count at the end.
check "started and succeeded carry the same run_id; succeeded has records_processed" python3 -c '
import json, sys
s, e = (json.load(open(p))["metadata"] for p in sys.argv[1:])
assert s["run_id"] == e["run_id"] == "PAY_NIGHTLY_01-1234567", (s, e)
assert "records_processed" not in s and type(e["records_processed"]) is int and e["records_processed"] >= 0, e
' "$work/started/body.json" "$work/succeeded/body.json"

# Current time (no ERPOPS_EVENT_TIME): CURRENT-DATE with its offset is accepted.
check "runs with the current time" env ERPOPS_RUN_PHASE=started ERPOPS_SECRET="$secret" ERPOPS_OUT_DIR="$work" \
    "$work/paynotfy" > /dev/null

# A refused event: RETURN-CODE 8 and the library's message on stderr.
set +e
paynotfy succeeded '2026-02-30T00:00:00Z' "$work/bad" > /dev/null 2> "$work/stderr"
rc=$?
ERPOPS_RUN_PHASE=started ERPOPS_OUT_DIR="$work" "$work/paynotfy" > /dev/null 2> "$work/stderr2"
rc2=$?
ERPOPS_SECRET="$secret" ERPOPS_OUT_DIR="$work" "$work/paynotfy" > /dev/null 2> "$work/stderr3"
rc3=$?
paynotfy finished '2026-04-20T03:12:00-05:00' "$work/bad" > /dev/null 2> "$work/stderr4"
rc4=$?
set -e
check "invalid timestamp ends with RETURN-CODE 8" [ "$rc" = 8 ]
check "the message names the field" grep -q "timestamp" "$work/stderr"
check "missing secret ends with RETURN-CODE 12" [ "$rc2" = 12 ]
check "missing ERPOPS_RUN_PHASE ends with RETURN-CODE 12" [ "$rc3" = 12 ]
check "an unknown phase ends with RETURN-CODE 12" [ "$rc4" = 12 ]
check "the message names the phases" grep -q "ERPOPS_RUN_PHASE must be started, succeeded or failed" "$work/stderr4"

# An event over the receiver's 64 KiB limit (issue #22): BIGBODY fills 63 metadata strings of
# 1,024 characters and a padding string; a body of exactly 65,536 bytes is built and signed,
# one byte more is refused before signing with ERPOPS-STATUS-BODY-TOO-LARGE (301, the C
# library's body_too_large) and the library's message naming both sizes.
compile "$work/bigbody" "$root/tests/cobol/BIGBODY.cbl"
pad="$(python3 -c '
import json
meta = {"NOTE%02d" % i: "X" * 1024 for i in range(1, 64)}
meta["PAD"] = ""
body = {"connector_id": "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d", "event_type": "integration.failed",
        "timestamp": "2026-04-20T03:00:00Z", "metadata": meta}
pad = 65536 - len(json.dumps(body, separators=(",", ":")))
assert 0 <= pad < 1024, pad
print(pad)')"
big() { ERPOPS_SECRET="$secret" ERPOPS_NOTES=63 ERPOPS_PAD_LEN="$1" "$work/bigbody"; }
set +e
big "$pad" > "$work/big.out" 2> "$work/big.err"
rc_at=$?
big "$((pad + 1))" > "$work/big1.out" 2> "$work/big1.err"
rc_over=$?
set -e
check "a body of exactly 65536 bytes is built and signed" [ "$rc_at" = 0 ]
check "it is 65536 bytes" grep -q "built and signed 0*65536 bytes" "$work/big.out"
check "65537 bytes end with RETURN-CODE 4 (ERPOPS-STATUS-BODY-TOO-LARGE)" [ "$rc_over" = 4 ]
check "the status is 301, body_too_large" grep -q "status +0*301: .*body_too_large" "$work/big1.err"
check "the message names the size and the limit" \
    grep -q "65537 bytes, 1 more than the limit of 65536 bytes" "$work/big1.err"

echo "cobol: $pass passed, $fail failed"
[ "$fail" = 0 ]
