"""What the use cases hand the edge beside a row: a campaign with its counts and rounds."""
from __future__ import annotations

from dataclasses import dataclass

from services.balloting.tables import BallotRoundRow, CampaignRow


@dataclass(frozen=True)
class ShownCampaign:
    """A campaign with what its answer shows beside the row: proposals received, its ballot
    rounds, those present in the latest round, and the projects adopted so far."""
    row: CampaignRow
    proposals: int
    rounds: tuple[BallotRoundRow, ...] = ()
    present: int = 0
    adopted: tuple[str, ...] = ()
    voted: bool = False          # the calling deputy has voted in the latest round
