"""The roster service, as a table of contents: how work arrives and what it touches.

Arrives: RosterService RPCs, who may call which in access.py (GetPublicCard open to the
public, rate-limited).
Consumes: nothing yet. Timers: none (the relay publishes the outbox).
At start: publishes RegionDescribed for each served region the region file added or changed
(regions.py), so consumers learn a region's kind (a 街道 votes through its 议事代表).
Touches: its own database (tables.py) and topic lianxin.roster.v1.
Settings: the common ones (shared/config.py). Demo: the demo roster and venues (demo.py),
seeded into its database before it starts.
"""
from __future__ import annotations

from lianxin.roster.v1 import roster_pb2_grpc

from services.roster import demo
from services.roster.access import ACCESS, SERVICE_NAME
from services.roster.regions import describe_regions
from services.roster.servicer import RosterServicer
from services.roster.tables import BUS, Base
from shared.rpc.server import GrpcEdge
from shared.service import Demo, Runtime, ServiceDefinition

PUBLIC_METHODS = ACCESS.public_methods()


def definition() -> ServiceDefinition:
    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = RosterServicer(runtime)
        return GrpcEdge(service="roster",
                        register=[lambda server: roster_pb2_grpc.add_RosterServiceServicer_to_server(servicer, server)],
                        service_names=[SERVICE_NAME], access=[ACCESS])

    return ServiceDefinition(name="roster", metadata=Base.metadata, bus_tables=BUS, edge=edge,
                             demo=Demo(seed=demo.seed), on_start=describe_regions)
