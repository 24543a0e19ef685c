# shellcheck shell=bash
# Starts a throw-away PostgreSQL for the storage and fleet tests, exports DATABASE_URL and
# defines stop_postgres. Meant to be sourced (`.ci/run` does:
#   source .ci/start-postgres.sh; trap stop_postgres EXIT
# ). Works on a fresh Debian machine (installs the `postgresql` package when no server
# binaries are found) and is idempotent: sourcing it again while the server answers on
# the port reuses that server instead of starting a second one.
#
# Knobs: SILO_PG_PORT (default 55432).
#
# initdb refuses to run as root, so as root the cluster is created and started as the
# `postgres` user in a temporary directory; the whole directory goes away on stop.

_silo_pg_port="${SILO_PG_PORT:-55432}"

_silo_pg_bin() {
  # Prefer the newest installed major version's server binaries.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
    return 0
  fi
  if command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  return 1
}

_silo_pg_as_owner() {
  # Runs a server command as the cluster owner: `postgres` when we are root, else ourselves.
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_silo_pg_install() {
  echo "== installing PostgreSQL (apt)"
  local sudo=""
  if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "start-postgres.sh: PostgreSQL is not installed and we are not root; install the Debian package 'postgresql' first." >&2
      return 1
    }
    sudo="sudo"
  fi
  # The package's own cluster would try to start through invoke-rc.d; we never use it.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

stop_postgres() {
  # Only stops a server this script started (SILO_PG_TMP is set by the start below).
  if [ -n "${SILO_PG_TMP:-}" ] && [ -d "${SILO_PG_TMP}/pg/data" ]; then
    _silo_pg_as_owner "${SILO_PG_BIN}/pg_ctl" -D "${SILO_PG_TMP}/pg/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "${SILO_PG_TMP}"
  fi
  unset SILO_PG_TMP
}

_silo_pg_start() {
  local bin tmp
  if ! bin=$(_silo_pg_bin); then
    _silo_pg_install || return 1
    bin=$(_silo_pg_bin) || {
      echo "start-postgres.sh: installed 'postgresql' but found no pg_ctl under /usr/lib/postgresql/*/bin." >&2
      return 1
    }
  fi
  export SILO_PG_BIN="$bin"

  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$_silo_pg_port" >/dev/null 2>&1; then
    echo "== PostgreSQL already answering on 127.0.0.1:$_silo_pg_port; reusing it"
  else
    tmp=$(mktemp -d)
    chmod 755 "$tmp"
    mkdir "$tmp/pg"
    if [ "$(id -u)" = "0" ]; then
      id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
      chown postgres: "$tmp/pg"
    fi
    _silo_pg_as_owner "$bin/initdb" -D "$tmp/pg/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null || {
      echo "start-postgres.sh: initdb failed in $tmp/pg/data" >&2
      rm -rf "$tmp"
      return 1
    }
    # fsync and synchronous_commit off: this cluster is disposable, speed matters more.
    _silo_pg_as_owner "$bin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $_silo_pg_port -k $tmp/pg -c fsync=off -c synchronous_commit=off -c max_connections=200" \
      start >/dev/null || {
      echo "start-postgres.sh: the server did not start; its log follows:" >&2
      cat "$tmp/pg/server.log" >&2 || true
      rm -rf "$tmp"
      return 1
    }
    export SILO_PG_TMP="$tmp"
    echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$_silo_pg_port (data in $tmp/pg)"
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:${_silo_pg_port}/postgres"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Executed rather than sourced: start, and tell the caller how to use and stop it.
  set -euo pipefail
  _silo_pg_start
  echo "export DATABASE_URL=$DATABASE_URL"
  if [ -n "${SILO_PG_TMP:-}" ]; then
    echo "# stop with: $( [ "$(id -u)" = 0 ] && echo "runuser -u postgres -- " )$SILO_PG_BIN/pg_ctl -D $SILO_PG_TMP/pg/data -m immediate stop; rm -rf $SILO_PG_TMP"
  fi
else
  _silo_pg_start || return 1
fi
