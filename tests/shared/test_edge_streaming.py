"""The edge interceptor wraps streaming handlers as it wraps unary ones: authentication (the
servicer sees the caller on every step of a stream), error mapping (a domain error mid-stream
becomes its status, anything else a plain INTERNAL) and one log line per call. Exercised on
health Watch (open, no token) and on a synthetic servicer with the three streaming kinds, over
a real gRPC socket."""
from __future__ import annotations

import threading

import grpc
import pytest
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc

from shared import errors
from shared.access import TOKEN_ROLES, AccessTable, Scope, grant
from shared.auth import Role, issue_token
from shared.rpc.context import current_principal
from shared.rpc.server import GrpcEdge, build_server, set_serving

SECRET = "s" * 40
SERVICE = "test.Streams"


def split(request: bytes, context):
    """unary-stream: one message per character, each tagged with the caller."""
    for ch in request.decode():
        if ch == "!":
            raise errors.InvalidArgument("text", "'!' is not allowed")
        if ch == "?":
            raise RuntimeError("secret detail that must not reach the caller")
        yield f"{ch}:{current_principal().subject}".encode()


def join(requests, context):
    """stream-unary: the messages joined, tagged with the caller."""
    return b"".join(requests) + f"/{current_principal().subject}".encode()


def echo(requests, context):
    """stream-stream: each message back, tagged with the caller."""
    for r in requests:
        if r == b"!":
            raise errors.NotFound("thing", "!")
        yield r + f"/{current_principal().subject}".encode()


ACCESS = AccessTable(SERVICE, {"stream": grant(Scope.SUBTREE, *TOKEN_ROLES)},
                     {"Split": "stream", "Join": "stream", "Echo": "stream"})


@pytest.fixture(scope="module")
def edge():
    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "Split": grpc.unary_stream_rpc_method_handler(split),
        "Join": grpc.stream_unary_rpc_method_handler(join),
        "Echo": grpc.stream_stream_rpc_method_handler(echo),
    })
    server, port, health = build_server(
        GrpcEdge(service="streams", register=[lambda s: s.add_generic_rpc_handlers((handler,))],
                 service_names=[SERVICE], access=[ACCESS]),
        address="127.0.0.1:0", jwt_secret=SECRET)
    server.start()
    set_serving(health, [SERVICE], True)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield channel
    channel.close()
    server.stop(0).wait()


def md(subject: str = "clerk-1"):
    return (("authorization", "Bearer " + issue_token(SECRET, subject=subject, role="staff", region="652301")),)


def rpc_lines(logs):
    return [x for x in logs if x["event"] == "rpc"]


def test_unary_stream_needs_a_token_and_the_servicer_sees_the_caller_on_every_item(edge):
    split_call = edge.unary_stream(f"/{SERVICE}/Split")
    with structlog.testing.capture_logs() as logs:
        assert list(split_call(b"abc", metadata=md("clerk-7"), timeout=5)) == [b"a:clerk-7", b"b:clerk-7",
                                                                              b"c:clerk-7"]
        with pytest.raises(grpc.RpcError) as e:
            list(split_call(b"abc", timeout=5))
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    ok, denied = rpc_lines(logs)
    assert (ok["method"], ok["principal"], ok["status"]) == (f"/{SERVICE}/Split", "clerk-7", "OK")
    assert denied["status"] == "UNAUTHENTICATED" and "principal" not in denied


def test_errors_mid_stream_are_mapped_and_internal_detail_stays_in_the_log(edge):
    split_call = edge.unary_stream(f"/{SERVICE}/Split")
    received = []
    with structlog.testing.capture_logs() as logs:
        with pytest.raises(grpc.RpcError) as bad:
            for item in split_call(b"a!b", metadata=md(), timeout=5):
                received.append(item)
        with pytest.raises(grpc.RpcError) as broken:
            list(split_call(b"a?", metadata=md(), timeout=5))
    assert received == [b"a:clerk-1"]
    assert (bad.value.code(), bad.value.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "text: '!' is not allowed")
    assert (broken.value.code(), broken.value.details()) == (grpc.StatusCode.INTERNAL, "internal error")
    assert [x["status"] for x in rpc_lines(logs)] == ["INVALID_ARGUMENT", "INTERNAL"]
    assert any(x["event"] == "unhandled error" for x in logs)


def test_stream_unary_and_stream_stream_are_authenticated_and_mapped(edge):
    join_call = edge.stream_unary(f"/{SERVICE}/Join")
    echo_call = edge.stream_stream(f"/{SERVICE}/Echo")
    assert join_call(iter([b"x", b"y"]), metadata=md("clerk-2"), timeout=5) == b"xy/clerk-2"
    assert list(echo_call(iter([b"p", b"q"]), metadata=md("clerk-3"), timeout=5)) == [b"p/clerk-3", b"q/clerk-3"]
    for call in (lambda: join_call(iter([b"x"]), timeout=5), lambda: list(echo_call(iter([b"x"]), timeout=5))):
        with pytest.raises(grpc.RpcError) as e:
            call()
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as e:
        list(echo_call(iter([b"p", b"!"]), metadata=md(), timeout=5))
    assert (e.value.code(), e.value.details()) == (grpc.StatusCode.NOT_FOUND, "thing '!' not found")


def test_health_watch_is_open_streams_status_changes_and_is_logged(edge):
    stub = health_pb2_grpc.HealthStub(edge)
    with structlog.testing.capture_logs() as logs:
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=SERVICE), timeout=10)   # no token
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        watch.cancel()
        done = threading.Event()
        for _ in range(50):   # the server writes its line when it notices the cancellation
            if any(x["event"] == "rpc" for x in logs):
                done.set()
                break
            done.wait(0.1)
    (line,) = rpc_lines(logs)
    assert line["method"] == "/grpc.health.v1.Health/Watch"
    assert line["status"] == "CANCELLED"


def test_streaming_methods_are_authorized_by_the_access_table_and_fail_closed():
    """Only Split is in this edge's table, for staff: Echo is refused for everyone, Split for
    an auditor, before the servicer runs."""
    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "Split": grpc.unary_stream_rpc_method_handler(split),
        "Echo": grpc.stream_stream_rpc_method_handler(echo),
    })
    table = AccessTable(SERVICE, {"stream": grant(Scope.SUBTREE, Role.STAFF)}, {"Split": "stream"})
    server, port, _ = build_server(
        GrpcEdge(service="streams", register=[lambda s: s.add_generic_rpc_handlers((handler,))],
                 service_names=[SERVICE], access=[table]),
        address="127.0.0.1:0", jwt_secret=SECRET)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        assert list(channel.unary_stream(f"/{SERVICE}/Split")(b"a", metadata=md(), timeout=5)) == [b"a:clerk-1"]
        auditor = (("authorization", "Bearer " + issue_token(SECRET, subject="a", role="auditor", region="652301")),)
        for call, arg, meta in ((channel.stream_stream(f"/{SERVICE}/Echo"), iter([b"x"]), md()),
                                (channel.unary_stream(f"/{SERVICE}/Split"), b"a", auditor)):
            with pytest.raises(grpc.RpcError) as e:
                list(call(arg, metadata=meta, timeout=5))
            assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
    finally:
        channel.close()
        server.stop(0).wait()
