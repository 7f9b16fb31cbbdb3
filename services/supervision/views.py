"""What the use cases hand the edge beside a row."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.supervision.tables import ProjectRow


@dataclass(frozen=True)
class ProgrammeView:
    """A region's projects of a year with their derived progress, and the roll-up."""
    region_code: str
    year: int
    projects: tuple[tuple[ProjectRow, Decimal], ...]
    progress: Decimal
    finished: int
    budget_fen: int
    spent_fen: int
