"""pytest fixtures of the kit (tests/conftest.py loads this module as a plugin)."""
from __future__ import annotations

import pytest

from kit.clients import InProcessService
from kit.running import start_in_process


@pytest.fixture(scope="session")
def start_service(fresh_database, tmp_path_factory):
    """Factory: ``start_service(name, **extra)`` starts the service on a brand-new PostgreSQL
    database and bus file; every server it started is closed when the session ends."""
    started: list[InProcessService] = []

    def make(name: str, *, definition=None, bus_path=None, **extra: str) -> InProcessService:
        bus = bus_path or tmp_path_factory.mktemp("bus") / "bus.sqlite"
        server = start_in_process(name, fresh_database(), bus, definition=definition, **extra)
        started.append(server)
        return server

    yield make
    for server in started:
        server.close()
