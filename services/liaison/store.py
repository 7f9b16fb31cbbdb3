"""Liaison queries. Listings take the caller's scope and filter on it in SQL, so a missing
check at the edge still cannot leak another tenant's or another department's cases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.liaison.directory import ACTIVE_STATUSES, DirectoryDeputyRow, DirectoryVenueMemberRow, DirectoryVenueRow
from services.liaison.domain import Status as S
from services.liaison.tables import OpinionRow, OpinionStepRow
from shared import paging
from shared.db import table_of
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
    department_region: str = ""                 # with department: that department of this region
    status: int | None = None
    raised_from: datetime | None = None
    raised_to: datetime | None = None
    venue_id: str = ""                          # raised at the venue or to one of its members
    due_before: datetime | None = None          # open (open_statuses) and due_at before it
    transfer_due_before: datetime | None = None  # TRANSFERRED and transfer_deadline before it
    open_statuses: tuple[int, ...] = ()
    escalated: bool = False                     # went up a tier (see ListOpinionsRequest.escalated)


# The public intake (SubmitPublicOpinion), the hottest write: statements built once and
# executed with bound parameters on the session's connection, so SQLAlchemy reuses their
# compiled form and no ORM state is involved.
_DEPUTIES = DirectoryDeputyRow.__table__
_OPINIONS = OpinionRow.__table__
# card_code is UNIQUE: at most one row; the status is checked in Python (no IN-list to expand).
_CARD = select(_DEPUTIES.c.id, _DEPUTIES.c.region_code, _DEPUTIES.c.status).where(
    _DEPUTIES.c.card_code == bindparam("card_code"))
# A tracking code that is taken already inserts nothing (rowcount 0) instead of raising, so
# the caller draws another one without a check query first or a savepoint around the INSERT.
# (preserve_rowcount: SQLAlchemy closes the cursor of an INSERT, and psycopg's closed cursor
# no longer knows its rowcount.)
_INSERT_OPINION = {
    name: dialect.insert(_OPINIONS).on_conflict_do_nothing(index_elements=[_OPINIONS.c.tracking_code])
    .execution_options(preserve_rowcount=True)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
# inline(): the generated step id is not fetched back (no RETURNING).
_INSERT_STEP = insert(table_of(OpinionStepRow)).inline()


class OpinionStore:
    def __init__(self, session: Session):
        self.s = session

    def opinion(self, opinion_id: str, *, for_update: bool = False, field: str = "") -> OpinionRow:
        q = select(OpinionRow).where(OpinionRow.id == opinion_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("opinion", opinion_id, field)
        return row

    def by_tracking_code(self, code: str, *, for_update: bool = False) -> OpinionRow:
        q = select(OpinionRow).where(OpinionRow.tracking_code == code)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("tracking code", code)
        return row

    def insert_new_opinion(self, opinion: dict) -> bool:
        """Inserts a new opinion from its column values; False (and nothing written) when its
        tracking code is taken."""
        c = self.s.connection()
        return c.execute(_INSERT_OPINION[c.dialect.name], opinion).rowcount == 1

    def insert_step(self, step: dict) -> None:
        self.s.connection().execute(_INSERT_STEP, step)

    def tracking_code_taken(self, code: str) -> bool:
        return self.s.scalar(select(OpinionRow.id).where(OpinionRow.tracking_code == code)) is not None

    def list(self, f: OpinionFilter, page: paging.Page) -> tuple[list[OpinionRow], int, str]:
        """One page, newest first ((raised_at, id) descending); the rows, the total and the
        next page token. New cases sort before the first page, so paging on never repeats
        or skips a case."""
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
        if f.department_region:
            q = q.where(OpinionRow.transfer_department_region == f.department_region)
        if f.status is not None:
            q = q.where(OpinionRow.status == f.status)
        if f.raised_from is not None:
            q = q.where(OpinionRow.raised_at >= f.raised_from)
        if f.raised_to is not None:
            q = q.where(OpinionRow.raised_at < f.raised_to)
        if f.venue_id:
            members = select(DirectoryVenueMemberRow.deputy_id).where(DirectoryVenueMemberRow.venue_id == f.venue_id)
            q = q.where(or_(OpinionRow.venue_id == f.venue_id,
                            and_(OpinionRow.deputy_id != "", OpinionRow.deputy_id.in_(members))))
        if f.due_before is not None:
            q = q.where(OpinionRow.status.in_(f.open_statuses), OpinionRow.due_at < f.due_before)
        if f.transfer_due_before is not None:
            q = q.where(OpinionRow.status == int(S.TRANSFERRED), OpinionRow.transfer_deadline < f.transfer_due_before)
        if f.escalated:
            went_up = select(OpinionStepRow.id).where(OpinionStepRow.opinion_id == OpinionRow.id,
                                                      OpinionStepRow.status == int(S.ESCALATED))
            q = q.where(or_(OpinionRow.status == int(S.ESCALATED), OpinionRow.origin_opinion_id != "",
                            went_up.exists()))
        total = self.s.scalars(select(func.count()).select_from(q.subquery())).one()
        order = [(OpinionRow.raised_at, paging.DESC), (OpinionRow.id, paging.DESC)]
        rows, token = paging.take(page, list(self.s.scalars(paging.keyset(q, order, page))),
                                  lambda r: (r.raised_at, r.id))
        return rows, total, token

    # the roster read model
    def active_deputy_by_card_code(self, card_code: str) -> tuple[str, str] | None:
        """(id, region_code) of the serving deputy holding this card; None for an unknown
        card or a deputy no longer serving. Reads two columns, not the row."""
        r = self.s.connection().execute(_CARD, {"card_code": card_code}).first()
        if r is None or r.status not in ACTIVE_STATUSES:
            return None
        return r.id, r.region_code

    def deputy(self, deputy_id: str, field: str = "") -> DirectoryDeputyRow:
        row = self.s.get(DirectoryDeputyRow, deputy_id)
        if row is None:
            raise NotFound("deputy", deputy_id, field)
        return row

    def venue(self, venue_id: str, field: str = "") -> DirectoryVenueRow:
        row = self.s.get(DirectoryVenueRow, venue_id)
        if row is None:
            raise NotFound("venue", venue_id, field)
        return row
