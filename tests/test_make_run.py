"""`make run` end to end: the launcher migrates five SQLite databases, loads the demo roster
and liaison work, brings up five healthy services on the embedded bus, answers calls, and
stops them all cleanly on SIGTERM."""
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

from lianxin.liaison.v1 import liaison_pb2, liaison_pb2_grpc
from lianxin.roster.v1 import roster_pb2, roster_pb2_grpc
from shared.auth import issue_token
from shared.config import DEV_JWT_SECRET, SERVICES

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_platform_comes_up_with_demo_data_and_stops_cleanly(tmp_path):
    ports = {name: free_port() for name in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    env.update({f"LIANXIN_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update({"LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv"), "LIANXIN_LOG_FORMAT": "json"})
    out = open(tmp_path / "launcher.out", "w+")
    # Run from an empty folder: var/ (databases, embedded bus) is created there.
    launcher = subprocess.Popen([sys.executable, "-m", "shared.launcher"], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "Lianxin is running" not in (tmp_path / "launcher.out").read_text():
            assert launcher.poll() is None and time.monotonic() < deadline, (tmp_path / "launcher.out").read_text()[-3000:]
            time.sleep(0.5)
        text = (tmp_path / "launcher.out").read_text()
        assert "demo liaison work: 5 opinions, 6 activities" in text
        for name, port in ports.items():
            with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
                status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status
                assert status == health_pb2.HealthCheckResponse.SERVING, name
        md = (("authorization", "Bearer " + issue_token(DEV_JWT_SECRET, subject="t", role="staff", region="652300")),)
        with grpc.insecure_channel(f"127.0.0.1:{ports['roster']}") as ch:
            listed = roster_pb2_grpc.RosterServiceStub(ch).ListDeputies(roster_pb2.ListDeputiesRequest(), metadata=md,
                                                                         timeout=10)
        assert listed.total_size == 59
        with grpc.insecure_channel(f"127.0.0.1:{ports['liaison']}") as ch:
            cases = liaison_pb2_grpc.LiaisonServiceStub(ch).ListOpinions(liaison_pb2.ListOpinionsRequest(),
                                                                         metadata=md, timeout=10)
        assert cases.total_size == 5
        assert sorted(p.name for p in (tmp_path / "var").glob("*.sqlite")) == sorted(
            [f"{name}.sqlite" for name in SERVICES] + ["bus.sqlite"])
    finally:
        launcher.send_signal(signal.SIGTERM)
        code = launcher.wait(timeout=60)
        out.close()
    assert code == 0, (tmp_path / "launcher.out").read_text()[-3000:]
