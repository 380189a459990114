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
ERPOPS_SECRET="$secret" ERPOPS_OUT_DIR="$work" ERPOPS_EVENT_TIME='2026-04-20T05:00:00+02:00' \
    "$work/paynotfy" > "$work/stdout"

expected='{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441","metadata":{"exit_code":1,"records_processed":18441,"records_total":40000,"process_instance":1234567,"run_id":"PAY_NIGHTLY_01","gross_amount":1234567.89}}'
check "body is the exact expected JSON" [ "$(cat "$work/body.json")" = "$expected" ]
check "body has no trailing newline" [ "$(tail -c 1 "$work/body.json" | od -An -c | tr -d ' ')" = "}" ]
want="sha256=$(openssl dgst -sha256 -hmac "$secret" < "$work/body.json" | awk '{print $NF}')"
check "signature matches openssl" [ "$(cat "$work/sig.txt")" = "$want" ]
check "body is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/body.json"

# Current time (no ERPOPS_EVENT_TIME): CURRENT-DATE with its offset is accepted.
check "runs with the current time" env ERPOPS_SECRET="$secret" ERPOPS_OUT_DIR="$work" "$work/paynotfy" > /dev/null

# A refused event: RETURN-CODE 8 and the library's message on stderr.
set +e
ERPOPS_SECRET="$secret" ERPOPS_OUT_DIR="$work" ERPOPS_EVENT_TIME='2026-02-30T00:00:00Z' \
    "$work/paynotfy" > /dev/null 2> "$work/stderr"
rc=$?
ERPOPS_OUT_DIR="$work" "$work/paynotfy" > /dev/null 2> "$work/stderr2"
rc2=$?
set -e
check "invalid timestamp ends with RETURN-CODE 8" [ "$rc" = 8 ]
check "the message names the field" grep -q "timestamp" "$work/stderr"
check "missing secret ends with RETURN-CODE 12" [ "$rc2" = 12 ]

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
