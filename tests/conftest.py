"""Suite-wide fixtures for the real PostgreSQL server and Kafka broker.

`make test` (or `deploy/local/test-env.sh CMD`) starts both servers and exports:
  LIANXIN_TEST_DATABASE_URL  SQLAlchemy URL of a database whose role may CREATE/DROP DATABASE
  LIANXIN_TEST_KAFKA         Kafka bootstrap server, host:port
  LIANXIN_KAFKA_CTL          path of deploy/kafka/kafka.sh, to stop and restart the broker
A missing variable fails the test (never skips): silently skipped infrastructure tests hide bugs.
Subfolders add their own fixtures in their own conftest.py files.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import uuid

import pytest
from kafka_lock import kafka_lock
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# The test kit's fixtures (start_service, ...): tests/kit/.
pytest_plugins = ["kit.fixtures"]

HOW = "run the suite with `make test`, or wrap pytest in `deploy/local/test-env.sh`"


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: {HOW}", pytrace=False)
    return value


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of the server's maintenance database; use fresh_database for a database of your own."""
    return _required_env("LIANXIN_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def fresh_database(pg_server_url):
    """Factory: each call creates an empty database `t_<8 hex>` and returns its SQLAlchemy URL.

    The databases live for the whole session and are dropped at its end (WITH (FORCE), so
    connections a test left open do not block the drop).
    """
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    created: list[str] = []

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """Bootstrap server of the test broker, e.g. 127.0.0.1:59092."""
    return _required_env("LIANXIN_TEST_KAFKA")


@pytest.fixture(autouse=True)
def _kafka_shared_lock(request):
    if request.node.get_closest_marker("kafka") is None:
        yield
        return
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    kafka_lock(bootstrap, fcntl.LOCK_SH)
    yield
    kafka_lock(bootstrap, fcntl.LOCK_UN)


class KafkaBroker:
    """Stops and restarts the test broker; its data (topics, offsets) survives a restart."""

    def __init__(self, ctl: str, bootstrap: str):
        self.ctl = ctl
        self.bootstrap = bootstrap
        # kafka.sh reads its port from the environment; derive it from the bootstrap address
        # so the fixture controls the same broker the tests talk to.
        self._env = {**os.environ, "LIANXIN_KAFKA_PORT": bootstrap.rsplit(":", 1)[1]}

    def _run(self, action: str) -> None:
        subprocess.run(["bash", self.ctl, action], env=self._env, check=True, timeout=180)

    def stop(self) -> None:
        self._run("stop")

    def start(self) -> None:
        """Returns once the broker answers metadata requests again."""
        self._run("start")


@pytest.fixture
def kafka_broker(kafka_bootstrap):
    """Exclusive use of the broker for one test: no other Kafka test runs meanwhile."""
    broker = KafkaBroker(_required_env("LIANXIN_KAFKA_CTL"), kafka_bootstrap)
    kafka_lock(kafka_bootstrap, fcntl.LOCK_EX)
    try:
        yield broker
    finally:
        broker.start()  # idempotent; a test that failed mid-outage must not leave the broker down
        kafka_lock(kafka_bootstrap, fcntl.LOCK_UN)
