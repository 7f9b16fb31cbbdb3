"""The one skeleton all five services share.

A service module describes itself as a ``ServiceDefinition``: how work arrives (its RPC
servicers, the events it consumes, its timers) and what it touches (its tables). This
module is the composition root that turns settings into running parts, in one place, at
start: nothing is built at import time.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import structlog
from sqlalchemy import MetaData
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared import config, db, idempotency, logs
from shared.bus import BusTables, Consumer, Envelope, Outbox, Relay, Transport, make_transport
from shared.bus.envelope import topic_of_event
from shared.bus.housekeeping import prune
from shared.bus.outbox import wrote_events
from shared.rpc.ratelimit import PublicLimits
from shared.rpc.server import GrpcEdge, build_server, set_serving
from shared.tenancy import Deployment, RegionTree


@dataclass
class Runtime:
    """Everything one running service holds; built by ``start``, handed to its parts."""
    settings: config.Settings
    regions: RegionTree
    engine: Engine
    sessions: sessionmaker[Session]
    bus_tables: BusTables
    outbox: Outbox
    transport: Transport
    # The regions this deployment serves (home subtree less delegated_regions).
    deployment: Deployment
    stop: threading.Event = field(default_factory=threading.Event)
    # Set after any commit that wrote outbox rows: the relay wakes on it instead of polling.
    events_written: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with db.transaction(self.sessions) as session:
            yield session


@dataclass(frozen=True)
class ConsumedTopic:
    group: str
    topics: list[str]
    handler: Callable  # (Session, Envelope) -> None
    # The event types the handler acts on; others are passed over without a transaction.
    # None: every record goes to the handler.
    types: frozenset[str] | None = None


# A consumer's entry for one event class: (session, the event unpacked, its envelope); what it
# returns is ignored. Tables are keyed by generated message classes (typed Any: gen/ is not typed).
EventHandler = Callable[[Session, Any, Envelope], object]


def event_consumer(group: str, table: Mapping[Any, EventHandler]) -> ConsumedTopic:
    """A consumer as a table keyed by event class (generated protobuf message classes).

    The event types it acts on are the classes' full names, its topics those of the services
    that publish them (``topic_of_event``); each record of a listed type is unpacked into its
    class and handed to its entry, in the consumer's transaction. Records of other types
    pass by without a transaction."""
    return ConsumedTopic(group=group, topics=sorted({topic_of_event(cls) for cls in table}),
                         handler=lambda session, env: dispatch(table, session, env),
                         types=frozenset(cls.DESCRIPTOR.full_name for cls in table))


def dispatch(table: Mapping[Any, EventHandler], session: Session, env: Envelope) -> None:
    """Hands ``env`` to its class's entry in ``table``, unpacked; an event of another class
    is passed over."""
    for cls, handle in table.items():
        if cls.DESCRIPTOR.full_name == env.type:
            handle(session, env.unpack(cls), env)
            return


@dataclass(frozen=True)
class Timer:
    name: str
    every_seconds: float
    run: Callable[[], object]   # what it returns is ignored


@dataclass(frozen=True)
class Demo:
    """What ``make run`` loads into a service, so a first look has something to show.

    ``seed(settings)`` runs before the service starts, against its own migrated database.
    ``through_api(settings, ports)`` runs once every launched service is serving; ``ports``
    maps each launched service's name to the port it really serves on, and the hook runs
    only when the services in ``needs`` are launched too. Each returns one line for the
    launcher to print; when the demo data is there already (a restart), the line says so.
    ``settings`` are environment variables the launcher gives the services under the demo
    (one not already set), e.g. a sweep that runs soon enough to show its work on a first look.
    """
    seed: Callable[[config.Settings], str] | None = None
    through_api: Callable[[config.Settings, Mapping[str, int]], str] | None = None
    needs: frozenset[str] = frozenset()
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceDefinition:
    """A service's table of contents (services/<name>/service.py builds it)."""
    name: str
    metadata: MetaData
    bus_tables: BusTables
    edge: Callable[[Runtime], GrpcEdge]
    consumes: Callable[[Runtime], list[ConsumedTopic]] = lambda runtime: []
    timers: Callable[[Runtime], list[Timer]] = lambda runtime: []
    # Its settings: config.Settings, or a subclass with the service's own keys.
    settings: type[config.Settings] = config.Settings
    demo: Demo | None = None
    # Runs once after migrations, before the service serves or its relay and consumers run
    # (roster: publish the regions the region file changed); what it returns is ignored.
    on_start: Callable[[Runtime], object] | None = None


@dataclass
class RunningService:
    runtime: Runtime
    server: grpc.Server
    port: int
    threads: list[threading.Thread]
    health: object
    service_names: list[str]

    def shutdown(self, grace: float = 10.0) -> None:
        """Stop taking calls, let calls in flight finish, then stop the relay and consumers
        (the relay's last pass publishes what those calls wrote)."""
        set_serving(self.health, self.service_names, False)
        self.server.stop(grace).wait()
        self.runtime.stop.set()
        self.runtime.events_written.set()   # so the relay notices stop without waiting out its interval
        for t in self.threads:
            t.join(timeout=grace)
        self.runtime.transport.close()
        self.runtime.engine.dispose()


def build_runtime(settings: config.Settings, bus_tables: BusTables, *, regions: RegionTree | None = None,
                  transport: Transport | None = None) -> Runtime:
    regions = regions or RegionTree.load(settings.regions_file)
    deployment = Deployment.of(regions, settings.home_region, settings.delegated_regions)
    engine = db.make_engine(settings.database_url, pool_size=max(5, settings.grpc_workers // 2))
    sessions = db.make_session_factory(engine)
    runtime = Runtime(
        settings=settings,
        regions=regions,
        engine=engine,
        sessions=sessions,
        bus_tables=bus_tables,
        deployment=deployment,
        outbox=Outbox(bus_tables.outbox, service=settings.service, home_region=settings.home_region),
        transport=transport or make_transport(settings.bus, kafka_bootstrap=settings.kafka_bootstrap,
                                              embedded_path=settings.embedded_bus_path,
                                              client_id=f"lianxin-{settings.service}-{settings.home_region}",
                                              kafka_namespace=settings.kafka_namespace,
                                              kafka_options={
                                                  "session_timeout": settings.kafka_session_timeout,
                                                  "heartbeat_interval": settings.kafka_heartbeat_interval,
                                                  "instance_id": settings.kafka_instance_id}),
    )

    # Every session of this runtime (use cases and consumers alike) wakes the relay when
    # its commit wrote events, so an event leaves within milliseconds, not a poll interval.
    @sa_event.listens_for(sessions, "after_commit")
    def _wake_relay(session: Session) -> None:
        if wrote_events(session):
            runtime.events_written.set()

    return runtime


def _loop(name: str, stop: threading.Event, every: float, fn: Callable[[], object]) -> threading.Thread:
    log = structlog.get_logger(name)

    def body():
        while not stop.is_set():
            try:
                fn()
            except Exception:
                log.exception("timer failed; will retry")
            stop.wait(every)

    return threading.Thread(target=body, name=name, daemon=True)


def housekeeping(runtime: Runtime) -> Timer:
    """Every service prunes its own outbox and inbox (shared.bus.housekeeping), and its
    idempotency keys if it has create RPCs (shared.idempotency)."""
    s = runtime.settings
    log = structlog.get_logger(f"{s.service}.housekeeping")
    keys_table = runtime.bus_tables.outbox.metadata.tables.get(idempotency.TABLE)

    def run() -> None:
        pruned = prune(runtime.engine, runtime.bus_tables, outbox_retention=timedelta(hours=s.outbox_retention_hours),
                       inbox_retention=timedelta(hours=s.inbox_retention_hours))
        bus_log = 0
        prune_log = getattr(runtime.transport, "prune_log", None)   # the embedded bus only
        if prune_log is not None:
            bus_log = prune_log(s.embedded_bus_retention_hours * 3600)
        keys = 0 if keys_table is None else idempotency.prune(
            runtime.engine, keys_table, timedelta(hours=s.idempotency_retention_hours))
        if pruned.outbox or pruned.inbox or bus_log or keys:
            log.info("pruned", outbox=pruned.outbox, inbox=pruned.inbox, bus_log=bus_log, idempotency_keys=keys)

    return Timer("housekeeping", s.housekeeping_interval, run)


def check_paths(settings: config.Settings) -> None:
    """The SQLite database's and the embedded bus's folders: those under ``var/`` (the working
    folder's own, where the defaults live) are made; any other that does not exist stops the
    start with ValueError naming the setting and the folder -- a mistyped path is refused
    rather than created (or, for the bus, left failing on every pass while the service serves)."""
    from sqlalchemy.engine import make_url
    wanted: list[tuple[str, str]] = []
    u = make_url(settings.database_url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        wanted.append(("database_url", u.database))
    if settings.bus == "embedded":
        wanted.append(("embedded_bus_path", settings.embedded_bus_path))
    for setting, file in wanted:
        folder = Path(file).parent
        if folder.is_dir():
            continue
        if not folder.is_absolute() and folder.parts[:1] == ("var",):
            folder.mkdir(parents=True, exist_ok=True)
            continue
        raise ValueError(f"setting {setting}: folder {folder} does not exist (create it, or correct the path)")


def start(definition: ServiceDefinition, settings: config.Settings, *, migrate: bool = True,
          regions: RegionTree | None = None, transport: Transport | None = None) -> RunningService:
    """Builds and starts every part of a service; returns once it is serving."""
    # Settings that contradict the region tree stop the start before anything is touched.
    regions = regions or RegionTree.load(settings.regions_file)
    if settings.home_region not in regions:
        raise ValueError(f"home_region {settings.home_region} is not in {settings.regions_file}")
    Deployment.of(regions, settings.home_region, settings.delegated_regions)
    check_paths(settings)
    if migrate:
        db.wait_until_reachable(settings.database_url, settings.database_wait_seconds)
        db.migrate(definition.name, settings.database_url)
    runtime = build_runtime(settings, definition.bus_tables, regions=regions, transport=transport)
    if definition.on_start is not None:
        definition.on_start(runtime)
    edge = definition.edge(runtime)
    server, port, health_servicer = build_server(
        edge, address=f"{settings.host}:{settings.port}",
        jwt_secret=settings.jwt_secret if settings.accepts_hs256_tokens else None, jwks_file=settings.jwks_file,
        limits=PublicLimits(settings.public_rate_per_minute, settings.public_burst,
                            settings.public_device_rate_per_minute, settings.public_device_burst),
        trusted_forwarders=settings.trusted_forwarders, deployment=runtime.deployment,
        max_workers=settings.grpc_workers)
    relay = Relay(runtime.engine, runtime.bus_tables, runtime.transport)
    threads = [threading.Thread(target=relay.run, args=(runtime.stop,),
                                kwargs={"interval": settings.relay_interval, "wake": runtime.events_written,
                                        "min_gap": settings.relay_min_gap},
                                name=f"{definition.name}-relay", daemon=True)]
    for c in definition.consumes(runtime):
        consumer = Consumer(runtime.sessions, runtime.bus_tables, runtime.transport,
                            group=c.group, topics=c.topics, handler=c.handler, types=c.types)
        threads.append(threading.Thread(target=consumer.run, args=(runtime.stop,),
                                        name=f"{definition.name}-{c.group}", daemon=True))
    for timer in [*definition.timers(runtime), housekeeping(runtime)]:
        threads.append(_loop(f"{definition.name}-{timer.name}", runtime.stop, timer.every_seconds, timer.run))
    server.start()
    for t in threads:
        t.start()
    set_serving(health_servicer, edge.service_names, True)
    structlog.get_logger(definition.name).info(
        "serving", port=port, home_region=settings.home_region, bus=settings.bus,
        database=settings.database_url.split("@")[-1])
    return RunningService(runtime, server, port, threads, health_servicer, edge.service_names)


def main(definition: ServiceDefinition) -> None:
    """``python -m services.<name>``: run until SIGTERM or SIGINT, then shut down gracefully."""
    # The format is known before the settings are (a bad setting is reported in it too).
    logs.configure(os.environ.get("LIANXIN_LOG_FORMAT", "auto"))
    log = structlog.get_logger(definition.name)
    try:
        settings = config.load(definition.name, settings_class=definition.settings)
    except ValueError as e:   # a setting the operator got wrong: say which, no traceback
        log.error("cannot start", error=str(e))
        sys.exit(2)
    logs.configure(settings.log_format)
    if settings.accepts_hs256_tokens:
        log.warning("accepting HS256 tokens signed with the shared secret (hs256_tokens): development and tests "
                    "only; set LIANXIN_JWT_SECRET or LIANXIN_HS256_TOKENS=off in any real deployment",
                    development_secret=settings.jwt_secret == config.DEV_JWT_SECRET)
    try:
        running = start(definition, settings)
    except (ValueError, OSError, sa_exc.ArgumentError) as e:
        # Settings that contradict the region tree (home, delegated regions), a file that is
        # not there (regions, keys), a port that cannot be bound, a malformed database URL:
        # the operator's to fix, so one record naming it, no traceback. (The URL is not
        # repeated: it may hold a password.)
        log.error("cannot start", error=f"setting database_url: {e}" if isinstance(e, sa_exc.ArgumentError)
                  else str(e))
        sys.exit(2)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    structlog.get_logger(definition.name).info("shutting down")
    running.shutdown()
