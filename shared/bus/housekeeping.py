"""Pruning the outbox and inbox, which otherwise grow by one row per event for ever.

A sent outbox row is kept for a while (operators look at what left and when); an unsent one
is never touched. An inbox row must outlive any redelivery of its event: keep it longer than
the bus keeps the event (Kafka's default retention is 7 days; the default here is 30).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Engine

from shared import clock
from shared.bus.schema import BusTables

BATCH = 5000   # rows per DELETE, so pruning never holds long locks against the relay


@dataclass(frozen=True)
class Pruned:
    outbox: int
    inbox: int


def prune(engine: Engine, tables: BusTables, *, outbox_retention: timedelta, inbox_retention: timedelta,
          now: datetime | None = None) -> Pruned:
    now = now or clock.now()
    outbox, inbox = tables.outbox, tables.inbox
    sent_before, received_before = now - outbox_retention, now - inbox_retention
    counts = []
    for table, columns, condition in (
            (outbox, (outbox.c.seq,), outbox.c.sent_at < sent_before),
            (inbox, (inbox.c.consumer, inbox.c.event_id), inbox.c.received_at < received_before)):
        key = columns[0] if len(columns) == 1 else tuple_(*columns)
        total = 0
        while True:
            with engine.begin() as conn:
                oldest = select(*columns).where(condition).limit(BATCH)
                deleted = conn.execute(delete(table).where(key.in_(oldest))).rowcount
            total += deleted
            if deleted < BATCH:
                break
        counts.append(total)
    return Pruned(*counts)
