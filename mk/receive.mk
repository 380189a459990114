# Receive decision (core/src/receive): the scripted request -> response vectors match their
# generator, whose expectations use only Python's hmac/hashlib/json (no Rust).

.PHONY: test-receive-vectors

TEST_SUITES += test-receive-vectors

test-receive-vectors:
	$(PYTHON) tests/vectors/generate/receive.py --check
