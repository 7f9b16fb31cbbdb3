"""The definition of a service whose domain is still to come: GetServiceInfo, health and
reflection on the common skeleton, its own database (outbox and inbox) and topic, so that
deployments can be wired and checked before the domain lands."""
from __future__ import annotations

from sqlalchemy import MetaData

from shared.access import AccessTable
from shared.bus import bus_tables
from shared.info import service_info
from shared.rpc.server import GrpcEdge
from shared.service import Runtime, ServiceDefinition


def placeholder_definition(name: str, pb2, pb2_grpc, service_class: str, access: AccessTable) -> ServiceDefinition:
    """``pb2``/``pb2_grpc`` are the service's generated modules; ``service_class`` its proto
    service name, e.g. ``BallotingService``; ``access`` its access table."""
    full_name = pb2.DESCRIPTOR.services_by_name[service_class].full_name
    base = getattr(pb2_grpc, f"{service_class}Servicer")
    add = getattr(pb2_grpc, f"add_{service_class}Servicer_to_server")
    metadata = MetaData()
    tables = bus_tables(metadata)

    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = type(f"{service_class}Servicer", (base,),
                        {"GetServiceInfo": lambda self, request, context: service_info(runtime)})()
        return GrpcEdge(service=name, register=[lambda server: add(servicer, server)],
                        service_names=[full_name], access=[access])

    return ServiceDefinition(name=name, metadata=metadata, bus_tables=tables, edge=edge)
