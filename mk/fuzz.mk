# Coverage-guided fuzzing of the core with libFuzzer on the STABLE toolchain: the
# sanitizer-coverage pass is enabled through RUSTFLAGS (what cargo-fuzz does, minus the
# nightly-only address sanitizer), for the target triple only so build scripts stay plain.
# `make fuzz` runs every target for FUZZ_SECONDS each, seeded from the shared vectors.
# `make test` runs `fuzz-smoke`: every target for FUZZ_SMOKE_SECONDS each (issue #13); if the
# toolchain cannot build the targets it says so and skips, a crash fails the build.
# The proptests in core/tests/fuzz_entry_points.rs cover the same harnesses regardless.

.PHONY: fuzz fuzz-build fuzz-run fuzz-smoke

FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS := parse_event build_round_trip verify receive quota_ledger incidents
FUZZ_TRIPLE := $(shell rustc -vV | sed -n 's/^host: //p')
FUZZ_DIR := $(TARGET_DIR)/fuzz
FUZZ_BIN := $(FUZZ_DIR)/build/$(FUZZ_TRIPLE)/release
FUZZ_RUSTFLAGS := -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks

TEST_SUITES += fuzz-smoke

fuzz-build:
	cd core/fuzz && RUSTFLAGS="$(FUZZ_RUSTFLAGS)" CARGO_TARGET_DIR=$(FUZZ_DIR)/build \
	  $(CARGO) build --release --target $(FUZZ_TRIPLE)

## Runs each target for FUZZ_RUN_SECONDS on the corpus (seeded from the vectors), prints
## the executions per target and appends them to $(FUZZ_DIR)/runs.log; a crash fails with
## the reproducer's path. Needs the targets built (fuzz-build).
FUZZ_RUN_SECONDS ?= $(FUZZ_SECONDS)
fuzz-run:
	$(PYTHON) core/fuzz/seeds.py $(FUZZ_DIR)/corpus
	@for t in $(FUZZ_TARGETS); do \
	  log=$(FUZZ_DIR)/$$t.log; \
	  $(FUZZ_BIN)/$$t -max_total_time=$(FUZZ_RUN_SECONDS) -rss_limit_mb=2048 -timeout=10 \
	    -artifact_prefix=$(FUZZ_DIR)/crash-$$t- $(FUZZ_DIR)/corpus/$$t >$$log 2>&1; rc=$$?; \
	  runs=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $$log); \
	  if [ $$rc -ne 0 ] || [ -z "$$runs" ]; then \
	    grep -E 'panicked|ERROR|SUMMARY|Test unit written' $$log; \
	    echo "fuzz $$t: FAILED (log $$log; reproduce with $(FUZZ_BIN)/$$t <crash file>)"; exit 1; \
	  fi; \
	  line="fuzz $$t: $$runs runs in $(FUZZ_RUN_SECONDS) s, no crash, corpus $$(ls $(FUZZ_DIR)/corpus/$$t | wc -l) inputs"; \
	  echo "$$line"; echo "$$(date -u +%FT%TZ) $$line" >> $(FUZZ_DIR)/runs.log; \
	done

fuzz: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SECONDS)

## Part of `make test`: a short bounded run of every target, or a clear SKIPPED when this
## toolchain cannot build them.
fuzz-smoke:
	@mkdir -p $(FUZZ_DIR)
	@if $(MAKE) --no-print-directory fuzz-build >$(FUZZ_DIR).build.log 2>&1; then \
	  $(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SMOKE_SECONDS); \
	else \
	  tail -n 5 $(FUZZ_DIR).build.log; \
	  echo "fuzz-smoke: SKIPPED - this toolchain cannot build the libFuzzer targets (log $(FUZZ_DIR).build.log);"; \
	  echo "  the same quota/incident harnesses still ran as proptests (core/tests/fuzz_entry_points.rs)"; \
	fi
