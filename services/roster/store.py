"""Roster queries. Every listing takes the caller's scope as a region path and filters on
it in SQL, so a missing scope check at the edge still cannot leak another tenant's rows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select
from sqlalchemy.orm import Session, lazyload

from services.roster.tables import (
    CommitteeLinkRow,
    ContactLimitsRow,
    DeputyRow,
    SeatRow,
    SpecialtyRow,
    StatusChangeRow,
    VenueMemberRow,
    VenueRow,
    VoterHouseholdRow,
)
from shared import paging
from shared.db import table_of
from shared.errors import NotFound


def in_subtree(column, path: str):
    # Escape LIKE wildcards: paths are digits and '/', but the scope must never widen.
    return or_(column == path, column.like(path.replace("%", r"\%").replace("_", r"\_") + "/%", escape="\\"))


def in_scope(column, path: str, excluded: tuple[str, ...] = ()):
    """``column`` lies in the subtree of ``path`` and in none of the ``excluded`` subtrees
    (delegated regions below, whose rows left here are not this deployment's)."""
    return and_(in_subtree(column, path), *(~in_subtree(column, x) for x in excluded)) if excluded \
        else in_subtree(column, path)


class NewDeputy(NamedTuple):
    """A new deputy's rows as column values (written by insert_deputy, or made ORM rows by the
    import): the deputy, its seats, its specialties, its first status change."""
    deputy: dict[str, Any]
    seats: list[dict[str, Any]]
    specialties: list[dict[str, Any]]
    history: dict[str, Any]


@dataclass(frozen=True)
class DeputyFilter:
    scope_path: str
    excluded_paths: tuple[str, ...] = ()   # delegated subtrees below scope_path
    level: int | None = None
    specialty: str = ""
    venue_id: str = ""
    status: int | None = None
    name: str = ""


# The new-deputy path, on the tables and built once: executed with bound parameters,
# SQLAlchemy reuses their compiled form instead of building and cache-keying a statement
# per call, and no ORM state is involved.
_DEPUTIES = table_of(DeputyRow)
_KEY_TAKEN = (select(_DEPUTIES.c.id)
              .where(_DEPUTIES.c.region_code == bindparam("region_code"), _DEPUTIES.c.name == bindparam("name"),
                     _DEPUTIES.c.phone == bindparam("phone"))
              .limit(1))
_INSERT_DEPUTY = insert(_DEPUTIES)
_INSERT_SEATS = insert(table_of(SeatRow))
_INSERT_SPECIALTIES = insert(table_of(SpecialtyRow))
_INSERT_STATUS_CHANGE = insert(table_of(StatusChangeRow))


class RosterStore:
    def __init__(self, session: Session):
        self.s = session

    # deputies
    def deputy(self, deputy_id: str, *, for_update: bool = False, field: str = "") -> DeputyRow:
        q = select(DeputyRow).where(DeputyRow.id == deputy_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("deputy", deputy_id, field)
        return row

    def deputy_by_card(self, card_code: str) -> DeputyRow | None:
        """For the public card, read on every scan: the status history is not shown, so it is
        loaded only if read (not with the row, as the relationship does elsewhere)."""
        return self.s.scalars(select(DeputyRow).where(DeputyRow.card_code == card_code)
                              .options(lazyload(DeputyRow.history))).first()

    def deputy_by_key(self, region_code: str, name: str, phone: str) -> DeputyRow | None:
        """The import key: the same person in the same region, told apart by phone."""
        return self.s.scalars(select(DeputyRow).where(
            DeputyRow.region_code == region_code, DeputyRow.name == name, DeputyRow.phone == phone)).first()

    def deputies_named(self, scope_path: str, name: str, *, region_code: str | None = None,
                       phone: str | None = None, limit: int = 2,
                       excluded: tuple[str, ...] = ()) -> list[DeputyRow]:
        """Deputies of the subtree with this name (and region or phone where given): how an
        import finds a deputy when its file lacks the 区划代码 or 联系电话 column."""
        q = select(DeputyRow).where(in_scope(DeputyRow.region_path, scope_path, excluded), DeputyRow.name == name)
        if region_code is not None:
            q = q.where(DeputyRow.region_code == region_code)
        if phone is not None:
            q = q.where(DeputyRow.phone == phone)
        return list(self.s.scalars(q.order_by(DeputyRow.id).limit(limit)))

    def deputy_key_taken(self, region_code: str, name: str, phone: str) -> bool:
        """Whether a deputy with this import key exists, without loading it."""
        return self.s.connection().execute(
            _KEY_TAKEN, {"region_code": region_code, "name": name, "phone": phone}).first() is not None

    def insert_deputy(self, deputy: dict, seats: list[dict], specialties: list[dict], history: dict) -> None:
        """A new deputy's rows (column values), one INSERT per table; seats and specialties
        as one executemany each."""
        c = self.s.connection()
        c.execute(_INSERT_DEPUTY, deputy)
        c.execute(_INSERT_SEATS, seats)   # validation guarantees one seat at least
        if specialties:
            c.execute(_INSERT_SPECIALTIES, specialties)
        c.execute(_INSERT_STATUS_CHANGE, history)

    def _deputy_query(self, f: DeputyFilter):
        q = select(DeputyRow).where(in_scope(DeputyRow.region_path, f.scope_path, f.excluded_paths))
        if f.level is not None:
            q = q.where(exists().where(SeatRow.deputy_id == DeputyRow.id, SeatRow.level == f.level))
        if f.specialty:
            q = q.where(exists().where(SpecialtyRow.deputy_id == DeputyRow.id, SpecialtyRow.specialty == f.specialty))
        if f.venue_id:
            q = q.where(exists().where(VenueMemberRow.deputy_id == DeputyRow.id, VenueMemberRow.venue_id == f.venue_id))
        if f.status is not None:
            q = q.where(DeputyRow.status == f.status)
        if f.name:
            q = q.where(DeputyRow.name.contains(f.name, autoescape=True))
        return q

    def list_deputies(self, f: DeputyFilter, page: paging.Page) -> tuple[list[DeputyRow], int, str]:
        """One page in (region path, name, id) order; the rows, the total and the next token."""
        q = self._deputy_query(f)
        total = self.s.scalars(select(func.count()).select_from(q.subquery())).one()
        order = [(DeputyRow.region_path, paging.ASC), (DeputyRow.name, paging.ASC), (DeputyRow.id, paging.ASC)]
        rows, token = paging.take(page, list(self.s.scalars(paging.keyset(q, order, page))),
                                  lambda r: (r.region_path, r.name, r.id))
        return rows, total, token

    def all_deputies(self, f: DeputyFilter) -> list[DeputyRow]:
        return list(self.s.scalars(self._deputy_query(f).order_by(DeputyRow.region_path, DeputyRow.name, DeputyRow.id)))

    # venues
    def venue(self, venue_id: str, *, field: str = "") -> VenueRow:
        row = self.s.get(VenueRow, venue_id)
        if row is None:
            raise NotFound("venue", venue_id, field)
        return row

    def venue_by_name(self, region_code: str, name: str) -> VenueRow | None:
        return self.s.scalars(select(VenueRow).where(VenueRow.region_code == region_code, VenueRow.name == name)).first()

    def venue_counts(self, venue_ids: list[str]) -> dict[str, int]:
        if not venue_ids:
            return {}
        rows = self.s.execute(select(VenueMemberRow.venue_id, func.count()).where(
            VenueMemberRow.venue_id.in_(venue_ids)).group_by(VenueMemberRow.venue_id))
        return {v: n for v, n in rows}

    def list_venues(self, scope_path: str, kind: int | None, page: paging.Page,
                    excluded: tuple[str, ...] = ()) -> tuple[list[VenueRow], int, str]:
        """One page in (region path, name, id) order; the rows, the total and the next token."""
        q = select(VenueRow).where(in_scope(VenueRow.region_path, scope_path, excluded))
        if kind is not None:
            q = q.where(VenueRow.kind == kind)
        total = self.s.scalars(select(func.count()).select_from(q.subquery())).one()
        order = [(VenueRow.region_path, paging.ASC), (VenueRow.name, paging.ASC), (VenueRow.id, paging.ASC)]
        rows, token = paging.take(page, list(self.s.scalars(paging.keyset(q, order, page))),
                                  lambda r: (r.region_path, r.name, r.id))
        return rows, total, token

    def venues_of(self, deputy_id: str) -> list[VenueRow]:
        return list(self.s.scalars(select(VenueRow).join(VenueMemberRow, VenueMemberRow.venue_id == VenueRow.id)
                                   .where(VenueMemberRow.deputy_id == deputy_id).order_by(VenueRow.name)))

    def membership(self, venue_id: str, deputy_id: str) -> VenueMemberRow | None:
        return self.s.get(VenueMemberRow, (venue_id, deputy_id))

    def unplaced_active_deputies(self, scope_path: str, active: tuple[int, ...],
                                 excluded: tuple[str, ...] = ()) -> list[DeputyRow]:
        return list(self.s.scalars(select(DeputyRow).where(
            in_scope(DeputyRow.region_path, scope_path, excluded), DeputyRow.status.in_(active),
            ~exists().where(VenueMemberRow.deputy_id == DeputyRow.id)).order_by(DeputyRow.id)))

    def venues_in(self, scope_path: str, excluded: tuple[str, ...] = ()) -> list[VenueRow]:
        return list(self.s.scalars(select(VenueRow).where(in_scope(VenueRow.region_path, scope_path, excluded))))

    # double contact
    def committee_link(self, member_id: str, deputy_id: str) -> CommitteeLinkRow | None:
        return self.s.get(CommitteeLinkRow, (member_id, deputy_id))

    def committee_links(self, *, member_id: str = "", deputy_id: str = "") -> list[CommitteeLinkRow]:
        q = select(CommitteeLinkRow)
        if member_id:
            q = q.where(CommitteeLinkRow.committee_member_id == member_id)
        if deputy_id:
            q = q.where(CommitteeLinkRow.deputy_id == deputy_id)
        return list(self.s.scalars(q.order_by(CommitteeLinkRow.committee_member_id, CommitteeLinkRow.deputy_id)))

    def count_links(self, member_id: str) -> int:
        return self.s.scalars(select(func.count()).where(CommitteeLinkRow.committee_member_id == member_id)).one()

    def household(self, household_id: str, *, field: str = "") -> VoterHouseholdRow:
        row = self.s.get(VoterHouseholdRow, household_id)
        if row is None:
            raise NotFound("voter household", household_id, field)
        return row

    def households(self, deputy_id: str) -> list[VoterHouseholdRow]:
        return list(self.s.scalars(select(VoterHouseholdRow).where(VoterHouseholdRow.deputy_id == deputy_id)
                                   .order_by(VoterHouseholdRow.household_head, VoterHouseholdRow.id)))

    def count_households(self, deputy_id: str) -> int:
        return self.s.scalars(select(func.count()).where(VoterHouseholdRow.deputy_id == deputy_id)).one()

    def limits(self, region_code: str) -> ContactLimitsRow | None:
        return self.s.get(ContactLimitsRow, region_code)

    def delete(self, row) -> None:
        self.s.delete(row)

    def add(self, row) -> None:
        self.s.add(row)
        self.s.flush()
