# ERPOps SDK — the two set-up commands are `make run` and `make test`.
# `make test` brings what it needs on a fresh machine and runs every suite.

CARGO ?= cargo
PYTHON ?= python3

.PHONY: test run fmt fmt-check clippy doc-check test-rust test-vectors build clean vector-log-reset

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
TARGET_DIR := $(CURDIR)/target

# Every vector runner (Rust, C, Python, Node) notes here which files and sections of
# tests/vectors it replayed; `make test` ends by checking that against the table in
# tests/vectors/README.md (tests/vectors/check_matrix.py). Exported, so every suite sees it.
export ERPOPS_VECTOR_LOG := $(TARGET_DIR)/vector-log

# Suites `make test` runs after the Rust checks. Each mk/<area>.mk adds its own
# (mk/c.mk: libERPOps and COBOL; bindings add theirs) so areas stay separate.
.DEFAULT_GOAL := test
TEST_SUITES :=
include $(sort $(wildcard mk/*.mk))

## Build everything and run every suite, then check that each language replayed the vector
## files and sections tests/vectors/README.md says it does.
test: fmt-check clippy doc-check test-rust test-vectors $(TEST_SUITES)
	$(PYTHON) tests/vectors/check_matrix.py $(ERPOPS_VECTOR_LOG)
	@echo "make test: all suites passed"

# The vector log starts empty before any suite of this make runs (order-only: it never makes a
# suite run again), so a runner that stopped replaying a file cannot pass on an older log.
test-rust test-vectors $(TEST_SUITES): | vector-log-reset
vector-log-reset:
	rm -rf $(ERPOPS_VECTOR_LOG)
	mkdir -p $(ERPOPS_VECTOR_LOG)

## Start the demo receiver on 127.0.0.1:8080 (data in ./erpops-data); it
## prints a connector id, its secret and a curl command that gets a 202.
run:
	$(CARGO) run --quiet -p erpops-receiver --bin erpops -- serve --demo

build:
	$(CARGO) build --workspace --all-targets

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Broken intra-doc links fail the build: the docs are part of the API.
doc-check:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p erpops-core -p erpops-ffi -p erpops-receiver

test-rust:
	$(CARGO) test --workspace

## The vector files agree with independent oracles (Python's hmac, openssl).
test-vectors:
	$(PYTHON) tests/vectors/generate/signatures.py --check
	$(PYTHON) tests/vectors/generate/check_openssl.py
	$(PYTHON) tests/vectors/generate/quota.py --check
	$(PYTHON) tests/vectors/generate/incidents.py --check

clean:
	$(CARGO) clean
