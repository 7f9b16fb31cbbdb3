"""Publishing committed outbox rows to the bus, then marking them sent.

A row is marked sent only after the bus acknowledged it, in the same database
transaction that read it: a crash or an outage in between leaves it unsent and it
is published again later (at least once; consumers' inboxes drop the repeat).
"""

from __future__ import annotations

import threading
import time
import zlib
from datetime import datetime, timezone

import structlog
from sqlalchemy import Engine, func, select, update

from shared import clock
from shared.bus.envelope import Envelope
from shared.bus.schema import BusTables
from shared.bus.transport import BusUnavailable, Transport


def _utc(t: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we stored was UTC.
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


class Relay:
    def __init__(
        self,
        engine: Engine,
        tables: BusTables,
        transport: Transport,
        *,
        batch: int = 500,
        flush_timeout: float = 10.0,
        max_backoff: float = 5.0,
    ):
        self.engine = engine
        self.outbox = tables.outbox
        self.transport = transport
        self.batch = batch
        self.flush_timeout = flush_timeout
        self.max_backoff = max_backoff
        # Advisory lock id: stable across processes, distinct per outbox table.
        self._lock_id = zlib.crc32(f"lianxin.bus.relay:{self.outbox.fullname}".encode())

    def run_once(self) -> int:
        """Publish up to ``batch`` unsent rows in seq order; return how many were sent.

        Returns 0 when another relay is publishing this outbox right now. Raises
        BusUnavailable when the bus did not acknowledge the batch: nothing is marked
        sent then, and the rows go out on a later call.
        """
        o = self.outbox
        with self.engine.connect() as conn, conn.begin():
            dialect = conn.dialect.name
            if dialect == "postgresql":
                # One publisher at a time per outbox keeps per-region order across
                # batches; SKIP LOCKED below is the second guard against double sends.
                if not conn.scalar(select(func.pg_try_advisory_xact_lock(self._lock_id))):
                    return 0
            elif dialect == "sqlite":
                # SQLite has no row locks: take the database write lock up front (a
                # no-op UPDATE does) so a second relay waits instead of re-reading.
                conn.execute(update(o).where(o.c.seq == -1).values(sent_at=None))
            rows = conn.execute(
                select(o)
                .where(o.c.sent_at.is_(None))
                .order_by(o.c.seq)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            for r in rows:
                env = Envelope(
                    id=r.event_id,
                    type=r.type,
                    source=r.source,
                    subject=r.subject,
                    time=_utc(r.time),
                    topic=r.topic,
                    key=r.key,
                    data=bytes(r.data),
                )
                self.transport.send(env.topic, env.key.encode(), env.data, env.headers())
            self.transport.flush(self.flush_timeout)
            conn.execute(
                update(o)
                .where(o.c.seq.in_([r.seq for r in rows]))
                .values(sent_at=clock.now())
            )
        structlog.get_logger().debug("bus.relay.published", count=len(rows), last_seq=rows[-1].seq)
        return len(rows)

    def run(self, stop: threading.Event, *, interval: float = 0.2, wake: threading.Event | None = None,
            min_gap: float = 0.0) -> None:
        """Publish until ``stop`` is set; faults are logged and retried with backoff.

        ``wake``, when given, is set after a transaction that wrote outbox rows commits: the
        relay then publishes at once instead of at its next poll (``interval`` stays the
        longest pause, for writers that do not set it). ``min_gap`` coalesces wake-ups: a
        pass starts at least ``min_gap`` seconds after the previous one started, so a steady
        stream of commits costs one pass per ``min_gap`` (publishing what collected in
        between), not one per commit; the first commit after a quiet spell goes at once."""
        log = structlog.get_logger()
        backoff = interval
        started = float("-inf")
        while not stop.is_set():
            if wake is not None:
                wait = started + min_gap - time.monotonic()
                if wait > 0:
                    stop.wait(wait)   # stopped meanwhile: this pass still publishes what is waiting
                wake.clear()   # before reading: a commit after this point sets it again
            started = time.monotonic()
            try:
                sent = self.run_once()
            except BusUnavailable as e:
                log.warning("bus.relay.unavailable", error=str(e), retry_in=backoff)
            except Exception:  # noqa: BLE001 - a relay must outlive database blips too
                log.exception("bus.relay.failed", retry_in=backoff)
            else:
                backoff = interval
                if sent >= self.batch:
                    continue  # more are waiting: no pause
                if wake is not None:
                    wake.wait(interval)
                else:
                    stop.wait(interval)
                continue
            stop.wait(backoff)
            backoff = min(backoff * 2, self.max_backoff)
