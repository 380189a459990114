# The PostgreSQL store (issue #14): a throwaway server from Debian's packages
# on a free loopback port in a temporary directory, stopped (and deleted)
# even when a suite fails.

.PHONY: deps-postgres test-postgres

TEST_SUITES += test-postgres

## Debian's PostgreSQL server, installed only when missing (CI starts fresh).
deps-postgres:
	@if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then \
	  echo "installing: postgresql"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

## The storage suite against SQLite and PostgreSQL, the HTTP ladder and an
## admin command with --store postgres://… (bounded: each step under 2 min).
test-postgres: deps-postgres
	@# Built first, so the timeouts below bound the runs, not a cold compile.
	$(CARGO) test -q --no-run -p erpops-receiver --test store_suite --test two_receivers --test http
	$(CARGO) build -q -p erpops-receiver --bin erpops
	@dir=$$(mktemp -d /tmp/erpops-pg.XXXXXX); \
	port=$$($(PYTHON) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	trap 'tests/postgres/server.sh stop "$$dir"' EXIT INT TERM; \
	set -e; \
	tests/postgres/server.sh start "$$dir" "$$port"; \
	url="postgres://erpops@127.0.0.1:$$port"; \
	echo "PostgreSQL test server on 127.0.0.1:$$port"; \
	ERPOPS_TEST_PG="$$url/postgres" timeout 120 $(CARGO) test -q -p erpops-receiver --test store_suite --test two_receivers; \
	tests/postgres/server.sh createdb "$$dir" "$$port" ladder; \
	ERPOPS_TEST_STORE="$$url/ladder" timeout 120 $(CARGO) test -q -p erpops-receiver --test http every_rung_of_the_ladder; \
	timeout 60 $(CARGO) run -q -p erpops-receiver --bin erpops -- admin --store "$$url/ladder" tenants list | grep -q '^acme'; \
	echo "test-postgres: store suite (SQLite + PostgreSQL), two receivers, HTTP ladder and admin --store passed"
