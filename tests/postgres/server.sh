#!/bin/sh
# A throwaway PostgreSQL server for the test suites: data in a temporary
# directory, listening on loopback only, trust authentication (nothing but
# this machine can reach it), stopped and deleted by `stop`.
#
#   tests/postgres/server.sh start DIR PORT   # prints nothing; URL below
#   tests/postgres/server.sh createdb DIR PORT NAME
#   tests/postgres/server.sh stop DIR
#
# Its URL is postgres://erpops@127.0.0.1:PORT/postgres. PostgreSQL refuses
# to run as root, so as root the server runs as `nobody` (owner of DIR).
set -eu

cmd=$1
dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
  echo "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: apt-get install postgresql" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

case $cmd in
start)
  port=$3
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown nobody "$dir"; fi
  chmod 700 "$dir"
  as_owner "$bindir/initdb" -D "$dir/data" -U erpops -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # fsync stays on (the default): the suites check durable behaviour.
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  ;;
createdb)
  # createdb DIR PORT NAME: an empty database for one suite.
  "$bindir/createdb" -h 127.0.0.1 -p "$3" -U erpops "$4"
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start DIR PORT | createdb DIR PORT NAME | stop DIR" >&2
  exit 2
  ;;
esac
