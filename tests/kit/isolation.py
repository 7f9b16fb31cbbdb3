"""The isolation matrix as a kit: every RPC of every service (read from the proto
descriptors, so a new RPC cannot escape) x a fixed set of callers, each cell with the status
the caller must get.

A service is in SERVICES from the moment it is in services.NAMES (its generated module and
its access table); it plugs into the matrix test with one or more ``Case`` per RPC (CASES in
kit.cases, which the bad-input table reuses): how to build the request from the seeded
world, which callers are answered OK, which are refused how. The kit supplies the callers, the tokens (valid,
expired, forged, none), the rules every cell shares (a bad token is UNAUTHENTICATED, no
token is UNAUTHENTICATED except on a public method, a token of a region the deployment does
not serve is PERMISSION_DENIED on every RPC), a generic caller of any method by its
descriptor, and the leak check (no seeded id the caller may not see appears in an answer).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import grpc
from google.protobuf import message_factory

import services
from shared.access import AccessTable
from shared.auth import issue_token

OK = grpc.StatusCode.OK
NF = grpc.StatusCode.NOT_FOUND
PD = grpc.StatusCode.PERMISSION_DENIED
UNAUTH = grpc.StatusCode.UNAUTHENTICATED


@dataclass(frozen=True)
class ServiceUnderTest:
    name: str                  # e.g. "roster", as in services/<name>
    pb2: ModuleType            # the generated *_pb2 module holding the service descriptor
    access: AccessTable

    @property
    def full_name(self) -> str:
        return self.access.service


def service_under_test(name: str) -> ServiceUnderTest:
    """A platform service's generated module (lianxin.<name>.v1.<name>_pb2) and access table
    (services/<name>/access.py: every service has one)."""
    pb2 = importlib.import_module(f"lianxin.{name}.v1.{name}_pb2")
    return ServiceUnderTest(name, pb2, importlib.import_module(f"services.{name}.access").ACCESS)


# Every service of the platform (services.NAMES), so a new one is in the matrix from its start.
SERVICES = [service_under_test(name) for name in services.NAMES]


def descriptor_methods(pb2: ModuleType) -> list[tuple[str, str]]:
    """(service full name, method name) of every RPC the module's file descriptor declares."""
    return [(s.full_name, m.name) for s in pb2.DESCRIPTOR.services_by_name.values() for m in s.methods]


def method_descriptor(pb2: ModuleType, service: str, method: str):
    for s in pb2.DESCRIPTOR.services_by_name.values():
        if s.full_name == service:
            return s.methods_by_name[method]
    raise KeyError(f"{service}/{method}")


# ---- callers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    """``token``: valid, none (no authorization header), expired, forged (wrong secret);
    ``served``: whether the deployment under test serves the token's region (within its home
    region): a caller it does not serve is PERMISSION_DENIED on every RPC, public ones too."""
    name: str
    role: str = "staff"
    region: str = ""
    subject: str = "clerk-matrix"
    token: str = "valid"
    served: bool = True


def callers(*, own: str, child: str, parent: str, sibling: str, other_prefecture: str, other_county: str,
            outside: str, department: str, own_deputy: str, other_deputy: str) -> list[Caller]:
    """The callers of every matrix, relative to the records seeded in region ``own``.

    ``department`` is a department subject; ``own_deputy``/``other_deputy`` the ids of two
    deputies of ``own`` (the records seeded belong to ``own_deputy``)."""
    return [
        Caller("own", region=own),
        Caller("child", region=child),
        Caller("parent", region=parent),
        Caller("sibling", region=sibling),
        # regions in the tree but outside the deployment's home, and a code not in the tree
        Caller("other_prefecture", region=other_prefecture, served=False),
        Caller("other_county", region=other_county, served=False),
        Caller("outside", region=outside, served=False),
        Caller("auditor", role="auditor", region=own),
        Caller("committee", role="committee", region=own),
        Caller("system", role="system", region=own),               # an integrating system of the region
        Caller("dept_own", role="department", region=own, subject=department),
        Caller("dept_other", role="department", region=own, subject=department + "-other"),
        Caller("dept_elsewhere", role="department", region=sibling, subject=department),
        Caller("deputy_own", role="deputy", region=own, subject=own_deputy),
        Caller("deputy_other", role="deputy", region=own, subject=other_deputy),
        # the own deputy's id in a token of another region: no deputy of that region
        Caller("deputy_elsewhere", role="deputy", region=sibling, subject=own_deputy),
        Caller("public", role="", token="none"),
        Caller("expired", region=own, token="expired"),
        Caller("forged", region=own, token="forged"),
    ]


def metadata(caller: Caller, secret: str) -> tuple[tuple[str, str], ...]:
    if caller.token == "none":
        return ()
    kw: dict[str, Any] = {"subject": caller.subject, "role": caller.role, "region": caller.region}
    if caller.token == "expired":
        kw["now"] = datetime.now(timezone.utc) - timedelta(hours=3)
        kw["ttl"] = timedelta(hours=1)
    token = issue_token("a-secret-that-is-not-the-deployments" if caller.token == "forged" else secret, **kw)
    return (("authorization", f"Bearer {token}"),)


# ---- cases and expectations --------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One request shape of an RPC and who gets what.

    ``request(world, caller)`` builds the request (it may seed fresh records first, e.g. a
    case in the state the step needs, so each cell is independent). ``ok``: callers answered
    OK; ``denied``: callers refused with a specific status; every other caller with a valid
    token gets ``default``. Bad tokens and missing ones follow the kit's rules."""
    request: Callable[[Any, Caller], Any]
    ok: frozenset[str]
    default: grpc.StatusCode = NF
    denied: Mapping[str, grpc.StatusCode] = field(default_factory=dict)
    label: str = ""


def expected(case: Case, caller: Caller, public: bool) -> grpc.StatusCode:
    if caller.token in ("expired", "forged"):
        return UNAUTH
    if caller.token == "none":
        return OK if public else UNAUTH
    if not caller.served:
        return PD
    if caller.name in case.ok:
        return OK
    return case.denied.get(caller.name, case.default)


def cells(services: list[ServiceUnderTest], table: Mapping[tuple[str, str], list[Case]],
          all_callers: list[Caller]) -> list[tuple[str, str, int, str]]:
    """Every (service, method, case index, caller) to run, from the descriptors: a method
    with no entry in ``table`` still yields its cells (index -1), which then fail."""
    out = []
    for svc in services:
        for _, method in descriptor_methods(svc.pb2):
            n = len(table.get((svc.name, method), ())) or 1
            for i in range(n):
                for c in all_callers:
                    out.append((svc.name, method, i if (svc.name, method) in table else -1, c.name))
    return out


def call(channel: grpc.Channel, svc: ServiceUnderTest, method: str, request, md) -> tuple[grpc.StatusCode, Any, str]:
    """Calls any RPC by its descriptor; returns (status, response or None, details)."""
    desc = method_descriptor(svc.pb2, svc.full_name, method)
    response_class = message_factory.GetMessageClass(desc.output_type)
    stub = channel.unary_unary(f"/{svc.full_name}/{method}", request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_class.FromString)
    try:
        return OK, stub(request, metadata=md, timeout=30), ""
    except grpc.RpcError as e:
        return e.code(), None, e.details() or ""


def leaked(response, hidden: Mapping[str, str]) -> list[str]:
    """Labels of the hidden ids (label -> id) that appear anywhere in the response."""
    wire = response.SerializeToString()
    return [label for label, value in hidden.items() if value and value.encode() in wire]
