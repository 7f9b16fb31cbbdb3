"""Supervision's figures per region subtree and year, rolled up from the supervision events of
every deployment (issue 9 §4), never from another deployment's database.

Every deployment publishes on lianxin.supervision.v1 and consumes it (its own events
included); it counts the events about regions inside its home subtree, so a prefecture sees
its counties' and townships' figures, a county its townships'. Two read models:

figure_projects, one row per project as it last stood: ProjectOpened adds it (on schedule
until swept), ProjectStanding (the lateness sweep's, on a change) sets its standing (on
schedule, late, finished) and its overdue milestones. Events of one region share a Kafka key,
so they arrive in the order they were published.

figure_items, one row per deputy's bill or suggestion as it last stood (every item event
carries the whole item): its kind once registered, its latest reply's class (A/B/C) and that
reply's rating.

figure_counts, a counter per (region, year, name), added to:
  LetterIssued -> letters_issued (and letters_from_above for the tier above's), the letter's
  region and year; LetterAnswered -> letters_answered (the letter's region and year);
  InspectionRecorded -> inspections_held and problems_found (the year it was held);
  ProblemSolved -> problems_solved (the year of the China day it was solved, whatever the
    inspection's year: the annual work report's rule, as GetInspectionCounts counts);
  OrganMeetingHeld -> meetings_held (the year of the meeting's day).
A new figure is an entry in RollupHandler.table() for the event that carries it, calling
``count`` with the region, year and names (COUNTED lists every name the query answers).

Exactly once: the consumer records each event id in its inbox in the same transaction as the
counter update (shared.service), so a redelivered event changes nothing; the project rows
are set, not added to, so a repeated standing cannot count twice either.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import structlog
from lianxin.supervision.v1 import events_pb2 as ev
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.supervision import bills_domain as b
from services.supervision import domain as d
from services.supervision.access import ACCESS
from services.supervision.projects import Projects
from services.supervision.store import in_subtree
from services.supervision.tables import FigureCountRow, FigureItemRow, FigureProjectRow
from shared.auth import Principal
from shared.bus import Envelope
from shared.clock import china_day
from shared.db import table_of
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer

# Every counted figure (figure_counts names), in the order of SupervisionFigures.
COUNTED = ("letters_issued", "letters_answered", "letters_from_above", "inspections_held", "problems_found",
           "problems_solved", "bills_received", "suggestions_received", "replies_a", "replies_b", "replies_c",
           "rated_satisfied", "meetings_held")
_COUNTS = table_of(FigureCountRow)
_PROJECTS = table_of(FigureProjectRow)
_ITEMS = table_of(FigureItemRow)
S = d.ProjectStandingKind


def _day(stamp, fallback: datetime) -> date:
    at = stamp.ToDatetime(tzinfo=timezone.utc) if stamp.seconds or stamp.nanos else fallback
    return china_day(at)


def _year_of(text: str) -> int:
    try:
        return date.fromisoformat(text).year
    except ValueError:
        return 0


class RollupHandler:
    def __init__(self, runtime: Runtime):
        self.regions = runtime.regions
        self.home = runtime.settings.home_region
        self.log = structlog.get_logger("supervision.rollup")

    def _path(self, region: str, env: Envelope) -> str | None:
        if region not in self.regions or not self.regions.contains(self.home, region):
            self.log.debug("rollup.outside_home", event_id=env.id, region=region, home=self.home)
            return None
        return self.regions.get(region).path

    def count(self, s: Session, env: Envelope, region: str, year: int, counters: dict[str, int]) -> None:
        """Adds ``counters`` (name -> n) to the (region, year) figures: an upsert per name."""
        path = self._path(region, env)
        counters = {k: v for k, v in counters.items() if v}
        if path is None or not 2000 <= year <= 2100 or not counters:
            return
        conn = s.connection()
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(_COUNTS)
        stmt = stmt.on_conflict_do_update(index_elements=[_COUNTS.c.region_code, _COUNTS.c.year, _COUNTS.c.name],
                                          set_={"value": _COUNTS.c.value + stmt.excluded.value})
        conn.execute(stmt, [{"region_code": region, "year": year, "name": k, "region_path": path, "value": v}
                            for k, v in counters.items()])

    def project(self, s: Session, env: Envelope, project_id: str, region: str, year: int,
                standing: int | None = None, late: int = 0) -> None:
        """A project's row: added when opened; its standing set when one arrives."""
        path = self._path(region, env)
        if path is None or not project_id:
            return
        conn = s.connection()
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        values: dict[str, Any] = {"project_id": project_id, "region_code": region, "region_path": path,
                                  "year": year, "standing": standing or 0, "milestones_late": late}
        stmt = insert(_PROJECTS).values(**values)
        if standing is None:
            stmt = stmt.on_conflict_do_nothing(index_elements=[_PROJECTS.c.project_id])
        else:
            stmt = stmt.on_conflict_do_update(index_elements=[_PROJECTS.c.project_id],
                                              set_={"standing": standing, "milestones_late": late})
        conn.execute(stmt)

    def item(self, s: Session, e, env: Envelope) -> None:
        """An item's row set from the item an event carries: counted once registered."""
        x = e.item
        path = self._path(x.region_code, env)
        if path is None or not x.id or not x.kind:
            return
        last = max(x.replies, key=lambda r: r.round, default=None)
        values = {"kind": x.kind, "reply_class": last.reply_class if last else 0, "rating": last.rating if last else 0}
        conn = s.connection()
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(insert(_ITEMS).values(item_id=x.id, region_code=x.region_code, region_path=path, year=x.year,
                                           **values)
                     .on_conflict_do_update(index_elements=[_ITEMS.c.item_id], set_=values))

    def _letter(self, s: Session, e, env: Envelope, name: str) -> None:
        x = e.letter
        counters = {name: 1}
        if name == "letters_issued" and x.origin_region:
            counters["letters_from_above"] = 1
        self.count(s, env, x.region_code, x.year or _year_of(x.reply_by), counters)

    def _inspection(self, s: Session, e: ev.InspectionRecorded, env: Envelope) -> None:
        i = e.inspection
        self.count(s, env, i.region_code, _year_of(i.held_on),
                   {"inspections_held": 1, "problems_found": len(i.problems)})

    def table(self) -> dict[type, EventHandler]:
        return {
            ev.ProjectOpened: lambda s, e, env: self.project(s, env, e.project.id, e.project.region_code,
                                                             e.project.year),
            ev.ProjectStanding: lambda s, e, env: self.project(s, env, e.project_id, e.region_code, e.year,
                                                               e.standing, e.milestones_late),
            ev.LetterIssued: lambda s, e, env: self._letter(s, e, env, "letters_issued"),
            ev.LetterAnswered: lambda s, e, env: self._letter(s, e, env, "letters_answered"),
            ev.InspectionRecorded: self._inspection,
            ev.ProblemSolved: lambda s, e, env: self.count(s, env, e.region_code,
                                                           _day(e.problem.solved_at, env.time).year,
                                                           {"problems_solved": 1}),
            **{cls: self.item for cls in (ev.ItemRegistered, ev.ItemAssigned, ev.FourInPlaceRecorded,
                                          ev.ItemMeetingRecorded, ev.ItemReplied, ev.ItemRated)},
            ev.OrganMeetingHeld: lambda s, e, env: self.count(s, env, e.meeting.region_code,
                                                              _year_of(e.meeting.meeting_on), {"meetings_held": 1}),
        }


def rollup_consumer(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"supervision-rollup-{runtime.settings.home_region}", RollupHandler(runtime).table())


# ---- the query ----------------------------------------------------------------------------

@dataclass
class Figures:
    region_code: str
    region_name: str = ""
    projects: int = 0
    projects_on_schedule: int = 0
    projects_late: int = 0
    projects_finished: int = 0
    milestones_late: int = 0
    counted: dict[str, int] = field(default_factory=dict)

    def add(self, standing: int, n: int, late: int) -> None:
        self.projects += n
        self.milestones_late += late
        if standing == S.FINISHED:
            self.projects_finished += n
        elif standing == S.LATE:
            self.projects_late += n
        else:   # on schedule, or not swept yet (nothing known late)
            self.projects_on_schedule += n

    def bump(self, name: str, n: int) -> None:
        if name in COUNTED:   # a counter this version does not answer yet stays in the table
            self.counted[name] = self.counted.get(name, 0) + n


@dataclass
class Statistics:
    year: int
    own: Figures
    total: Figures
    children: list[Figures]


def _item_figures(kind: int, reply_class: int, rating: int) -> list[str]:
    """The counters one item adds to: received as a bill or a suggestion, its latest reply's
    class, satisfied with it."""
    out = ["bills_received" if kind == b.ItemKind.BILL else "suggestions_received"]
    out += {int(b.ReplyClass.A): ["replies_a"], int(b.ReplyClass.B): ["replies_b"],
            int(b.ReplyClass.C): ["replies_c"]}.get(reply_class, [])
    if rating == b.ReplyRating.SATISFIED:
        out.append("rated_satisfied")
    return out


def statistics(runtime: Runtime, who: Principal, region_code: str, year: int) -> Statistics:
    """The figures of ``region_code``'s subtree (default: the caller's region) in ``year``:
    its own tier's, the whole subtree's and each child region's subtree, read from the
    roll-up only (a delegated subtree's included: its events arrive here). Errors:
    PERMISSION_DENIED (role; a region outside the caller's), INVALID_ARGUMENT naming
    region_code or year."""
    ACCESS.scope(who, "statistics.read")
    code = Projects(runtime)._region_filter(who, region_code)
    year = d.check_year(year)
    regions = runtime.regions
    root = regions.get(code)
    own, total = Figures(code, root.name), Figures(code, root.name)
    children = [Figures(c.code, c.name) for c in regions.children(code)]
    child_paths = [(regions.get(c.region_code).path, c) for c in children]

    def targets(path: str) -> list[Figures]:
        if path == root.path:
            return [total, own]
        return [total] + [f for p, f in child_paths if path == p or path.startswith(p + "/")]

    p, c, i = _PROJECTS.c, _COUNTS.c, _ITEMS.c
    with runtime.engine.connect() as conn:
        for path, standing, n, late in conn.execute(
                select(p.region_path, p.standing, func.count(), func.coalesce(func.sum(p.milestones_late), 0))
                .where(in_subtree(p.region_path, root.path), p.year == year).group_by(p.region_path, p.standing)):
            for f in targets(path):
                f.add(int(standing), int(n), int(late))
        for path, name, n in conn.execute(
                select(c.region_path, c.name, func.sum(c.value))
                .where(in_subtree(c.region_path, root.path), c.year == year).group_by(c.region_path, c.name)):
            for f in targets(path):
                f.bump(name, int(n))
        for path, kind, reply_class, rating, n in conn.execute(
                select(i.region_path, i.kind, i.reply_class, i.rating, func.count())
                .where(in_subtree(i.region_path, root.path), i.year == year)
                .group_by(i.region_path, i.kind, i.reply_class, i.rating)):
            for f in targets(path):
                for name in _item_figures(int(kind), int(reply_class), int(rating)):
                    f.bump(name, int(n))
    return Statistics(year=year, own=own, total=total, children=children)
