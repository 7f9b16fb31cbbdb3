"""The deputy's workspace (/desk/me) over HTTP against the real roster, liaison and identity:
a deputy lands on it after signing in and sees their own cases; keeps their card (settings,
public page, QR code) and voter households; records visits and receptions, where a record
sent again with its request_id (the offline queue's replay) writes nothing more. Forms
without their CSRF token change nothing, another deputy's household or case by its address
is refused, hostile text comes back as text."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from kit.deputies import deputy_account
from kit.portal import client, hidden, opinion_form, tracking_code
from kit.settings import COUNTY_A, PREFECTURE
from lianxin.common.v1 import common_pb2
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb

from shared.clock import china_today

HOSTILE = "<script>alert('x')</script><b>粗体</b> 😀 𠀋"


def sign_in(c, username: str, password: str):
    form = c.get("/signin")
    return c.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"), "username": username,
                                   "password": password, "next": hidden(form.text, "next")})


@pytest.fixture(scope="module")
def people(platform):
    """Two deputies with accounts (ours and theirs) and a clerk of their county."""
    ours, theirs = platform.deputy(name="马秀英"), platform.deputy(name="阿不都")
    return {
        "ours": ours, "theirs": theirs,
        "ours_pw": deputy_account(platform, "deputy.me", ours, "deputy-Passw0rd-me"),
        "theirs_pw": deputy_account(platform, "deputy.them", theirs, "deputy-Passw0rd-them"),
        "clerk_pw": platform.account("clerk.me", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="孙科员",
                                     password="clerk-Passw0rd-me"),
    }


@pytest.fixture()
def ours(platform, people):
    with client(platform.url) as c:
        r = sign_in(c, "deputy.me", people["ours_pw"])
        assert r.status_code == 303, r.text[-1500:]
        yield c


def raise_case(platform, deputy, text: str = "村口路灯坏了") -> lpb.Opinion:
    with client(platform.url) as citizen:
        card = citizen.get(f"/card/{deputy.card_code}")
        code = tracking_code(citizen.post(f"/card/{deputy.card_code}", data=opinion_form(card.text, text=text)).text)
    return platform.case(code)


def activities_of(platform, deputy_id: str) -> list[lpb.Activity]:
    listed = platform.liaison.call("ListActivities", lpb.ListActivitiesRequest(
        region_code=COUNTY_A, page=common_pb2.PageRequest(page_size=500)), role="staff", region=PREFECTURE)
    return [a for a in listed.activities if deputy_id in a.deputy_ids]


def test_a_deputy_lands_on_their_workspace_with_their_own_cases(platform, people):
    waiting = raise_case(platform, people["ours"], "楼道灯不亮 " + HOSTILE)
    raised = raise_case(platform, people["ours"], "垃圾清运不及时")
    other = raise_case(platform, people["theirs"], "别人的意见")
    platform.liaison.call("AcceptOpinion", lpb.AcceptOpinionRequest(id=waiting.id), role="staff", region=COUNTY_A)
    with client(platform.url) as c:
        r = sign_in(c, "deputy.me", people["ours_pw"])
        assert r.status_code == 303 and r.headers["location"] == "/desk"
        landed = c.get("/desk")
        assert landed.status_code == 303 and landed.headers["location"] == "/desk/me"
        home = c.get("/desk/me")
        assert home.status_code == 200, home.text[-1500:]
        assert "马秀英代表的工作台" in home.text and "等待我答复（1 件）" in home.text
        section = home.text.split('id="waiting-cases"')[1].split("</ul>")[0]
        assert waiting.id in section and raised.id not in section and "已受理" in section
        assert raised.id in home.text.split('id="my-cases"')[1] and other.id not in home.text
        # Citizens' text is text.
        assert "<script>alert" not in home.text and "&lt;script&gt;alert(" in home.text
        assert "/desk/cases/" + waiting.id in home.text
        # Another deputy's case by its address: 404, and no answer goes through.
        assert c.get(f"/desk/cases/{other.id}").status_code == 404
        token = hidden(home.text, "csrf_token")
        assert c.post(f"/desk/cases/{other.id}/answer", data={"csrf_token": token, "answer": "x"}).status_code == 404
    assert platform.case(other.tracking_code).answer == ""


def test_other_roles_do_not_open_the_deputy_workspace(platform, people):
    with client(platform.url) as c:
        assert sign_in(c, "clerk.me", people["clerk_pw"]).status_code == 303
        assert c.get("/desk").headers["location"] == "/desk/cases"
        for path in ("/desk/me", "/desk/me/card", "/desk/me/households", "/desk/me/record"):
            assert c.get(path).status_code == 403, path
    with client(platform.url) as stranger:
        r = stranger.get("/desk/me/record")
        assert r.status_code == 303 and r.headers["location"] == "/signin?next=%2Fdesk%2Fme%2Frecord"


def test_my_card_settings_public_page_and_qr_code(platform, people, ours):
    deputy = people["ours"]
    page = ours.get("/desk/me/card")
    assert page.status_code == 200
    assert f'href="{platform.url}/card/{deputy.card_code}"' in page.text
    assert 'name="show_phone" value="1" checked' in page.text    # conftest shows the phone
    token = hidden(page.text, "csrf_token")
    settings = {"show_work_unit": "1", "show_position": "1", "pledge": "为民办事 " + HOSTILE}
    # Without the token nothing changes.
    assert ours.post("/desk/me/card", data=settings).status_code == 403
    assert "1390000" in ours.get(f"/card/{deputy.card_code}").text
    done = ours.post("/desk/me/card", data=settings | {"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/desk/me/card?done=1"
    again = ours.get("/desk/me/card?done=1")
    assert "名片设置已保存" in again.text and 'name="show_phone" value="1">' in again.text
    assert "&lt;script&gt;" in again.text and "<script>alert" not in again.text
    public = ours.get(f"/card/{deputy.card_code}")
    assert "1390000" not in public.text and "为民办事" in public.text and "<script>alert" not in public.text
    stored = platform.roster.call("GetDeputy", rpb.GetDeputyRequest(id=deputy.id))
    assert not stored.card.show_phone and not stored.card.show_specialties and stored.card.pledge.startswith("为民办事")
    # Too long a pledge: refused naming it, nothing stored.
    long = ours.post("/desk/me/card", data={"csrf_token": token, "pledge": "长" * 600})
    assert long.status_code == 400 and "履职承诺最多 500 字" in long.text
    assert platform.roster.call("GetDeputy", rpb.GetDeputyRequest(id=deputy.id)).card.pledge == stored.card.pledge
    # The QR code: PNG to download and SVG to show.
    png = ours.get("/desk/me/card/qr?format=png&download=1")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    # Named as the staff's download: <name>-二维码-<card code>.png
    assert png.headers["content-disposition"].endswith(
        "filename*=UTF-8''" + quote(f"{deputy.name}-二维码-{deputy.card_code}.png", safe=""))
    svg = ours.get("/desk/me/card/qr?format=svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert "content-disposition" not in svg.headers
    assert ours.get("/desk/me/card/qr?format=gif").status_code == 404


def test_my_voter_households(platform, people, ours):
    page = ours.get("/desk/me/households")
    assert page.status_code == 200
    token, request_id = hidden(page.text, "csrf_token"), hidden(page.text, "request_id")
    form = {"household_head": "王" + HOSTILE[:20], "address": "三工镇下营村5组", "phone": "13900001111",
            "request_id": request_id}
    assert ours.post("/desk/me/households", data=form).status_code == 403
    for _ in range(2):   # sent twice (a double tap): one household
        r = ours.post("/desk/me/households", data=form | {"csrf_token": token})
        assert r.status_code == 303 and r.headers["location"] == "/desk/me/households?done=added"
    listed = platform.roster.call("ListVoterHouseholds", rpb.ListVoterHouseholdsRequest(
        deputy_id=people["ours"].id)).households
    assert len(listed) == 1 and listed[0].household_head.startswith("王")
    page = ours.get("/desk/me/households?done=added")
    assert "已添加选民户" in page.text and "&lt;script&gt;" in page.text and "<script>alert" not in page.text
    bad = ours.post("/desk/me/households", data={"csrf_token": token, "household_head": "", "phone": "",
                                                  "request_id": "00000000-0000-4000-8000-00000000a001"})
    assert bad.status_code == 400 and "请填写户主姓名" in bad.text
    # Over the county's limit (双联系): refused with the reason, nothing added.
    platform.roster.call("SetContactLimits", rpb.SetContactLimitsRequest(limits=rpb.ContactLimits(
        region_code=COUNTY_A, deputies_per_committee_member=5, households_per_deputy=1)))
    try:
        full = ours.post("/desk/me/households", data={"csrf_token": token, "household_head": "赵大妈",
                                                       "request_id": "00000000-0000-4000-8000-00000000a002"})
        assert full.status_code == 409 and "联系选民户已达到上限" in full.text
        assert 'value="赵大妈"' in full.text
    finally:
        platform.roster.call("SetContactLimits", rpb.SetContactLimitsRequest(limits=rpb.ContactLimits(
            region_code=COUNTY_A, deputies_per_committee_member=5, households_per_deputy=10)))
    # Another deputy's household by its address: 404, still there.
    theirs = platform.roster.call("AddVoterHousehold", rpb.AddVoterHouseholdRequest(household=rpb.VoterHousehold(
        deputy_id=people["theirs"].id, household_head="李大爷")))
    assert ours.post(f"/desk/me/households/{theirs.id}/remove", data={"csrf_token": token}).status_code == 404
    assert [h.id for h in platform.roster.call("ListVoterHouseholds", rpb.ListVoterHouseholdsRequest(
        deputy_id=people["theirs"].id)).households] == [theirs.id]
    # My own, removed (not without the token).
    assert ours.post(f"/desk/me/households/{listed[0].id}/remove", data={}).status_code == 403
    gone = ours.post(f"/desk/me/households/{listed[0].id}/remove", data={"csrf_token": token})
    assert gone.status_code == 303
    assert platform.roster.call("ListVoterHouseholds", rpb.ListVoterHouseholdsRequest(
        deputy_id=people["ours"].id)).households == []


def test_recording_a_visit_and_its_replay_writes_once(platform, people, ours):
    me = people["ours"].id
    before = len(activities_of(platform, me))
    page = ours.get("/desk/me/record")
    assert page.status_code == 200
    assert '<script src="/static/deputy-record.js" defer></script>' in page.text
    token, request_id = hidden(page.text, "csrf_token"), hidden(page.text, "request_id")
    today = china_today().isoformat()
    form = {"kind": "1", "date": today, "title": "走访 " + HOSTILE, "venue_id": "", "region_code": COUNTY_A,
            "people_reached": "6", "notes": "了解到路灯问题", "request_id": request_id}
    # Without the token: refused, nothing written (as a form and as a replay).
    assert ours.post("/desk/me/record", data=form).status_code == 403
    assert ours.post("/desk/me/record", data=form, headers={"accept": "application/json"}).status_code == 403
    assert len(activities_of(platform, me)) == before
    # The form without JavaScript: Post/Redirect/Get.
    r = ours.post("/desk/me/record", data=form | {"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/desk/me/record?sent=")
    shown = ours.get(r.headers["location"])
    assert "已记录：走访" in shown.text and "<script>alert" not in shown.text and "&lt;script&gt;" in shown.text
    [visit] = [a for a in activities_of(platform, me) if a.title.startswith("走访 ")]
    assert visit.kind == lpb.ACTIVITY_KIND_VISIT and visit.people_reached == 6 and list(visit.deputy_ids) == [me]
    assert visit.region_code == COUNTY_A and visit.recorded_by == me
    # The queue replays the same record after that success (its answer was lost): the first
    # result, nothing more written.
    replay = ours.post("/desk/me/record", data=form | {"csrf_token": token}, headers={"accept": "application/json"})
    assert replay.status_code == 201 and replay.json() == {"id": visit.id, "title": visit.title, "date": today,
                                                           "kind": "走访选民"}
    assert len(activities_of(platform, me)) == before + 1
    # A new record (another request_id) is another activity.
    second = ours.post("/desk/me/record", data=form | {"csrf_token": token, "title": "第二次走访",
                                                       "request_id": "00000000-0000-4000-8000-0000000000b2"},
                       headers={"accept": "application/json"})
    assert second.status_code == 201 and second.json()["id"] != visit.id
    assert len(activities_of(platform, me)) == before + 2
    assert "第二次走访" in ours.get("/desk/me/record").text


def test_a_reception_at_my_venue_and_refusals_as_json(platform, people, ours):
    me = people["ours"].id
    [venue] = platform.roster.call("ListDeputyVenues", rpb.ListDeputyVenuesRequest(deputy_id=me)).venues
    [their_venue] = platform.roster.call("ListDeputyVenues", rpb.ListDeputyVenuesRequest(
        deputy_id=people["theirs"].id)).venues
    page = ours.get("/desk/me/record")
    assert f'<option value="{venue.id}">' in page.text and their_venue.id not in page.text
    token = hidden(page.text, "csrf_token")
    base = {"csrf_token": token, "kind": "2", "date": china_today().isoformat(), "title": "接待日",
            "region_code": COUNTY_A, "people_reached": "12", "notes": ""}
    json_accept = {"accept": "application/json"}
    ok = ours.post("/desk/me/record", data=base | {"venue_id": venue.id,
                                                   "request_id": "00000000-0000-4000-8000-0000000000c1"},
                   headers=json_accept)
    assert ok.status_code == 201, ok.text
    got = platform.liaison.call("GetActivity", lpb.GetActivityRequest(id=ok.json()["id"]), role="staff",
                                region=PREFECTURE)
    assert got.kind == lpb.ACTIVITY_KIND_RECEPTION and got.venue_id == venue.id and list(got.deputy_ids) == [me]
    before = platform.liaison.count("activities")
    refusals = [
        (base | {"venue_id": their_venue.id}, 422, ""),                         # not my venue
        (base | {"venue_id": ""}, 400, "activity.venue_id"),                     # a reception needs one
        (base | {"venue_id": venue.id, "date": "2099-01-01"}, 400, "activity.date"),
        (base | {"venue_id": venue.id, "title": ""}, 400, "activity.title"),
        (base | {"venue_id": venue.id, "people_reached": "-3"}, 400, "activity.people_reached"),
        (base | {"venue_id": venue.id, "kind": "3"}, 400, "activity.kind"),     # a meeting is not mine to record
    ]
    for i, (data, status, field) in enumerate(refusals):
        r = ours.post("/desk/me/record", data=data | {"request_id": f"00000000-0000-4000-8000-0000000000d{i}"},
                      headers=json_accept)
        assert r.status_code == status, (data, r.text)
        body = r.json()
        assert body["message"] and (not field or body["field"] == field), body
    # The same refusal as a page, with what was typed kept.
    page = ours.post("/desk/me/record", data=base | {"venue_id": "", "title": "接待 <i>x</i>",
                                                     "request_id": "00000000-0000-4000-8000-0000000000e1"})
    assert page.status_code == 400 and "接待选民时请选择代表之家或联络站" in page.text
    assert 'value="接待 &lt;i&gt;x&lt;/i&gt;"' in page.text
    assert platform.liaison.count("activities") == before


def test_the_replay_gets_its_token_from_the_session_endpoint(platform, people, ours):
    s = ours.get("/desk/me/session", headers={"accept": "application/json"})
    assert s.status_code == 200 and s.headers["cache-control"] == "no-store"
    body = json.loads(s.text)
    # The token of the session's forms (bound to the session, not the lx_csrf cookie).
    assert body == {"csrf_token": hidden(ours.get("/desk/me").text, "csrf_token"), "deputy": people["ours"].id}
    assert body["csrf_token"] != ours.cookies["lx_csrf"]
    # A replay carrying it passes the CSRF check (the record itself is refused: no date).
    checked = ours.post("/desk/me/record", data={"csrf_token": body["csrf_token"], "kind": "1", "title": "x"},
                        headers={"accept": "application/json"})
    assert checked.status_code == 400, checked.text[-500:]
    # Signed out, the endpoint sends to /signin (the queue keeps its records and says so).
    page = ours.get("/desk/me")
    assert ours.post("/signout", data={"csrf_token": hidden(page.text, "csrf_token")}).status_code == 303
    out = ours.get("/desk/me/session", headers={"accept": "application/json"})
    assert out.status_code == 303 and out.headers["location"].startswith("/signin?next=")
    replay = ours.post("/desk/me/record", data={"csrf_token": body["csrf_token"], "kind": "1", "title": "x"},
                       headers={"accept": "application/json"})
    assert replay.status_code == 303 and replay.headers["location"].startswith("/signin?next=")


def test_the_service_worker_is_served_for_the_deputy_scope(platform):
    with client(platform.url) as c:
        r = c.get("/desk/me/sw.js")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/javascript")
        assert r.headers["cache-control"] == "no-cache" and r.headers["service-worker-allowed"] == "/desk/me/"
        assert "content-security-policy" in r.headers
        assert 'var PAGE = "/desk/me/record";' in r.text
        script = c.get("/static/deputy-record.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
