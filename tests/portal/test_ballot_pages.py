"""The balloting pages over HTTP against the real services and portal: the public call shows
its form only while the call is open (no campaign, or one past 征集, is said up front); a
deputy who has voted is told so on the list and the ballot, with no form and a link to where
the receipt is checked; the office's page offers no paper ballot to a deputy who has voted;
the campaign's history reads in Chinese, balloting's own step notes included."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from kit.deputies import deputy_account
from kit.portal import client, hidden, sign_in
from kit.settings import COUNTY_A
from lianxin.balloting.v1 import balloting_pb2 as bpb
from lianxin.identity.v1 import identity_pb2 as ipb
from test_ballot_browser import STAFF, open_ballot, world  # noqa: F401  (the module's services and portal)

from portal.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]



def test_the_call_page_shows_its_form_only_while_the_call_is_open(world):  # noqa: F811
    b = world.balloting
    c = b.call("CreateCampaign", bpb.CreateCampaignRequest(region_code=COUNTY_A, year=2041, title="2041年民生实事项目"),
               **STAFF)
    with client(world.url) as anyone:
        open_ = anyone.get(f"/call/{COUNTY_A}/2041")
        assert open_.status_code == 200 and 'id="call-form"' in open_.text
        none = anyone.get(f"/call/{COUNTY_A}/2042")
        assert none.status_code == 404 and "没有找到这次项目征集" in none.text and 'id="call-form"' not in none.text
        assert anyone.get("/call/999999/2041").status_code == 404
        assert anyone.get(f"/call/{COUNTY_A}/20x1").status_code == 404
        # An investment typed "1,2,3" is refused, not read as 123 万元; one above a trillion
        # yuan (10^8 万元) is said to be too large; a negative one is said to be negative; none
        # is written.
        for typed, said in (("1,2,3", "估算投资请填写数字，单位万元。"), ("100000000.01", "估算投资金额过大"),
                            ("-5", "估算投资不能是负数"), ("－12.5万元", "估算投资不能是负数")):
            got = anyone.post(f"/call/{COUNTY_A}/2041", data={
                "csrf_token": hidden(open_.text, "csrf_token"), "title": "路灯", "category": "交通",
                "investment_wan": typed, "request_id": hidden(open_.text, "request_id")})
            assert got.status_code == 400 and said in got.text, typed
        assert not b.call("ListProposals", bpb.ListProposalsRequest(campaign_id=c.id), **STAFF).proposals
        b.call("CloseCall", bpb.CloseCallRequest(id=c.id), **STAFF)
        ended = anyone.get(f"/call/{COUNTY_A}/2041")
        assert ended.status_code == 409 and "征集已结束" in ended.text and 'id="call-form"' not in ended.text


def test_a_deputy_who_voted_is_told_so_and_the_office_offers_no_paper_ballot(world):  # noqa: F811
    w = world
    first, second = w.deputy(name="马晓燕"), w.deputy(name="周立新")
    password = deputy_account(w, "voted.http", first, "voted-Passw0rd-1")
    clerk = w.account("voted.clerk", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="赵文书", password="voted-Clerk-Pw-1")
    c = open_ballot(w, [first, second])
    ids = list(c.rounds[-1].candidate_ids)
    with client(w.url) as deputy:
        sign_in(deputy, "voted.http", password)
        before = deputy.get(f"/desk/me/ballots/{c.id}")
        assert 'id="ballot-form"' in before.text and 'id="ballot-voted"' not in before.text
        marks = {f"mark-{p}": "approve" if i < 4 else "oppose" for i, p in enumerate(ids)}
        done = deputy.post(f"/desk/me/ballots/{c.id}", data={**marks, "csrf_token": hidden(before.text, "csrf_token")})
        assert done.status_code == 200 and 'id="receipt"' in done.text
        listed = deputy.get("/desk/me/ballots")
        assert "已投票" in listed.text
        after = deputy.get(f"/desk/me/ballots/{c.id}")
        assert 'id="ballot-voted"' in after.text and 'id="ballot-form"' not in after.text
        assert f'href="/result/{COUNTY_A}/{c.year}"' in after.text
        # balloting tells each deputy of their own vote only.
        as_deputy = {"role": "deputy", "region": COUNTY_A}
        assert w.balloting.call("GetCampaign", bpb.GetCampaignRequest(id=c.id), subject=first.id, **as_deputy).voted
        assert not w.balloting.call("GetCampaign", bpb.GetCampaignRequest(id=c.id), subject=second.id,
                                    **as_deputy).voted
        assert not w.balloting.call("GetCampaign", bpb.GetCampaignRequest(id=c.id), **STAFF).voted
        again = deputy.post(f"/desk/me/ballots/{c.id}", data={**marks, "csrf_token": hidden(after.text, "csrf_token")})
        assert again.status_code == 409 and "您已经投过票了" in again.text
    with client(w.url) as office:
        sign_in(office, "voted.clerk", clerk)
        page = office.get(f"/desk/campaigns/{c.id}")
        assert page.status_code == 200
        voters = re.search(r'<ul class="items" id="voters">(.*?)</ul>', page.text, re.S).group(1)
        rows = {re.sub(r"\s+", " ", li).strip() for li in re.findall(r"<li>(.*?)</li>", voters, re.S)}
        mine = next(r for r in rows if r.startswith("马晓燕"))
        theirs = next(r for r in rows if r.startswith("周立新"))
        assert "已投票" in mine and "issue-paper" not in mine
        assert "已投票" not in theirs and "issue-paper" in theirs
        # The history: balloting's own notes ("round 1: 2 voters") in Chinese (a tracking code
        # noted on a shortlisting stays a code).
        steps = re.search(r'<ol class="items" id="steps">(.*?)</ol>', page.text, re.S).group(1)
        assert "开始投票：<span class=\"text\">第 1 轮" in steps
        said = re.sub(r"<[^>]+>", "", steps)
        assert not re.search(r"\b(round|voters|candidates|seats)\b", said), said


def _step_notes() -> list[str]:
    """The notes balloting writes on a step when staff give none: every ``note or f"..."``
    argument of ``self.step(...)`` in its source, formatted parts filled with 1."""
    out = []
    for path in sorted((ROOT / "services" / "balloting").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "step"):
                continue
            for arg in node.args:
                if isinstance(arg, ast.BoolOp) and isinstance(arg.op, ast.Or):
                    for v in arg.values[1:]:
                        parts = v.values if isinstance(v, ast.JoinedStr) else [v]
                        text = ""
                        for p in parts:
                            if isinstance(p, ast.Constant):
                                text += str(p.value)
                            elif isinstance(p, ast.FormattedValue):
                                text += "1"
                        out.append(text)
    return out


@pytest.mark.parametrize("note", _step_notes())
def test_every_step_note_balloting_writes_reads_in_chinese(note):
    said = catalogue().step_note(note)
    assert not re.search(r"[A-Za-z]", said), f"{note!r} -> {said!r}"


def test_the_walk_finds_the_step_notes():
    notes = _step_notes()
    assert "round 1" in notes and len(notes) >= 5
    # The session's note with changed electorate ("round 1; electorate now …") is built from two parts.
    cat = catalogue()
    assert cat.step_note("round 1; electorate now 9: 1 no longer serving, 0 by-elected since").startswith("第 1 轮")
    updated = "；应到代表更新为9人（1人已不在任，0人新补选）"    # balloting's own Chinese after the round
    assert cat.step_note("round 2" + updated) == "第 2 轮" + updated
    assert cat.step_note("会后补记") == "会后补记"     # a note staff typed is shown as typed
