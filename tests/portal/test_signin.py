"""Signing in to the portal over HTTP against the real identity, roster and liaison services:
refusals say why in Chinese (the same words for an unknown user and a wrong password), five
failures lock the account, forms need their CSRF token, the session cookie is HttpOnly and
SameSite=Strict and holds no token, signing out ends the session, a department cannot open
another department's case by its address, a deputy answers their own case (and only sees theirs),
and workspace pages send a stranger to /signin."""
from __future__ import annotations

import re

import pytest
from kit.portal import PortalProcess, client, hidden
from kit.settings import COUNTY_A
from lianxin.identity.v1 import identity_pb2 as ipb

STAFF, DEPARTMENT = ipb.ACCOUNT_ROLE_STAFF, ipb.ACCOUNT_ROLE_DEPARTMENT
WRONG = "用户名或密码错误。"


def sign_in(c, username: str, password: str, **extra: str):
    form = c.get("/signin")
    assert form.status_code == 200
    return c.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"), "username": username,
                                   "password": password, "next": "/desk/cases"} | extra)


@pytest.fixture(scope="module")
def clerk(platform):
    return "clerk.si", platform.account("clerk.si", STAFF, COUNTY_A, name="王科员", password="clerk-Passw0rd-si")


def test_a_workspace_page_sends_a_stranger_to_signin(platform):
    with client(platform.url) as c:
        r = c.get("/desk/cases?status=1")
        assert r.status_code == 303
        assert r.headers["location"] == "/signin?next=%2Fdesk%2Fcases%3Fstatus%3D1"
        page = c.get(r.headers["location"])
        assert page.status_code == 200 and "工作人员登录" in page.text


def test_right_password_signs_in_with_a_session_cookie_that_holds_no_token(platform, clerk):
    username, password = clerk
    with client(platform.url) as c:
        r = sign_in(c, username, password)
        assert r.status_code == 303 and r.headers["location"] == "/desk/cases"
        cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("lx_session=")]
        assert len(cookie) == 1
        flags = cookie[0].lower()
        assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
        assert "secure" not in flags     # plain http here; behind TLS it is Secure
        value = cookie[0].split(";")[0].split("=", 1)[1]
        assert value.count(".") == 0 and len(value) >= 40    # opaque id, not a JWT
        inbox = c.get("/desk/cases")
        assert inbox.status_code == 200, inbox.text[-1500:]
        assert "王科员" in inbox.text and "意见办理" in inbox.text


def test_behind_a_trusted_tls_proxy_the_session_cookie_is_secure(platform, clerk, tmp_path):
    username, password = clerk
    backends = {n: getattr(platform, n).running.port for n in ("roster", "liaison", "identity")}
    trusting = PortalProcess(backends, tmp_path / "trusting.log", secret=platform.roster.settings.jwt_secret,
                             LIANXIN_PORTAL_TRUSTED_PROXIES="127.0.0.1")
    try:
        proxied = {"x-forwarded-proto": "https"}
        with client(trusting.url, headers=proxied) as c:
            # The cookies are Secure now, so this http client would not send them back: by hand.
            token = hidden(c.get("/signin").text, "csrf_token")
            r = c.post("/signin", data={"csrf_token": token, "username": username, "password": password},
                       headers=proxied | {"cookie": f"lx_csrf={token}"})
            assert r.status_code == 303, r.text[-1500:]
            [cookie] = [h for h in r.headers.get_list("set-cookie") if h.startswith("lx_session=")]
            assert "; secure" in cookie.lower() and "samesite=strict" in cookie.lower()
    finally:
        trusting.close()


def test_wrong_password_and_unknown_user_are_refused_alike(platform, clerk):
    username, _ = clerk
    with client(platform.url) as c:
        wrong = sign_in(c, username, "not-the-Passw0rd")
        unknown = sign_in(c, "nobody.here", "not-the-Passw0rd")
        for r in (wrong, unknown):
            assert r.status_code == 401
            assert WRONG in r.text
            assert not any(h.startswith("lx_session=") for h in r.headers.get_list("set-cookie"))
        assert c.get("/desk/cases").status_code == 303


def test_five_failures_lock_the_account_and_the_page_says_so(platform):
    """Locked out after five failures, even the right password is refused, with the page an
    unknown username gets (OWASP: the same answer, so the page does not tell an outsider that a
    username exists); every refusal explains the lockout, so the locked-out user knows why."""
    password = platform.account("locked.si", STAFF, COUNTY_A, password="locked-Passw0rd-si")
    with client(platform.url) as c:
        for _ in range(5):
            assert WRONG in sign_in(c, "locked.si", "wrong-Passw0rd-x").text
        r = sign_in(c, "locked.si", password)     # even the right password, while locked
        ghost = sign_in(c, "ghost.si", password)
        assert r.status_code == ghost.status_code == 401
        assert not any(h.startswith("lx_session=") for h in r.headers.get_list("set-cookie"))

        def said(page: str) -> str:
            return re.sub(r'name="username"[^>]*', "", re.sub(r'value="[^"]*"', "", page))
        assert said(r.text) == said(ghost.text)
        assert WRONG in r.text and "账号会暂时锁定" in r.text and "密码正确也无法登录" in r.text


def test_sign_in_without_the_csrf_token_is_refused(platform, clerk):
    username, password = clerk
    with client(platform.url) as c:
        c.get("/signin")
        r = c.post("/signin", data={"username": username, "password": password})
        assert r.status_code == 403
        assert not any(h.startswith("lx_session=") for h in r.headers.get_list("set-cookie"))
        other = c.post("/signin", data={"username": username, "password": password, "csrf_token": "x" * 32})
        assert other.status_code == 403


def test_sign_out_ends_the_session(platform, clerk):
    username, password = clerk
    with client(platform.url) as c:
        assert sign_in(c, username, password).status_code == 303
        sid = c.cookies["lx_session"]
        inbox = c.get("/desk/cases")
        assert inbox.status_code == 200
        out = c.post("/signout", data={"csrf_token": hidden(inbox.text, "csrf_token")})
        assert out.status_code == 303 and out.headers["location"] == "/signin?out=1"
        assert "lx_session" not in c.cookies
        assert "您已退出登录" in c.get("/signin?out=1").text
    # The old session id, replayed, opens nothing.
    with client(platform.url, cookies={"lx_session": sid}) as c2:
        assert c2.get("/desk/cases").status_code == 303


def test_a_one_time_password_must_be_changed_first(platform):
    one_time = platform.account("fresh.si", STAFF, COUNTY_A)
    with client(platform.url) as c:
        r = sign_in(c, "fresh.si", one_time)
        assert r.status_code == 200 and "首次登录须把初始密码改为您自己的密码" in r.text
        assert c.get("/desk/cases").status_code == 303
        token = hidden(r.text, "csrf_token")
        base = {"csrf_token": token, "username": "fresh.si", "current_password": one_time, "next": "/desk/cases"}
        mismatch = c.post("/password", data=base | {"new_password": "fresh-Passw0rd-1", "new_password_again": "x"})
        assert mismatch.status_code == 400 and "两次输入的新密码不一致" in mismatch.text
        weak = c.post("/password", data=base | {"new_password": "short", "new_password_again": "short"})
        assert weak.status_code == 400 and "新密码不符合要求" in weak.text
        done = c.post("/password", data=base | {"new_password": "fresh-Passw0rd-1",
                                                 "new_password_again": "fresh-Passw0rd-1"})
        assert done.status_code == 303 and done.headers["location"] == "/desk/cases"
        assert c.get("/desk/cases").status_code == 200


def test_a_department_cannot_open_another_departments_case(platform):
    from kit.portal import opinion_form, tracking_code
    deputy = platform.deputy()
    clerk_pw = platform.account("clerk.d", STAFF, COUNTY_A, name="赵科员", password="clerk-Passw0rd-d")
    water_pw = platform.account("water.d", DEPARTMENT, COUNTY_A, stands_for="dept-water-d", name="水务局",
                                password="water-Passw0rd-d")
    roads_pw = platform.account("roads.d", DEPARTMENT, COUNTY_A, stands_for="dept-roads-d", name="交通局",
                                password="roads-Passw0rd-d")
    with client(platform.url) as citizen:
        card = citizen.get(f"/card/{deputy.card_code}")
        code = tracking_code(citizen.post(f"/card/{deputy.card_code}", data=opinion_form(card.text)).text)
    case_id = platform.case(code).id
    with client(platform.url) as staff:
        assert sign_in(staff, "clerk.d", clerk_pw).status_code == 303
        page = staff.get(f"/desk/cases/{case_id}")
        assert page.status_code == 200 and "受理" in page.text
        token = hidden(page.text, "csrf_token")
        assert staff.post(f"/desk/cases/{case_id}/accept", data={"csrf_token": token}).status_code == 303
        # A form without its token changes nothing.
        assert staff.post(f"/desk/cases/{case_id}/transfer", data={"department": "dept-water-d"}).status_code == 403
        moved = staff.post(f"/desk/cases/{case_id}/transfer", data={
            "csrf_token": token, "department": "dept-water-d", "department_name": "水务局", "deadline": "2099-01-01"})
        assert moved.status_code == 303, moved.text[-1500:]
        again = staff.post(f"/desk/cases/{case_id}/accept", data={"csrf_token": token})
        assert again.status_code == 409 and "当前的状态不允许这样办理" in again.text
    with client(platform.url) as roads:
        assert sign_in(roads, "roads.d", roads_pw).status_code == 303
        assert roads.get(f"/desk/cases/{case_id}").status_code == 404
        assert case_id not in roads.get("/desk/cases").text
    with client(platform.url) as water:
        assert sign_in(water, "water.d", water_pw).status_code == 303
        assert case_id in water.get("/desk/cases").text
        page = water.get(f"/desk/cases/{case_id}")
        assert page.status_code == 200 and "提交答复" in page.text


def test_a_deputy_answers_their_own_case_and_cannot_open_another_deputys(platform):
    import time

    import grpc
    from kit.portal import opinion_form, tracking_code
    from kit.settings import PREFECTURE
    from lianxin.liaison.v1 import liaison_pb2 as lpb
    ours, theirs = platform.deputy(), platform.deputy()
    clerk_pw = platform.account("clerk.dp", STAFF, COUNTY_A, name="钱科员", password="clerk-Passw0rd-dp")
    # Identity learns the roster's deputies from its events: the account waits until it has.
    deadline = time.monotonic() + 30
    while True:
        try:
            deputy_pw = platform.account("deputy.dp", ipb.ACCOUNT_ROLE_DEPUTY, COUNTY_A, stands_for=ours.id,
                                         name=ours.name, password="deputy-Passw0rd-dp")
            break
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.NOT_FOUND and time.monotonic() < deadline, e
            time.sleep(0.2)
    ids = []
    for d in (ours, theirs):
        with client(platform.url) as citizen:
            card = citizen.get(f"/card/{d.card_code}")
            ids.append(platform.case(tracking_code(citizen.post(f"/card/{d.card_code}",
                                                                data=opinion_form(card.text)).text)).id)
    mine, other = ids
    with client(platform.url) as staff:
        assert sign_in(staff, "clerk.dp", clerk_pw).status_code == 303
        token = hidden(staff.get(f"/desk/cases/{mine}").text, "csrf_token")
        assert staff.post(f"/desk/cases/{mine}/accept", data={"csrf_token": token}).status_code == 303
    with client(platform.url) as deputy:
        assert sign_in(deputy, "deputy.dp", deputy_pw).status_code == 303
        inbox = deputy.get("/desk/cases")
        assert inbox.status_code == 200 and mine in inbox.text and other not in inbox.text
        assert deputy.get(f"/desk/cases/{other}").status_code == 404
        page = deputy.get(f"/desk/cases/{mine}")
        assert page.status_code == 200 and 'id="form-answer"' in page.text
        # No staff step is offered to a deputy, and one sent anyway is refused.
        assert 'id="form-accept"' not in page.text and 'id="form-transfer"' not in page.text
        token = hidden(page.text, "csrf_token")
        assert deputy.post(f"/desk/cases/{mine}/escalate", data={"csrf_token": token, "reason": "x"}).status_code == 403
        done = deputy.post(f"/desk/cases/{mine}/answer", data={"csrf_token": token, "answer": "已联系社区，下周修好路灯。"})
        assert done.status_code == 303, done.text[-1500:]
        assert "下周修好路灯" in deputy.get(f"/desk/cases/{mine}").text
    case = platform.liaison.call("GetOpinion", lpb.GetOpinionRequest(id=mine), role="staff", region=PREFECTURE)
    assert case.status == lpb.OPINION_STATUS_ANSWERED and case.answer == "已联系社区，下周修好路灯。"
