#!/usr/bin/env bash
# packaging/version.sh --check fails when any place that states the version
# drifts from the workspace's: each case changes one place in a copy of the
# files it reads and expects a failure that names that place.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0
fail=0

files=(Cargo.toml core/Cargo.toml ffi-c/Cargo.toml bindings-python/Cargo.toml bindings-python/pyproject.toml
    bindings-node/Cargo.toml bindings-node/package.json bindings-node/package-lock.json receiver/Cargo.toml
    ffi-c/include/erpops.h CHANGELOG.md)
fresh() {
    rm -rf "$work/tree"
    for f in "${files[@]}"; do install -D -m 644 "$root/$f" "$work/tree/$f"; done
}
expect_drift() { # expect_drift NAME WORD FILE SED...: edit FILE, expect a failure naming WORD
    local name="$1" word="$2" file="$3"
    shift 3
    fresh
    sed -i "$@" "$work/tree/$file"
    if out="$("$root/packaging/version.sh" --check "$work/tree" 2>&1)"; then
        echo "FAIL: $name: the check passed" >&2; fail=$((fail + 1))
    elif ! grep -q "$word" <<<"$out"; then
        echo "FAIL: $name: the message does not name $word: $out" >&2; fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

fresh
if "$root/packaging/version.sh" --check "$work/tree" >/dev/null; then pass=$((pass + 1)); else
    echo "FAIL: an unchanged copy does not pass" >&2; fail=$((fail + 1)); fi
expect_drift "package.json" package.json bindings-node/package.json 's/^  "version": ".*",$/  "version": "9.9.9",/'
expect_drift "header string" ERPOPS_VERSION_STRING ffi-c/include/erpops.h 's/^#define ERPOPS_VERSION_STRING ".*"$/#define ERPOPS_VERSION_STRING "9.9.9"/'
expect_drift "header minor" MAJOR/MINOR/PATCH ffi-c/include/erpops.h 's/^#define ERPOPS_VERSION_MINOR .*/#define ERPOPS_VERSION_MINOR 99/'
expect_drift "a crate's own version" receiver/Cargo.toml receiver/Cargo.toml 's/^version.workspace = true$/version = "9.9.9"/'
expect_drift "pyproject" pyproject.toml bindings-python/pyproject.toml 's/^dynamic = \["version"\]$/version = "9.9.9"/'
expect_drift "changelog" CHANGELOG.md CHANGELOG.md 's/^## \[[0-9].*//'
expect_drift "core dependency" erpops-core Cargo.toml 's/^\(erpops-core = .*version = "\)[^"]*"/\19.9.9"/'
# The workspace moving alone is drift everywhere else.
expect_drift "workspace bump" package.json Cargo.toml '0,/^version = ".*"$/s//version = "9.9.9"/'

echo "version-check: $pass passed, $fail failed"
[ "$fail" = 0 ]
