"""An in-process liaison server over real gRPC and a real PostgreSQL database, on an
embedded bus in a temporary file.

`liaison` is one server per test module (a fresh database each). Its roster read model is
filled by `liaison.add_deputy(...)`, which feeds constructed roster events through the
directory's own consumer handler; test_opinions.py also proves the real path, a roster
server on the same bus. Tokens: `server.call("Method", request, role=..., region=...)`.
"""
from __future__ import annotations

import pytest
from kit.settings import test_settings
from liaison_support import CARD_LIMIT, LiaisonServer

from services.liaison.service import definition
from shared import config
from shared.service import start


def _settings(service: str, url: str, bus, **extra) -> config.Settings:
    return test_settings(service, url, bus, **({"LIANXIN_PUBLIC_SUBMISSIONS_PER_CARD_PER_HOUR": str(CARD_LIMIT)}
                                               | extra))


@pytest.fixture(scope="session")
def start_liaison(fresh_database, tmp_path_factory):
    """Factory: a liaison server on a brand-new database (and, unless given, a new bus file)."""
    def make(bus=None, url: str | None = None, **extra: str) -> LiaisonServer:
        """``url``: reuse a database (a restart); ``extra``: more LIANXIN_* settings."""
        url = url or fresh_database()
        bus = bus or tmp_path_factory.mktemp("bus") / "bus.sqlite"
        settings = _settings("liaison", url, bus, **extra)
        return LiaisonServer(start(definition(), settings), settings, url)
    return make


@pytest.fixture(scope="module")
def liaison(start_liaison):
    server = start_liaison()
    yield server
    server.close()


@pytest.fixture(scope="session")
def settings_for():
    return _settings
