#!/bin/sh
# A throwaway PostgreSQL server for the test suites: data in a temporary
# directory, listening on loopback only, trust authentication (nothing but
# this machine can reach it), stopped and deleted by `stop`.
#
#   tests/postgres/server.sh start DIR PORT   # prints nothing; URL below
#   tests/postgres/server.sh start DIR PORT tls   # the same with ssl=on
#   tests/postgres/server.sh createdb DIR PORT NAME
#   tests/postgres/server.sh stop DIR
#
# Its URL is postgres://erpops@127.0.0.1:PORT/postgres. PostgreSQL refuses
# to run as root, so as root the server runs as `nobody` (owner of DIR).
#
# With `tls` the server also accepts TLS (plain connections too), with a
# certificate made at start by the openssl CLI in DIR/tls: ca.pem (the CA
# that signed the server's certificate, valid for DNS:localhost only, not
# for 127.0.0.1) and wrong-ca.pem (a CA that signed nothing).
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

# make_certs DIR OWNER: the test CA, a second CA and the server's key and
# certificate (EC P-256, valid two days), the key readable by OWNER only.
make_certs() {
  t=$1
  command -v openssl >/dev/null || { echo "no openssl CLI: apt-get install openssl" >&2; exit 1; }
  mkdir -p "$t"
  for ca in ca wrong-ca; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj "/CN=erpops test $ca" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$t/$ca.key" -out "$t/$ca.pem" 2>"$t/openssl.log" \
      || { cat "$t/openssl.log" >&2; exit 1; }
  done
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$t/server.key" -out "$t/server.csr" 2>"$t/openssl.log" \
    || { cat "$t/openssl.log" >&2; exit 1; }
  printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$t/server.ext"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -set_serial 2 \
    -days 2 -extfile "$t/server.ext" -out "$t/server.crt" 2>"$t/openssl.log" \
    || { cat "$t/openssl.log" >&2; exit 1; }
  chmod 600 "$t/server.key"
  if [ "$(id -u)" = 0 ]; then chown "$2" "$t/server.key"; fi
}

case $cmd in
start)
  port=$3
  tls=${4:-}
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown nobody "$dir"; fi
  chmod 700 "$dir"
  as_owner "$bindir/initdb" -D "$dir/data" -U erpops -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  ssl=""
  if [ "$tls" = tls ]; then
    make_certs "$dir/tls" nobody
    ssl="-c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key"
  fi
  # fsync stays on (the default): the suites check durable behaviour.
  # max_connections stays PostgreSQL's default (100): the receivers' bounded
  # connection budget must fit it (the burst suite checks).
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $ssl" start >/dev/null \
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
  echo "usage: $0 start DIR PORT [tls] | createdb DIR PORT NAME | stop DIR" >&2
  exit 2
  ;;
esac
