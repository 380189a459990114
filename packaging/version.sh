#!/usr/bin/env bash
# The release version: the Cargo workspace's `version`, the one source every
# artifact takes it from.
#
# usage: packaging/version.sh                 print it
#        packaging/version.sh --check [ROOT]  fail unless every place that
#                                             states it agrees (ROOT: a
#                                             checkout, this one by default)
set -euo pipefail
check=0
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"

# The first `version = "…"` of the root manifest is [workspace.package]'s.
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
if [ -z "$version" ]; then
    echo "version: no version = \"…\" in $root/Cargo.toml [workspace.package]" >&2
    exit 1
fi
if [ "$check" = 0 ]; then
    echo "$version"
    exit 0
fi

drift=0
expect() { # expect WHAT FOUND
    if [ "$2" != "$version" ]; then
        echo "version drift: $1 says '${2:-nothing}', the workspace says '$version'" >&2
        drift=1
    fi
}

expect "the erpops-core workspace dependency (Cargo.toml)" \
    "$(sed -n 's/^erpops-core = .*version = "\([^"]*\)".*/\1/p' "$root/Cargo.toml")"
for manifest in "$root"/core/Cargo.toml "$root"/ffi-c/Cargo.toml "$root"/bindings-python/Cargo.toml \
    "$root"/bindings-node/Cargo.toml "$root"/receiver/Cargo.toml; do
    grep -q '^version.workspace = true$' "$manifest" \
        || { echo "version drift: ${manifest#"$root"/} does not take version.workspace = true" >&2; drift=1; }
done
# maturin reads the wheel's version from bindings-python/Cargo.toml.
pyproject="$root/bindings-python/pyproject.toml"
if ! grep -q '^dynamic = \["version"\]$' "$pyproject" || grep -q '^version *=' "$pyproject"; then
    echo "version drift: bindings-python/pyproject.toml must not state a version (dynamic = [\"version\"])" >&2
    drift=1
fi
expect "bindings-node/package.json" \
    "$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$root/bindings-node/package.json")"
expect "bindings-node/package-lock.json" \
    "$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$root/bindings-node/package-lock.json" | head -n 1)"
header="$root/ffi-c/include/erpops.h"
expect "ERPOPS_VERSION_STRING (ffi-c/include/erpops.h)" \
    "$(sed -n 's/^#define ERPOPS_VERSION_STRING "\(.*\)"$/\1/p' "$header")"
expect "ERPOPS_VERSION_MAJOR/MINOR/PATCH (ffi-c/include/erpops.h)" \
    "$(for part in MAJOR MINOR PATCH; do sed -n "s/^#define ERPOPS_VERSION_$part \([0-9]*\)$/\1/p" "$header"; done | paste -sd.)"
grep -q "^## \[$version\]" "$root/CHANGELOG.md" \
    || { echo "version drift: CHANGELOG.md has no '## [$version]' section" >&2; drift=1; }

if [ "$drift" != 0 ]; then
    echo "version: set the version in Cargo.toml [workspace.package] and bring the places above to it" >&2
    exit 1
fi
echo "version: $version everywhere"
