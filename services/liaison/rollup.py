"""Figures for a region subtree and a period, rolled up from every tier's events.

Every deployment publishes its liaison events on the one topic lianxin.liaison.v1. Each
deployment also consumes that topic (its own events included) and counts the events about
regions inside its home subtree into rollup_daily, per (region, day); a prefecture so sees
its counties' and townships' figures without ever reading their databases, a county its
townships'. Events about regions outside the home subtree are ignored.

What is counted:
  OpinionStepRecorded, only when linked is false (a linked case, opened at an upper tier by
  escalation, is the same opinion: it is counted once, by the original case):
    RAISED -> opinions_raised (on the day it was raised), ANSWERED -> answered,
    TRANSFERRED -> transferred, RESOLVED -> resolved and one more case in the
    days-to-resolve histogram, ESCALATED -> escalated;
    a step carrying a rating 1..5 -> ratings, rating_sum, rating_<n>.
  ActivityRecorded: VISIT -> visits, RECEPTION -> receptions; people_reached of every kind.

Days are calendar days in China Standard Time (UTC+8): a step at 2026-03-01T17:30Z is
counted on 2026-03-02. An activity is counted on its own date (already a local date).

The query (``statistics``) sums those rows over a subtree and a period, in total, per calendar
month and per child region (a prefecture's counties, a county's townships), and bands the
days to resolve; it reads only the roll-up, so a prefecture's figures are the events of every
tier below it, never their databases.

Exactly once: the consumer records each event id in its inbox in the same transaction as
the counter update, so a redelivered event changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import structlog
from lianxin.liaison.v1 import events_pb2 as ev
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.liaison import domain as d
from services.liaison.access import ACCESS
from services.liaison.activities import check_region_code, parse_date, subtree
from services.liaison.activity_tables import COUNTERS, RollupDailyRow, RollupResolveDaysRow, RollupResolveMonthsRow
from shared import text as canonical
from shared.auth import Principal
from shared.bus import Envelope
from shared.clock import china_day
from shared.db import table_of
from shared.errors import InvalidArgument, PermissionDenied
from shared.service import ConsumedTopic, EventHandler, Runtime, dispatch, event_consumer
from shared.tenancy import RegionTree

VISIT, RECEPTION = d.ActivityKind.VISIT, d.ActivityKind.RECEPTION
MAX_PERIOD_DAYS = 366 * 20

_STEP_COUNTERS = {
    d.Status.ANSWERED: "answered",
    d.Status.TRANSFERRED: "transferred",
    d.Status.RESOLVED: "resolved",
    d.Status.ESCALATED: "escalated",
}

_DAILY = table_of(RollupDailyRow)
_RESOLVE = table_of(RollupResolveDaysRow)
_RESOLVE_MONTHS = table_of(RollupResolveMonthsRow)


@dataclass(frozen=True)
class Bump:
    """Counter increments for one (day); resolve_days is a histogram entry to add, if any."""
    day: date
    counters: dict[str, int]
    resolve_days: int | None = None


def _stamp(stamp) -> datetime | None:
    """A protobuf Timestamp as an instant; None when unset (zero)."""
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=timezone.utc)


def _when(stamp, fallback: datetime) -> datetime:
    return _stamp(stamp) or fallback


def count_step(step: ev.OpinionStepRecorded, event_time: datetime) -> list[Bump]:
    """What one case step adds to the figures (pure; see the module doc)."""
    if step.linked:
        return []
    at = _when(step.at, event_time)
    raised_at = _stamp(step.raised_at) if step.HasField("raised_at") else None
    out: list[Bump] = []
    status = step.status
    if status == d.Status.RAISED:
        out.append(Bump(china_day(raised_at or at), {"opinions_raised": 1}))
    elif status in _STEP_COUNTERS:
        name = _STEP_COUNTERS[d.Status(status)]
        days = d.days_to_resolve(raised_at, at) if status == d.Status.RESOLVED and raised_at else None
        out.append(Bump(china_day(at), {name: 1}, days))
    if 1 <= step.rating <= 5:
        out.append(Bump(china_day(at), {"ratings": 1, "rating_sum": step.rating, f"rating_{step.rating}": 1}))
    return out


def count_activity(a) -> list[Bump]:
    """What one recorded activity adds (pure). Malformed dates count nothing."""
    try:
        day = date.fromisoformat(a.date)
    except ValueError:
        return []
    counters: dict[str, int] = {}
    if a.kind == VISIT:
        counters["visits"] = 1
    elif a.kind == RECEPTION:
        counters["receptions"] = 1
    if a.people_reached > 0:
        counters["people_reached"] = a.people_reached
    return [Bump(day, counters)] if counters else []


class RollupHandler:
    """Consumer handler: adds one event's counts, in the consumer's transaction."""

    def __init__(self, regions: RegionTree, home_region: str):
        self.regions = regions
        self.home_region = home_region
        self.log = structlog.get_logger("liaison.rollup")

    def table(self) -> dict[type, EventHandler]:
        """Escalations and outcomes carry no figures of their own; steps and activities do."""
        return {
            ev.OpinionStepRecorded: lambda s, step, env: self._add(s, step.region_code, count_step(step, env.time), env),
            ev.ActivityRecorded: lambda s, e, env: self._add(s, e.activity.region_code, count_activity(e.activity),
                                                             env),
        }

    def __call__(self, session: Session, env: Envelope) -> None:
        dispatch(self.table(), session, env)

    def _add(self, session: Session, region: str, bumps: list[Bump], env: Envelope) -> None:
        if not bumps:
            return
        if region not in self.regions or not self.regions.contains(self.home_region, region):
            self.log.debug("rollup.outside_home", event_id=env.id, region=region, home=self.home_region)
            return
        path = self.regions.get(region).path
        for b in bumps:
            add(session, region, path, b)


# Upserts built once per (dialect, table, counters) and executed with bound parameters:
# SQLAlchemy then reuses their compiled form instead of building one per event.
_UPSERTS: dict[tuple, Any] = {}


def _daily_upsert(dialect: str, names: tuple[str, ...]):
    key = (dialect, "daily", names)
    stmt = _UPSERTS.get(key)
    if stmt is None:
        stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(_DAILY)
        stmt = _UPSERTS[key] = stmt.on_conflict_do_update(
            index_elements=[_DAILY.c.region_code, _DAILY.c.day],
            set_={c: _DAILY.c[c] + stmt.excluded[c] for c in names})
    return stmt


def _histogram_upsert(dialect: str, table, period: str):
    key = (dialect, table.name)
    stmt = _UPSERTS.get(key)
    if stmt is None:
        stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        stmt = _UPSERTS[key] = stmt.on_conflict_do_update(
            index_elements=[table.c.region_code, table.c[period], table.c.days],
            set_={"count": table.c.count + 1})
    return stmt


def add(session: Session, region: str, path: str, b: Bump) -> None:
    """Upsert: adds to the (region, day) row, creating it at zero first."""
    conn = session.connection()
    dialect = conn.dialect.name
    if b.counters:
        conn.execute(_daily_upsert(dialect, tuple(sorted(b.counters))),
                     {"region_code": region, "day": b.day, "region_path": path, **b.counters})
    if b.resolve_days is not None:
        conn.execute(_histogram_upsert(dialect, _RESOLVE, "day"),
                     {"region_code": region, "day": b.day, "days": b.resolve_days, "region_path": path, "count": 1})
        conn.execute(_histogram_upsert(dialect, _RESOLVE_MONTHS, "month"),
                     {"region_code": region, "month": b.day.replace(day=1), "days": b.resolve_days,
                      "region_path": path, "count": 1})


def rollup_consumer(runtime: Runtime) -> ConsumedTopic:
    home = runtime.settings.home_region
    return event_consumer(f"liaison-rollup-{home}", RollupHandler(runtime.regions, home).table())


# ---- the query ----------------------------------------------------------------------

# The counted figures a month or a child region has of its own (Figures).
FIGURES = ("visits", "receptions", "people_reached", "opinions_raised", "answered", "transferred", "resolved",
           "escalated")
# Bands of days to resolve (raised -> resolved, whole days), both ends inclusive, None = no end:
# a first week, then the tiers' default deadlines (15/30/60 days: settings escalation_days).
RESOLVE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 7), (8, 15), (16, 30), (31, 60), (61, None))


@dataclass(frozen=True)
class Figures:
    visits: int = 0
    receptions: int = 0
    people_reached: int = 0
    opinions_raised: int = 0
    answered: int = 0
    transferred: int = 0
    resolved: int = 0
    escalated: int = 0
    median_days_to_resolve: float = 0.0


@dataclass(frozen=True)
class MonthFigures:
    month: str          # YYYY-MM, China time
    figures: Figures


@dataclass(frozen=True)
class RegionFigures:
    region_code: str
    region_name: str
    figures: Figures


@dataclass(frozen=True)
class Band:
    min_days: int
    max_days: int | None
    cases: int


@dataclass(frozen=True)
class Statistics:
    region_code: str
    date_from: str
    date_to: str
    visits: int = 0
    receptions: int = 0
    people_reached: int = 0
    opinions_raised: int = 0
    answered: int = 0
    transferred: int = 0
    resolved: int = 0
    escalated: int = 0
    median_days_to_resolve: float = 0.0
    ratings: int = 0
    average_rating: float = 0.0
    rating_counts: tuple[int, ...] = (0, 0, 0, 0, 0)
    region_name: str = ""
    months: tuple[MonthFigures, ...] = ()
    regions: tuple[RegionFigures, ...] = ()
    resolve_days: tuple[Band, ...] = ()


def median_of_histogram(histogram: list[tuple[int, int]]) -> float:
    """Median of a multiset given as (value, count) sorted by value; 0 when empty. An even
    count gives the mean of the two middle values."""
    n = sum(c for _, c in histogram)
    if n == 0:
        return 0.0
    def value_at(rank: int) -> int:   # 0-based, rank < n
        seen = 0
        for value, count in histogram:
            seen += count
            if rank < seen:
                return value
        raise ValueError(f"rank {rank} beyond the histogram's {n} values")

    lo_rank, hi_rank = (n - 1) // 2, n // 2   # 0-based ranks of the middle value(s)
    return (value_at(lo_rank) + value_at(hi_rank)) / 2


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """[first, after): the calendar months lying wholly inside [start, end], or None."""
    first = start if start.day == 1 else _next_month(start)
    after = _next_month(end) if _next_month(end) - timedelta(days=1) == end else end.replace(day=1)
    return (first, after) if first < after else None


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _months(start: date, end: date) -> list[date]:
    """The first day of each calendar month from ``start``'s to ``end``'s, both included."""
    out, m = [], _month_of(start)
    while m <= end:
        out.append(m)
        m = _next_month(m)
    return out


Histograms = dict[object, dict[int, int]]   # a key (a month or a region path) -> days -> cases


def _histograms(conn, path: str, start: date, end: date) -> tuple[Histograms, Histograms]:
    """(days, cases) of the cases resolved in the subtree and period, per month and per region
    path: whole months from the monthly histogram, the days before and after them from the
    daily one (so a long period reads few rows)."""
    r, m = _RESOLVE.c, _RESOLVE_MONTHS.c
    months = whole_months(start, end)
    day_cond = [subtree(r.region_path, path), r.day >= start, r.day <= end]
    by_month: Histograms = {}
    by_path: Histograms = {}

    def add(into: Histograms, key: object, days: int, n: int) -> None:
        bucket = into.setdefault(key, {})
        bucket[int(days)] = bucket.get(int(days), 0) + int(n)

    if months is not None:
        first, after = months
        day_cond.append(or_(r.day < first, r.day >= after))
        month_cond = (subtree(m.region_path, path), m.month >= first, m.month < after)
        n = func.sum(m["count"])
        for month, days, count in conn.execute(select(m.month, m.days, n).where(*month_cond)
                                               .group_by(m.month, m.days)):
            add(by_month, month, days, count)
        for region_path, days, count in conn.execute(select(m.region_path, m.days, n).where(*month_cond)
                                                     .group_by(m.region_path, m.days)):
            add(by_path, region_path, days, count)
    for region_path, day, days, count in conn.execute(select(r.region_path, r.day, r.days, r["count"])
                                                      .where(*day_cond)):
        add(by_month, _month_of(day), days, count)
        add(by_path, region_path, days, count)
    return by_month, by_path


def _merged(histograms) -> list[tuple[int, int]]:
    """One histogram of several, as (days, cases) sorted by days."""
    total: dict[int, int] = {}
    for h in histograms:
        for days, n in h.items():
            total[days] = total.get(days, 0) + n
    return sorted(total.items())


def _figures(sums: dict[str, int], histogram: list[tuple[int, int]]) -> Figures:
    return Figures(**{k: int(sums.get(k, 0)) for k in FIGURES},
                   median_days_to_resolve=median_of_histogram(histogram))


def _in(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def bands(histogram: list[tuple[int, int]]) -> tuple[Band, ...]:
    """The cases of a (days, cases) histogram in RESOLVE_BANDS."""
    return tuple(Band(lo, hi, sum(n for days, n in histogram if days >= lo and (hi is None or days <= hi)))
                 for lo, hi in RESOLVE_BANDS)


def statistics(runtime: Runtime, who: Principal, region_code: str, date_from: str | date,
               date_to: str | date) -> Statistics:
    """Figures for ``region_code``'s subtree (default: the caller's region), both dates
    inclusive (China time), read from the roll-up only: the totals, the same counts per
    calendar month of the period (``months``, oldest first, every month the period touches,
    zeros included) and per child region's subtree (``regions``: a prefecture's counties, a
    county's townships; the root's own figures are in no child's), each with its median days
    to resolve, and the resolved cases in RESOLVE_BANDS (``resolve_days``). A prefecture's
    figures are its counties' and townships' events rolled up here (module doc), whichever
    deployment recorded them. Errors: PERMISSION_DENIED (role, or a caller's region not served
    here), INVALID_ARGUMENT naming region_code, date_from or date_to."""
    ACCESS.scope(who, "statistics.read")
    if not region_code.strip() and who.region not in runtime.regions:
        raise PermissionDenied(f"region {who.region} is not served here")
    code = canonical.code(region_code or who.region)
    check_region_code(code, "region_code")
    runtime.regions.require(code, "region_code")
    runtime.deployment.require_home(code, "region_code")   # a delegated subtree's figures roll up here
    runtime.regions.ensure_within(who.region, code)
    start = date_from if isinstance(date_from, date) else parse_date(date_from, "date_from", required=True)
    end = date_to if isinstance(date_to, date) else parse_date(date_to, "date_to", required=True)
    if start > end:
        raise InvalidArgument("date_to", "is before date_from")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidArgument("date_to", "the period is longer than 20 years")
    root = runtime.regions.get(code)
    daily = _DAILY.c
    where = (subtree(daily.region_path, root.path), daily.day >= start, daily.day <= end)
    sums = select(*[func.coalesce(func.sum(daily[c]), 0) for c in COUNTERS]).where(*where)
    figure_sums = [func.coalesce(func.sum(daily[c]), 0) for c in FIGURES]
    per_day = select(daily.day, *figure_sums).where(*where).group_by(daily.day)
    per_path = select(daily.region_path, *figure_sums).where(*where).group_by(daily.region_path)
    month_sums: dict[date, dict[str, int]] = {m: dict.fromkeys(FIGURES, 0) for m in _months(start, end)}
    children = runtime.regions.children(code)
    child_sums: dict[str, dict[str, int]] = {c.path: dict.fromkeys(FIGURES, 0) for c in children}
    with runtime.engine.connect() as conn:
        totals = dict(zip(COUNTERS, (int(v) for v in conn.execute(sums).one())))
        for day, *values in conn.execute(per_day):
            target = month_sums[_month_of(day)]
            for k, v in zip(FIGURES, values):
                target[k] += int(v)
        path_rows = conn.execute(per_path).all()
        by_month, by_path = _histograms(conn, root.path, start, end)
    for region_path, *values in path_rows:
        for c in children:
            if _in(region_path, c.path):
                for k, v in zip(FIGURES, values):
                    child_sums[c.path][k] += int(v)
                break
    histogram = _merged(by_month.values())
    ratings = totals["ratings"]
    return Statistics(
        region_code=code, date_from=start.isoformat(), date_to=end.isoformat(),
        visits=totals["visits"], receptions=totals["receptions"], people_reached=totals["people_reached"],
        opinions_raised=totals["opinions_raised"], answered=totals["answered"],
        transferred=totals["transferred"], resolved=totals["resolved"], escalated=totals["escalated"],
        median_days_to_resolve=median_of_histogram(histogram), ratings=ratings,
        average_rating=round(totals["rating_sum"] / ratings, 4) if ratings else 0.0,
        rating_counts=tuple(totals[f"rating_{n}"] for n in range(1, 6)),
        region_name=root.name,
        months=tuple(MonthFigures(f"{m.year:04d}-{m.month:02d}", _figures(sums_, _merged([by_month.get(m, {})])))
                     for m, sums_ in month_sums.items()),
        regions=tuple(RegionFigures(c.code, c.name, _figures(
            child_sums[c.path], _merged(h for p, h in by_path.items() if _in(str(p), c.path)))) for c in children),
        resolve_days=bands(histogram))
