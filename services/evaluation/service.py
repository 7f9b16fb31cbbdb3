"""The evaluation service, as a table of contents: how work arrives and what it touches.

Its domain arrives in a later release; today it serves GetServiceInfo, health and
reflection, and owns its database (outbox and inbox) and topic lianxin.evaluation.v1.
"""
from __future__ import annotations

from lianxin.evaluation.v1 import evaluation_pb2, evaluation_pb2_grpc
from sqlalchemy import MetaData

from shared.bus import bus_tables
from shared.info import service_info
from shared.rpc.server import GrpcEdge
from shared.service import Runtime, ServiceDefinition

SERVICE_NAME = evaluation_pb2.DESCRIPTOR.services_by_name["EvaluationService"].full_name


class EvaluationServicer(evaluation_pb2_grpc.EvaluationServiceServicer):
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)


def definition() -> ServiceDefinition:
    metadata = MetaData()
    tables = bus_tables(metadata)

    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = EvaluationServicer(runtime)
        return GrpcEdge(
            service="evaluation",
            register=[lambda server: evaluation_pb2_grpc.add_EvaluationServiceServicer_to_server(servicer, server)],
            service_names=[SERVICE_NAME],
            public_methods=frozenset())

    return ServiceDefinition(name="evaluation", metadata=metadata, bus_tables=tables, edge=edge)
