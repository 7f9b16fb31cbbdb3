"""What every service's test world does with the service's own database: wait for a consumer,
read rows, and check the events a block of calls publishes (balloting's, supervision's and
evaluation's worlds build on these; each keeps its own no-writes check, since which tables a
refused call must leave alone differs per service)."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text


def wait(predicate: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Polls ``predicate`` every 50 ms until it returns something truthy, and returns that;
    AssertionError naming ``what`` after ``timeout`` seconds (events cross Kafka and a relay,
    so a consumer's table fills a little after the call that caused it)."""
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as c:
        return list(c.execute(text(sql), params))


def outbox_events(engine, package: str) -> list[str]:
    """The event types in the service's outbox, oldest first, without ``package.`` in front."""
    return [r[0].removeprefix(f"{package}.") for r in rows(engine, "SELECT type FROM outbox ORDER BY seq")]


@contextmanager
def expect_events(published: Callable[[], list[str]], *types: str, unless_asked: tuple[str, ...] = ()) -> Iterator[None]:
    """The block publishes exactly ``types``, in order. An event named in ``unless_asked`` (one a
    timer may publish at any moment) counts only when ``types`` names it."""
    before = len(published())
    yield
    added = [x for x in published()[before:] if x not in unless_asked or x in types]
    assert added == list(types), added


def learnt(engine, table: str, row_id: str, what: str, timeout: float = 30.0) -> None:
    """Waits until a service's read model ``table`` holds the row ``row_id`` (a deputy, a venue
    it learns from the roster's events); AssertionError naming ``what`` after ``timeout`` s."""
    wait(lambda: rows(engine, f"SELECT count(*) FROM {table} WHERE id = :id", id=row_id)[0][0],
         f"{what} in {table}", timeout)
