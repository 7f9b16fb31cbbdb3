"""Benchmark (not a test): the secret ballot through gRPC into PostgreSQL.

  cast      500 deputies, each checked in, cast their ballot of 50 candidates at once through
            gRPC (CastBallot, a deputy's token each) from a separate client process with
            --callers threads, one channel each: the time until every ballot is accepted
            (target <= 5 s here), and the casting rate as a ratio to the bare baseline of
            bench/roster_writes.py (one INSERT + one INSERT outbox + COMMIT per call) loaded by
            the same number of callers in the same run.
  count     CloseBallot of those 500 ballots x 50 candidates (tally, bulletin, its SHA-256, the
            random-order rewrite and VACUUM FULL of the ballot tables), and the same tally,
            bulletin and digest in this process (services.balloting.domain), beside a plain
            Python count of the same ballots.

The electorate is fed to balloting's roster read model through its own consumer handler (as
roster events would), so the bench needs no roster service.

  python -m bench.balloting_ballot --voters 500 --candidates 50 --callers 32
  LIANXIN_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/db  (a role that may CREATE DATABASE)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench import roster_writes as rw

ROOT = Path(__file__).resolve().parent.parent
TOWN = "652323100"   # 呼图壁镇


def run_client(port: int, secret: str, campaign_id: str, voters: list[str], candidates: list[str], seats: int,
               callers: int) -> dict:
    """Every voter casts once, ``callers`` threads at a time; returns the wall time and errors."""
    import grpc
    from lianxin.balloting.v1 import balloting_pb2 as pb
    from lianxin.balloting.v1 import balloting_pb2_grpc

    from shared.auth import issue_token

    rng = random.Random(7)
    work = []
    for v in voters:
        approve = set(rng.sample(range(len(candidates)), seats))
        marks = [pb.Mark(proposal_id=p, choice=pb.CHOICE_APPROVE if i in approve else pb.CHOICE_OPPOSE)
                 for i, p in enumerate(candidates)]
        token = issue_token(secret, subject=v, role="deputy", region=TOWN)
        work.append((pb.CastBallotRequest(campaign_id=campaign_id, marks=marks), (("authorization", f"Bearer {token}"),)))
    lock = threading.Lock()
    errors: list[str] = []
    receipts: list[str] = []
    start = threading.Barrier(callers + 1)

    def caller(n: int) -> None:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1)])
        stub = balloting_pb2_grpc.BallotingServiceStub(channel)
        grpc.channel_ready_future(channel).result(timeout=10)
        start.wait()
        for request, md in work[n::callers]:
            try:
                code = stub.CastBallot(request, metadata=md, timeout=60).receipt_code
                with lock:
                    receipts.append(code)
            except grpc.RpcError as e:
                with lock:
                    errors.append(e.code().name)
        channel.close()

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(callers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for t in threads:
        t.join()
    return {"seconds": time.perf_counter() - t0, "accepted": len(receipts), "unique": len(set(receipts)),
            "errors": errors[:5], "error_count": len(errors), "client_cpu_s": time.process_time() - cpu0}


def cast_in_child(port: int, secret: str, campaign_id: str, voters: list[str], candidates: list[str], seats: int,
                  callers: int) -> dict:
    spec = json.dumps({"port": port, "secret": secret, "campaign_id": campaign_id, "voters": voters,
                       "candidates": candidates, "seats": seats, "callers": callers})
    out = subprocess.run([sys.executable, "-m", "bench.balloting_ballot", "--client"], input=spec, cwd=ROOT,
                         check=True, capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def count_in_process(candidates: int, seats: int, ballots: int) -> tuple[float, float]:
    """(seconds of domain.tally + adopt + bulletin + digest, seconds of a plain count) of the
    same random ballots, best of five."""
    from services.balloting import domain as d
    rng = random.Random(11)
    ids = [str(uuid.uuid4()) for _ in range(candidates)]
    box = []
    for _ in range(ballots):
        approve = set(rng.sample(range(candidates), seats))
        box.append("".join("A" if i in approve else "O" for i in range(candidates)))
    ours = plain = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        tallies = d.tally(ids, box)
        outcome = d.adopt(tallies, seats, ballots)
        data = d.bulletin_json({"ballots": sorted(box), "tally": [t.__dict__ for t in tallies],
                                "adopted": list(outcome.adopted), "receipts": sorted(ids)})
        d.digest(data)
        ours = min(ours, time.perf_counter() - t0)
        t0 = time.perf_counter()
        counts = [0] * candidates
        for b in box:
            for i, c in enumerate(b):
                if c == "A":
                    counts[i] += 1
        plain = min(plain, time.perf_counter() - t0)
    return ours, plain


def bench(args) -> int:
    import grpc
    from lianxin.balloting.v1 import balloting_pb2 as pb
    from lianxin.balloting.v1 import balloting_pb2_grpc
    from lianxin.roster.v1 import events_pb2 as rev
    from lianxin.roster.v1 import roster_pb2 as rpb
    from sqlalchemy.engine import make_url

    from services.balloting.directory import deputy_directory
    from services.balloting.service import definition
    from shared import config, service
    from shared.auth import Role, issue_token
    from shared.bus import Envelope

    url = args.database_url or os.environ.get("LIANXIN_BENCH_DATABASE_URL")
    if not url:
        print("set LIANXIN_BENCH_DATABASE_URL or pass --database-url (or run `make bench`)", file=sys.stderr)
        return 2
    rw.quiet_logs()
    seats = args.candidates * 4 // 5
    with rw.fresh_databases(url, 2) as (admin, (base_url, real_url)), tempfile.TemporaryDirectory() as tmp:
        secret = uuid.uuid4().hex * 2
        settings = config.load("balloting", {
            "LIANXIN_DATABASE_URL": real_url, "LIANXIN_PORT": "0", "LIANXIN_BUS": "embedded",
            "LIANXIN_EMBEDDED_BUS_PATH": str(Path(tmp) / "bus.sqlite"), "LIANXIN_HOME_REGION": TOWN,
            "LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv"), "LIANXIN_JWT_SECRET": secret,
            "LIANXIN_HS256_TOKENS": "on", **({"LIANXIN_GRPC_WORKERS": str(args.workers)} if args.workers else {})})
        print(f"balloting: {args.voters} deputies cast a ballot of {args.candidates} candidates ({seats} seats) at "
              f"once through gRPC into PostgreSQL")
        for fact in rw.machine_facts(admin):
            print("  " + fact)
        running = service.start(definition(), settings, migrate=True)
        base_port, base_stop = rw.start_baseline(
            make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False),
            settings.grpc_workers)
        try:
            directory = deputy_directory(running.runtime.deployment)
            voters = [str(uuid.uuid4()) for _ in range(args.voters)]
            with running.runtime.transaction() as s:
                for n, v in enumerate(voters):
                    d = rpb.Deputy(id=v, region_code=TOWN, name=f"代表{n:04d}", status=rpb.DEPUTY_STATUS_SERVING,
                                   seats=[rpb.Seat(level=rpb.LEVEL_TOWNSHIP)])
                    directory(s, Envelope.for_message(rev.DeputyRegistered(deputy=d), service="roster",
                                                      home_region=TOWN, region=TOWN))
            staff = issue_token(secret, subject="bench-clerk", role=Role.STAFF, region=TOWN)
            md = (("authorization", f"Bearer {staff}"),)
            with grpc.insecure_channel(f"127.0.0.1:{running.port}") as ch:
                b = balloting_pb2_grpc.BallotingServiceStub(ch)
                c = b.CreateCampaign(pb.CreateCampaignRequest(region_code=TOWN, year=2090, title="压测"), metadata=md)
                ps = [b.RecordProposal(pb.RecordProposalRequest(
                    campaign_id=c.id, proposal=pb.NewProposal(title=f"项目{i}", category="城建", investment_fen=10_000),
                    proposer=pb.Proposer(kind=pb.PROPOSER_KIND_OFFLINE, name="座谈会")), metadata=md)
                    for i in range(args.candidates)]
                b.CloseCall(pb.CloseCallRequest(id=c.id), metadata=md)
                for p in ps:
                    b.ShortlistProposal(pb.ShortlistProposalRequest(id=p.id, shortlisted=True), metadata=md)
                c = b.FixCandidates(pb.FixCandidatesRequest(id=c.id, seats=seats, session_date="2089-12-20", candidates=[
                    pb.CandidateEntry(proposal_id=p.id, funding_source="财政") for p in ps]), metadata=md)
                b.OpenSession(pb.OpenSessionRequest(id=c.id), metadata=md)
                for v in voters:
                    b.CheckIn(pb.CheckInRequest(campaign_id=c.id, deputy_id=v), metadata=md)
                c = b.OpenBallot(pb.OpenBallotRequest(id=c.id), metadata=md)
                candidates = list(c.rounds[-1].candidate_ids)
                print(f"  load: {args.callers} caller threads in a separate client process, one channel each")
                base = rw.load(base_port, staff, argparse.Namespace(callers=args.callers, warmup=1.0, seconds=5.0),
                               tag="ballot")
                sampler = rw.Sampler(prefix="balloting-rpc") if args.profile else None
                if sampler:
                    sampler.start()
                cpu = time.process_time()
                cast = cast_in_child(running.port, secret, c.id, voters, candidates, seats, args.callers)
                server_cpu = time.process_time() - cpu
                if sampler:
                    sampler.stop()
                    print(sampler.report())
                rate = cast["accepted"] / cast["seconds"]
                print(f"  cast: {cast['accepted']} of {args.voters} ballots accepted ({cast['unique']} receipts) in "
                      f"{cast['seconds']:.2f} s = {rate:.1f} ballots/s, {cast['error_count']} errors {cast['errors']}; "
                      f"server cpu {1000 * server_cpu / max(1, cast['accepted']):.2f} ms/ballot")
                print(f"  baseline: {base['rate']:.1f} calls/s (p50 {base['p50_ms']:.1f} ms) at {args.callers} callers")
                print(f"  ratio cast/baseline: {rate / base['rate']:.2f}   target: all {args.voters} accepted in <= 5 s: "
                      f"{'met' if cast['seconds'] <= 5 and cast['accepted'] == args.voters else 'NOT met'}")
                t0 = time.perf_counter()
                counted = c.rounds[-1].number
                closed = b.CloseBallot(pb.CloseBallotRequest(id=c.id), metadata=md, timeout=120)
                close_s = time.perf_counter() - t0
                r = next(x for x in closed.rounds if x.number == counted)   # a tie may have opened a run-off
                print(f"  count: CloseBallot of {r.returned} ballots x {args.candidates} candidates in {close_s:.3f} s "
                      f"(valid {r.valid}, adopted {len(r.adopted)}, digest {r.bulletin_digest[:12]}…)")
        finally:
            running.shutdown(grace=5)
            base_stop()
        ours, plain = count_in_process(args.candidates, seats, args.voters)
        print(f"  in process: tally + adoption + bulletin + SHA-256 {1000 * ours:.1f} ms; plain Python count "
              f"{1000 * plain:.1f} ms (ratio {ours / plain:.1f})")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.balloting_ballot", description=__doc__.split("\n\n")[0])
    p.add_argument("--voters", type=int, default=500)
    p.add_argument("--candidates", type=int, default=50)
    p.add_argument("--callers", type=int, default=32, help="client threads casting at once (default 32)")
    p.add_argument("--database-url", default="", help="default $LIANXIN_BENCH_DATABASE_URL")
    p.add_argument("--workers", type=int, default=0, help="gRPC worker threads of both servers")
    p.add_argument("--profile", action="store_true", help="sample the server's RPC threads while the ballots are cast")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.client:
        spec = json.loads(sys.stdin.read())
        print(json.dumps(run_client(spec["port"], spec["secret"], spec["campaign_id"], spec["voters"],
                                    spec["candidates"], spec["seats"], spec["callers"])))
        return 0
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
