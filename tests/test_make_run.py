"""`make run` end to end: the launcher migrates five SQLite databases, loads the demo roster
and liaison work, brings up five healthy services on the embedded bus on the ports it
reports, answers calls, and stops them all cleanly on SIGTERM; a restart says the demo data
is already there; a service that exits makes the launcher stop and say which one."""
from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import grpc
import pytest
from docx import Document
from grpc_health.v1 import health_pb2, health_pb2_grpc
from lianxin.evaluation.v1 import evaluation_pb2_grpc, performance_pb2
from lianxin.identity.v1 import identity_pb2, identity_pb2_grpc
from lianxin.liaison.v1 import liaison_pb2, liaison_pb2_grpc
from lianxin.roster.v1 import roster_pb2, roster_pb2_grpc
from lianxin.supervision.v1 import supervision_pb2, supervision_pb2_grpc

from services import NAMES as SERVICES
from shared import config
from shared.auth import issue_token
from shared.clock import china_today
from shared.config import DEV_JWT_SECRET
from shared.launcher import plan_ports

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_base_port(count: int) -> int:
    """A port p with p .. p+count-1 all free."""
    for _ in range(50):
        base = free_port()
        if base + count > 65535:
            continue
        try:
            for p in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return base
    raise AssertionError("no run of free ports")


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    # The portal on any free port: tests run side by side, and 8080 may be someone's.
    env.update({"LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv"), "LIANXIN_LOG_FORMAT": "json",
                "LIANXIN_PORTAL_PORT": "0"})
    env.update(extra)
    return env


def launch(folder: Path, env: dict[str, str], *args: str, log: str = "launcher.out"):
    """Starts the launcher in ``folder`` (var/ is created there); returns it and its output file."""
    out = folder / log
    with open(out, "w") as f:
        proc = subprocess.Popen([sys.executable, "-m", "shared.launcher", *args], cwd=folder, env=env,
                                stdout=f, stderr=subprocess.STDOUT)
    return proc, out


def wait_for(proc, out: Path, text: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while text not in out.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, out.read_text()[-3000:]
        time.sleep(0.3)
    return out.read_text()


def child_pid(launcher_pid: int, module: str) -> int:
    """The pid of the launcher's child running ``python -m <module>``."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == launcher_pid and module.encode() in cmdline:
            return int(stat.parent.name)
    raise AssertionError(f"no child {module} of {launcher_pid}")


def launcher_ports(env: dict[str, str]) -> dict[str, int]:
    return {n: config.load(n, env, global_port_is_base=True).port for n in SERVICES}


def test_the_launcher_takes_one_global_port_as_the_base_and_a_service_port_as_that_port():
    assert launcher_ports({"LIANXIN_PORT": "6000", "LIANXIN_LIAISON_PORT": "7000"}) == {
        "roster": 6000, "liaison": 7000, "balloting": 6002, "supervision": 6003, "evaluation": 6004, "identity": 6005}
    assert launcher_ports({}) == {
        "roster": 50051, "liaison": 50052, "balloting": 50053, "supervision": 50054, "evaluation": 50055,
        "identity": 50056}
    # A service process started on its own listens on LIANXIN_PORT itself.
    assert config.load("liaison", {"LIANXIN_PORT": "6000"}).port == 6000
    with pytest.raises(ValueError, match="roster, balloting on 6002"):
        plan_ports({n: config.load(n, {"LIANXIN_PORT": "6000", "LIANXIN_ROSTER_PORT": "6002"},
                                   global_port_is_base=True) for n in SERVICES})
    with pytest.raises(ValueError, match="port=65536 for liaison"):
        config.load("liaison", {"LIANXIN_PORT": "65535"}, global_port_is_base=True)


def test_the_container_health_check_fails_where_nothing_serves():
    port = free_port()
    check = subprocess.run([sys.executable, "-m", "shared.healthcheck", str(port)], capture_output=True, text=True,
                           timeout=30)
    assert check.returncode == 1, check.stderr


def test_a_service_that_exits_stops_the_launcher_loudly_naming_it(tmp_path):
    # Balloting refuses to start (its home region is not in the region tree); roster serves.
    env = base_env(LIANXIN_PORT=str(free_base_port(3)), LIANXIN_BALLOTING_HOME_REGION="999999")
    proc, out = launch(tmp_path, env, "--no-demo", "--services", "roster,balloting")
    code = proc.wait(timeout=90)
    text = out.read_text()
    assert code == 1, text[-3000:]
    assert re.search(r"balloting \(port [0-9]+\) exited with code [1-9][0-9]*; its last lines:", text), text[-3000:]
    assert "home_region 999999" in text.split("its last lines:")[1]
    assert "Lianxin is running" not in text


def test_the_platform_comes_up_with_demo_data_and_stops_cleanly(tmp_path):
    base = free_base_port(len(SERVICES))
    ports = {name: base + i for i, name in enumerate(SERVICES)}
    env = base_env(LIANXIN_PORT=str(base))
    launcher, out = launch(tmp_path, env)
    try:
        text = wait_for(launcher, out, "Ctrl-C stops everything")
        assert "demo roster: 59 deputies and 20 venues added" in text
        assert "demo liaison work: 5 opinions, 6 activities" in text
        assert re.search(r"demo campaign: \d{4}年民生实事项目 of 652300, 5 candidates for 4 seats, ballot open, "
                         r"\d+ deputies checked in", text), text[-3000:]
        # One supervision project, its first milestone a month past due and reported at 60% of weight 20.
        assert re.search(r"demo project: 城区老旧小区加装电梯 of 652300, progress 12\.00% \(project [0-9a-f-]{36}\)",
                         text), text[-3000:]
        # The roster's first deputy's suggestion in handling, and their meeting with a head of a state organ.
        assert re.search(r"demo suggestion \S+\d{4}年第1号建议 in handling; a meeting with 副州长 awaiting its follow-up",
                         text), text[-3000:]
        # An inspection of the project held yesterday, two deputies among its participants by id.
        assert "an inspection held with 2 deputies and 1 problem found" in text, text[-3000:]
        # Last year's projects rated and published (four 满意 of six), this year's vote open.
        assert re.search(r"demo satisfaction vote: \d{4}年民生实事项目实施情况满意度测评, \d+ deputies rated, overall "
                         r"66\.67%, 1 rectifications; \d{4}年民生实事项目实施情况满意度测评 open \(1 projects\)", text), \
            text[-3000:]
        # This year's activity funding: the demo deputies' and venues' budgets, a few spendings.
        assert re.search(r"demo funding: \d+ budgets of \d{4} drawn up \(\d+ yuan\), 5 spendings recorded", text), \
            text[-3000:]
        assert "Lianxin is running: " + ", ".join(f"{n} :{p}" for n, p in ports.items()) in text
        assert f"127.0.0.1:{ports['roster']} lianxin.roster.v1.RosterService/ListDeputies" in text
        assert f"127.0.0.1:{ports['liaison']} lianxin.liaison.v1.LiaisonService/ListOpinions" in text
        for name, port in ports.items():
            with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
                status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status
                assert status == health_pb2.HealthCheckResponse.SERVING, name
        check = subprocess.run([sys.executable, "-m", "shared.healthcheck", str(ports["liaison"])], timeout=30)
        assert check.returncode == 0
        md = (("authorization", "Bearer " + issue_token(DEV_JWT_SECRET, subject="t", role="staff", region="652300")),)
        with grpc.insecure_channel(f"127.0.0.1:{ports['roster']}") as ch:
            listed = roster_pb2_grpc.RosterServiceStub(ch).ListDeputies(roster_pb2.ListDeputiesRequest(), metadata=md,
                                                                         timeout=10)
        assert listed.total_size == 59
        with grpc.insecure_channel(f"127.0.0.1:{ports['liaison']}") as ch:
            cases = liaison_pb2_grpc.LiaisonServiceStub(ch).ListOpinions(liaison_pb2.ListOpinionsRequest(),
                                                                         metadata=md, timeout=10)
        assert cases.total_size == 5
        # The portal's address and a deputy's card page, as the card's QR code opens it.
        card_url = re.search(r"a deputy's card, as its QR code opens it: (http://127\.0\.0\.1:\d+/card/\w+)", text)
        assert card_url, text[-3000:]
        with urllib.request.urlopen(card_url.group(1), timeout=10) as page:
            html = page.read().decode()
        assert page.status == 200 and "代表</h1>" in html and 'name="csrf_token"' in html
        md_roster = (("authorization", "Bearer " + issue_token(DEV_JWT_SECRET, subject="t", role="staff",
                                                               region="652300")),)
        with grpc.insecure_channel(f"127.0.0.1:{ports['roster']}") as ch:
            first = roster_pb2_grpc.RosterServiceStub(ch).ListDeputies(
                roster_pb2.ListDeputiesRequest(page={"page_size": 1}), metadata=md_roster, timeout=10).deputies[0]
            qr = roster_pb2_grpc.RosterServiceStub(ch).GetCardQrCode(
                roster_pb2.GetCardQrCodeRequest(deputy_id=first.id, format=roster_pb2.QR_FORMAT_SVG),
                metadata=md_roster, timeout=10)
        assert qr.url == card_url.group(1), "card QR codes point at the portal make run started"
        # A deputy account to try the deputy's workspace with: the roster's first deputy.
        assert f"identity demo: deputy account demo-deputy for {first.name} ({first.region_code})" in text
        with grpc.insecure_channel(f"127.0.0.1:{ports['identity']}") as ch:
            signed = identity_pb2_grpc.IdentityServiceStub(ch).SignIn(identity_pb2.SignInRequest(
                username="demo-deputy", password="lianxin-deputy-2026"), timeout=10)
        assert signed.account.role == identity_pb2.ACCOUNT_ROLE_DEPUTY and signed.account.stands_for == first.id
        assert not signed.must_change_password
        # Deputies' performance: the home region's rules, the demo deputy's report to constituents
        # (述职) in their file, this year's rankings published, and their annual report draft.
        assert re.search(r"demo performance: rules of 652300 from \d{4}, rankings of \d{4} and \d{4} published, "
                         r"\S+'s file: \d+ items, [\d.]+ points", text), text[-3000:]
        year = china_today().year
        with grpc.insecure_channel(f"127.0.0.1:{ports['evaluation']}") as ch:
            ev = evaluation_pb2_grpc.EvaluationServiceStub(ch)
            file = ev.GetPerformanceFile(performance_pb2.GetPerformanceFileRequest(deputy_id=first.id, year=year),
                                         metadata=md, timeout=10)
            ranking = ev.GetRanking(performance_pb2.GetRankingRequest(
                region_code="652300", level=first.seats[0].level, year=year), metadata=md, timeout=10)
            report = ev.GetAnnualReport(performance_pb2.GetAnnualReportRequest(deputy_id=first.id, year=year),
                                        metadata=md, timeout=10)
        assert "向原选区选民述职" in [i.title for i in file.items] and ranking.published
        assert first.id in [e.deputy_id for e in ranking.entries]
        assert Document(io.BytesIO(report.document)).paragraphs[0].text == f"{first.name}代表{year}年度履职情况报告"
        # A department officer's account for the demo project's lead department (its progress form).
        assert "identity demo: department account demo-department for dept-housing (652300)" in text
        with grpc.insecure_channel(f"127.0.0.1:{ports['identity']}") as ch:
            signed = identity_pb2_grpc.IdentityServiceStub(ch).SignIn(identity_pb2.SignInRequest(
                username="demo-department", password="lianxin-dept-2026"), timeout=10)
        assert signed.account.role == identity_pb2.ACCOUNT_ROLE_DEPARTMENT
        assert signed.account.stands_for == "dept-housing"
        # The demo project's late milestone gets its reminder letter from the sweep (every 15 s
        # under make run), which the supervision board shows beside it.
        with grpc.insecure_channel(f"127.0.0.1:{ports['supervision']}") as ch:
            stub = supervision_pb2_grpc.SupervisionServiceStub(ch)
            [project] = [p for p in stub.ListProjects(supervision_pb2.ListProjectsRequest(), metadata=md,
                                                      timeout=10).projects if p.title == "城区老旧小区加装电梯"]
            deadline = time.monotonic() + 60
            while not (letters := stub.ListLetters(supervision_pb2.ListLettersRequest(project_id=project.id),
                                                   metadata=md, timeout=10).letters):
                assert time.monotonic() < deadline, "no reminder letter for the demo project"
                time.sleep(1)
        assert project.milestones[0].days_late >= 30
        assert letters[0].number.startswith("昌吉回族自治州人大常委会督办函〔")
        assert sorted(p.name for p in (tmp_path / "var").glob("*.sqlite")) == sorted(
            [f"{name}.sqlite" for name in SERVICES] + ["bus.sqlite"])
    finally:
        launcher.send_signal(signal.SIGTERM)
        code = launcher.wait(timeout=60)
    assert code == 0, out.read_text()[-3000:]

    # A restart finds the demo data there and says so; then a service dies under it.
    launcher, out = launch(tmp_path, env, "--services", "roster,liaison", log="again.out")
    try:
        text = wait_for(launcher, out, "Ctrl-C stops everything")
        assert "demo roster already present: 59 deputies, 20 venues; nothing added" in text
        assert "demo liaison work already present: 5 opinions; nothing added" in text
        os.kill(child_pid(launcher.pid, "services.liaison"), signal.SIGKILL)
        code = launcher.wait(timeout=60)
    finally:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGTERM)
            launcher.wait(timeout=60)
    text = out.read_text()
    assert code == 1, text[-3000:]
    assert f"liaison (port {ports['liaison']}) exited with code -9; its last lines:" in text
    assert "Lianxin stopped: liaison exited" in text
