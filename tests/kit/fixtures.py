"""pytest fixtures of the kit (tests/conftest.py loads this module as a plugin)."""
from __future__ import annotations

import pytest

from kit.clients import InProcessService
from kit.running import start_in_process

# Every server start_service started in this worker, in order: the module that started a server
# closes it when the module ends (_close_the_modules_servers).
_started: list[InProcessService] = []


@pytest.fixture(scope="module", autouse=True)
def _close_the_modules_servers():
    """Closes the servers started while a module ran once the module is done (after its own
    module fixtures, which set up later and so tear down first). Left running, each keeps its
    relay, consumers and sweeps polling in this worker's process until the session ends: with
    a few hundred of them the last modules of a run got a fraction of the CPU they had at first."""
    first = len(_started)
    yield
    for server in reversed(_started[first:]):
        server.close()
    del _started[first:]


@pytest.fixture(scope="session")
def start_service(fresh_database, tmp_path_factory):
    """Factory: ``start_service(name, **extra)`` starts the service on a brand-new PostgreSQL
    database and bus file; the module that started it closes it when the module ends, and
    whatever is left when the session ends."""
    started = _started

    def make(name: str, *, definition=None, bus_path=None, **extra: str) -> InProcessService:
        bus = bus_path or tmp_path_factory.mktemp("bus") / "bus.sqlite"
        server = start_in_process(name, fresh_database(), bus, definition=definition, **extra)
        started.append(server)
        return server

    yield make
    for server in reversed(started):
        server.close()
    started.clear()
