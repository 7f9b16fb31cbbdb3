"""Fixtures for the bus contract suite: one harness per (transport, database) pair.

The PostgreSQL and Kafka fixtures (fresh_database, kafka_bootstrap, kafka_broker)
come from tests/conftest.py; the embedded transport and SQLite need only tmp_path.
"""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack

import pytest
from lianxin.common.v1 import common_pb2
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, insert, select
from sqlalchemy.orm import sessionmaker

from shared.bus import Consumer, Envelope, Outbox, Relay, bus_tables
from shared.bus.embedded import EmbeddedTransport

HOME = "652300"


class Harness:
    """A toy service: a domain table, an effects table, outbox and inbox, one topic."""

    def __init__(self, db_url: str, make_transport, kind: str, stack: ExitStack):
        self.kind = kind
        self.make_transport = make_transport
        self.service = f"test{uuid.uuid4().hex[:8]}"
        self.metadata = MetaData()
        self.tables = bus_tables(self.metadata)
        self.deputies = Table(
            "deputies", self.metadata, Column("id", Integer, primary_key=True), Column("name", String(50))
        )
        # One row per handled event: the effect whose count must never double.
        self.effects = Table(
            "effects",
            self.metadata,
            Column("id", Integer, primary_key=True),
            Column("event_id", String(36)),
            Column("region", String(16)),
            Column("name", String(50)),
        )
        self.engine = create_engine(db_url)
        stack.callback(self.engine.dispose)
        self.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine)
        self.outbox = Outbox(self.tables.outbox, service=self.service, home_region=HOME)
        self.topic = self.outbox.topic
        self.stack = stack

    # -- producing side -------------------------------------------------------
    def change(self, name: str, *, region: str = "652301", fail: bool = False) -> Envelope:
        """A domain change plus its event, in one transaction (rolled back if fail)."""
        with self.sessions.begin() as s:
            s.execute(insert(self.deputies).values(name=name))
            env = self.outbox.add(
                s, common_pb2.ServiceInfo(service=name, home_region=region), region=region
            )
            if fail:
                raise RuntimeError("domain rule violated")
        return env

    def relay(self, transport=None, **kw) -> Relay:
        return Relay(self.engine, self.tables, transport or self.transport(), **kw)

    def relay_all(self, relay: Relay) -> int:
        total = 0
        while n := relay.run_once():
            total += n
        return total

    # -- consuming side -------------------------------------------------------
    def effect_handler(self, session, env: Envelope) -> None:
        info = env.unpack(common_pb2.ServiceInfo)
        session.execute(
            insert(self.effects).values(event_id=env.id, region=env.subject, name=info.service)
        )

    def consumer(self, group: str, handler=None, transport=None) -> Consumer:
        c = Consumer(
            self.sessions,
            self.tables,
            transport or self.transport(),
            group=group,
            topics=[self.topic],
            handler=handler or self.effect_handler,
        )
        self.stack.callback(c.close)
        return c

    def transport(self, **kw):
        t = self.make_transport(**kw)
        self.stack.callback(t.close)
        return t

    def count(self, table) -> int:
        with self.engine.connect() as c:
            return c.scalar(select(func.count()).select_from(table))

    def unsent(self) -> int:
        o = self.tables.outbox
        with self.engine.connect() as c:
            return c.scalar(select(func.count()).select_from(o).where(o.c.sent_at.is_(None)))

    def consume_until(self, consumer: Consumer, effects: int, *, deadline: float = 45.0) -> None:
        """Poll until the effects table holds ``effects`` rows (Kafka's first poll waits for the group join)."""
        end = time.monotonic() + deadline
        while self.count(self.effects) < effects:
            assert time.monotonic() < end, f"only {self.count(self.effects)} of {effects} effects"
            consumer.poll_once(timeout=0.5)

    def drain(self, consumer: Consumer, *, quiet: float | None = None, deadline: float = 45.0) -> int:
        """Poll until nothing arrives for ``quiet`` seconds; return records seen."""
        if quiet is None:
            # Kafka may hold a record back briefly (fetch batching); SQLite does not.
            quiet = 1.5 if self.kind == "kafka" else 0.5
        end = time.monotonic() + deadline
        seen = 0
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            assert time.monotonic() < end, "consumer never went quiet"
            n = consumer.poll_once(timeout=0.3)
            if n:
                seen += n
                last = time.monotonic()
        return seen


# (transport, database): the embedded bus also runs on SQLite, as a single-machine
# install would; Kafka always runs beside PostgreSQL.
COMBOS = [
    pytest.param(("embedded", "sqlite"), id="embedded-sqlite"),
    pytest.param(("embedded", "postgres"), id="embedded-postgres", marks=pytest.mark.postgres),
    pytest.param(("kafka", "postgres"), id="kafka-postgres", marks=[pytest.mark.kafka, pytest.mark.postgres]),
]


@pytest.fixture(params=COMBOS)
def harness(request, tmp_path):
    kind, db = request.param
    if db == "postgres":
        db_url = request.getfixturevalue("fresh_database")()
    else:
        db_url = f"sqlite+pysqlite:///{tmp_path / 'service.db'}"
    if kind == "kafka":
        from shared.bus.kafka import KafkaTransport

        bootstrap = request.getfixturevalue("kafka_bootstrap")

        def make_transport(**kw):
            return KafkaTransport(bootstrap, client_id="lianxin-bus-test", **kw)
    else:
        bus_path = str(tmp_path / "bus.db")

        def make_transport(**kw):
            return EmbeddedTransport(bus_path, **kw)

    with ExitStack() as stack:
        h = Harness(db_url, make_transport, kind, stack)
        if kind == "kafka":
            # Created up front so a consumer that subscribes first sees the topic at once.
            h.transport().ensure_topics([h.topic])
        yield h
