"""The access tables: every RPC of the five services' proto descriptors has an entry, and
what is not in a table is refused for everyone (fails closed)."""
from __future__ import annotations

import pytest
from kit.isolation import SERVICES, descriptor_methods

from shared.access import AccessTable, AccessTables, Scope, grant
from shared.auth import Principal, Role
from shared.errors import PermissionDenied

STAFF = Principal("clerk", Role.STAFF, "652301")


@pytest.mark.parametrize("svc", SERVICES, ids=[s.name for s in SERVICES])
def test_every_rpc_in_the_descriptor_has_an_entry_and_nothing_else(svc):
    methods = descriptor_methods(svc.pb2)
    table = svc.access
    assert table.service == svc.full_name
    assert set(table.methods) == {m for _, m in methods}, (
        f"missing: {sorted({m for _, m in methods} - set(table.methods))}, "
        f"stale: {sorted(set(table.methods) - {m for _, m in methods})}")
    for method, action in table.methods.items():
        assert table.actions[action], (method, action)   # every action grants someone


@pytest.mark.parametrize("svc", SERVICES, ids=[s.name for s in SERVICES])
def test_public_scope_only_on_public_actions(svc):
    """An action open to the public grants everyone PUBLIC and nothing else; no other action
    mentions the public role."""
    for action, grants in svc.access.actions.items():
        if Role.PUBLIC in grants:
            assert set(grants.values()) == {Scope.PUBLIC} and set(grants) == set(Role), action
        else:
            assert Scope.PUBLIC not in grants.values(), action


def test_public_methods_come_from_the_tables():
    public = set().union(*(s.access.public_methods() for s in SERVICES))
    assert public == {"/lianxin.roster.v1.RosterService/GetPublicCard",
                      "/lianxin.liaison.v1.LiaisonService/SubmitPublicOpinion",
                      "/lianxin.liaison.v1.LiaisonService/TrackOpinion",
                      "/lianxin.liaison.v1.LiaisonService/RateOpinion",
                      # The public call for livelihood projects (征集) and the published result.
                      *(f"/lianxin.balloting.v1.BallotingService/{m}" for m in
                        ("SubmitPublicProposal", "TrackProposal", "GetPublicResult")),
                      # The published result of the year-end satisfaction vote (满意度测评结果公开).
                      "/lianxin.evaluation.v1.EvaluationService/GetPublicSatisfactionResult",
                      *(f"/lianxin.identity.v1.IdentityService/{m}" for m in
                        ("SignIn", "ChangePassword", "RefreshToken", "SignOut", "GetJwks"))}


def test_a_method_missing_from_the_table_is_refused_for_everyone():
    table = AccessTable("x.v1.S", {"read": grant(Scope.SUBTREE, *Role)}, {"Get": "read"})
    tables = AccessTables(table)
    for role in Role:
        who = Principal("s", role, "652301")
        assert tables.authorize_path("/x.v1.S/Get", who) is Scope.SUBTREE
        for path in ("/x.v1.S/Delete", "/x.v1.T/Get", "/x.v1.S/", "Get"):
            with pytest.raises(PermissionDenied):
                tables.authorize_path(path, who)


def test_a_role_the_action_does_not_grant_is_refused():
    table = AccessTable("x.v1.S", {"write": grant(Scope.SUBTREE, Role.STAFF)}, {"Put": "write"})
    assert table.authorize_path("/x.v1.S/Put", STAFF) is Scope.SUBTREE
    with pytest.raises(PermissionDenied) as refused:
        table.authorize_path("/x.v1.S/Put", Principal("a", Role.AUDITOR, "652301"))
    # The refusal says who asked, what, and which role may: an integrator's next step.
    assert str(refused.value) == "an auditor account may not write (write), which is granted to staff"
    assert table.allows(Principal("a", Role.AUDITOR, "652301"), "write") is None
    assert table.allows(STAFF, "no such action") is None


def test_a_method_mapped_to_an_unknown_action_is_a_definition_error():
    with pytest.raises(ValueError, match="unknown action"):
        AccessTable("x.v1.S", {}, {"Get": "read"})


def test_contact_limits_are_an_office_setting():
    """README: staff, committee and system write records; office settings are staff's."""
    roster = next(s for s in SERVICES if s.name == "roster").access
    assert set(roster.actions["limits.write"]) == {Role.STAFF, Role.SYSTEM}
    assert Role.COMMITTEE in roster.actions["deputy.write"]
