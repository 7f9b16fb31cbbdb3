"""Sign-in and accounts on the real identity service (PostgreSQL, gRPC over sockets), and
the roster verifying identity's EdDSA tokens with the public keys alone (HS256 off)."""
from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import grpc
import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kit.running import start_in_process
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A
from lianxin.common.v1 import common_pb2
from lianxin.identity.v1 import identity_pb2 as pb
from lianxin.roster.v1 import roster_pb2, roster_pb2_grpc

from services.identity.bootstrap import bootstrap
from services.identity.keys import KeyFolder, Signer
from shared.auth import issue_token, token_claims
from shared.config import DEV_JWT_SECRET

UNAUTH, PD, IA, NF = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED,
                      grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
CHIEF_PASSWORD = "office-Head-Passw0rd"


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    keys = tmp_path_factory.mktemp("keys")
    jwks = keys / "jwks.json"
    # One bus: identity learns the roster's deputies from its events (stands_for is resolved there).
    bus = tmp_path_factory.mktemp("bus") / "bus.sqlite"
    identity = start_service("identity", bus_path=bus, LIANXIN_IDENTITY_KEYS_DIR=str(keys / "private"),
                             LIANXIN_IDENTITY_SIGN_IN_RATE_PER_MINUTE="100000",
                             LIANXIN_JWKS_FILE=str(jwks))
    # The roster verifies with the JWKS only: the shared secret's tokens are refused there.
    roster = start_service("roster", bus_path=bus, LIANXIN_JWKS_FILE=str(jwks), LIANXIN_HS256_TOKENS="off")
    bootstrap(identity.settings, "chief", "张主任", CHIEF_PASSWORD, must_change=False)
    return identity, roster, KeyFolder(keys / "private", jwks)


def sign_in(identity, username, password, **kw):
    return identity.public("SignIn", pb.SignInRequest(username=username, password=password), **kw)


def staff_token(identity) -> str:
    return sign_in(identity, "chief", CHIEF_PASSWORD).access_token


def list_deputies(roster, token):
    stub = roster_pb2_grpc.RosterServiceStub(roster.channel)
    return stub.ListDeputies(roster_pb2.ListDeputiesRequest(), metadata=(("authorization", f"Bearer {token}"),),
                             timeout=10)


def refused(fn) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as e:
        fn()
    return e.value


def create(identity, token, username, role, region, *, stands_for="", password="first-Time-pass-1", **kw):
    return identity.call("CreateAccount", pb.CreateAccountRequest(
        account=pb.Account(username=username, display_name="李四", role=role, region_code=region, stands_for=stands_for),
        one_time_password=password, **kw), token=token)


_deputies = iter(range(1, 10_000))


def roster_deputy(identity, roster, token: str, region: str) -> str:
    """A deputy registered in the roster of ``region``, once identity has heard of them: their id."""
    n = next(_deputies)
    stub = roster_pb2_grpc.RosterServiceStub(roster.channel)
    d = stub.RegisterDeputy(roster_pb2.RegisterDeputyRequest(deputy=roster_pb2.Deputy(
        region_code=region, name=f"账号代表{n}", gender=roster_pb2.GENDER_FEMALE, ethnicity="回族",
        seats=[roster_pb2.Seat(level=roster_pb2.LEVEL_COUNTY, term="第十五届", electoral_district="第1选区")],
        contact=roster_pb2.Contact(phone=f"1390000{n:04d}", address="北京南路1号"))),
        metadata=(("authorization", f"Bearer {token}"),), timeout=10)
    heard_of(identity, d.id, roster_pb2.DEPUTY_STATUS_SERVING)
    return d.id


def heard_of(identity, deputy_id: str, status: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        with identity.engine.connect() as c:
            known = c.execute(sa.text("SELECT status FROM roster_deputies WHERE id = :id"), {"id": deputy_id}).first()
        if known is not None and known[0] == status:
            return
        assert time.monotonic() < deadline, f"identity never heard of deputy {deputy_id} with status {status}"
        time.sleep(0.1)


def test_a_sign_in_gives_an_eddsa_token_the_roster_accepts_with_the_public_key_only(world):
    identity, roster, folder = world
    r = sign_in(identity, "chief", CHIEF_PASSWORD)
    assert r.access_token and not r.must_change_password and r.account.role == pb.ACCOUNT_ROLE_STAFF
    header = jwt.get_unverified_header(r.access_token)
    assert header["alg"] == "EdDSA" and header["kid"] == folder.active()
    claims = jwt.decode(r.access_token, options={"verify_signature": False})
    assert (claims["sub"], claims["role"], claims["region"], claims["name"]) == ("chief", "staff", PREFECTURE, "张主任")
    assert 14 * 60 <= claims["exp"] - claims["iat"] <= 15 * 60
    assert r.expires_at.seconds == claims["exp"] and r.refresh_token
    list_deputies(roster, r.access_token)   # accepted
    # The published keys, by RPC and in the file, are public keys only.
    published = json.loads(identity.public("GetJwks", pb.GetJwksRequest()).json)
    assert {k["kid"] for k in published["keys"]} == set(folder.kids())
    assert all(set(k) == {"kty", "crv", "x", "kid", "alg", "use"} for k in published["keys"])


def test_forged_expired_and_foreign_tokens_are_refused(world):
    identity, roster, folder = world
    good = staff_token(identity)
    # Forged role and region, re-signed with the development HS256 secret: refused where HS256 is off.
    hs = issue_token(DEV_JWT_SECRET, subject="chief", role="staff", region=PREFECTURE)
    assert refused(lambda: list_deputies(roster, hs)).code() == UNAUTH
    # The payload altered (role and region), the signature kept.
    head, body, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims.update(role="system", region="652300")
    forged = ".".join([head, base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode(), sig])
    assert refused(lambda: list_deputies(roster, forged)).code() == UNAUTH
    # Signed by another Ed25519 key under the real kid.
    other = jwt.encode(token_claims(subject="chief", role="staff", region=PREFECTURE, ttl=timedelta(minutes=5)),
                       Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": folder.active()})
    assert refused(lambda: list_deputies(roster, other)).code() == UNAUTH
    # A key nobody published.
    unknown = jwt.encode(token_claims(subject="chief", role="staff", region=PREFECTURE, ttl=timedelta(minutes=5)),
                         Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "nobody"})
    assert refused(lambda: list_deputies(roster, unknown)).code() == UNAUTH
    # The right key, expired.
    expired, _ = Signer(folder).sign(subject="chief", role="staff", region=PREFECTURE, ttl=timedelta(minutes=-1))
    e = refused(lambda: list_deputies(roster, expired))
    assert e.code() == UNAUTH and "expired" in e.details()


def test_wrong_password_and_unknown_username_are_refused_alike_and_audited(world):
    identity, _, _ = world
    a = identity.error("SignIn", pb.SignInRequest(username="chief", password="not-the-password"), token=None)
    b = identity.error("SignIn", pb.SignInRequest(username="nobody-here", password="not-the-password"), token=None)
    assert a.code() == b.code() == UNAUTH and a.details() == b.details() == "wrong username or password"
    events = identity.call("ListAuditEvents", pb.ListAuditEventsRequest(kind=pb.AUDIT_KIND_SIGN_IN_FAILED),
                           token=staff_token(identity)).events
    details = {(e.username, e.detail, e.client_address) for e in events}
    assert ("chief", "wrong password", "127.0.0.1") in details
    assert ("nobody-here", "unknown username", "127.0.0.1") in details
    with identity.engine.connect() as c:   # never a password in the trail or the events
        dump = " ".join(str(r) for r in c.exec_driver_sql("select * from audit_events").all())
        dump += " ".join(bytes(r[0]).decode("latin-1") for r in c.exec_driver_sql("select data from outbox").all())
    assert "not-the-password" not in dump and CHIEF_PASSWORD not in dump


def test_lockout_after_five_failures_refuses_even_the_right_password_until_unlocked(world):
    identity, _, _ = world
    chief = staff_token(identity)
    acc = create(identity, chief, "clerk.lock", pb.ACCOUNT_ROLE_STAFF, COUNTY_A, password="first-Time-pass-1")
    identity.public("ChangePassword", pb.ChangePasswordRequest(username="clerk.lock", current_password="first-Time-pass-1",
                                                               new_password="county-Clerk-pass-2"))
    for _ in range(5):
        e = identity.error("SignIn", pb.SignInRequest(username="clerk.lock", password="guess-guess-guess"), token=None)
        assert e.code() == UNAUTH
    e = identity.error("SignIn", pb.SignInRequest(username="clerk.lock", password="county-Clerk-pass-2"), token=None)
    # Refused with the very answer an unknown username gets: the lock does not tell an outsider
    # that the username exists.
    ghost = identity.error("SignIn", pb.SignInRequest(username="clerk.ghost", password="county-Clerk-pass-2"),
                           token=None)
    assert e.code() == ghost.code() == UNAUTH and e.details() == ghost.details() == "wrong username or password"
    got = identity.call("GetAccount", pb.GetAccountRequest(id=acc.id), token=chief)
    assert got.HasField("locked_until") and got.status == pb.ACCOUNT_STATUS_ACTIVE
    kinds = [x.kind for x in identity.call("ListAuditEvents", pb.ListAuditEventsRequest(account_id=acc.id),
                                           token=chief).events]
    assert pb.AUDIT_KIND_LOCKED_OUT in kinds
    identity.call("UnlockAccount", pb.UnlockAccountRequest(id=acc.id), token=chief)
    assert sign_in(identity, "clerk.lock", "county-Clerk-pass-2").access_token


def test_staff_reset_means_the_password_must_be_changed_at_the_next_sign_in(world):
    identity, roster, _ = world
    chief = staff_token(identity)
    wang = roster_deputy(identity, roster, chief, TOWNSHIP_A)
    acc = create(identity, chief, "deputy.wang", pb.ACCOUNT_ROLE_DEPUTY, TOWNSHIP_A, stands_for=wang)
    first = sign_in(identity, "deputy.wang", "first-Time-pass-1")
    assert first.must_change_password and not first.access_token and not first.refresh_token
    # The policy: at least 10 characters, not the username.
    bad = identity.error("ChangePassword", pb.ChangePasswordRequest(
        username="deputy.wang", current_password="first-Time-pass-1", new_password="short"), token=None)
    assert bad.code() == IA and bad.details().startswith("new_password:")
    bad = identity.error("ChangePassword", pb.ChangePasswordRequest(
        username="deputy.wang", current_password="first-Time-pass-1", new_password="xx-deputy.wang-xx"), token=None)
    assert bad.code() == IA
    done = identity.public("ChangePassword", pb.ChangePasswordRequest(
        username="deputy.wang", current_password="first-Time-pass-1", new_password="my-own-Secret-9"))
    claims = jwt.decode(done.access_token, options={"verify_signature": False})
    assert (claims["sub"], claims["role"], claims["region"]) == (wang, "deputy", TOWNSHIP_A)
    reset = identity.call("ResetPassword", pb.ResetPasswordRequest(id=acc.id, one_time_password="office-Reset-77"),
                          token=chief)
    assert reset.must_change_password
    # The refresh token of before the reset no longer works; the old password neither.
    assert identity.error("RefreshToken", pb.RefreshTokenRequest(refresh_token=done.refresh_token),
                          token=None).code() == UNAUTH
    assert identity.error("SignIn", pb.SignInRequest(username="deputy.wang", password="my-own-Secret-9"),
                          token=None).code() == UNAUTH
    again = sign_in(identity, "deputy.wang", "office-Reset-77")
    assert again.must_change_password and not again.access_token


def test_offices_create_accounts_below_them_and_staff_only_from_the_region_above(world):
    identity, _, _ = world
    chief = staff_token(identity)
    create(identity, chief, "county.clerk", pb.ACCOUNT_ROLE_STAFF, COUNTY_A)
    county = identity.public("ChangePassword", pb.ChangePasswordRequest(
        username="county.clerk", current_password="first-Time-pass-1", new_password="county-Clerk-pass-3")).access_token
    # A county clerk may not make a colleague (staff of the county) nor an auditor of it ...
    assert refused(lambda: create(identity, county, "county.clerk2", pb.ACCOUNT_ROLE_STAFF, COUNTY_A)).code() == PD
    assert refused(lambda: create(identity, county, "county.aud", pb.ACCOUNT_ROLE_AUDITOR, COUNTY_A)).code() == PD
    # ... nor anything in another county; but a township's staff and the county's department.
    assert refused(lambda: create(identity, county, "other.dep", pb.ACCOUNT_ROLE_DEPARTMENT, COUNTY_B,
                                  stands_for="水务局")).code() == PD
    create(identity, county, "township.clerk", pb.ACCOUNT_ROLE_STAFF, TOWNSHIP_A)
    dep = create(identity, county, "county.water", pb.ACCOUNT_ROLE_DEPARTMENT, COUNTY_A, stands_for="水务局")
    # A deputy account needs the deputy's id; a username is unique.
    e = refused(lambda: create(identity, county, "dep.x", pb.ACCOUNT_ROLE_DEPUTY, COUNTY_A))
    assert e.code() == IA and e.details().startswith("account.stands_for:")
    assert refused(lambda: create(identity, chief, "county.water", pb.ACCOUNT_ROLE_DEPARTMENT, COUNTY_A,
                                  stands_for="水务局")).code() == grpc.StatusCode.ALREADY_EXISTS
    # Another county's office does not see it (NOT_FOUND, as if it did not exist).
    other = create(identity, chief, "countyb.clerk", pb.ACCOUNT_ROLE_STAFF, COUNTY_B)
    b = identity.public("ChangePassword", pb.ChangePasswordRequest(
        username="countyb.clerk", current_password="first-Time-pass-1", new_password="countyB-Clerk-pass")).access_token
    assert refused(lambda: identity.call("GetAccount", pb.GetAccountRequest(id=dep.id), token=b)).code() == NF
    assert refused(lambda: identity.call("ResetPassword", pb.ResetPasswordRequest(
        id=dep.id, one_time_password="office-Reset-77"), token=b)).code() == NF
    listed = identity.call("ListAccounts", pb.ListAccountsRequest(), token=b).accounts
    assert {a.username for a in listed} == {"countyb.clerk"} and other.id in {a.id for a in listed}
    # The same create retried with its request_id is one account.
    rid = "0b8f6a52-8a5e-4c1e-9d55-2a4a1f3c9e01"
    one = create(identity, county, "retry.dep", pb.ACCOUNT_ROLE_DEPARTMENT, COUNTY_A, stands_for="教育局", request_id=rid)
    two = create(identity, county, "retry.dep", pb.ACCOUNT_ROLE_DEPARTMENT, COUNTY_A, stands_for="教育局", request_id=rid)
    assert one.id == two.id


def test_a_disabled_account_cannot_sign_in_and_its_refresh_token_stops(world):
    identity, _, _ = world
    chief = staff_token(identity)
    acc = create(identity, chief, "aud.one", pb.ACCOUNT_ROLE_AUDITOR, COUNTY_A)
    s = identity.public("ChangePassword", pb.ChangePasswordRequest(
        username="aud.one", current_password="first-Time-pass-1", new_password="auditor-Pass-123"))
    fresh = identity.public("RefreshToken", pb.RefreshTokenRequest(refresh_token=s.refresh_token))
    assert fresh.access_token and fresh.refresh_token != s.refresh_token
    assert identity.error("RefreshToken", pb.RefreshTokenRequest(refresh_token=s.refresh_token),
                          token=None).code() == UNAUTH   # spent
    identity.call("DisableAccount", pb.DisableAccountRequest(id=acc.id, reason="调离"), token=chief)
    assert identity.error("RefreshToken", pb.RefreshTokenRequest(refresh_token=fresh.refresh_token),
                          token=None).code() == UNAUTH
    e = identity.error("SignIn", pb.SignInRequest(username="aud.one", password="auditor-Pass-123"), token=None)
    assert e.code() == UNAUTH and "disabled" in e.details()


def test_key_rotation_needs_no_restart(world):
    identity, roster, folder = world
    old_kid = folder.active()
    old_token = staff_token(identity)
    # Never shown to the roster before the old key retires (the roster remembers tokens it verified).
    unseen_old, _ = Signer(folder).sign(subject="chief", role="staff", region=PREFECTURE, ttl=timedelta(minutes=14))
    new_kid = folder.generate()          # 1. published, not yet signing
    assert folder.active() == old_kid
    folder.activate(new_kid)             # 2. identity signs with it within a second
    time.sleep(1.2)
    new_token = staff_token(identity)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    list_deputies(roster, new_token)
    list_deputies(roster, old_token)     # tokens of the old key still verify
    folder.retire(old_kid)               # 3. after the longest token lifetime
    time.sleep(1.2)
    assert refused(lambda: list_deputies(roster, unseen_old)).code() == UNAUTH


def test_import_accounts_reports_bad_rows_and_returns_generated_one_time_passwords(world):
    identity, _, _ = world
    chief = staff_token(identity)
    csv = ("用户名,姓名,角色,区划代码,代表或部门,初始密码\n"
           "imp.one,赵一,工作人员,652301,,\n"
           "imp.two,钱二,部门,652301,卫健委,import-Pass-22\n"
           "imp.bad,孙三,校长,652301,,\n"
           "imp.one,李四,工作人员,652302,,\n").encode()
    r = identity.call("ImportAccounts", pb.ImportAccountsRequest(format=common_pb2.FILE_FORMAT_CSV, content=csv),
                      token=chief)
    assert (r.rows, r.created, r.failed) == (4, 2, 2)
    assert {(e.row, e.column) for e in r.errors} == {(4, "角色"), (5, "用户名")}
    generated = {a.username: a.one_time_password for a in r.accounts}
    assert generated["imp.two"] == "" and len(generated["imp.one"]) == 12
    assert sign_in(identity, "imp.one", generated["imp.one"]).must_change_password
    again = identity.call("ImportAccounts", pb.ImportAccountsRequest(format=common_pb2.FILE_FORMAT_CSV, content=csv),
                          token=chief)
    assert (again.created, again.unchanged) == (0, 2)


def test_the_deputy_an_account_stands_for_is_resolved_in_scope(world):
    """The reported inputs: a county's staff made deputy accounts for another county's deputy,
    for an id no deputy has, for a deputy outside the account's region, and twice for one deputy."""
    identity, roster, _ = world
    chief = staff_token(identity)
    create(identity, chief, "scope.clerk", pb.ACCOUNT_ROLE_STAFF, COUNTY_A)
    county = identity.public("ChangePassword", pb.ChangePasswordRequest(
        username="scope.clerk", current_password="first-Time-pass-1", new_password="scope-Clerk-pass-4")).access_token
    ours, theirs = roster_deputy(identity, roster, chief, COUNTY_A), roster_deputy(identity, roster, chief, COUNTY_B)
    for stands_for, region in ((theirs, COUNTY_A), ("00000000-0000-0000-0000-000000000001", COUNTY_A),
                               (ours, TOWNSHIP_A)):   # a county's deputy is not within a township
        e = refused(lambda: create(identity, county, "scope.dep", pb.ACCOUNT_ROLE_DEPUTY, region,
                                   stands_for=stands_for))
        assert e.code() == NF and e.details().startswith("account.stands_for:"), (stands_for, e.details())
    # A committee member's account naming a deputy is resolved the same way.
    e = refused(lambda: create(identity, county, "scope.cm", pb.ACCOUNT_ROLE_COMMITTEE, COUNTY_A, stands_for=theirs))
    assert e.code() == NF and e.details().startswith("account.stands_for:")
    first = create(identity, county, "scope.dep", pb.ACCOUNT_ROLE_DEPUTY, COUNTY_A, stands_for=ours)
    e = refused(lambda: create(identity, county, "scope.dep2", pb.ACCOUNT_ROLE_DEPUTY, COUNTY_A, stands_for=ours))
    assert e.code() == grpc.StatusCode.ALREADY_EXISTS and e.details().startswith("account.stands_for:")
    # Once the first is disabled, the deputy may have a new one.
    identity.call("DisableAccount", pb.DisableAccountRequest(id=first.id, reason="换号"), token=county)
    create(identity, county, "scope.dep2", pb.ACCOUNT_ROLE_DEPUTY, COUNTY_A, stands_for=ours)
    # A deputy who no longer serves gets no account.
    gone = roster_deputy(identity, roster, chief, COUNTY_A)
    roster_pb2_grpc.RosterServiceStub(roster.channel).ChangeDeputyStatus(roster_pb2.ChangeDeputyStatusRequest(
        id=gone, status=roster_pb2.DEPUTY_STATUS_RESIGNED, reason="辞职"),
        metadata=(("authorization", f"Bearer {chief}"),), timeout=10)
    heard_of(identity, gone, roster_pb2.DEPUTY_STATUS_RESIGNED)
    e = refused(lambda: create(identity, county, "scope.gone", pb.ACCOUNT_ROLE_DEPUTY, COUNTY_A, stands_for=gone))
    assert e.code() == NF and e.details().startswith("account.stands_for:")
    # The import: the same rules, reported by row in the 代表或部门 column.
    csv = ("用户名,姓名,角色,区划代码,代表或部门,初始密码\n"
           f"imp.theirs,赵一,代表,652301,{theirs},\n"
           f"imp.twice,钱二,代表,652301,{ours},\n").encode()
    r = identity.call("ImportAccounts", pb.ImportAccountsRequest(format=common_pb2.FILE_FORMAT_CSV, content=csv),
                      token=county)
    assert (r.rows, r.created, r.failed) == (2, 0, 2)
    assert [(x.row, x.column) for x in r.errors] == [(2, "代表或部门"), (3, "代表或部门")]
    assert "not found" in r.errors[0].reason and "already exists" in r.errors[1].reason


def test_no_account_stands_for_a_deputy_of_a_region_delegated_since(world, tmp_path):
    """The reported input: the prefecture's identity heard of 阜康市's deputy, then 阜康市 moved
    to its own deployment (delegated_regions); prefecture staff could still open a deputy's
    and a committee member's account standing for them. The same database, restarted with the
    county delegated, now answers NOT_FOUND naming stands_for, as roster does for that id."""
    identity, roster, _ = world
    chief = staff_token(identity)
    deputy = roster_deputy(identity, roster, chief, COUNTY_B)
    heard_of(identity, deputy, roster_pb2.DEPUTY_STATUS_SERVING)
    moved = start_in_process("identity", identity.db_url, tmp_path / "bus.sqlite", LIANXIN_DELEGATED_REGIONS=COUNTY_B)
    try:
        token = issue_token(DEV_JWT_SECRET, subject="pref-staff", role="staff", region=PREFECTURE)
        for role in (pb.ACCOUNT_ROLE_DEPUTY, pb.ACCOUNT_ROLE_COMMITTEE):
            e = refused(lambda: create(moved, token, f"moved.{role}", role, PREFECTURE, stands_for=deputy))
            assert e.code() == NF and e.details().startswith("account.stands_for:"), e.details()
        # The deputy is still there for the deployment that served them before (nothing deleted).
        create(identity, chief, "kept.dep", pb.ACCOUNT_ROLE_DEPUTY, PREFECTURE, stands_for=deputy)
    finally:
        moved.close()
