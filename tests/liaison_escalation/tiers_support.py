"""Three deployments on one machine, as separate processes (`python -m services.liaison`):
a township (三工镇 652301100), its county (昌吉市 652301) and the prefecture (昌吉回族自治州
652300), each on its own fresh PostgreSQL database, sharing one Kafka broker; plus a roster
process for the township, whose events teach the township liaison its deputies' cards.

Deadlines at the township and county are 0 days and the sweep runs every 0.5 s, so a case
escalates as soon as the sweep sees it. All processes of one test run share a Kafka
namespace of their own (topics and groups prefixed, see shared/bus/kafka.py): groups are
named per home region, and without it a concurrent run on the same broker would join the
same groups and take partitions away from this one, and a new group's first read would
replay every earlier run's events into these fresh databases.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.liaison.v1 import liaison_pb2_grpc
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.roster.v1 import roster_pb2_grpc
from sqlalchemy import create_engine, text

from shared.auth import issue_token

REPO = Path(__file__).resolve().parents[2]
REGIONS_FILE = REPO / "deploy" / "regions" / "demo.csv"
TOWNSHIP, COUNTY, PREFECTURE = "652301100", "652301", "652300"
NAMES = {TOWNSHIP: "三工镇", COUNTY: "昌吉市", PREFECTURE: "昌吉回族自治州"}
S = pb  # OPINION_STATUS_*


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(fn, *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    """Calls fn until it returns something truthy; gRPC errors count as not yet."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except grpc.RpcError as e:
            last = f"{e.code().name}: {e.details()}"
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}" + (f" (last error {last})" if last else ""))


class Process:
    """One service process on a fixed port; stop() and start() again keep its database."""

    def __init__(self, service: str, env: dict[str, str], port: int, log_dir: Path, name: str):
        self.service, self.env, self.port, self.name = service, {**env, "LIANXIN_PORT": str(port)}, port, name
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.channel: grpc.Channel | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.launch()
        self.wait_serving(timeout)

    def launch(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", f"services.{self.service}"], cwd=REPO, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def wait_serving(self, timeout: float = 60.0) -> None:
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        health = health_pb2_grpc.HealthStub(self.channel)

        def serving():
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            return health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == \
                health_pb2.HealthCheckResponse.SERVING
        eventually(serving, timeout=timeout, interval=0.2, what=f"{self.name} to serve")

    def stop(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def close(self) -> None:
        self.stop()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Liaison(Process):
    def __init__(self, region: str, db_url: str, env: dict[str, str], log_dir: Path):
        super().__init__("liaison", {**env, "LIANXIN_HOME_REGION": region, "LIANXIN_DATABASE_URL": db_url},
                         free_port(), log_dir, f"liaison-{region}")
        self.region, self.db_url, self.secret = region, db_url, env["LIANXIN_JWT_SECRET"]
        self.engine = create_engine(db_url, pool_size=1, max_overflow=2)

    @property
    def stub(self):
        return liaison_pb2_grpc.LiaisonServiceStub(self.channel)

    def call(self, method: str, request, *, role: str = "staff", region: str | None = None,
             subject: str = "clerk", token: bool = True):
        md = ()
        if token:
            t = issue_token(self.secret, subject=subject, role=role, region=region or self.region)
            md = (("authorization", f"Bearer {t}"),)
        return getattr(self.stub, method)(request, metadata=md, timeout=10)

    def cases(self) -> list[pb.Opinion]:
        return list(self.call("ListOpinions", pb.ListOpinionsRequest(page={"page_size": 500})).opinions)

    def linked_to(self, origin_id: str) -> list[pb.Opinion]:
        return [o for o in self.cases() if o.origin_opinion_id == origin_id]

    def get(self, opinion_id: str) -> pb.Opinion:
        return self.call("GetOpinion", pb.GetOpinionRequest(id=opinion_id))

    def scalar(self, sql: str, **params):
        with self.engine.connect() as c:
            return c.execute(text(sql), params).scalar()

    def close(self) -> None:
        self.stop()
        self.engine.dispose()


class Roster(Process):
    def __init__(self, region: str, db_url: str, env: dict[str, str], log_dir: Path):
        super().__init__("roster", {**env, "LIANXIN_HOME_REGION": region, "LIANXIN_DATABASE_URL": db_url},
                         free_port(), log_dir, f"roster-{region}")
        self.region, self.secret = region, env["LIANXIN_JWT_SECRET"]

    def register(self, name: str) -> rpb.Deputy:
        token = issue_token(self.secret, subject="roster-clerk", role="staff", region=self.region)
        d = rpb.Deputy(region_code=self.region, name=name, gender=rpb.GENDER_FEMALE, ethnicity="回族",
                       seats=[rpb.Seat(level=rpb.LEVEL_TOWNSHIP, term="第十八届", electoral_district="第三选区")],
                       work_unit="三工镇中心小学", position="教师", contact=rpb.Contact(phone="13999990000"),
                       specialties=["教育"], status=rpb.DEPUTY_STATUS_SERVING)
        return roster_pb2_grpc.RosterServiceStub(self.channel).RegisterDeputy(
            rpb.RegisterDeputyRequest(deputy=d), metadata=(("authorization", f"Bearer {token}"),), timeout=10)


def base_env(kafka_bootstrap: str, namespace: str, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    env.update({
        "LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIANXIN_KAFKA_NAMESPACE": namespace,
        "LIANXIN_REGIONS_FILE": str(REGIONS_FILE), "LIANXIN_JWT_SECRET": secret, "LIANXIN_HS256_TOKENS": "on",
        "LIANXIN_HOST": "127.0.0.1", "LIANXIN_TRUSTED_FORWARDERS": "portal",   # the web portal's token
        "LIANXIN_DEADLINE_DAYS_TOWNSHIP": "0", "LIANXIN_DEADLINE_DAYS_COUNTY": "0", "LIANXIN_SWEEP_INTERVAL": "0.5",
        "LIANXIN_PUBLIC_RATE_PER_MINUTE": "100000", "LIANXIN_PUBLIC_BURST": "100000",
        "LIANXIN_GRPC_WORKERS": "4", "LIANXIN_LOG_FORMAT": "json"})
    return env
