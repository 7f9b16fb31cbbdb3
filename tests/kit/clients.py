"""What every in-process service test client shares: tokens for any role and region,
calls with or without one, expected failures, and row counts in the service's database.
``ServiceClient`` subclasses set ``settings`` (the service's Settings), ``stub`` and
``engine``; ``InProcessService`` sets them from a running service."""
from __future__ import annotations

import importlib
from datetime import timedelta

import grpc
from google.protobuf import descriptor_pool
from sqlalchemy import create_engine, func, select, text

from shared.auth import issue_token

PREFECTURE = "652300"
_DEFAULT = object()


class ServiceClient:
    settings = None
    stub = None
    engine = None

    def token(self, role: str = "staff", region: str = PREFECTURE, *, subject: str = "clerk-test",
              secret: str | None = None, ttl: timedelta = timedelta(hours=1), name: str = "") -> str:
        return issue_token(secret or self.settings.jwt_secret, subject=subject, role=role, region=region, ttl=ttl,
                           name=name)

    def md(self, role: str = "staff", region: str = PREFECTURE, **kw) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token(role, region, **kw)}"),)

    def call(self, method: str, request, *, role: str = "staff", region: str = PREFECTURE,
             metadata=_DEFAULT, token=_DEFAULT, **kw):
        """Calls an RPC; metadata defaults to a token for role+region. token=None sends none."""
        if token is None:
            metadata = ()
        elif token is not _DEFAULT:
            metadata = (("authorization", f"Bearer {token}"),)
        elif metadata is _DEFAULT:
            metadata = self.md(role, region, **kw)
        # 60 s: an import of 500 rows took over 30 s once with the machine's load average near
        # 100 (two cores shared by parallel runs); a real hang still fails within the minute.
        return getattr(self.stub, method)(request, metadata=metadata, timeout=60)

    def public(self, method: str, request):
        return self.call(method, request, token=None)

    def error(self, method: str, request, **kw) -> grpc.RpcError:
        """Calls an RPC that must fail; returns the error (code() and details())."""
        try:
            self.call(method, request, **kw)
        except grpc.RpcError as e:
            return e
        raise AssertionError(f"{method} succeeded but was expected to fail: {request}")

    def count(self, table: str) -> int:
        with self.engine.connect() as c:
            return c.execute(select(func.count()).select_from(text(table))).scalar_one()


def stub_class(service_full_name: str):
    """The generated stub class of a gRPC service, found from its full name through the
    descriptor pool (lianxin.balloting.v1.BallotingService -> balloting_pb2_grpc.BallotingServiceStub)."""
    service = descriptor_pool.Default().FindServiceByName(service_full_name)
    module = importlib.import_module(service.file.name.removesuffix(".proto").replace("/", ".") + "_pb2_grpc")
    return getattr(module, f"{service.name}Stub")


class InProcessService(ServiceClient):
    """A service started in this process (shared.service.start): a channel to it, the stub
    of its (first) gRPC service, and its database for direct reads."""

    def __init__(self, running, settings, db_url: str):
        self.running = running
        self.runtime = running.runtime
        self.settings = settings
        self.db_url = db_url
        self.channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
        grpc.channel_ready_future(self.channel).result(timeout=10)
        self.stub = stub_class(running.service_names[0])(self.channel)
        self.engine = create_engine(db_url, pool_size=2, max_overflow=2)
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.channel.close()
        self.running.shutdown(grace=1.0)
        self.engine.dispose()
