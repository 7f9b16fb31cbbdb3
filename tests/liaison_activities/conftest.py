"""A liaison test server serving only the activity, register and statistics RPCs (the
ActivityRpcs mixin) with the roll-up consumer, on a fresh PostgreSQL database and an
embedded bus file. Deployments started with the same ``bus`` share one bus, as a
prefecture's and its counties' deployments share one Kafka cluster."""
from __future__ import annotations

import pytest
from activities_support import PREFECTURE, REGIONS_FILE, LiaisonServer
from lianxin.liaison.v1 import liaison_pb2, liaison_pb2_grpc

from services.liaison.access import ACCESS
from services.liaison.activity_rpcs import ActivityRpcs
from services.liaison.rollup import rollup_consumer
from services.liaison.tables import BUS, Base
from shared import config
from shared.rpc.server import GrpcEdge
from shared.service import ServiceDefinition, start

SERVICE_NAME = liaison_pb2.DESCRIPTOR.services_by_name["LiaisonService"].full_name


class _S(ActivityRpcs, liaison_pb2_grpc.LiaisonServiceServicer):
    def __init__(self, runtime):
        self.runtime = runtime


def _edge(runtime) -> GrpcEdge:
    servicer = _S(runtime)
    return GrpcEdge(service="liaison",
                    register=[lambda server: liaison_pb2_grpc.add_LiaisonServiceServicer_to_server(servicer, server)],
                    service_names=[SERVICE_NAME], access=[ACCESS])


DEFINITION = ServiceDefinition(name="liaison", metadata=Base.metadata, bus_tables=BUS, edge=_edge,
                               consumes=lambda rt: [rollup_consumer(rt)])


@pytest.fixture(scope="session")
def start_liaison(fresh_database, tmp_path_factory):
    """Factory: a server on a brand-new database; ``bus`` names a shared bus file."""
    def make(home: str = PREFECTURE, bus: str | None = None) -> LiaisonServer:
        url = fresh_database()
        bus = bus or str(tmp_path_factory.mktemp("bus") / "bus.sqlite")
        settings = config.load("liaison", {
            "LIANXIN_DATABASE_URL": url, "LIANXIN_PORT": "0", "LIANXIN_HOST": "127.0.0.1",
            "LIANXIN_BUS": "embedded", "LIANXIN_EMBEDDED_BUS_PATH": bus,
            "LIANXIN_REGIONS_FILE": str(REGIONS_FILE), "LIANXIN_HOME_REGION": home,
            "LIANXIN_GRPC_WORKERS": "8", "LIANXIN_RELAY_INTERVAL": "0.05"})
        return LiaisonServer(start(DEFINITION, settings), settings, url, bus)
    return make


@pytest.fixture(scope="module")
def liaison(start_liaison):
    server = start_liaison()
    yield server
    server.close()
