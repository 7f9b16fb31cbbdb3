"""Pieces of the bus that need no broker: envelope codec, migrations, embedded log."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import datetime, timezone

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from lianxin.common.v1 import common_pb2
from sqlalchemy import MetaData, create_engine, inspect

from shared.bus import BusUnavailable, CommitFailed, Envelope, Relay, bus_tables, create_bus_tables, drop_bus_tables
from shared.bus.embedded import EmbeddedTransport, partition_for
from shared.bus.factory import make_transport


def _env(**kw) -> Envelope:
    msg = common_pb2.ServiceInfo(service="roster", home_region="652300")
    return Envelope.for_message(msg, service="roster", home_region="652300", region="652301", **kw)


def test_envelope_round_trip_and_headers():
    env = _env()
    assert env.topic == "lianxin.roster.v1"
    assert env.source == "/lianxin/roster/652300"
    assert env.type == "lianxin.common.v1.ServiceInfo"
    names = [n for n, _ in env.headers()]
    assert names == ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time", "content-type"]
    back = Envelope.from_headers(env.topic, env.key.encode(), env.data, env.headers())
    assert back == env
    assert back.unpack(common_pb2.ServiceInfo).home_region == "652300"


def test_envelope_time_is_rfc3339_utc():
    t = datetime(2025, 3, 1, 8, 0, 0, 123456, tzinfo=timezone.utc)
    assert dict(_env(time=t).headers())["ce_time"] == b"2025-03-01T08:00:00.123456Z"


def test_envelope_rejects_wrong_type_and_foreign_records():
    env = _env()
    with pytest.raises(ValueError):
        env.unpack(common_pb2.PageRequest)
    with pytest.raises(ValueError):
        Envelope.from_headers("t", b"k", b"v", [("ce_id", b"x")])
    bad = [(n, b"0.3" if n == "ce_specversion" else v) for n, v in env.headers()]
    with pytest.raises(ValueError):
        Envelope.from_headers(env.topic, b"652301", env.data, bad)


def test_factory():
    assert isinstance(make_transport("embedded", kafka_bootstrap="", embedded_path="x.db", client_id="c"), EmbeddedTransport)
    with pytest.raises(ValueError):
        make_transport("rabbit", kafka_bootstrap="", embedded_path="", client_id="c")


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migration_helpers_match_metadata(db, tmp_path, request):
    url = request.getfixturevalue("fresh_database")() if db == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        create_bus_tables(Operations(MigrationContext.configure(conn)))
    insp = inspect(engine)
    md = MetaData()
    tables = bus_tables(md)
    for t in (tables.outbox, tables.inbox):
        assert [c["name"] for c in insp.get_columns(t.name)] == [c.name for c in t.columns]
        assert insp.get_pk_constraint(t.name)["constrained_columns"] == [c.name for c in t.primary_key]
    assert "ix_outbox_unsent" in [i["name"] for i in insp.get_indexes("outbox")]
    assert insp.get_unique_constraints("outbox")[0]["column_names"] == ["event_id"]
    # The shape the metadata would create is the shape the migration created.
    with engine.begin() as conn:
        drop_bus_tables(Operations(MigrationContext.configure(conn)))
    assert not inspect(engine).get_table_names()
    md.create_all(engine)
    assert sorted(inspect(engine).get_table_names()) == ["inbox", "outbox"]
    engine.dispose()


def _produce(path: str, key: bytes, n: int) -> None:
    t = EmbeddedTransport(path)
    for i in range(n):
        t.send("lianxin.mp.v1", key, str(i).encode(), [])
        if i % 10 == 9:
            t.flush()
    t.close()


def test_embedded_several_processes_keep_offsets_dense_and_key_order(tmp_path):
    path = str(tmp_path / "bus.db")
    keys = [b"652301", b"652302", b"652323", b"652324"]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_produce, args=(path, k, 60)) for k in keys]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    t = EmbeddedTransport(path)
    sub = t.subscribe("g", ["lianxin.mp.v1"])
    recs = []
    while batch := sub.poll(timeout=0.2):
        recs += batch
    assert len(recs) == 240
    for p in range(3):
        offs = sorted(r.offset for r in recs if r.partition == p)
        assert offs == list(range(len(offs)))
    for k in keys:
        mine = [r for r in recs if r.key == k]
        assert {r.partition for r in mine} == {partition_for(k, 3)}
        assert [int(r.value) for r in mine] == list(range(60))
    t.close()


def test_embedded_group_has_one_active_member_and_hands_over(tmp_path):
    path = str(tmp_path / "bus.db")
    t = EmbeddedTransport(path, lease_ttl=0.5)
    for i in range(4):
        t.send("lianxin.g.v1", b"652301", str(i).encode(), [])
    t.flush()
    a = t.subscribe("g", ["lianxin.g.v1"])
    b = EmbeddedTransport(path, lease_ttl=0.5).subscribe("g", ["lianxin.g.v1"])
    first = a.poll(timeout=0.2, max_records=2)
    assert [r.value for r in first] == [b"0", b"1"]
    a.commit(first)
    assert b.poll(timeout=0.2) == []  # a holds the group
    # a stalls past its lease: b takes over from a's last commit, a is fenced.
    time.sleep(0.6)
    rest = b.poll(timeout=0.5)
    assert [r.value for r in rest] == [b"2", b"3"]
    with pytest.raises(CommitFailed):
        a.commit(a.poll(timeout=0.1) or first)
    b.commit(rest)
    b.close()  # releases the lease at once
    c = EmbeddedTransport(path).subscribe("g", ["lianxin.g.v1"])
    assert c.poll(timeout=0.2) == []
    c.close()
    a.close()
    t.close()


class _SlowTransport:
    """Wraps a transport so each flush takes a while: time for a second relay to collide."""

    def __init__(self, inner, delay: float):
        self.inner, self.delay = inner, delay

    def send(self, *a):
        self.inner.send(*a)

    def flush(self, timeout: float = 10.0):
        time.sleep(self.delay)
        self.inner.flush(timeout)

    def subscribe(self, group, topics):
        return self.inner.subscribe(group, topics)

    def close(self):
        self.inner.close()


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_relays_never_double_send(db, tmp_path, request):
    from sqlalchemy.orm import sessionmaker

    from shared.bus import Outbox

    url = request.getfixturevalue("fresh_database")() if db == "postgres" else f"sqlite:///{tmp_path / 's.db'}"
    engine = create_engine(url)
    md = MetaData()
    tables = bus_tables(md)
    md.create_all(engine)
    outbox = Outbox(tables.outbox, service="relaytest", home_region="652300")
    with sessionmaker(engine).begin() as s:
        for i in range(20):
            outbox.add(s, common_pb2.ServiceInfo(service=str(i)), region="652301")
    bus = EmbeddedTransport(str(tmp_path / "bus.db"))
    relays = [Relay(engine, tables, _SlowTransport(EmbeddedTransport(bus.path), 0.3), batch=5) for _ in range(2)]
    results: list[int] = []

    def drain(r):
        while n := r.run_once():
            results.append(n)

    threads = [threading.Thread(target=drain, args=(r,)) for r in relays]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sum(results) == 20
    sub = bus.subscribe("g", ["lianxin.relaytest.v1"])
    recs = []
    while batch := sub.poll(timeout=0.3):
        recs += batch
    values = [common_pb2.ServiceInfo.FromString(r.value).service for r in recs]
    assert values == [str(i) for i in range(20)]  # once each, in outbox order
    for r in relays:
        r.transport.close()
    bus.close()
    engine.dispose()


def test_embedded_flush_reports_unavailable_and_drops_batch(tmp_path):
    import sqlite3

    t = EmbeddedTransport(str(tmp_path / "bus.db"), busy_timeout=0.1)
    t.send("lianxin.u.v1", b"k", b"0", [])
    t.flush()
    holder = sqlite3.connect(t.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    t.send("lianxin.u.v1", b"k", b"1", [])
    with pytest.raises(BusUnavailable):
        t.flush()
    holder.execute("COMMIT")
    holder.close()
    t.flush()  # nothing left: the caller re-sends
    assert t._connection().execute("SELECT COUNT(*) FROM log").fetchone() == (1,)
    t.close()
