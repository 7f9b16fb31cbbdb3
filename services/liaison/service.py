"""The liaison service, as a table of contents: how work arrives and what it touches.

Its domain arrives in a later release; today it serves GetServiceInfo, health and
reflection, and owns its database (outbox and inbox) and topic lianxin.liaison.v1.
"""
from __future__ import annotations

from lianxin.liaison.v1 import liaison_pb2, liaison_pb2_grpc
from sqlalchemy import MetaData

from shared.bus import bus_tables
from shared.info import service_info
from shared.rpc.server import GrpcEdge
from shared.service import Runtime, ServiceDefinition

SERVICE_NAME = liaison_pb2.DESCRIPTOR.services_by_name["LiaisonService"].full_name


class LiaisonServicer(liaison_pb2_grpc.LiaisonServiceServicer):
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)


def definition() -> ServiceDefinition:
    metadata = MetaData()
    tables = bus_tables(metadata)

    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = LiaisonServicer(runtime)
        return GrpcEdge(
            service="liaison",
            register=[lambda server: liaison_pb2_grpc.add_LiaisonServiceServicer_to_server(servicer, server)],
            service_names=[SERVICE_NAME],
            public_methods=frozenset())

    return ServiceDefinition(name="liaison", metadata=metadata, bus_tables=tables, edge=edge)
