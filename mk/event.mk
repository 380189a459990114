# Event contract (core/src/event): the conformance vectors match their generator, where every
# expectation is written by hand from the contract.

.PHONY: test-event-vectors

TEST_SUITES += test-event-vectors

test-event-vectors:
	$(PYTHON) tests/vectors/generate/events.py --check
