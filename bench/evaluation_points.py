"""Benchmark (not a test): deputies' performance points and ranking for a prefecture's year.

  setup       --deputies deputies (5,500: the seed's prefecture, 10% of its level, 30% county,
              60% township) in evaluation's roster read model, and --events activity events of
              one year (liaison ActivityRecorded: visits, receptions, meetings, one to three
              deputies of a region each, on random days) stored as received (perf_sources), as
              the consumer stores them; not measured.
  recompute   Performance.recompute_in for the prefecture's year from scratch: every stored
              event decoded and read into items, credited under the year's rules (caps in day
              order), items and totals written; then the county deputies' ranking of the
              prefecture (GetRanking's query and competition ranking). Beside it, in the same
              run, the bare baseline: one SQL statement over the same item rows, SUM ... GROUP BY
              deputy with RANK() OVER the sums, into a table (no events decoded, no rules, no
              caps, nothing kept per item).
  per event   --sample more events, each through the consumer's own path (envelope from the
              record's headers, inbox claim, the locks, the event stored, the items it names and
              their capped groups read, its items inserted and credited, the totals moved), one
              transaction each; beside it a bare baseline per event: one
              psycopg transaction inserting the event row and its item rows and adding to the
              deputies' totals (INSERT ... ON CONFLICT DO UPDATE).
  check       the year recomputed again: changes found (0 when incremental and recomputed agree).

  python -m bench.evaluation_points --deputies 5500 --events 400000 --sample 2000
  LIANXIN_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/db  (a role that may CREATE DATABASE)
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from bench import roster_writes as rw

ROOT = Path(__file__).resolve().parent.parent
HOME = "652300"
YEAR = 2026


def world(regions, deputies: int, rng: random.Random):
    """Deputies spread over the prefecture's regions by level: (id, region, path, level)."""
    tree = regions.subtree(HOME)
    by_tier = {t: [r for r in tree if r.tier == t] for t in {r.tier for r in tree}}
    tiers = sorted(by_tier, key=int)       # prefecture, county, township
    out = []
    for n in range(deputies):
        share = n % 10
        tier = tiers[0] if share == 0 else tiers[1] if share <= 3 else tiers[-1]
        region = rng.choice(by_tier[tier])
        level = {0: 3, 1: 4}.get(tiers.index(tier), 5)
        out.append((str(uuid.uuid4()), region.code, region.path, level, f"代表{n:05d}"))
    return out


def activity_envelope(rng: random.Random, deputies, by_region, n: int):
    from lianxin.liaison.v1 import events_pb2 as lev
    from lianxin.liaison.v1 import liaison_pb2 as lpb

    from shared.bus import Envelope
    first = rng.choice(deputies)
    group = [first[0]] + [d[0] for d in rng.sample(by_region[first[1]], min(len(by_region[first[1]]) - 1,
                                                                            rng.choice((0, 0, 1, 2))))]
    day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
    kind = rng.choice((lpb.ACTIVITY_KIND_VISIT, lpb.ACTIVITY_KIND_VISIT, lpb.ACTIVITY_KIND_RECEPTION,
                       lpb.ACTIVITY_KIND_MEETING))
    act = lpb.Activity(id=str(uuid.uuid4()), region_code=first[1], kind=kind, date=day.isoformat(),
                       title=f"活动{n}", deputy_ids=list(dict.fromkeys(group)))
    return Envelope.for_message(lev.ActivityRecorded(activity=act), service="liaison", home_region=HOME,
                                region=first[1])


def bench(args) -> int:
    from lianxin.liaison.v1 import events_pb2 as lev
    from sqlalchemy import insert, text
    from sqlalchemy.engine import make_url

    from services.evaluation.performance import Performance
    from services.evaluation.performance_events import Arrival, activity, performance_consumer
    from services.evaluation.performance_tables import PerfSourceRow
    from services.evaluation.scoring import Level
    from services.evaluation.service import definition
    from services.evaluation.tables import DeputyRow
    from shared import config, service
    from shared.bus.consumer import Consumer
    from shared.bus.transport import Record
    from shared.clock import now

    url = args.database_url or os.environ.get("LIANXIN_BENCH_DATABASE_URL")
    if not url:
        print("set LIANXIN_BENCH_DATABASE_URL or pass --database-url (or run `make bench`)", file=sys.stderr)
        return 2
    rw.quiet_logs()
    rng = random.Random(11)
    with rw.fresh_databases(url, 2) as (admin, (real_url, base_url)), tempfile.TemporaryDirectory() as tmp:
        settings = config.load("evaluation", {
            "LIANXIN_DATABASE_URL": real_url, "LIANXIN_PORT": "0", "LIANXIN_BUS": "embedded",
            "LIANXIN_EMBEDDED_BUS_PATH": str(Path(tmp) / "bus.sqlite"), "LIANXIN_HOME_REGION": HOME,
            "LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv")})
        print(f"evaluation: points and ranking of {args.deputies} deputies from {args.events} events of {YEAR} "
              f"(+{args.sample} one by one), PostgreSQL")
        for fact in rw.machine_facts(admin):
            print("  " + fact)
        print("  load average (1, 5, 15 min) at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        running = service.start(definition(), settings, migrate=True)
        rt = running.runtime
        perf = Performance(rt)
        try:
            t0 = time.perf_counter()
            deputies = world(rt.regions, args.deputies, rng)
            by_region: dict[str, list] = {}
            for d in deputies:
                by_region.setdefault(d[1], []).append(d)
            with rt.transaction() as s:
                s.execute(insert(DeputyRow), [
                    {"id": i, "region_code": c, "region_path": p, "name": name, "levels": str(level), "status": 1,
                     "updated_at": now()} for i, c, p, level, name in deputies])
            envs = [activity_envelope(rng, deputies, by_region, n) for n in range(args.events + args.sample)]
            stored, sample = envs[:args.events], envs[args.events:]
            rows = []
            for env in stored:
                reading = activity(env.unpack(lev.ActivityRecorded), Arrival(env.id))
                assert reading is not None
                rows.append({"event_id": env.id, "type": env.type, "region_code": reading.region_code,
                             "day": reading.day, "year": reading.day.year, "data": env.data, "resolved": "",
                             "received_at": now()})
            for i in range(0, len(rows), 5000):
                with rt.transaction() as s:
                    s.execute(insert(PerfSourceRow), rows[i:i + 5000])
            print(f"  setup: {len(deputies)} deputies, {len(rows)} events stored in {time.perf_counter() - t0:.1f} s")

            # ---- recompute from scratch, and the ranking ----
            t0 = time.perf_counter()
            with rt.transaction() as s:
                got = perf.recompute_in(s, HOME, YEAR)
            recompute_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            with rt.transaction() as s:
                ranking = perf._ranking(s, HOME, Level.COUNTY, YEAR)
            rank_s = time.perf_counter() - t0
            ties = sum(1 for r, _ in ranking if r.tied)
            with rt.engine.begin() as c:
                t0 = time.perf_counter()
                c.execute(text("CREATE TEMP TABLE bare_rank AS SELECT deputy_id, SUM(credited) AS points, "
                               "COUNT(*) AS items, RANK() OVER (ORDER BY SUM(credited) DESC) AS rank "
                               "FROM perf_items WHERE year = :y GROUP BY deputy_id"), {"y": YEAR})
                bare_s = time.perf_counter() - t0
                bare_n = c.execute(text("SELECT count(*) FROM bare_rank")).scalar()
            print(f"  recompute from scratch: {got.sources} events -> {got.items} items, {got.changed} rows written, "
                  f"total {got.total} points: {recompute_s:.2f} s ({1e6 * recompute_s / max(1, got.sources):.0f} µs/event)")
            print(f"  ranking of the prefecture's county deputies: {len(ranking)} ranked ({ties} tied) in "
                  f"{1000 * rank_s:.0f} ms")
            print(f"  baseline: SUM/GROUP BY deputy with RANK() over the same {got.items} item rows "
                  f"({bare_n} deputies): {1000 * bare_s:.0f} ms")
            print(f"  ratio recompute/baseline: {recompute_s / bare_s:.1f}")

            # ---- per event: the consumer's path, one transaction each ----
            topic = performance_consumer(rt)
            consumer = Consumer(rt.sessions, rt.bus_tables, None, group=topic.group,   # type: ignore[arg-type]
                                topics=topic.topics, handler=topic.handler, types=topic.types)
            records = [Record(topic=e.topic, partition=0, offset=i, key=e.key.encode(), value=e.data,
                              headers=e.headers()) for i, e in enumerate(sample)]
            t0 = time.perf_counter()
            for rec in records:
                consumer._handle(rec)
            per_event = (time.perf_counter() - t0) / max(1, len(records))

            import psycopg
            conninfo = make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(conninfo) as conn:
                conn.execute("CREATE TABLE ev (id text PRIMARY KEY, data bytea)")
                conn.execute("CREATE TABLE it (key text PRIMARY KEY, deputy_id text, day date, points int)")
                conn.execute("CREATE TABLE tot (deputy_id text, year int, points int, PRIMARY KEY (deputy_id, year))")
                conn.commit()
                t0 = time.perf_counter()
                for e in sample:
                    act = lev.ActivityRecorded.FromString(e.data).activity
                    with conn.transaction():
                        conn.execute("INSERT INTO ev VALUES (%s, %s)", (e.id, e.data))
                        for dep in act.deputy_ids:
                            conn.execute("INSERT INTO it VALUES (%s, %s, %s, 100)",
                                         (f"{act.id}:{dep}", dep, act.date))
                            conn.execute("INSERT INTO tot VALUES (%s, %s, 100) ON CONFLICT (deputy_id, year) "
                                         "DO UPDATE SET points = tot.points + 100", (dep, YEAR))
                bare_event = (time.perf_counter() - t0) / max(1, len(sample))
            print(f"  per event (consumer path: inbox, stored event, items, caps credited, total): "
                  f"{1000 * per_event:.2f} ms over {len(records)} events")
            print(f"  baseline per event (insert event + items, add to totals, one transaction): "
                  f"{1000 * bare_event:.2f} ms")
            print(f"  ratio per-event/baseline: {per_event / bare_event:.1f}")

            with rt.transaction() as s:
                again = perf.recompute_in(s, HOME, YEAR)
            print(f"  check: recomputed after the incremental events: {again.changed} rows differ "
                  f"({again.items} items, total {again.total})")
            print("  load average (1, 5, 15 min) at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        finally:
            running.shutdown(grace=5)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.evaluation_points", description=__doc__.split("\n\n")[0])
    p.add_argument("--deputies", type=int, default=5500)
    p.add_argument("--events", type=int, default=400_000)
    p.add_argument("--sample", type=int, default=2000, help="events then applied one by one (default 2000)")
    p.add_argument("--database-url", default="", help="default $LIANXIN_BENCH_DATABASE_URL")
    return bench(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
