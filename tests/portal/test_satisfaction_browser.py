"""The satisfaction vote (满意度测评) in the portal, on a real portal process in front of roster,
identity, supervision and evaluation on one bus: a deputy rates every project of the year on a
phone (headless Chromium, 375 px) and reads the receipt code; a second deputy rates without
JavaScript; once counted and published, the public result shows the overall rate, each
project's ratings and verdict with a chart, and finds the first deputy's receipt in the
bulletin; staff follow the rectification that a project unfinished at year end requires, with
the interpellation (质询) on it. Pages are checked with axe-core and saved under
var/test-output/screenshots/satisfaction."""
from __future__ import annotations

import hashlib
import uuid

import pytest
from kit.browser import Browser, output_dir
from kit.deputies import deputy_account
from kit.portal import PortalWorld, client, hidden, portal_in_front
from kit.portal import sign_in as sign_in_client
from kit.settings import COUNTY_A, PREFECTURE
from kit.world import learnt, rows, wait
from lianxin.evaluation.v1 import satisfaction_pb2 as pb
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import events_pb2 as sev
from lianxin.supervision.v1 import supervision_pb2 as spb
from selenium.webdriver.common.by import By
from sqlalchemy import text
from test_deputy_browser import sign_in
from test_work_browser import check_page, press

from services.evaluation.projects import ProjectsHandler
from shared.clock import china_today

STAFF = {"role": "staff", "region": PREFECTURE}
LEAD = "dept-housing"


@pytest.fixture(scope="module")
def shots():
    return output_dir("screenshots", "satisfaction")


class Platform(PortalWorld):
    def wait(self, sql: str, want: int, what: str, **params) -> None:
        """Until ``sql`` (a count in evaluation's database) reaches ``want``."""
        wait(lambda: rows(self.evaluation.engine, sql, **params)[0][0] >= want, f"evaluation learning {what}", 30)

    def deputy(self, name: str) -> rpb.Deputy:
        self.seq += 1
        d = self.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=COUNTY_A, name=name, seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")],
            contact=rpb.Contact(phone=f"1397700{self.seq:04d}"))), **STAFF)
        learnt(self.evaluation.engine, "evaluation_deputies", d.id, "the deputy")
        return d

    def project(self, title: str, percent: int) -> spb.Project:
        p = self.supervision.call("CreateProject", spb.CreateProjectRequest(
            region_code=COUNTY_A, year=2021, title=title, category="城建", deadline="2021-12-31",
            departments=[spb.ProjectDepartment(department=LEAD, name="市住建局", role=spb.DEPARTMENT_ROLE_LEAD,
                                               responsible_person="马建国")],
            milestones=[spb.MilestonePlan(title="竣工验收", due_date="2021-11-30", weight=1)]), **STAFF)
        self.supervision.call("ReportProgress", spb.ReportProgressRequest(
            project_id=p.id, milestone_id=p.milestones[0].id, percent=percent, evidence="验收资料"),
            role="department", region=COUNTY_A, subject=LEAD)
        return p


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    services, portal = portal_in_front(start_service, tmp_path_factory, "roster", "identity", "supervision", "evaluation")
    yield Platform(services, portal)
    portal.close()


def test_deputies_rate_on_a_phone_and_the_result_and_rectification_are_shown(world, shots):
    w = world
    first, second = w.deputy("阿依古丽"), w.deputy("王建国")
    password = deputy_account(w, "sat.phone", first, "sat-Passw0rd-1")
    other = deputy_account(w, "sat.paper", second, "sat-Passw0rd-2")
    for title, percent in (("城区道路畅通提质工程", 100), ("农贸市场<b>升级</b>改造", 100), ("城区污水管网改造", 60)):
        w.project(title, percent)
    w.wait("SELECT count(*) FROM year_projects WHERE year = 2021 AND progress > 0", 3, "the projects' progress")
    vote = w.evaluation.call("OpenSatisfactionVote", pb.OpenSatisfactionVoteRequest(region_code=COUNTY_A, year=2021),
                             **STAFF)
    by_title = {p.title: p.project_id for p in vote.projects}

    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, w.url, "sat.phone", password)
        drv.get(f"{w.url}/desk/me/satisfaction")
        assert "待测评" in drv.find_element(By.ID, "sat-votes").text
        check_page(phone, shots, "1-votes")
        link = drv.find_element(By.CSS_SELECTOR, "#sat-votes a")
        assert link.text == "2021年民生实事项目实施情况满意度测评"
        drv.get(link.get_attribute("href"))
        assert "3 个项目" in drv.find_element(By.ID, "sat-rule").text
        # Citizens' and departments' text is shown as text, never as markup.
        assert "农贸市场<b>升级</b>改造" in drv.find_element(By.ID, "sat-form").text
        assert "年底未完成" in drv.find_element(By.ID, "sat-form").text
        for title, value in (("城区道路畅通提质工程", "satisfied"), ("农贸市场<b>升级</b>改造", "satisfied"),
                             ("城区污水管网改造", "basically")):
            drv.find_element(By.CSS_SELECTOR, f'input[name="rate-{by_title[title]}"][value="{value}"]').click()
        check_page(phone, shots, "2-ballot")
        press(phone, "#sat-cast")
        receipt = drv.find_element(By.ID, "receipt").text
        assert len(receipt) == 16
        check_page(phone, shots, "3-receipt")
        drv.get(f"{w.url}/desk/me/satisfaction/{vote.id}")
        assert "已经参加" in drv.find_element(By.ID, "sat-voted").text and not drv.find_elements(By.ID, "sat-form")
    finally:
        phone.close()

    # Without JavaScript: a plain form post; a ballot missing a rating is refused in words.
    with client(w.url) as browser:
        signin = browser.get("/signin")
        browser.post("/signin", data={"username": "sat.paper", "password": other,
                                      "csrf_token": hidden(signin.text, "csrf_token")})
        form = browser.get(f"/desk/me/satisfaction/{vote.id}")
        rates = {f"rate-{pid}": "satisfied" for pid in by_title.values()}
        token = hidden(form.text, "csrf_token")
        short = browser.post(f"/desk/me/satisfaction/{vote.id}",
                             data={**dict(list(rates.items())[:2]), "csrf_token": token})
        assert short.status_code == 400 and "请对每个项目都作出选择" in short.text
        done = browser.post(f"/desk/me/satisfaction/{vote.id}", data={**rates, "csrf_token": token})
        assert done.status_code == 200 and 'id="receipt"' in done.text

    # The office counts and publishes the vote on its page.
    staff_password = w.account("sat.staff", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="李干事",
                               password="sat-Passw0rd-3")
    desk = Browser()
    try:
        drv = desk.driver
        sign_in(desk, w.url, "sat.staff", staff_password)
        drv.get(f"{w.url}/desk/satisfaction")
        row = drv.find_element(By.ID, "office-votes").text
        assert "测评中" in row and "2 / 2" in row
        check_page(desk, shots, "3c-office-votes")
        press(desk, "#close-1")
        assert drv.find_element(By.ID, "done").text == "已计票。"
        listed = drv.find_element(By.ID, "office-votes").text
        assert "66.67%" in listed and "昌吉市" in listed
        # The vote's own page: each project's tally and verdict, before it is published.
        drv.find_element(By.ID, "vote-1").click()
        assert "仅供本机关查看" in drv.find_element(By.ID, "vote-unpublished").text
        tallies = {r.find_element(By.TAG_NAME, "th").text: r.text
                   for r in drv.find_elements(By.CSS_SELECTOR, "#vote-projects tbody tr")}
        assert "年底未完成 1 1 0 基本满意" in tallies["城区污水管网改造"]
        assert "年底已完成 2 0 0 满意" in tallies["城区道路畅通提质工程"]
        check_page(desk, shots, "3d-office-vote")
        drv.get(f"{w.url}/desk/satisfaction")
        press(desk, "#publish-1")
        assert "已公开" in drv.find_element(By.ID, "office-votes").text
        assert drv.find_element(By.ID, "result-1").get_attribute("href").endswith(f"/satisfaction/{COUNTY_A}/2021")
        # A second vote of the same year is refused in words.
        drv.find_element(By.ID, "vote-year").clear()
        drv.find_element(By.ID, "vote-year").send_keys("2021")
        press(desk, "#open-vote-button")
        assert "已经发起过了" in drv.find_element(By.CSS_SELECTOR, ".errors").text
        # A year not begun yet cannot be rated: refused naming the year.
        drv.find_element(By.ID, "vote-year").clear()
        drv.find_element(By.ID, "vote-year").send_keys(str(china_today().year + 1))
        press(desk, "#open-vote-button")
        assert f"{china_today().year + 1}年还没有开始" in drv.find_element(By.CSS_SELECTOR, ".errors").text
    finally:
        desk.close()
    # Once published, the deputy's vote page leads to the public result, where receipts are checked.
    with client(w.url) as browser:
        sign_in_client(browser, "sat.paper", other)
        voted = browser.get(f"/desk/me/satisfaction/{vote.id}").text
        assert f'href="/satisfaction/{COUNTY_A}/2021" id="sat-result"' in voted and "核对您的回执码" in voted
    published = w.evaluation.call("GetSatisfactionVote", pb.GetSatisfactionVoteRequest(id=vote.id), **STAFF)
    rect = next(p.rectification_id for p in published.projects if p.title == "城区污水管网改造")
    w.evaluation.call("SubmitRectificationPlan", pb.SubmitRectificationPlanRequest(
        id=rect, explanation="征地拆迁延误。", plan="增加作业面，汛期前完工。", due_date="2099-06-30"),
        role="department", region=COUNTY_A, subject=LEAD)

    phone = Browser(width=375)
    try:
        drv = phone.driver
        drv.get(f"{w.url}/satisfaction/{COUNTY_A}/2021?receipt={receipt.lower()}")
        assert drv.find_element(By.ID, "sat-rate").text == "66.67%"
        table = drv.find_element(By.ID, "sat-table").text
        # Rated 基本满意 but unfinished at year end: the table says why it must be rectified.
        assert "城区污水管网改造（未完成）" in table and "基本满意，需整改（年底未完成）" in table
        assert "已经计入" in drv.find_element(By.ID, "receipt-answer").text
        assert drv.find_elements(By.CSS_SELECTOR, ".chart svg"), "the chart was not drawn"
        # What each figure counts is said: the cards count projects by verdict, the chart and the
        # table ballots; the chart's legend names every rating (not told by colour alone).
        totals = drv.find_element(By.ID, "sat-totals").text
        assert "测评结果为满意的项目（个）" in totals and "测评结果为不满意的项目（个）" in totals
        assert "项目个数" in drv.find_element(By.ID, "sat-totals-note").text
        assert "票数" in drv.find_element(By.ID, "sat-chart-note").text
        legend = [x.text for x in drv.find_elements(By.CSS_SELECTOR, ".chart svg text")]
        assert {"满意", "基本满意", "不满意"} <= set(legend), legend
        assert drv.find_element(By.CSS_SELECTOR, ".chart").size["height"] >= 300
        check_page(phone, shots, "4-result")
        with client(w.url) as browser:
            bulletin = browser.get(f"/satisfaction/{COUNTY_A}/2021/bulletin.json").content
            # A code that names no region is said to be unknown (not "outside your jurisdiction").
            unknown = browser.get("/satisfaction/999999/2021")
            assert unknown.status_code == 404 and "没有代码为“999999”的地区" in unknown.text
            assert "管辖范围" not in unknown.text
        assert hashlib.sha256(bulletin).hexdigest() == drv.find_element(By.ID, "sat-digest").text
    finally:
        phone.close()

    # A refused form says what is wrong next to the input (no JavaScript needed), as typed.
    with client(w.url) as browser:
        sign_in_client(browser, "sat.staff", staff_password)
        token = hidden(browser.get(f"/desk/rectifications/{rect}").text, "csrf_token")
        past = browser.post(f"/desk/rectifications/{rect}/plan", data={
            "explanation": "说明", "plan": "方案", "due_date": "2001-01-01", "csrf_token": token})
        assert past.status_code == 400
        assert 'aria-invalid="true" aria-describedby="err-due_date"' in past.text
        assert '<p class="field-error" id="err-due_date">整改时限不能早于今天' in past.text
        assert "err-explanation" not in past.text and "err-plan" not in past.text
        ahead = browser.post(f"/desk/rectifications/{rect}/inquiries", data={
            "kind": "inquiry", "organ": "市住建局", "questions": "何时完工？", "held_on": "2099-01-01",
            "csrf_token": token})
        assert ahead.status_code == 400 and 'id="err-held_on">日期不能晚于今天' in ahead.text
        assert ">何时完工？</textarea>" in ahead.text and "err-questions" not in ahead.text

    # Staff follow the rectification and the interpellation on it.
    desk = Browser()
    try:
        drv = desk.driver
        sign_in(desk, w.url, "sat.staff", staff_password)
        # Without a year: this year's (last year's only when this year has none); here neither has.
        drv.get(f"{w.url}/desk/rectifications")
        assert drv.find_element(By.ID, "year").get_attribute("value") == str(china_today().year)
        assert drv.find_element(By.ID, "rect-show").text == "查看"
        drv.get(f"{w.url}/desk/rectifications?year=2021")
        assert "整改中" in drv.find_element(By.ID, "rectifications").text
        check_page(desk, shots, "5-rectifications")
        drv.find_element(By.LINK_TEXT, "城区污水管网改造").click()
        assert drv.find_element(By.ID, "rect-plan").text == "增加作业面，汛期前完工。"
        history = drv.find_element(By.ID, "rect-history").text
        assert "承办单位市住建局报送书面说明和整改方案，整改时限 2099-06-30" in history and "增加作业面" in history
        # The office records an interpellation (质询) on it, then the answers and the follow-up.
        drv.find_element(By.CSS_SELECTOR, 'input[name="kind"][value="interpellation"]').click()
        organ = drv.find_element(By.ID, "organ")
        organ.clear()
        organ.send_keys("市住房和城乡建设局")
        drv.find_element(By.ID, "questions").send_keys("为何当年未完工？\n何时完工？")
        check_page(desk, shots, "6-rectification")
        press(desk, "#open-inquiry")
        assert drv.find_element(By.ID, "done").text == "询问（质询）记录已保存。"
        inquiry = drv.find_element(By.CSS_SELECTOR, ".inquiry")
        assert "质询 · 市住房和城乡建设局" in inquiry.find_element(By.TAG_NAME, "h3").text
        assert "何时完工？" in inquiry.text and "待答复" in inquiry.text
        drv.find_element(By.ID, "answers-text-1").send_keys("征地拆迁延误。\n汛期前完工。")
        drv.find_element(By.ID, "follow-up-1").send_keys("常委会听取专项报告")
        drv.find_element(By.CSS_SELECTOR, '#answers-1 input[name="close"]').click()
        press(desk, "#answers-1 button[type=submit]")
        inquiry = drv.find_element(By.CSS_SELECTOR, ".inquiry")
        assert "已办结" in inquiry.text and "常委会听取专项报告" in inquiry.text
        assert not drv.find_elements(By.ID, "answers-1")
        check_page(desk, shots, "6b-inquiry")
        # The office reports the completion on the department's behalf.
        drv.find_element(By.ID, "report").send_keys("管网已全部铺设并验收。")
        press(desk, "#complete")
        assert drv.find_element(By.ID, "done").text == "整改完成情况已报告。"
        assert drv.find_element(By.ID, "rect-status").text == "已完成整改"
        assert not drv.find_elements(By.ID, "complete-form") and not drv.find_elements(By.ID, "plan-form")
        check_page(desk, shots, "7-rectified")
    finally:
        desk.close()


def test_a_rectification_no_department_answers_yet_says_so(world):
    """A project adopted by a ballot has no lead department until the office sets its plan
    (supervision's ProjectOpened names none): its rectification's page and the list say
    尚未明确承办单位, and staff are led to the project's supervision page."""
    w = world
    w.deputy("赵乡村")
    rt = w.evaluation.runtime
    project = spb.Project(id=str(uuid.uuid4()), region_code=COUNTY_A, year=2020, title="乡村道路硬化",
                          deadline="2020-12-31", progress_percent="0.00")
    with rt.transaction() as s:
        ProjectsHandler(rt.deployment).opened(s, sev.ProjectOpened(project=project), None)
    vote = w.evaluation.call("OpenSatisfactionVote", pb.OpenSatisfactionVoteRequest(region_code=COUNTY_A, year=2020),
                             **STAFF)
    with w.evaluation.engine.connect() as c:
        voters = list(c.execute(text("SELECT deputy_id FROM satisfaction_voters WHERE vote_id = :v"), {"v": vote.id}))
    for (deputy_id,) in voters:
        w.evaluation.call("CastSatisfactionBallot", pb.CastSatisfactionBallotRequest(vote_id=vote.id, ratings=[
            pb.ProjectRating(project_id=project.id, rating=pb.RATING_BASICALLY_SATISFIED)]),
            role="deputy", region=COUNTY_A, subject=deputy_id)
    w.evaluation.call("CloseSatisfactionVote", pb.CloseSatisfactionVoteRequest(id=vote.id), **STAFF)
    rect = w.evaluation.call("PublishSatisfactionResult", pb.PublishSatisfactionResultRequest(id=vote.id),
                             **STAFF).projects[0].rectification_id
    password = w.account("sat.clerk", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="王干事", password="sat-Passw0rd-4")
    with client(w.url) as browser:
        sign_in_client(browser, "sat.clerk", password)
        # The votes list takes ?region= like the other reports: the clerk's own county lists the
        # vote; the prefecture above is not theirs (403), a code that is no region a 400.
        assert f'href="/desk/satisfaction/{vote.id}"' in browser.get(f"/desk/satisfaction?region={COUNTY_A}").text
        above = browser.get(f"/desk/satisfaction?region={PREFECTURE}")
        assert above.status_code == 403 and "所选地区不在您的管辖范围内" in above.text
        bad = browser.get("/desk/satisfaction?region=65ab")
        assert bad.status_code == 400 and "地区“65ab”不存在" in bad.text
        listed = browser.get("/desk/rectifications?year=2020").text
        assert 'id="rect-no-department-count">有 1 项整改尚未明确承办单位' in listed
        assert '<strong class="unaddressed">尚未明确承办单位</strong>' in listed
        shown = browser.get(f"/desk/rectifications/{rect}").text
        assert '<p class="attention" id="rect-no-department"><strong>尚未明确承办单位</strong>' in shown
        assert f'href="/desk/supervision/projects/{project.id}" id="rect-project-link"' in shown
