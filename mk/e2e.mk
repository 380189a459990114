# End-to-end suites against the receiver an operator installs (issue #24):
# Schemathesis on docs/openapi.yaml, and a real headless Chromium driving the
# admin app. Both use the receiver tarball's bin/erpops from `make dist`, run
# outside the checkout.
#
# The tools come from PyPI into the project venv (tests/e2e/requirements.txt,
# pinned) and Debian (chromium, chromium-driver), installed when missing.

.PHONY: e2e-venv deps-chromium

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
