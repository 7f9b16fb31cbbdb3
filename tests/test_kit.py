"""The test kit plugs in any service of the registry: started in-process from its definition
on a fresh PostgreSQL database, called through the stub found from its descriptor, with
tokens for any role; a service added to services.NAMES is covered here without a line of
its own."""
from __future__ import annotations

import grpc
import pytest
from kit.settings import COUNTY_A
from lianxin.common.v1 import common_pb2

import services


@pytest.mark.parametrize("name", services.NAMES)
def test_every_service_starts_from_the_kit_and_answers_through_its_stub(start_service, name):
    server = start_service(name, LIANXIN_HOME_REGION=COUNTY_A)
    info = server.call("GetServiceInfo", common_pb2.GetServiceInfoRequest(), role="auditor", region=COUNTY_A)
    assert (info.service, info.home_region, info.topic) == (name, COUNTY_A, f"lianxin.{name}.v1")
    assert type(server.settings) is services.definition(name).settings
    err = server.error("GetServiceInfo", common_pb2.GetServiceInfoRequest(), token=None)
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    # Describing itself writes nothing; the roster's start publishes the regions it serves.
    with server.engine.connect() as c:
        types = {t for (t,) in c.exec_driver_sql("SELECT DISTINCT type FROM outbox")}
    assert types == ({"lianxin.roster.v1.RegionDescribed"} if name == "roster" else set())
    server.close()
