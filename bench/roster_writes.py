"""Benchmark (not a test): roster writes through gRPC into PostgreSQL, outbox row included,
as a ratio to a bare baseline measured in the same run.

  real      the roster service started by shared.service.start on a fresh database, with the
            embedded bus on a temp file so the outbox relay runs and publishes too; callers
            send RegisterDeputy with a staff token and a unique, realistic deputy per call.
  baseline  a minimal grpcio server exposing the same RegisterDeputy method (so the clients
            are identical) whose handler does one raw INSERT into a deputies-like table, one
            INSERT into an outbox-like table and COMMIT, on one psycopg connection per worker
            thread; same thread-pool size as the real server (settings.grpc_workers).
  equal     (secondary, printed after the headline ratio) the same bare servicer writing the
            rows the service writes, into the roster schema: deputy, seats, specialties, status
            history, outbox row, COMMIT. It shows what the service's own layers cost on top of
            the same database work; the target stays real/baseline.

Both servers live in this process; the load comes from a separate client process (so the
callers do not share the servers' GIL), one thread and one channel (its own HTTP/2 connection)
per caller. Rounds alternate baseline/equal/real; the best round of each side is compared.

  python -m bench.roster_writes --callers 16 --seconds 10
  LIANXIN_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/db  (a role that may CREATE DATABASE)

Exit status is 0 whatever the ratio: this measures, it does not judge.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent import futures
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.70
REGION = "652301"          # a county in deploy/regions/demo.csv
STAFF_REGION = "652300"    # the prefecture above it: the token's scope


# ---------------------------------------------------------------- client (own process) ----

def _deputy(tag: str, caller: int, i: int):
    from lianxin.roster.v1 import roster_pb2 as pb
    # Unique per call: name and phone form the import key the service checks first.
    return pb.Deputy(
        region_code=REGION, name=f"王建国{tag}-{caller}-{i}", gender=pb.GENDER_MALE, ethnicity="汉族",
        seats=[pb.Seat(level=pb.LEVEL_COUNTY, term="第十五届", electoral_district=f"第{caller % 9 + 1}选区")],
        work_unit="昌吉市第一中学", position="校长",
        contact=pb.Contact(phone=f"139{tag[-2:]}{caller:02d}{i:05d}"[:20], email=f"d{tag}{caller}x{i}@example.cn",
                           address="昌吉市延安北路 18 号"),
        specialties=["教育", "法律"], status=pb.DEPUTY_STATUS_SERVING)


def run_client(port: int, token: str, callers: int, warmup: float, seconds: float, tag: str) -> dict:
    import grpc
    from lianxin.roster.v1 import roster_pb2 as pb
    from lianxin.roster.v1 import roster_pb2_grpc

    metadata = (("authorization", f"Bearer {token}"),)
    start = threading.Barrier(callers + 1)
    t0 = t1 = 0.0
    results: list[list[float]] = [[] for _ in range(callers)]
    done = [0] * callers
    errors: collections.Counter = collections.Counter()

    def caller(n: int) -> None:
        # A local subchannel pool: without it gRPC would share one connection among channels.
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1)])
        stub = roster_pb2_grpc.RosterServiceStub(channel)
        grpc.channel_ready_future(channel).result(timeout=10)
        start.wait()
        i = 0
        mine = results[n]
        while True:
            req = pb.RegisterDeputyRequest(deputy=_deputy(tag, n, i))
            i += 1
            s = time.perf_counter()
            if s >= t1:
                break
            try:
                stub.RegisterDeputy(req, metadata=metadata, timeout=30)
            except grpc.RpcError as e:
                errors[f"{e.code().name}: {e.details()}"] += 1
                continue
            done[n] += 1
            e_ = time.perf_counter()
            if t0 <= e_ <= t1:
                mine.append(e_ - s)
        channel.close()

    threads = [threading.Thread(target=caller, args=(n,), daemon=True) for n in range(callers)]
    for t in threads:
        t.start()
    t0 = time.perf_counter() + warmup + 0.05
    t1 = t0 + seconds
    cpu0 = time.process_time()   # after imports and connecting: the calls' own cost
    start.wait()
    for t in threads:
        t.join()
    lat = sorted(x for r in results for x in r)
    return {"calls": len(lat), "seconds": seconds, "all_calls": sum(done),
            "client_cpu_s": time.process_time() - cpu0, "errors": dict(errors.most_common(3)),
            "error_count": sum(errors.values()),
            "p50_ms": 1000 * lat[len(lat) // 2] if lat else 0.0,
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0}


def load(port: int, token: str, args, tag: str) -> dict:
    """Runs the callers in a child process and returns its figures."""
    cmd = [sys.executable, "-m", "bench.roster_writes", "--client", str(port), "--token", token,
           "--callers", str(args.callers), "--warmup", str(args.warmup), "--seconds", str(args.seconds),
           "--tag", tag]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True,
                         timeout=args.warmup + args.seconds + 120)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["rate"] = r["calls"] / r["seconds"]
    r["client_cpu_ms"] = 1000 * r["client_cpu_s"] / max(1, r["all_calls"])
    return r


# ---------------------------------------------------------------------------- baseline ----

BASELINE_DDL = [
    """CREATE TABLE deputies (
        id varchar(36) PRIMARY KEY, region_code varchar(9) NOT NULL, name varchar(50) NOT NULL,
        phone varchar(20) NOT NULL, status integer NOT NULL, created_at timestamptz NOT NULL)""",
    """CREATE TABLE outbox (
        seq bigserial PRIMARY KEY, event_id varchar(36) NOT NULL UNIQUE, topic varchar(200) NOT NULL,
        key varchar(64) NOT NULL, type varchar(200) NOT NULL, time timestamptz NOT NULL,
        data bytea NOT NULL, sent_at timestamptz)""",
]


def serve_bare(conninfo: str, workers: int, name: str, write) -> tuple[int, callable]:
    """A bare grpcio RosterService whose RegisterDeputy runs ``write(cursor, request, deputy)``
    on a psycopg connection of its worker thread, then COMMIT; answers the deputy with its id.
    Returns (port, stop)."""
    import grpc
    import psycopg
    from lianxin.roster.v1 import roster_pb2 as pb
    from lianxin.roster.v1 import roster_pb2_grpc

    local = threading.local()
    conns: list = []

    class Bare(roster_pb2_grpc.RosterServiceServicer):
        def RegisterDeputy(self, request, context):
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = psycopg.connect(conninfo)
                conns.append(conn)
            out = pb.Deputy()
            out.CopyFrom(request.deputy)
            out.id = str(uuid.uuid4())
            with conn.cursor() as cur:
                write(cur, request.deputy, out)
            conn.commit()
            return out

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{name}-rpc"))
    roster_pb2_grpc.add_RosterServiceServicer_to_server(Bare(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()

    def stop():
        server.stop(5).wait()
        for c in conns:
            c.close()

    return port, stop


def start_baseline(conninfo: str, workers: int):
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as c:
        for stmt in BASELINE_DDL:
            c.execute(stmt)

    def write(cur, m, out):
        t = datetime.now(timezone.utc)
        cur.execute("INSERT INTO deputies (id, region_code, name, phone, status, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (out.id, m.region_code, m.name, m.contact.phone, 1, t))
        cur.execute("INSERT INTO outbox (event_id, topic, key, type, time, data) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (str(uuid.uuid4()), "lianxin.roster.v1", m.region_code,
                     "lianxin.roster.v1.DeputyRegistered", t, out.SerializeToString()))

    return serve_bare(conninfo, workers, "baseline", write)


def start_equal_work(url: str, conninfo: str, workers: int):
    """The second, secondary baseline: the same bare servicer, but writing the rows the service
    writes per call, into the roster's own schema (migrated, so the same indexes): the deputy
    (every column), its seats, its specialties, the first status change and the outbox row,
    then COMMIT. Still no duplicate-check SELECT, no auth, no validation, no log line."""
    from shared import db
    db.migrate("roster", url)

    def write(cur, m, out):
        deputy_id, t = out.id, datetime.now(timezone.utc)
        c = m.contact
        cur.execute("INSERT INTO deputies (id, region_code, region_path, name, gender, ethnicity, work_unit, "
                    "position, phone, email, address, status, card_code, show_work_unit, show_position, "
                    "show_phone, show_specialties, pledge, created_at, updated_at) VALUES (%s, %s, %s, %s, "
                    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (deputy_id, m.region_code, "65/6523/" + m.region_code, m.name, m.gender, m.ethnicity,
                     m.work_unit, m.position, c.phone, c.email, c.address, 1, uuid.uuid4().hex[:10],
                     True, True, False, True, "", t, t))
        cur.executemany("INSERT INTO deputy_seats (deputy_id, level, term, electoral_district) "
                        "VALUES (%s, %s, %s, %s)",
                        [(deputy_id, x.level, x.term, x.electoral_district) for x in m.seats])
        cur.executemany("INSERT INTO deputy_specialties (deputy_id, specialty, position) VALUES (%s, %s, %s)",
                        [(deputy_id, x, i) for i, x in enumerate(m.specialties)])
        cur.execute("INSERT INTO deputy_status_history (deputy_id, status, reason, changed_at, changed_by) "
                    "VALUES (%s, %s, %s, %s, %s)", (deputy_id, 1, "registered", t, "bench-clerk"))
        cur.execute("INSERT INTO outbox (event_id, topic, key, type, source, subject, time, data) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (str(uuid.uuid4()), "lianxin.roster.v1", m.region_code,
                     "lianxin.roster.v1.DeputyRegistered", "roster", deputy_id, t, out.SerializeToString()))

    return serve_bare(conninfo, workers, "equal", write)


# ------------------------------------------------------------------------------ sampler ----

class Sampler:
    """A small wall-clock sampling profiler over the real server's RPC threads (no py-spy here):
    every `interval` it records the innermost project frame and the innermost frame overall of
    each thread that is inside a call. Attribution is approximate: the sampler needs the GIL."""

    def __init__(self, prefix: str, interval: float = 0.005):
        self.prefix, self.interval = prefix, interval
        self.own = collections.Counter()
        self.leaf = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        root = str(ROOT)
        while not self._stop.wait(self.interval):
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if not names.get(ident, "").startswith(self.prefix):
                    continue
                f, project, stack = frame, None, []
                while f is not None:
                    code = f.f_code
                    stack.append(code)
                    if project is None and code.co_filename.startswith(root) and "/.venv/" not in code.co_filename:
                        project = f"{os.path.relpath(code.co_filename, root)}:{f.f_lineno} {code.co_name}"
                    f = f.f_back
                if not any(c.co_name == "_call_behavior" for c in stack):
                    continue   # an idle worker waiting for work
                self.samples += 1
                leaf = stack[0]
                self.leaf[f"{Path(leaf.co_filename).name}:{leaf.co_name}"] += 1
                self.own[project or "(outside project code)"] += 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self, top: int = 20) -> str:
        lines = [f"sampled {self.samples} in-call thread stacks every {self.interval * 1000:.0f} ms"]
        for title, counter in (("innermost project frame", self.own), ("innermost frame", self.leaf)):
            lines.append(f"  by {title}:")
            for k, n in counter.most_common(top):
                lines.append(f"    {100 * n / max(1, self.samples):5.1f}%  {k}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------- main ----

def machine_facts(admin_engine) -> list[str]:
    from sqlalchemy import text
    with admin_engine.connect() as c:
        version = c.scalar(text("SHOW server_version"))
        pg = {k: c.scalar(text(f"SHOW {k}")) for k in ("fsync", "synchronous_commit", "shared_buffers")}
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return [f"cores: {os.cpu_count()} (usable by this process: {usable})",
            f"python {platform.python_version()} on {platform.system()} {platform.machine()}",
            f"postgresql {version} on the same machine: " + ", ".join(f"{k}={v}" for k, v in pg.items())]


@contextlib.contextmanager
def fresh_databases(url: str, n: int):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    names = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(n)]
    try:
        with admin.connect() as c:
            for name in names:
                c.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin, [make_url(url).set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as c:
            for name in names:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def quiet_logs() -> None:
    """The service's own log set-up (one JSON line per RPC), written to /dev/null: the cost of
    rendering the line stays in the measurement, the terminal stays readable."""
    from shared import logs
    real_stderr, sys.stderr = sys.stderr, open(os.devnull, "w")
    try:
        logs.configure("json")
    finally:
        sys.stderr = real_stderr


def fmt(r: dict) -> str:
    err = f", {r['error_count']} errors {r['errors']}" if r["error_count"] else ""
    return (f"{r['rate']:8.1f} calls/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
            f"cpu/call: server {r['server_cpu_ms']:.2f} ms, client {r['client_cpu_ms']:.2f} ms{err}")


def drain_outbox(running, table, seconds: float = 10.0) -> tuple[int, int]:
    """Waits until the relay has published everything written (or ``seconds`` pass);
    returns (rows, still unsent): the relay's share of the work belongs to the real side."""
    from sqlalchemy import func, select
    deadline = time.monotonic() + seconds
    while True:
        with running.runtime.engine.connect() as c:
            total = c.scalar(select(func.count()).select_from(table))
            unsent = c.scalar(select(func.count()).select_from(table).where(table.c.sent_at.is_(None)))
        if not unsent or time.monotonic() > deadline:
            return total, unsent
        time.sleep(0.2)


def report(best: dict, callers: int, sampler=None) -> None:
    """The best round of each side, and the headline ratio against the bare baseline."""
    for side in best:
        print(f"best {side:8s} {fmt(best[side])}")
    ratio = best["real"]["rate"] / best["baseline"]["rate"] if best["baseline"]["rate"] else 0.0
    print(f"ratio real/baseline = {ratio:.2f} (target >= {TARGET:.2f}) at {callers} callers: "
          + ("PASS" if ratio >= TARGET else "BELOW TARGET"))
    if "equal" in best:
        equal = best["real"]["rate"] / best["equal"]["rate"] if best["equal"]["rate"] else 0.0
        print(f"  secondary, not the target: real/equal-work = {equal:.2f} (the bare servicer writing the same "
              "6 rows; see bench/README.md)")
    if sampler:
        print("where the real server's RPC threads spend wall time (round 1):")
        print(sampler.report())


def bench(args) -> int:
    from sqlalchemy.engine import make_url

    from services.roster.service import definition
    from services.roster.tables import BUS
    from shared import config, service
    from shared.auth import Role, issue_token

    url = args.database_url or os.environ.get("LIANXIN_BENCH_DATABASE_URL")
    if not url:
        print("set LIANXIN_BENCH_DATABASE_URL or pass --database-url (or run `make bench`)", file=sys.stderr)
        return 2
    quiet_logs()
    with fresh_databases(url, 3) as (admin, (base_url, real_url, equal_url)), tempfile.TemporaryDirectory() as tmp:
        secret = uuid.uuid4().hex * 2
        settings = config.load("roster", {
            "LIANXIN_DATABASE_URL": real_url, "LIANXIN_PORT": "0", "LIANXIN_BUS": "embedded",
            "LIANXIN_EMBEDDED_BUS_PATH": str(Path(tmp) / "bus.sqlite"),
            "LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv"), "LIANXIN_JWT_SECRET": secret,
            "LIANXIN_HS256_TOKENS": "on",
            **({"LIANXIN_GRPC_WORKERS": str(args.workers)} if args.workers else {})})
        token = issue_token(secret, subject="bench-clerk", role=Role.STAFF, region=STAFF_REGION)
        print("roster writes: RegisterDeputy through gRPC into PostgreSQL, outbox row included")
        for line in machine_facts(admin):
            print("  " + line)
        print(f"  load: {args.callers} callers = {args.callers} threads in one client process, one channel "
              f"(own HTTP/2 connection) each, sync unary stubs; {args.warmup:g} s warm-up + "
              f"{args.seconds:g} s measured per round; {args.rounds} rounds per side, alternating, best kept")
        print(f"  servers: {settings.grpc_workers} gRPC worker threads each, in this process")
        print("  real: shared.service.start (interceptors, JWT, validation, ORM, outbox, request log to "
              "/dev/null)\n        + the outbox relay publishing to the embedded bus (SQLite file) while it runs")
        print("  baseline: bare grpcio servicer, 1 INSERT deputies + 1 INSERT outbox + COMMIT per call, "
              "one psycopg connection per worker thread")
        print("  equal-work (secondary): the same bare servicer writing the service's rows into its schema: deputy, "
              "seats, specialties,\n        status history, outbox, COMMIT (no duplicate check, auth, validation or log)")

        base_port, base_stop = start_baseline(make_url(base_url).set(drivername="postgresql")
                                              .render_as_string(hide_password=False), settings.grpc_workers)
        equal_port, equal_stop = start_equal_work(equal_url, make_url(equal_url).set(drivername="postgresql")
                                                  .render_as_string(hide_password=False), settings.grpc_workers)
        running = service.start(definition(), settings, migrate=True)
        sampler = Sampler(prefix="roster-rpc") if args.profile else None
        best: dict[str, dict] = {}
        try:
            for rnd in range(args.rounds):
                for side, port in (("baseline", base_port), ("equal", equal_port), ("real", running.port)):
                    if sampler and side == "real" and rnd == 0:
                        sampler.start()
                    cpu = time.process_time()
                    r = load(port, token, args, tag=f"{side[0]}{rnd:02d}")
                    r["server_cpu_ms"] = 1000 * (time.process_time() - cpu) / max(1, r["all_calls"])
                    if sampler and side == "real" and rnd == 0:
                        sampler.stop()
                    print(f"  round {rnd + 1} {side:8s} {fmt(r)}", flush=True)
                    if side not in best or r["rate"] > best[side]["rate"]:
                        best[side] = r
            total, unsent = drain_outbox(running, BUS.outbox)
        finally:
            running.shutdown(grace=5)
            base_stop()
            equal_stop()
        print(f"  relay: {total - unsent} of {total} outbox rows published to the embedded bus"
              f" ({unsent} still unsent 10 s after the last round)")
        report(best, args.callers, sampler)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.roster_writes", description=__doc__.split("\n\n")[0])
    p.add_argument("--callers", type=int, default=16, help="concurrent callers (default 16)")
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per round (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per round (default 2)")
    p.add_argument("--rounds", type=int, default=2, help="rounds per side, alternating (default 2)")
    p.add_argument("--database-url", default="",
                   help="server to create the bench databases on (default $LIANXIN_BENCH_DATABASE_URL)")
    p.add_argument("--workers", type=int, default=0,
                   help="gRPC worker threads of both servers (default: the service's grpc_workers setting)")
    p.add_argument("--profile", action="store_true",
                   help="sample the real server's RPC threads during its first round and print where they spend time")
    p.add_argument("--client", type=int, default=0, help=argparse.SUPPRESS)   # internal: be the load process
    p.add_argument("--token", default="", help=argparse.SUPPRESS)
    p.add_argument("--tag", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.client:
        print(json.dumps(run_client(args.client, args.token, args.callers, args.warmup, args.seconds, args.tag)))
        return 0
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
