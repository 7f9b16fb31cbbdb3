"""One lock per test broker, so a test that restarts it never pulls it from under another."""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile

# Under `pytest -n N` a test restarting the broker would pull it from under Kafka tests running
# on other workers (or in another checkout's run against the same broker). A file lock per broker
# keeps them apart: tests marked `kafka` hold it shared, kafka_broker holds it exclusively.
_kafka_lock_fd: int | None = None


def kafka_lock(bootstrap: str, mode: int) -> None:
    global _kafka_lock_fd
    if _kafka_lock_fd is None:
        path = os.path.join(tempfile.gettempdir(), f"lianxin-kafka-{bootstrap.replace(':', '-')}.lock")
        _kafka_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(_kafka_lock_fd, mode)  # LOCK_SH -> LOCK_EX converts (drops the shared lock first)


@contextlib.contextmanager
def kafka_shared(bootstrap: str):
    """Holds the broker against restarts while a module-scoped fixture sets up its Kafka
    clients: such fixtures run before the per-test lock (tests/conftest.py) is taken."""
    kafka_lock(bootstrap, fcntl.LOCK_SH)
    try:
        yield
    finally:
        kafka_lock(bootstrap, fcntl.LOCK_UN)
