# Released artifacts (issue #20). `make dist` writes dist/ for the workspace
# version: the C SDK tarball, the Python wheel and sdist, the npm main and
# platform packages, the receiver tarball and SHA256SUMS, every binary linked
# against glibc 2.17 by zig and stripped. `make test-dist` installs each one
# outside the checkout and uses it as its users would (tests/dist/*.sh).
# packaging/README.md says what each artifact holds and why.

.PHONY: dist dist-tools dist-c dist-python dist-node dist-receiver test-dist version-check

DIST_DIR := $(CURDIR)/dist
DIST_STAGE := $(TARGET_DIR)/dist-stage
# One target directory for every dist build, apart from the debug one the
# suites use, so shared crates are compiled once per profile.
DIST_TARGET_DIR := $(TARGET_DIR)/dist-build
DIST_TRIPLE := x86_64-unknown-linux-gnu
DIST_GLIBC := 2.17
DIST_TOOLS_STAMP := $(CURDIR)/.venv/.erpops-dist-requirements
DIST_ENV := DIST_DIR=$(DIST_DIR) DIST_STAGE=$(DIST_STAGE) CARGO_TARGET_DIR=$(DIST_TARGET_DIR) \
	DIST_TRIPLE=$(DIST_TRIPLE) DIST_GLIBC=$(DIST_GLIBC) PATH=$(CURDIR)/.venv/bin:$$PATH

TEST_SUITES += test-dist

## Every place that states the version agrees with the workspace's, and the
## check itself catches a drifted copy.
version-check:
	packaging/version.sh --check
	bash tests/dist/version.sh

$(DIST_TOOLS_STAMP): packaging/requirements.txt | python-venv
	$(CURDIR)/.venv/bin/python -m pip install -q --disable-pip-version-check -r packaging/requirements.txt
	cp packaging/requirements.txt $@

dist-tools: python-venv node-deps $(DIST_TOOLS_STAMP)

dist-c: dist-tools
	$(DIST_ENV) packaging/dist.sh c

dist-python: dist-tools
	$(DIST_ENV) packaging/dist.sh python

dist-node: dist-tools
	$(DIST_ENV) packaging/dist.sh node

dist-receiver: dist-tools
	$(DIST_ENV) packaging/dist.sh receiver

## Build every artifact into dist/ and write SHA256SUMS.
dist: version-check dist-c dist-python dist-node dist-receiver
	$(DIST_ENV) packaging/dist.sh sums

## Install each artifact in a fresh place, without Rust or the checkout, and test it.
test-dist: dist deps-apt
	@command -v systemd-analyze >/dev/null || { echo "installing: systemd (systemd-analyze)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; }
	DIST_DIR=$(DIST_DIR) bash tests/dist/c.sh
	DIST_DIR=$(DIST_DIR) AUDITWHEEL=$(CURDIR)/.venv/bin/auditwheel SDIST_TARGET_DIR=$(TARGET_DIR)/sdist-build \
	  bash tests/dist/python.sh
	DIST_DIR=$(DIST_DIR) bash tests/dist/node.sh
	DIST_DIR=$(DIST_DIR) bash tests/dist/receiver.sh
	@# SHA256SUMS covers every artifact, and each one matches it.
	cd $(DIST_DIR) && sha256sum --quiet --strict -c SHA256SUMS \
	  && [ "$$(ls | grep -vc '^SHA256SUMS$$')" = "$$(wc -l < SHA256SUMS)" ]
