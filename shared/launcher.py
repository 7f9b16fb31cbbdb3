"""``make run``: the whole platform on one machine with embedded defaults.

Migrates the five databases, loads the demo roster, starts each service as its own
process, waits until every one reports SERVING, and stops them all on Ctrl-C/SIGTERM.
"""
from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared import config, db, logs
from shared.auth import issue_token


def wait_serving(port: int, deadline: float) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        while time.monotonic() < deadline:
            try:
                if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == health_pb2.HealthCheckResponse.SERVING:
                    return True
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    return False


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def load_demo() -> None:
    from services.roster.demo import load_demo as load
    from services.roster.service import definition
    from shared.service import build_runtime
    settings = config.load("roster")
    runtime = build_runtime(settings, definition().bus_tables)
    try:
        load(runtime, settings.home_region)
    finally:
        runtime.transport.close()
        runtime.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m shared.launcher")
    p.add_argument("--no-demo", action="store_true", help="do not load the demo roster")
    p.add_argument("--services", default=",".join(config.SERVICES))
    a = p.parse_args(argv)
    logs.configure("auto")
    names = [n for n in a.services.split(",") if n]
    busy = [f"{n} :{config.load(n).port}" for n in names if port_in_use(config.load(n).port)]
    if busy:
        print(f"ports in use ({', '.join(busy)}): is Lianxin already running?", file=sys.stderr)
        return 1
    for name in names:
        db.migrate(name, config.load(name).database_url)
    if not a.no_demo and "roster" in names:
        load_demo()
    procs = {name: subprocess.Popen([sys.executable, "-m", f"services.{name}"]) for name in names}
    stop = {"now": False}

    def on_signal(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    deadline = time.monotonic() + 60
    ports = {name: config.load(name).port for name in names}
    for name in names:
        if not wait_serving(ports[name], deadline):
            print(f"{name} did not become healthy on port {ports[name]}", file=sys.stderr)
            stop["now"] = True
    if not stop["now"] and not a.no_demo and {"roster", "liaison"} <= set(names):
        from services.liaison.demo import load as load_liaison_demo
        try:
            figures = load_liaison_demo(ports["roster"], ports["liaison"], config.load("liaison").jwt_secret,
                                        config.load("liaison").home_region)
            print(f"demo liaison work: {figures['opinions']} opinions, {figures['activities']} activities", flush=True)
        except Exception as e:   # the platform still runs; only the demo cases are missing
            print(f"demo liaison work not loaded: {e}", file=sys.stderr)
    if not stop["now"]:
        settings = config.load("roster")
        token = issue_token(settings.jwt_secret, subject="demo-staff", role="staff", region=settings.home_region)
        print("\nLianxin is running:", ", ".join(f"{n} :{ports[n]}" for n in names))
        print("Try:\n  grpcurl -plaintext 127.0.0.1:50051 list")
        print(f"  grpcurl -plaintext -H 'authorization: Bearer {token}' -d '{{\"name\": \"王\"}}' "
              "127.0.0.1:50051 lianxin.roster.v1.RosterService/ListDeputies")
        print("Ctrl-C stops everything.\n", flush=True)
    while not stop["now"] and all(pr.poll() is None for pr in procs.values()):
        time.sleep(0.5)
    for pr in procs.values():
        if pr.poll() is None:
            pr.send_signal(signal.SIGTERM)
    code = 0
    for name, pr in procs.items():
        try:
            rc = pr.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pr.kill()
            rc = pr.wait()
        if rc not in (0, -signal.SIGTERM):
            print(f"{name} exited with {rc}", file=sys.stderr)
            code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
