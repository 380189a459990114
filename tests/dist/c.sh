#!/usr/bin/env bash
# The C SDK tarball as a C or COBOL batch job's build uses it: unpacked in a
# place of its own, found through pkg-config alone, linked shared and static.
source "$(dirname "$0")/lib.sh"

prefix="$work/opt/erpops-c"
unpack "erpops-c-$version-x86_64-linux-gnu" "$prefix"
lib="$prefix/lib/libERPOps.so.$version"
abi="$(sed -n 's/^#define ERPOPS_ABI_VERSION \([0-9]*\)$/\1/p' "$prefix/include/erpops.h")"

# --- the library itself ---------------------------------------------------
check "SONAME is libERPOps.so.$abi" sh -c "readelf -d '$lib' | grep -q 'SONAME.*\[libERPOps.so.$abi\]'"
check "libERPOps.so -> .so.$abi -> .so.$version" \
    [ "$(readlink "$prefix/lib/libERPOps.so")" = "libERPOps.so.$abi" ] 
check "libERPOps.so.$abi -> libERPOps.so.$version" \
    [ "$(readlink "$prefix/lib/libERPOps.so.$abi")" = "libERPOps.so.$version" ]
floor="$(glibc_floor "$lib")"
echo "libERPOps.so.$version needs glibc $floor"
check "needs glibc <= 2.17 (needs $floor)" at_most "$floor" 2.17
exports="$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^erpops_' || true)"
check "exports only erpops_* symbols (extra: ${exports:-none})" [ -z "$exports" ]
check "exports the API (erpops_sign, erpops_verify)" sh -c "nm -D --defined-only '$lib' | grep -qw erpops_sign && nm -D --defined-only '$lib' | grep -qw erpops_verify"
check "shared library stripped" stripped "$lib"
check "static archive has no debug sections" sh -c "! readelf -S --wide '$prefix/lib/libERPOps.a' 2>/dev/null | grep -q '\.debug_'"
for f in include/erpops.h include/ERPOPS.cpy share/doc/erpops/LICENSE share/doc/erpops/CHANGELOG.md \
    share/doc/erpops/README.md; do
    check "ships $f" [ -s "$prefix/$f" ]
done

# --- pkg-config from this prefix only ---------------------------------------
pc() { as_user PKG_CONFIG_PATH="$prefix/lib/pkgconfig" PKG_CONFIG_LIBDIR=/nonexistent pkg-config "$@"; }
check "pkg-config knows erpops $version" [ "$(pc --modversion erpops)" = "$version" ]
check "pkg-config paths follow the unpacked tree" \
    [ "$(cd "$(pc --variable=libdir erpops)" && pwd -P)" = "$(cd "$prefix/lib" && pwd -P)" ]

examples="$prefix/share/doc/erpops/examples"
cflags="-std=c11 -Wall -Wextra -Werror -O1"
secret='whsec_from_the_admin_console'
body='{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z"}'
want="X-ERPOps-Signature: sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')"

# --- shared: -lERPOps via pkg-config, found at run time by LD_LIBRARY_PATH ---
# shellcheck disable=SC2046
as_user cc $cflags "$examples/c/sign_and_verify.c" $(pc --cflags --libs erpops) -o "$work/example_shared"
check "the shared example needs libERPOps.so.$abi" \
    sh -c "readelf -d '$work/example_shared' | grep -q 'NEEDED.*\[libERPOps.so.$abi\]'"
check "the shared example signs as openssl does" \
    [ "$(as_user LD_LIBRARY_PATH="$prefix/lib" "$work/example_shared")" = "$want" ]

# --- static: the archive and Libs.private --------------------------------------
libs_private="$(pc --static --libs-only-l erpops | sed 's/-lERPOps//')"
# shellcheck disable=SC2046,SC2086
as_user cc $cflags "$examples/c/sign_and_verify.c" $(pc --cflags erpops) "$prefix/lib/libERPOps.a" \
    $libs_private -o "$work/example_static"
check "the static example loads no libERPOps" sh -c "! readelf -d '$work/example_static' | grep -q 'NEEDED.*libERPOps'"
check "the static example signs as openssl does" [ "$(as_user "$work/example_static")" = "$want" ]

# --- the C vector suite against the installed library -----------------------
python3 "$root/tests/vectors/generate/tsv.py" "$work/vectors" >/dev/null
# shellcheck disable=SC2046
as_user cc $cflags "$root/tests/c/test_erpops.c" "$root/tests/c/receive_vectors.c" \
    $(pc --cflags --libs erpops) -o "$work/test_c"
check "the C vector suite passes against the installed libERPOps" \
    as_user LD_LIBRARY_PATH="$prefix/lib" "$work/test_c" "$work/vectors"

# --- the COBOL payroll example, shared and static ----------------------------
for link in shared static; do
    check "the COBOL payroll example ($link)" \
        as_user "$root/tests/cobol/run.sh" "$prefix/lib" "$prefix/include" \
        "$examples/cobol/PAYNOTFY.cbl" "$link"
done

finish dist-c
