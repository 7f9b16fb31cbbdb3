"""The identity demo for `make run`: a signing key (service.key_folder makes one at start in
development) and a staff account of the home region, so the portal can be signed in to at
once. Its password is fixed and printed: a development convenience, never a deployment's."""
from __future__ import annotations

from services.identity.bootstrap import bootstrap
from services.identity.settings import IdentitySettings
from shared.config import Settings

DEMO_USERNAME = "demo-staff"
DEMO_PASSWORD = "lianxin-demo-2026"


def seed(settings: Settings) -> str:
    assert isinstance(settings, IdentitySettings)
    row = bootstrap(settings, DEMO_USERNAME, "演示工作人员", DEMO_PASSWORD, must_change=False)
    if row is None:
        return f"identity demo: accounts already there (sign in as {DEMO_USERNAME} / {DEMO_PASSWORD} if unchanged)"
    return f"identity demo: staff account {DEMO_USERNAME} of {row.region_code}, password {DEMO_PASSWORD}"
