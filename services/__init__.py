"""The platform's services, in the order of their default ports (roster 50051, liaison 50052, ...).

This is the one list of services. Shared code (settings, the launcher, ``make migrate``) reads
it and asks each service's own definition, ``services.<name>.service.definition()``, for the
rest: its settings class, its demo hook, its tables, RPCs, consumers and timers. A new
service adds its package name at the end (so no existing port moves).
"""
from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.service import ServiceDefinition

NAMES: tuple[str, ...] = ("roster", "liaison", "balloting", "supervision", "evaluation", "identity")


def require(name: str) -> str:
    """``name`` if it is a service of the platform, else ValueError listing them."""
    if name not in NAMES:
        raise ValueError(f"unknown service {name!r}; one of {', '.join(NAMES)}")
    return name


@functools.cache
def definition(name: str) -> ServiceDefinition:
    """The service's definition (imports its package; builds nothing that runs)."""
    module = importlib.import_module(f"services.{require(name)}.service")
    return module.definition()
