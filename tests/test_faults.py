"""Faults lose no data: PostgreSQL down answers UNAVAILABLE and writes nothing, then work
resumes; a service killed with SIGKILL loses none of the changes it acknowledged, and
every acknowledged change's event still reaches Kafka."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import grpc
import pytest
from kafka import KafkaConsumer
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as pb
from lianxin.roster.v1 import roster_pb2_grpc
from sqlalchemy import create_engine, text

from services.roster.service import definition
from shared import config
from shared.auth import issue_token
from shared.launcher import wait_serving
from shared.service import start

ROOT = Path(__file__).resolve().parent.parent
PG = ROOT / "deploy" / "local" / "postgres.sh"
REGIONS = str(ROOT / "deploy" / "regions" / "demo.csv")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(fn, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except grpc.RpcError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def deputy(name: str) -> pb.RegisterDeputyRequest:
    return pb.RegisterDeputyRequest(deputy=pb.Deputy(
        region_code="652301100", name=name, seats=[pb.Seat(level=pb.LEVEL_TOWNSHIP)],
        contact=pb.Contact(phone=f"139{uuid.uuid4().int % 10**8:08d}")))


class OwnPostgres:
    """A PostgreSQL cluster of this test's own, so stopping it disturbs no other test."""

    def __init__(self):
        self.port = free_port()
        self.env = {**os.environ, "LIANXIN_PG_PORT": str(self.port), "LIANXIN_PG_DIR": f"/tmp/lianxin-pg-fault-{self.port}"}

    def ctl(self, action: str) -> str:
        return subprocess.run(["bash", str(PG), action], env=self.env, check=True, capture_output=True,
                              text=True, timeout=120).stdout.strip()


@pytest.fixture
def own_postgres():
    pg = OwnPostgres()
    pg.ctl("start")
    yield pg
    pg.ctl("stop")
    shutil.rmtree(pg.env["LIANXIN_PG_DIR"], ignore_errors=True)


def test_postgres_down_is_unavailable_writes_nothing_and_work_resumes(own_postgres, tmp_path):
    url = own_postgres.ctl("url")
    settings = config.load("roster", {"LIANXIN_DATABASE_URL": url, "LIANXIN_PORT": "0", "LIANXIN_BUS": "embedded",
                                      "LIANXIN_EMBEDDED_BUS_PATH": str(tmp_path / "bus.sqlite"),
                                      "LIANXIN_REGIONS_FILE": REGIONS})
    running = start(definition(), settings)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{running.port}") as ch:
            stub = roster_pb2_grpc.RosterServiceStub(ch)
            md = (("authorization", "Bearer " + issue_token(settings.jwt_secret, subject="clerk", role="staff",
                                                              region="652301")),)
            acknowledged = [stub.RegisterDeputy(deputy(f"代表{i}"), metadata=md, timeout=10).id for i in range(3)]

            own_postgres.ctl("stop")
            for i in range(3):   # pooled connections die first, then connects are refused
                with pytest.raises(grpc.RpcError) as e:
                    stub.RegisterDeputy(deputy(f"停机{i}"), metadata=md, timeout=10)
                assert e.value.code() == grpc.StatusCode.UNAVAILABLE, e.value.details()

            own_postgres.ctl("start")
            later = eventually(lambda: stub.RegisterDeputy(deputy("恢复后"), metadata=md, timeout=10).id,
                               what="writes to resume")
            listed = stub.ListDeputies(pb.ListDeputiesRequest(region_code="652301"), metadata=md, timeout=10)
        assert {d.id for d in listed.deputies} == {*acknowledged, later}
        engine = create_engine(url)
        try:
            # The relay rode out the outage: every change's event left the outbox, and only the four
            # acknowledged registrations were written (beside what the start published: RegionDescribed).
            eventually(lambda: engine.connect().execute(text(
                "SELECT sum(CASE WHEN type LIKE '%.DeputyRegistered' THEN 1 ELSE 0 END) = 4"
                " AND count(sent_at) = count(*) FROM outbox")).scalar(), what="the outbox to drain")
        finally:
            engine.dispose()
    finally:
        running.shutdown(grace=1)


@pytest.mark.kafka
def test_a_killed_service_loses_no_acknowledged_change_or_event(fresh_database, kafka_bootstrap, tmp_path):
    url, port, namespace = fresh_database(), free_port(), f"t{uuid.uuid4().hex[:8]}."
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    env.update({"LIANXIN_DATABASE_URL": url, "LIANXIN_PORT": str(port), "LIANXIN_BUS": "kafka",
                "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIANXIN_KAFKA_NAMESPACE": namespace,
                "LIANXIN_REGIONS_FILE": REGIONS, "LIANXIN_JWT_SECRET": "s" * 40, "LIANXIN_HS256_TOKENS": "on",
                "LIANXIN_LOG_FORMAT": "json"})
    log = open(tmp_path / "roster.log", "ab")

    def launch() -> subprocess.Popen:
        p = subprocess.Popen([sys.executable, "-m", "services.roster"], env=env, cwd=ROOT, stdout=log, stderr=log)
        assert wait_serving(port, time.monotonic() + 60), (tmp_path / "roster.log").read_text()[-2000:]
        return p

    proc = launch()
    md = (("authorization", "Bearer " + issue_token("s" * 40, subject="clerk", role="staff", region="652301")),)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = roster_pb2_grpc.RosterServiceStub(ch)
        acknowledged = {stub.RegisterDeputy(deputy(f"代表{i}"), metadata=md, timeout=10).id for i in range(20)}
    proc.send_signal(signal.SIGKILL)   # no shutdown: whatever the relay had not sent is still in the outbox
    proc.wait()
    proc = launch()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            listed = roster_pb2_grpc.RosterServiceStub(ch).ListDeputies(
                pb.ListDeputiesRequest(region_code="652301"), metadata=md, timeout=10)
        assert {d.id for d in listed.deputies} == acknowledged

        consumer = KafkaConsumer(f"{namespace}lianxin.roster.v1", bootstrap_servers=kafka_bootstrap,
                                 auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=2000)
        published: set[str] = set()
        try:
            deadline = time.monotonic() + 60
            while published != acknowledged and time.monotonic() < deadline:
                for record in consumer:
                    if dict(record.headers).get("ce_type") == b"lianxin.roster.v1.DeputyRegistered":
                        published.add(rev.DeputyRegistered.FromString(record.value).deputy.id)
        finally:
            consumer.close()
        assert published == acknowledged
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
