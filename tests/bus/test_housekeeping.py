"""Old sent outbox rows and old inbox rows are pruned; unsent events never are."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import MetaData, insert, select

from shared import db
from shared.bus import bus_tables
from shared.bus.housekeeping import prune

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = (f"sqlite:///{tmp_path}/hk.sqlite" if request.param == "sqlite"
           else request.getfixturevalue("fresh_database")())
    engine = db.make_engine(url)
    metadata = MetaData()
    tables = bus_tables(metadata)
    metadata.create_all(engine)
    yield engine, tables
    engine.dispose()


def outbox_row(n: int, sent_at):
    return dict(event_id=f"00000000-0000-0000-0000-{n:012d}", topic="lianxin.test.v1", key="652300",
                type="t", source="/s", subject="652300", time=NOW, data=b"x", sent_at=sent_at)


def test_prune_keeps_unsent_and_recent_rows(store):
    engine, tables = store
    with engine.begin() as c:
        c.execute(insert(tables.outbox), [
            outbox_row(1, NOW - timedelta(days=30)),     # sent long ago: pruned
            outbox_row(2, NOW - timedelta(days=1)),      # sent yesterday: kept
            outbox_row(3, None),                         # never sent, however old: kept
        ])
        c.execute(insert(tables.inbox), [
            dict(consumer="g", event_id="a", received_at=NOW - timedelta(days=60)),   # pruned
            dict(consumer="g", event_id="b", received_at=NOW - timedelta(days=2)),    # kept
            dict(consumer="h", event_id="a", received_at=NOW - timedelta(days=2)),    # kept
        ])
    pruned = prune(engine, tables, outbox_retention=timedelta(days=7), inbox_retention=timedelta(days=30), now=NOW)
    assert (pruned.outbox, pruned.inbox) == (1, 1)
    with engine.connect() as c:
        assert sorted(r.event_id[-1] for r in c.execute(select(tables.outbox.c.event_id))) == ["2", "3"]
        assert sorted((r.consumer, r.event_id) for r in c.execute(select(tables.inbox))) == [("g", "b"), ("h", "a")]
    again = prune(engine, tables, outbox_retention=timedelta(days=7), inbox_retention=timedelta(days=30), now=NOW)
    assert (again.outbox, again.inbox) == (0, 0)


def test_embedded_log_keeps_recent_records_and_offsets_continue(tmp_path):
    from shared.bus.embedded import EmbeddedTransport
    bus = EmbeddedTransport(str(tmp_path / "bus.sqlite"), partitions=1)
    try:
        for i in range(5):
            bus.send("lianxin.test.v1", b"652300", f"v{i}".encode(), [])
        bus.flush()
        conn = sqlite3.connect(tmp_path / "bus.sqlite", isolation_level=None)   # a clock-free way to age records
        conn.execute('UPDATE log SET ts = ts - 8 * 86400 WHERE "offset" < 3')
        assert bus.prune_log(7 * 86400) == 3
        bus.send("lianxin.test.v1", b"652300", b"v5", [])
        bus.flush()
        sub = bus.subscribe("g", ["lianxin.test.v1"])
        got = []
        for _ in range(20):
            got += sub.poll(timeout=0.2)
            if len(got) == 3:
                break
        assert [(r.offset, r.value) for r in got] == [(3, b"v3"), (4, b"v4"), (5, b"v5")]
        # everything old: the newest record of the partition stays, so offsets never restart
        conn.execute("UPDATE log SET ts = ts - 30 * 86400")
        conn.close()
        assert bus.prune_log(7 * 86400) == 2
    finally:
        bus.close()
