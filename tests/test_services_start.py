"""The five services start on the shared skeleton against real PostgreSQL and Kafka:
health SERVING, reflection lists their service, GetServiceInfo answers, and the edge
authenticates and logs one line per call."""
from __future__ import annotations

import uuid

import grpc
import pytest
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from kafka_lock import kafka_shared
from lianxin.common.v1 import common_pb2

import services
from shared import config
from shared.auth import issue_token
from shared.service import start

SERVICE_CLASSES = {"roster": "RosterService", "liaison": "LiaisonService", "balloting": "BallotingService",
                   "supervision": "SupervisionService", "evaluation": "EvaluationService",
                   "identity": "IdentityService"}


def definition_of(name):
    return services.definition(name)


@pytest.fixture(scope="module")
def running(fresh_database, kafka_bootstrap):
    started = {}
    namespace = f"t{uuid.uuid4().hex[:8]}."   # its own topics and groups: no other run's events
    with kafka_shared(kafka_bootstrap):   # no broker restart by another worker mid-start
        for name in services.NAMES:
            settings = config.load(name, {"LIANXIN_DATABASE_URL": fresh_database(), "LIANXIN_PORT": "0",
                                          "LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap,
                                          "LIANXIN_HOME_REGION": "652301",
                                          "LIANXIN_KAFKA_NAMESPACE": namespace})
            started[name] = start(definition_of(name), settings)
    yield started
    for s in started.values():
        s.shutdown(grace=1)


def call(port: int, name: str, metadata=()):
    full = f"lianxin.{name}.v1.{SERVICE_CLASSES[name]}"
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        method = ch.unary_unary(f"/{full}/GetServiceInfo",
                                request_serializer=common_pb2.GetServiceInfoRequest.SerializeToString,
                                response_deserializer=common_pb2.ServiceInfo.FromString)
        return method(common_pb2.GetServiceInfoRequest(), metadata=metadata, timeout=5)


@pytest.mark.parametrize("name", services.NAMES)
def test_service_is_healthy_reflected_and_describes_itself(running, name):
    port = running[name].port
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        health = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        listed = list(reflection_pb2_grpc.ServerReflectionStub(ch).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5))
        names = {s.name for s in listed[0].list_services_response.service}
    assert f"lianxin.{name}.v1.{SERVICE_CLASSES[name]}" in names
    assert "grpc.health.v1.Health" in names
    token = issue_token(running[name].runtime.settings.jwt_secret, subject="op", role="auditor", region="652301")
    info = call(port, name, [("authorization", f"Bearer {token}")])
    assert (info.service, info.home_region, info.bus, info.topic) == (name, "652301", "kafka", f"lianxin.{name}.v1")
    assert info.home_tier == common_pb2.TIER_COUNTY


def test_calls_without_a_valid_token_are_unauthenticated(running):
    port = running["balloting"].port
    for metadata in ([], [("authorization", "Bearer not-a-jwt")], [("authorization", "Basic abc")]):
        with pytest.raises(grpc.RpcError) as e:
            call(port, "balloting", metadata)
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_each_call_logs_one_line_with_method_principal_status_and_duration(running):
    token = issue_token(running["supervision"].runtime.settings.jwt_secret, subject="op-7", role="staff",
                        region="652301")
    with structlog.testing.capture_logs() as logs:
        call(running["supervision"].port, "supervision", [("authorization", f"Bearer {token}")])
        with pytest.raises(grpc.RpcError):
            call(running["supervision"].port, "supervision")
    lines = [x for x in logs if x["event"] == "rpc"]
    assert len(lines) == 2
    ok, denied = lines
    assert ok["method"].endswith("/GetServiceInfo") and ok["status"] == "OK"
    assert (ok["principal"], ok["role"], ok["region"]) == ("op-7", "staff", "652301")
    assert ok["duration_ms"] >= 0
    assert denied["status"] == "UNAUTHENTICATED"
