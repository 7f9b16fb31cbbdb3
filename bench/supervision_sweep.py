"""Benchmark (not a test): supervision's lateness sweep over a prefecture, beside a bare SQL query
finding the same late milestones, as a ratio in one run.

Builds, in a fresh PostgreSQL database migrated to the supervision schema, one prefecture
(652300 of deploy/regions/demo.csv: its counties and townships) with --projects projects
(default 5,000) of --milestones milestones each (default 10: 50,000), each with a lead
department, bulk-loaded with COPY and ANALYZEd. Milestones fall due over the year; most are
reported on time, some trail. "Today" is frozen at --today. The late milestones' first letters
are loaded as already issued (a prefecture sweeping every five minutes has sent them before),
so the timed sweep is the steady state: it finds every lateness, every chain to follow and
every project's standing, and issues nothing new.

  sweep   services.supervision.letters.Letters(runtime).sweep(), called directly (what the
          lateness timer runs), in the supervision service started on that database
  bare    SELECT the milestones past due and below 100% of the prefecture's projects (one
          join, no lock, no standing, no letters)

It prints the first sweep (which records each project's standing), the median of --runs timed
sweeps and bare queries (ms), the ratio sweep/bare, and whether both found the same late
milestones.

  LIANXIN_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/db python -m bench.supervision_sweep
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
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFECTURE = "652300"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.supervision_sweep", description=__doc__.split("\n")[0])
    p.add_argument("--projects", type=int, default=5000)
    p.add_argument("--milestones", type=int, default=10, help="milestones per project")
    p.add_argument("--today", default="2026-07-01", help="the frozen China day of the sweep")
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--profile", action="store_true", help="print where the first timed sweep spends its time")
    a = p.parse_args(argv)

    import psycopg
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    import services
    from services.supervision import domain as d
    from services.supervision.letters import Letters
    from shared import config
    from shared import service as svc
    from shared.clock import CHINA, frozen
    from shared.tenancy import RegionTree

    url = os.environ.get("LIANXIN_BENCH_DATABASE_URL")
    if not url:
        print("set LIANXIN_BENCH_DATABASE_URL (make bench does)", file=sys.stderr)
        return 2
    regions = RegionTree.load(ROOT / "deploy" / "regions" / "demo.csv")
    today = date.fromisoformat(a.today)
    rng = random.Random(a.seed)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    bench_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    plain = make_url(bench_url).set(drivername="postgresql").render_as_string(hide_password=False)
    running = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = config.load("supervision", {
                "LIANXIN_DATABASE_URL": bench_url, "LIANXIN_PORT": "0", "LIANXIN_BUS": "embedded",
                "LIANXIN_EMBEDDED_BUS_PATH": str(Path(tmp) / "bus.sqlite"), "LIANXIN_HOME_REGION": PREFECTURE,
                "LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv"), "LIANXIN_JWT_SECRET": "b" * 64,
                "LIANXIN_HS256_TOKENS": "on", "LIANXIN_LATENESS_SWEEP_INTERVAL": "86400"})
            running = svc.start(services.definition("supervision"), settings, migrate=True)
            t0 = time.perf_counter()
            codes = [r for r in regions.subtree(PREFECTURE)]
            at = datetime(2026, 1, 1, tzinfo=timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")
            projects, departments, milestones, letters = [], [], [], []
            late_ids: set[str] = set()
            for i in range(a.projects):
                region = codes[i % len(codes)]
                pid = str(uuid.uuid4())
                projects.append("\t".join((pid, region.code, region.path, "2026", f"实事{i}", "城建", "", "2", "",
                                           r"\N", "", "", "", "100000000", "2026-12-31", at, at, "0", "0")) + "\n")
                departments.append("\t".join((pid, "dept-housing", "0", "住建局", "1", "马建国")) + "\n")
                trails = rng.random() < 0.2          # a fifth of the projects trail somewhat
                states = []
                for k in range(a.milestones):
                    due = date(2026, 1, 15) + timedelta(days=(k * 340) // a.milestones + rng.randint(0, 10))
                    percent = 100 if due < today else rng.choice((0, 20, 50))
                    if trails and due < today and rng.random() < 0.3:
                        percent = rng.choice((30, 60, 90))
                    mid = str(uuid.uuid4())
                    milestones.append("\t".join((mid, pid, str(k), f"节点{k}", due.isoformat(), "1", str(percent),
                                                 "0", "", "", r"\N", "")) + "\n")
                    states.append(d.MilestoneState(mid, f"节点{k}", due, 1, percent))
                for x in d.lateness(pid, states, today, 10):
                    if x.milestone_id:
                        late_ids.add(x.milestone_id)
                    seq = len(letters) + 1
                    letters.append("\t".join((
                        str(uuid.uuid4()), x.key, region.code, region.path, str(today.year), str(seq),
                        f"督办函〔{today.year}〕{seq}号", pid, x.milestone_id, "dept-housing", "住建局", str(int(x.kind)),
                        str(x.days_late), x.what, (today + timedelta(days=10)).isoformat(), "昌吉",
                        at, r"\\x", "1", "提醒督办函", "", x.key, f"2026年民生实事项目“实事{i}”", region.code,
                        "project", pid)) + "\n")
            with psycopg.connect(plain) as conn, conn.cursor() as cur:
                for table, cols, lines in (
                        ("projects", "id, region_code, region_path, year, title, category, description, origin, "
                                     "campaign_id, proposal_id, funding_source, schedule, location_region, budget_fen, "
                                     "deadline, created_at, updated_at, standing, milestones_late", projects),
                        ("project_departments", "project_id, department, position, name, role, responsible_person",
                         departments),
                        ("milestones", "id, project_id, position, title, due_date, weight, percent, spent_fen, "
                                       "evidence, attachments, reported_at, reported_by", milestones),
                        ("letters", "id, lateness, region_code, region_path, year, seq, number, project_id, "
                                    "milestone_id, department, department_name, kind, days_late, what_is_late, "
                                    "reply_by, issuer, issued_at, document, level, title, follows_id, chain, "
                                    "subject_text, subject_region, subject_kind, subject_id", letters)):
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
                        cp.write("".join(lines))
                conn.commit()
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
            print(f"loaded in {time.perf_counter() - t0:.1f} s: {len(projects):,} projects, {len(milestones):,} "
                  f"milestones ({len(late_ids):,} late on {today}), {len(letters):,} letters already issued, "
                  f"{len(codes)} regions under {PREFECTURE}")

            sweeper = Letters(running.runtime)
            bare_sql = ("SELECT m.id FROM milestones m JOIN projects p ON p.id = m.project_id "
                        "WHERE (p.region_path = %(path)s OR p.region_path LIKE %(prefix)s) "
                        "AND m.due_date < %(today)s AND m.percent < 100")
            params = {"path": regions.get(PREFECTURE).path, "prefix": regions.get(PREFECTURE).path + "/%",
                      "today": today}
            noon = datetime.combine(today, datetime.min.time().replace(hour=12), CHINA)
            with frozen(noon), psycopg.connect(plain, autocommit=True) as conn:
                t0 = time.perf_counter()
                first = sweeper.sweep()
                first_ms = (time.perf_counter() - t0) * 1000
                outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
                # The relay publishes those and the roll-up consumes them in this process: wait
                # until it has, so the timed sweeps do not share the cores with it.
                deadline = time.monotonic() + 600
                while conn.execute("SELECT count(*) FROM figure_projects WHERE standing > 0").fetchone()[0] < outbox \
                        and time.monotonic() < deadline:
                    time.sleep(0.5)
                sweeps, bares = [], []
                found: set[str] = set()
                if a.profile:
                    import cProfile
                    import pstats
                    prof = cProfile.Profile()
                    prof.runcall(sweeper.sweep)
                    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
                for _ in range(a.runs):
                    t0 = time.perf_counter()
                    issued = sweeper.sweep()
                    sweeps.append((time.perf_counter() - t0) * 1000)
                    assert issued == 0, issued
                    t0 = time.perf_counter()
                    found = {r[0] for r in conn.execute(bare_sql, params).fetchall()}
                    bares.append((time.perf_counter() - t0) * 1000)
                standing_late = conn.execute("SELECT coalesce(sum(milestones_late), 0) FROM projects").fetchone()[0]
            sweep_ms, bare_ms = stats.median(sweeps), stats.median(bares)
            print(f"first sweep: {first_ms:.0f} ms ({first} letters issued, {outbox:,} standings published)")
            print(f"\n{'sweep ms':>10}{'bare ms':>10}{'sweep/bare':>12}  same late milestones")
            print(f"{sweep_ms:>10.1f}{bare_ms:>10.1f}{sweep_ms / bare_ms:>11.1f}x  "
                  f"{found == late_ids and standing_late == len(late_ids)} ({len(found):,})")
            print(f"\nmedians of {a.runs} runs; python {platform.python_version()}, {os.cpu_count()} cpus")
    finally:
        if running is not None:
            running.shutdown(grace=2)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
