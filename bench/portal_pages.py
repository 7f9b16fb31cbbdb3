"""Benchmark (not a test): the citizens' pages of the web portal under concurrent clients,
beside the same pages served as static files by the same server in the same run.

  card       GET /card/<code>: the portal calls roster GetPublicCard (with its system token and
             the citizen's address and device) and renders the page
  tracking   GET /t/<code>: the portal calls liaison TrackOpinion and renders the page
  static     the same two pages' HTML, saved once and served by the same portal process
             (Starlette's StaticFiles under /static/), so the difference is what rendering
             and the gRPC call cost
  grpc       (a diagnostic) the page's RPC called directly by the client process, with the
             portal's token and forwarded headers: what the services give without the portal

Roster and liaison run in this process on fresh PostgreSQL databases (embedded bus on a temp
file); the portal is its own process (uvicorn, one worker), as in production; the load is a
separate client process: N asyncio tasks, each an HTTP/1.1 keep-alive client with its own
cookies (one device each). The public limits are raised for the bench through settings (every
client is 127.0.0.1). Each page gets a warm-up then a measured window, in rounds that alternate
the pages (the best of each is kept); requests/s, p50 and p99 are printed and the ratio
rendered/static.

  python -m bench.portal_pages --clients 50 --seconds 10
  LIANXIN_BENCH_DATABASE_URL=postgresql+psycopg://user@host:port/db  (a role that may CREATE DATABASE)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "652301"
STATIC = ROOT / "portal" / "static" / "vendor"      # gitignored; the bench's copies are removed after


# ---- the client process -------------------------------------------------------------------

async def _load(base: str, path: str, clients: int, warmup: float, seconds: float) -> dict:
    import httpx
    latencies: list[float] = []
    errors: dict[str, int] = {}
    start = time.perf_counter() + warmup
    end = start + seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30,
                                     limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)) as c:
            while True:
                t0 = time.perf_counter()
                if t0 >= end:
                    return
                try:
                    r = await c.get(path)
                    status = str(r.status_code)
                except httpx.HTTPError as e:
                    status = type(e).__name__
                t1 = time.perf_counter()
                if t0 >= start:
                    if status == "200":
                        latencies.append(t1 - t0)
                    else:
                        errors[status] = errors.get(status, 0) + 1

    cpu = time.process_time()
    await asyncio.gather(*(client() for _ in range(clients)))
    latencies.sort()

    def pct(p: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

    return {"rate": len(latencies) / seconds, "p50_ms": pct(0.50), "p99_ms": pct(0.99), "ok": len(latencies),
            "errors": errors, "client_cpu_s": time.process_time() - cpu}


async def _load_grpc(target: str, page: str, code: str, token: str, clients: int, warmup: float,
                     seconds: float) -> dict:
    """The page's RPC called directly, as the portal calls it (its token, a client address and
    a device per client): what the services alone give, without the portal."""
    import grpc
    from lianxin.liaison.v1 import liaison_pb2 as lpb
    from lianxin.liaison.v1 import liaison_pb2_grpc
    from lianxin.roster.v1 import roster_pb2 as rpb
    from lianxin.roster.v1 import roster_pb2_grpc
    latencies: list[float] = []
    errors: dict[str, int] = {}
    start = time.perf_counter() + warmup
    end = start + seconds

    async def client(n: int) -> None:
        md = (("authorization", f"Bearer {token}"), ("x-lianxin-client-address", "127.0.0.1"),
              ("x-lianxin-device", f"bench-device-{n:04d}-{uuid.uuid4().hex}"))
        async with grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)]) as ch:
            if page == "card":
                stub, req = roster_pb2_grpc.RosterServiceStub(ch), rpb.GetPublicCardRequest(card_code=code)
                call = stub.GetPublicCard
            else:
                stub, req = liaison_pb2_grpc.LiaisonServiceStub(ch), lpb.TrackOpinionRequest(tracking_code=code)
                call = stub.TrackOpinion
            while True:
                t0 = time.perf_counter()
                if t0 >= end:
                    return
                try:
                    await call(req, metadata=md, timeout=30)
                    status = "OK"
                except grpc.aio.AioRpcError as e:
                    status = e.code().name
                t1 = time.perf_counter()
                if t0 >= start:
                    if status == "OK":
                        latencies.append(t1 - t0)
                    else:
                        errors[status] = errors.get(status, 0) + 1

    cpu = time.process_time()
    await asyncio.gather(*(client(n) for n in range(clients)))
    latencies.sort()

    def pct(p: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

    return {"rate": len(latencies) / seconds, "p50_ms": pct(0.50), "p99_ms": pct(0.99), "ok": len(latencies),
            "errors": errors, "client_cpu_s": time.process_time() - cpu}


def client_main(args) -> int:
    if args.grpc:
        page, code, token = args.path.split("|")
        result = asyncio.run(_load_grpc(args.base, page, code, token, args.clients, args.warmup, args.seconds))
    else:
        result = asyncio.run(_load(args.base, args.path, args.clients, args.warmup, args.seconds))
    print(json.dumps(result))
    return 0


def measure(base: str, path: str, args, *, grpc_target: bool = False) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.portal_pages", "--client", "--base", base, "--path", path,
                          "--clients", str(args.clients), "--warmup", str(args.warmup),
                          "--seconds", str(args.seconds), *(["--grpc"] if grpc_target else [])],
                         cwd=ROOT, capture_output=True, text=True, timeout=args.warmup + args.seconds + 120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the bench ----------------------------------------------------------------------------

def bench(args) -> int:
    import grpc
    import httpx
    from lianxin.liaison.v1 import liaison_pb2 as lpb
    from lianxin.liaison.v1 import liaison_pb2_grpc
    from lianxin.roster.v1 import roster_pb2 as rpb
    from lianxin.roster.v1 import roster_pb2_grpc

    import services
    from bench import roster_writes as rw
    from shared import config
    from shared.auth import issue_token
    from shared.service import start

    url = args.database_url or os.environ.get("LIANXIN_BENCH_DATABASE_URL")
    if not url:
        print("set LIANXIN_BENCH_DATABASE_URL or pass --database-url (or run `make bench`)", file=sys.stderr)
        return 2
    rw.quiet_logs()
    tag = uuid.uuid4().hex[:8]
    static_dir = STATIC / f"bench-{tag}"
    with rw.fresh_databases(url, 2) as (admin, (roster_url, liaison_url)), tempfile.TemporaryDirectory() as tmp:
        secret = uuid.uuid4().hex * 2
        portal_port = rw_free_port()
        env = {"LIANXIN_PORT": "0", "LIANXIN_BUS": "embedded", "LIANXIN_EMBEDDED_BUS_PATH": str(Path(tmp) / "bus.sqlite"),
               "LIANXIN_REGIONS_FILE": str(ROOT / "deploy/regions/demo.csv"), "LIANXIN_JWT_SECRET": secret,
               "LIANXIN_HS256_TOKENS": "on", "LIANXIN_TRUSTED_FORWARDERS": "portal", "LIANXIN_PUBLIC_BASE_URL": f"http://127.0.0.1:{portal_port}",
               "LIANXIN_PUBLIC_RATE_PER_MINUTE": "100000000", "LIANXIN_PUBLIC_BURST": "100000000",
               "LIANXIN_PUBLIC_DEVICE_RATE_PER_MINUTE": "100000000", "LIANXIN_PUBLIC_DEVICE_BURST": "100000000"}
        running = {}
        for name, db_url in (("roster", roster_url), ("liaison", liaison_url)):
            running[name] = start(services.definition(name), config.load(name, env | {"LIANXIN_DATABASE_URL": db_url}),
                                  migrate=True)
        portal_env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")} | {
            "LIANXIN_PORTAL_PORT": str(portal_port), "LIANXIN_JWT_SECRET": secret, "LIANXIN_LOG_FORMAT": "json",
            "LIANXIN_PUBLIC_BASE_URL": f"http://127.0.0.1:{portal_port}",
            "LIANXIN_PORTAL_BACKENDS": f"roster=127.0.0.1:{running['roster'].port},"
                                       f"liaison=127.0.0.1:{running['liaison'].port}"}
        portal = subprocess.Popen([sys.executable, "-m", "portal"], cwd=ROOT, env=portal_env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{portal_port}"
        try:
            md = (("authorization", "Bearer " + issue_token(secret, subject="bench", role="staff", region="652300")),)
            with grpc.insecure_channel(f"127.0.0.1:{running['roster'].port}") as ch:
                roster = roster_pb2_grpc.RosterServiceStub(ch)
                d = roster.RegisterDeputy(rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
                    region_code=COUNTY, name="基准代表", seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")],
                    work_unit="昌吉市第一中学", contact=rpb.Contact(phone="13900001234"))), metadata=md, timeout=10)
                roster.UpdateCard(rpb.UpdateCardRequest(deputy_id=d.id, card=rpb.CardSettings(
                    show_work_unit=True, pledge="倾听群众呼声")), metadata=md, timeout=10)
                v = roster.CreateVenue(rpb.CreateVenueRequest(venue=rpb.Venue(
                    region_code=COUNTY, kind=rpb.VENUE_KIND_LIAISON_STATION, name="基准联络站", address="宁边西路18号",
                    schedule=rpb.ReceptionSchedule(days_of_month=[5, 20], hours="10:00-12:00"))), metadata=md, timeout=10)
                roster.AssignDeputyToVenue(rpb.AssignDeputyToVenueRequest(venue_id=v.id, deputy_id=d.id),
                                           metadata=md, timeout=10)
            code = ""
            deadline = time.monotonic() + 60
            with grpc.insecure_channel(f"127.0.0.1:{running['liaison'].port}") as ch:
                liaison = liaison_pb2_grpc.LiaisonServiceStub(ch)
                while not code:
                    try:
                        code = liaison.SubmitPublicOpinion(lpb.SubmitPublicOpinionRequest(
                            card_code=d.card_code, category="道路交通", text="村口路灯坏了"), timeout=10).tracking_code
                    except grpc.RpcError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                op = [o for o in liaison.ListOpinions(lpb.ListOpinionsRequest(), metadata=md, timeout=10).opinions][0]
                liaison.AcceptOpinion(lpb.AcceptOpinionRequest(id=op.id), metadata=md, timeout=10)
                liaison.AnswerOpinion(lpb.AnswerOpinionRequest(id=op.id, answer="已联系供电所，本周修复。"),
                                      metadata=md, timeout=10)
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            pages = {"card": f"/card/{d.card_code}", "tracking": f"/t/{code}"}
            static_dir.mkdir(parents=True, exist_ok=True)
            for name, path in pages.items():
                r = httpx.get(base + path, timeout=10)
                assert r.status_code == 200, (path, r.status_code)
                (static_dir / f"{name}.html").write_bytes(r.content)
            print("portal pages: rendered (a gRPC call + a template) vs the same HTML as a static file, same server")
            for fact in rw.machine_facts(admin):
                print("  " + fact)
            print(f"  load: {args.clients} concurrent clients (asyncio + httpx, keep-alive, own cookies each) in one "
                  f"client process; {args.warmup:g} s warm-up + {args.seconds:g} s per page")
            print("  portal: python -m portal (uvicorn, 1 process); roster + liaison in the bench process on "
                  "PostgreSQL; public limits raised via settings")
            portal_token = issue_token(secret, subject="portal", role="system", region="652300")
            direct = {"card": (f"127.0.0.1:{running['roster'].port}", f"card|{d.card_code}|{portal_token}"),
                      "tracking": (f"127.0.0.1:{running['liaison'].port}", f"tracking|{code}|{portal_token}")}
            results: dict[tuple[str, str], dict] = {}
            for rnd in range(args.rounds):
                for name, path in pages.items():
                    for kind, p in (("rendered", path), ("static", f"/static/vendor/bench-{tag}/{name}.html"),
                                    ("grpc", "")):
                        if kind == "grpc":
                            r = measure(direct[name][0], direct[name][1], args, grpc_target=True)
                        else:
                            r = measure(base, p, args)
                        print(f"  round {rnd + 1} {name:8s} {kind:8s} {fmt(r)}", flush=True)
                        if (name, kind) not in results or r["rate"] > results[(name, kind)]["rate"]:
                            results[(name, kind)] = r
            print("  best of each:")
            for (name, kind), r in results.items():
                print(f"    {name:8s} {kind:8s} {fmt(r)}")
            for name in pages:
                ratio = results[(name, "rendered")]["rate"] / max(results[(name, "static")]["rate"], 1e-9)
                print(f"  {name} page: rendered/static = {ratio:.2f}")
            print("  (grpc: the page's RPC called directly with 50 clients, no portal: what the services give alone)")
        finally:
            shutil.rmtree(static_dir, ignore_errors=True)
            portal.terminate()
            portal.wait(timeout=20)
            for r in running.values():
                r.shutdown(grace=2)
    return 0


def fmt(r: dict) -> str:
    return (f"{r['rate']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  ok {r['ok']}  "
            f"errors {r['errors'] or 0}  client cpu {r['client_cpu_s']:.1f} s")


def rw_free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.portal_pages")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--rounds", type=int, default=2, help="rounds alternating the pages; the best of each is kept")
    p.add_argument("--database-url", default="")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--base", default="", help=argparse.SUPPRESS)
    p.add_argument("--path", default="", help=argparse.SUPPRESS)
    p.add_argument("--grpc", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    return client_main(args) if args.client else bench(args)


if __name__ == "__main__":
    sys.exit(main())
