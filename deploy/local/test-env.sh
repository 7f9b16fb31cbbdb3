#!/usr/bin/env bash
# Run a command against real PostgreSQL and Kafka:  deploy/local/test-env.sh CMD [ARGS...]
#
# Starts the private PostgreSQL cluster (postgres.sh) and the single-node Kafka broker (kafka.sh),
# exports
#   LIANXIN_TEST_DATABASE_URL  SQLAlchemy URL of the `lianxin` database (a superuser role)
#   LIANXIN_TEST_KAFKA         bootstrap server, 127.0.0.1:PORT
#   LIANXIN_KAFKA_CTL          absolute path of kafka.sh, so tests can stop/start the broker
# runs CMD and returns its exit code. Ports follow LIANXIN_PG_PORT / LIANXIN_KAFKA_PORT.
# Servers that were already running (e.g. left up by `make services-up`) are reused and left
# running; only servers this script started are stopped when CMD exits.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG="$HERE/postgres.sh"
KAFKA="$(cd "$HERE/../kafka" && pwd)/kafka.sh"

[[ $# -gt 0 ]] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

started=()
cleanup() {
  local svc
  for svc in "${started[@]}"; do bash "$svc" stop || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! bash "$PG" status >/dev/null 2>&1; then started+=("$PG"); fi
bash "$PG" start
if ! bash "$KAFKA" status >/dev/null 2>&1; then started+=("$KAFKA"); fi
bash "$KAFKA" start

export LIANXIN_TEST_DATABASE_URL="$(bash "$PG" url)"
export LIANXIN_TEST_KAFKA="127.0.0.1:${LIANXIN_KAFKA_PORT:-59092}"
export LIANXIN_KAFKA_CTL="$KAFKA"

rc=0
"$@" || rc=$?
exit "$rc"
