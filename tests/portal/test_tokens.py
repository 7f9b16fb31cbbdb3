"""Tokens behind the portal (issue 7 §5): an expired token, a token signed by another key and
a token with a forged role or region are refused by the services themselves, over gRPC; the
browser can never bring a token of its own to the portal; and a signed-in browser whose token
expires or stops being trusted is never shown data: the portal renews the token, or sends the
browser to sign in again.

Its own platform (roster, liaison, identity, portal on one bus, one key folder) because it
replaces the public key the services trust and stops identity; identity's access tokens live
2 seconds here, so that expiry happens within a test (the portal renews a token within 60 s of
its expiry, i.e. at every page here)."""
from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from kit.portal import PORTAL_SUBJECT, PortalProcess, client, free_port, hidden, opinion_form, tracking_code
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb

from services.identity.keys import KeyFolder, Signer

UNAUTH = grpc.StatusCode.UNAUTHENTICATED
TTL_MINUTES = "0.034"    # about 2 seconds


def password(username: str) -> str:
    return "Pw-" + username[::-1] + "-2026"     # not containing the username (identity's rule)


def write_portal_token(keys: KeyFolder, path) -> None:
    token, _ = Signer(keys).sign(subject=PORTAL_SUBJECT, role="system", region=PREFECTURE, ttl=timedelta(hours=2))
    path.write_text(token + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    bus = tmp_path_factory.mktemp("bus") / "bus.sqlite"
    folder = tmp_path_factory.mktemp("portal")
    keys = KeyFolder(bus.parent / "identity-keys", bus.parent / "jwks.json")
    keys.generate(activate=True)
    token_file = folder / "portal-token"
    write_portal_token(keys, token_file)
    port = free_port()
    extra = {"LIANXIN_TRUSTED_FORWARDERS": PORTAL_SUBJECT, "LIANXIN_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    roster = start_service("roster", bus_path=bus, **extra)
    liaison = start_service("liaison", bus_path=bus, **extra)
    identity = start_service("identity", bus_path=bus, LIANXIN_IDENTITY_ACCESS_TOKEN_MINUTES=TTL_MINUTES, **extra)
    portal = PortalProcess({"roster": roster.running.port, "liaison": liaison.running.port,
                            "identity": identity.running.port},
                           folder / "portal.log", port=port, secret="not-the-deployment-secret-" * 2,
                           LIANXIN_HOME_REGION=PREFECTURE, LIANXIN_PORTAL_TOKEN_FILE=str(token_file))
    d = roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=COUNTY_A, name="刘代表", gender=rpb.GENDER_MALE, ethnicity="汉族",
        seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届", electoral_district="第1选区")])))
    deadline = time.monotonic() + 30
    while True:   # liaison learns the deputy from the roster's events
        with liaison.engine.connect() as c:
            from sqlalchemy import text
            if c.execute(text("SELECT count(*) FROM directory_deputies WHERE id = :id"), {"id": d.id}).scalar_one():
                break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    with client(portal.url) as citizen:
        card = citizen.get(f"/card/{d.card_code}")
        code = tracking_code(citizen.post(f"/card/{d.card_code}", data=opinion_form(card.text, text="化粪池满了")).text)
    for username, region in (("clerk.tok", COUNTY_A), ("clerk.tok2", COUNTY_A), ("clerk.b", COUNTY_B)):
        identity.call("CreateAccount", ipb.CreateAccountRequest(account=ipb.Account(
            username=username, display_name="科员", role=ipb.ACCOUNT_ROLE_STAFF, region_code=region),
            one_time_password="Initial-pw-2026-x"), role="staff", region=PREFECTURE)
        identity.public("ChangePassword", ipb.ChangePasswordRequest(
            username=username, current_password="Initial-pw-2026-x", new_password=password(username)))
    yield {"roster": roster, "liaison": liaison, "identity": identity, "portal": portal, "keys": keys,
           "token_file": token_file, "code": code}
    portal.close()


def access_token(w, username: str) -> str:
    return w["identity"].public("SignIn", ipb.SignInRequest(username=username, password=password(username))
                                ).access_token


def list_with(w, token: str, **kw):
    return w["liaison"].stub.ListOpinions(lpb.ListOpinionsRequest(**kw), metadata=[("authorization", f"Bearer {token}")],
                                          timeout=10)


def refused(w, token: str) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as e:
        list_with(w, token)
    assert e.value.code() == UNAUTH, e.value.details()
    return e.value


def reforged(token: str, **claims) -> str:
    """The token with its claims changed and its signature kept (what a holder could try)."""
    header, payload, signature = token.split(".")
    doc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body = base64.urlsafe_b64encode(json.dumps(doc | claims).encode()).decode().rstrip("=")
    return f"{header}.{body}.{signature}"


def sign_in(c, username: str) -> None:
    form = c.get("/signin")
    r = c.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"), "username": username,
                                "password": password(username), "next": "/desk/cases"})
    assert r.status_code == 303, r.text[-1500:]


def test_the_services_refuse_expired_foreign_and_forged_tokens(world):
    real = access_token(world, "clerk.tok")
    assert list_with(world, real).total_size == 1          # the control: a real token reads
    kid = jwt.get_unverified_header(real)["kid"]
    claims = jwt.decode(real, options={"verify_signature": False})
    # Expired: identity's own key, but time is up.
    time.sleep(2.5)
    assert "expired" in refused(world, real).details()
    # Signed by another key under the same kid (and under a kid no one published).
    other = Ed25519PrivateKey.generate()
    fresh = claims | {"iat": int(time.time()), "exp": int(time.time()) + 600}
    for header in ({"kid": kid}, {"kid": "not-a-published-kid"}):
        refused(world, jwt.encode(fresh, other, algorithm="EdDSA", headers=header))
    # A real, live token with its role or region rewritten (signature kept).
    live = access_token(world, "clerk.b")
    assert list_with(world, live).total_size == 0           # county B sees none of county A's
    for forged in ({"region": PREFECTURE}, {"region": COUNTY_A}, {"role": "system"}, {"sub": "portal"}):
        refused(world, reforged(live, **forged))
    # Unsigned, and HS256 signed with a guessed secret.
    refused(world, jwt.encode(fresh, None, algorithm="none"))
    refused(world, jwt.encode(fresh, "a-guessed-development-secret-of-32-bytes", algorithm="HS256"))
    # roster and identity refuse them alike.
    forged = reforged(live, region=PREFECTURE)
    for service, method, request in (("roster", "ListDeputies", rpb.ListDeputiesRequest()),
                                     ("identity", "ListAccounts", ipb.ListAccountsRequest())):
        with pytest.raises(grpc.RpcError) as e:
            getattr(world[service].stub, method)(request, metadata=[("authorization", f"Bearer {forged}")], timeout=10)
        assert e.value.code() == UNAUTH


def test_the_browser_cannot_bring_a_token_to_the_portal(world):
    real = access_token(world, "clerk.tok")
    for headers, cookies in (({"authorization": f"Bearer {real}"}, {}), ({}, {"lx_session": real}),
                             ({"authorization": f"Bearer {real}"}, {"lx_session": "x" * 43})):
        with client(world["portal"].url, headers=headers, cookies=cookies) as c:
            r = c.get("/desk/cases")
            assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
            assert world["code"] not in r.text


def test_an_expiring_token_is_renewed_and_the_page_never_shows_stale_access(world):
    with client(world["portal"].url) as c:
        sign_in(c, "clerk.tok")
        assert world["code"] in c.get("/desk/cases").text
        time.sleep(2.5)                       # the access token of the sign-in has expired
        page = c.get("/desk/cases")
        assert page.status_code == 200 and world["code"] in page.text
        trail = world["identity"].call("ListAuditEvents", ipb.ListAuditEventsRequest(
            kind=ipb.AUDIT_KIND_TOKEN_REFRESHED), role="staff", region=PREFECTURE)
        assert any(e.username == "clerk.tok" for e in trail.events)
        # The office disables the account: identity refuses the next renewal, and the
        # browser is sent to sign in again without a page of data.
        [acct] = [a for a in world["identity"].call("ListAccounts", ipb.ListAccountsRequest(
            region_code=COUNTY_A), role="staff", region=PREFECTURE).accounts if a.username == "clerk.tok"]
        world["identity"].call("DisableAccount", ipb.DisableAccountRequest(id=acct.id, reason="离岗"),
                               role="staff", region=PREFECTURE)
        time.sleep(2.5)
        r = c.get("/desk/cases")
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
        assert world["code"] not in r.text
        world["identity"].call("UnlockAccount", ipb.UnlockAccountRequest(id=acct.id), role="staff", region=PREFECTURE)


def test_a_session_token_the_services_do_not_trust_sends_the_browser_to_sign_in_again(world):
    """The services hold another public key under the kid that signs the session's tokens (a
    key replaced after a leak, a JWKS from elsewhere): every token of that session is, to them,
    signed by another key. The portal shows no data with it: the session ends and the browser
    signs in again."""
    keys = world["keys"]
    with client(world["portal"].url) as c:
        sign_in(c, "clerk.tok2")
        assert world["code"] in c.get("/desk/cases").text
        kid = keys.active()
        other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        x = base64.urlsafe_b64encode(other).decode().rstrip("=")
        assert keys.jwks_file is not None
        keys.jwks_file.write_text(json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid}]}))
        try:
            time.sleep(1.5)                             # the services re-read the JWKS file
            r = c.get("/desk/cases")
            assert r.status_code == 303 and r.headers["location"] == "/signin?next=%2Fdesk%2Fcases"
            assert world["code"] not in r.text
            assert c.get("/desk/cases").status_code == 303          # the session is gone
        finally:
            keys.publish()
        time.sleep(1.5)
        sign_in(c, "clerk.tok2")
        assert world["code"] in c.get("/desk/cases").text


def test_a_session_whose_token_expired_while_identity_is_down_shows_no_data(world):
    with client(world["portal"].url) as c:
        sign_in(c, "clerk.b")
        assert c.get("/desk/cases").status_code == 200
        world["identity"].close()
        time.sleep(2.5)
        r = c.get("/desk/cases")
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
