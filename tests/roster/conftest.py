"""An in-process roster server over real gRPC and a real PostgreSQL database.

`roster` is one server per test module (a fresh database each); `fresh_roster` gives a
test its own server and database when it counts rows across the whole roster.
Tokens are made with `server.md(role, region)`; `server.call("Method", request, ...)`
calls an RPC with that token (``token=None`` calls with no token at all).
"""
from __future__ import annotations

import pytest
from kit.settings import test_settings
from roster_support import RosterServer

from services.roster.service import definition
from shared.service import start


@pytest.fixture(scope="session")
def start_roster(fresh_database, tmp_path_factory):
    """Factory: a roster server on a brand-new database; shut down when the caller's scope ends."""
    def make(url: str | None = None, **extra: str) -> RosterServer:
        """``url``: reuse a database (a restart); ``extra``: more LIANXIN_* settings."""
        url = url or fresh_database()
        bus = tmp_path_factory.mktemp("bus") / "bus.sqlite"
        settings = test_settings("roster", url, bus, **({"LIANXIN_PUBLIC_BASE_URL": "https://lianxin.example.cn"}
                                                        | extra))
        return RosterServer(start(definition(), settings), settings, url)
    return make


@pytest.fixture(scope="module")
def roster(start_roster):
    server = start_roster()
    yield server
    server.close()


@pytest.fixture
def fresh_roster(start_roster):
    server = start_roster()
    yield server
    server.close()
