"""The bus contract, run on every transport: the scenarios the design promises.

Each test uses its own topic (via a unique service name) and consumer groups, so
tests never see each other's records on the shared dev broker.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from lianxin.common.v1 import common_pb2
from sqlalchemy import func, select, update

from shared.bus import BusUnavailable, Envelope

HOME = "652300"  # the home region the harness's Outbox publishes from


def group() -> str:
    return f"g{uuid.uuid4().hex[:8]}"


def poll_records(sub, n: int, *, deadline: float = 45.0):
    got = []
    end = time.monotonic() + deadline
    while len(got) < n:
        assert time.monotonic() < end, f"only {len(got)} of {n} records arrived"
        got += sub.poll(timeout=0.5)
    return got


# 1 -------------------------------------------------------------------------
def test_event_arrives_once_with_cloudevents_headers(harness):
    env = harness.change("alpha", region="652301")
    assert harness.relay_all(harness.relay()) == 1
    assert harness.unsent() == 0

    # The record as it is on the wire.
    sub = harness.transport().subscribe(group(), [harness.topic])
    (rec,) = poll_records(sub, 1)
    assert rec.topic == harness.topic == f"lianxin.{harness.service}.v1"
    assert rec.key == b"652301"
    headers = dict(rec.headers)
    assert len(headers) == len(rec.headers), "a header appears twice"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_id"] == env.id.encode()
    assert headers["ce_type"] == b"lianxin.common.v1.ServiceInfo"
    assert headers["ce_source"] == f"/lianxin/{harness.service}/{HOME}".encode()
    assert headers["ce_subject"] == b"652301"
    assert headers["content-type"] == b"application/protobuf"
    sent = datetime.fromisoformat(headers["ce_time"].decode())
    assert headers["ce_time"].endswith(b"Z") and sent.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - sent) < timedelta(minutes=1)
    info = common_pb2.ServiceInfo.FromString(rec.value)
    assert (info.service, info.home_region) == ("alpha", "652301")
    back = Envelope.from_headers(rec.topic, rec.key, rec.value, rec.headers)
    assert back == env
    sub.close()

    # Through a Consumer: one effect, and nothing more arrives.
    c = harness.consumer(group())
    harness.consume_until(c, 1)
    harness.drain(c)
    assert harness.count(harness.effects) == 1


def test_per_region_order_is_kept(harness):
    names = [f"{r}-{i}" for i in range(6) for r in ("a", "b", "c")]
    for name in names:
        harness.change(name, region={"a": "652301", "b": "652302", "c": "652323"}[name[0]])
    harness.relay_all(harness.relay(batch=4))  # several batches, still in order
    sub = harness.transport().subscribe(group(), [harness.topic])
    recs = poll_records(sub, len(names))
    by_key: dict[bytes, list[str]] = {}
    for r in recs:
        by_key.setdefault(r.key, []).append(common_pb2.ServiceInfo.FromString(r.value).service)
    for key, got in by_key.items():
        assert got == sorted(got, key=lambda n: int(n.split("-")[1])), key
        assert len({r.partition for r in recs if r.key == key}) == 1
    sub.close()


# 2 -------------------------------------------------------------------------
def test_redelivered_event_changes_nothing(harness):
    for name in ("a", "b", "c"):
        harness.change(name)
    relay = harness.relay()
    harness.relay_all(relay)
    g = group()
    c = harness.consumer(g)
    harness.consume_until(c, 3)

    # The relay died after publishing but before marking the rows sent: it
    # publishes them all again, so every event is on the bus twice.
    with harness.engine.begin() as conn:
        conn.execute(update(harness.tables.outbox).values(sent_at=None))
    assert harness.relay_all(relay) == 3
    assert harness.drain(c) == 3
    assert harness.count(harness.effects) == 3

    # The consumer is rewound to the start of every partition, as after a
    # rebalance onto stale offsets: all six records come again, no effect does.
    sub = c._subscription()
    for p in range(3):
        sub.seek(harness.topic, p, 0)
    assert harness.drain(c) == 6
    assert harness.count(harness.effects) == 3

    # Another group is independent: it gets its own effects... once.
    harness.drain(harness.consumer(group()))
    with harness.engine.connect() as conn:
        inbox = harness.tables.inbox
        per_group = dict(conn.execute(select(inbox.c.consumer, func.count()).group_by(inbox.c.consumer)).all())
    assert per_group[g] == 3 and len(per_group) == 2


# 3 -------------------------------------------------------------------------
def test_bus_outage_keeps_events_in_outbox(harness, request):
    if harness.kind == "kafka":
        broker = request.getfixturevalue("kafka_broker")
        relay_transport = harness.transport(max_block=2.0)
        take_down, bring_back = broker.stop, broker.start
    else:
        # The embedded bus is "down" while another process holds its write lock
        # (a long backup, a stuck writer): writes wait busy_timeout, then fail.
        relay_transport = harness.transport(busy_timeout=0.2)
        holder = sqlite3.connect(relay_transport.path, isolation_level=None)
        request.addfinalizer(holder.close)

        def take_down():
            holder.execute("BEGIN EXCLUSIVE")

        def bring_back():
            holder.execute("COMMIT")

    c = harness.consumer(group())
    relay = harness.relay(relay_transport, flush_timeout=3.0, max_backoff=0.5)
    # Deliver one event first, so the outage hits a live, connected producer.
    harness.change("before")
    harness.relay_all(relay)
    harness.consume_until(c, 1)

    take_down()
    try:
        for name in ("x", "y", "z"):
            harness.change(name)  # the domain keeps working
        assert harness.count(harness.deputies) == 4
        with pytest.raises(BusUnavailable):
            relay.run_once()
        assert harness.unsent() == 3

        # The relay loop rides out the outage without dying.
        stop = threading.Event()
        loop = threading.Thread(target=relay.run, args=(stop,), kwargs={"interval": 0.1}, daemon=True)
        loop.start()
        time.sleep(1.0)
        assert loop.is_alive()
        assert harness.unsent() == 3
    finally:
        bring_back()
    try:
        end = time.monotonic() + 60
        while harness.unsent():
            assert time.monotonic() < end, "relay never caught up after the outage"
            time.sleep(0.2)
        harness.consume_until(c, 4, deadline=60)
        harness.drain(c)
    finally:
        stop.set()
        loop.join(10)
    assert not loop.is_alive()
    assert harness.count(harness.effects) == 4


# 4 -------------------------------------------------------------------------
def test_handler_failure_after_its_effect_is_retried_without_doubling(harness):
    for name in ("a", "b"):
        harness.change(name)
    harness.relay_all(harness.relay())
    failed: set[str] = set()

    def flaky(session, env):
        harness.effect_handler(session, env)  # the effect is written...
        if env.id not in failed:
            failed.add(env.id)
            raise RuntimeError("crash after the effect")  # ...then the handler dies

    c = harness.consumer(group(), handler=flaky)
    end = time.monotonic() + 45
    errors = 0
    while harness.count(harness.effects) < 2:
        assert time.monotonic() < end
        try:
            c.poll_once(timeout=0.5)
        except RuntimeError:
            errors += 1
    assert errors == 2 and len(failed) == 2
    harness.drain(c)
    assert harness.count(harness.effects) == 2


def test_crash_between_db_commit_and_offset_commit_reprocesses_once(harness):
    for name in ("a", "b", "c"):
        harness.change(name)
    harness.relay_all(harness.relay())
    g = group()
    c = harness.consumer(g)
    sub = c._subscription()

    def die(records):
        raise KeyboardInterrupt("process killed before the offset commit")

    sub.commit = die
    end = time.monotonic() + 45
    while harness.count(harness.effects) < 3:
        assert time.monotonic() < end
        try:
            c.poll_once(timeout=0.5)
        except KeyboardInterrupt:
            pass
    c.close()  # the dead process's member leaves without committing anything

    again = harness.consumer(g)
    assert harness.drain(again) == 3  # everything comes again...
    assert harness.count(harness.effects) == 3  # ...and changes nothing
    again.close()
    # Now the offsets are committed: a later member starts after them.
    assert harness.drain(harness.consumer(g)) == 0


# 5 -------------------------------------------------------------------------
def test_rolled_back_change_publishes_nothing(harness):
    with pytest.raises(RuntimeError):
        harness.change("ghost", fail=True)
    assert harness.count(harness.deputies) == 0
    assert harness.count(harness.tables.outbox) == 0
    assert harness.relay_all(harness.relay()) == 0

    harness.change("real")
    assert harness.relay_all(harness.relay()) == 1
    c = harness.consumer(group())
    harness.consume_until(c, 1)
    harness.drain(c)
    with harness.engine.connect() as conn:
        assert conn.execute(select(harness.effects.c.name)).scalars().all() == ["real"]
