"""CSRF tokens over HTTP against the real portal: a signed-in browser's forms carry a token
bound to its server-side session (not the ``lx_csrf`` cookie), so a cookie planted by a
sibling subdomain, another session's token or a post from another origin of the same site
changes nothing; the citizens' forms, with no session, keep the double-submit cookie."""
from __future__ import annotations

import pytest
from kit.portal import client, hidden, opinion_form, sign_in, tracking_code
from kit.settings import COUNTY_A
from lianxin.identity.v1 import identity_pb2 as ipb


@pytest.fixture(scope="module")
def clerk(platform):
    return "clerk.csrf", platform.account("clerk.csrf", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="何科员",
                                          password="clerk-Passw0rd-csrf")


def test_a_signed_in_form_token_is_bound_to_the_session_and_a_planted_cookie_forges_nothing(platform, clerk):
    with client(platform.url) as c:
        sign_in(c, *clerk)
        page = c.get("/desk/cases")
        token = hidden(page.text, "csrf_token")
        assert token != c.cookies["lx_csrf"]
        # A sibling subdomain plants lx_csrf for the parent domain and posts that same value:
        # the double-submit would pass; the session-bound check does not.
        planted = "planted-by-a-sibling-0123456789"
        c.cookies.set("lx_csrf", planted, domain="127.0.0.1", path="/")
        forged = c.post("/signout", data={"csrf_token": planted})
        assert forged.status_code == 403 and "表单已过期" in forged.text
        assert c.get("/desk/cases").status_code == 200          # still signed in
        # The page's token still works whatever the cookie holds.
        assert hidden(c.get("/desk/cases").text, "csrf_token") == token
        out = c.post("/signout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/signin?out=1"
        assert c.get("/desk/cases").status_code == 303


def test_another_sessions_token_and_a_same_site_post_are_refused(platform, clerk):
    with client(platform.url) as one, client(platform.url) as two:
        sign_in(one, *clerk)
        sign_in(two, *clerk)
        t1 = hidden(one.get("/desk/cases").text, "csrf_token")
        t2 = hidden(two.get("/desk/cases").text, "csrf_token")
        assert t1 != t2
        assert one.post("/signout", data={"csrf_token": t2}).status_code == 403
        # The right token, but the browser says the post came from a sibling origin.
        sibling = one.post("/signout", data={"csrf_token": t1}, headers={"sec-fetch-site": "same-site"})
        assert sibling.status_code == 403
        assert one.get("/desk/cases").status_code == 200
        same = one.post("/signout", data={"csrf_token": t1}, headers={"sec-fetch-site": "same-origin"})
        assert same.status_code == 303
        # Signing out one session leaves the other, and its token, as they were.
        assert two.get("/desk/cases").status_code == 200
        assert two.post("/signout", data={"csrf_token": t2}).status_code == 303


def test_a_citizen_form_without_a_session_keeps_the_double_submit_cookie(platform, clerk):
    deputy = platform.deputy()
    with client(platform.url) as citizen:
        card = citizen.get(f"/card/{deputy.card_code}")
        assert hidden(card.text, "csrf_token") == citizen.cookies["lx_csrf"]
        r = citizen.post(f"/card/{deputy.card_code}", data=opinion_form(card.text))
        assert r.status_code == 200 and tracking_code(r.text)
        wrong = citizen.post(f"/card/{deputy.card_code}", data=opinion_form(card.text, csrf_token="x" * 32))
        assert wrong.status_code == 403
    # The same browser signed in gets the session's token on the card page too, and the
    # citizen form posts with it; after signing out it is back to the cookie.
    with client(platform.url) as c:
        sign_in(c, *clerk)
        card = c.get(f"/card/{deputy.card_code}")
        token = hidden(card.text, "csrf_token")
        assert token != c.cookies["lx_csrf"]
        r = c.post(f"/card/{deputy.card_code}", data=opinion_form(card.text))
        assert r.status_code == 200 and tracking_code(r.text)
        assert c.post("/signout", data={"csrf_token": token}).status_code == 303
        card = c.get(f"/card/{deputy.card_code}")
        assert hidden(card.text, "csrf_token") == c.cookies["lx_csrf"]


def test_signing_out_of_an_ended_session_just_goes_to_signin(platform, clerk):
    with client(platform.url, cookies={"lx_session": "no-such-session-" * 3}) as c:
        c.get("/signin")
        r = c.post("/signout", data={"csrf_token": "whatever"})
        assert r.status_code == 303 and r.headers["location"] == "/signin?out=1"
