"""Evaluation's own settings, read like every setting (shared/config.py): e.g.
LIANXIN_EVALUATION_RECTIFICATION_SWEEP_INTERVAL, or the key in a deployment file (top level
or ``[evaluation]``). One block per area."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.config import Settings

if TYPE_CHECKING:
    from shared.service import Runtime


@dataclass(frozen=True)
class EvaluationSettings(Settings):
    # ---- satisfaction vote and rectification
    # Seconds between two sweeps for rectifications past their days (one RectificationOverdue
    # per lateness, which supervision turns into a reminder letter).
    rectification_sweep_interval: float = 300.0


def of(runtime: Runtime) -> EvaluationSettings:
    """The running evaluation's settings, typed (``runtime.settings`` is the common class)."""
    settings = runtime.settings
    if not isinstance(settings, EvaluationSettings):
        raise TypeError(f"evaluation needs EvaluationSettings, got {type(settings).__name__}")
    return settings
