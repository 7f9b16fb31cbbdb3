"""What every in-process service test client shares: tokens for any role and region,
calls with or without one, expected failures, and row counts in the service's database.
Subclasses set ``settings`` (the service's Settings), ``stub`` and ``engine``."""
from __future__ import annotations

from datetime import timedelta

import grpc
from sqlalchemy import func, select, text

from shared.auth import issue_token

PREFECTURE = "652300"
_DEFAULT = object()


class ServiceClient:
    settings = None
    stub = None
    engine = None

    def token(self, role: str = "staff", region: str = PREFECTURE, *, subject: str = "clerk-test",
              secret: str | None = None, ttl: timedelta = timedelta(hours=1)) -> str:
        return issue_token(secret or self.settings.jwt_secret, subject=subject, role=role, region=region, ttl=ttl)

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
        return getattr(self.stub, method)(request, metadata=metadata, timeout=30)

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
