# End-to-end suites against the receiver an operator installs (issue #24):
# Schemathesis on docs/openapi.yaml, and a real headless Chromium driving the
# admin app. Both use the receiver tarball's bin/erpops from `make dist`, run
# outside the checkout.
#
# The tools come from PyPI into the project venv (tests/e2e/requirements.txt,
# pinned) and Debian (chromium, chromium-driver), installed when missing.

.PHONY: e2e-venv deps-chromium e2e-receiver test-schemathesis test-browser docs-img

TEST_SUITES += test-schemathesis test-browser

E2E_DIR := $(TARGET_DIR)/e2e
E2E_TARBALL := erpops-$(VERSION)-x86_64-linux-gnu
# bin/erpops of the unpacked receiver tarball: what an operator installs.
E2E_ERPOPS := $(E2E_DIR)/$(E2E_TARBALL)/bin/erpops
E2E_PYTHON := $(CURDIR)/.venv/bin/python

E2E_STAMP := $(CURDIR)/.venv/.erpops-e2e-requirements

$(E2E_STAMP): tests/e2e/requirements.txt | python-venv
	$(CURDIR)/.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/e2e/requirements.txt
	cp tests/e2e/requirements.txt $@

e2e-venv: $(E2E_STAMP)

## Debian's Chromium and its WebDriver, for the browser test.
deps-chromium:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## The receiver tarball of `make dist-receiver` (built once, shared with
## test-dist), unpacked afresh under the build directory.
e2e-receiver: dist-receiver
	rm -rf $(E2E_DIR)/$(E2E_TARBALL)
	mkdir -p $(E2E_DIR)
	tar -xzf $(DIST_DIR)/$(E2E_TARBALL).tar.gz -C $(E2E_DIR)

## Schemathesis (--checks all, fixed seed, bounded examples) on every
## operation of docs/openapi.yaml against the tarball's receiver, with a
## tenant, connectors, a key, a job and incidents seeded so ids exist.
test-schemathesis: e2e-venv e2e-receiver
	$(E2E_PYTHON) tests/e2e/schemathesis_run.py --erpops $(E2E_ERPOPS) \
	  --schemathesis $(CURDIR)/.venv/bin/schemathesis --work $(E2E_DIR)/schemathesis

## The admin app in Debian's headless Chromium (selenium + chromedriver),
## against the tarball's receiver: the seven steps of #24 and what must never
## show a secret. A screenshot of every page goes to $(TARGET_DIR)/screenshots.
test-browser: e2e-venv deps-chromium e2e-receiver
	$(E2E_PYTHON) tests/e2e/browser_test.py --erpops $(E2E_ERPOPS) --screenshots $(TARGET_DIR)/screenshots

## Regenerate docs/img/admin-incidents.png and admin-connector.png (1280x800)
## from a throwaway receiver, with the shown secret blurred.
docs-img: e2e-venv deps-chromium e2e-receiver
	$(E2E_PYTHON) tests/e2e/browser_test.py --erpops $(E2E_ERPOPS) --screenshots $(TARGET_DIR)/screenshots \
	  --docs-img docs/img
