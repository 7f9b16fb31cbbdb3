"""Server builder and the interceptor at every service's edge.

Its steps, outermost first: request log (one structlog line per call) -> error mapping
(domain errors to status codes, anything else to INTERNAL without leaking detail) ->
authentication (bearer JWT, or the narrow public principal on public methods) -> authorization
(the service's access table, shared/access.py: a method it does not name is refused).
"""
from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import dataclass, field

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars

from shared import errors
from shared.access import AccessTable, AccessTables
from shared.auth import KeySet, Principal, Role, TokenVerifier, public_principal
from shared.rpc.context import reset_principal, set_principal
from shared.rpc.decoding import Undecodable, refusal, tolerant
from shared.rpc.errors import status_of, status_of_storage_error
from shared.rpc.ratelimit import CLIENT_ADDRESS_HEADER, DEVICE_HEADER, MAX_DEVICE_ID, PublicLimits
from shared.tenancy import Deployment

# Operators' probes and grpcurl need these without a token.
OPEN_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                 "/grpc.reflection.v1.ServerReflection/")


def client_address(context: grpc.ServicerContext) -> str:
    """'ipv4:127.0.0.1:5555' -> '127.0.0.1': limits apply per client host, not per connection."""
    peer = context.peer() or "unknown"
    kind, _, rest = peer.partition(":")
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]").replace("%5B", "").replace("%5D", "")
    return rest.rsplit(":", 1)[0] if kind == "ipv4" else peer


def _header(context: grpc.ServicerContext, name: str) -> str:
    """A metadata value ('' if absent; the last one if sent twice)."""
    found = ""
    for key, value in context.invocation_metadata() or ():
        if key == name:
            found = value
    return found


def _bearer(context: grpc.ServicerContext) -> str:
    """The authorization header's value ('' if absent; the last one if sent twice)."""
    return _header(context, "authorization")


def _device(context: grpc.ServicerContext) -> str:
    """The opaque device id, bounded (a key of the limiter, never shown)."""
    return _header(context, DEVICE_HEADER).strip()[:MAX_DEVICE_ID]


def abort_for(log, e: Exception, context: grpc.ServicerContext) -> None:
    """Error mapping, the same for every kind of call: a domain error to its status code, a
    database that is down to UNAVAILABLE, a lost unique-key race to ALREADY_EXISTS, anything
    else to INTERNAL. Only the log sees the cause of an INTERNAL. Aborts (context.abort raises)."""
    if isinstance(e, errors.DomainError):
        context.abort(status_of(e), str(e))
    mapped = status_of_storage_error(e)
    if mapped is not None:
        log.warning("storage error", error=type(e).__name__)
        context.abort(*mapped)
    log.exception("unhandled error")
    context.abort(grpc.StatusCode.INTERNAL, "internal error")


class EdgeInterceptor(grpc.ServerInterceptor):
    """The edge as one interceptor with three steps, outermost first:

      1. request log: one structlog line per call (method, principal, status, duration);
      2. error mapping: domain errors to status codes, a database that is down to UNAVAILABLE,
     a unique key lost to a concurrent call to ALREADY_EXISTS, anything else to INTERNAL;
      3. authentication: bearer JWT, or the narrow public principal on public methods; a
         token whose region the deployment does not serve is PERMISSION_DENIED, whatever
         the method (shared.tenancy.Deployment.check_caller);
      4. authorization: the method's action in the service's access table must grant the
         caller's role, else PERMISSION_DENIED; a method the table does not name is refused
         for everyone (fails closed), so a new RPC is unreachable until the table names it.
         Then a unary request that did not decode (a string in GBK rather than UTF-8, bytes
         that are no message) is INVALID_ARGUMENT naming the field (shared.rpc.decoding),
         where gRPC alone would answer INTERNAL.

    gRPC calls intercept_service on every RPC. Three interceptors each building a new method
    handler there cost ~0.1 ms of Python per call; here the wrapped handler is built once per
    method (handlers are stateless, the per-call state lives in the closure's locals) and
    cached. Streaming handlers (unary-stream such as health Watch, stream-stream such as
    reflection, stream-unary) get the same three steps; for a streamed response the principal
    is set around each step of the servicer's iterator and the log line is written when the
    stream ends. Health and reflection need no token (OPEN_PREFIXES) but are logged and mapped.
    """

    def __init__(self, service: str, secret: str | None, access: AccessTables, limits: PublicLimits,
                 trusted_forwarders: Iterable[str] = (), jwks_file: str = "", deployment: Deployment | None = None):
        self.log = structlog.get_logger(service)
        self.verify = TokenVerifier(secret, keys=KeySet(jwks_file) if jwks_file else None)
        self.access = access
        self.public_methods = access.public_methods()
        self.limits = limits
        self.trusted_forwarders = frozenset(trusted_forwarders)
        self.deployment = deployment
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}
        # Request ids: a per-process random prefix and a counter, unique without a
        # random-number syscall per call (itertools.count is atomic under the GIL).
        self._prefix = os.urandom(4).hex()
        self._counter = itertools.count()

    def intercept_service(self, continuation, details):
        handler = self._handlers.get(details.method)
        if handler is None:
            handler = continuation(details)
            if handler is None:
                return handler   # unknown method (not cached: names come from callers)
            # Two threads may build it at once for a new method; both results are equivalent.
            handler = self._handlers[details.method] = self._wrap(details.method, handler)
        return handler

    def _principal(self, method: str, context: grpc.ServicerContext) -> Principal:
        auth = _bearer(context)
        if auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise errors.Unauthenticated("authorization must be 'Bearer <token>'")
            principal = self.verify(token.strip())
            if self.deployment is not None:
                # Every token, on every RPC (public ones too): a caller outside the area this
                # deployment serves is no caller of it (shared.tenancy.Deployment.check_caller).
                self.deployment.check_caller(principal.region)
            if (method in self.public_methods and principal.role is Role.SYSTEM
                    and principal.subject in self.trusted_forwarders):
                # The portal speaks for a citizen: the address and device it forwards are the
                # ones limited, and the call is the citizen's (public), not the portal's.
                client = _header(context, CLIENT_ADDRESS_HEADER).strip()
                if not client:
                    raise errors.InvalidArgument(CLIENT_ADDRESS_HEADER, "a forwarded public call names the client")
                self.limits.check(client[:64], _device(context), forwarded=True)
                return public_principal(client[:64])
            return principal
        if method in self.public_methods:
            # Forwarding headers from an anonymous caller are not believed: its own address counts.
            client = client_address(context)
            self.limits.check(client, _device(context))
            return public_principal(client)
        raise errors.Unauthenticated("a bearer token is required")

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if handler.unary_unary is None:
            return self._wrap_streaming(method, handler)
        inner = handler.unary_unary
        authenticate = not method.startswith(OPEN_PREFIXES)
        log, principal_of, prefix, counter = self.log, self._principal, self._prefix, self._counter
        authorize = self.access.authorize_path

        def behaviour(request, context):
            # 1. request log
            clear_contextvars()
            bind_contextvars(request_id=f"{prefix}{next(counter) & 0xFFFFFFFF:08x}", method=method)
            started = time.perf_counter()
            status = "OK"
            try:
                # 2. error mapping
                try:
                    if not authenticate:
                        return inner(request, context)
                    # 3. authentication
                    principal = principal_of(method, context)
                    bind_contextvars(principal=principal.subject, role=principal.role.value,
                                     region=principal.region)
                    # 4. authorization
                    authorize(method, principal)
                    if isinstance(request, Undecodable):   # after 3 and 4: the caller learns nothing sooner
                        raise refusal(method, request)
                    token = set_principal(principal)
                    try:
                        return inner(request, context)
                    finally:
                        reset_principal(token)
                except Exception as e:
                    abort_for(log, e, context)
            except BaseException:
                code = context.code() if hasattr(context, "code") else None
                status = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
                raise
            finally:
                # The context is passed explicitly, not only merged by the processor chain,
                # so the line is complete under any structlog configuration (tests capture it).
                log.info("rpc", **get_contextvars(), status=status,
                         duration_ms=round((time.perf_counter() - started) * 1000, 2))
                clear_contextvars()

        deserialize = handler.request_deserializer
        return grpc.unary_unary_rpc_method_handler(
            behaviour, request_deserializer=tolerant(deserialize) if deserialize and authenticate else deserialize,
            response_serializer=handler.response_serializer)

    def _wrap_streaming(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """The same steps for the three streaming kinds (same order, same log line)."""
        authenticate = not method.startswith(OPEN_PREFIXES)
        log, principal_of, prefix, counter = self.log, self._principal, self._prefix, self._counter
        authorize = self.access.authorize_path

        def begin(context) -> Principal | None:
            clear_contextvars()
            bind_contextvars(request_id=f"{prefix}{next(counter) & 0xFFFFFFFF:08x}", method=method)
            if not authenticate:
                return None
            principal = principal_of(method, context)
            bind_contextvars(principal=principal.subject, role=principal.role.value, region=principal.region)
            authorize(method, principal)
            return principal

        def end(started: float, status: str) -> None:
            log.info("rpc", **get_contextvars(), status=status,
                     duration_ms=round((time.perf_counter() - started) * 1000, 2))
            clear_contextvars()

        def status_after(context, error: BaseException) -> str:
            if isinstance(error, GeneratorExit):
                return "CANCELLED"
            code = context.code() if hasattr(context, "code") else None
            return code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"

        def single_response(inner):
            def behaviour(request, context):
                started, status = time.perf_counter(), "OK"
                try:
                    try:
                        token = set_principal(begin(context))
                        try:
                            return inner(request, context)
                        finally:
                            reset_principal(token)
                    except Exception as e:
                        abort_for(log, e, context)
                except BaseException as e:
                    status = status_after(context, e)
                    raise
                finally:
                    end(started, status)
            return behaviour

        def streamed_response(inner):
            def behaviour(request, context):
                started, status = time.perf_counter(), "OK"
                try:
                    try:
                        principal = begin(context)
                        responses = None
                        while True:
                            token = set_principal(principal)
                            try:
                                if responses is None:
                                    responses = iter(inner(request, context))
                                item = next(responses)
                            except StopIteration:
                                break
                            finally:
                                reset_principal(token)
                            yield item
                    except Exception as e:
                        abort_for(log, e, context)
                except BaseException as e:
                    status = status_after(context, e)
                    raise
                finally:
                    if status == "OK" and not context.is_active():
                        status = "CANCELLED"
                    end(started, status)
            return behaviour

        options = {"request_deserializer": handler.request_deserializer,
                   "response_serializer": handler.response_serializer}
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(streamed_response(handler.unary_stream), **options)
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(streamed_response(handler.stream_stream), **options)
        return grpc.stream_unary_rpc_method_handler(single_response(handler.stream_unary), **options)


@dataclass
class GrpcEdge:
    """What a service hands the builder: its servicers and the access table of each of its
    proto services (which also says which methods are public)."""
    service: str
    register: list[Callable[[grpc.Server], None]]
    service_names: list[str]              # full names, e.g. lianxin.roster.v1.RosterService
    access: list[AccessTable] = field(default_factory=list)


def build_server(edge: GrpcEdge, *, address: str, jwt_secret: str | None, limits: PublicLimits | None = None,
                 trusted_forwarders: Iterable[str] = (), jwks_file: str = "", deployment: Deployment | None = None,
                 max_workers: int = 32) -> tuple[grpc.Server, int, health.HealthServicer]:
    """Returns the server (not started), the bound port and its health servicer. ``limits``:
    the public calls' limits (default: shared.config's defaults); ``trusted_forwarders``: the
    subjects of system tokens whose forwarded client address and device are believed;
    ``jwt_secret``: the HS256 secret, None where HS256 tokens are refused; ``jwks_file``: the
    identity service's public keys, for EdDSA tokens ("" accepts none); ``deployment``: the
    area served, outside which a token is refused (PERMISSION_DENIED) on every RPC. OSError
    when ``address`` cannot be bound."""
    limits = limits or PublicLimits(600, 300, 60, 20)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"{edge.service}-rpc"),
        interceptors=[EdgeInterceptor(edge.service, jwt_secret, AccessTables(*edge.access), limits,
                                      trusted_forwarders, jwks_file, deployment)],
        options=[("grpc.max_receive_message_length", 32 * 1024 * 1024),
                 ("grpc.so_reuseport", 0)])
    for register in edge.register:
        register(server)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [*edge.service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
         reflection.SERVICE_NAME], server)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError:   # grpcio raises "Failed to bind to address ..." (older ones return 0)
        port = 0
    if port == 0:
        raise OSError(f"cannot bind {address}: the port is in use or the address is not this host's")
    return server, port, health_servicer


def set_serving(health_servicer: health.HealthServicer, names: Iterable[str], serving: bool) -> None:
    status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
    for name in ("", *names):
        health_servicer.set(name, status)
