"""A deputy votes on a phone (headless Chromium, 375 px wide) in an open livelihood-project
ballot (票决): signs in, finds the ballot under 票决, marks every candidate with the seats limit
kept as they mark (a further 同意 is disabled at the limit), casts it and reads the receipt
code, which the count's bulletin later lists; a second vote is refused in words. Without
JavaScript an over-filled ballot is refused with balloting's numbers in words, nothing cast,
and the deputy corrects it and votes. Pages are
checked with axe-core and saved under var/test-output/screenshots/ballot."""
from __future__ import annotations

import hashlib
import json
import re
import time

import pytest
from kit.browser import Browser, output_dir, wait_replaced
from kit.deputies import deputy_account
from kit.portal import PortalWorld, client, hidden, portal_in_front
from kit.settings import COUNTY_A, PREFECTURE
from kit.world import learnt
from lianxin.balloting.v1 import balloting_pb2 as bpb
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from selenium.webdriver.common.by import By
from sqlalchemy import text
from test_deputy_browser import sign_in
from test_work_browser import check_page, press

STAFF = {"role": "staff", "region": PREFECTURE}


@pytest.fixture(scope="module")
def shots():
    return output_dir("screenshots", "ballot")


class Platform(PortalWorld):
    """The services and the portal of this module (not tests/portal/conftest.py's: a module's
    ``from conftest import`` finds whichever conftest was imported first in a whole run)."""

    def deputy(self, *, name: str, venue: bool = False) -> rpb.Deputy:
        """A county deputy of 昌吉市, once balloting knows them (``venue``: unused, none here)."""
        self.seq += 1
        d = self.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=COUNTY_A, name=name, gender=rpb.GENDER_FEMALE, ethnicity="汉族",
            seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")],
            contact=rpb.Contact(phone=f"1398800{self.seq:04d}"))), **STAFF)
        learnt(self.balloting.engine, "ballot_deputies", d.id, "the deputy")  # from the roster's events
        return d


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    """Roster, liaison, identity and balloting on one bus, and the real portal in front."""
    services, portal = portal_in_front(start_service, tmp_path_factory, "roster", "liaison", "identity", "balloting")
    yield Platform(services, portal)
    portal.close()


def click(drv, element) -> None:
    """Clicks a form's button and waits for the next page."""
    old = drv.find_element(By.TAG_NAME, "html")
    element.click()
    wait_replaced(drv, old)


def open_ballot(w, voters: list[rpb.Deputy]) -> bpb.Campaign:
    """昌吉市's campaign with 5 candidates for 4 seats, its ballot open with every voter present."""
    b = w.balloting
    deadline = time.monotonic() + 30
    while True:
        with b.engine.connect() as c:
            if c.execute(text("SELECT count(*) FROM ballot_deputies")).scalar_one() >= len(voters):
                break
        assert time.monotonic() < deadline, "balloting never learnt the deputies"
        time.sleep(0.1)
    c = b.call("CreateCampaign", bpb.CreateCampaignRequest(region_code=COUNTY_A, year=2031, title="2031年民生实事项目"),
               **STAFF)
    titles = ["老旧小区供热管网改造", "农村饮水安全提升", "课后托管服务", "卫生院远程诊疗", "公园夜间照明"]
    ps = [b.call("RecordProposal", bpb.RecordProposalRequest(campaign_id=c.id, proposal=bpb.NewProposal(
        title=t, category="民生", investment_fen=(i + 1) * 1_000_000_000),
        proposer=bpb.Proposer(kind=bpb.PROPOSER_KIND_OFFLINE, name="座谈会")), **STAFF) for i, t in enumerate(titles)]
    b.call("CloseCall", bpb.CloseCallRequest(id=c.id), **STAFF)
    for p in ps:
        b.call("ShortlistProposal", bpb.ShortlistProposalRequest(id=p.id, shortlisted=True), **STAFF)
    b.call("FixCandidates", bpb.FixCandidatesRequest(id=c.id, seats=4, session_date="2099-01-15", candidates=[
        bpb.CandidateEntry(proposal_id=p.id, funding_source="县级财政", schedule="当年完工") for p in ps]), **STAFF)
    b.call("OpenSession", bpb.OpenSessionRequest(id=c.id), **STAFF)
    for v in voters:
        b.call("CheckIn", bpb.CheckInRequest(campaign_id=c.id, deputy_id=v.id), **STAFF)
    return b.call("OpenBallot", bpb.OpenBallotRequest(id=c.id), **STAFF)


def test_a_deputy_votes_on_a_phone_and_gets_a_receipt(world, shots):
    w = world
    first, second = w.deputy(name="阿依古丽", venue=False), w.deputy(name="王建国", venue=False)
    password = deputy_account(w, "ballot.phone", first, "ballot-Passw0rd-1")
    other = deputy_account(w, "ballot.paper", second, "ballot-Passw0rd-2")
    c = open_ballot(w, [first, second])

    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, w.url, "ballot.phone", password)
        drv.get(f"{w.url}/desk/me/ballots")
        assert "2031年民生实事项目" in drv.find_element(By.ID, "ballots").text
        check_page(phone, shots, "1-ballots")
        drv.find_element(By.LINK_TEXT, "2031年民生实事项目").click()
        assert "同意的项目不得超过4个" in drv.find_element(By.ID, "ballot-rule").text
        radios = {(r.get_attribute("name"), r.get_attribute("value")): r
                  for r in drv.find_elements(By.CSS_SELECTOR, "#ballot-form input[type=radio]")}
        ids = list(c.rounds[-1].candidate_ids)
        for p in ids[:4]:
            radios[(f"mark-{p}", "approve")].click()
        # At the seats limit the fifth 同意 cannot be marked; 不同意 can.
        assert not radios[(f"mark-{ids[4]}", "approve")].is_enabled()
        assert drv.find_element(By.ID, "approvals").text == "已同意 4 项，最多 4 项"
        radios[(f"mark-{ids[4]}", "oppose")].click()
        check_page(phone, shots, "2-ballot-marked")
        press(phone, "#cast")
        receipt = drv.find_element(By.ID, "receipt").text
        assert len(receipt) == 16
        check_page(phone, shots, "3-receipt")
        # Afterwards the list and the ballot say the deputy has voted, with no form to vote
        # again, and where the receipt is checked (the code itself is not kept with the deputy).
        drv.get(f"{w.url}/desk/me/ballots")
        assert "已投票" in drv.find_element(By.ID, "ballots").text
        drv.get(f"{w.url}/desk/me/ballots/{c.id}")
        assert "您已经投过票了" in drv.find_element(By.ID, "ballot-voted").text
        assert not drv.find_elements(By.ID, "ballot-form")
        link = drv.find_element(By.CSS_SELECTOR, f'main a[href="/result/{COUNTY_A}/2031"]')
        assert "公示页面" in link.text
        check_page(phone, shots, "3b-voted")
    finally:
        phone.close()

    # Without JavaScript (a plain form post) an over-filled ballot is refused: the page says how
    # many 同意 at most (balloting's numbers), keeps the marks, and nothing is cast; corrected, it is.
    with client(w.url) as browser:
        signin = browser.get("/signin")
        browser.post("/signin", data={"username": "ballot.paper", "password": other,
                                      "csrf_token": hidden(signin.text, "csrf_token")})
        form = browser.get(f"/desk/me/ballots/{c.id}")
        marks = {f"mark-{p}": "approve" for p in ids}
        refused = browser.post(f"/desk/me/ballots/{c.id}", data={**marks, "csrf_token": hidden(form.text,
                                                                                                 "csrf_token")})
        assert refused.status_code == 400 and 'id="receipt"' not in refused.text
        assert "您同意了5个项目" in refused.text and "同意的项目不得超过4个" in refused.text
        assert "这张票没有投出" in refused.text and refused.text.count(" checked>") == 5   # the marks as sent
        assert not w.balloting.call("GetCampaign", bpb.GetCampaignRequest(id=c.id), role="deputy",
                                    region=COUNTY_A, subject=second.id).voted
        done = browser.post(f"/desk/me/ballots/{c.id}", data={**marks, f"mark-{ids[4]}": "abstain",
                                                              "csrf_token": hidden(refused.text, "csrf_token")})
        assert done.status_code == 200 and len(re.search(r'id="receipt">(\w+)<', done.text).group(1)) == 16
    # The count's bulletin lists the phone's receipt; both ballots are valid.
    closed = w.balloting.call("CloseBallot", bpb.CloseBallotRequest(id=c.id), **STAFF)
    w.balloting.call("PublishResult", bpb.PublishResultRequest(id=c.id), **STAFF)
    result = w.balloting.public("GetPublicResult", bpb.GetPublicResultRequest(region_code=COUNTY_A, year=2031))
    bulletin = json.loads(result.rounds[0].bulletin)
    assert receipt in bulletin["receipts"] and (closed.rounds[0].valid, closed.rounds[0].invalid) == (2, 0)


def test_a_citizen_proposes_follows_and_checks_the_published_result(world, shots):
    """The public call on a phone: a citizen proposes a project (万元 typed, fen stored), follows
    it by its code; after the ballot, the result page lists the adopted projects, finds a
    deputy's receipt, and the bulletin downloads byte for byte as its published digest."""
    w = world
    b = w.balloting
    voters = [w.deputy(name=f"赵代表{i}", venue=False) for i in range(2)]
    c = b.call("CreateCampaign", bpb.CreateCampaignRequest(region_code=COUNTY_A, year=2033, title="2033年民生实事项目"),
               **STAFF)
    phone = Browser(width=375)
    try:
        drv = phone.driver
        drv.get(f"{w.url}/call/{COUNTY_A}/2033")
        check_page(phone, shots, "4-call")
        drv.find_element(By.ID, "title").send_keys("北京南路<b>加装</b>路灯")
        drv.find_element(By.ID, "category").send_keys("交通")
        drv.find_element(By.ID, "investment_wan").send_keys("12.5")
        press(phone, "#call-form button[type=submit]")
        code = drv.find_element(By.ID, "tracking-code").text
        check_page(phone, shots, "5-proposed")
        drv.find_element(By.LINK_TEXT, "查看办理情况").click()
        assert drv.find_element(By.ID, "proposal-status").text == "已收到"
        assert "征集中" in drv.find_element(By.ID, "campaign-phase").text
        check_page(phone, shots, "6-proposal")
    finally:
        phone.close()
    listed = b.call("ListProposals", bpb.ListProposalsRequest(campaign_id=c.id), **STAFF).proposals
    [mine] = [p for p in listed if p.tracking_code == code]
    assert (mine.title, mine.investment_fen) == ("北京南路<b>加装</b>路灯", 12_500_000)   # 12.5万元 in fen

    # The office takes the campaign through; the deputies vote; the result is published.
    others = [b.call("RecordProposal", bpb.RecordProposalRequest(campaign_id=c.id, proposal=bpb.NewProposal(
        title=f"项目{i}", category="民生", investment_fen=5_000_000_00),
        proposer=bpb.Proposer(kind=bpb.PROPOSER_KIND_OFFLINE, name="座谈会")), **STAFF) for i in range(4)]
    b.call("CloseCall", bpb.CloseCallRequest(id=c.id), **STAFF)
    for p in [mine, *others]:
        b.call("ShortlistProposal", bpb.ShortlistProposalRequest(id=p.id, shortlisted=True), **STAFF)
    b.call("FixCandidates", bpb.FixCandidatesRequest(id=c.id, seats=4, session_date="2099-01-15", candidates=[
        bpb.CandidateEntry(proposal_id=p.id, funding_source="县级财政") for p in [mine, *others]]), **STAFF)
    b.call("OpenSession", bpb.OpenSessionRequest(id=c.id), **STAFF)
    eligible = b.call("ListEligibleVoters", bpb.ListEligibleVotersRequest(campaign_id=c.id), **STAFF).voters
    for v in eligible:
        b.call("CheckIn", bpb.CheckInRequest(campaign_id=c.id, deputy_id=v.deputy_id), **STAFF)
    c = b.call("OpenBallot", bpb.OpenBallotRequest(id=c.id), **STAFF)
    ids = list(c.rounds[-1].candidate_ids)
    receipts = [b.call("CastBallot", bpb.CastBallotRequest(campaign_id=c.id, marks=[
        bpb.Mark(proposal_id=p, choice=bpb.CHOICE_APPROVE if i < 4 else bpb.CHOICE_OPPOSE) for i, p in enumerate(ids)]),
        role="deputy", region=COUNTY_A, subject=v.deputy_id).receipt_code for v in eligible]
    b.call("CloseBallot", bpb.CloseBallotRequest(id=c.id), **STAFF)
    b.call("PublishResult", bpb.PublishResultRequest(id=c.id), **STAFF)
    assert len(eligible) >= len(voters)

    phone = Browser(width=375)
    try:
        drv = phone.driver
        drv.get(f"{w.url}/result/{COUNTY_A}/2033")
        assert len(drv.find_elements(By.CSS_SELECTOR, "#adopted li")) == 4
        check_page(phone, shots, "7-result")
        # Typed back as a person copies it: in groups of four, lower case, a full-width letter.
        typed = " ".join(receipts[0][i:i + 4] for i in range(0, len(receipts[0]), 4)).lower()
        typed = chr(ord(typed[0]) - ord("a") + ord("ａ")) + typed[1:] if typed[0].isalpha() else typed
        drv.find_element(By.ID, "receipt").send_keys(typed)
        press(phone, "#receipt-form button[type=submit]")
        assert "第1轮" in drv.find_element(By.ID, "receipt-answer").text
        assert "已经计入" in drv.find_element(By.ID, "receipt-answer").text
        check_page(phone, shots, "8-receipt-found")
        drv.get(f"{w.url}/p/{code}")
        assert drv.find_element(By.ID, "proposal-status").text == "已列为候选项目"
        assert "结果已公示" in drv.find_element(By.ID, "campaign-phase").text
    finally:
        phone.close()
    with client(w.url) as anyone:
        assert "公告中没有这个回执码" in anyone.get(f"/result/{COUNTY_A}/2033", params={"receipt": "ABCDEFGHJKLMNPQR"}).text
        download = anyone.get(f"/result/{COUNTY_A}/2033/bulletin-1.json")
        assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
        result = b.public("GetPublicResult", bpb.GetPublicResultRequest(region_code=COUNTY_A, year=2033))
        assert hashlib.sha256(download.content).hexdigest() == result.rounds[0].round.bulletin_digest
        assert set(json.loads(download.content)["receipts"]) == set(receipts)
        assert anyone.get(f"/result/{COUNTY_A}/2099").status_code == 404    # nothing published
        assert anyone.get("/p/NOSUCHCODE").status_code == 404


def test_the_office_runs_a_campaign_from_the_call_to_publication(world, shots):
    """Staff on a desktop browser: a new campaign, the call closed, the shortlist, the candidate
    list with the quarter rule shown as it is typed, the session with check-ins, a teller's
    paper ballot, the count and the publication, each step refused or taken by balloting."""
    w = world
    b = w.balloting
    voter = w.deputy(name="钱代表", venue=False)
    w.deputy(name="孙代表", venue=False)   # first by name: the teller's paper ballot is theirs
    password = w.account("campaign.staff", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="李文书", password="Campaign-Pw-2026")
    desk = Browser(width=1280)
    try:
        drv = desk.driver
        sign_in(desk, w.url, "campaign.staff", password)
        drv.get(f"{w.url}/desk/campaigns")
        drv.find_element(By.ID, "year").send_keys("2034")
        drv.find_element(By.ID, "title").send_keys("2034年民生实事项目")
        press(desk, "#new-campaign button[type=submit]")
        assert drv.find_element(By.ID, "phase").text == "征集中"
        cid = drv.current_url.rstrip("/").rsplit("/", 1)[-1]
        for i in range(5):
            b.call("RecordProposal", bpb.RecordProposalRequest(campaign_id=cid, proposal=bpb.NewProposal(
                title=f"实事{i}", category="民生", investment_fen=3_000_000_00),
                proposer=bpb.Proposer(kind=bpb.PROPOSER_KIND_OFFLINE, name="座谈会")), **STAFF)
        drv.refresh()
        check_page(desk, shots, "9-campaign-call")
        press(desk, "#do-close-call")
        assert drv.find_element(By.ID, "phase").text == "初选中"
        for _ in range(5):
            button = next(x for x in drv.find_elements(By.CSS_SELECTOR, "#proposals form button")
                          if x.text.startswith("列入初选"))
            click(drv, button)
        assert all("已列入初选" in x.text for x in drv.find_elements(By.CSS_SELECTOR, "#proposals li"))
        # The quarter rule as it is typed: 4 seats need 5 candidates.
        drv.find_element(By.ID, "seats").send_keys("4")
        drv.execute_script("document.getElementById('session_date').value = '2099-01-15'")
        picks = drv.find_elements(By.CSS_SELECTOR, '#fix-form input[type=checkbox]')
        for box in picks[:4]:
            box.click()
        rule = drv.find_element(By.ID, "quarter-rule")
        assert "已选候选项目4个" in rule.text and "至少需要5个" in rule.text and rule.get_attribute("class") == "short"
        picks[4].click()
        assert rule.get_attribute("class") == "ok"
        for field in drv.find_elements(By.CSS_SELECTOR, '#fix-form input[id^="funding-"]'):
            field.send_keys("县级财政")
        check_page(desk, shots, "10-candidates")
        press(desk, "#do-fix")
        assert drv.find_element(By.ID, "phase").text == "候选项目已确定"
        # A step out of order (the ballot before the session) is refused, in words.
        old_page = drv.find_element(By.TAG_NAME, "html")
        drv.execute_script("const f = document.querySelector('form[action$=\"open-session\"]');"
                           "f.action = f.action.replace('open-session', 'open-ballot'); f.submit();")
        wait_replaced(drv, old_page)
        assert "请先召开票决会议并签到" in drv.find_element(By.TAG_NAME, "main").text
        press(desk, "#do-open-session")
        voters = len(drv.find_elements(By.CSS_SELECTOR, '#voters form[action$="check-in"] button'))
        for i in range(voters):   # check every voter in
            click(drv, drv.find_elements(By.CSS_SELECTOR, '#voters form[action$="check-in"] button')[i])
        assert drv.find_element(By.ID, "check-in").text == f"签到：实到{voters}人，应到{voters}人"
        # 计票人 and 监票人 named before the count, typed as a list is written in Chinese.
        drv.find_element(By.ID, "tellers-field").send_keys("王计票、张计票")
        drv.find_element(By.ID, "scrutineers-field").send_keys("李监票")
        press(desk, "#do-tellers")
        assert drv.find_element(By.ID, "tellers-named").text == "计票人：王计票、张计票；监票人：李监票"
        press(desk, "#do-open-ballot")
        assert drv.find_element(By.ID, "phase").text == "票决中"
        # A teller hands a paper ballot to the first voter (孙代表) and enters it.
        press(desk, '#voters form[action$="issue-paper"] button')
        for box in drv.find_elements(By.CSS_SELECTOR, '#paper-form input[value="approve"]')[:4]:
            box.click()
        drv.find_elements(By.CSS_SELECTOR, '#paper-form input[value="oppose"]')[4].click()
        check_page(desk, shots, "11-teller")
        press(desk, "#do-enter-paper")
        c = b.call("GetCampaign", bpb.GetCampaignRequest(id=cid), **STAFF)
        ids = list(c.rounds[-1].candidate_ids)
        b.call("CastBallot", bpb.CastBallotRequest(campaign_id=cid, marks=[
            bpb.Mark(proposal_id=p, choice=bpb.CHOICE_APPROVE if i < 4 else bpb.CHOICE_OPPOSE)
            for i, p in enumerate(ids)]), role="deputy", region=COUNTY_A, subject=voter.id)
        press(desk, "#do-close-ballot")
        assert "收回2张" in drv.find_element(By.ID, "counted").text
        press(desk, "#do-publish")
        assert drv.find_element(By.ID, "phase").text == "结果已公示"
        check_page(desk, shots, "12-published")
        steps = drv.find_element(By.ID, "steps").text
        assert "李文书" in steps and "公示结果" in steps and "确定候选项目" in steps and "确定计票人、监票人" in steps
    finally:
        desk.close()


def test_the_office_screens_proposals_and_reads_the_statistics(world, shots):
    """初选 in the browser: an expert deputy's 普惠性 and a department's 合规性 entered with score
    and opinion (a score out of range and a second review of one criterion refused in Chinese),
    two proposals merged into one; then the balloting statistics page, per year and per child
    region, investment in 万元/亿元."""
    w = world
    b = w.balloting
    expert = w.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=COUNTY_A, name="周教授", gender=rpb.GENDER_MALE, ethnicity="汉族", specialties=["教育"],
        seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")], contact=rpb.Contact(phone="13988009901"))), **STAFF)
    deadline = time.monotonic() + 30
    while True:   # balloting and the roster both know the expert
        with b.engine.connect() as c:
            if c.execute(text("SELECT count(*) FROM ballot_deputies WHERE id = :id"), {"id": expert.id}).scalar_one():
                break
        assert time.monotonic() < deadline, "balloting never learnt the expert"
        time.sleep(0.1)
    c = b.call("CreateCampaign", bpb.CreateCampaignRequest(region_code=COUNTY_A, year=2035, title="2035年民生实事项目"),
               **STAFF)
    titles = ["城北学校扩建", "城北小学扩建（重复）", "社区食堂"]
    ps = [b.call("RecordProposal", bpb.RecordProposalRequest(campaign_id=c.id, proposal=bpb.NewProposal(
        title=t, category="教育", investment_fen=250_000_000, supporters=10 + i),
        proposer=bpb.Proposer(kind=bpb.PROPOSER_KIND_OFFLINE, name="座谈会")), **STAFF) for i, t in enumerate(titles)]
    b.call("CloseCall", bpb.CloseCallRequest(id=c.id), **STAFF)
    password = w.account("screening.staff", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="赵文书", password="Screening-Pw-2026")
    desk = Browser(width=1280)
    try:
        drv = desk.driver
        sign_in(desk, w.url, "screening.staff", password)
        drv.get(f"{w.url}/desk/campaigns/{c.id}")
        assert drv.find_element(By.ID, "phase").text == "初选中"
        check_page(desk, shots, "13-screening")

        def expert_review(score: str, criterion: str = "public_benefit") -> None:
            drv.find_element(By.CSS_SELECTOR, f'#expert-proposal option[value="{ps[0].id}"]').click()
            drv.find_element(By.CSS_SELECTOR, f'#expert option[value="{expert.id}"]').click()
            drv.find_element(By.CSS_SELECTOR, f'#expert-form input[value="{criterion}"]').click()
            drv.find_element(By.ID, "expert-score").send_keys(score)
            drv.find_element(By.ID, "expert-opinion").send_keys("覆盖城北三个社区，<受益面广>")
            press(desk, "#do-review-expert")

        expert_review("150")                      # out of range: refused, nothing kept
        main = drv.find_element(By.TAG_NAME, "main").text
        assert "评分请填写 0 到 100 之间的整数" in main and "score" not in main
        expert_review("85")
        assert "周教授" in drv.find_element(By.ID, "expert").text      # the expert is offered by name
        reviews = drv.find_element(By.ID, f"proposal-{ps[0].id}").text
        assert "普惠性 · 周教授 · 85分：覆盖城北三个社区，<受益面广>" in reviews   # escaped, shown as typed
        expert_review("60")                       # the same expert on the same criterion again
        assert "这位评审人已经就这一评审内容提交过意见" in drv.find_element(By.TAG_NAME, "main").text

        drv.find_element(By.CSS_SELECTOR, f'#department-proposal option[value="{ps[0].id}"]').click()
        drv.find_element(By.ID, "department").send_keys("县财政局")
        drv.find_element(By.CSS_SELECTOR, '#department-form input[value="compliance"]').click()
        drv.find_element(By.ID, "department-score").send_keys("90")
        drv.find_element(By.ID, "department-opinion").send_keys("资金来源合规")
        press(desk, "#do-review-department")
        assert "合规性 · 县财政局 · 90分：资金来源合规" in drv.find_element(By.ID, f"proposal-{ps[0].id}").text

        # The duplicate merged into the first: it points there, its supporters count there.
        drv.find_element(By.CSS_SELECTOR, f'#survivor option[value="{ps[0].id}"]').click()
        drv.find_element(By.CSS_SELECTOR, f'#merge-form input[name="dup-{ps[1].id}"]').click()
        press(desk, "#do-merge")
        merged = drv.find_element(By.ID, f"proposal-{ps[1].id}").text
        assert "已与相同建议合并" in merged and f"已并入“{titles[0]}”" in merged
        assert "支持21人" in drv.find_element(By.ID, f"proposal-{ps[0].id}").text
        assert "合并相同建议" in drv.find_element(By.ID, "steps").text
        # A merged proposal is offered for no further review or merge.
        assert ps[1].id not in drv.find_element(By.ID, "expert-proposal").get_attribute("innerHTML")
        got = b.call("GetProposal", bpb.GetProposalRequest(id=ps[1].id), **STAFF)
        assert got.status == bpb.PROPOSAL_STATUS_MERGED and got.merged_into == ps[0].id
        check_page(desk, shots, "14-reviewed")

        # The statistics: the campaign's three proposals reach the figures from its events.
        drv.get(f"{w.url}/desk/campaigns")
        press(desk, "#statistics-link")
        for name, value in (("from", "2034"), ("to", "2035")):
            box = drv.find_element(By.ID, name)
            box.clear()
            box.send_keys(value)
        press(desk, "#stats-form button[type=submit]")
        deadline = time.monotonic() + 30
        while True:
            row = next(r for r in drv.find_elements(By.CSS_SELECTOR, "#stats-years tbody tr")
                       if r.text.startswith("2035"))
            if row.text.split()[1:4] == ["1", "3", "0"]:    # campaigns, proposals received, shortlisted
                break
            assert time.monotonic() < deadline, row.text
            time.sleep(0.5)
            drv.refresh()
        assert row.text.endswith("0.00万元")                   # nothing adopted in 2035 yet
        assert "2034—2035年度" in drv.find_element(By.ID, "stats-summary").text
        assert drv.find_elements(By.CSS_SELECTOR, "#stats-regions tbody tr a")   # the townships, each a link
        # The chart drawn from the same figures (ECharts, SVG), beside the table.
        wait_for = time.monotonic() + 10
        while not drv.find_elements(By.CSS_SELECTOR, "#chart-years svg"):
            assert time.monotonic() < wait_for, "the chart was not drawn"
            time.sleep(0.2)
        check_page(desk, shots, "15-statistics")
        # A region outside the user's is no page at all.
        drv.get(f"{w.url}/desk/campaigns/statistics?region=652302")
        assert drv.find_element(By.TAG_NAME, "h1").text == "没有找到"
    finally:
        desk.close()
