"""Settings: environment variables over a deployment file over defaults that work on one machine.

Precedence, highest first:
  LIANXIN_<SERVICE>_<KEY>   e.g. LIANXIN_ROSTER_DATABASE_URL (one service only)
  LIANXIN_<KEY>             e.g. LIANXIN_HOME_REGION (every service)
  the deployment file (TOML, LIANXIN_DEPLOYMENT_FILE): top-level keys, then a [<service>] table
  the defaults below.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from typing import Mapping

SERVICES = ("roster", "liaison", "balloting", "supervision", "evaluation")
DEFAULT_PORTS = {"roster": 50051, "liaison": 50052, "balloting": 50053, "supervision": 50054, "evaluation": 50055}
# A fixed development secret so `make run` works with no set-up; start-up logs a warning
# whenever it is in use, and deploy/ files set their own.
DEV_JWT_SECRET = "lianxin-development-secret-change-me-0123456789"


@dataclass(frozen=True)
class Settings:
    service: str
    home_region: str = "652300"
    host: str = "127.0.0.1"
    port: int = 0
    database_url: str = ""
    bus: str = "embedded"                      # embedded | kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Prefix of every topic and consumer group on the broker, for installations (or test runs)
    # that share one Kafka cluster; empty in a normal deployment.
    kafka_namespace: str = ""
    embedded_bus_path: str = "var/bus.sqlite"
    regions_file: str = "deploy/regions/demo.csv"
    jwt_secret: str = DEV_JWT_SECRET
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
    public_rate_per_minute: int = 60           # per client address, for unauthenticated calls
    # liaison: days a tier has before an unresolved case escalates, the upper deployment's
    # home region (empty = the home region's parent), how often the overdue sweep runs,
    # and how many public submissions one deputy's card takes per hour.
    deadline_days_township: int = 15
    deadline_days_county: int = 30
    deadline_days_prefecture: int = 60
    escalate_to: str = ""
    sweep_interval: float = 60.0
    public_submissions_per_card_per_hour: int = 30

    @property
    def topic(self) -> str:
        return f"lianxin.{self.service}.v1"


def load(service: str, env: Mapping[str, str] | None = None) -> Settings:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    file = env.get("LIANXIN_DEPLOYMENT_FILE")
    if file:
        with open(file, "rb") as f:
            doc = tomllib.load(f)
        values.update({k: v for k, v in doc.items() if not isinstance(v, dict)})
        values.update(doc.get(service, {}))
    fields = {f.name: f for f in dataclasses.fields(Settings) if f.name != "service"}
    for name in fields:
        for key in (f"LIANXIN_{name.upper()}", f"LIANXIN_{service.upper()}_{name.upper()}"):
            if key in env:
                values[name] = env[key]
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"unknown setting(s) in {file}: {', '.join(sorted(unknown))}")
    typed = {}
    for name, raw in values.items():
        kind = type(fields[name].default)
        try:
            typed[name] = kind(raw)
        except (TypeError, ValueError):
            raise ValueError(f"setting {name}={raw!r} is not a valid {kind.__name__}") from None
    typed.setdefault("port", DEFAULT_PORTS[service])
    typed.setdefault("database_url", f"sqlite:///var/{service}.sqlite")
    settings = Settings(service=service, **typed)
    if settings.bus not in ("embedded", "kafka"):
        raise ValueError(f"setting bus={settings.bus!r}: must be embedded or kafka")
    return settings
