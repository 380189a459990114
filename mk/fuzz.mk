# Coverage-guided fuzzing of the core with libFuzzer on the STABLE toolchain: the
# sanitizer-coverage pass is enabled through RUSTFLAGS (what cargo-fuzz does, minus the
# nightly-only address sanitizer), for the target triple only so build scripts stay plain.
# `make fuzz` runs every target for FUZZ_SECONDS each, seeded from the shared vectors.
# Not part of `make test` (yet): see issue #13.

.PHONY: fuzz fuzz-build

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := parse_event build_round_trip verify receive
FUZZ_TRIPLE := $(shell rustc -vV | sed -n 's/^host: //p')
FUZZ_DIR := $(TARGET_DIR)/fuzz
FUZZ_RUSTFLAGS := -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks

fuzz-build:
	cd core/fuzz && RUSTFLAGS="$(FUZZ_RUSTFLAGS)" CARGO_TARGET_DIR=$(FUZZ_DIR)/build \
	  $(CARGO) build --release --target $(FUZZ_TRIPLE)

fuzz: fuzz-build
	$(PYTHON) core/fuzz/seeds.py $(FUZZ_DIR)/corpus
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_DIR)/build/$(FUZZ_TRIPLE)/release/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	    -artifact_prefix=$(FUZZ_DIR)/crash- $(FUZZ_DIR)/corpus/$$t 2>&1 | grep -E 'DONE|Done|ERROR|panicked' || exit 1; \
	done
