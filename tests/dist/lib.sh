# shellcheck shell=bash
# Shared by tests/dist/*.sh: each script installs one released artifact from
# dist/ in a fresh temporary place and uses it as its users would, in an
# environment with no Rust toolchain, no checkout and no build directory on
# PATH, PYTHONPATH, NODE_PATH or the library path.
#
# Sourced, not run. Sets: root, dist, version, work, and the helpers below.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dist="${DIST_DIR:-$root/dist}"
version="$("$root/packaging/version.sh")"
work="$(mktemp -d /tmp/erpops-dist-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
pass=0
fail=0

# check NAME COMMAND...: counts a pass or a failure; never stops the script.
check() {
    if "${@:2}"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1" >&2; fi
}

# The environment of a user's machine: system directories only on PATH (plus
# what the caller prepends in EXTRA_PATH), nothing on the library or module
# paths. HOME is kept for the package managers' caches, which hold only
# registry packages. Arguments are env's: `as_user [VAR=VALUE...] COMMAND...`.
user_path="/usr/local/bin:/usr/bin:/bin"
as_user() {
    env -i HOME="$HOME" PATH="${EXTRA_PATH:+$EXTRA_PATH:}$user_path" LANG=C.UTF-8 TMPDIR=/tmp "$@"
}

# spawn_as_user ARGS...: as_user in the background; `spawned` is the PID of
# the command itself (exec all the way, so a signal reaches it, not a shell).
spawn_as_user() {
    (exec env -i HOME="$HOME" PATH="${EXTRA_PATH:+$EXTRA_PATH:}$user_path" LANG=C.UTF-8 TMPDIR=/tmp "$@") &
    spawned=$!
}

# A user's machine has no Rust toolchain: stop if one is reachable.
if as_user sh -c 'command -v cargo || command -v rustc' >/dev/null; then
    echo "tests/dist: cargo or rustc is on $user_path; these tests must run without a Rust toolchain" >&2
    exit 1
fi

# unpack NAME DIR: dist/NAME.tar.gz unpacked, then moved to DIR (under
# $work): nothing in a tarball may depend on where it was unpacked.
unpack() {
    tar -xzf "$dist/$1.tar.gz" -C "$work"
    mkdir -p "$(dirname "$2")"
    mv "$work/$1" "$2"
}

# glibc_floor FILE: the highest GLIBC_x.y symbol version FILE needs.
glibc_floor() {
    objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1
}

# at_most A B: version A <= version B.
at_most() {
    [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]
}

# stripped FILE: no symbol table and no debug sections.
stripped() {
    ! readelf -S --wide "$1" | grep -qE '\.symtab|\.debug_'
}

# finish NAME: the closing count line; fails the script on any failure.
finish() {
    echo "$1: $pass passed, $fail failed"
    [ "$fail" = 0 ]
}
