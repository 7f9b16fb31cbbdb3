"""``make run``: the whole platform on one machine with embedded defaults.

Migrates every service's database, runs the services' demo hooks, starts each service as its
own process, waits until every one reports SERVING, prints the ports they really serve on,
and stops them all on Ctrl-C/SIGTERM. If any service exits, the launcher stops the others and
exits non-zero, naming the service and printing its last log lines. The services and their
demo hooks come from the registry (``services.NAMES``) and their definitions.
"""
from __future__ import annotations

import argparse
import collections
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import IO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

import services
from shared import config, db, logs
from shared.auth import issue_token

TAIL_LINES = 20
_print_lock = threading.Lock()   # children's lines and the launcher's own never share a line


def say(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    with _print_lock:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()


def is_serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        try:
            status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1).status
        except grpc.RpcError:
            return False
    return status == health_pb2.HealthCheckResponse.SERVING


def wait_serving(port: int, deadline: float) -> bool:
    """True once the service on ``port`` reports SERVING, False at ``deadline`` (monotonic);
    also the container health check (shared/healthcheck.py)."""
    while time.monotonic() < deadline:
        if is_serving(port):
            return True
        time.sleep(0.2)
    return False


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan_ports(settings: Mapping[str, config.Settings]) -> dict[str, int]:
    """The port each service will listen on: its setting, or a free port for 0. Raises
    ValueError when two services would share a port."""
    ports = {name: s.port or free_port() for name, s in settings.items()}
    by_port: dict[int, list[str]] = {}
    for name, port in ports.items():
        by_port.setdefault(port, []).append(name)
    shared_ports = {p: names for p, names in by_port.items() if len(names) > 1}
    if shared_ports:
        clash = "; ".join(f"{', '.join(names)} on {p}" for p, names in shared_ports.items())
        raise ValueError(f"services would share a port ({clash}): set LIANXIN_<SERVICE>_PORT per service, "
                         "or LIANXIN_PORT as the base port (roster there, the next services on the ports after it)")
    return ports


class Child:
    """One service process; its output is passed through line by line and its last lines kept."""

    def __init__(self, name: str, port: int, env: Mapping[str, str]):
        self.name, self.port = name, port
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.proc = subprocess.Popen([sys.executable, "-m", f"services.{name}"], env=dict(env),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, encoding="utf-8", errors="replace", bufsize=1)
        self.reader = threading.Thread(target=self._pass_through, args=(self.proc.stdout,),
                                       name=f"launcher-{name}", daemon=True)
        self.reader.start()

    def _pass_through(self, stream: IO[str]) -> None:
        for line in stream:
            self.tail.append(line.rstrip("\n"))
            say(line)

    def exited(self) -> int | None:
        return self.proc.poll()

    def report_exit(self) -> None:
        self.reader.join(timeout=2)   # the last lines it wrote before it died
        lines = "\n".join(f"  {line}" for line in self.tail) or "  (no output)"
        say(f"{self.name} (port {self.port}) exited with code {self.proc.returncode}; its last lines:\n{lines}",
            err=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m shared.launcher")
    p.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    p.add_argument("--services", default=",".join(services.NAMES))
    a = p.parse_args(argv)
    logs.configure("auto")
    try:
        names = [services.require(n) for n in a.services.split(",") if n]
        definitions = {n: services.definition(n) for n in names}
        settings = {n: config.load(n, settings_class=d.settings, global_port_is_base=True)
                    for n, d in definitions.items()}
        ports = plan_ports(settings)
    except ValueError as e:
        say(f"cannot start: {e}", err=True)
        return 2
    busy = [f"{n} :{port}" for n, port in ports.items() if port_in_use(port)]
    if busy:
        say(f"ports in use ({', '.join(busy)}): is Lianxin already running?", err=True)
        return 1
    for name in names:
        db.migrate(name, settings[name].database_url)
    demos = {} if a.no_demo else {n: d.demo for n, d in definitions.items() if d.demo}
    for name, demo in demos.items():
        if demo.seed:
            say(demo.seed(settings[name]))

    env = dict(os.environ)
    for name, port in ports.items():
        env[f"LIANXIN_{name.upper()}_PORT"] = str(port)   # what the launcher planned, exactly
        # Their output passes through a pipe; on a terminal keep it readable as before.
        if settings[name].log_format == "auto" and sys.stdout.isatty():
            env[f"LIANXIN_{name.upper()}_LOG_FORMAT"] = "console"
    children = {name: Child(name, ports[name], env) for name in names}
    stop = {"now": False}

    def on_signal(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    failed = wait_all_serving(children, stop, deadline=time.monotonic() + 60)
    if failed is None and not stop["now"]:
        for name, demo in demos.items():
            if demo.through_api and demo.needs <= set(names):
                try:
                    say(demo.through_api(settings[name], ports))
                except Exception as e:   # the platform still runs; only the demo work is missing
                    say(f"{name} demo not loaded: {e}", err=True)
        say(running_banner(settings, ports))
        while not stop["now"] and failed is None:
            failed = next((c for c in children.values() if c.exited() is not None), None)
            time.sleep(0.5)
    return stop_all(children, failed)


def wait_all_serving(children: Mapping[str, Child], stop: dict[str, bool], deadline: float) -> Child | None:
    """Waits until every child serves; returns the first that exited (or did not come up in time)."""
    waiting = dict(children)
    while waiting and not stop["now"]:
        for name, child in list(waiting.items()):
            if child.exited() is not None:
                return child
            if is_serving(child.port):
                del waiting[name]
        if time.monotonic() > deadline:
            name, child = next(iter(waiting.items()))
            say(f"{name} did not become healthy on port {child.port} within 60 s", err=True)
            return child
        time.sleep(0.2)
    return None


def running_banner(settings: Mapping[str, config.Settings], ports: Mapping[str, int]) -> str:
    lines = ["", "Lianxin is running: " + ", ".join(f"{n} :{p}" for n, p in ports.items())]
    some = next(iter(settings.values()))
    token = issue_token(some.jwt_secret, subject="demo-staff", role="staff", region=some.home_region)
    first = next(iter(ports.values()))
    lines += ["Try:", f"  grpcurl -plaintext 127.0.0.1:{first} list"]
    if "roster" in ports:
        lines.append(f"  grpcurl -plaintext -H 'authorization: Bearer {token}' -d '{{\"name\": \"王\"}}' "
                     f"127.0.0.1:{ports['roster']} lianxin.roster.v1.RosterService/ListDeputies")
    if "liaison" in ports:
        lines.append(f"  grpcurl -plaintext -H 'authorization: Bearer {token}' -d '{{}}' "
                     f"127.0.0.1:{ports['liaison']} lianxin.liaison.v1.LiaisonService/ListOpinions")
    lines += ["Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def stop_all(children: Mapping[str, Child], failed: Child | None) -> int:
    """Stops every child; 1 if any exited on its own or failed to stop cleanly, else 0."""
    if failed is not None:
        failed.report_exit()
    for child in children.values():
        if child.exited() is None:
            child.proc.send_signal(signal.SIGTERM)
    code = 0 if failed is None else 1
    for child in children.values():
        try:
            rc = child.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.proc.kill()
            rc = child.proc.wait()
        if child is not failed and rc not in (0, -signal.SIGTERM):
            child.report_exit()
            code = 1
    if failed is not None:
        say(f"Lianxin stopped: {failed.name} exited", err=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
