"""deploy/local/test-env.sh never runs the suite on servers it did not start unless told to."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]


def test_a_running_postgres_is_not_reused_silently(pg_server_url, kafka_bootstrap):
    # This suite's own servers are up, so to a second run they are servers it did not start.
    env = {k: v for k, v in os.environ.items() if k != "LIANXIN_TEST_REUSE"}
    env.update(LIANXIN_PG_PORT=str(make_url(pg_server_url).port), LIANXIN_KAFKA_PORT=kafka_bootstrap.rsplit(":", 1)[1])
    r = subprocess.run(["bash", "deploy/local/test-env.sh", "true"], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 3
    assert "already running" in r.stderr and "LIANXIN_TEST_REUSE=1" in r.stderr
    r = subprocess.run(["bash", "deploy/local/test-env.sh", "true"], cwd=REPO, env={**env, "LIANXIN_TEST_REUSE": "1"},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
