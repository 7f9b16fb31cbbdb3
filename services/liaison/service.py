"""The liaison service, as a table of contents: how work arrives and what it touches.

Arrives: LiaisonService RPCs, who may call which in access.py (SubmitPublicOpinion, TrackOpinion and RateOpinion open to the
public, rate-limited per client at the edge and per deputy card in the use case).
Consumes: lianxin.roster.v1 into the roster read model (directory.py); lianxin.liaison.v1
from every deployment into the statistics roll-up (rollup.py), and for escalation
(escalation.py): cases escalated to this home region open linked cases, outcomes from above
conclude the cases this deployment escalated.
Timers: the overdue sweep, every sweep_interval seconds (escalation.py); the relay publishes
the outbox.
Touches: its own database (tables.py, directory.py) and topic lianxin.liaison.v1.
Settings: LiaisonSettings (settings.py): deadlines per tier, escalate_to, the sweep interval,
public submissions per card. Demo: opinions and activities raised through the API once
roster and liaison serve (demo.py).
"""
from __future__ import annotations

from lianxin.liaison.v1 import liaison_pb2_grpc

from services.liaison import demo
from services.liaison.access import ACCESS, SERVICE_NAME
from services.liaison.directory import roster_directory
from services.liaison.escalation import escalations_from_below, overdue_sweep
from services.liaison.rollup import rollup_consumer
from services.liaison.servicer import LiaisonServicer
from services.liaison.settings import LiaisonSettings
from services.liaison.tables import BUS, Base
from shared.rpc.server import GrpcEdge
from shared.service import ConsumedTopic, Demo, Runtime, ServiceDefinition, Timer

PUBLIC_METHODS = ACCESS.public_methods()
__all__ = ["PUBLIC_METHODS", "SERVICE_NAME", "definition"]


def consumes(runtime: Runtime) -> list[ConsumedTopic]:
    return [roster_directory(runtime), rollup_consumer(runtime), escalations_from_below(runtime)]


def timers(runtime: Runtime) -> list[Timer]:
    return [overdue_sweep(runtime)]


def definition() -> ServiceDefinition:
    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = LiaisonServicer(runtime)
        return GrpcEdge(
            service="liaison",
            register=[lambda server: liaison_pb2_grpc.add_LiaisonServiceServicer_to_server(servicer, server)],
            service_names=[SERVICE_NAME],
            access=[ACCESS])

    return ServiceDefinition(name="liaison", metadata=Base.metadata, bus_tables=BUS, edge=edge,
                             consumes=consumes, timers=timers, settings=LiaisonSettings,
                             demo=Demo(through_api=demo.through_api, needs=frozenset({"roster"})))
