"""The identity service, as a table of contents: how work arrives and what it touches.

Arrives: IdentityService RPCs, who may call which in access.py (SignIn, ChangePassword,
RefreshToken, SignOut and GetJwks are public, rate-limited; sign-in attempts also per client
address, sign_in_rate_per_minute). Consumes: lianxin.roster.v1 into the read model of
deputies (deputies.py), so an account's stands_for is resolved in scope. Timers: expired refresh tokens pruned.
Touches: its own database (tables.py: accounts, refresh tokens, audit trail; deputies.py), topic
lianxin.identity.v1 (AccountAudited), and the key folder (keys_dir: the private keys, only
here) and the JWKS file every service verifies tokens with (jwks_file).
Settings: settings.py. Demo: the keys and a first staff account of the home region, then a deputy account
for the demo roster's first deputy and a department account for supervision's demo project (demo.py).
Why a service of its own: the holder of the signing key must be neither the portal (no domain
tables) nor a domain service (none may mint tokens) -- docs/decisions.md.
"""
from __future__ import annotations

from lianxin.identity.v1 import identity_pb2_grpc

from services.identity import demo
from services.identity.access import ACCESS, SERVICE_NAME
from services.identity.deputies import roster_deputies
from services.identity.keys import KeyFolder
from services.identity.servicer import IdentityServicer
from services.identity.settings import IdentitySettings
from services.identity.store import IdentityStore
from services.identity.tables import BUS, Base
from shared import clock
from shared.rpc.server import GrpcEdge
from shared.service import Demo, Runtime, ServiceDefinition, Timer


def key_folder(settings: IdentitySettings) -> KeyFolder:
    """The key folder, ready to sign: in development (HS256 tokens accepted) a first key is
    made when there is none; otherwise its absence stops the start with the command to run.
    The JWKS file is written again from the folder, so services find every key there."""
    folder = KeyFolder(settings.keys_dir, settings.jwks_file)
    if not folder.active():
        if not settings.accepts_hs256_tokens:
            raise ValueError(f"no active signing key in keys_dir {settings.keys_dir}: "
                             "run python -m services.identity.keys generate")
        folder.generate()
    folder.publish()
    return folder


def definition() -> ServiceDefinition:
    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = IdentityServicer(runtime, key_folder(runtime.settings))  # type: ignore[arg-type]
        return GrpcEdge(service="identity",
                        register=[lambda server: identity_pb2_grpc.add_IdentityServiceServicer_to_server(servicer, server)],
                        service_names=[SERVICE_NAME], access=[ACCESS])

    def timers(runtime: Runtime) -> list[Timer]:
        def prune() -> None:
            with runtime.transaction() as s:
                IdentityStore(s).prune_refresh_tokens(clock.now())
        return [Timer("refresh-tokens", 3600.0, prune)]

    return ServiceDefinition(name="identity", metadata=Base.metadata, bus_tables=BUS, edge=edge, timers=timers,
                             consumes=lambda runtime: [roster_deputies(runtime)],
                             settings=IdentitySettings,
                             demo=Demo(seed=demo.seed, through_api=demo.accounts,
                                       needs=frozenset({"roster"})))
