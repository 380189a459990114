# Python package `erpops` (bindings-python): venv, develop build, pytest, stub checks, benchmark.
#
# The venv .venv is created from PyPI with the pinned tools in
# bindings-python/requirements-dev.txt and reused while that file is
# unchanged. The extension is built by `maturin develop` into its own target
# directory, so it does not invalidate the workspace's `cargo test` build.

.PHONY: python-venv python-develop python-wheel test-python bench-python

PY_VENV := $(CURDIR)/.venv
PY_BIN := $(PY_VENV)/bin
PY_STAMP := $(PY_VENV)/.erpops-dev-requirements
PY_TARGET_DIR := $(TARGET_DIR)/python
PY_MATURIN := cd bindings-python && VIRTUAL_ENV=$(PY_VENV) CARGO_TARGET_DIR=$(PY_TARGET_DIR) $(PY_BIN)/maturin

TEST_SUITES += test-python

$(PY_STAMP): bindings-python/requirements-dev.txt
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_BIN)/python -m pip install -q --disable-pip-version-check -r bindings-python/requirements-dev.txt
	cp bindings-python/requirements-dev.txt $@

python-venv: $(PY_STAMP)

## Build the extension (release: the leak test makes a million calls, and the
## benchmark reuses the build) and install the package into .venv.
python-develop: $(PY_STAMP)
	$(PY_MATURIN) develop -q --release

## The wheel `make dist` builds (the artifact users install, built once per
## run) installed into .venv in place of a develop build.
python-wheel: python-venv dist-python
	$(PY_BIN)/python -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
	  $(DIST_DIR)/erpops-$(VERSION)-*.whl

## pytest (vectors, properties, errors, leaks, example receiver) and the stub checks.
test-python: python-wheel
	cd bindings-python && $(PY_BIN)/python -m pytest -q -p no:cacheprovider
	cd bindings-python && $(PY_BIN)/python -m mypy.stubtest erpops._native --mypy-config-file pyproject.toml
	cd bindings-python && $(PY_BIN)/python -m mypy --strict --config-file pyproject.toml python/erpops tests/typing_usage.py ../examples/python/flask_receiver.py

## Speed against the stdlib hmac, pydantic v2 and jsonschema (release build, same process).
bench-python: python-develop
	$(PY_BIN)/python -m pip install -q --disable-pip-version-check -r bindings-python/requirements-bench.txt
	$(PY_BIN)/python benches/python/bench.py
