# Event contract (core/src/event): the conformance vectors match their generator, where every
# expectation is written by hand from the contract; the builder's size-limit vectors
# (builder.json) are computed from the contract by their own generator.

.PHONY: test-event-vectors

TEST_SUITES += test-event-vectors

test-event-vectors:
	$(PYTHON) tests/vectors/generate/events.py --check
	$(PYTHON) tests/vectors/generate/builder.py --check
