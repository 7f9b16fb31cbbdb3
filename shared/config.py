"""Settings: environment variables over a deployment file over defaults that work on one machine.

Precedence, highest first:
  LIANXIN_<SERVICE>_<KEY>   e.g. LIANXIN_ROSTER_DATABASE_URL (one service only)
  LIANXIN_<KEY>             e.g. LIANXIN_HOME_REGION (every service)
  the deployment file (TOML, LIANXIN_DEPLOYMENT_FILE): a [<service>] table, then top-level keys
  the defaults below.

``Settings`` holds what every service has. A service with settings of its own declares a
subclass next to its code (e.g. services/liaison/settings.py) and names it in its definition;
``load`` reads both with the same precedence.

Ports: a service-specific port (LIANXIN_ROSTER_PORT, ``port`` in ``[roster]``) is that
service's port. A port set for every service (LIANXIN_PORT, top-level ``port``) is the port of
a service process started on its own; the launcher, which starts several from one
environment, loads with ``global_port_is_base``: the n-th service of ``services.NAMES``
listens on base + n (roster base, liaison base + 1, ...). 0 means any free port. The
defaults are 50051 + n.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

from shared import logs

DEFAULT_BASE_PORT = 50051
# A fixed development secret so `make run` works with no set-up; start-up logs a warning
# whenever it is in use, and deploy/ files set their own.
DEV_JWT_SECRET = "lianxin-development-secret-change-me-0123456789"
# Processes other than the services that read the deployment file, each from its own table
# (the web portal: portal/settings.py); the services leave those tables alone.
OTHER_PROCESSES = ("portal",)


@dataclass(frozen=True)
class Settings:
    service: str
    home_region: str = "652300"
    host: str = "127.0.0.1"
    port: int = 0
    database_url: str = ""
    # Seconds a start waits for a PostgreSQL that does not answer yet (it may start after the
    # services under compose) before it stops with "cannot start"; 0: no wait.
    database_wait_seconds: float = 30.0
    bus: str = "embedded"                      # embedded | kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Prefix of every topic and consumer group on the broker, for installations (or test runs)
    # that share one Kafka cluster; empty in a normal deployment.
    kafka_namespace: str = ""
    # Seconds without a heartbeat before the broker gives a dead consumer's partitions to
    # another (the broker allows 6-300 by default); heartbeats every kafka_heartbeat_interval.
    kafka_session_timeout: float = 10.0
    kafka_heartbeat_interval: float = 3.0
    # Static group membership (KIP-345): a name unique to this replica, stable across
    # restarts (e.g. the host or pod name); a restart then resumes at once. Empty: dynamic.
    kafka_instance_id: str = ""
    embedded_bus_path: str = "var/bus.sqlite"
    regions_file: str = "deploy/regions/demo.csv"
    jwt_secret: str = DEV_JWT_SECRET
    # HS256 tokens signed with jwt_secret, for development and tests: "dev" accepts them only
    # while jwt_secret is the development secret (make run, the tests), "on" with any secret,
    # "off" never. Otherwise every token is an EdDSA token of the identity service, checked
    # with the public keys of jwks_file (README, "Accounts and sign-in").
    hs256_tokens: str = "dev"
    # The JWKS file the identity service publishes its public keys in (re-read when it changes).
    jwks_file: str = "var/identity/jwks.json"
    public_base_url: str = "http://127.0.0.1:8080"
    log_format: str = "auto"                   # auto | json | console
    relay_interval: float = 0.2
    # Under a steady stream of commits the relay starts a pass at most every relay_min_gap
    # seconds (one pass publishes everything that collected), instead of one pass per commit.
    relay_min_gap: float = 0.02
    # Sent outbox rows are kept this long, inbox rows (which must outlive any redelivery) this
    # long; housekeeping runs every housekeeping_interval seconds.
    outbox_retention_hours: float = 168.0
    inbox_retention_hours: float = 720.0
    housekeeping_interval: float = 3600.0
    # Idempotency keys of create RPCs (AIP-155 request_id): long enough to cover any retry.
    idempotency_retention_hours: float = 168.0
    embedded_bus_retention_hours: float = 168.0   # Kafka keeps its own (log.retention.hours)
    grpc_workers: int = 32
    # Public (unauthenticated) calls, token buckets per process (README: public calls). Per
    # client address generous: a village or office behind one NAT shares it; per device
    # (x-lianxin-device) stricter: one phone hammering stops alone.
    public_rate_per_minute: int = 600          # per client address
    public_burst: int = 300                    # per client address, calls at once
    public_device_rate_per_minute: int = 60
    public_device_burst: int = 20
    # Subjects of system tokens (the web portal) whose x-lianxin-client-address and
    # x-lianxin-device are believed on public calls; from anyone else they are ignored.
    trusted_forwarders: tuple = ()
    # Regions below home_region that run their own deployment (TOML list, or comma-separated
    # in the environment): this deployment neither accepts nor serves work for their subtrees.
    delegated_regions: tuple = ()

    @property
    def accepts_hs256_tokens(self) -> bool:
        """Whether the edge accepts HS256 tokens signed with jwt_secret (see hs256_tokens)."""
        return self.hs256_tokens == "on" or (self.hs256_tokens == "dev" and self.jwt_secret == DEV_JWT_SECRET)

    @property
    def topic(self) -> str:
        from shared.bus.envelope import topic_for
        return topic_for(self.service)


S = TypeVar("S", bound=Settings)


@overload
def load(service: str, env: Mapping[str, str] | None = None, settings_class: None = None, *,
         global_port_is_base: bool = False) -> Settings: ...
@overload
def load(service: str, env: Mapping[str, str] | None = None, *, settings_class: type[S],
         global_port_is_base: bool = False) -> S: ...
@overload
def load(service: str, env: Mapping[str, str] | None, settings_class: type[S], *,
         global_port_is_base: bool = False) -> S: ...


def load(service: str, env: Mapping[str, str] | None = None, settings_class: type[S] | None = None, *,
         global_port_is_base: bool = False) -> S:
    """The settings of ``service`` (a name of ``services.NAMES``), as ``settings_class``
    (default: the class the service's definition declares). ``global_port_is_base``: a port
    set for every service is a base port (see above). Raises ValueError naming the setting
    that is unknown or malformed, or the deployment file that cannot be read or parsed."""
    import services  # the registry of services; imported here, so config stays import-light
    services.require(service)
    cls = settings_class or services.definition(service).settings
    env = os.environ if env is None else env
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "service"}
    values: dict[str, object] = {}
    specific: set[str] = set()     # set for this service alone, not for every service
    file = env.get("LIANXIN_DEPLOYMENT_FILE")
    if file:
        doc = read_deployment_file(file)
        tables = {k for k, v in doc.items() if isinstance(v, dict)}
        if tables - set(services.NAMES) - set(OTHER_PROCESSES):
            unknown_tables = tables - set(services.NAMES) - set(OTHER_PROCESSES)
            raise ValueError(f"unknown service table(s) in {file}: {', '.join(sorted(unknown_tables))}")
        top = {k: v for k, v in doc.items() if k not in tables}
        # A top-level key is for every service; it may belong to another service's settings.
        everyone = set(fields) | _known_anywhere()
        unknown = set(top) - everyone
        if unknown:
            raise ValueError(f"unknown setting(s) in {file}: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in top.items() if k in fields})
        own = doc.get(service, {})
        unknown = set(own) - set(fields)
        if unknown:
            raise ValueError(f"unknown setting(s) in [{service}] of {file}: {', '.join(sorted(unknown))}")
        values.update(own)
        specific |= set(own)
    for name in fields:
        if f"LIANXIN_{name.upper()}" in env:
            values[name] = env[f"LIANXIN_{name.upper()}"]
            specific.discard(name)
        if f"LIANXIN_{service.upper()}_{name.upper()}" in env:
            values[name] = env[f"LIANXIN_{service.upper()}_{name.upper()}"]
            specific.add(name)
    typed: dict[str, Any] = {}
    for name, raw in values.items():
        kind: Any = type(fields[name].default)
        if kind is tuple:   # a list: TOML array, or "a,b" in the environment
            items = raw.replace(";", ",").split(",") if isinstance(raw, str) else raw
            if not isinstance(items, (list, tuple)):
                raise ValueError(f"setting {name}={raw!r} is not a list")
            typed[name] = tuple(str(x).strip() for x in items if str(x).strip())
            continue
        try:
            typed[name] = kind(raw)
        except (TypeError, ValueError):
            raise ValueError(f"setting {name}={raw!r} is not a valid {kind.__name__}") from None
    offset = services.NAMES.index(service)
    if "port" not in typed:
        typed["port"] = DEFAULT_BASE_PORT + offset
    elif global_port_is_base and "port" not in specific and typed["port"] != 0:
        typed["port"] = typed["port"] + offset
    if not 0 <= typed["port"] <= 65535:
        raise ValueError(f"setting port={typed['port']} for {service} is outside 0-65535")
    typed.setdefault("database_url", f"sqlite:///var/{service}.sqlite")
    settings = cls(service=service, **typed)
    if settings.hs256_tokens not in ("dev", "on", "off"):
        raise ValueError(f"setting hs256_tokens={settings.hs256_tokens!r}: must be dev, on or off")
    if settings.bus not in ("embedded", "kafka"):
        raise ValueError(f"setting bus={settings.bus!r}: must be embedded or kafka")
    logs.check_format(settings.log_format)
    return cast(S, settings)


def read_deployment_file(file: str) -> dict[str, Any]:
    """The deployment file's TOML document; ValueError naming LIANXIN_DEPLOYMENT_FILE when
    it cannot be read or is not TOML (a start then stops with one line, not a traceback)."""
    try:
        with open(file, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ValueError(f"LIANXIN_DEPLOYMENT_FILE={file}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"LIANXIN_DEPLOYMENT_FILE={file} is not valid TOML: {e}") from None


def _known_anywhere() -> set[str]:
    """Every setting some service knows: a deployment file's top-level keys are checked against it."""
    import services
    return {f.name for name in services.NAMES for f in dataclasses.fields(services.definition(name).settings)}
