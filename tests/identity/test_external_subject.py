"""An account's single sign-on subject (OpenID Connect issuer and sub) on the real identity
service: set when the account is made or linked later by the office, both or neither, an https
issuer and a printable ASCII subject compared exactly, one account per pair, every change
audited, and the office's scope and the region-above rule as for any other change."""
from __future__ import annotations

import grpc
import pytest
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE
from lianxin.identity.v1 import identity_pb2 as pb

IA, AE, NF, PD = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.NOT_FOUND,
                  grpc.StatusCode.PERMISSION_DENIED)
SSO = "https://sso.cj.gov.cn/realms/652301"
OTHER_SSO = "https://sso.xj.gov.cn"
PREF = {"role": "staff", "region": PREFECTURE}
COUNTY = {"role": "staff", "region": COUNTY_A}


@pytest.fixture(scope="module")
def identity(start_service):
    return start_service("identity")


def create(identity, username: str, *, role=pb.ACCOUNT_ROLE_DEPARTMENT, region=COUNTY_A, issuer="", subject="",
           who=PREF) -> pb.Account:
    return identity.call("CreateAccount", pb.CreateAccountRequest(account=pb.Account(
        username=username, display_name="某人", role=role, region_code=region,
        stands_for="水务局" if role == pb.ACCOUNT_ROLE_DEPARTMENT else "",
        external_issuer=issuer, external_subject=subject), one_time_password="Initial-pw-2026-x"), **who)


def link(identity, account_id: str, issuer: str, subject: str, who=COUNTY) -> pb.Account:
    return identity.call("LinkExternalSubject", pb.LinkExternalSubjectRequest(
        id=account_id, external_issuer=issuer, external_subject=subject), **who)


def error(fn, *args, **kw) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as e:
        fn(*args, **kw)
    return e.value


def test_an_account_is_made_with_its_subject_and_a_pair_has_one_account(identity):
    a = create(identity, "sso.one", issuer=SSO, subject="u-10086")
    assert (a.external_issuer, a.external_subject) == (SSO, "u-10086")
    got = identity.call("GetAccount", pb.GetAccountRequest(id=a.id), **PREF)
    assert (got.external_issuer, got.external_subject) == (SSO, "u-10086")
    taken = error(create, identity, "sso.two", issuer=SSO, subject="u-10086")
    assert taken.code() == AE and taken.details().startswith("account.external_subject:"), taken.details()
    # The subject is the issuer's: the same sub at another provider is another person; and
    # compared exactly (an OpenID Connect sub is case-sensitive).
    assert create(identity, "sso.three", issuer=OTHER_SSO, subject="u-10086").external_subject == "u-10086"
    assert create(identity, "sso.four", issuer=SSO, subject="U-10086").external_subject == "U-10086"
    # Without one, an account has no subject (and any number of accounts have none).
    assert create(identity, "sso.none1").external_subject == create(identity, "sso.none2").external_subject == ""


@pytest.mark.parametrize("issuer,subject,field", [
    (SSO, "", "account.external_subject"),
    ("", "u-1", "account.external_issuer"),
    ("http://sso.cj.gov.cn", "u-1", "account.external_issuer"),
    ("sso.cj.gov.cn", "u-1", "account.external_issuer"),
    ("https://sso.cj.gov.cn/" + "x" * 200, "u-1", "account.external_issuer"),
    (SSO, "张三", "account.external_subject"),
    (SSO, "u 1", "account.external_subject"),
    (SSO, "u" * 256, "account.external_subject"),
])
def test_a_malformed_subject_is_refused_naming_the_field(identity, issuer, subject, field):
    before = identity.count("accounts")
    e = error(create, identity, "sso.bad", issuer=issuer, subject=subject)
    assert e.code() == IA and e.details().startswith(f"{field}:"), e.details()
    assert identity.count("accounts") == before


def test_the_office_links_and_unlinks_an_account_and_each_change_is_audited(identity):
    a = create(identity, "sso.link")
    linked = link(identity, a.id, SSO, "u-20001")
    assert (linked.external_issuer, linked.external_subject) == (SSO, "u-20001")
    assert link(identity, a.id, SSO, "u-20001").external_subject == "u-20001"   # again: nothing changes
    trail = identity.call("ListAuditEvents", pb.ListAuditEventsRequest(
        account_id=a.id, kind=pb.AUDIT_KIND_EXTERNAL_SUBJECT_LINKED), **PREF)
    assert [e.detail for e in trail.events] == [f"linked at {SSO}"]
    other = create(identity, "sso.link2")
    taken = error(link, identity, other.id, SSO, "u-20001")
    assert taken.code() == AE and taken.details().startswith("external_subject:"), taken.details()
    unlinked = link(identity, a.id, "", "")
    assert (unlinked.external_issuer, unlinked.external_subject) == ("", "")
    assert link(identity, other.id, SSO, "u-20001").external_subject == "u-20001"   # the pair is free again
    trail = identity.call("ListAuditEvents", pb.ListAuditEventsRequest(
        account_id=a.id, kind=pb.AUDIT_KIND_EXTERNAL_SUBJECT_LINKED), **PREF)
    assert [e.detail for e in trail.events] == ["unlinked", f"linked at {SSO}"]


def test_linking_keeps_to_the_offices_scope_and_the_region_above_rule(identity):
    a = create(identity, "sso.scope")
    outside = error(link, identity, a.id, SSO, "u-30001", who={"role": "staff", "region": COUNTY_B})
    assert outside.code() == NF
    auditor = error(link, identity, a.id, SSO, "u-30001", who={"role": "auditor", "region": COUNTY_A})
    assert auditor.code() == PD
    # A county clerk cannot link a colleague's account (the prefecture manages it) ...
    colleague = create(identity, "sso.colleague", role=pb.ACCOUNT_ROLE_STAFF)
    assert error(link, identity, colleague.id, SSO, "u-30002").code() == PD
    # ... which the prefecture's office can.
    assert link(identity, colleague.id, SSO, "u-30002", who=PREF).external_subject == "u-30002"
    bad = error(link, identity, a.id, SSO, "")
    assert bad.code() == IA and bad.details().startswith("external_subject:")
    stored = identity.call("GetAccount", pb.GetAccountRequest(id=a.id), **PREF)
    assert stored.external_subject == ""
