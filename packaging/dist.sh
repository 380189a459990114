#!/usr/bin/env bash
# Builds the released artifacts into dist/ (called by `make dist`; see
# packaging/README.md for what each one is and why it is built this way).
#
# usage: packaging/dist.sh c|python|node|receiver|sums
#
# Environment (set by mk/dist.mk):
#   DIST_DIR          where the artifacts go (dist/)
#   DIST_STAGE        scratch space for the trees that are packed
#   CARGO_TARGET_DIR  one target directory for every dist build, so the
#                     shared crates are compiled once
#   DIST_TRIPLE       x86_64-unknown-linux-gnu
#   DIST_GLIBC        2.17: the oldest glibc the artifacts run on
#   PATH              must reach cargo-zigbuild, zig (or `python3 -m
#                     ziglang`), maturin and npm
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

: "${DIST_DIR:?}" "${DIST_STAGE:?}" "${CARGO_TARGET_DIR:?}" "${DIST_TRIPLE:?}" "${DIST_GLIBC:?}"
version="$(packaging/version.sh)"
abi="$(sed -n 's/^const ABI_VERSION: u32 = \([0-9]*\);$/\1/p' ffi-c/build.rs)"
arch="${DIST_TRIPLE%%-*}"
zig_target="$DIST_TRIPLE.$DIST_GLIBC"
# cargo-zigbuild builds the triple without the glibc suffix: that is where
# the `dist` profile's outputs land.
out="$CARGO_TARGET_DIR/$DIST_TRIPLE/dist"
# Archives are reproducible: same names, owners, order and times from the
# same commit.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
mkdir -p "$DIST_DIR" "$DIST_STAGE"

pack_tar() { # pack_tar DIR: DIST_DIR/<basename DIR>.tar.gz of that tree
    local dir="$1" name
    name="$(basename "$dir")"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
        -C "$(dirname "$dir")" -cf - "$name" | gzip -n -9 > "$DIST_DIR/$name.tar.gz"
    echo "dist: $DIST_DIR/$name.tar.gz"
}

docs() { # docs DIR FILE...: README, LICENSE and CHANGELOG, plus the files named
    local dir="$1"
    shift
    install -d "$dir"
    install -m 644 LICENSE CHANGELOG.md "$dir/"
    for f in "$@"; do install -m 644 "$f" "$dir/"; done
}

c_sdk() {
    cargo zigbuild --locked --profile dist -p erpops-ffi --target "$zig_target"
    local tree="$DIST_STAGE/erpops-c-$version-$arch-linux-gnu"
    rm -rf "$tree"
    install -d "$tree/lib/pkgconfig" "$tree/include"
    install -m 755 "$out/libERPOps.so" "$tree/lib/libERPOps.so.$version"
    ln -s "libERPOps.so.$version" "$tree/lib/libERPOps.so.$abi"
    ln -s "libERPOps.so.$abi" "$tree/lib/libERPOps.so"
    install -m 644 "$out/libERPOps.a" "$tree/lib/"
    # The standard library's objects inside the archive carry line tables.
    strip --strip-debug "$tree/lib/libERPOps.a"
    install -m 644 ffi-c/include/erpops.h ffi-c/include/ERPOPS.cpy "$tree/include/"
    # Relocatable: the paths follow wherever the tarball is unpacked.
    # shellcheck disable=SC2016
    sed -e 's|@PREFIX@|${pcfiledir}/../..|' -e 's|@LIBDIR@|${prefix}/lib|' \
        -e 's|@INCLUDEDIR@|${prefix}/include|' -e "s|@VERSION@|$version|" \
        ffi-c/erpops.pc.in > "$tree/lib/pkgconfig/erpops.pc"
    docs "$tree/share/doc/erpops"
    install -m 644 ffi-c/README.md "$tree/share/doc/erpops/README.md"
    install -d "$tree/share/doc/erpops/examples/c" "$tree/share/doc/erpops/examples/cobol"
    install -m 644 ffi-c/examples/c/*.c "$tree/share/doc/erpops/examples/c/"
    install -m 644 ffi-c/examples/cobol/*.cbl "$tree/share/doc/erpops/examples/cobol/"
    pack_tar "$tree"
}

python_wheel() {
    rm -f "$DIST_DIR"/erpops-*.whl "$DIST_DIR/erpops-$version.tar.gz"
    # One abi3 wheel for CPython >= 3.10, linked by zig against glibc 2.17
    # (maturin picks the glibc from the manylinux policy).
    (cd bindings-python && maturin build --locked --profile dist --zig \
        --compatibility manylinux2014 --target "$DIST_TRIPLE" --out "$DIST_DIR" --quiet)
    (cd bindings-python && maturin sdist --out "$DIST_DIR")
    ls "$DIST_DIR"/erpops-"$version"-*.whl "$DIST_DIR/erpops-$version.tar.gz"
}

node_packages() {
    local gen="$DIST_STAGE/node-gen" main="$DIST_STAGE/node-main"
    local napi="$root/bindings-node/node_modules/.bin/napi"
    rm -rf "$gen" "$main"
    (cd bindings-node && "$napi" build --platform --profile dist \
        --cross-compile --target "$zig_target" --target-dir "$CARGO_TARGET_DIR" \
        --output-dir "$gen" --js native.js --dts native.d.ts)
    # The loader and typings napi generates are committed: they must not drift.
    if ! diff -u bindings-node/native.d.ts "$gen/native.d.ts" || ! diff -u bindings-node/native.js "$gen/native.js"; then
        echo "bindings-node: native.js/native.d.ts are stale; run 'make node-gen' and commit them" >&2
        exit 1
    fi
    # The main package: JavaScript, types and the loader (package.json
    # `files`); the addon comes from the platform package npm picks by
    # os/cpu/libc.
    install -d "$main"
    cp -r bindings-node/package.json bindings-node/README.md bindings-node/index.js \
        bindings-node/index.mjs bindings-node/index.d.ts bindings-node/index.d.mts \
        bindings-node/native.js bindings-node/native.d.ts bindings-node/lib "$main/"
    install -m 644 LICENSE CHANGELOG.md "$main/"
    # One platform package per built target, named and laid out by napi.
    "$napi" create-npm-dirs --cwd "$main" --npm-dir npm >/dev/null
    local platform addon platforms=()
    for addon in "$gen"/*.node; do
        platform="$(basename "$addon" .node)"
        platform="${platform#*.}"
        install -m 644 "$addon" LICENSE "$main/npm/$platform/"
        platforms+=("$platform")
        (cd "$main/npm/$platform" && npm pack --silent --pack-destination "$DIST_DIR" >/dev/null)
    done
    node packaging/node-main-package.mjs "$main/package.json" "${platforms[@]}"
    (cd "$main" && npm pack --silent --pack-destination "$DIST_DIR" >/dev/null)
    ls "$DIST_DIR"/erpops-*"$version".tgz
}

receiver() {
    cargo zigbuild --locked --profile dist -p erpops-receiver --bin erpops --target "$zig_target"
    local tree="$DIST_STAGE/erpops-$version-$arch-linux-gnu"
    rm -rf "$tree"
    install -d "$tree/bin" "$tree/etc" "$tree/lib/systemd/system"
    install -m 755 "$out/erpops" "$tree/bin/"
    install -m 644 packaging/erpops.toml "$tree/etc/erpops.toml"
    install -m 644 packaging/erpops.service "$tree/lib/systemd/system/"
    docs "$tree/share/doc/erpops" README.md docs/receiver.md docs/deployment.md \
        docs/security.md docs/openapi.yaml
    pack_tar "$tree"
}

sums() {
    # Artifacts of another version (an earlier make dist) are not this release's.
    find "$DIST_DIR" -maxdepth 1 -type f ! -name SHA256SUMS ! -name "*-$version[.-]*" -print -delete \
        | sed 's/^/dist: removed stale /'
    (cd "$DIST_DIR" && rm -f SHA256SUMS && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' \
        | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
    cat "$DIST_DIR/SHA256SUMS"
}

case "${1:-}" in
    c) c_sdk ;;
    python) python_wheel ;;
    node) node_packages ;;
    receiver) receiver ;;
    sums) sums ;;
    *) echo "usage: $0 c|python|node|receiver|sums" >&2; exit 2 ;;
esac
