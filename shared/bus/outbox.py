"""Writing events in the same transaction as the change they announce."""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from shared.bus.envelope import Envelope, topic_for

# Set in session.info by add(): the session's commit put events in the outbox (see wrote_events).
WROTE_EVENTS = "lianxin.bus.outbox.wrote"


class Outbox:
    def __init__(self, table: Table, *, service: str, home_region: str):
        self.table = table
        self.service = service
        self.home_region = home_region
        self.topic = topic_for(service)
        # Built once and executed with bound parameters: SQLAlchemy then reuses the
        # compiled statement instead of building and cache-keying a new one per event.
        self._insert = insert(table)

    def add(self, session: Session, message, *, region: str) -> Envelope:
        """Queue ``message`` about ``region`` in the caller's open transaction.

        Nothing is committed here: the event becomes visible to the relay exactly
        when (and only if) the caller's domain change commits.
        """
        env = Envelope.for_message(
            message, service=self.service, home_region=self.home_region, region=region
        )
        session.execute(
            self._insert,
            {
                "event_id": env.id,
                "topic": env.topic,
                "key": env.key,
                "type": env.type,
                "source": env.source,
                "subject": env.subject,
                "time": env.time,
                "data": env.data,
            },
        )
        session.info[WROTE_EVENTS] = True
        return env

    def add_many(self, session: Session, items: list[tuple[object, str]]) -> None:
        """Queue several (message, region) at once, in order, in one executemany (a sweep
        announcing thousands of changes); otherwise as ``add``."""
        if not items:
            return
        rows = []
        for message, region in items:
            env = Envelope.for_message(message, service=self.service, home_region=self.home_region, region=region)
            rows.append({"event_id": env.id, "topic": env.topic, "key": env.key, "type": env.type,
                         "source": env.source, "subject": env.subject, "time": env.time, "data": env.data})
        session.execute(self._insert, rows)
        session.info[WROTE_EVENTS] = True


def wrote_events(session: Session) -> bool:
    """True once per transaction that added events (for an after-commit hook: wake the relay)."""
    return bool(session.info.pop(WROTE_EVENTS, False))
