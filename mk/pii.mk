# PII detectors (core/src/pii): the conformance vectors agree with the hand-written
# cases and their independent oracles (Luhn, mod 97-10, SSA ranges, E.164).

.PHONY: test-pii-vectors

TEST_SUITES += test-pii-vectors

test-pii-vectors:
	$(PYTHON) tests/vectors/generate/pii.py --check
