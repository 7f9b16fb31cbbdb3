"""Deputies' performance (履职量化考评) as use cases: items from the other services' events,
kept incrementally with their points; rules set by the office, versioned; each deputy's file,
rankings per region and level, flags, the annual report, and recomputation from the stored
events. The rules themselves are scoring.py; the readers of each event performance_events.py.

Incremental and recomputed agree by construction: an arriving event is stored as received
(perf_sources) and read by the same reader recomputation uses; its items are inserted once
(their key is unique per deputy and piece of work, so a redelivered event, or a second event
about the same session, adds nothing) and the caps of the touched (deputy, year, kind, version)
groups are credited again in day order (scoring.credit), with the year's total moved by the
difference. A new rules version re-scores the items it now governs the same way.

Crediting an event, recomputing a year and adding a rules version exclude each other where
they would otherwise interleave (PostgreSQL advisory locks, see lock_for_credit): a recompute
never deletes or doubles the items of an event credited while it runs.

Scope: the office (staff, committee, systems, auditors reading) sees the deputies of its
subtree; a deputy their own file and report, the rules of their branch, and the rankings of
their branch once published (PublishRanking of that region or one above it).
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import BigInteger, Select, Table, bindparam, delete, func, insert, select, text, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.evaluation import scoring as sc
from services.evaluation.access import ACCESS
from services.evaluation.performance_events import Arrival, Reading
from services.evaluation.performance_tables import (
    PerfItemRow,
    PerfPendingRow,
    PerfPublicationRow,
    PerfRulesRow,
    PerfSnapshotRow,
    PerfSourceRow,
    PerfTotalRow,
)
from services.evaluation.tables import DeputyRow
from shared import validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.bus import Envelope
from shared.clock import china_today, now
from shared.errors import InvalidArgument, NotFound, PermissionDenied
from shared.secret_ballot import SEATED
from shared.service import Runtime
from shared.tenancy import RegionKind, Tier

HUNDRED = Decimal(100)
TIER_LEVEL = {Tier.PREFECTURE: sc.Level.PREFECTURE, Tier.COUNTY: sc.Level.COUNTY, Tier.TOWNSHIP: sc.Level.TOWNSHIP}


def to_points(hundredths: int) -> Decimal:
    return (Decimal(hundredths) / HUNDRED).quantize(sc.CENT)


def to_hundredths(points: Decimal) -> int:
    return int(points * HUNDRED)


def check_day(value: str, field: str, *, required: bool) -> date | None:
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        if required:
            raise InvalidArgument(field, "is required (YYYY-MM-DD)")
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(field, "must be a day as YYYY-MM-DD") from None
    if not 2000 <= day.year <= 2100:
        raise InvalidArgument(field, "must be a day between 2000 and 2100")
    return day


def check_year(year: int, field: str = "year") -> int:
    if not 2000 <= year <= 2100:
        raise InvalidArgument(field, "must be a year between 2000 and 2100")
    return year


def bulk_insert(s: Session, table, rows: list[dict]) -> None:
    """Rows written in bulk within the session's transaction: PostgreSQL's COPY (a prefecture's
    year is hundreds of thousands of items), else one executemany INSERT."""
    conn = s.connection()
    if conn.dialect.name != "postgresql":
        s.execute(insert(table), rows)
        return
    names = [c.name for c in table.columns]
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])


# ---- rules as stored ------------------------------------------------------------------------------

def rules_body(rules: sc.Rules) -> str:
    return json.dumps({"points": {int(k): str(v) for k, v in sorted(rules.points.items())},
                       "caps": {int(k): str(v) for k, v in sorted(rules.caps.items())},
                       "weights": {int(k): str(v) for k, v in sorted(rules.weights.items())},
                       "inactive_days": rules.inactive_days, "term_start": rules.term_start.isoformat()},
                      sort_keys=True)


def version_of_row(row: PerfRulesRow) -> sc.RuleVersion:
    b = json.loads(row.body)
    rules = sc.Rules(points={sc.WorkKind(int(k)): Decimal(v) for k, v in b["points"].items()},
                     caps={sc.WorkKind(int(k)): Decimal(v) for k, v in b["caps"].items()},
                     weights={sc.Level(int(k)): Decimal(v) for k, v in b["weights"].items()},
                     inactive_days=int(b["inactive_days"]), term_start=date.fromisoformat(b["term_start"]))
    return sc.RuleVersion(id=row.id, region_code=row.region_code, number=row.number,
                          effective_year=row.effective_year, rules=rules)


@dataclass
class ShownRules:
    version: sc.RuleVersion
    row: PerfRulesRow | None     # None: the defaults


@dataclass
class FileView:
    deputy: DeputyRow
    year: int
    items: list[PerfItemRow]
    versions: dict[str, sc.RuleVersion]
    total: Decimal
    kinds: list[tuple[sc.WorkKind, int, Decimal]]
    flags: list[sc.Flag]


@dataclass
class RankingView:
    region_code: str
    level: sc.Level
    year: int
    entries: list[tuple[sc.Ranked, str]]     # with the deputy's region code
    publication: PerfPublicationRow | None
    published_at: datetime | None = None     # of the snapshot shown (else of the publication)
    published_by: str = ""
    changed: bool = False                    # live points differ from the snapshot shown


# Points bands of a published ranking's distribution (RankingPublished, the roll-up), as
# hundredths: [0], [0.01, 10), [10, 20), [20, 50), [50, ...). Fixed so that every tier's counts
# add up at the prefecture.
BAND_FLOORS = (0, 1, 1000, 2000, 5000)
BAND_NAMES = ("0", "1_9", "10_19", "20_49", "50_plus")


def band_of(hundredths: int) -> int:
    return max(i for i, floor in enumerate(BAND_FLOORS) if hundredths >= floor) if hundredths > 0 else 0


@dataclass
class Flagged:
    deputy: DeputyRow
    flags: list[sc.Flag]
    last_work: date | None
    last_report: date | None


class RulesCache:
    """The rules versions as stored at ``mark`` (their fingerprint), with the version in force
    per (region, year) found once."""

    def __init__(self, mark: tuple, versions: list[sc.RuleVersion]):
        self.mark = mark
        self.versions = versions
        self.by_id = {v.id: v for v in versions}
        self._in_force: dict[tuple[str, int], sc.RuleVersion] = {}

    def in_force(self, performance: Performance, region_code: str, year: int) -> sc.RuleVersion:
        got = self._in_force.get((region_code, year))
        if got is None:
            got = self._in_force[(region_code, year)] = performance.version_for(self.versions, region_code, year)
        return got


ITEMS = cast(Table, PerfItemRow.__table__)
TOTALS = cast(Table, PerfTotalRow.__table__)
SOURCES = cast(Table, PerfSourceRow.__table__)
PENDING = cast(Table, PerfPendingRow.__table__)
INSPECTION_RECORDED = "lianxin.supervision.v1.InspectionRecorded"
# The columns add_items reads of the items it touches.
ITEM_COLS = (PerfItemRow.key, PerfItemRow.deputy_id, PerfItemRow.year, PerfItemRow.kind, PerfItemRow.day,
             PerfItemRow.region_code, PerfItemRow.level, PerfItemRow.source_event_id, PerfItemRow.source_type,
             PerfItemRow.rule_version_id, PerfItemRow.credited)


# The fingerprint of the stored rules versions (added, never changed or removed).
RULES_MARK = (select(func.count()).select_from(PerfRulesRow).scalar_subquery(),
              select(func.max(PerfRulesRow.id)).scalar_subquery(),
              select(func.max(PerfRulesRow.created_at)).scalar_subquery())

# The statements of an arriving event, built once (SQLAlchemy then reuses their compiled form).
STORE_SOURCE_PG = pg_insert(SOURCES).on_conflict_do_nothing().returning(SOURCES.c.event_id, *RULES_MARK)
STORE_SOURCE_SQLITE = sqlite_insert(SOURCES).on_conflict_do_nothing().returning(SOURCES.c.event_id)
ITEMS_BY_KEY = select(*ITEM_COLS).where(PerfItemRow.key.in_(bindparam("keys", expanding=True)))
ITEMS_OR_GROUPS = select(*ITEM_COLS).where(
    PerfItemRow.key.in_(bindparam("keys", expanding=True))
    | (PerfItemRow.deputy_id.in_(bindparam("deputies", expanding=True))
       & PerfItemRow.year.in_(bindparam("years", expanding=True))
       & PerfItemRow.kind.in_(bindparam("kinds", expanding=True))))


# New items, the items whose credit or source changed, and the totals they move, in one
# statement (PostgreSQL): the rows come as one array per column.
ITEM_ARRAYS = {"key": "varchar", "deputy_id": "varchar", "year": "int", "kind": "int", "day": "date",
               "region_code": "varchar", "region_path": "varchar", "level": "int", "source_event_id": "varchar",
               "source_type": "varchar", "title": "varchar", "rule_version_id": "varchar", "points": "int",
               "credited": "int"}
UPDATED_ARRAYS = {"key": "varchar", "credited": "int", "source_event_id": "varchar", "source_type": "varchar"}
WRITE_ITEMS_AND_TOTALS = text(
    "WITH new_items AS (INSERT INTO perf_items (" + ", ".join(ITEM_ARRAYS) + ") SELECT * FROM unnest("
    + ", ".join(f"CAST(:i_{name} AS {kind}[])" for name, kind in ITEM_ARRAYS.items()) + ")), "
    "changed AS (UPDATE perf_items SET credited = u.credited, source_event_id = u.source_event_id, "
    "source_type = u.source_type FROM unnest("
    + ", ".join(f"CAST(:u_{name} AS {kind}[])" for name, kind in UPDATED_ARRAYS.items())
    + ") AS u(" + ", ".join(UPDATED_ARRAYS) + ") WHERE perf_items.key = u.key) "
    "INSERT INTO perf_totals (deputy_id, year, points, items) SELECT * FROM unnest("
    "CAST(:t_deputy_id AS varchar[]), CAST(:t_year AS int[]), CAST(:t_points AS int[]), CAST(:t_items AS int[])) "
    "ON CONFLICT (deputy_id, year) DO UPDATE SET points = perf_totals.points + excluded.points, "
    "items = perf_totals.items + excluded.items")


def upsert_of(s: Session):
    """The dialect's INSERT with ON CONFLICT (PostgreSQL's or SQLite's)."""
    return pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert


@dataclass
class Recomputed:
    sources: int
    items: int
    changed: int
    total: Decimal


class Performance:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self._rules: RulesCache | None = None
        self._locks: dict[tuple[int, int], Select] = {}

    # ---- the tree and the rules ------------------------------------------------------------
    def path_codes(self, code: str) -> list[str]:
        """The region and its ancestors, nearest first."""
        out, current = [], code
        while current and current in self.regions:
            out.append(current)
            current = self.regions.get(current).parent or ""
        return out

    def level_of(self, code: str) -> sc.Level:
        region = self.regions.get(code)
        if region.kind is RegionKind.SUBDISTRICT:
            return sc.Level.DELIBERATION
        return TIER_LEVEL.get(region.tier, sc.Level.UNSPECIFIED)

    @staticmethod
    def versions(s: Session) -> list[sc.RuleVersion]:
        return [version_of_row(r) for r in s.scalars(select(PerfRulesRow))]

    def version_for(self, versions: Sequence[sc.RuleVersion], region_code: str, year: int) -> sc.RuleVersion:
        return sc.in_force(versions, self.path_codes(region_code), year)

    # ---- intake --------------------------------------------------------------------------------
    def resolver(self, s: Session):
        """Participants' names to deputy ids: a name matching exactly one deputy of the
        region's branch (the region, its ancestors and its subtree)."""
        def resolve(region_code: str, names: Sequence[str]) -> tuple[str, ...]:
            if region_code not in self.regions or not names:
                return ()
            self.lock_directory(s)
            path = self.regions.get(region_code).path
            ancestors = [self.regions.get(c).path for c in self.path_codes(region_code)]
            rows = s.execute(select(DeputyRow.id, DeputyRow.name, DeputyRow.region_path)
                             .where(DeputyRow.name.in_([n[:50] for n in names]))).all()
            by_name: dict[str, list[str]] = defaultdict(list)
            for dep, name, dpath in rows:
                if dpath in ancestors or dpath == path or dpath.startswith(path + "/"):
                    by_name[name].append(dep)
            return tuple(sorted({ids[0] for n in names if len(ids := by_name.get(n[:50], [])) == 1}))
        return resolve

    def checker(self, s: Session):
        """Ids said to be deputies' (an inspection's participants) kept when the directory knows
        them as deputies of the region's branch (the region, its ancestors and its subtree)."""
        def known(region_code: str, ids: Sequence[str]) -> tuple[str, ...]:
            if region_code not in self.regions or not ids:
                return ()
            self.lock_directory(s)
            path = self.regions.get(region_code).path
            ancestors = [self.regions.get(c).path for c in self.path_codes(region_code)]
            rows = s.execute(select(DeputyRow.id, DeputyRow.region_path).where(DeputyRow.id.in_(list(ids)))).all()
            return tuple(sorted(dep for dep, dpath in rows
                                if dpath in ancestors or dpath == path or dpath.startswith(path + "/")))
        return known

    def ingest(self, s: Session, message, env: Envelope, reader) -> int:
        """One arriving event: stored as received, its items inserted and credited. Returns the
        items added (0 for an event already stored or saying nothing of deputies' work).

        Round trips (PostgreSQL): the locks (lock_for_credit); the event stored (INSERT .. ON
        CONFLICT DO NOTHING: a stored event adds nothing) returning the rules' fingerprint (the
        parsed rules come from a cache, rules_cache); one read of the items the event names and
        of the capped groups they join; one statement writing the new items, the items whose
        credit (a cap moved) or source changed, and the totals' increments. An inspection adds
        the directory's lock (lock_directory) and its pending participants (keep_pending)."""
        reading: Reading | None = reader(message, Arrival(env.id, self.resolver(s), self.checker(s)))
        if reading is None or reading.region_code not in self.regions or not (reading.facts or reading.pending):
            return 0
        items = self.items_of(reading, env.id, env.type)
        self.lock_for_credit(s, {(it.deputy_id, it.year) for it in items})
        source = {"event_id": env.id, "type": env.type, "region_code": reading.region_code, "day": reading.day,
                  "year": reading.credited_year, "data": env.data, "resolved": ",".join(reading.resolved),
                  "received_at": now()}
        if s.get_bind().dialect.name != "postgresql":
            if s.execute(STORE_SOURCE_SQLITE, source).first() is None:
                return 0
            self.keep_pending(s, env.id, reading.pending)
            return self.add_items(s, items)
        # The rules' fingerprint read in the same round trip (after the locks: its own statement).
        stored = s.execute(STORE_SOURCE_PG, source).first()
        if stored is None:
            return 0
        self.keep_pending(s, env.id, reading.pending)
        return self.add_items(s, items, mark=tuple(stored[1:]))

    @staticmethod
    def keep_pending(s: Session, event_id: str, pending: Sequence[str]) -> None:
        if pending:
            s.execute(upsert_of(s)(PENDING).on_conflict_do_nothing(),
                      [{"candidate": c[:50], "event_id": event_id} for c in pending])

    def learned(self, s: Session, deputy_id: str, name: str) -> int:
        """The directory learned a deputy, or their region or name changed (in the directory's
        transaction, after its upsert): the stored inspections that named them (by id, or for an
        old event by name) and did not credit them are read again against the directory as it
        now is, and the deputies they now resolve to are credited, through add_items as on
        arrival (caps included), and added to the ids stored with the event, so recomputation
        reads them too. Returns the items added (0 when nothing was pending for them: a
        redelivered roster event changes nothing).

        Every stored inspection is looked at, whatever its year (perf_pending is looked up by
        id and name, so age costs nothing): an inspection event arriving late lands in its own
        year however old, and so does its late deputy.

        The directory's lock (exclusive here, shared where an arriving inspection reads the
        directory: lock_directory) orders the two: an inspection read while the deputy is
        unknown is committed, with its pending participants, before this looks them up."""
        from services.evaluation.performance_events import read_stored
        self.lock_directory(s, exclusive=True)
        candidates = sorted({deputy_id, name[:50]} - {""})
        events = sorted({e for (e,) in s.execute(select(PerfPendingRow.event_id)
                                                  .where(PerfPendingRow.candidate.in_(candidates)))})
        if not events:
            return 0
        resolve, known = self.resolver(s), self.checker(s)
        items: list[sc.Item] = []
        for row in s.scalars(select(PerfSourceRow).where(PerfSourceRow.event_id.in_(events))
                             .order_by(PerfSourceRow.event_id)):
            if row.type != INSPECTION_RECORDED or row.region_code not in self.regions:
                continue
            held = tuple(x for x in row.resolved.split(",") if x)
            # Read as on arrival against the directory now, and as stored: the ids it newly takes.
            now_read = read_stored(row.type, row.data, row.event_id, held, resolve=resolve, known=known)
            if now_read is None:
                continue
            added = [dep for dep in now_read.resolved if dep not in held]
            still = set(now_read.pending)
            s.execute(delete(PerfPendingRow).where(PerfPendingRow.event_id == row.event_id,
                                                   PerfPendingRow.candidate.notin_(still) if still else true()))
            if not added:
                continue
            row.resolved = ",".join(held + tuple(added))
            reading = read_stored(row.type, row.data, row.event_id, tuple(added))
            assert reading is not None
            items += self.items_of(reading, row.event_id, row.type)
        if not items:
            return 0
        s.flush()
        self.lock_for_credit(s, {(it.deputy_id, it.year) for it in items})
        return self.add_items(s, items)

    # Advisory locks (PostgreSQL; SQLite has one writer at a time). Crediting an event takes the
    # rules' and its year's lock shared, then each touched deputy's year exclusive (sorted, so
    # two crediting transactions never wait on each other in a circle); recomputing a year takes
    # the rules' shared and the year's exclusive, so it never runs beside an event credited to
    # that year (it would delete the event's items as derived from no stored event, or insert
    # them a second time); a new rules version takes the rules' exclusive, so no event is
    # credited under the version it replaces while it re-scores.
    @staticmethod
    def _lock_key(name: str) -> int:
        return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)

    def lock_for_credit(self, s: Session, deputy_years: set[tuple[str, int]]) -> None:
        if s.get_bind().dialect.name != "postgresql" or not deputy_years:
            return
        years = sorted({y for _, y in deputy_years})
        keys = [self._lock_key("perf:rules")] + [self._lock_key(f"perf:year:{y}") for y in years]
        keys += [self._lock_key(f"perf:{dep}:{y}") for dep, y in sorted(deputy_years)]
        shape = (len(years), len(deputy_years))
        stmt = self._locks.get(shape)
        if stmt is None:
            # One statement per shape, built once: PostgreSQL evaluates the select list left to
            # right, so the locks are taken in this order.
            shared = 1 + len(years)
            stmt = self._locks[shape] = select(*(
                (func.pg_advisory_xact_lock_shared if i < shared else func.pg_advisory_xact_lock)(
                    bindparam(f"k{i}", type_=BigInteger)) for i in range(len(keys))))
        s.execute(stmt, {f"k{i}": k for i, k in enumerate(keys)})

    def lock_directory(self, s: Session, *, exclusive: bool = False) -> None:
        """Taken before the locks above, shared where an arriving inspection reads the
        directory, exclusive where the directory's consumer looks for inspections pending on a
        deputy it learned (learned)."""
        if s.get_bind().dialect.name == "postgresql":
            lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
            s.execute(select(lock(self._lock_key("perf:directory"))))

    def lock_for_recompute(self, s: Session, year: int) -> None:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(select(func.pg_advisory_xact_lock_shared(self._lock_key("perf:rules")),
                             func.pg_advisory_xact_lock(self._lock_key(f"perf:year:{year}"))))

    def lock_for_rules(self, s: Session) -> None:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(select(func.pg_advisory_xact_lock(self._lock_key("perf:rules"))))

    def rules_cache(self, s: Session, mark: tuple | None = None) -> RulesCache:
        """The rules versions as stored, parsed once per change: the cache is kept while the
        table's fingerprint (RULES_MARK: versions are only ever added) reads the same, so a
        version another process added is seen by the next event. ``mark``: the fingerprint as
        the caller read it in this transaction."""
        if mark is None:
            mark = tuple(s.execute(select(*RULES_MARK)).one())
        cache = self._rules
        if cache is None or cache.mark != mark:
            self._rules = cache = RulesCache(mark, self.versions(s))
        return cache

    def items_of(self, reading: Reading, event_id: str, type_name: str) -> list[sc.Item]:
        level = self.level_of(reading.region_code)
        return [sc.Item(key=f.key[:200], deputy_id=f.deputy_id, kind=f.kind, day=reading.day,
                        region_code=reading.region_code, level=level, source_event_id=event_id,
                        source_type=type_name, title=f.title, credit_year=reading.year) for f in reading.facts]

    def add_items(self, s: Session, given: Iterable[sc.Item], *, mark: tuple | None = None) -> int:
        """Inserts the items not kept yet and credits what they touch: one read of the items
        held under their keys and of the capped groups (deputy, year, kind, version) they join,
        the caps applied again to those groups alone (an uncapped item is credited its points),
        the new items and the changed credits written, and each touched deputy's year total
        moved by the difference. Returns the items added.

        The caller holds the touched deputies' years (lock_for_credit), so the groups read
        are the groups as they stand and the totals stay the sum of their items, as
        recomputation finds them."""
        items = list(given)
        if not items:
            return 0
        cache = self.rules_cache(s, mark)
        version_of = {it.key: cache.in_force(self, it.region_code, it.year) for it in items}
        capped = {(it.deputy_id, it.year, int(it.kind)) for it in items
                  if it.kind in version_of[it.key].rules.caps}
        keys = sorted({it.key for it in items})
        rows = {r.key: r for r in (s.execute(ITEMS_OR_GROUPS, {
            "keys": keys, "deputies": sorted({c[0] for c in capped}), "years": sorted({c[1] for c in capped}),
            "kinds": sorted({c[2] for c in capped})}) if capped else s.execute(ITEMS_BY_KEY, {"keys": keys}))}
        moved: dict[str, tuple[str, str]] = {}      # key -> (source event id, type) now smaller
        new: dict[str, sc.Item] = {}
        for it in items:
            row = rows.get(it.key)
            if row is not None:
                # Two events naming one piece of work (a session re-published under a new id):
                # one item, whose source is the smaller event id whatever the arrival order,
                # as recomputation picks it.
                if it.source_event_id < moved.get(it.key, (row.source_event_id,))[0]:
                    moved[it.key] = (it.source_event_id, it.source_type)
                continue
            if it.key not in new:
                new[it.key] = it
        if not new and not moved:
            return 0
        by_id = cache.by_id
        # The groups to credit again: every capped group a new item joins or an item whose
        # source (so whose place in day order) moved belongs to.
        groups: set[tuple[str, int, int, str]] = set()
        for key, it in new.items():
            v = version_of[key]
            if it.kind in v.rules.caps:
                groups.add((it.deputy_id, it.year, int(it.kind), v.id))
        for key in moved:
            r = rows[key]
            if sc.WorkKind(r.kind) in by_id.get(r.rule_version_id, sc.DEFAULT_VERSION).rules.caps:
                groups.add((r.deputy_id, r.year, r.kind, r.rule_version_id))
        unread = {(dep, year, kind) for dep, year, kind, _ in groups} - capped
        for dep, year, kind in sorted(unread):
            # A held item's group the first read did not cover (kept under a version other
            # than the one in force for the new item): read now.
            rows.update((r.key, r) for r in s.execute(select(*ITEM_COLS).where(
                PerfItemRow.deputy_id == dep, PerfItemRow.year == year, PerfItemRow.kind == kind)))
        members: list[sc.Item] = [self.item_of_cols(r, moved.get(r.key)) for r in rows.values()
                                  if (r.deputy_id, r.year, r.kind, r.rule_version_id) in groups]
        members += [it for key, it in new.items()
                    if (it.deputy_id, it.year, int(it.kind), version_of[key].id) in groups]

        def version_for_item(it: sc.Item) -> sc.RuleVersion:
            return version_of[it.key] if it.key in new else by_id.get(rows[it.key].rule_version_id,
                                                                          sc.DEFAULT_VERSION)
        credited = {got.item.key: to_hundredths(got.credited) for got in sc.credit(members, version_for_item)}
        delta: dict[tuple[str, int], list[int]] = {}
        inserts: list[dict] = []
        for key, it in new.items():
            v = version_of[key]
            points = to_hundredths(v.rules.points_of(it.kind, it.level))
            got = credited.get(key, points)
            inserts.append({"key": key, "deputy_id": it.deputy_id, "year": it.year, "kind": int(it.kind),
                            "day": it.day, "region_code": it.region_code,
                            "region_path": self.regions.get(it.region_code).path, "level": int(it.level),
                            "source_event_id": it.source_event_id, "source_type": it.source_type,
                            "title": it.title, "rule_version_id": v.id, "points": points, "credited": got})
            d = delta.setdefault((it.deputy_id, it.year), [0, 0])
            d[0] += got
            d[1] += 1
        updates: list[dict] = []
        for key, r in rows.items():
            got = credited.get(key, r.credited)
            source = moved.get(key)
            if got == r.credited and source is None:
                continue
            updates.append({"key": key, "credited": got,
                            "source_event_id": source[0] if source else r.source_event_id,
                            "source_type": source[1] if source else r.source_type})
            delta.setdefault((r.deputy_id, r.year), [0, 0])[0] += got - r.credited
        moves = [{"deputy_id": dep, "year": year, "points": p, "items": n}
                 for (dep, year), (p, n) in sorted(delta.items()) if p or n]
        if s.get_bind().dialect.name == "postgresql":
            # The new items, the changed ones and the totals in one round trip, as arrays (one
            # statement text whatever the number of rows, so it stays prepared).
            s.execute(WRITE_ITEMS_AND_TOTALS, {
                **{f"i_{name}": [row[name] for row in inserts] for name in ITEM_ARRAYS},
                **{f"u_{name}": [row[name] for row in updates] for name in UPDATED_ARRAYS},
                **{f"t_{name}": [m[name] for m in moves] for name in ("deputy_id", "year", "points", "items")}})
            return len(new)
        if updates:
            s.execute(update(PerfItemRow), updates)
        if not moves:     # a smaller source id alone, credits unchanged
            return 0
        if inserts:
            s.execute(insert(ITEMS), inserts)
        upsert = upsert_of(s)(TOTALS)
        s.execute(upsert.on_conflict_do_update(
            index_elements=[TOTALS.c.deputy_id, TOTALS.c.year],
            set_={"points": TOTALS.c.points + upsert.excluded.points,
                  "items": TOTALS.c["items"] + upsert.excluded["items"]}), moves)
        return len(new)

    @staticmethod
    def item_of_cols(r, source: tuple[str, str] | None = None) -> sc.Item:
        return sc.Item(key=r.key, deputy_id=r.deputy_id, kind=sc.WorkKind(r.kind), day=r.day,
                       region_code=r.region_code, level=sc.Level(r.level),
                       source_event_id=source[0] if source else r.source_event_id,
                       source_type=source[1] if source else r.source_type)

    def _credit(self, s: Session, deputy_id: str, year: int, versions: Sequence[sc.RuleVersion],
                kinds: set[int] | None = None) -> None:
        """Credits the deputy's items of a year again (of ``kinds``, or all), writing the rows
        that changed, and sets the year's total to the sum of all its items (as recomputation
        sums them): a new rules version's re-scoring. It takes the deputy's year lock as
        add_items' callers do (lock_for_credit), so no total is computed from a set of items
        missing another transaction's."""
        if s.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(hashlib.blake2b(f"perf:{deputy_id}:{year}".encode(), digest_size=8).digest(),
                                 "big", signed=True)
            s.execute(select(func.pg_advisory_xact_lock(key)))
        q = select(PerfItemRow).where(PerfItemRow.deputy_id == deputy_id, PerfItemRow.year == year)
        if kinds is not None:
            q = q.where(PerfItemRow.kind.in_(sorted(kinds)))
        rows = list(s.scalars(q))
        by_id = {v.id: v for v in versions}
        by_key = {r.key: r for r in rows}
        for got in sc.credit([self.item_of(r) for r in rows],
                             lambda it: by_id.get(by_key[it.key].rule_version_id, sc.DEFAULT_VERSION)):
            row = by_key[got.item.key]
            new = to_hundredths(got.credited)
            if row.credited != new:
                row.credited = new
        s.flush()
        points, count = s.execute(select(func.coalesce(func.sum(PerfItemRow.credited), 0), func.count())
                                  .where(PerfItemRow.deputy_id == deputy_id, PerfItemRow.year == year)).one()
        total = s.get(PerfTotalRow, (deputy_id, year))
        if total is None:
            s.add(PerfTotalRow(deputy_id=deputy_id, year=year, points=int(points), items=int(count)))
        elif (total.points, total.items) != (points, count):
            total.points, total.items = int(points), int(count)

    @staticmethod
    def item_of(row: PerfItemRow) -> sc.Item:
        return sc.Item(key=row.key, deputy_id=row.deputy_id, kind=sc.WorkKind(row.kind), day=row.day,
                       region_code=row.region_code, level=sc.Level(row.level), source_event_id=row.source_event_id,
                       source_type=row.source_type, title=row.title)

    # ---- scope -----------------------------------------------------------------------------------
    def region(self, who: Principal, region_code: str, field: str = "region_code", *, branch: bool = False) -> str:
        """A region the request names (empty: the caller's): within the caller's subtree, or for
        ``branch`` (a deputy reading) on the caller's branch of the tree."""
        code = validation.region_code(region_code, field) if region_code else who.region
        self.regions.require(code, field)
        if branch and who.role is Role.DEPUTY:
            if not (self.regions.contains(who.region, code) or self.regions.contains(code, who.region)):
                raise PermissionDenied(f"region {code} is not on the caller's branch of the tree")
            return code
        self.regions.ensure_within(who.region, code)
        return code

    def deputy(self, s: Session, who: Principal, deputy_id: str, action: str, field: str = "deputy_id") -> DeputyRow:
        """A deputy the request names, inside the caller's scope: the office's subtree; a
        deputy themself (NOT_FOUND for any other, as for one that does not exist)."""
        scope = ACCESS.scope(who, action)
        if not deputy_id:
            raise InvalidArgument(field, "is required")
        try:
            uuid.UUID(deputy_id)
        except ValueError:
            raise InvalidArgument(field, "must be a deputy's id (a UUID)") from None
        row = s.get(DeputyRow, deputy_id)
        if row is None or row.region_code not in self.regions:
            raise NotFound("deputy", deputy_id, field)
        if scope is Scope.OWN:
            if who.role is not Role.DEPUTY or row.id != who.subject or \
                    not self.regions.contains(who.region, row.region_code):
                raise NotFound("deputy", deputy_id, field)
        elif not self.regions.contains(who.region, row.region_code):
            raise NotFound("deputy", deputy_id, field)
        return row

    # ---- rules ---------------------------------------------------------------------------------
    def set_rules(self, who: Principal, region_code: str, effective_year: int, rules: sc.Rules, *,
                  validate_only: bool = False) -> ShownRules:
        """A new version of a region's rules, effective from ``effective_year``: the items it now
        governs (of that region's subtree, that year and later) are scored again. ``validate_only``:
        every check made, nothing written; the version as it would be saved (no id, number 0)."""
        ACCESS.scope(who, "performance.rules.manage")
        code = validation.region_code(region_code, "rules.region_code")
        self.regions.require(code, "rules.region_code")
        self.regions.ensure_within(who.region, code)
        check_year(effective_year, "rules.effective_year")
        if validate_only:
            row = PerfRulesRow(id="", region_code=code, number=0, effective_year=effective_year,
                               body=rules_body(rules), created_by=who.subject[:100], created_at=now())
            return ShownRules(version_of_row(row), row)
        with self.rt.transaction() as s:
            self.lock_for_rules(s)
            number = (s.scalar(select(func.max(PerfRulesRow.number)).where(PerfRulesRow.region_code == code))
                      or 0) + 1
            row = PerfRulesRow(id=str(uuid.uuid4()), region_code=code, number=number, effective_year=effective_year,
                               body=rules_body(rules), created_by=who.subject[:100], created_at=now())
            s.add(row)
            s.flush()
            self.rescore(s, self.regions.get(code).path, effective_year)
            return ShownRules(version_of_row(row), row)

    def rescore(self, s: Session, region_path: str, from_year: int) -> None:
        """Items of a subtree from a year on take the version now in force for them; every
        deputy and year touched is credited again."""
        versions = self.versions(s)
        touched: set[tuple[str, int]] = set()
        q = select(PerfItemRow).where(PerfItemRow.year >= from_year,
                                      (PerfItemRow.region_path == region_path)
                                      | PerfItemRow.region_path.startswith(region_path + "/"))
        for row in s.scalars(q):
            v = self.version_for(versions, row.region_code, row.year)
            pts = to_hundredths(v.rules.points_of(sc.WorkKind(row.kind), sc.Level(row.level)))
            if row.rule_version_id != v.id or row.points != pts:
                row.rule_version_id, row.points = v.id, pts
                touched.add((row.deputy_id, row.year))
        s.flush()
        for dep, year in touched:
            self._credit(s, dep, year, versions)

    def rules_in_force(self, who: Principal, region_code: str, year: int) -> ShownRules:
        ACCESS.scope(who, "performance.rules.read")
        code = self.region(who, region_code, branch=True)
        check_year(year)
        with self.rt.transaction() as s:
            v = self.version_for(self.versions(s), code, year)
            return ShownRules(v, s.get(PerfRulesRow, v.id) if v.id != sc.DEFAULT_VERSION.id else None)

    def list_rules(self, who: Principal, region_code: str) -> list[ShownRules]:
        ACCESS.scope(who, "performance.rules.read")
        code = self.region(who, region_code, branch=True)
        with self.rt.transaction() as s:
            rows = s.scalars(select(PerfRulesRow).where(PerfRulesRow.region_code == code)
                             .order_by(PerfRulesRow.number.desc()))
            return [ShownRules(version_of_row(r), r) for r in rows]

    # ---- the file --------------------------------------------------------------------------------
    def file(self, who: Principal, deputy_id: str, year: int) -> FileView:
        check_year(year)
        with self.rt.transaction() as s:
            deputy = self.deputy(s, who, deputy_id, "performance.file.read")
            return self._file(s, deputy, year)

    def _file(self, s: Session, deputy: DeputyRow, year: int) -> FileView:
        items = list(s.scalars(select(PerfItemRow).where(PerfItemRow.deputy_id == deputy.id, PerfItemRow.year == year)
                               .order_by(PerfItemRow.day, PerfItemRow.source_event_id, PerfItemRow.key)))
        versions = {v.id: v for v in self.versions(s)}
        counts: dict[sc.WorkKind, list[int]] = defaultdict(lambda: [0, 0])
        for r in items:
            c = counts[sc.WorkKind(r.kind)]
            c[0] += 1
            c[1] += r.credited
        kinds: list[tuple[sc.WorkKind, int, Decimal]] = [
            (k, counts[k][0], to_points(counts[k][1])) for k in sc.KINDS if k in counts]
        total = s.get(PerfTotalRow, (deputy.id, year))
        as_of = min(china_today(), date(year, 12, 31))
        return FileView(deputy=deputy, year=year, items=items, versions=versions,
                        total=to_points(total.points if total else 0), kinds=kinds,
                        flags=self._flags_of(s, [deputy], as_of)[deputy.id][0])

    # ---- ranking -------------------------------------------------------------------------------
    def ranking(self, who: Principal, region_code: str, level: int, year: int) -> RankingView:
        """A subtree's ranking of a level and year. Published (by the region or one above it):
        the ranking as the nearest publication kept it (re-ranked within the subtree when that
        publication is of a region above), with ``changed`` when the live points differ now."""
        scope = ACCESS.scope(who, "performance.ranking.read")
        if level not in sc.Level._value2member_map_ or level == 0:
            raise InvalidArgument("level", "name a level (LEVEL_NATIONAL .. LEVEL_DELIBERATION)")
        code = self.region(who, region_code, branch=scope is Scope.OWN)
        check_year(year)
        with self.rt.transaction() as s:
            publication = self.publication(s, code, year)
            if scope is Scope.OWN and publication is None:
                raise NotFound("ranking", f"{code}/{year}", "region_code")
            live = self._ranking(s, code, sc.Level(level), year)
            view = RankingView(code, sc.Level(level), year, live, publication,
                               publication.published_at if publication else None,
                               publication.published_by if publication else "")
            snap = self.snapshot(s, code, level, year) if publication else None
            if snap is not None:
                kept = [e for e in json.loads(snap.entries)
                        if e["region_code"] in self.regions and self.regions.contains(code, e["region_code"])]
                regions = {e["deputy_id"]: e["region_code"] for e in kept}
                ranked = sc.rank((e["deputy_id"], e["name"], to_points(e["points"])) for e in kept)
                view.entries = [(r, regions[r.deputy_id]) for r in ranked]
                view.published_at, view.published_by = snap.published_at, snap.published_by

                def key(entries: list[tuple[sc.Ranked, str]]) -> list[tuple]:
                    return sorted((r.deputy_id, r.points, r.rank, r.tied) for r, _ in entries)
                view.changed = key(view.entries) != key(live)
            return view

    def snapshot(self, s: Session, code: str, level: int, year: int) -> PerfSnapshotRow | None:
        """The nearest publication's snapshot of ``code``'s ranking: its own, else its parent's ..."""
        rows = {r.region_code: r for r in s.scalars(select(PerfSnapshotRow).where(
            PerfSnapshotRow.region_code.in_(self.path_codes(code)), PerfSnapshotRow.year == year,
            PerfSnapshotRow.level == level))}
        return next((rows[c] for c in reversed(self.path_codes(code)) if c in rows), None)

    def _ranking(self, s: Session, code: str, level: sc.Level, year: int) -> list[tuple[sc.Ranked, str]]:
        path = self.regions.get(code).path
        rows = s.execute(
            select(DeputyRow.id, DeputyRow.name, DeputyRow.region_code, DeputyRow.levels, PerfTotalRow.points)
            .outerjoin(PerfTotalRow, (PerfTotalRow.deputy_id == DeputyRow.id) & (PerfTotalRow.year == year))
            .where((DeputyRow.region_path == path) | DeputyRow.region_path.startswith(path + "/"),
                   DeputyRow.status.in_([int(x) for x in SEATED]))).all()
        regions: dict[str, str] = {}
        entries = []
        for dep, name, region, levels, points in rows:
            if str(int(level)) in levels.split(","):
                entries.append((dep, name, to_points(points or 0)))
                regions[dep] = region
        return [(r, regions[r.deputy_id]) for r in sc.rank(entries)]

    def publication(self, s: Session, code: str, year: int) -> PerfPublicationRow | None:
        """A ranking is published when its region or one above it published the year's."""
        codes = self.path_codes(code)
        rows = s.scalars(select(PerfPublicationRow).where(PerfPublicationRow.region_code.in_(codes),
                                                          PerfPublicationRow.year == year))
        return min(rows, key=lambda r: r.published_at, default=None)

    def publish(self, who: Principal, region_code: str, year: int, convert_event) -> tuple[PerfPublicationRow, int]:
        """Publish (or publish again) a region's rankings of a year: every level with deputies
        in the subtree is kept as it stands now (perf_snapshots, replacing an earlier
        publication's), and a RankingPublished per level tells the roll-up its points bands and
        flagged counts per deputies' region. (publication, levels kept)."""
        ACCESS.scope(who, "performance.ranking.publish")
        code = self.region(who, region_code)
        check_year(year)
        by, at = who.subject[:100], now()
        with self.rt.transaction() as s:
            row = s.get(PerfPublicationRow, (code, year))
            if row is None:
                row = PerfPublicationRow(region_code=code, year=year, published_by=by, published_at=at)
                s.add(row)
            else:
                row.published_by, row.published_at = by, at
            path = self.regions.get(code).path
            deputies = {d_.id: d_ for d_ in s.scalars(select(DeputyRow).where(
                (DeputyRow.region_path == path) | DeputyRow.region_path.startswith(path + "/"),
                DeputyRow.status.in_([int(x) for x in SEATED])))}
            flags = self._flags_of(s, list(deputies.values()), min(china_today(), date(year, 12, 31)))
            versions = self.versions(s)
            levels = 0
            for level in sc.Level:
                if level is sc.Level.UNSPECIFIED:
                    continue
                old = s.get(PerfSnapshotRow, (code, year, int(level)))
                ranked = self._ranking(s, code, level, year)
                if not ranked and old is None:
                    continue
                entries: list[dict] = [{"deputy_id": r.deputy_id, "name": r.name, "region_code": region,
                            "points": to_hundredths(r.points), "rank": r.rank, "tied": r.tied,
                            "rule_version_id": self.version_for(versions, region, year).id}
                           for r, region in ranked]
                counts: dict[str, list[int]] = {e["region_code"]: [0] * 7 for e in json.loads(old.entries)} \
                    if old is not None else {}
                for e in entries:
                    c = counts.setdefault(e["region_code"], [0] * 7)
                    c[band_of(e["points"])] += 1
                    found = flags[e["deputy_id"]][0] if e["deputy_id"] in flags else []
                    c[5] += sc.Flag.INACTIVE in found
                    c[6] += sc.Flag.NO_REPORT_THIS_TERM in found
                if old is None:
                    s.add(PerfSnapshotRow(region_code=code, year=year, level=int(level), entries=json.dumps(entries),
                                          published_by=by, published_at=at))
                else:
                    old.entries, old.published_by, old.published_at = json.dumps(entries), by, at
                levels += bool(entries)
                self.rt.outbox.add(s, convert_event(code, year, int(level), sorted(counts.items()), by), region=code)
            s.flush()
            return row, levels

    # ---- flags ---------------------------------------------------------------------------------
    def flags(self, who: Principal, region_code: str, as_of: str, level: int = 0) -> tuple[date, list[Flagged]]:
        """The seated deputies of a subtree flagged as of a day, by region and name: all of them,
        or (``level``) those holding a seat at that level, as its ranking lists them."""
        ACCESS.scope(who, "performance.flags.read")
        code = self.region(who, region_code)
        day = check_day(as_of, "as_of", required=False) or china_today()
        if level not in sc.Level._value2member_map_:
            raise InvalidArgument("level", "name a level (LEVEL_NATIONAL .. LEVEL_DELIBERATION), or none for every level")
        path = self.regions.get(code).path
        with self.rt.transaction() as s:
            deputies = [d_ for d_ in s.scalars(select(DeputyRow).where(
                (DeputyRow.region_path == path) | DeputyRow.region_path.startswith(path + "/"),
                DeputyRow.status.in_([int(x) for x in SEATED])).order_by(DeputyRow.region_path, DeputyRow.name, DeputyRow.id))
                if not level or str(level) in d_.levels.split(",")]
            found = self._flags_of(s, deputies, day)
            return day, [Flagged(d_, *found[d_.id]) for d_ in deputies if found[d_.id][0]]

    def _flags_of(self, s: Session, deputies: Sequence[DeputyRow], as_of: date
                  ) -> dict[str, tuple[list[sc.Flag], date | None, date | None]]:
        ids = [d_.id for d_ in deputies]
        last_work: dict[str, date] = {}
        last_report: dict[str, date] = {}
        for chunk in (ids[i:i + 1000] for i in range(0, len(ids), 1000)):
            for dep, day in s.execute(select(PerfItemRow.deputy_id, func.max(PerfItemRow.day))
                                      .where(PerfItemRow.deputy_id.in_(chunk), PerfItemRow.day <= as_of)
                                      .group_by(PerfItemRow.deputy_id)):
                last_work[dep] = day
            for dep, day in s.execute(select(PerfItemRow.deputy_id, func.max(PerfItemRow.day))
                                      .where(PerfItemRow.deputy_id.in_(chunk), PerfItemRow.day <= as_of,
                                             PerfItemRow.kind == int(sc.WorkKind.CONSTITUENT_REPORT))
                                      .group_by(PerfItemRow.deputy_id)):
                last_report[dep] = day
        versions = self.versions(s)
        out = {}
        for d_ in deputies:
            rules = self.version_for(versions, d_.region_code, as_of.year).rules
            out[d_.id] = (sc.flags_for(last_work.get(d_.id), last_report.get(d_.id), rules, as_of),
                          last_work.get(d_.id), last_report.get(d_.id))
        return out

    # ---- the annual report ---------------------------------------------------------------------------
    def annual_report(self, who: Principal, deputy_id: str, year: int) -> FileView:
        check_year(year)
        with self.rt.transaction() as s:
            deputy = self.deputy(s, who, deputy_id, "performance.annual_report.read")
            return self._file(s, deputy, year)

    # ---- 述职 -----------------------------------------------------------------------------------
    def record_report(self, who: Principal, deputy_id: str, held_on: str, title: str, convert_event) -> PerfItemRow:
        """A report to constituents (述职) held by a deputy of the caller's subtree, published
        (ConstituentReportRecorded) and entered in the deputy's file at once, as its event."""
        ACCESS.scope(who, "performance.constituent_report.record")
        day = check_day(held_on, "held_on", required=True)
        assert day is not None
        if day > china_today():
            raise InvalidArgument("held_on", "is a day still to come")
        title = validation.text(title, "title", max_len=sc.MAX_TITLE)
        with self.rt.transaction() as s:
            deputy = self.deputy(s, who, deputy_id, "performance.constituent_report.record")
            event = convert_event(deputy.id, deputy.region_code, day.isoformat(), title, who.subject[:100])
            env = self.rt.outbox.add(s, event, region=deputy.region_code)
            from services.evaluation.performance_events import constituent_report
            self.ingest(s, event, env, constituent_report)
            row = s.get(PerfItemRow, f"report:{env.id}:{deputy.id}")
            assert row is not None
            return row

    # ---- recomputation ----------------------------------------------------------------------------
    def recompute(self, who: Principal, region_code: str, year: int) -> Recomputed:
        """The year's items of the subtree's deputies derived again from the stored events and
        credited under the year's rules; whatever differs from the kept items and totals is
        put right and counted."""
        ACCESS.scope(who, "performance.recompute")
        code = self.region(who, region_code)
        check_year(year)
        with self.rt.transaction() as s:
            return self.recompute_in(s, code, year)

    def recompute_in(self, s: Session, code: str, year: int) -> Recomputed:
        """Within an open transaction (the RPC's, or a benchmark's): reads with plain selects
        and writes in bulk, so a prefecture's year (hundreds of thousands of events) fits."""
        from services.evaluation.performance_events import read_stored
        self.lock_for_recompute(s, year)
        path = self.regions.get(code).path
        home = code == self.rt.settings.home_region
        deputies = {dep for (dep,) in s.execute(select(DeputyRow.id).where(
            (DeputyRow.region_path == path) | DeputyRow.region_path.startswith(path + "/")))}
        known = {dep for (dep,) in s.execute(select(DeputyRow.id))} if home else deputies

        def mine(dep: str) -> bool:
            # A home-region recomputation also covers deputies the roster has not told of yet.
            return dep in deputies or (home and dep not in known)

        derived: dict[str, sc.Item] = {}
        sources = 0
        paths: dict[str, str] = {}
        for event_id, type_name, data, resolved in s.execute(
                select(PerfSourceRow.event_id, PerfSourceRow.type, PerfSourceRow.data, PerfSourceRow.resolved)
                .where(PerfSourceRow.year == year)):
            sources += 1
            reading = read_stored(type_name, data, event_id, tuple(x for x in resolved.split(",") if x))
            if reading is None or reading.region_code not in self.regions:
                continue
            for it in self.items_of(reading, event_id, type_name):
                # An item two events name keeps the smaller event id as its source (add_items).
                if mine(it.deputy_id) and (it.key not in derived
                                           or it.source_event_id < derived[it.key].source_event_id):
                    derived[it.key] = it
        versions = self.versions(s)
        in_force: dict[str, sc.RuleVersion] = {}

        def version_of(it: sc.Item) -> sc.RuleVersion:
            if it.region_code not in in_force:
                in_force[it.region_code] = self.version_for(versions, it.region_code, year)
            return in_force[it.region_code]

        scored = sc.credit(derived.values(), version_of)
        cols = (PerfItemRow.key, PerfItemRow.deputy_id, PerfItemRow.kind, PerfItemRow.day, PerfItemRow.region_code,
                PerfItemRow.level, PerfItemRow.source_event_id, PerfItemRow.rule_version_id, PerfItemRow.points,
                PerfItemRow.credited)
        kept = {r[0]: tuple(r[1:]) for r in s.execute(select(*cols).where(PerfItemRow.year == year))
                if mine(r[1])}
        changed = 0
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        inserts: list[dict] = []
        updates: list[dict] = []
        for got in scored:
            it = got.item
            want = (it.deputy_id, int(it.kind), it.day, it.region_code, int(it.level), it.source_event_id,
                    got.rule_version_id, to_hundredths(got.points), to_hundredths(got.credited))
            t = totals[it.deputy_id]
            t[0] += want[-1]
            t[1] += 1
            held = kept.pop(it.key, None)
            if held == want:
                continue
            changed += 1
            if it.region_code not in paths:
                paths[it.region_code] = self.regions.get(it.region_code).path
            row = {"key": it.key, "deputy_id": it.deputy_id, "year": year, "kind": int(it.kind), "day": it.day,
                   "region_code": it.region_code, "region_path": paths[it.region_code], "level": int(it.level),
                   "source_event_id": it.source_event_id, "source_type": it.source_type, "title": it.title,
                   "rule_version_id": got.rule_version_id, "points": want[-2], "credited": want[-1]}
            (inserts if held is None else updates).append(row)
        if inserts:
            bulk_insert(s, PerfItemRow.__table__, inserts)
        if updates:
            s.execute(update(PerfItemRow), updates)
        stale = list(kept)    # kept but derived from no stored event
        changed += len(stale)
        for i in range(0, len(stale), 1000):
            s.execute(delete(PerfItemRow).where(PerfItemRow.key.in_(stale[i:i + 1000])))
        stored = {r[0]: (r[1], r[2]) for r in s.execute(
            select(PerfTotalRow.deputy_id, PerfTotalRow.points, PerfTotalRow.items).where(PerfTotalRow.year == year))
            if mine(r[0])}
        new_totals: list[dict] = []
        fixed_totals: list[dict] = []
        for dep, (points, count) in totals.items():
            held_t = stored.pop(dep, None)
            if held_t == (points, count):
                continue
            changed += 1
            (new_totals if held_t is None else fixed_totals).append(
                {"deputy_id": dep, "year": year, "points": points, "items": count})
        if new_totals:
            bulk_insert(s, PerfTotalRow.__table__, new_totals)
        if fixed_totals:
            s.execute(update(PerfTotalRow), fixed_totals)
        empty = [dep for dep, held_t in stored.items() if held_t != (0, 0)]
        changed += len(empty)
        for i in range(0, len(empty), 1000):
            s.execute(delete(PerfTotalRow).where(PerfTotalRow.year == year,
                                                 PerfTotalRow.deputy_id.in_(empty[i:i + 1000])))
        s.flush()
        return Recomputed(sources=sources, items=len(scored), changed=changed,
                          total=to_points(sum(t[0] for t in totals.values())))
