"""Evaluation's demo data for `make run`, through the API once the services serve (one
function per area, each saying in one line what it did)."""
from __future__ import annotations

from collections.abc import Mapping

from shared.config import Settings


def through_api(settings: Settings, ports: Mapping[str, int]) -> str:
    """The launcher's demo hook, once evaluation serves."""
    return "evaluation: no demo data yet"
