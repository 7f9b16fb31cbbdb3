"""The balloting service, as a table of contents: how work arrives and what it touches.

Arrives: BallotingService RPCs, who may call which in access.py (SubmitPublicProposal and
TrackProposal open to the public, rate-limited per client at the edge and per campaign in
the use case).
Consumes: lianxin.roster.v1 deputy events into its read model of the roster (directory.py),
from which it knows who votes in a campaign; lianxin.balloting.v1 from every deployment into
the statistics roll-up (rollup.py).
Timers: none (the relay publishes the outbox).
Touches: its own database (tables.py) and topic lianxin.balloting.v1.
Settings: BallotingSettings (settings.py): public proposals per campaign per hour.
Demo: the prefecture's campaign for next year taken to an open ballot through the API once
roster and balloting serve (demo.py), so a deputy of its congress can vote at once.
"""
from __future__ import annotations

from lianxin.balloting.v1 import balloting_pb2_grpc

from services.balloting import demo
from services.balloting.access import ACCESS, SERVICE_NAME
from services.balloting.directory import roster_directory
from services.balloting.rollup import rollup_consumer
from services.balloting.servicer import BallotingServicer
from services.balloting.settings import BallotingSettings
from services.balloting.tables import BUS, Base
from shared.rpc.server import GrpcEdge
from shared.service import ConsumedTopic, Demo, Runtime, ServiceDefinition

PUBLIC_METHODS = ACCESS.public_methods()
__all__ = ["PUBLIC_METHODS", "SERVICE_NAME", "definition"]


def consumes(runtime: Runtime) -> list[ConsumedTopic]:
    return [roster_directory(runtime), rollup_consumer(runtime)]


def definition() -> ServiceDefinition:
    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = BallotingServicer(runtime)
        return GrpcEdge(
            service="balloting",
            register=[lambda server: balloting_pb2_grpc.add_BallotingServiceServicer_to_server(servicer, server)],
            service_names=[SERVICE_NAME],
            access=[ACCESS])

    return ServiceDefinition(name="balloting", metadata=Base.metadata, bus_tables=BUS, edge=edge,
                             consumes=consumes, settings=BallotingSettings,
                             demo=Demo(through_api=demo.through_api, needs=frozenset({"roster"})))
