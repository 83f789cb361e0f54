#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the grading service's tests
# and load benchmark, installing Debian's `postgresql` first when it is missing.
#
#   export QUIZLIB_TEST_PG_URL="$(scripts/start_postgres.sh)"
#
# Standard output is exactly one line, the SQLAlchemy URL of the test database;
# progress goes to standard error. Running it again while the server is up only
# prints the URL again. Stop it with:  scripts/start_postgres.sh --stop
#
# The server listens on loopback only, with its own data folder and port, so it
# never touches a cluster the machine already runs.
set -euo pipefail

PORT="${QUIZLIB_PG_PORT:-54329}"
DATA="${QUIZLIB_PG_DATA:-/tmp/quizlib-pg-$PORT}"
DB=quizlib_test
ROLE=quizlib
PASSWORD=quizlib

log() { echo "start_postgres: $*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# PostgreSQL refuses to run as root: as root, act as the `postgres` user the package creates.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

BIN="$(pg_bin)"
if [ -z "$BIN" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL is not installed and this is not a root Debian machine: install 'postgresql' first"
    exit 1
  fi
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  BIN="$(pg_bin)"
  [ -n "$BIN" ] || { log "postgresql installed but no server binaries under /usr/lib/postgresql"; exit 1; }
fi

if [ "${1:-}" = "--stop" ]; then
  as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2 || true
  exit 0
fi

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "creating a cluster in $DATA"
    mkdir -p "$DATA"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$DATA"
    chmod 700 "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2
  fi
  log "starting PostgreSQL on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DATA -c max_connections=200" start >&2
fi

psql_admin() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi
log "ready"
echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
