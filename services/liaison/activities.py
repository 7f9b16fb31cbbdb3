"""Activities (走访, 接待, 会议, 主题活动, 重大事项) and the six registers of a venue.

Use cases, each in one transaction: check the caller's role and region, apply the rules,
store the activity and write its ActivityRecorded event to the outbox, together. A call
refused for any reason writes nothing. Deputies and venues are read from the roster read
model (directory_*), which this service keeps from roster events.
"""
from __future__ import annotations

import builtins
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeVar, overload

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from services.liaison import convert, registers
from services.liaison import domain as d
from services.liaison.access import ACCESS
from services.liaison.activity_tables import ActivityDeputyRow, ActivityOpinionRow, ActivityRow
from services.liaison.cases import sees_case
from services.liaison.directory import DirectoryDeputyRow, DirectoryVenueMemberRow, DirectoryVenueRow
from services.liaison.registers import Register
from services.liaison.tables import OpinionRow, OpinionStepRow
from shared import paging, validation, wire
from shared import text as canonical
from shared.access import Scope
from shared.auth import Principal
from shared.clock import china_day, china_day_bounds, china_minute, china_today, now
from shared.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from shared.service import Runtime

MAX_TITLE = 200
MAX_NOTES = 2000
MAX_PEOPLE_REACHED = 100_000
MAX_DEPUTIES = 200
Rows = TypeVar("Rows", bound=Sequence)
MAX_OPINIONS = 500
MAX_REGISTER_ROWS = 100_000
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)
TRANSFERRED = int(d.Status.TRANSFERRED)


class Kind:
    """The kinds of activity as stored (plain ints, domain.ActivityKind's numbers)."""
    VISIT = int(d.ActivityKind.VISIT)
    RECEPTION = int(d.ActivityKind.RECEPTION)
    MEETING = int(d.ActivityKind.MEETING)
    CAMPAIGN = int(d.ActivityKind.CAMPAIGN)
    MAJOR_MATTER = int(d.ActivityKind.MAJOR_MATTER)
    ALL = (VISIT, RECEPTION, MEETING, CAMPAIGN, MAJOR_MATTER)


@overload
def parse_date(value: str, field_name: str, *, required: Literal[True]) -> date: ...
@overload
def parse_date(value: str, field_name: str, *, required: bool) -> date | None: ...


def parse_date(value: str, field_name: str, *, required: bool) -> date | None:
    """An ISO date (YYYY-MM-DD) a request gives; None when blank and not ``required``."""
    value = canonical.line(value)
    if not value:
        if required:
            raise InvalidArgument(field_name, "is required")
        return None
    if not ISO_DATE.match(value):
        raise InvalidArgument(field_name, "must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field_name, f"{value} is not a calendar date") from None


def check_period(date_from: date | None, date_to: date | None, prefix: str = "") -> None:
    if date_from and date_to and date_from > date_to:
        raise InvalidArgument(f"{prefix}date_to", "is before date_from")


check_region_code = validation.region_code
check_id = wire.require_id


def reception_days(days_of_month: str) -> frozenset[int]:
    """'5,25' -> {5, 25}; anything unreadable in the read model is ignored."""
    return frozenset(int(x) for x in (days_of_month or "").split(",") if x.strip().isdecimal())


@dataclass(frozen=True)
class ActivityDraft:
    region_code: str = ""
    venue_id: str = ""
    kind: int = 0
    date: str = ""
    title: str = ""
    deputy_ids: tuple[str, ...] = ()
    people_reached: int = 0
    opinion_ids: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Checked:
    """An activity draft after the checks that need no database."""
    region_code: str
    venue_id: str
    kind: int
    day: date
    title: str
    deputy_ids: tuple[str, ...]
    people_reached: int
    opinion_ids: tuple[str, ...]
    notes: str


# How far back a visit or reception may be dated: one term of a county or township people's
# congress (five years, 宪法 第九十八条), so an office can enter the paper registers of the
# term it is in and the one before is still reachable from the first year.
EARLIEST_YEARS_BACK = 5


def earliest_activity_day(today: date) -> date:
    """The first China day an activity may carry: 1 January, EARLIEST_YEARS_BACK years before today's year."""
    return date(today.year - EARLIEST_YEARS_BACK, 1, 1)


def validate(draft: ActivityDraft, prefix: str = "activity") -> Checked:
    if draft.kind not in Kind.ALL:
        raise InvalidArgument(f"{prefix}.kind", "is required" if not draft.kind else f"unknown value {draft.kind}")
    region = canonical.code(draft.region_code)
    if region:
        check_region_code(region, f"{prefix}.region_code")
    venue_id = check_id(draft.venue_id, f"{prefix}.venue_id") if draft.venue_id else ""
    if draft.kind == Kind.RECEPTION and not venue_id:
        raise InvalidArgument(f"{prefix}.venue_id", "is required for a reception")
    if not region and not venue_id:
        raise InvalidArgument(f"{prefix}.region_code", "is required")
    day = parse_date(draft.date, f"{prefix}.date", required=True)
    today = china_today()
    if day > today:
        raise InvalidArgument(f"{prefix}.date", "is in the future")
    if day < earliest_activity_day(today):
        # A mistyped year (0001, 1970, 2006 for 2026) would otherwise go silently into the
        # registers and the figures of a year nobody looks at.
        raise InvalidArgument(f"{prefix}.date", f"is before {earliest_activity_day(today).isoformat()}: "
                              f"a visit or reception is recorded within {EARLIEST_YEARS_BACK} years; check the year")
    title = d.text(draft.title, f"{prefix}.title", max_len=MAX_TITLE, required=True)
    notes = d.text(draft.notes, f"{prefix}.notes", max_len=MAX_NOTES)
    if not 0 <= draft.people_reached <= MAX_PEOPLE_REACHED:
        raise InvalidArgument(f"{prefix}.people_reached", f"must be 0 to {MAX_PEOPLE_REACHED}")
    deputies = _ids(draft.deputy_ids, f"{prefix}.deputy_ids", MAX_DEPUTIES)
    opinions = _ids(draft.opinion_ids, f"{prefix}.opinion_ids", MAX_OPINIONS)
    return Checked(region, venue_id, draft.kind, day, title, deputies, draft.people_reached, opinions, notes)


def _ids(values, field_name: str, limit: int) -> tuple[str, ...]:
    if len(values) > limit:
        raise InvalidArgument(field_name, f"has more than {limit} entries")
    out: list[str] = []
    for i, v in enumerate(values):
        one = check_id(v, f"{field_name}[{i}]")
        if one in out:
            raise InvalidArgument(f"{field_name}[{i}]", "appears twice")
        out.append(one)
    return tuple(out)


@dataclass(frozen=True)
class ActivityFilter:
    scope_path: str
    venue_id: str = ""
    kind: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    deputy_id: str = ""       # only the activities this deputy took part in


@dataclass
class Export:
    content_type: str
    filename: str
    content: bytes
    rows: int = 0
    extra: dict = field(default_factory=dict)


def subtree(column, path: str):
    """``column`` is ``path`` or lies below it. Paths hold digits and '/', and '0' follows '/'
    in byte order, so the descendants are exactly the range [path + '/', path + '0'): an index
    range scan under the C collation (PostgreSQL, see the migrations) and SQLite's BINARY."""
    return or_(column == path, and_(column >= path + "/", column < path + "0"))


class Activities:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    # ---- scope (who may do what: services/liaison/access.py) -----------------------
    def scope_path(self, who: Principal, region_code: str, field_name: str = "region_code",
                   action: str = "activity.read") -> str:
        """The subtree a listing covers: the caller's own region unless narrowed; a region
        outside the caller's is PERMISSION_DENIED."""
        ACCESS.scope(who, action)
        if not region_code:
            if who.region not in self.regions:
                raise PermissionDenied(f"region {who.region} is not served here")
            return self.regions.get(who.region).path
        code = check_region_code(region_code, field_name)
        self.regions.require(code, field_name)
        self.rt.deployment.require_home(code, field_name)
        self.regions.ensure_within(who.region, code)
        return self.regions.get(code).path

    def venue_in_scope(self, s: Session, who: Principal, venue_id: str, field_name: str) -> DirectoryVenueRow:
        """A venue a request names, inside the caller's region, else NOT_FOUND naming the field."""
        venue = s.get(DirectoryVenueRow, venue_id)
        # A venue of a delegated subtree is its own deployment's, even if the directory still
        # holds it from before the subtree was delegated: not found here.
        if (venue is None or not self.regions.contains(who.region, venue.region_code)
                or not self.rt.deployment.serves(venue.region_code)):
            raise NotFound("venue", venue_id, field_name)
        return venue

    def check_venue_filter(self, who: Principal, venue_id: str, field_name: str = "venue_id") -> None:
        if venue_id:
            with self.rt.transaction() as s:
                self.venue_in_scope(s, who, venue_id, field_name)

    def check_deputy_filter(self, who: Principal, deputy_id: str, field_name: str = "deputy_id") -> None:
        """A deputy a listing is narrowed to: known and inside the caller's region (served
        here), else NOT_FOUND naming the field, as every id a request names."""
        if deputy_id:
            with self.rt.transaction() as s:
                self._check_deputies(s, who, (deputy_id,), field_name)

    # ---- record -------------------------------------------------------------------
    def record(self, who: Principal, draft: ActivityDraft) -> tuple[ActivityRow, list[str]]:
        scope = ACCESS.scope(who, "activity.record")
        a = validate(draft)
        deputy_ids = a.deputy_ids
        if scope is Scope.OWN:
            # A deputy records their own visits to voters (走访选民) and the receptions they
            # held at a venue they belong to (接待选民, 人大代表接待原选区选民制度), from their
            # phone; meetings, campaigns and major matters are the venue's registers, kept by
            # its liaison officer and the office (staff).
            if a.kind not in (Kind.VISIT, Kind.RECEPTION):
                raise PermissionDenied("a deputy records only their own visits and receptions")
            if not deputy_ids:
                deputy_ids = (who.subject,)
            elif who.subject not in deputy_ids:
                raise PermissionDenied("a deputy records only visits and receptions they took part in")
        with self.rt.transaction() as s:
            venue = self.venue_in_scope(s, who, a.venue_id, "activity.venue_id") if a.venue_id else None
            if scope is Scope.OWN and a.kind == Kind.RECEPTION and venue is not None and s.get(
                    DirectoryVenueMemberRow, (venue.id, who.subject)) is None:
                # The venue is in the deputy's view (they read the region's venues), not theirs.
                raise PermissionDenied("a deputy records receptions only at a venue they belong to")
            # validate() asks for a region or a venue (a reception always names its venue).
            region = a.region_code or (venue.region_code if venue is not None else "")
            self.regions.require(region, "activity.region_code")
            self.rt.deployment.require_served(region, "activity.region_code")
            self.regions.ensure_within(who.region, region)
            self._check_deputies(s, who, deputy_ids)
            self._check_opinions(s, who, a.opinion_ids, region)
            on_schedule = (a.kind == Kind.RECEPTION and venue is not None
                           and a.day.day in reception_days(venue.days_of_month))
            row = ActivityRow(
                id=str(uuid.uuid4()), region_code=region, region_path=self.regions.get(region).path,
                venue_id=a.venue_id, kind=a.kind, date=a.day, title=a.title,
                people_reached=a.people_reached, notes=a.notes, recorded_by=who.subject,
                recorder_name=who.name, on_schedule=on_schedule, created_at=now(),
                deputies=[ActivityDeputyRow(deputy_id=x, position=i) for i, x in enumerate(deputy_ids)],
                opinions=[ActivityOpinionRow(opinion_id=x, position=i) for i, x in enumerate(a.opinion_ids)])
            s.add(row)
            s.flush()
            opinion_ids = list(a.opinion_ids)
            self.rt.outbox.add(s, convert.activity_recorded(row, opinion_ids),
                               region=region)
            return row, opinion_ids

    def _check_deputies(self, s: Session, who: Principal, ids: tuple[str, ...], field_name: str = "") -> None:
        """Deputies present: each known and inside the caller's region, else NOT_FOUND naming
        it (``field_name`` for a single id, else activity.deputy_ids[i])."""
        if not ids:
            return
        regions = dict(s.execute(select(DirectoryDeputyRow.id, DirectoryDeputyRow.region_code)
                                 .where(DirectoryDeputyRow.id.in_(ids))).all())
        for i, x in enumerate(ids):
            if (x not in regions or not self.regions.contains(who.region, regions[x])
                    or not self.rt.deployment.serves(regions[x])):
                raise NotFound("deputy", x, field_name or f"activity.deputy_ids[{i}]")

    def _check_opinions(self, s: Session, who: Principal, ids: tuple[str, ...], region: str) -> None:
        """Opinions raised: each one the caller may see, else NOT_FOUND naming it (an opinion
        outside the caller's scope is reported as unknown: its existence is not theirs to learn),
        and each about the activity's region, so no region's registers show another's cases."""
        if not ids:
            return
        rows = {r.id: r for r in s.execute(select(OpinionRow).where(OpinionRow.id.in_(ids))).scalars()}
        for i, x in enumerate(ids):
            if x not in rows or not sees_case(self.regions, who, rows[x]):
                raise NotFound("opinion", x, f"activity.opinion_ids[{i}]")
            if not self.regions.contains(region, rows[x].region_code):
                raise InvalidArgument(f"activity.opinion_ids[{i}]",
                                      f"the opinion is about region {rows[x].region_code}, not within {region}")

    # ---- read ---------------------------------------------------------------------
    def get(self, who: Principal, activity_id: str) -> tuple[ActivityRow, list[str]]:
        ACCESS.scope(who, "activity.read")
        with self.rt.transaction() as s:
            row = s.get(ActivityRow, activity_id)
            if row is None or not self.regions.contains(who.region, row.region_code):
                # Out of scope looks like absent: ids of other regions' activities are not confirmed.
                raise NotFound("activity", activity_id, "id")
            return row, opinion_ids_of(s, [row])[row.id]

    def list(self, who: Principal, f: ActivityFilter, page: paging.Page):
        """(rows, opinion ids per row, total, next page token) of one page, newest first
        ((date, created_at, id) descending; shared.paging)."""
        with self.rt.transaction() as s:
            cond = [subtree(ActivityRow.region_path, f.scope_path)]
            if f.venue_id:
                cond.append(ActivityRow.venue_id == f.venue_id)
            if f.kind:
                cond.append(ActivityRow.kind == f.kind)
            if f.date_from:
                cond.append(ActivityRow.date >= f.date_from)
            if f.date_to:
                cond.append(ActivityRow.date <= f.date_to)
            if f.deputy_id:
                cond.append(ActivityRow.id.in_(select(ActivityDeputyRow.activity_id)
                                               .where(ActivityDeputyRow.deputy_id == f.deputy_id)))
            total = s.execute(select(func.count()).select_from(ActivityRow).where(*cond)).scalar_one()
            order = [(ActivityRow.date, paging.DESC), (ActivityRow.created_at, paging.DESC),
                     (ActivityRow.id, paging.DESC)]
            rows, token = paging.take(page, list(s.execute(paging.keyset(select(ActivityRow).where(*cond), order,
                                                                         page)).scalars()),
                                      lambda r: (r.date, r.created_at, r.id))
            return rows, opinion_ids_of(s, rows), total, token

    # ---- registers ------------------------------------------------------------------
    def export_register(self, who: Principal, venue_id: str, register: Register, date_from: date | None,
                        date_to: date | None, fmt: str) -> Export:
        ACCESS.scope(who, "register.export")
        check_period(date_from, date_to)
        with self.rt.transaction() as s:
            venue = self.venue_in_scope(s, who, venue_id, "venue_id")
            if register is Register.ROSTER:
                rows = self._roster_rows(s, venue_id)
            elif register is Register.TRANSFERS:
                rows = self._transfer_rows(s, venue_id, date_from, date_to)
            else:
                kinds = {Register.MAJOR_MATTERS: (Kind.MAJOR_MATTER,), Register.MEETINGS: (Kind.MEETING,),
                         Register.RECEPTIONS: (Kind.RECEPTION,), Register.ACTIVITIES: Kind.ALL}[register]
                rows = self._activity_rows(s, venue_id, register, kinds, date_from, date_to)
        content = registers.write(register, rows, fmt)
        name = registers.filename(register, venue.region_code, venue_id, date_from, date_to, fmt)
        return Export(registers.CONTENT_TYPES[fmt], name, content, len(rows))

    @staticmethod
    def _capped(rows: Rows) -> Rows:
        if len(rows) > MAX_REGISTER_ROWS:
            raise FailedPrecondition(f"the register has more than {MAX_REGISTER_ROWS} rows: export a shorter period")
        return rows

    def _region_name(self, code: str) -> str:
        return self.regions.get(code).name if code in self.regions else ""

    def _roster_rows(self, s: Session, venue_id: str) -> builtins.list[builtins.list]:
        deputies = s.execute(
            select(DirectoryDeputyRow).join(DirectoryVenueMemberRow,
                                            DirectoryVenueMemberRow.deputy_id == DirectoryDeputyRow.id)
            .where(DirectoryVenueMemberRow.venue_id == venue_id)
            .order_by(DirectoryDeputyRow.region_path, DirectoryDeputyRow.name, DirectoryDeputyRow.id)
            .limit(MAX_REGISTER_ROWS + 1)).scalars().all()
        return self._capped([[x.name, self._region_name(x.region_code), x.region_code,
                              registers.DEPUTY_STATUS_LABELS.get(x.status, ""),
                              "" if x.card_code.startswith("-") else x.card_code] for x in deputies])

    def _activity_rows(self, s: Session, venue_id: str, register: Register, kinds, date_from, date_to):
        cond = [ActivityRow.venue_id == venue_id, ActivityRow.kind.in_(kinds)]
        if date_from:
            cond.append(ActivityRow.date >= date_from)
        if date_to:
            cond.append(ActivityRow.date <= date_to)
        acts = self._capped(list(s.execute(select(ActivityRow).where(*cond).order_by(
            ActivityRow.date, ActivityRow.created_at, ActivityRow.id).limit(MAX_REGISTER_ROWS + 1)).scalars()))
        names = self._deputy_names(s, {x.deputy_id for a in acts for x in a.deputies}
                                   | {a.recorded_by for a in acts})

        def recorder(a: ActivityRow) -> str:
            # 记录人 is a person's name, never a token subject: a deputy's name from the
            # directory (a deputy's token subject is their id), else the name the recorder's
            # token carried; a token without a name leaves the cell blank rather than a login.
            return names.get(a.recorded_by) or a.recorder_name

        def present(a: ActivityRow) -> str:
            return "、".join(names.get(x.deputy_id, x.deputy_id) for x in a.deputies)

        if register is Register.RECEPTIONS:
            opinion_ids = opinion_ids_of(s, acts)
            texts = self._opinion_texts(s, {o for ids in opinion_ids.values() for o in ids})
            return [[a.date.isoformat(), "是" if a.on_schedule else "否", present(a), a.people_reached,
                     len(opinion_ids[a.id]),
                     "；".join(texts[o] for o in opinion_ids[a.id] if o in texts), a.notes] for a in acts]
        if register is Register.ACTIVITIES:
            return [[a.date.isoformat(), registers.ACTIVITY_KIND_LABELS.get(a.kind, ""), a.title, present(a),
                     a.people_reached, recorder(a), a.notes] for a in acts]
        return [[a.date.isoformat(), a.title, present(a), a.people_reached, recorder(a), a.notes] for a in acts]

    @staticmethod
    def _deputy_names(s: Session, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        return dict(s.execute(select(DirectoryDeputyRow.id, DirectoryDeputyRow.name)
                              .where(DirectoryDeputyRow.id.in_(ids))).all())

    @staticmethod
    def _opinion_texts(s: Session, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        out = {}
        for oid, category, text in s.execute(select(OpinionRow.id, OpinionRow.category, OpinionRow.text)
                                             .where(OpinionRow.id.in_(ids))):
            out[oid] = f"【{category}】{text}" if category else text
        return out

    def _transfer_rows(self, s: Session, venue_id: str, date_from, date_to) -> builtins.list[builtins.list]:
        """Opinions of the venue, or raised to one of its deputies, that went to a department;
        dated (and filtered) by the day of their first transfer, China time."""
        first = (select(OpinionStepRow.opinion_id, func.min(OpinionStepRow.at).label("at"))
                 .where(OpinionStepRow.status == TRANSFERRED).group_by(OpinionStepRow.opinion_id).subquery())
        members = select(DirectoryVenueMemberRow.deputy_id).where(DirectoryVenueMemberRow.venue_id == venue_id)
        cond = [or_(OpinionRow.venue_id == venue_id, OpinionRow.deputy_id.in_(members))]
        start, end = china_day_bounds(date_from, date_to)
        if start is not None:
            cond.append(first.c.at >= start)
        if end is not None:
            cond.append(first.c.at < end)
        rows = self._capped(s.execute(
            select(OpinionRow, first.c.at).join(first, first.c.opinion_id == OpinionRow.id).where(*cond)
            .order_by(first.c.at, OpinionRow.id).limit(MAX_REGISTER_ROWS + 1)).all())
        return [[china_day(at).isoformat(), china_day(o.raised_at).isoformat(), o.category, o.text,
                 o.transfer_department_name or o.transfer_department,
                 china_day(o.transfer_deadline).isoformat() if o.transfer_deadline else "",
                 o.transfer_reply, china_minute(o.transfer_replied_at),
                 registers.OPINION_STATUS_LABELS.get(o.status, "")] for o, at in rows]


def opinion_ids_of(s: Session, acts: list[ActivityRow]) -> dict[str, list[str]]:
    """Opinions raised at each activity: those named when it was recorded, then those recorded
    later that point back to it (opinions.activity_id), each once."""
    out: dict[str, list[str]] = {a.id: [x.opinion_id for x in a.opinions] for a in acts}
    if acts:
        later = s.execute(select(OpinionRow.activity_id, OpinionRow.id)
                          .where(OpinionRow.activity_id.in_(list(out)))
                          .order_by(OpinionRow.raised_at, OpinionRow.id)).all()
        for activity_id, opinion_id in later:
            if opinion_id not in out[activity_id]:
                out[activity_id].append(opinion_id)
    return out

