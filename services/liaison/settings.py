"""Liaison's own settings, read like every setting (shared/config.py): e.g.
LIANXIN_DEADLINE_DAYS_TOWNSHIP or LIANXIN_LIAISON_DEADLINE_DAYS_TOWNSHIP, or
``deadline_days_township`` in a deployment file (top level or ``[liaison]``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.config import Settings

if TYPE_CHECKING:
    from shared.service import Runtime


@dataclass(frozen=True)
class LiaisonSettings(Settings):
    # Days a tier has before an unresolved case escalates (办理期限, per tier of the handling region).
    deadline_days_township: int = 15
    deadline_days_county: int = 30
    deadline_days_prefecture: int = 60
    # The upper deployment's home region; empty = the home region's parent.
    escalate_to: str = ""
    # Seconds between two runs of the overdue sweep.
    sweep_interval: float = 60.0
    # Public submissions one deputy's card takes per hour.
    public_submissions_per_card_per_hour: int = 30


def of(runtime: Runtime) -> LiaisonSettings:
    """The running liaison's settings, typed (``runtime.settings`` is typed as the common class)."""
    settings = runtime.settings
    if not isinstance(settings, LiaisonSettings):
        raise TypeError(f"liaison needs LiaisonSettings, got {type(settings).__name__}")
    return settings
