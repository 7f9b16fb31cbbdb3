"""Benchmark (not a test): GetStatistics from the roll-up vs the same figures by GROUP BY over raw rows.

Builds, in a fresh PostgreSQL database migrated to the liaison schema, one prefecture
(652300 of deploy/regions/demo.csv: its counties and townships) with --opinions opinions
(default 1,000,000) raised over two years, their case steps, and activities:

  raw       opinions and opinion_steps as the opinion core stores them, activities as
            services.liaison.activities stores them;
  roll-up   rollup_daily, rollup_resolve_days and rollup_resolve_months exactly as the roll-up consumer would have
            produced them from those opinions' OpinionStepRecorded and the ActivityRecorded
            events (same rules: China-time days, days to resolve, ratings on their step's day).

Everything is bulk-loaded with COPY, then ANALYZEd. Then, for the prefecture, one county and
one township over the year 2026, it times

  rollup    services.liaison.rollup.statistics(), called directly (what GetStatistics runs)
  raw       the same figures by GROUP BY over opinions joined with their steps, and activities

and prints the median of --runs runs of each (ms), the ratio, and whether both give the same
figures. Nothing is cached between runs: the database is created and dropped by each run.

  LIANXIN_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/db python -m bench.liaison_statistics
  (the URL's role must be allowed to CREATE DATABASE)

Exit status is 0 whatever the timings: this measures, it does not judge.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics as stats
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from lianxin.liaison.v1 import liaison_pb2 as pb

ROOT = Path(__file__).resolve().parent.parent
PREFECTURE, COUNTY, TOWNSHIP = "652300", "652301", "652301100"
TARGET_MS, TARGET_RATIO = 50.0, 20.0
DAY = 86400
CHINA_OFFSET = 8 * 3600
START = int(datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=8))).timestamp())   # opinions from here ...
SPAN = 730 * DAY                                                                  # ... for two years
YEAR_FROM, YEAR_TO = date(2026, 1, 1), date(2026, 12, 31)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
RAISED, ANSWERED, TRANSFERRED, ESCALATED, RESOLVED, FEEDBACK = (
    pb.OPINION_STATUS_RAISED, pb.OPINION_STATUS_ANSWERED, pb.OPINION_STATUS_TRANSFERRED, pb.OPINION_STATUS_ESCALATED,
    pb.OPINION_STATUS_RESOLVED, pb.OPINION_STATUS_FEEDBACK_GIVEN)
COUNTERS = ("visits", "receptions", "people_reached", "opinions_raised", "answered", "transferred",
            "resolved", "escalated", "ratings", "rating_sum",
            "rating_1", "rating_2", "rating_3", "rating_4", "rating_5")
IDX = {c: i for i, c in enumerate(COUNTERS)}
STEP_COUNTER = {ANSWERED: IDX["answered"], TRANSFERRED: IDX["transferred"], ESCALATED: IDX["escalated"],
                RESOLVED: IDX["resolved"]}


def china_day(epoch: int) -> int:
    """Days since 1970-01-01 of the China-time calendar day of an instant."""
    return (epoch + CHINA_OFFSET) // DAY


def day_text(day: int) -> str:
    return date.fromordinal(EPOCH_ORDINAL + day).isoformat()


def ts_text(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")


# ---------------------------------------------------------------- data ----

class Loader:
    """Generates the prefecture's rows and streams them to COPY in chunks, keeping the roll-up
    counters the consumer would have kept."""

    CHUNK = 20_000

    def __init__(self, conn, regions, seed: int):
        self.conn = conn
        self.rng = random.Random(seed)
        tree = regions
        self.regions = [r for r in tree.subtree(PREFECTURE) if r.code != PREFECTURE]
        # townships get three times a county office's share
        self.weights = [3 if r.tier.name == "TOWNSHIP" else 1 for r in self.regions]
        self.daily: dict[tuple[str, int], list[int]] = {}
        self.resolve: dict[tuple[str, int, int], int] = {}
        self.rows = {"opinions": 0, "opinion_steps": 0, "activities": 0}

    def _bump(self, region: str, day: int, index: int, n: int = 1) -> None:
        row = self.daily.get((region, day))
        if row is None:
            row = self.daily[(region, day)] = [0] * len(COUNTERS)
        row[index] += n

    def _copy(self, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write("".join(lines))
        self.rows[table] += len(lines)
        lines.clear()

    OPINION_COLS = ("id", "tracking_code", "region_code", "region_path", "handling_region", "channel", "category",
                    "text", "deputy_id", "venue_id", "contact_name", "contact_phone", "status", "answer",
                    "transfer_department", "transfer_department_name", "transfer_deadline", "transfer_reply",
                    "transfer_replied_at", "resolved", "feedback", "rating", "rating_comment", "raised_at",
                    "updated_at", "due_at", "resolved_at", "origin_opinion_id", "origin_region",
                    "escalated_to_region", "activity_id")
    STEP_COLS = ("opinion_id", "status", "actor", "actor_role", "region_code", "note", "at")
    CATEGORIES = ("道路交通", "教育", "医疗", "城市管理", "社会保障", "农业农村")

    def opinions(self, n: int) -> None:
        rng, regions, weights = self.rng, self.regions, self.weights
        picks = rng.choices(range(len(regions)), weights=weights, k=n)
        ops: list[str] = []
        steps: list[str] = []
        for i in range(n):
            r = regions[picks[i]]
            code, path = r.code, r.path
            oid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            raised = START + rng.randrange(SPAN)
            last, status = raised, RAISED
            st = [(RAISED, raised)]
            self._bump(code, china_day(raised), IDX["opinions_raised"])
            x = rng.random()
            dept = dept_name = reply = ""
            deadline = replied = resolved_at = None
            resolved = "\\N"
            rating = 0
            if x < 0.5:
                last += rng.randrange(3 * DAY)
                st.append((ANSWERED, last))
                status = ANSWERED
            if x < 0.3 or 0.5 <= x < 0.55:
                last += DAY + rng.randrange(4 * DAY)
                st.append((TRANSFERRED, last))
                status, dept, dept_name = TRANSFERRED, "dept-1", "县交通运输局"
                deadline = last + 15 * DAY
            if 0.93 < x:
                last += 10 * DAY
                st.append((ESCALATED, last))
                status = ESCALATED
            elif x < 0.7:
                last = raised + rng.randrange(60 * DAY) + (last - raised) // 2
                last = max(last, st[-1][1])
                st.append((RESOLVED, last))
                status, resolved, resolved_at = RESOLVED, "t", last
                self._bump_resolve(code, china_day(last), (last - raised) // DAY)
                if rng.random() < 0.4:
                    rating = rng.randint(1, 5)
                    last += DAY
                    st.append((FEEDBACK, last))
                    status = FEEDBACK
                    day = china_day(last)
                    self._bump(code, day, IDX["ratings"])
                    self._bump(code, day, IDX["rating_sum"], rating)
                    self._bump(code, day, IDX[f"rating_{rating}"])
            for s, at in st[1:]:
                if s in STEP_COUNTER:
                    self._bump(code, china_day(at), STEP_COUNTER[s])
            ops.append("\t".join((
                oid, f"B{i:012d}", code, path, code, "1", self.CATEGORIES[i % 6], "意见建议内容", "", "", "", "",
                str(status), "", dept, dept_name, ts_text(deadline) if deadline else "\\N", reply,
                ts_text(replied) if replied else "\\N", resolved, "", str(rating), "", ts_text(raised),
                ts_text(last), "\\N", ts_text(resolved_at) if resolved_at else "\\N", "", "", "", "")) + "\n")
            for s, at in st:
                steps.append(f"{oid}\t{s}\tbench\tstaff\t{code}\t\t{ts_text(at)}\n")
            if len(ops) >= self.CHUNK:
                self._copy("opinions", self.OPINION_COLS, ops)
                self._copy("opinion_steps", self.STEP_COLS, steps)
        if ops:
            self._copy("opinions", self.OPINION_COLS, ops)
            self._copy("opinion_steps", self.STEP_COLS, steps)

    def _bump_resolve(self, region: str, day: int, days: int) -> None:
        key = (region, day, days)
        self.resolve[key] = self.resolve.get(key, 0) + 1

    ACTIVITY_COLS = ("id", "region_code", "region_path", "venue_id", "kind", "date", "title", "people_reached",
                     "notes", "recorded_by", "on_schedule", "created_at")

    def activities(self, n: int) -> None:
        rng, regions = self.rng, self.regions
        picks = rng.choices(range(len(regions)), weights=self.weights, k=n)
        lines: list[str] = []
        for i in range(n):
            r = regions[picks[i]]
            kind = rng.choice((1, 1, 1, 2, 2, 3, 4, 5))   # visits are the commonest
            day = china_day(START + rng.randrange(SPAN))
            people = rng.randint(1, 40) if kind in (1, 2) else rng.randint(0, 200)
            if kind == 1:
                self._bump(r.code, day, IDX["visits"])
            elif kind == 2:
                self._bump(r.code, day, IDX["receptions"])
            if people:
                self._bump(r.code, day, IDX["people_reached"], people)
            lines.append(f"{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{r.code}\t{r.path}\t\t{kind}\t"
                         f"{day_text(day)}\t活动\t{people}\t\tbench\tf\t{ts_text(START)}\n")
            if len(lines) >= self.CHUNK:
                self._copy("activities", self.ACTIVITY_COLS, lines)
        if lines:
            self._copy("activities", self.ACTIVITY_COLS, lines)

    def rollup(self) -> tuple[int, int]:
        paths = {r.code: r.path for r in self.regions}
        lines = [f"{code}\t{day_text(day)}\t{paths[code]}\t" + "\t".join(map(str, v)) + "\n"
                 for (code, day), v in self.daily.items()]
        n_daily = len(lines)
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY rollup_daily (region_code, day, region_path, {', '.join(COUNTERS)}) FROM STDIN") as cp:
                cp.write("".join(lines))
            lines = [f"{code}\t{day_text(day)}\t{days}\t{paths[code]}\t{n}\n"
                     for (code, day, days), n in self.resolve.items()]
            with cur.copy("COPY rollup_resolve_days (region_code, day, days, region_path, count) FROM STDIN") as cp:
                cp.write("".join(lines))
            n_resolve = len(lines)
            months: dict[tuple[str, str, int], int] = {}
            for (code, day, days), n in self.resolve.items():
                key = (code, day_text(day)[:8] + "01", days)
                months[key] = months.get(key, 0) + n
            lines = [f"{code}\t{month}\t{days}\t{paths[code]}\t{n}\n" for (code, month, days), n in months.items()]
            with cur.copy("COPY rollup_resolve_months (region_code, month, days, region_path, count) FROM STDIN") as cp:
                cp.write("".join(lines))
        return n_daily, n_resolve, len(lines)


# ---------------------------------------------------------------- queries ----

RAW_SQL = {
    "raised": """
        SELECT count(*) FROM opinions o
        WHERE (o.region_path = %(p)s OR (o.region_path >= %(lo)s AND o.region_path < %(hi)s))
          AND o.origin_opinion_id = '' AND o.raised_at >= %(a)s AND o.raised_at < %(b)s""",
    "steps": """
        SELECT s.status, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY floor(extract(epoch FROM s.at - o.raised_at) / 86400))
        FROM opinion_steps s JOIN opinions o ON o.id = s.opinion_id
        WHERE (o.region_path = %(p)s OR (o.region_path >= %(lo)s AND o.region_path < %(hi)s))
          AND o.origin_opinion_id = '' AND s.status IN (4, 5, 7, 8) AND s.at >= %(a)s AND s.at < %(b)s
        GROUP BY s.status""",
    "ratings": """
        SELECT o.rating, count(*) FROM opinions o
        WHERE (o.region_path = %(p)s OR (o.region_path >= %(lo)s AND o.region_path < %(hi)s))
          AND o.rating > 0 AND o.updated_at >= %(a)s AND o.updated_at < %(b)s
        GROUP BY o.rating""",
    "activities": """
        SELECT count(*) FILTER (WHERE kind = 1), count(*) FILTER (WHERE kind = 2), coalesce(sum(people_reached), 0)
        FROM activities
        WHERE (region_path = %(p)s OR (region_path >= %(lo)s AND region_path < %(hi)s))
          AND date >= %(d0)s AND date <= %(d1)s""",
}


def raw_figures(conn, path: str) -> dict:
    china = timezone(timedelta(hours=8))
    args = {"p": path, "lo": path + "/", "hi": path + "0",
            "a": datetime.combine(YEAR_FROM, datetime.min.time(), china),
            "b": datetime.combine(YEAR_TO + timedelta(days=1), datetime.min.time(), china),
            "d0": YEAR_FROM, "d1": YEAR_TO}
    with conn.cursor() as cur:
        raised = cur.execute(RAW_SQL["raised"], args).fetchone()[0]
        by_status = {s: (n, m) for s, n, m in cur.execute(RAW_SQL["steps"], args).fetchall()}
        ratings = dict(cur.execute(RAW_SQL["ratings"], args).fetchall())
        visits, receptions, people = cur.execute(RAW_SQL["activities"], args).fetchone()
    n_ratings = sum(ratings.values())
    return {"visits": visits, "receptions": receptions, "people_reached": int(people), "opinions_raised": raised,
            "answered": by_status.get(ANSWERED, (0, 0))[0], "transferred": by_status.get(TRANSFERRED, (0, 0))[0],
            "resolved": by_status.get(RESOLVED, (0, 0))[0], "escalated": by_status.get(ESCALATED, (0, 0))[0],
            "median_days_to_resolve": float(by_status.get(RESOLVED, (0, 0.0))[1] or 0.0), "ratings": n_ratings,
            "average_rating": round(sum(k * v for k, v in ratings.items()) / n_ratings, 4) if n_ratings else 0.0,
            "rating_counts": tuple(ratings.get(k, 0) for k in range(1, 6))}


def rollup_figures(result) -> dict:
    d = dict(vars(result)) if not hasattr(result, "__dataclass_fields__") else {
        f: getattr(result, f) for f in result.__dataclass_fields__}
    for k in ("region_code", "date_from", "date_to"):
        d.pop(k)
    return d


def timed(fn, runs: int) -> tuple[float, object]:
    out, times = None, []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return stats.median(times), out


# ---------------------------------------------------------------- main ----

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.liaison_statistics", description=__doc__.split("\n")[0])
    p.add_argument("--opinions", type=int, default=1_000_000)
    p.add_argument("--activities", type=int, default=300_000)
    p.add_argument("--runs", type=int, default=21, help="runs per roll-up query (median reported)")
    p.add_argument("--raw-runs", type=int, default=5, help="runs per raw GROUP BY query")
    p.add_argument("--seed", type=int, default=2026)
    a = p.parse_args(argv)

    import psycopg
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from services.liaison.rollup import statistics
    from shared import db
    from shared.auth import Principal, Role
    from shared.tenancy import RegionTree

    url = os.environ.get("LIANXIN_BENCH_DATABASE_URL")
    if not url:
        print("set LIANXIN_BENCH_DATABASE_URL (make bench does)", file=sys.stderr)
        return 2
    regions = RegionTree.load(ROOT / "deploy" / "regions" / "demo.csv")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    bench_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = None
    try:
        t0 = time.perf_counter()
        db.migrate("liaison", bench_url)
        plain = make_url(bench_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain) as conn:
            loader = Loader(conn, regions, a.seed)
            loader.opinions(a.opinions)
            loader.activities(a.activities)
            n_daily, n_resolve, n_months = loader.rollup()
            conn.commit()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        load_s = time.perf_counter() - t0
        print(f"loaded in {load_s:.0f} s: {loader.rows['opinions']:,} opinions, {loader.rows['opinion_steps']:,} "
              f"steps, {loader.rows['activities']:,} activities across {len(loader.regions)} regions under "
              f"{PREFECTURE}; roll-up {n_daily:,} daily rows, {n_resolve:,} daily and {n_months:,} monthly "
              f"histogram rows")

        engine = db.make_engine(bench_url, pool_size=2)
        runtime = SimpleNamespace(regions=regions, engine=engine)   # all statistics() reads of a Runtime
        who = Principal(subject="bench", role=Role.STAFF, region=PREFECTURE)
        ok = True
        lines = []
        with psycopg.connect(plain, autocommit=True) as conn:
            for label, code in (("prefecture", PREFECTURE), ("county", COUNTY), ("township", TOWNSHIP)):
                statistics(runtime, who, code, YEAR_FROM, YEAR_TO)     # warm the pool and the cache once
                raw_figures(conn, regions.get(code).path)
                roll_ms, roll = timed(lambda: statistics(runtime, who, code, "2026-01-01", "2026-12-31"), a.runs)
                raw_ms, raw = timed(lambda: raw_figures(conn, regions.get(code).path), a.raw_runs)
                same = rollup_figures(roll) == raw
                ok &= same
                ratio = raw_ms / roll_ms
                lines.append((label, code, roll_ms, raw_ms, ratio, same, raw["opinions_raised"], raw["resolved"]))
        print(f"\n{'query':<11}{'region':<11}{'rollup ms':>10}{'raw ms':>10}{'ratio':>9}  same figures  "
              f"(raised, resolved in 2026)")
        for label, code, roll_ms, raw_ms, ratio, same, raised, resolved in lines:
            verdict = "ok" if roll_ms <= TARGET_MS and ratio >= TARGET_RATIO else "BELOW TARGET"
            print(f"{label:<11}{code:<11}{roll_ms:>10.2f}{raw_ms:>10.1f}{ratio:>8.0f}x  {str(same):<12}  "
                  f"({raised:,}, {resolved:,})  {verdict}")
        print(f"\ntargets: roll-up <= {TARGET_MS:.0f} ms per query, >= {TARGET_RATIO:.0f}x the raw GROUP BY; "
              f"medians of {a.runs} (roll-up) and {a.raw_runs} (raw) runs")
        print(f"python {platform.python_version()}, {os.cpu_count()} cpus; figures identical: {ok}")
    finally:
        if engine is not None:
            engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
