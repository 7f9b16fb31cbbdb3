"""The isolation matrix: every RPC of the five services, from their proto descriptors, called
by every kind of caller (every role, regions around the records' own, departments and
deputies by identity, no token, bad tokens) against records seeded in county 652301 (昌吉市) and its sibling
652302 (阜康市), on the real services (gRPC over sockets, PostgreSQL, roster and liaison on
one bus). Each cell asserts the status the caller gets; a refused cell also asserts that
nothing was written (no outbox row in roster or liaison), and an answered one that no id of a
record the caller may not see appears in the answer. An RPC with no entry in CASES (tests/kit/cases.py) fails its
cells, so a new RPC cannot escape the matrix.

Who gets what (README "Who may do what"): a record named by id outside the caller's scope is
NOT_FOUND; a region outside it, or a role the RPC's action does not grant, PERMISSION_DENIED;
no token, an expired or a forged one UNAUTHENTICATED, except no token on a public RPC; a
token of a region the deployment does not serve (another prefecture, a code outside the tree)
PERMISSION_DENIED on every RPC, public ones included.
"""
from __future__ import annotations

import pytest
from kit.cases import BY_NAME, CALLERS, CASES, ELSEWHERE, World, resolve, seed_world
from kit.isolation import (
    NF,
    OK,
    SERVICES,
    call,
    cells,
    descriptor_methods,
    expected,
    leaked,
    metadata,
)


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory) -> World:
    return seed_world(start_service, tmp_path_factory)


def hidden(w: World, caller: str) -> dict[str, str]:
    """Ids of seeded records the caller may not see (label -> id), for the leak check."""
    out = {}
    if caller not in ("parent", "sibling", "dept_elsewhere", ELSEWHERE):
        out |= {"B1": w.B1.id, "VB": w.VB.id}
    if caller not in ("parent", "sibling"):
        out |= {"OB": w.OB.id, "ACT_B": w.ACT_B.id}
    if caller not in ("parent", "sibling", "dept_elsewhere"):
        out |= {"CB": w.CB.id, "PB": w.PB.id}
    if caller not in ("parent", "sibling"):
        out["SB"] = w.SB.id
    if caller not in ("own", "parent", "auditor", "committee", "system", "dept_own", "deputy_own"):
        out["OT"] = w.OT.id
    if caller not in ("own", "parent", "auditor", "committee", "system", "deputy_other"):
        out["OA2"] = w.OA2.id
    return out


SERVICE_BY_NAME = {s.name: s for s in SERVICES}
CELLS = cells(SERVICES, CASES, CALLERS)


def test_every_rpc_of_every_service_has_a_matrix_entry():
    missing = [f"{s.name}.{m}" for s in SERVICES for _, m in descriptor_methods(s.pb2) if (s.name, m) not in CASES]
    assert not missing, f"RPCs without an isolation matrix entry: {missing}"
    stale = [k for k in CASES if k[1] not in {m for _, m in descriptor_methods(SERVICE_BY_NAME[k[0]].pb2)}]
    assert not stale, stale


def _outbox(w: World) -> tuple[int, ...]:
    return tuple(w.by_name[name].count("outbox") for name in ("roster", "liaison", "identity", "balloting")
                 if name in w.by_name)


@pytest.mark.parametrize("service,method,index,caller", CELLS,
                         ids=[f"{s}.{m}[{i}]-{c}" if i > 0 else f"{s}.{m}-{c}" for s, m, i, c in CELLS])
def test_cell(world, service, method, index, caller):
    if index < 0:
        pytest.fail(f"{service}.{method} has no isolation matrix entry")
    svc = SERVICE_BY_NAME[service]
    case = CASES[(service, method)][index]
    who = resolve(BY_NAME[caller], world)
    public = svc.access.method_path(method) in svc.access.public_methods()
    want = expected(case, who, public)
    request = case.request(world, who)
    before = _outbox(world)
    secret = world.by_name[service].settings.jwt_secret
    got, response, details = call(world.by_name[service].channel, svc, method, request, metadata(who, secret))
    assert got == want, f"{service}.{method} as {caller}: {got.name} ({details}), expected {want.name}"
    if got == OK:
        assert not leaked(response, hidden(world, caller)), f"{service}.{method} as {caller} shows records it may not"
    else:
        assert _outbox(world) == before, f"{service}.{method} as {caller} was refused but wrote events"
        if not who.served:   # the refusal names the token's region
            assert who.region in details, details
        if got == NF:   # the field that named the record is said
            assert details.split(":")[0] and " " not in details.split(":")[0], details
