"""Evaluation's figures per region subtree and year, rolled up to the prefecture from every
tier's evaluation events (issue 10 §4): funds allocated, spent, paid as subsidies and spent
over budget; the satisfaction vote's, rectifications', inquiries' and points' counters join
as their events land.

Every deployment publishes its evaluation events on the one topic and consumes it (its own
events included): the events about regions of its home subtree become facts in rollup_facts,
one row per fact and counter, keyed by what the fact is about ("budget:<id>",
"spending:<id>"). A fact is set, never added to: a redelivered event writes the same value
again (the inbox drops it first anyway), and a later event about the same thing (a budget
drawn up again) replaces the value, unless it is older than the one stored (``at``). A query
sums a counter over a subtree's facts for a year. So a prefecture's figures are the events of
every tier below it, never their databases.

The counters (a region subtree's year; rates are ratios of two counters, so that they roll up):
  funds_allocated_fen, funds_spent_fen, funds_subsidy_fen, funds_over_fen: activity funding;
  satisfaction_votes, satisfaction_projects and satisfaction_satisfied /
  _basically_satisfied / _unsatisfied: published satisfaction votes (the rate of a subtree is
  satisfied / projects, the seed's 18 of 20 = 90%);
  rectifications_required, rectifications_completed: projects needing rectification, and done;
  inquiries, interpellations: 询问 and 质询 held (the year of their day);
  constituent_reports: deputies' reports to constituents (述职) recorded;
  points_l<level>_<band>, flagged_l<level>_inactive, flagged_l<level>_no_report: published
  rankings (RankingPublished): deputies of each congress level (3 prefecture, 4 county, 5
  township, ...) per points band, bands 0, 1_9 (0.01-9.99), 10_19, 20_49 and 50_plus points,
  and deputies flagged inactive / without a report to constituents this term. Kept per (level,
  year, deputies' region), so a republication, or a ranking published both by a county and by
  its prefecture, replaces the counts instead of adding to them.

Adding counters: one function per event class returning ``Fact``s under counter names of its
own (at most MAX_COUNTER characters: the column's width), listed in ``FACTS``; no table change.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import structlog
from lianxin.evaluation.v1 import events_pb2 as eev
from sqlalchemy import BigInteger, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.evaluation.access import ACCESS
from services.evaluation.domain import InquiryKind, percent_text
from services.evaluation.store import in_subtree
from services.evaluation.tables import Base
from shared import validation
from shared.auth import Principal
from shared.bus import Envelope
from shared.clock import china_day, china_today, utc
from shared.db import UtcDateTime
from shared.errors import InvalidArgument
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer
from shared.tenancy import RegionTree

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_FACT, MAX_COUNTER = 80, 40     # the widths of rollup_facts.fact and .counter


class RollupFactRow(Base):
    """One counter's value for one fact (a budget, a spending, ...) of a region and year."""
    __tablename__ = "rollup_facts"
    fact: Mapped[str] = mapped_column(String(MAX_FACT), primary_key=True)
    counter: Mapped[str] = mapped_column(String(MAX_COUNTER), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_rollup_facts_year_region_path", "year", "region_path"),)


@dataclass(frozen=True)
class Fact:
    fact: str
    counter: str
    region_code: str
    year: int
    value: int


# ---- funding (经费) ---------------------------------------------------------------------------

def budget_facts(e: eev.BudgetAllocated) -> list[Fact]:
    b = e.budget
    return [Fact(f"budget:{b.id}", "funds_allocated_fen", b.region_code, b.year, b.allocated_fen)]


def spending_facts(e: eev.SpendingRecorded) -> list[Fact]:
    sp = e.spending
    counter = "funds_subsidy_fen" if sp.subsidy_days else "funds_spent_fen"
    out = [Fact(f"spending:{sp.id}", counter, e.region_code, e.year, sp.amount_fen)]
    if sp.over_fen:
        out.append(Fact(f"spending:{sp.id}", "funds_over_fen", e.region_code, e.year, sp.over_fen))
    return out


# ---- the satisfaction vote, rectification, inquiries (满意度测评, 整改, 询问/质询) ------------------

def vote_facts(e: eev.SatisfactionResultPublished) -> list[Fact]:
    v = e.vote
    key = f"vote:{v.id}"
    return [Fact(key, counter, v.region_code, v.year, value) for counter, value in (
        ("satisfaction_votes", 1), ("satisfaction_projects", len(v.projects)),
        ("satisfaction_satisfied", v.satisfied_projects),
        ("satisfaction_basically_satisfied", v.basically_satisfied_projects),
        ("satisfaction_unsatisfied", v.unsatisfied_projects))]


def rectification_facts(counter: str) -> Callable:
    def facts(e) -> list[Fact]:
        r = e.rectification
        return [Fact(f"rectification:{r.id}", counter, r.region_code, r.year, 1)]
    return facts


def _year_of(day: str, env: Envelope) -> int:
    try:
        return date.fromisoformat(day).year
    except ValueError:
        return china_day(env.time).year


def inquiry_facts(e: eev.InquiryOpened, env: Envelope) -> list[Fact]:
    q = e.inquiry
    counter = "interpellations" if q.kind == InquiryKind.INTERPELLATION else "inquiries"
    return [Fact(f"inquiry:{q.id}", counter, q.region_code, _year_of(q.held_on, env), 1)]


def constituent_report_facts(e: eev.ConstituentReportRecorded, env: Envelope) -> list[Fact]:
    key = f"constituent_report:{e.deputy_id}:{e.held_on}"     # one report of a deputy a day
    return [Fact(key, "constituent_reports", e.region_code, _year_of(e.held_on, env), 1)]


# ---- published rankings (活跃度排名): points distribution, deputies flagged -----------------------

BANDS = ("0", "1_9", "10_19", "20_49", "50_plus")     # as RankingRegionCounts.bands


def ranking_facts(e: eev.RankingPublished) -> list[Fact]:
    out = []
    for r in e.regions:
        key = f"ranking:{e.level}:{e.year}:{r.region_code}"
        values = [(f"points_l{e.level}_{band}", n) for band, n in zip(BANDS, r.bands, strict=False)]
        values += [(f"flagged_l{e.level}_inactive", r.flagged_inactive),
                   (f"flagged_l{e.level}_no_report", r.flagged_no_report)]
        out += [Fact(key, counter, r.region_code, e.year, n) for counter, n in values]
    return out


# Event class -> its facts: fn(event) or fn(event, envelope) (when the envelope is needed).
FACTS: dict[type, Callable] = {
    eev.BudgetAllocated: budget_facts,
    eev.SpendingRecorded: spending_facts,
    eev.SatisfactionResultPublished: vote_facts,
    eev.RectificationRequired: rectification_facts("rectifications_required"),
    eev.RectificationCompleted: rectification_facts("rectifications_completed"),
    eev.InquiryOpened: inquiry_facts,
    eev.ConstituentReportRecorded: constituent_report_facts,
    eev.RankingPublished: ranking_facts,
}
WITH_ENVELOPE = frozenset({inquiry_facts, constituent_report_facts})


class RollupHandler:
    """Consumer handler: sets one event's facts, in the consumer's transaction."""

    def __init__(self, regions: RegionTree, home_region: str):
        self.regions = regions
        self.home_region = home_region
        self.log = structlog.get_logger("evaluation.rollup")

    def put(self, s: Session, facts: list[Fact], env: Envelope) -> None:
        at = utc(env.time)
        for x in facts:
            if x.region_code not in self.regions or not self.regions.contains(self.home_region, x.region_code):
                self.log.debug("rollup.outside_home", event_id=env.id, region=x.region_code, home=self.home_region)
                continue
            # Locked: this deployment's own facts are also set by the use case that writes the
            # event (put_own), so a redelivered older event waits for it and then sees it is older.
            row = s.get(RollupFactRow, (x.fact, x.counter), with_for_update=True)
            if row is None:
                s.add(RollupFactRow(fact=x.fact, counter=x.counter, region_code=x.region_code,
                                    region_path=self.regions.get(x.region_code).path, year=x.year, value=x.value,
                                    at=at))
            elif utc(row.at) <= at:
                row.region_code, row.region_path = x.region_code, self.regions.get(x.region_code).path
                row.year, row.value, row.at = x.year, x.value, at
        s.flush()

    def table(self) -> dict[type, EventHandler]:
        def handler(facts_of: Callable) -> EventHandler:
            if facts_of in WITH_ENVELOPE:
                return lambda s, e, env: self.put(s, facts_of(e, env), env)
            return lambda s, e, env: self.put(s, facts_of(e), env)
        return {cls: handler(fn) for cls, fn in FACTS.items()}


def put_own(runtime: Runtime, s: Session, message, env: Envelope) -> None:
    """The facts of an event this deployment writes (``env``: its outbox envelope), set in the
    same transaction: the office that records a spending or draws up budgets reads them in the
    report at once, not when the event has come back over the bus. When it does come back the
    consumer sets the same values again (a fact is set, never added), so nothing counts twice."""
    facts_of = FACTS[type(message)]
    facts = facts_of(message, env) if facts_of in WITH_ENVELOPE else facts_of(message)
    RollupHandler(runtime.regions, runtime.settings.home_region).put(s, facts, env)


def rollup_consumer(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"evaluation-rollup-{runtime.settings.home_region}",
                          RollupHandler(runtime.regions, runtime.settings.home_region).table())


def _sums(s: Session, path: str, year: int) -> dict[str, int]:
    r = RollupFactRow
    return {counter: int(total) for counter, total in s.execute(
        select(r.counter, func.coalesce(func.sum(r.value), 0))
        .where(r.year == year, in_subtree(r.region_path, path)).group_by(r.counter))}


def figures(s: Session, regions: RegionTree, code: str, year: int) -> tuple[dict[str, int], list[tuple[str, dict]]]:
    """The counters of ``code``'s subtree for ``year``, and of each child region's subtree in
    code order."""
    total = _sums(s, regions.get(code).path, year)
    children = [(c.code, _sums(s, c.path, year)) for c in sorted(regions.children(code), key=lambda c: c.code)]
    return total, children


def satisfaction_rate(counters: dict[str, int]) -> str:
    """总体满意率 of the published votes counted: projects rated 满意 / projects rated, percent with
    two places ("90.00", the seed's 18 of 20), exact; "" when no project was rated."""
    projects = counters.get("satisfaction_projects", 0)
    if projects <= 0:
        return ""
    return percent_text(Decimal(counters.get("satisfaction_satisfied", 0)) * 100 / Decimal(projects))


@dataclass(frozen=True)
class Rollup:
    """A region subtree's year: (code, name, counters) in total, per child region's subtree (code
    order) and of the region's own level (本级: the total less its children, so rows add up)."""
    year: int
    total: tuple[str, str, dict[str, int]]
    regions: list[tuple[str, str, dict[str, int]]]
    own: tuple[str, str, dict[str, int]]


class Rollups:
    """GetRollup: every counter of a region subtree's year, in total, per child region and own."""

    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    def get(self, who: Principal, region_code: str, year: int) -> Rollup:
        """The figures of a region (the caller's by default) and year (this year by default),
        from every tier's events."""
        ACCESS.scope(who, "rollup.read")
        code = validation.region_code(region_code, "region_code") if region_code else who.region
        self.regions.require(code, "region_code")
        self.rt.deployment.require_home(code, "region_code")
        self.regions.ensure_within(who.region, code)
        if year and not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidArgument("year", f"must be a year between {MIN_YEAR} and {MAX_YEAR}")
        year = year or china_today().year
        with self.rt.transaction() as s:
            total, children = figures(s, self.regions, code, year)
        own = {k: v - sum(x.get(k, 0) for _, x in children) for k, v in total.items()}
        name = self.regions.get(code).name
        return Rollup(year, (code, name, total), [(c, self.regions.get(c).name, x) for c, x in children],
                      (code, f"{name}本级", {k: v for k, v in own.items() if v}))
