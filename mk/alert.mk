# Alerting (core/src/alert): the conformance vectors match their generator, where every
# expectation is written by hand from contract §6 and docs/alerting.md.

.PHONY: test-alert-vectors

TEST_SUITES += test-alert-vectors

test-alert-vectors:
	$(PYTHON) tests/vectors/generate/alerts.py --check
