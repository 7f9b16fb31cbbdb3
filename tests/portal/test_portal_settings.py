"""The portal's settings: environment over the deployment file's [portal] table over its
top-level keys over defaults; the services read the same file and leave [portal] alone."""
from __future__ import annotations

import os

import pytest

from portal import settings as portal_settings
from portal.backends import TOKEN_FILE_CHECK, SystemToken
from shared import config
from shared.auth import verify_token


def test_defaults_reach_every_service_on_this_machine():
    s = portal_settings.load({})
    assert s.portal_port == 8080 and s.portal_subject == "portal" and s.portal_trusted_proxies == ""
    assert s.backend("roster") == "127.0.0.1:50051" and s.backend("evaluation") == "127.0.0.1:50055"


def test_environment_over_the_portal_table_over_top_level_keys(tmp_path):
    file = tmp_path / "tier.toml"
    file.write_text('home_region = "652301"\njwt_secret = "file-secret"\nport = 6000\n'
                    '[portal]\nportal_port = 9000\nportal_backends = "roster=roster:50051"\n'
                    '[roster]\nport = 7000\n', encoding="utf-8")
    s = portal_settings.load({"LIANXIN_DEPLOYMENT_FILE": str(file), "LIANXIN_JWT_SECRET": "env-secret",
                              "LIANXIN_PORTAL_BACKENDS": "liaison=liaison:6001"})
    assert (s.home_region, s.jwt_secret, s.portal_port) == ("652301", "env-secret", 9000)
    assert s.backend("liaison") == "liaison:6001" and s.backend("roster") == "127.0.0.1:50051"
    # The services read the same file: the [portal] table is not a service's, and not an error.
    assert config.load("roster", {"LIANXIN_DEPLOYMENT_FILE": str(file)}).port == 7000


@pytest.mark.parametrize("env, message", [
    ({"LIANXIN_PORTAL_PORT": "eighty"}, "portal_port"),
    ({"LIANXIN_PORTAL_PORT": "70000"}, "portal_port=70000"),
    ({"LIANXIN_PORTAL_BACKENDS": "roster:50051"}, "portal_backends"),
])
def test_a_malformed_setting_is_refused_naming_it(env, message):
    with pytest.raises(ValueError, match=message):
        portal_settings.load(env)


def test_an_unknown_key_in_the_portal_table_is_refused(tmp_path):
    file = tmp_path / "tier.toml"
    file.write_text("[portal]\nportal_prot = 9000\n", encoding="utf-8")
    with pytest.raises(ValueError, match="portal_prot"):
        portal_settings.load({"LIANXIN_DEPLOYMENT_FILE": str(file)})


def test_the_system_token_comes_from_the_token_file_and_a_replaced_file_is_read_again(tmp_path):
    file = tmp_path / "portal-token"
    file.write_text("first.token.value\n", encoding="utf-8")
    now = [100.0]
    token = SystemToken(portal_settings.load({"LIANXIN_PORTAL_TOKEN_FILE": str(file)}), clock=lambda: now[0])
    assert token.current() == "first.token.value"
    file.write_text("second.token.value\n", encoding="utf-8")
    os.utime(file, ns=(1, 1))
    assert token.current() == "first.token.value"          # looked at again only every few seconds
    now[0] += TOKEN_FILE_CHECK
    assert token.current() == "second.token.value"
    with pytest.raises(ValueError, match="portal_token_file"):
        portal_settings.load({"LIANXIN_PORTAL_TOKEN_FILE": str(tmp_path / "missing")})


def test_without_a_token_file_the_development_token_is_a_system_token_of_the_portal():
    s = portal_settings.load({"LIANXIN_HOME_REGION": "652301"})
    principal = verify_token(s.jwt_secret, SystemToken(s).current())
    assert (principal.subject, principal.role.value, principal.region) == ("portal", "system", "652301")
