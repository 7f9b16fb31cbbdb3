"""The portal's settings, with the services' precedence (shared/config.py):

  LIANXIN_<KEY>     e.g. LIANXIN_PORTAL_PORT, LIANXIN_JWT_SECRET
  the deployment file (TOML, LIANXIN_DEPLOYMENT_FILE): its ``[portal]`` table, then the
                    top-level keys the portal shares with the services (host, jwt_secret, ...)
  the defaults below.

Keys of the portal's own start with ``portal_``; the others mean what they mean for the
services (host, home_region, jwt_secret, public_base_url, log_format).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared import logs
from shared.config import DEFAULT_BASE_PORT, DEV_JWT_SECRET, read_deployment_file

DEFAULT_PORT = 8080


def default_backends() -> str:
    """Every service at its default port on this machine: 'roster=127.0.0.1:50051,...'."""
    import services
    return ",".join(f"{n}=127.0.0.1:{DEFAULT_BASE_PORT + i}" for i, n in enumerate(services.NAMES))


@dataclass(frozen=True)
class PortalSettings:
    host: str = "127.0.0.1"
    portal_port: int = DEFAULT_PORT
    home_region: str = "652300"
    jwt_secret: str = DEV_JWT_SECRET
    public_base_url: str = "http://127.0.0.1:8080"
    log_format: str = "auto"
    # Where each service listens: 'roster=host:port,liaison=host:port'; a service not named
    # is at its default port on this machine.
    portal_backends: str = ""
    # The subject of the portal's system token: must be in the services' trusted_forwarders,
    # or they limit every citizen as the portal's one address.
    portal_subject: str = "portal"
    # Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
    # (comma-separated, or * for any); none by default: the client is the TCP peer.
    portal_trusted_proxies: str = ""
    # Seconds a gRPC call may take before the page says the service is busy.
    portal_call_timeout: float = 10.0
    # A file holding the portal's system token, signed by identity (`python -m
    # services.identity.keys token --subject portal --region <home>`), re-read when it changes
    # so a new one replaces it without a restart. Empty: an HS256 token from jwt_secret, which
    # services accept only under hs256_tokens (development).
    portal_token_file: str = ""
    # The region tree the services read (codes, names, parents): the roster pages name
    # regions and offer a region's subtree as a filter.
    regions_file: str = "deploy/regions/demo.csv"

    def backend(self, service: str) -> str:
        """host:port of ``service`` (a name of services.NAMES)."""
        pairs = dict(p.split("=", 1) for p in default_backends().split(","))
        for item in self.portal_backends.replace(";", ",").split(","):
            if "=" in item:
                name, _, address = item.partition("=")
                pairs[name.strip()] = address.strip()
        return pairs[service]


def load(env: Mapping[str, str] | None = None) -> PortalSettings:
    """The portal's settings; ValueError naming a setting that is unknown or malformed, or
    the deployment file that cannot be read or parsed."""
    env = os.environ if env is None else env
    fields = {f.name: f for f in dataclasses.fields(PortalSettings)}
    values: dict[str, Any] = {}
    file = env.get("LIANXIN_DEPLOYMENT_FILE")
    if file:
        doc = read_deployment_file(file)
        values.update({k: v for k, v in doc.items() if k in fields and not isinstance(v, dict)})
        own = doc.get("portal", {})
        unknown = set(own) - set(fields)
        if unknown:
            raise ValueError(f"unknown setting(s) in [portal] of {file}: {', '.join(sorted(unknown))}")
        values.update(own)
    for name in fields:
        if f"LIANXIN_{name.upper()}" in env:
            values[name] = env[f"LIANXIN_{name.upper()}"]
    typed: dict[str, Any] = {}
    for name, raw in values.items():
        kind: Any = type(fields[name].default)
        try:
            typed[name] = kind(raw)
        except (TypeError, ValueError):
            raise ValueError(f"setting {name}={raw!r} is not a valid {kind.__name__}") from None
    settings = PortalSettings(**typed)
    if not 0 <= settings.portal_port <= 65535:
        raise ValueError(f"setting portal_port={settings.portal_port} is outside 0-65535")
    if settings.portal_token_file and not os.access(settings.portal_token_file, os.R_OK):
        raise ValueError(f"setting portal_token_file={settings.portal_token_file!r}: no readable file there")
    for item in settings.portal_backends.replace(";", ",").split(","):
        if item.strip() and "=" not in item:
            raise ValueError(f"setting portal_backends: {item!r} is not service=host:port")
    logs.check_format(settings.log_format)
    return settings
