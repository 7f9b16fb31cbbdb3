"""Evaluation queries shared by its areas. Listings take the caller's scope (a region path)
first and filter on it in SQL, so a missing check at the edge still cannot leak another
region's records. Each area's own queries live with its use cases or in a store module of
its own."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.evaluation.tables import DeputyRow, ProjectRow
from shared import paging


def in_subtree(column, path: str):
    # Escape LIKE wildcards: paths are digits and '/', but the scope must never widen.
    return or_(column == path, column.like(path.replace("%", r"\%").replace("_", r"\_") + "/%", escape="\\"))


class EvaluationStore:
    def __init__(self, session: Session):
        self.s = session

    # ---- the roster's deputies (read model) ----
    def deputy(self, deputy_id: str) -> DeputyRow | None:
        return self.s.get(DeputyRow, deputy_id)

    def seated_deputies(self, scope_path: str, level: int, statuses: tuple[int, ...]) -> list[DeputyRow]:
        """Deputies of the subtree, serving or by-elected, holding a seat of ``level`` (levels
        are a short comma list, "4,6": matched in Python, not with LIKE), by name then id."""
        rows = self.s.scalars(select(DeputyRow).where(
            in_subtree(DeputyRow.region_path, scope_path), DeputyRow.status.in_(statuses))
            .order_by(DeputyRow.name, DeputyRow.id))
        return [r for r in rows if str(level) in r.levels.split(",")]

    # ---- supervision's projects (read model) ----
    def year_projects(self, region_code: str, year: int) -> list[ProjectRow]:
        """A region's own projects of ``year`` (not its subtree's: each tier rates its own)."""
        return list(self.s.scalars(select(ProjectRow).where(ProjectRow.region_code == region_code,
                                                            ProjectRow.year == year)
                                   .order_by(ProjectRow.title, ProjectRow.id)))

    def list_year_projects(self, scope_path: str, region_code: str, year: int,
                           page: paging.Page) -> tuple[list[ProjectRow], int, str]:
        where = [in_subtree(ProjectRow.region_path, scope_path), ProjectRow.region_code == region_code,
                 ProjectRow.year == year]
        total = self.s.scalar(select(func.count()).select_from(ProjectRow).where(*where)) or 0
        order = [(ProjectRow.title, paging.ASC), (ProjectRow.id, paging.ASC)]
        rows, token = paging.take(page, list(self.s.scalars(paging.keyset(select(ProjectRow).where(*where),
                                                                          order, page))),
                                  lambda r: (r.title, r.id))
        return rows, total, token
