"""`python -m shared.auth` signs with the secret the services read, and refuses without one
unless told to use the development secret (--dev), as `make run`'s services accept."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shared import config
from shared.auth import verify_token

REPO = Path(__file__).resolve().parents[2]


def issue(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    return subprocess.run([sys.executable, "-m", "shared.auth", "--role", "staff", "--region", "652301", *args],
                          cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_without_a_secret_it_refuses_and_names_the_setting():
    r = issue()
    assert r.returncode != 0 and r.stdout == ""
    assert "LIANXIN_JWT_SECRET" in r.stderr and "--dev" in r.stderr


def test_dev_signs_with_the_development_secret():
    r = issue("--dev")
    assert r.returncode == 0, r.stderr
    assert verify_token(config.DEV_JWT_SECRET, r.stdout.strip()).region == "652301"


def test_the_deployment_secret_signs_tokens_the_services_accept():
    secret = "a-deployment-secret-of-at-least-32-bytes-0123"
    r = issue(LIANXIN_JWT_SECRET=secret)
    assert r.returncode == 0, r.stderr
    assert verify_token(secret, r.stdout.strip()).role.value == "staff"


def test_name_is_carried_in_its_canonical_form():
    """--name is the holder's display name (记录人/经办人), canonical like any typed name;
    a token issued without one carries none."""
    r = issue("--dev", "--subject", "clerk7", "--name", "阿依古丽・示例")
    assert r.returncode == 0, r.stderr
    who = verify_token(config.DEV_JWT_SECRET, r.stdout.strip())
    assert (who.name, who.subject) == ("阿依古丽·示例", "clerk7")
    assert verify_token(config.DEV_JWT_SECRET, issue("--dev").stdout.strip()).name == ""
    too_long = issue("--dev", "--name", "名" * 51)
    assert too_long.returncode != 0 and too_long.stdout == "" and "name" in too_long.stderr
