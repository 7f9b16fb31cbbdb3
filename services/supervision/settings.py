"""Supervision's own settings, read like every setting (shared/config.py): e.g.
LIANXIN_SUPERVISION_LATENESS_SWEEP_INTERVAL, or the key in a deployment file (top level or
``[supervision]``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.config import Settings

if TYPE_CHECKING:
    from shared.service import Runtime


@dataclass(frozen=True)
class SupervisionSettings(Settings):
    # Seconds between two lateness sweeps (a milestone is late by days; five minutes lets a
    # project planned with a past due day get its letter soon after, as in the demo).
    lateness_sweep_interval: float = 300.0
    # Percentage points a project's progress may trail the plan before a letter goes out.
    behind_plan_margin: int = 10
    # Days a department has to answer a reminder letter (回复时限).
    letter_reply_days: int = 10
    # Letters of one chain left unanswered (提醒督办函, 督办函, 再次督办函...) before the chain
    # goes to the tier above, whose standing committee then writes (提级督办).
    letters_before_tier_above: int = 3


def of(runtime: Runtime) -> SupervisionSettings:
    """The running supervision's settings, typed (``runtime.settings`` is the common class)."""
    settings = runtime.settings
    if not isinstance(settings, SupervisionSettings):
        raise TypeError(f"supervision needs SupervisionSettings, got {type(settings).__name__}")
    return settings
