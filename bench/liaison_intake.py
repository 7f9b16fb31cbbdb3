"""Benchmark (not a test): public intake (码上提) through gRPC into PostgreSQL with the outbox,
as a ratio to the bare baseline of bench/roster_writes.py measured in the same run.

  real      the liaison service started by shared.service.start on a fresh database, embedded
            bus on a temp file (the relay publishes while the load runs); callers send
            SubmitPublicOpinion without a token, as a citizen's phone does, through the card of
            one of 16 deputies (caller n uses card n % 16). The public limits are raised for
            the bench, through settings: per client address (every call comes from 127.0.0.1)
            and per card (30 an hour by default).
  baseline  bench/roster_writes.py's bare grpcio servicer (one INSERT into a deputies-like
            table, one into an outbox-like table, COMMIT; a psycopg connection per worker
            thread), loaded by its own client process: imported, not copied.

Rounds alternate baseline/real; the best of each is kept. Target: real/baseline >= 0.70 at
16 callers.

  python -m bench.liaison_intake --callers 16 --seconds 10
  LIANXIN_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/db  (a role that may CREATE DATABASE)
"""
from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench import roster_writes as rw

ROOT = Path(__file__).resolve().parent.parent
TOWNSHIP = "652301100"
CARDS = 16


def run_client(port: int, cards: list[str], callers: int, warmup: float, seconds: float,
               request_ids: bool = False) -> dict:
    import grpc
    from lianxin.liaison.v1 import liaison_pb2 as pb
    from lianxin.liaison.v1 import liaison_pb2_grpc

    start = threading.Barrier(callers + 1)
    t0 = t1 = 0.0
    results: list[list[float]] = [[] for _ in range(callers)]
    done = [0] * callers
    errors: collections.Counter = collections.Counter()

    def caller(n: int) -> None:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1)])
        stub = liaison_pb2_grpc.LiaisonServiceStub(channel)
        grpc.channel_ready_future(channel).result(timeout=10)
        card = cards[n % len(cards)]
        start.wait()
        i = 0
        while True:
            req = pb.SubmitPublicOpinionRequest(card_code=card, category="道路交通", text=f"小区门口路灯不亮 {n}-{i}",
                                                contact=pb.Contact(name="市民", phone=f"139{n:02d}{i:06d}"[:20]),
                                                request_id=str(uuid.uuid4()) if request_ids else "")
            i += 1
            s = time.perf_counter()
            if s >= t1:
                break
            try:
                stub.SubmitPublicOpinion(req, timeout=30)
            except grpc.RpcError as e:
                errors[f"{e.code().name}: {e.details()}"] += 1
                continue
            done[n] += 1
            e_ = time.perf_counter()
            if t0 <= e_ <= t1:
                results[n].append(e_ - s)
        channel.close()

    threads = [threading.Thread(target=caller, args=(n,), daemon=True) for n in range(callers)]
    for t in threads:
        t.start()
    t0 = time.perf_counter() + warmup + 0.05
    t1 = t0 + seconds
    cpu0 = time.process_time()
    start.wait()
    for t in threads:
        t.join()
    lat = sorted(x for r in results for x in r)
    return {"calls": len(lat), "seconds": seconds, "all_calls": sum(done),
            "client_cpu_s": time.process_time() - cpu0, "errors": dict(errors.most_common(3)),
            "error_count": sum(errors.values()),
            "p50_ms": 1000 * lat[len(lat) // 2] if lat else 0.0,
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0}


def load_real(port: int, cards: list[str], args) -> dict:
    cmd = [sys.executable, "-m", "bench.liaison_intake", "--client", str(port), "--cards", ",".join(cards),
           "--callers", str(args.callers), "--warmup", str(args.warmup), "--seconds", str(args.seconds),
           *(["--request-ids"] if args.request_ids else [])]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True,
                         timeout=args.warmup + args.seconds + 120)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["rate"] = r["calls"] / r["seconds"]
    r["client_cpu_ms"] = 1000 * r["client_cpu_s"] / max(1, r["all_calls"])
    return r


def bench(args) -> int:
    import os

    from lianxin.roster.v1 import events_pb2 as rev
    from lianxin.roster.v1 import roster_pb2 as rpb
    from sqlalchemy.engine import make_url

    from services.liaison.directory import DirectoryHandler
    from services.liaison.service import definition
    from services.liaison.tables import BUS
    from shared import config, service
    from shared.auth import Role, issue_token
    from shared.bus import Envelope

    url = args.database_url or os.environ.get("LIANXIN_BENCH_DATABASE_URL")
    if not url:
        print("set LIANXIN_BENCH_DATABASE_URL or pass --database-url (or run `make bench`)", file=sys.stderr)
        return 2
    rw.quiet_logs()
    with rw.fresh_databases(url, 2) as (admin, (base_url, real_url)), tempfile.TemporaryDirectory() as tmp:
        secret = uuid.uuid4().hex * 2
        settings = config.load("liaison", {
            "LIANXIN_DATABASE_URL": real_url, "LIANXIN_PORT": "0", "LIANXIN_BUS": "embedded",
            "LIANXIN_EMBEDDED_BUS_PATH": str(Path(tmp) / "bus.sqlite"), "LIANXIN_HOME_REGION": TOWNSHIP,
            "LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv"), "LIANXIN_JWT_SECRET": secret,
            "LIANXIN_HS256_TOKENS": "on",
            "LIANXIN_PUBLIC_RATE_PER_MINUTE": "100000000", "LIANXIN_PUBLIC_BURST": "100000000",
            "LIANXIN_PUBLIC_SUBMISSIONS_PER_CARD_PER_HOUR": "100000000",
            **({"LIANXIN_GRPC_WORKERS": str(args.workers)} if args.workers else {})})
        print("liaison intake: SubmitPublicOpinion through gRPC into PostgreSQL, outbox row included")
        for fact in rw.machine_facts(admin):
            print("  " + fact)
        print(f"  load: {args.callers} callers, one thread and channel each, in one client process; "
              f"{args.warmup:g} s warm-up + {args.seconds:g} s per round; {args.rounds} rounds per side, best kept")
        print(f"  real: shared.service.start, no token (public), {CARDS} deputies' cards; public limits RAISED for the "
              f"bench via settings: public_rate_per_minute={settings.public_rate_per_minute}, "
              f"public_submissions_per_card_per_hour={settings.public_submissions_per_card_per_hour}")
        print("        per call: card lookup, limits, opinion (tracking code by its UNIQUE index) + history row + outbox, "
              "COMMIT; "
              "relay publishing to the embedded bus")
        print("  baseline: bench/roster_writes.py's bare grpcio servicer (RegisterDeputy: 1 INSERT + 1 INSERT outbox "
              "+ COMMIT) and its client")
        base_port, base_stop = rw.start_baseline(
            make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False),
            settings.grpc_workers)
        running = service.start(definition(), settings, migrate=True)
        directory = DirectoryHandler(running.runtime.regions, TOWNSHIP)
        cards = []
        with running.runtime.transaction() as s:
            for n in range(CARDS):
                code = uuid.uuid4().hex[:10].upper()
                d = rpb.Deputy(id=str(uuid.uuid4()), region_code=TOWNSHIP, name=f"代表{n}", card_code=code,
                               status=rpb.DEPUTY_STATUS_SERVING)
                directory(s, Envelope.for_message(rev.DeputyRegistered(deputy=d), service="roster",
                                                  home_region=TOWNSHIP, region=TOWNSHIP))
                cards.append(code)
        token = issue_token(secret, subject="bench-clerk", role=Role.STAFF, region=rw.STAFF_REGION)
        best: dict[str, dict] = {}
        sampler = rw.Sampler(prefix="liaison-rpc") if args.profile else None
        try:
            for rnd in range(args.rounds):
                for side in ("baseline", "real"):
                    cpu = time.process_time()
                    if side == "baseline":
                        r = rw.load(base_port, token, args, tag=f"i{rnd:02d}")
                    else:
                        if sampler and rnd == 0:
                            sampler.start()
                        r = load_real(running.port, cards, args)
                        if sampler and rnd == 0:
                            sampler.stop()
                    r["server_cpu_ms"] = 1000 * (time.process_time() - cpu) / max(1, r["all_calls"])
                    print(f"  round {rnd + 1} {side:8s} {rw.fmt(r)}", flush=True)
                    if side not in best or r["rate"] > best[side]["rate"]:
                        best[side] = r
            total, unsent = rw.drain_outbox(running, BUS.outbox)
        finally:
            running.shutdown(grace=5)
            base_stop()
        print(f"  relay: {total - unsent} of {total} outbox rows published ({unsent} unsent 10 s after the last round)")
        rw.report(best, args.callers, sampler)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.liaison_intake", description=__doc__.split("\n\n")[0])
    p.add_argument("--callers", type=int, default=16, help="concurrent callers (default 16)")
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per round (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per round (default 2)")
    p.add_argument("--rounds", type=int, default=2, help="rounds per side, alternating (default 2)")
    p.add_argument("--database-url", default="", help="default $LIANXIN_BENCH_DATABASE_URL")
    p.add_argument("--workers", type=int, default=0, help="gRPC worker threads of both servers")
    p.add_argument("--profile", action="store_true",
                   help="sample the real server's RPC threads during its first round and print where they spend time")
    p.add_argument("--request-ids", action="store_true",
                   help="send a fresh request_id with every call, as a retry-safe client does (AIP-155)")
    p.add_argument("--client", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--cards", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.client:
        print(json.dumps(run_client(args.client, args.cards.split(","), args.callers, args.warmup, args.seconds,
                                    args.request_ids)))
        return 0
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
