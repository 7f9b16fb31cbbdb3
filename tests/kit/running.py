"""Starting a service in-process, from its definition, on a database of its own."""
from __future__ import annotations

from pathlib import Path

import services
from kit.clients import InProcessService
from kit.settings import test_settings
from shared.service import ServiceDefinition, start


def start_in_process(name: str, database_url: str, bus_path: str | Path, *,
                     definition: ServiceDefinition | None = None, **extra: str) -> InProcessService:
    """Migrates ``database_url`` and starts ``name`` (or ``definition``, e.g. a test's cut-down
    one) on any free port; ``extra``: more LIANXIN_* settings. The caller closes it."""
    settings = test_settings(name, database_url, bus_path, **extra)
    running = start(definition or services.definition(name), settings)
    return InProcessService(running, settings, database_url)
