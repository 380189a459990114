# ERPOps SDK — the two set-up commands are `make run` and `make test`.
# `make test` brings what it needs on a fresh machine and runs every suite.

CARGO ?= cargo
PYTHON ?= python3

.PHONY: test run fmt fmt-check clippy test-rust test-vectors build clean

## Build everything and run every suite.
test: fmt-check clippy test-rust test-vectors
	@echo "make test: all suites passed"

## Start the product (for now: sign and verify the API reference's example body).
run:
	$(CARGO) run --quiet -p erpops-core --example sign_sample

build:
	$(CARGO) build --workspace --all-targets

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

## The vector files agree with independent oracles (Python's hmac, openssl).
test-vectors:
	$(PYTHON) tests/vectors/generate/signatures.py --check
	$(PYTHON) tests/vectors/generate/check_openssl.py

clean:
	$(CARGO) clean
