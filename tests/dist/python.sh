#!/usr/bin/env bash
# The Python wheel and sdist as a Python team gets them: pip from dist/ into a
# new venv, the vector suite against the installed package, imported from /.
# AUDITWHEEL (mk/dist.mk: the project venv's) checks the wheel's platform tag.
source "$(dirname "$0")/lib.sh"

wheel="$(ls "$dist"/erpops-"$version"-*.whl)"
echo "wheel: $(basename "$wheel")"
case "$(basename "$wheel")" in
    *-cp310-abi3-*manylinux_2_17_x86_64*.whl) tagged=1 ;;
    *) tagged=0 ;;
esac
check "one abi3 wheel (CPython >= 3.10) tagged manylinux_2_17 / manylinux2014" [ "$tagged" = 1 ]
check "auditwheel agrees with the tag" \
    sh -c "'${AUDITWHEEL:-auditwheel}' show '$wheel' | tr -s ' \n' ' ' | grep -q 'consistent with the following platform tag: \"manylinux_2_17_x86_64\"'"
python3 -m zipfile -e "$wheel" "$work/wheel"
ext="$(ls "$work"/wheel/erpops/_native*.so)"
floor="$(glibc_floor "$ext")"
echo "$(basename "$ext") needs glibc $floor"
check "the extension needs glibc <= 2.17 (needs $floor)" at_most "$floor" 2.17
check "the extension is stripped" stripped "$ext"
metadata="$(ls "$work"/wheel/erpops-"$version".dist-info/METADATA)"
check "the wheel's metadata names the licence and carries the README" \
    sh -c "grep -q '^License-Expression: Apache-2.0' '$metadata' && grep -q '^# erpops' '$metadata' \
        && [ -s '$work/wheel/erpops-$version.dist-info/licenses/LICENSE' ]"

# A new venv from the interpreter users have; the package from dist/ only,
# the test tools (not the project) from the registry.
interpreter="$(python3 -c 'import sys; print(sys.executable)')"
"$interpreter" -m venv "$work/venv"
py="$work/venv/bin/python"
as_user "$py" -m pip install -q --disable-pip-version-check --no-index --find-links "$dist" "erpops==$version"
as_user "$py" -m pip install -q --disable-pip-version-check \
    $(grep -E '^(pytest|hypothesis)==' "$root/bindings-python/requirements-dev.txt")

check "import erpops from / gives the installed package at $version" \
    [ "$(cd / && as_user "$py" -c 'import erpops, sys; assert erpops.__file__.startswith(sys.prefix), erpops.__file__; print(erpops.__version__)')" = "$version" ]
check "it signs as the standard library's hmac does" \
    as_user "$py" -c 'import erpops, hmac, hashlib; b = b"{}"; assert erpops.sign(b, "k") == "sha256=" + hmac.new(b"k", b, hashlib.sha256).hexdigest()'

# The vector suite: the same files every language replays, run outside the
# checkout against the installed package.
mkdir -p "$work/suite"
cp "$root"/bindings-python/tests/conftest.py "$root"/bindings-python/tests/test_*_vectors.py "$work/suite/"
check "the Python vector suite passes against the installed package" \
    sh -c "cd '$work/suite' && $(declare -f as_user); user_path='$user_path'; \
        as_user ERPOPS_VECTORS='$root/tests/vectors' '$py' -m pytest -q -p no:cacheprovider"

# The sdist builds where a Rust toolchain exists (the dev profile: this proves
# it builds; the wheel above is the optimised build).
sdist="$dist/erpops-$version.tar.gz"
"$interpreter" -m venv "$work/sdist-venv"
check "pip install of the sdist builds and imports" sh -c "
    MATURIN_PEP517_ARGS='--profile dev' CARGO_TARGET_DIR='${SDIST_TARGET_DIR:-$work/sdist-target}' \
        '$work/sdist-venv/bin/python' -m pip install -q --disable-pip-version-check '$sdist' \
    && cd / && '$work/sdist-venv/bin/python' -c 'import erpops; assert erpops.__version__ == \"$version\"; print(erpops.sign(b\"x\", \"k\"))' >/dev/null"

finish dist-python
