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
