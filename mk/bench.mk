# Benchmarks (issue #12): `make bench` runs every suite against its anchors in one run and
# regenerates BENCHMARKS.md from the results. Not part of `make test` (timings are never
# asserted); `bench-smoke` (in `make test`) only checks that the bench programs build and that
# the report renders.
#
# Order: environment (CPU model, SHA extensions, load) -> every release build the suites need
# (bench-build, three independent lanes in parallel, nothing measured meanwhile) -> Rust
# criterion (benches/rust, with the core's event_parse/receive benches) -> C -> Python -> Node
# -> receiver under load -> report. The suites' own build steps then find their artifacts
# fresh, so the measurements do not share the machine with a compiler started by `make bench`.
# Each suite's raw output goes to target/bench-raw/, its normalised JSON to benches/results/
# (committed: small, and the source of the tables), then benches/report.py rewrites only the
# generated block of BENCHMARKS.md. A failing suite is reported and the others still run; the
# report then says "not measured" for it and `make bench` exits non-zero.

.PHONY: bench bench-env bench-build bench-build-cargo bench-build-python bench-build-node bench-rust bench-c-json bench-python-json bench-node-json bench-receiver-json bench-report bench-smoke

BENCH_RESULTS := benches/results
BENCH_RAW := $(TARGET_DIR)/bench-raw
# Short but stable enough on a 2-core machine: every function measured runs in at most ~35 µs,
# so one second is 3x10^4-10^7 iterations in criterion's 100 samples (its median's confidence
# interval stays within a few percent; load from other processes moves a figure far more than
# a longer measurement would steady it). Criterion's defaults (3 s + 5 s per function) would
# take the Rust part alone past ten minutes for ~50 functions.
CRITERION_FLAGS ?= --warm-up-time 0.5 --measurement-time 1 --noplot
RECEIVER_CONNECTIONS ?= 50
# Seconds per server (after run.sh's own 2 s warm-up each): at 8k-130k requests/s (erpops under
# load to the bare servers), 5 s is 4x10^4 requests or more per server, enough for a p99.
RECEIVER_SECONDS ?= 5
# The criterion benches of benches/rust (event_parse and receive are the core's, built there too).
RUST_BENCHES := --bench sign_verify --bench scaling --bench event_parse --bench receive
BENCH_SUITES := bench-rust bench-c-json bench-python-json bench-node-json bench-receiver-json
# Parallel build lanes; each is one cargo target directory (cargo locks a directory per run, and
# the lanes share no artifacts anyway: other packages selected means other unified features and,
# with thin LTO, other bitcode modes for the shared crates). On two cores the lanes overlap the
# long single-threaded steps (codegen-units = 1, LTO) of one build with another's.
BENCH_BUILD_JOBS ?= 3
# The Node addon's release build gets its own target directory, so it is a lane of its own.
BENCH_NODE_TARGET_DIR := $(TARGET_DIR)/node-release

TEST_SUITES += bench-smoke

# Each phase runs under /usr/bin/time (when present), which appends "phase wall user sys" to
# $(BENCH_RAW)/phases.tsv; the summary at the end gives wall and CPU time (user + sys of every
# process the phase started: cargo, rustc, pip, npm, the benchmarks) per phase. CPU time is
# the steadier figure on a shared machine: on an idle one, wall ≈ CPU ÷ cores for the builds.
BENCH_TIME = $(if $(wildcard /usr/bin/time),/usr/bin/time -a -o $(BENCH_RAW)/phases.tsv -f "$$s %e %U %S",)

bench:
	@mkdir -p $(BENCH_RAW) && rm -f $(BENCH_RAW)/phases.tsv
	@s=bench-env; $(BENCH_TIME) $(MAKE) --no-print-directory bench-env
	@echo "== make bench-build ($$(date -u +%H:%M:%S) UTC)"; s=bench-build; $(BENCH_TIME) $(MAKE) --no-print-directory bench-build \
	  || echo "== bench-build FAILED (each suite retries its own build and reports its error)"
	@failed=""; for s in $(BENCH_SUITES); do \
	  echo "== make $$s ($$(date -u +%H:%M:%S) UTC)"; \
	  $(BENCH_TIME) $(MAKE) --no-print-directory $$s || { echo "== $$s FAILED (reported as not measured)"; failed="$$failed $$s"; n=$${s#bench-}; rm -f $(BENCH_RESULTS)/$${n%-json}.json; }; \
	done; \
	s=bench-report; $(BENCH_TIME) $(MAKE) --no-print-directory bench-report; \
	$(PYTHON) benches/collect.py phases $(BENCH_RAW)/phases.tsv; \
	if [ -n "$$failed" ]; then echo "make bench: failed suites:$$failed"; exit 1; fi

bench-env:
	mkdir -p $(BENCH_RAW) $(BENCH_RESULTS)
	date +%s > $(BENCH_RAW)/start
	$(PYTHON) benches/collect.py env $(BENCH_RESULTS)/env.json

## Every release build of the suites, the same commands they run (so theirs are no-ops
## afterwards), in parallel lanes; nothing is measured meanwhile.
bench-build:
	$(MAKE) --no-print-directory -j$(BENCH_BUILD_JOBS) -Otarget bench-build-cargo bench-build-python bench-build-node

bench-build-cargo:
	$(CARGO) bench -p erpops-bench $(RUST_BENCHES) --no-run
	$(CARGO) build --release -p erpops-ffi
	$(CARGO) build --quiet --release -p erpops-receiver --bin erpops --example bare_hyper --example loadgen

bench-build-python: python-develop
	$(PY_BIN)/python -m pip install -q --disable-pip-version-check -r bindings-python/requirements-bench.txt

bench-build-node: node-deps
	cd $(NODE_DIR) && CARGO_TARGET_DIR=$(BENCH_NODE_TARGET_DIR) $(NAPI) build --platform --release --output-dir $(NODE_GEN)-release --js native.js --dts native.d.ts

bench-rust:
	$(CARGO) bench -p erpops-bench $(RUST_BENCHES) -- $(CRITERION_FLAGS)
	$(PYTHON) benches/collect.py criterion $(TARGET_DIR)/criterion $$(cat $(BENCH_RAW)/start) $(BENCH_RESULTS)/rust.json

bench-c-json: bench-c
	head -c 65536 /dev/zero | tr '\0' a > $(BENCH_RAW)/body-64k
	$(TARGET_DIR)/bench_sign --json $(BENCH_RAW)/c-seed.json
	$(TARGET_DIR)/bench_sign --json $(BENCH_RAW)/c-64k.json $(BENCH_RAW)/body-64k
	$(PYTHON) benches/collect.py c $(BENCH_RESULTS)/c.json $(BENCH_RAW)/c-seed.json $(BENCH_RAW)/c-64k.json

bench-python-json: python-develop
	$(PY_BIN)/python -m pip install -q --disable-pip-version-check -r bindings-python/requirements-bench.txt
	$(PY_BIN)/python benches/python/bench.py --json $(BENCH_RAW)/python.json
	$(PYTHON) benches/collect.py python $(BENCH_RESULTS)/python.json $(BENCH_RAW)/python.json

## `make bench-node` (mk/node.mk) minus its build: the napi CLI forces a rebuild of the addon
## crate on every `napi build` (NAPI_FORCE_BUILD_*, ~25 s), so the addon built by bench-build
## in this run is used as it is; only when there is none (bench-build failed, or this target
## runs on its own) is it built here.
bench-node-json:
	@find $(NODE_GEN)-release -name '*.node' -newer $(BENCH_RAW)/start 2>/dev/null | grep -q . \
	  || $(MAKE) --no-print-directory bench-build-node
	cp $(NODE_GEN)-release/*.node $(NODE_DIR)/
	BENCH_JSON=1 node benches/node/bench.mjs > $(BENCH_RAW)/node.log 2>&1 || { cat $(BENCH_RAW)/node.log; exit 1; }
	cat $(BENCH_RAW)/node.log
	$(PYTHON) benches/collect.py node $(BENCH_RESULTS)/node.json $(BENCH_RAW)/node.log

## run.sh under a watcher that records each server's peak RSS (VmHWM) from /proc.
bench-receiver-json:
	$(PYTHON) benches/collect.py run-with-rss $(BENCH_RAW)/receiver-rss.json $(BENCH_RAW)/receiver.log \
	  bash benches/receiver/run.sh $(RECEIVER_CONNECTIONS) $(RECEIVER_SECONDS)
	$(PYTHON) benches/collect.py receiver $(BENCH_RESULTS)/receiver.json $(BENCH_RAW)/receiver.log $(BENCH_RAW)/receiver-rss.json

bench-report:
	$(PYTHON) benches/collect.py env-end $(BENCH_RESULTS)/env.json
	$(PYTHON) benches/report.py $(BENCH_RESULTS) BENCHMARKS.md

## Cheap: the C bench compiles against the debug library, the scripts parse, the report
## renders from the committed results and keeps the hand-written prose (benches/test_report.py).
## The Rust benches are compiled by `make clippy` (--all-targets).
bench-smoke:
	@if [ -f /usr/include/openssl/evp.h ]; then \
	  cc -std=c11 -Wall -Wextra -Werror -Iffi-c/include -fsyntax-only benches/c/bench_sign.c && echo "bench_sign.c compiles"; \
	else echo "bench-smoke: no OpenSSL headers (libssl-dev), bench_sign.c not checked"; fi
	node --check benches/node/bench.mjs
	$(PYTHON) -m py_compile benches/python/bench.py benches/collect.py benches/report.py
	$(PYTHON) benches/test_report.py
