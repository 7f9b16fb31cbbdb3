"""Handling events exactly once in effect, on top of at-least-once delivery.

For each record: one database transaction records (group, event id) in the inbox
and runs the handler; if the id is already there the effect happened before and is
skipped. Only after that transaction commits is the bus offset committed, so a
crash anywhere means redelivery, never loss, and redelivery means a no-op.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from shared import clock
from shared.bus.envelope import Envelope
from shared.bus.schema import BusTables
from shared.bus.transport import BusUnavailable, CommitFailed, Record, Transport

Handler = Callable[[Session, Envelope], None]


class Consumer:
    def __init__(
        self,
        session_factory: sessionmaker,
        tables: BusTables,
        transport: Transport,
        *,
        group: str,
        topics: list[str],
        handler: Handler,
        types: frozenset[str] | None = None,
        max_backoff: float = 10.0,
    ):
        self.session_factory = session_factory
        self.inbox = tables.inbox
        self.transport = transport
        self.group = group
        self.topics = list(topics)
        self.handler = handler
        # The event types the handler acts on (None: all). Any other record is passed over
        # without a transaction or an inbox row: its effect is nothing, so there is nothing
        # to make exactly-once, and its offset is committed like a handled one.
        self.types = types
        self._claims: dict[str, Any] = {}
        self.max_backoff = max_backoff
        self._sub = None  # subscribed on first poll, not at construction

    def _subscription(self):
        if self._sub is None:
            self._sub = self.transport.subscribe(self.group, self.topics)
        return self._sub

    def _claim(self, session: Session, env: Envelope) -> bool:
        """Insert the inbox row; False if this group already handled the event."""
        values = {"consumer": self.group, "event_id": env.id, "received_at": clock.now()}
        conn = session.connection()
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite"):
            stmt = self._claims.get(dialect)
            if stmt is None:
                # ON CONFLICT DO NOTHING also settles a race with a concurrent member
                # (during a rebalance): PG waits for the other insert and then skips.
                ins = pg_insert if dialect == "postgresql" else sqlite_insert
                # RETURNING rather than rowcount: psycopg 3 under SQLAlchemy 2.1 reports
                # rowcount -1 for this statement. Built once, executed with bound
                # parameters: SQLAlchemy reuses its compiled form.
                stmt = self._claims[dialect] = (
                    ins(self.inbox).on_conflict_do_nothing().returning(self.inbox.c.event_id)
                )
            return conn.execute(stmt, values).first() is not None
        seen = session.execute(
            select(self.inbox.c.event_id).where(
                self.inbox.c.consumer == self.group, self.inbox.c.event_id == env.id
            )
        ).first()
        if seen:
            return False
        session.execute(insert(self.inbox).values(**values))
        return True

    def _handle(self, record: Record) -> None:
        log = structlog.get_logger()
        try:
            env = Envelope.from_headers(record.topic, record.key, record.value, record.headers)
        except ValueError as e:
            # Not one of our events: retrying can never help, and stopping would
            # block the partition, so it is logged and passed over.
            log.error(
                "bus.consumer.malformed_record",
                group=self.group,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                error=str(e),
            )
            return
        if self.types is not None and env.type not in self.types:
            return
        try:
            with self.session_factory.begin() as session:
                if not self._claim(session, env):
                    log.debug("bus.consumer.duplicate", group=self.group, event_id=env.id)
                    return
                self.handler(session, env)
        except Exception:
            log.exception(
                "bus.consumer.handler_failed",
                group=self.group,
                event_id=env.id,
                type=env.type,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            raise

    def _commit(self, sub, records: list[Record]) -> None:
        if not records:
            return
        try:
            sub.commit(records)
        except (CommitFailed, BusUnavailable) as e:
            # The effects are committed in the database already; the records will
            # come again and the inbox will skip them.
            structlog.get_logger().warning("bus.consumer.commit_failed", group=self.group, error=str(e))

    def poll_once(self, timeout: float = 1.0) -> int:
        """Handle one polled batch; return how many records it had.

        A handler exception rolls back that record's transaction, commits the
        offsets of the records handled before it, rewinds so the failed record and
        those after it are delivered again, and is re-raised.
        """
        sub = self._subscription()
        records = sub.poll(timeout)
        done: list[Record] = []
        try:
            for record in records:
                self._handle(record)
                done.append(record)
        except BaseException:
            rewind: dict[tuple[str, int], int] = {}
            for r in records[len(done) :]:
                tp = (r.topic, r.partition)
                rewind[tp] = min(rewind.get(tp, r.offset), r.offset)
            for (topic, partition), offset in rewind.items():
                sub.seek(topic, partition, offset)
            self._commit(sub, done)
            raise
        self._commit(sub, done)
        return len(records)

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; failures are logged and retried with backoff.

        A record whose handler keeps failing is retried (with backoff) until it
        succeeds: skipping it would lose its effect.
        """
        log = structlog.get_logger()
        backoff = 0.2
        try:
            while not stop.is_set():
                try:
                    self.poll_once(timeout=1.0)
                    backoff = 0.2
                except Exception as e:  # noqa: BLE001 - logged in _handle or here
                    if not isinstance(e, BusUnavailable):
                        log.warning("bus.consumer.retrying", group=self.group, retry_in=backoff)
                    else:
                        log.warning("bus.consumer.unavailable", group=self.group, error=str(e))
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
        finally:
            self.close()

    def close(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            sub.close()
