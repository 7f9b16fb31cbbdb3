"""Liaison queries. Listings take the caller's scope and filter on it in SQL, so a missing
check at the edge still cannot leak another tenant's or another department's cases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.liaison.directory import (ACTIVE_STATUSES, DirectoryDeputyRow, DirectoryVenueRow)
from services.liaison.tables import OpinionRow
from shared.errors import NotFound


def in_subtree(column, path: str):
    # Escape LIKE wildcards: paths are digits and '/', but the scope must never widen.
    return or_(column == path, column.like(path.replace("%", r"\%").replace("_", r"\_") + "/%", escape="\\"))


@dataclass(frozen=True)
class OpinionFilter:
    scope_path: str | None = None               # region subtree of the case's region ...
    scope_codes: tuple[str, ...] = ()           # ... or handled by one of these regions
    deputy_id: str = ""
    department: str = ""
    status: int | None = None
    raised_from: datetime | None = None
    raised_to: datetime | None = None


class OpinionStore:
    def __init__(self, session: Session):
        self.s = session

    def opinion(self, opinion_id: str, *, for_update: bool = False) -> OpinionRow:
        q = select(OpinionRow).where(OpinionRow.id == opinion_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("opinion", opinion_id)
        return row

    def by_tracking_code(self, code: str, *, for_update: bool = False) -> OpinionRow:
        q = select(OpinionRow).where(OpinionRow.tracking_code == code)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("tracking code", code)
        return row

    def tracking_code_taken(self, code: str) -> bool:
        return self.s.scalar(select(OpinionRow.id).where(OpinionRow.tracking_code == code)) is not None

    def list(self, f: OpinionFilter, *, limit: int, offset: int) -> tuple[list[OpinionRow], int]:
        q = select(OpinionRow)
        if f.scope_path is not None:
            cond = in_subtree(OpinionRow.region_path, f.scope_path)
            if f.scope_codes:
                cond = or_(cond, OpinionRow.handling_region.in_(f.scope_codes))
            q = q.where(cond)
        if f.deputy_id:
            q = q.where(OpinionRow.deputy_id == f.deputy_id)
        if f.department:
            q = q.where(OpinionRow.transfer_department == f.department)
        if f.status is not None:
            q = q.where(OpinionRow.status == f.status)
        if f.raised_from is not None:
            q = q.where(OpinionRow.raised_at >= f.raised_from)
        if f.raised_to is not None:
            q = q.where(OpinionRow.raised_at < f.raised_to)
        total = self.s.scalar(select(func.count()).select_from(q.subquery()))
        rows = self.s.scalars(q.order_by(OpinionRow.raised_at.desc(), OpinionRow.id).limit(limit).offset(offset)).all()
        return list(rows), total

    # the roster read model
    def active_deputy_by_card(self, card_code: str) -> DirectoryDeputyRow | None:
        return self.s.scalars(select(DirectoryDeputyRow).where(
            DirectoryDeputyRow.card_code == card_code,
            DirectoryDeputyRow.status.in_(ACTIVE_STATUSES))).first()

    def deputy(self, deputy_id: str) -> DirectoryDeputyRow:
        row = self.s.get(DirectoryDeputyRow, deputy_id)
        if row is None:
            raise NotFound("deputy", deputy_id)
        return row

    def venue(self, venue_id: str) -> DirectoryVenueRow:
        row = self.s.get(DirectoryVenueRow, venue_id)
        if row is None:
            raise NotFound("venue", venue_id)
        return row
