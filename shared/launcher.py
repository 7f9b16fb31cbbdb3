"""``make run``: the whole platform on one machine with embedded defaults.

Migrates every service's database, runs the services' demo hooks, starts each service as its
own process, waits until every one reports SERVING, prints the ports they really serve on,
and stops them all on Ctrl-C/SIGTERM. If any service exits, the launcher stops the others and
exits non-zero, naming the service and printing its last log lines. The services and their
demo hooks come from the registry (``services.NAMES``) and their definitions.

Once the services serve, it starts the web portal (``python -m portal``, port
``LIANXIN_PORTAL_PORT``, default 8080; 0 = any free port) pointed at the ports it planned, and
prints its address. The services are told to believe the portal's forwarded client address
(its token subject joins ``trusted_forwarders``), and, unless ``LIANXIN_PUBLIC_BASE_URL`` is
set, card QR codes point at the portal's address. ``--no-portal`` leaves it out.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
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
    """One process (a service, or the portal); its output is passed through line by line and
    its last lines kept."""

    def __init__(self, name: str, port: int, env: Mapping[str, str], module: str | None = None):
        self.name, self.port = name, port
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.proc = subprocess.Popen([sys.executable, "-m", module or f"services.{name}"], env=dict(env),
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
    p.add_argument("--no-portal", action="store_true", help="do not start the web portal")
    a = p.parse_args(argv)
    logs.configure("auto")
    try:
        names = [services.require(n) for n in a.services.split(",") if n]
        definitions = {n: services.definition(n) for n in names}
        settings = {n: config.load(n, settings_class=d.settings, global_port_is_base=True)
                    for n, d in definitions.items()}
        ports = plan_ports(settings)
        portal = None if a.no_portal or not PORTAL_NEEDS <= set(names) else plan_portal(ports)
    except ValueError as e:
        say(f"cannot start: {e}", err=True)
        return 2
    busy = [f"{n} :{port}" for n, port in ports.items() if port_in_use(port)]
    if portal is not None and port_in_use(portal.portal_port):
        busy.append(f"portal :{portal.portal_port}")
    if busy:
        say(f"ports in use ({', '.join(busy)}): is Lianxin already running?", err=True)
        return 1
    for name in names:
        db.migrate(name, settings[name].database_url)
    demos = {} if a.no_demo else {n: d.demo for n, d in definitions.items() if d.demo}
    for name, demo in demos.items():
        if demo.seed:
            try:
                say(demo.seed(settings[name]))
            except Exception as e:   # one clear line; the services still start without that demo data
                say(f"{name} demo not loaded: {type(e).__name__}: {e}", err=True)

    env = dict(os.environ)
    for demo in demos.values():
        for key, value in demo.settings.items():
            env.setdefault(key, value)
    if portal is not None:
        env.update(portal_env_for_services(portal, env))
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
        if portal is not None:
            children["portal"] = Child("portal", portal.portal_port, portal_env(portal, ports, env), module="portal")
            failed = wait_portal(children["portal"], stop, deadline=time.monotonic() + 60)
        if failed is None and not stop["now"]:
            say(running_banner(settings, ports, portal_url(portal) if portal else ""))
        while not stop["now"] and failed is None:
            failed = next((c for c in children.values() if c.exited() is not None), None)
            time.sleep(0.5)
    return stop_all(children, failed)


# The portal's citizen pages call these two; without them it is not started.
PORTAL_NEEDS = {"roster", "liaison"}


def plan_portal(ports: Mapping[str, int]):
    """The portal's settings with the port it will listen on (a free one for 0). Raises
    ValueError when that port is a service's."""
    from portal import settings as portal_settings
    s = portal_settings.load()
    port = s.portal_port or free_port()
    clash = [n for n, p in ports.items() if p == port]
    if clash:
        raise ValueError(f"the portal and {clash[0]} would share port {port}: set LIANXIN_PORTAL_PORT")
    return dataclasses.replace(s, portal_port=port)


def portal_url(portal) -> str:
    host = "127.0.0.1" if portal.host in ("0.0.0.0", "::", "") else portal.host
    return f"http://{host}:{portal.portal_port}"


def portal_env_for_services(portal, env: Mapping[str, str]) -> dict[str, str]:
    """What the services need to know of the portal: its token subject is a trusted
    forwarder, and (unless set) card QR codes point at its address."""
    trusted = [x for x in env.get("LIANXIN_TRUSTED_FORWARDERS", "").split(",") if x.strip()]
    extra = {"LIANXIN_TRUSTED_FORWARDERS": ",".join(dict.fromkeys([*trusted, portal.portal_subject]))}
    if "LIANXIN_PUBLIC_BASE_URL" not in env:
        extra["LIANXIN_PUBLIC_BASE_URL"] = portal_url(portal)
    return extra


def portal_env(portal, ports: Mapping[str, int], env: Mapping[str, str]) -> dict[str, str]:
    backends = ",".join(f"{n}=127.0.0.1:{p}" for n, p in ports.items())
    out = {**env, "LIANXIN_PORTAL_PORT": str(portal.portal_port), "LIANXIN_PORTAL_BACKENDS": backends}
    if portal.log_format == "auto" and sys.stdout.isatty():
        out["LIANXIN_LOG_FORMAT"] = "console"
    return out


def is_http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def wait_portal(child: Child, stop: dict[str, bool], deadline: float) -> Child | None:
    """Waits until the portal answers its health page; returns it if it exited or did not
    come up in time."""
    url = f"http://127.0.0.1:{child.port}/healthz"
    while not stop["now"]:
        if child.exited() is not None:
            return child
        if is_http_ok(url):
            return None
        if time.monotonic() > deadline:
            say(f"portal did not answer on port {child.port} within 60 s", err=True)
            return child
        time.sleep(0.2)
    return None


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


def running_banner(settings: Mapping[str, config.Settings], ports: Mapping[str, int], portal: str = "") -> str:
    lines = ["", "Lianxin is running: " + ", ".join(f"{n} :{p}" for n, p in ports.items())]
    if portal:
        lines.append(f"Web portal: {portal}/")
        card = demo_card_code(settings, ports)
        if card:
            lines.append(f"  a deputy's card, as its QR code opens it: {portal}/card/{card}")
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


def demo_card_code(settings: Mapping[str, config.Settings], ports: Mapping[str, int]) -> str:
    """The card code of the roster's first deputy ('' if none or the roster does not answer)."""
    from lianxin.roster.v1 import roster_pb2, roster_pb2_grpc
    some = settings["roster"]
    token = issue_token(some.jwt_secret, subject="demo-staff", role="staff", region=some.home_region)
    with grpc.insecure_channel(f"127.0.0.1:{ports['roster']}") as ch:
        try:
            listed = roster_pb2_grpc.RosterServiceStub(ch).ListDeputies(
                roster_pb2.ListDeputiesRequest(page={"page_size": 1}),
                metadata=(("authorization", f"Bearer {token}"),), timeout=5)
        except grpc.RpcError:
            return ""
    return listed.deputies[0].card_code if listed.deputies else ""


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
