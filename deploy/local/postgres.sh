#!/usr/bin/env bash
# A private PostgreSQL 15 cluster on 127.0.0.1 for tests and local runs.
#
#   postgres.sh start   initdb on first use, start, ensure role and database `lianxin` exist
#   postgres.sh stop    fast shutdown; the data directory is kept
#   postgres.sh url     print the SQLAlchemy URL of the `lianxin` database
#
# Environment: LIANXIN_PG_PORT (default 55432), LIANXIN_PG_DIR (default /tmp/lianxin-pg-PORT),
#              LIANXIN_PG_FSYNC (default off: this is the throwaway test cluster; never copy
#              fsync=off to a cluster whose data matters).
# Auth is `trust` for the unix socket (kept inside the data dir) and 127.0.0.1 only.
# Role `lianxin` is a superuser so tests can create and drop their own databases.
set -euo pipefail

PORT="${LIANXIN_PG_PORT:-55432}"
DIR="${LIANXIN_PG_DIR:-/tmp/lianxin-pg-$PORT}"
FSYNC="${LIANXIN_PG_FSYNC:-off}"
URL="postgresql+psycopg://lianxin@127.0.0.1:$PORT/lianxin"

log() { echo "postgres.sh[$PORT]: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_bindir() {
  local d
  if command -v pg_config >/dev/null && d="$(pg_config --bindir 2>/dev/null)" && [[ -x "$d/initdb" ]]; then
    echo "$d"; return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" ]] && { echo "$d"; return 0; }
  done
  return 1
}

BINDIR="$(find_bindir || true)"
if [[ -z "$BINDIR" && "${1:-}" == start ]]; then
  log "PostgreSQL not found; installing it"
  [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed and we are not root"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # The package's own cluster is not used; only the binaries are.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  BINDIR="$(find_bindir)" || die "PostgreSQL binaries still not found after install"
fi

# PostgreSQL refuses to run as root: run its tools as `postgres` when we are root.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

psql_() { as_pg "$BINDIR/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

running() { [[ -n "$BINDIR" && -f "$DIR/postmaster.pid" ]] && as_pg "$BINDIR/pg_ctl" -D "$DIR" status >/dev/null 2>&1; }

start() {
  if ! running; then
    if [[ ! -f "$DIR/PG_VERSION" ]]; then
      mkdir -p "$DIR"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$DIR"
      chmod 700 "$DIR"
      as_pg "$BINDIR/initdb" -D "$DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null \
        || as_pg "$BINDIR/initdb" -D "$DIR" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
      cat >"$DIR/pg_hba.conf" <<'EOF'
# Test cluster: trust on the unix socket and loopback only.
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
      cat >>"$DIR/postgresql.conf" <<EOF

# --- deploy/local/postgres.sh ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
shared_buffers = 128MB
# Test cluster only: trade durability for speed.
synchronous_commit = off
full_page_writes = off
EOF
      [[ $(id -u) -eq 0 ]] && chown postgres: "$DIR/pg_hba.conf" "$DIR/postgresql.conf"
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is in use by another server"
    # fsync is a command-line setting so LIANXIN_PG_FSYNC can change it between starts.
    # max_connections too, so a data folder made by an older version of this script gets it:
    # every test module keeps its services (and their pools, up to 10 connections each) until
    # the session ends, and a full run starts well over a hundred. Headroom, not tuning.
    as_pg "$BINDIR/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 -o "-c fsync=$FSYNC -c max_connections=1000" start >/dev/null \
      || { tail -n 30 "$DIR/server.log" >&2; die "PostgreSQL failed to start"; }
  fi
  psql_ <<'SQL'
SELECT 'CREATE ROLE lianxin LOGIN SUPERUSER' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lianxin')\gexec
SELECT 'CREATE DATABASE lianxin OWNER lianxin' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'lianxin')\gexec
SQL
  log "ready: $URL (data $DIR)"
}

stop() {
  if running; then
    as_pg "$BINDIR/pg_ctl" -D "$DIR" -m fast -w -t 60 stop >/dev/null
    log "stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  status) if running; then echo "postgres running: $URL"; else echo "postgres not running on $PORT"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
