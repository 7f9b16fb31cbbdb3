"""The supervision service, as a table of contents: how work arrives and what it touches.

Its domain arrives in a later release; today it serves GetServiceInfo, health and
reflection, and owns its database (outbox and inbox) and topic lianxin.supervision.v1.
"""
from __future__ import annotations

from lianxin.supervision.v1 import supervision_pb2, supervision_pb2_grpc
from sqlalchemy import MetaData

from shared.bus import bus_tables
from shared.info import service_info
from shared.rpc.server import GrpcEdge
from shared.service import Runtime, ServiceDefinition

SERVICE_NAME = supervision_pb2.DESCRIPTOR.services_by_name["SupervisionService"].full_name


class SupervisionServicer(supervision_pb2_grpc.SupervisionServiceServicer):
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)


def definition() -> ServiceDefinition:
    metadata = MetaData()
    tables = bus_tables(metadata)

    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = SupervisionServicer(runtime)
        return GrpcEdge(
            service="supervision",
            register=[lambda server: supervision_pb2_grpc.add_SupervisionServiceServicer_to_server(servicer, server)],
            service_names=[SERVICE_NAME],
            public_methods=frozenset())

    return ServiceDefinition(name="supervision", metadata=metadata, bus_tables=tables, edge=edge)
