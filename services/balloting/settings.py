"""Balloting's own settings, read like every setting (shared/config.py): e.g.
LIANXIN_BALLOTING_PUBLIC_PROPOSALS_PER_CAMPAIGN_PER_HOUR, or the key in a deployment file
(top level or ``[balloting]``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.config import Settings

if TYPE_CHECKING:
    from shared.service import Runtime


@dataclass(frozen=True)
class BallotingSettings(Settings):
    # Citizens' proposals one campaign takes per hour through the public call (on top of the
    # edge's per-address and per-device limits): a call is advertised to a whole county, so
    # this is generous; it stops one flood from burying the call, as the per-card limit does.
    public_proposals_per_campaign_per_hour: int = 600


def of(runtime: Runtime) -> BallotingSettings:
    """The running balloting's settings, typed (``runtime.settings`` is typed as the common class)."""
    settings = runtime.settings
    if not isinstance(settings, BallotingSettings):
        raise TypeError(f"balloting needs BallotingSettings, got {type(settings).__name__}")
    return settings
