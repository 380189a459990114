# The PostgreSQL store (issue #14): a throwaway server from Debian's packages
# on a free loopback port in a temporary directory, stopped (and deleted)
# even when a suite fails; a second one with ssl=on and a CA made at start
# (openssl CLI) for the store suite's TLS cases.

.PHONY: deps-postgres test-postgres

TEST_SUITES += test-postgres

## Debian's PostgreSQL server (and the openssl CLI for the TLS server's
## certificates), installed only when missing (CI starts fresh).
deps-postgres:
	@if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || ! command -v openssl >/dev/null; then \
	  echo "installing: postgresql openssl"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql openssl >/dev/null; \
	fi

## The storage suite against SQLite and PostgreSQL (and its TLS cases
## against the ssl=on server), two receivers on one database, the records
## cache on PostgreSQL, a burst against the server's default
## max_connections (100), the HTTP ladder and an admin command with
## --store postgres://…, and the REST writes (#24) on a PostgreSQL store
## (bounded: each step under 2 min).
test-postgres: deps-postgres
	@# Built first, so the timeouts below bound the runs, not a cold compile.
	$(CARGO) test -q --no-run -p erpops-receiver --test store_suite --test two_receivers --test http \
	  --test record_cache --test pg_burst --test round_trips --test two_processes --test many_tenants \
	  --test engine_partitions --test jobs --test rest_writes --test admin_app
	$(CARGO) build -q -p erpops-receiver --bin erpops
	@# libpq's PGSSLMODE/PGSSLROOTCERT apply to URLs that do not say: a
	@# developer's own must not change the suites.
	@unset PGSSLMODE PGSSLROOTCERT; \
	dir=$$(mktemp -d /tmp/erpops-pg.XXXXXX); tlsdir=$$(mktemp -d /tmp/erpops-pgtls.XXXXXX); \
	free_port() { $(PYTHON) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }; \
	port=$$(free_port); tlsport=$$(free_port); \
	trap 'tests/postgres/server.sh stop "$$dir"; tests/postgres/server.sh stop "$$tlsdir"' EXIT INT TERM; \
	set -e; \
	tests/postgres/server.sh start "$$dir" "$$port"; \
	tests/postgres/server.sh start "$$tlsdir" "$$tlsport" tls; \
	url="postgres://erpops@127.0.0.1:$$port"; \
	echo "PostgreSQL test servers on 127.0.0.1:$$port and (TLS) 127.0.0.1:$$tlsport"; \
	ERPOPS_TEST_PG="$$url/postgres" ERPOPS_TEST_PG_TLS="postgres://erpops@127.0.0.1:$$tlsport/postgres" \
	  ERPOPS_TEST_PG_CERTS="$$tlsdir/tls" \
	  timeout 120 $(CARGO) test -q -p erpops-receiver --test store_suite --test two_receivers; \
	ERPOPS_TEST_PG="$$url/postgres" timeout 120 $(CARGO) test -q -p erpops-receiver --test record_cache --test pg_burst \
	  --test round_trips --test engine_partitions; \
	ERPOPS_TEST_PG="$$url/postgres" timeout 120 $(CARGO) test -q -p erpops-receiver --test two_processes --test many_tenants; \
	tests/postgres/server.sh createdb "$$dir" "$$port" ladder; \
	ERPOPS_TEST_STORE="$$url/ladder" timeout 120 $(CARGO) test -q -p erpops-receiver --test http every_rung_of_the_ladder; \
	tests/postgres/server.sh createdb "$$dir" "$$port" adminapp; \
	ERPOPS_TEST_STORE="$$url/adminapp" timeout 120 $(CARGO) test -q -p erpops-receiver --test admin_app \
	  sign_in_work_an_incident_and_sign_out; \
	ERPOPS_TEST_PG="$$url/postgres" timeout 120 $(CARGO) test -q -p erpops-receiver --test admin_app \
	  two_receivers_on_postgres_share_sessions; \
	tests/postgres/server.sh createdb "$$dir" "$$port" jobs; \
	ERPOPS_TEST_STORE="$$url/jobs" timeout 120 $(CARGO) test -q -p erpops-receiver --test jobs \
	  a_job_is_tracked_run_by_run_and_its_timers_survive_a_restart; \
	tests/postgres/server.sh createdb "$$dir" "$$port" writes; \
	ERPOPS_TEST_STORE="$$url/writes" timeout 120 $(CARGO) test -q -p erpops-receiver --test rest_writes; \
	timeout 60 $(CARGO) run -q -p erpops-receiver --bin erpops -- admin --store "$$url/ladder" tenants list | grep -q '^acme'; \
	timeout 60 $(CARGO) run -q -p erpops-receiver --bin erpops -- admin \
	  --store "postgres://erpops@localhost:$$tlsport/postgres?sslmode=verify-full&sslrootcert=$$tlsdir/tls/ca.pem" \
	  tenants list | grep -q '^ID'; \
	PGSSLMODE=verify-full PGSSLROOTCERT="$$tlsdir/tls/ca.pem" timeout 60 $(CARGO) run -q -p erpops-receiver --bin erpops -- admin \
	  --store "postgres://erpops@localhost:$$tlsport/postgres" tenants list | grep -q '^ID'; \
	if PGSSLMODE=verify-full PGSSLROOTCERT="$$tlsdir/tls/ca.pem" timeout 60 $(CARGO) run -q -p erpops-receiver --bin erpops -- admin \
	  --store "postgres://erpops@127.0.0.1:$$tlsport/postgres" tenants list >/dev/null 2>&1; then \
	  echo "test-postgres: PGSSLMODE=verify-full accepted a certificate for another host name"; exit 1; fi; \
	echo "test-postgres: store suite (SQLite + PostgreSQL, TLS cases), two receivers, records cache, burst at max_connections = 100, HTTP ladder, a job's runs and timers across a restart, the REST writes, and admin --store (plain, verify-full, and verify-full from PGSSLMODE/PGSSLROOTCERT) passed"
