"""The staff inbox's filters and every staff step of a case, over HTTP against the real
services: venue (cases raised to its deputies), deadline (the department's reply due within
days, the tier's deadline passed), escalated; reject with a reason; accept, transfer with a
deadline, the department's reply, conclude, feed back, close, and escalate."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from kit.deputies import deputy_account
from kit.portal import client, hidden, opinion_form, sign_in, tracking_code
from kit.settings import COUNTY_A
from lianxin.identity.v1 import identity_pb2 as ipb

from shared import clock


def listed(page: str) -> set[str]:
    return set(re.findall(r'<tr data-id="([0-9a-f-]{36})">', page))


@pytest.fixture(scope="module")
def world(platform):
    """Two county deputies, each at a venue of their own, a case raised to each, and the
    county's staff signed in."""
    deputies = [platform.deputy(), platform.deputy()]
    cases = []
    for d in deputies:
        with client(platform.url) as citizen:
            card = citizen.get(f"/card/{d.card_code}")
            code = tracking_code(citizen.post(f"/card/{d.card_code}", data=opinion_form(card.text)).text)
        cases.append(platform.case(code).id)
    password = platform.account("clerk.inbox", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="吕科员",
                                password="clerk-Passw0rd-inbox")
    dept = platform.account("dept.inbox", ipb.ACCOUNT_ROLE_DEPARTMENT, COUNTY_A, stands_for="dept-inbox",
                            name="住建局", password="dept-Passw0rd-inbox")
    staff = client(platform.url)
    sign_in(staff, "clerk.inbox", password)
    yield {"deputies": deputies, "cases": cases, "staff": staff, "dept": dept}
    staff.close()


def step(c, case_id: str, action: str, **fields: str):
    token = hidden(c.get(f"/desk/cases/{case_id}").text, "csrf_token")
    return c.post(f"/desk/cases/{case_id}/{action}", data={"csrf_token": token} | fields)


def test_the_venue_filter_lists_the_cases_of_its_deputies(platform, world):
    staff, one = world["staff"], world["cases"][0]
    inbox = staff.get("/desk/cases")
    assert inbox.status_code == 200 and 'id="venue"' in inbox.text and 'id="deadline"' in inbox.text
    n = platform.seq - 1      # the first deputy's venue: 宁边路街道代表联络站<n>
    m = re.search(rf'<option value="([0-9a-f-]{{36}})">宁边路街道代表联络站{n}</option>', inbox.text)
    assert m, inbox.text[-3000:]
    at_venue = staff.get("/desk/cases", params={"venue": m.group(1)})
    assert at_venue.status_code == 200
    assert listed(at_venue.text) == {one}
    assert 'selected>宁边路街道代表联络站' in at_venue.text
    # The deputy filter picks a deputy by name.
    second = world["deputies"][1]
    assert f'<option value="{second.id}">{second.name}（{COUNTY_A}）</option>' in inbox.text
    assert listed(staff.get("/desk/cases", params={"deputy": second.id}).text) == {world["cases"][1]}
    # A venue id the user cannot see is a refusal, not another county's list.
    assert staff.get("/desk/cases", params={"venue": "00000000-0000-4000-8000-000000000000"}).status_code == 400


def test_the_deadline_filter_lists_the_departments_replies_due_and_the_overdue(platform, world):
    staff, (one, two) = world["staff"], world["cases"]
    assert step(staff, one, "accept").status_code == 303
    soon = (clock.china_today() + timedelta(days=2)).isoformat()
    moved = step(staff, one, "transfer", department="dept-inbox", department_name="住建局", deadline=soon)
    assert moved.status_code == 303, moved.text[-1500:]
    due3 = staff.get("/desk/cases", params={"deadline": "transfer_due3"})
    assert one in listed(due3.text) and two not in listed(due3.text)
    assert 'value="transfer_due3" selected' in due3.text
    assert one not in listed(staff.get("/desk/cases", params={"deadline": "transfer_overdue"}).text)
    # The tier's own deadline (30 days for a county) has not passed for either case.
    overdue = staff.get("/desk/cases", params={"deadline": "overdue"})
    assert overdue.status_code == 200 and not {one, two} & listed(overdue.text)
    # An unknown choice is no filter.
    assert {one, two} <= listed(staff.get("/desk/cases", params={"deadline": "someday"}).text)
    # The department's reply ends the wait on it.
    with client(platform.url) as dept:
        sign_in(dept, "dept.inbox", world["dept"])
        assert step(dept, one, "reply", reply="已安排维修").status_code == 303
    assert one not in listed(staff.get("/desk/cases", params={"deadline": "transfer_due7"}).text)


def test_conclude_feed_back_and_close_from_the_case_page(platform, world):
    staff, one = world["staff"], world["cases"][0]
    page = staff.get(f"/desk/cases/{one}")
    assert 'id="form-conclude"' in page.text
    assert step(staff, one, "conclude", resolved="1", note="已修好").status_code == 303
    assert step(staff, one, "feedback", feedback="路灯已修好，感谢反映").status_code == 303
    page = staff.get(f"/desk/cases/{one}")
    assert 'id="form-close"' in page.text and "路灯已修好，感谢反映" in page.text
    assert step(staff, one, "close").status_code == 303
    assert re.search(r'id="case-status">已办结<', staff.get(f"/desk/cases/{one}").text)


def test_escalate_and_the_escalated_filter(platform, world):
    staff, two = world["staff"], world["cases"][1]
    no_reason = step(staff, two, "escalate", reason="")
    assert no_reason.status_code == 400 and "请填写理由" in no_reason.text
    assert step(staff, two, "escalate", reason="涉及跨县事项").status_code == 303
    escalated = staff.get("/desk/cases", params={"escalated": "1"})
    assert two in listed(escalated.text) and world["cases"][0] not in listed(escalated.text)
    assert 'name="escalated" value="1" checked' in escalated.text


def test_staff_reject_a_case_with_a_reason(platform, world):
    d = world["deputies"][0]
    with client(platform.url) as citizen:
        card = citizen.get(f"/card/{d.card_code}")
        code = tracking_code(citizen.post(f"/card/{d.card_code}", data=opinion_form(card.text, text="<b>广告</b>")).text)
    case = platform.case(code).id
    staff = world["staff"]
    page = staff.get(f"/desk/cases/{case}")
    assert 'id="form-reject"' in page.text and "不予受理的理由" in page.text
    assert "<b>广告</b>" not in page.text and "&lt;b&gt;广告&lt;/b&gt;" in page.text
    bare = step(staff, case, "reject", reason="")
    assert bare.status_code == 400 and "请填写理由" in bare.text
    assert step(staff, case, "reject", reason="属于商业广告，不予受理").status_code == 303
    page = staff.get(f"/desk/cases/{case}")
    assert re.search(r'id="case-status">不予受理<', page.text) and "属于商业广告" in page.text
    # Rejected: what remains is to tell the citizen (feedback), nothing else.
    assert 'id="form-feedback"' in page.text and 'id="form-accept"' not in page.text
    with client(platform.url) as citizen:
        assert "不予受理" in citizen.get(f"/t/{code}").text


def test_a_deadline_filter_pages_on_with_the_instant_of_its_first_page(platform, world):
    """More overdue replies than a page: the next-page link keeps the first page's instant
    ("now", to the second), so the page token (bound to it) goes on, and every case is listed
    once."""
    import time

    from google.protobuf.timestamp_pb2 import Timestamp
    from kit.settings import PREFECTURE
    from lianxin.liaison.v1 import liaison_pb2 as lpb

    due = clock.now() + timedelta(seconds=25)     # time enough to transfer them all first
    deadline = Timestamp()
    deadline.FromDatetime(due)
    made = set()
    for i in range(51):
        o = platform.liaison.call("RecordOpinion", lpb.RecordOpinionRequest(
            channel=lpb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text=f"第{i}件"),
            role="staff", region=PREFECTURE)
        platform.liaison.call("AcceptOpinion", lpb.AcceptOpinionRequest(id=o.id), role="staff", region=PREFECTURE)
        platform.liaison.call("TransferOpinion", lpb.TransferOpinionRequest(
            id=o.id, department="dept-paging", department_name="教育局", deadline=deadline),
            role="staff", region=PREFECTURE)
        made.add(o.id)
    staff = world["staff"]
    assert not made & listed(staff.get("/desk/cases", params={"deadline": "transfer_overdue"}).text)
    time.sleep(max(0.0, (due - clock.now()).total_seconds()) + 1)       # the departments are late now
    first = staff.get("/desk/cases", params={"deadline": "transfer_overdue"})
    m = re.search(r'href="(/desk/cases\?[^"]+)" id="next-page"', first.text)
    assert m, first.text[-1500:]
    link = m.group(1).replace("&amp;", "&")
    assert "cutoff=" in link and "deadline=transfer_overdue" in link
    time.sleep(1.1)                                # a later "now" must not change page 2's filter
    second = staff.get(link)
    assert second.status_code == 200, second.text[-1500:]
    one, two = listed(first.text), listed(second.text)
    assert len(one) == 50 and not one & two and made <= one | two


def test_a_refused_filter_is_explained_in_chinese_never_a_system_error(platform, world):
    """A deputy lists their own cases: the inbox offers them no deputy filter, and another
    deputy's id typed into the address is "no permission" (403, in Chinese), not a 500. A
    department has no deputy filter either; a malformed id in the address still says what is
    wrong after "请检查填写的内容：". Staff get the wide layout (the table's short columns on
    one line)."""
    ours, theirs = world["deputies"]
    deputy_account(platform, "deputy.inbox", ours, "deputy-Passw0rd-inbox")
    with client(platform.url) as deputy:
        sign_in(deputy, "deputy.inbox", "deputy-Passw0rd-inbox")
        own = deputy.get("/desk/cases")
        assert own.status_code == 200 and world["cases"][1] not in listed(own.text)
        assert 'name="deputy"' not in own.text
        for other in (theirs.id, "00000000-0000-0000-0000-000000000000"):
            refused = deputy.get("/desk/cases", params={"deputy": other})
            assert refused.status_code == 403, refused.text[-1500:]
            assert "<title>无权访问" in refused.text and "无权" in refused.text
            assert "系统出现错误" not in refused.text and "请求无效" not in refused.text
    with client(platform.url) as dept:
        sign_in(dept, "dept.inbox", world["dept"])
        page_ = dept.get("/desk/cases")
        assert page_.status_code == 200 and 'name="deputy"' not in page_.text
        bad = dept.get("/desk/cases", params={"deputy": "zzz"})
        assert bad.status_code == 400
        said = re.search(r"请检查填写的内容：([^<]*)<", bad.text)
        assert said and said.group(1).strip(), bad.text[-1500:]
    staff = world["staff"].get("/desk/cases")
    assert '<main id="main" class="wide">' in staff.text and 'name="deputy"' in staff.text
