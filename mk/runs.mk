# Batch runs (core/src/schedule, core/src/alert/job*, issue #23): the job timelines of
# tests/vectors/runs.json match their generator, and its hand-written fire times agree
# with an independent Python model (zoneinfo, its own cron matcher). zoneinfo reads
# Debian's tzdata, installed here when missing.

.PHONY: test-runs-vectors

TEST_SUITES += test-runs-vectors

test-runs-vectors:
	@[ -f /usr/share/zoneinfo/America/Chicago ] || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tzdata >/dev/null; }
	$(PYTHON) tests/vectors/generate/runs_check.py
	$(PYTHON) tests/vectors/generate/runs.py --check
