"""Benchmark (not a test): escalation latency across deployments over Kafka, p50 and p99.

Three liaison deployments, each started by shared.service.start on its own fresh PostgreSQL
database, sharing one Kafka broker (in a namespace of their own, so nothing else on the
broker is read): 三工镇 652301100, 昌吉市 652301, 昌吉回族自治州 652300. They live in this
process (one GIL), which if anything slows them.

Per case, one at a time (latency, not throughput):
  hop 1  township staff call EscalateOpinion; from the RPC returning until the county's
         linked case is visible in the county's database (outbox commit -> relay -> Kafka ->
         the county's consumer -> its commit);
  hop 2  county staff call EscalateOpinion on that linked case; from its return until the
         prefecture's linked case is visible.
  township -> prefecture is hop 1 + hop 2 per case (staff time at the county left out: the
  county escalates the moment it sees the case). Target: p99 <= 1 s for township -> prefecture.

  python -m bench.escalation_latency --cases 200
  LIANXIN_BENCH_DATABASE_URL=postgresql+psycopg://...   LIANXIN_BENCH_KAFKA=127.0.0.1:59092
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

from bench.roster_writes import fresh_databases, machine_facts, quiet_logs

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_S = 1.0
TOWNSHIP, COUNTY, PREFECTURE = "652301100", "652301", "652300"


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))]


def line(name: str, v: list[float]) -> str:
    return (f"  {name:28s} p50 {1000 * pct(v, 0.50):7.1f} ms   p99 {1000 * pct(v, 0.99):7.1f} ms   "
            f"max {1000 * max(v):7.1f} ms   (n={len(v)})")


def bench(args) -> int:
    import grpc
    from lianxin.liaison.v1 import liaison_pb2 as pb
    from lianxin.liaison.v1 import liaison_pb2_grpc
    from sqlalchemy import create_engine, text

    from services.liaison.service import definition
    from shared import config, service
    from shared.auth import issue_token
    from shared.bus.kafka import KafkaTransport

    url = args.database_url or os.environ.get("LIANXIN_BENCH_DATABASE_URL")
    kafka = args.kafka or os.environ.get("LIANXIN_BENCH_KAFKA")
    if not url or not kafka:
        print("set LIANXIN_BENCH_DATABASE_URL and LIANXIN_BENCH_KAFKA (or run `make bench`)", file=sys.stderr)
        return 2
    quiet_logs()
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    admin = KafkaTransport(kafka, client_id="bench", namespace=namespace)
    admin.ensure_topics(["lianxin.liaison.v1", "lianxin.roster.v1"])
    admin.close()
    secret = uuid.uuid4().hex * 2
    with fresh_databases(url, 3) as (admin_engine, urls):
        print("escalation latency: township -> county -> prefecture, three deployments over Kafka")
        for fact in machine_facts(admin_engine):
            print("  " + fact)
        print(f"  kafka {kafka} (namespace {namespace!r}); relay_interval {args.relay_interval:g} s, "
              f"woken by each commit that wrote events; {args.cases} cases one at a time")
        tiers = {}
        for region, db_url in zip((TOWNSHIP, COUNTY, PREFECTURE), urls):
            settings = config.load("liaison", {
                "LIANXIN_DATABASE_URL": db_url, "LIANXIN_PORT": "0", "LIANXIN_BUS": "kafka",
                "LIANXIN_KAFKA_BOOTSTRAP": kafka, "LIANXIN_KAFKA_NAMESPACE": namespace,
                "LIANXIN_HOME_REGION": region, "LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv"),
                "LIANXIN_JWT_SECRET": secret, "LIANXIN_HS256_TOKENS": "on", "LIANXIN_GRPC_WORKERS": "4",
                "LIANXIN_RELAY_INTERVAL": str(args.relay_interval)})
            running = service.start(definition(), settings)
            channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
            md = (("authorization", f"Bearer {issue_token(secret, subject='clerk', role='staff', region=region)}"),)
            tiers[region] = (running, channel, liaison_pb2_grpc.LiaisonServiceStub(channel), md,
                             create_engine(db_url, pool_size=1, max_overflow=0))
        _, _, t_stub, t_md, _ = tiers[TOWNSHIP]
        _, _, c_stub, c_md, c_db = tiers[COUNTY]
        _, _, _, _, p_db = tiers[PREFECTURE]

        def linked(engine, origin: str, timeout: float = 30.0) -> str:
            q = text("SELECT id FROM opinions WHERE origin_opinion_id = :o")
            deadline = time.perf_counter() + timeout
            with engine.connect() as c:
                while True:
                    found = c.execute(q, {"o": origin}).scalar()
                    c.rollback()
                    if found:
                        return found
                    if time.perf_counter() > deadline:
                        raise TimeoutError(f"no linked case for {origin} after {timeout:g} s")
                    time.sleep(args.poll)

        hop1, hop2, total = [], [], []
        try:
            for i in range(args.warmup + args.cases):
                o = t_stub.RecordOpinion(pb.RecordOpinionRequest(
                    channel=pb.CHANNEL_VISIT, region_code=TOWNSHIP, category="道路交通", text=f"路灯不亮 {i}"),
                    metadata=t_md, timeout=10)
                t_stub.EscalateOpinion(pb.EscalateOpinionRequest(id=o.id, reason="超出镇级权限"),
                                       metadata=t_md, timeout=10)
                t0 = time.perf_counter()
                county_id = linked(c_db, o.id)
                t1 = time.perf_counter()
                c_stub.EscalateOpinion(pb.EscalateOpinionRequest(id=county_id, reason="超出县级权限"),
                                       metadata=c_md, timeout=10)
                t2 = time.perf_counter()
                linked(p_db, county_id)
                t3 = time.perf_counter()
                if i >= args.warmup:
                    hop1.append(t1 - t0)
                    hop2.append(t3 - t2)
                    total.append((t1 - t0) + (t3 - t2))
        finally:
            for running, channel, _, _, engine in tiers.values():
                channel.close()
                engine.dispose()
                running.shutdown(grace=2)
        print(line("hop 1 township -> county", hop1))
        print(line("hop 2 county -> prefecture", hop2))
        print(line("township -> prefecture", total))
        p99 = pct(total, 0.99)
        print(f"township -> prefecture p99 = {1000 * p99:.1f} ms (target <= {1000 * TARGET_P99_S:.0f} ms): "
              + ("PASS" if p99 <= TARGET_P99_S else "ABOVE TARGET"))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.escalation_latency", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=200, help="measured cases (default 200)")
    p.add_argument("--warmup", type=int, default=10, help="cases before measuring (default 10)")
    p.add_argument("--poll", type=float, default=0.002, help="seconds between visibility checks (default 0.002)")
    p.add_argument("--relay-interval", type=float, default=0.2, help="the relay's longest pause (default 0.2)")
    p.add_argument("--database-url", default="", help="default $LIANXIN_BENCH_DATABASE_URL")
    p.add_argument("--kafka", default="", help="bootstrap server, default $LIANXIN_BENCH_KAFKA")
    return bench(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
