"""Unit tests of the shared core: region tree, settings, tokens, rate limits."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared import auth, config
from shared.auth import Role, TokenVerifier, issue_token, verify_token
from shared.errors import InvalidArgument, PermissionDenied, Unauthenticated
from shared.rpc.ratelimit import RateLimiter
from shared.tenancy import RegionTree, Tier

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return RegionTree.load(ROOT / "deploy/regions/demo.csv")


def test_demo_tree_has_changji_and_its_seven_counties(tree):
    changji = tree.get("652300")
    assert changji.tier is Tier.PREFECTURE
    counties = [r.code for r in tree.children("652300")]
    assert counties == ["652301", "652302", "652323", "652324", "652325", "652327", "652328"]
    assert all(len(tree.children(c)) >= 3 for c in counties)
    assert tree.get("652301100").path == "652300/652301/652301100"


def test_subtree_checks_fail_closed(tree):
    assert tree.contains("652300", "652301100")
    assert tree.contains("652301", "652301")
    assert not tree.contains("652301", "652302100")   # a sibling county's township
    assert not tree.contains("652301", "652300")      # the ancestor itself
    assert not tree.contains("652301", "999999")      # unknown regions are never inside
    with pytest.raises(PermissionDenied):
        tree.ensure_within("652301", "652300")
    with pytest.raises(InvalidArgument, match="region_code"):
        tree.require("123456", "region_code")


def test_tree_file_errors_name_the_problem(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("code,name,tier,parent\n652300,A,prefecture,\n652301,B,county,999999\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown parent 999999"):
        RegionTree.load(f)


def test_settings_env_over_file_over_defaults(tmp_path):
    f = tmp_path / "tier.toml"
    f.write_text('home_region = "652301"\nbus = "kafka"\n[roster]\nport = 6000\n', encoding="utf-8")
    s = config.load("roster", {"LIANXIN_DEPLOYMENT_FILE": str(f), "LIANXIN_ROSTER_BUS": "embedded"})
    assert (s.home_region, s.port, s.bus) == ("652301", 6000, "embedded")
    assert config.load("liaison", {}).port == 50052
    assert config.load("liaison", {}).database_url == "sqlite:///var/liaison.sqlite"
    with pytest.raises(ValueError, match="port"):
        config.load("roster", {"LIANXIN_PORT": "many"})
    with pytest.raises(ValueError, match="bus"):
        config.load("roster", {"LIANXIN_BUS": "carrier-pigeon"})
    f.write_text('colour = "red"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="colour"):
        config.load("roster", {"LIANXIN_DEPLOYMENT_FILE": str(f)})


def test_tokens_round_trip_and_reject_tampering():
    tok = issue_token("s" * 32, subject="clerk", role="staff", region="652301")
    p = verify_token("s" * 32, tok)
    assert (p.subject, p.role, p.region) == ("clerk", Role.STAFF, "652301")
    with pytest.raises(Unauthenticated):
        verify_token("t" * 32, tok)
    old = issue_token("s" * 32, subject="c", role="staff", region="652301",
                      now=datetime.now(timezone.utc) - timedelta(days=2), ttl=timedelta(hours=1))
    with pytest.raises(Unauthenticated, match="expired"):
        verify_token("s" * 32, old)
    with pytest.raises(ValueError):
        issue_token("s" * 32, subject="c", role="public", region="652301")


def test_token_verifier_remembers_a_token_until_it_expires(monkeypatch):
    checked, real_verify = [], auth._verify
    monkeypatch.setattr(auth, "_verify", lambda secret, token, keys=None: checked.append(token) or real_verify(secret, token))
    now = datetime.now(timezone.utc)
    clock = [now.timestamp()]
    verify = TokenVerifier("s" * 32, max_tokens=2, clock=lambda: clock[0])
    tok = issue_token("s" * 32, subject="clerk", role="staff", region="652301", now=now, ttl=timedelta(hours=1))
    assert verify(tok) == verify(tok) == verify_token("s" * 32, tok)
    assert len(checked) == 2   # the first call and verify_token; the second call remembered it
    clock[0] += 3600           # at exp itself it is checked again (and jwt.decode refuses it then)
    verify(tok)
    assert len(checked) == 3
    expired = issue_token("s" * 32, subject="c", role="staff", region="652301",
                          now=now - timedelta(days=2), ttl=timedelta(hours=1))
    with pytest.raises(Unauthenticated, match="expired"):
        verify(expired)
    with pytest.raises(Unauthenticated):
        TokenVerifier("t" * 32)(tok)
    for bad in ("not-a-jwt", tok[:-2] + "xx"):
        for _ in range(2):   # never remembered
            with pytest.raises(Unauthenticated):
                verify(bad)
        assert bad not in verify._known
    for i in range(5):       # bounded
        verify(issue_token("s" * 32, subject=f"c{i}", role="staff", region="652301"))
    assert len(verify._known) <= 2


def test_rate_limiter_refills_over_time():
    now = [0.0]
    limiter = RateLimiter(60, burst=2, clock=lambda: now[0])
    assert limiter.allow("a") and limiter.allow("a")
    assert not limiter.allow("a")
    assert limiter.allow("b")          # per client
    now[0] += 1.0                      # 60 per minute = one a second
    assert limiter.allow("a")
    assert not limiter.allow("a")
