"""With JSON logs on, every line a service writes is one JSON object: its own events, the
Kafka client's and alembic's stdlib log records, and tracebacks (inside the record)."""
from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def records(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for n, line in enumerate(lines, start=1):
        try:
            out.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"{path.name} line {n} is not one JSON object: {line[:200]!r}") from None
        assert isinstance(out[-1], dict), line
    return out


def test_every_line_of_a_service_on_kafka_is_one_json_object(tmp_path):
    db = tmp_path / "liaison.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    # Kafka is down (nothing listens on the port): the client logs its connection errors,
    # and the bus threads theirs, while the service serves.
    env.update({"LIANXIN_LOG_FORMAT": "json", "LIANXIN_BUS": "kafka",
                "LIANXIN_KAFKA_BOOTSTRAP": f"127.0.0.1:{closed_port()}", "LIANXIN_DATABASE_URL": f"sqlite:///{db}",
                "LIANXIN_EMBEDDED_BUS_PATH": str(tmp_path / "bus.sqlite"), "LIANXIN_PORT": "0",
                "LIANXIN_SWEEP_INTERVAL": "0.2"})
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "services.liaison"], cwd=REPO, env=env, stdout=o, stderr=e)
    try:
        deadline = time.monotonic() + 60
        while '"serving"' not in err.read_text(encoding="utf-8"):
            assert proc.poll() is None and time.monotonic() < deadline, err.read_text(encoding="utf-8")[-2000:]
            time.sleep(0.1)
        # The overdue sweep now fails on every pass: its traceback must stay inside its record.
        with sqlite3.connect(db) as c:
            c.execute("DROP TABLE opinions")
        while not (any("exception" in r for r in records(err))
                   and any(r.get("logger", "").startswith("kafka") for r in records(err))):
            assert time.monotonic() < deadline, err.read_text(encoding="utf-8")[-2000:]
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:   # shutting down waits on the unreachable broker
            proc.kill()
            proc.wait()
    logged = records(out) + records(err)
    failures = [r for r in logged if "exception" in r]
    assert failures and all(r["exception"].startswith("Traceback") for r in failures)
    assert "opinions" in failures[0]["exception"]
    assert any(r.get("logger", "").startswith("kafka") and r["level"] in ("warning", "error") for r in logged)
    assert all({"event", "level", "timestamp"} <= set(r) for r in logged)
    assert any(r["event"] == "shutting down" for r in logged)


def start_failure(tmp_path, service: str, fmt: str = "json", **settings: str) -> tuple[int, str]:
    """Runs ``python -m services.<service>`` with ``settings`` (LIANXIN_<KEY>) until it exits;
    its exit code and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIANXIN_", "GRPC_"))}
    env.update({"LIANXIN_LOG_FORMAT": fmt, "LIANXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                "LIANXIN_EMBEDDED_BUS_PATH": str(tmp_path / "bus.sqlite"), "LIANXIN_PORT": "0"})
    env.update({f"LIANXIN_{k.upper()}": v for k, v in settings.items()})
    done = subprocess.run([sys.executable, "-m", f"services.{service}"], cwd=REPO, env=env, capture_output=True,
                          timeout=120)
    return done.returncode, done.stderr.decode("utf-8")


def only_cannot_start(stderr: str) -> str:
    """The error of the one "cannot start" record, after asserting every line is JSON and
    no traceback was logged."""
    logged = [json.loads(line) for line in stderr.splitlines()]   # raises on a line that is not JSON
    assert all(isinstance(r, dict) and "exception" not in r for r in logged), stderr
    failed = [r for r in logged if r["event"] == "cannot start"]
    assert len(failed) == 1 and failed[0]["level"] == "error", stderr
    return failed[0]["error"]


def test_a_port_in_use_is_one_json_record_and_no_grpc_core_line(tmp_path):
    """The reported input: a port free when checked and taken at bind. gRPC's C core wrote
    its own plain-text line (E1130 ... add_port.cc:83] Failed to add port to server)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = start_failure(tmp_path, "roster", port=str(port), host="127.0.0.1")
    assert code == 2, err
    assert f"cannot bind 127.0.0.1:{port}" in only_cannot_start(err)
    assert "add_port.cc" not in err


def test_a_deployment_file_that_is_not_there_is_one_line_not_a_traceback(tmp_path):
    code, err = start_failure(tmp_path, "liaison", deployment_file="nope.toml")
    assert code == 2, err
    assert only_cannot_start(err) == "LIANXIN_DEPLOYMENT_FILE=nope.toml: No such file or directory"
    bad = tmp_path / "bad.toml"
    bad.write_text("home_region = \n", encoding="utf-8")
    code, err = start_failure(tmp_path, "roster", deployment_file=str(bad))
    assert code == 2 and f"LIANXIN_DEPLOYMENT_FILE={bad} is not valid TOML" in only_cannot_start(err), err
    # The same one line on a console ...
    code, err = start_failure(tmp_path, "roster", fmt="console", deployment_file="nope.toml")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "cannot start" in lines[0] and "nope.toml" in lines[0], err
    # ... from the web portal, which reads the same file ...
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    env.update({"LIANXIN_DEPLOYMENT_FILE": "nope.toml", "LIANXIN_LOG_FORMAT": "json"})
    done = subprocess.run([sys.executable, "-m", "portal"], cwd=REPO, env=env, capture_output=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert only_cannot_start(done.stderr.decode()) == "LIANXIN_DEPLOYMENT_FILE=nope.toml: No such file or directory"
    # ... and from the launcher, which reads the same settings first.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    env["LIANXIN_DEPLOYMENT_FILE"] = "nope.toml"
    done = subprocess.run([sys.executable, "-m", "shared.launcher", "--no-demo"], cwd=REPO, env=env,
                          capture_output=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode().strip() == "cannot start: LIANXIN_DEPLOYMENT_FILE=nope.toml: No such file or directory"


def test_other_settings_that_stop_a_start_are_one_json_record(tmp_path):
    code, err = start_failure(tmp_path, "roster", regions_file="no-such-regions.csv")
    assert code == 2 and "no-such-regions.csv" in only_cannot_start(err), err
    code, err = start_failure(tmp_path, "liaison", database_url="not a url")
    assert code == 2 and only_cannot_start(err).startswith("setting database_url: "), err


def test_a_log_format_that_is_not_known_is_one_cannot_start_record(tmp_path):
    """The reported input: LIANXIN_LOG_FORMAT=jsn fell back to console output unnoticed."""
    code, err = start_failure(tmp_path, "liaison", fmt="jsn")
    assert code == 2, err
    assert only_cannot_start(err) == "setting log_format='jsn': must be auto, json or console"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    env.update({"LIANXIN_LOG_FORMAT": "jsn", "LIANXIN_PORTAL_PORT": "0"})
    done = subprocess.run([sys.executable, "-m", "portal"], cwd=REPO, env=env, capture_output=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert only_cannot_start(done.stderr.decode()) == "setting log_format='jsn': must be auto, json or console"


def portal_stopped_by(tmp_path, sig: signal.Signals) -> tuple[int, list[dict]]:
    """Starts ``python -m portal``, sends ``sig`` once it serves; its exit code and records."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIANXIN_", "GRPC_"))}
    env.update({"LIANXIN_LOG_FORMAT": "json", "LIANXIN_PORTAL_PORT": "0", "LIANXIN_HOST": "127.0.0.1"})
    err = tmp_path / f"portal-{sig.name}.stderr"
    with err.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "portal"], cwd=REPO, env=env, stdout=e, stderr=e)
    try:
        deadline = time.monotonic() + 60
        while "Uvicorn running" not in err.read_text(encoding="utf-8"):
            assert proc.poll() is None and time.monotonic() < deadline, err.read_text(encoding="utf-8")[-2000:]
            time.sleep(0.1)
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, records(err)


def test_the_portal_stops_on_sigint_and_sigterm_as_a_normal_stop(tmp_path):
    """The reported input: Ctrl-C (SIGINT) on `make run` left the portal's last record a
    critical "uncaught exception" with a KeyboardInterrupt traceback."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        code, logged = portal_stopped_by(tmp_path, sig)
        assert code == 0, logged
        assert not [r for r in logged if "exception" in r or r["level"] in ("error", "critical")], logged
        assert logged[-1]["event"] == "stopped" and logged[-1]["level"] == "info", logged
        assert logged[-1]["signal"] == sig.name


def test_a_database_that_does_not_answer_is_one_cannot_start_record_naming_its_host(tmp_path):
    """The reported input: an unreachable PostgreSQL gave an uncaught traceback and exit 1.
    The start waits database_wait_seconds for it (compose may start it later), then stops;
    the record names host and port, never the password."""
    port = closed_port()
    started = time.monotonic()
    code, err = start_failure(tmp_path, "liaison", database_url=f"postgresql+psycopg://x:s3cret-pw@127.0.0.1:{port}/x",
                              database_wait_seconds="2")
    waited = time.monotonic() - started
    assert code == 2, err
    error = only_cannot_start(err)
    assert error.startswith(f"setting database_url: the database at 127.0.0.1:{port} does not answer after 2 s"), error
    assert "s3cret-pw" not in err
    assert waited >= 2, waited


def test_a_database_or_bus_file_in_a_folder_that_does_not_exist_is_one_cannot_start_record(tmp_path):
    """The reported inputs: sqlite:////nonexistent/dir/x.sqlite and an embedded bus path there
    logged "serving" and kept running (the bus failing on every pass)."""
    missing = tmp_path / "no-such-folder" / "dir"
    code, err = start_failure(tmp_path, "liaison", database_url=f"sqlite:///{missing}/x.sqlite")
    assert code == 2, err
    assert only_cannot_start(err) == f"setting database_url: folder {missing} does not exist (create it, or correct the path)"
    assert not missing.exists()
    code, err = start_failure(tmp_path, "liaison", embedded_bus_path=str(missing / "bus.sqlite"))
    assert code == 2, err
    assert only_cannot_start(err) == (f"setting embedded_bus_path: folder {missing} does not exist "
                                      "(create it, or correct the path)")
    assert not missing.exists()
