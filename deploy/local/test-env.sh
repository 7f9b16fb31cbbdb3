#!/usr/bin/env bash
# Run a command against real PostgreSQL and Kafka:  deploy/local/test-env.sh CMD [ARGS...]
#
# Starts the private PostgreSQL cluster (postgres.sh) and the single-node Kafka broker (kafka.sh),
# exports
#   LIANXIN_TEST_DATABASE_URL  SQLAlchemy URL of the `lianxin` database (a superuser role)
#   LIANXIN_TEST_KAFKA         bootstrap server, 127.0.0.1:PORT
#   LIANXIN_KAFKA_CTL          absolute path of kafka.sh, so tests can stop/start the broker
# runs CMD and returns its exit code. Ports follow LIANXIN_PG_PORT / LIANXIN_KAFKA_PORT.
# A server already running on those ports (e.g. left up by `make services-up`, or another
# checkout's) is reused only with LIANXIN_TEST_REUSE=1, and then left running: the suite
# creates and drops databases and restarts the broker, which must not happen to a server
# someone else relies on. Servers this script started are stopped when CMD exits.
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

refuse_reuse() {
  echo "test-env: $1 is already running on port $2 and this run did not start it." >&2
  echo "  Stop it, move the tests to free ports (LIANXIN_PG_PORT, LIANXIN_KAFKA_PORT)," >&2
  echo "  or set LIANXIN_TEST_REUSE=1 to run the suite against it." >&2
  exit 3
}
if ! bash "$PG" status >/dev/null 2>&1; then started+=("$PG")
elif [[ "${LIANXIN_TEST_REUSE:-}" != 1 ]]; then refuse_reuse PostgreSQL "${LIANXIN_PG_PORT:-55432}"; fi
if ! bash "$KAFKA" status >/dev/null 2>&1; then started+=("$KAFKA")
elif [[ "${LIANXIN_TEST_REUSE:-}" != 1 ]]; then refuse_reuse Kafka "${LIANXIN_KAFKA_PORT:-59092}"; fi
bash "$PG" start
bash "$KAFKA" start

export LIANXIN_TEST_DATABASE_URL="$(bash "$PG" url)"
export LIANXIN_TEST_KAFKA="127.0.0.1:${LIANXIN_KAFKA_PORT:-59092}"
export LIANXIN_KAFKA_CTL="$KAFKA"

rc=0
"$@" || rc=$?
exit "$rc"
