"""The funding report in the workspace (headless Chromium): a county's clerk (阜康市) signs in,
reads the year's funds per township (allocated, spent, remaining), records a spending against a
deputy's budget with the form, sees it refused in words when it is over budget, and downloads
the report as an XLSX file that openpyxl opens; then reads the year's evaluation roll-up (a
township's satisfaction vote, rectifications, inquiry, points bands and funds as recorded) and
the spending listed, and a deputy reads their own funds on a phone. Pages are checked with
axe-core and saved under var/test-output/screenshots/funding."""
from __future__ import annotations

import io
import time
import uuid
from datetime import date
from decimal import Decimal

import grpc
import openpyxl
import pytest
from kit.browser import Browser, output_dir
from kit.portal import client, hidden, open_account, portal_in_front
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_B
from kit.world import learnt
from lianxin.evaluation.v1 import funding_pb2 as fpb
from lianxin.evaluation.v1 import performance_pb2 as ppb
from lianxin.evaluation.v1 import satisfaction_pb2 as epb
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import events_pb2 as sev
from lianxin.supervision.v1 import supervision_pb2 as spb
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import text
from test_work_browser import check_page, press

from shared.clock import china_today

STAFF = {"role": "staff", "region": PREFECTURE}
CLERK = {"role": "staff", "region": COUNTY_B}
YEAR = china_today().year


@pytest.fixture(scope="module")
def shots():
    return output_dir("screenshots", "funding")


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    """Roster, identity and evaluation on one bus (evaluation learns deputies and venues from
    the roster's events), the real portal in front, and a staff account of 阜康市."""
    services, portal = portal_in_front(start_service, tmp_path_factory, "roster", "identity", "evaluation")
    roster, identity, evaluation = services.values()
    open_account(identity, "funding.clerk", ipb.ACCOUNT_ROLE_STAFF, COUNTY_B, name="马会计",
                 password="funding-Passw0rd-1")
    yield roster, evaluation, portal, identity
    portal.close()


def test_the_clerk_reads_the_report_records_spending_and_downloads_it(world, shots):
    roster, e, portal, _ = world
    d = roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=TOWNSHIP_B, name="古丽娜尔", seats=[rpb.Seat(level=rpb.LEVEL_TOWNSHIP, term="第十五届")],
        contact=rpb.Contact(phone="13912340001"))), **STAFF)
    learnt(e.engine, "evaluation_deputies", d.id, "the deputy")     # from the roster's events
    e.call("AllocateBudgets", fpb.AllocateBudgetsRequest(region_code=COUNTY_B, year=YEAR), **CLERK)

    browser = Browser()
    try:
        drv = browser.driver
        drv.get(f"{portal.url}/signin?next=/desk/funding")
        drv.find_element(By.ID, "username").send_keys("funding.clerk")
        drv.find_element(By.ID, "password").send_keys("funding-Passw0rd-1")
        press(browser, "main form button[type=submit]")

        def township_row() -> list[str]:
            for row in drv.find_elements(By.CSS_SELECTOR, "#funding-table tbody tr"):
                cells = [c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]
                if cells[0] == "九运街镇":
                    return cells
            return []
        # The budgets just drawn up are in the report at once (this deployment's own facts are set
        # with the budgets; other tiers' follow their events).
        assert township_row()[1:4] == ["1000.00", "0.00", "1000.00"], township_row()
        assert drv.find_element(By.TAG_NAME, "h1").text == f"阜康市{YEAR}年代表活动经费"
        check_page(browser, shots, "1-report")

        # A spending within the budget, typed in yuan.
        Select(drv.find_element(By.ID, "budget_id")).select_by_visible_text("古丽娜尔（结余 1000.00 元，共 1000.00 元）")
        drv.find_element(By.ID, "purpose").send_keys("走访选民交通费")
        drv.find_element(By.ID, "amount_yuan").send_keys("750.50")
        press(browser, "#record-spending")
        assert drv.find_element(By.ID, "spending-recorded").text == "支出已登记。"
        # The page that says so already counts it: no reload, no wait.
        assert township_row()[1:4] == ["1000.00", "750.50", "249.50"], township_row()
        check_page(browser, shots, "2-recorded")
        # More than what remains: refused under the default standards, said in words with the figures.
        Select(drv.find_element(By.ID, "budget_id")).select_by_visible_text("古丽娜尔（结余 249.50 元，共 1000.00 元）")
        drv.find_element(By.ID, "purpose").send_keys("调研租车费")
        drv.find_element(By.ID, "amount_yuan").send_keys("300")
        press(browser, "#record-spending")
        assert drv.find_element(By.CSS_SELECTOR, ".errors").text == (
            "这笔支出 300.00 元超出了预算结余（结余 249.50 元，共 1000.00 元），超出 50.50 元；本地区规定超预算支出不予登记。")
        check_page(browser, shots, "3-refused")
        assert township_row()[1:4] == ["1000.00", "750.50", "249.50"], township_row()
        # The region's own level (本级) has its row, so the rows add up to the total, column by column.
        table = [[c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]
                 for row in drv.find_elements(By.CSS_SELECTOR, "#funding-table tbody tr")]
        assert table[0][0] == "阜康市本级" and table[-1][0].startswith("阜康市")
        for column in range(1, 6):
            assert sum(Decimal(r[column]) for r in table[:-1]) == Decimal(table[-1][column]), table
        link = drv.find_element(By.ID, "funding-download").get_attribute("href")
        cookies = {c["name"]: c["value"] for c in drv.get_cookies()}
    finally:
        browser.close()

    # The download, as the browser would save it: the service's sheet, opened with openpyxl.
    with client(portal.url, cookies=cookies) as http:
        got = http.get(link)
        assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
        ws = openpyxl.load_workbook(io.BytesIO(got.content)).active
        rows = {r[1]: r for r in ws.iter_rows(values_only=True)}
        assert rows["九运街镇"][2:5] == (1000, 750.5, 249.5)
        # Without JavaScript the form posts the same; a forged post without the form's token writes nothing.
        page = http.get("/desk/funding")
        assert hidden(page.text, "csrf_token")
        refused = http.post("/desk/funding/spending", data={"budget_id": "x", "purpose": "x", "amount_yuan": "1"})
        assert refused.status_code == 403
        # A mistyped amount is refused, not read as another ("1,2,3" is not 123 元). A spending has
        # one limit, the service's 1,000,000 yuan, said in one sentence whether the service or the
        # form finds it too large; 1,000,000 itself passes that check (and is over this budget).
        # Nothing is recorded.
        budget = next(b for b in e.call("ListBudgets", fpb.ListBudgetsRequest(region_code=COUNTY_B, year=YEAR),
                                        **CLERK).budgets if b.deputy_id == d.id)
        limit = "请填写金额，每笔不超过 100 万元；填写补贴天数时金额留空。"
        for typed, status, said in (
                ("1,2,3", 400, "金额请填写数字，最多两位小数"), ("1000000.01", 400, limit),
                ("99999999999999999", 400, limit), ("99999999999999999999", 400, limit),
                ("1,000,000", 409, "这笔支出 1000000.00 元超出了预算结余（结余 249.50 元，共 1000.00 元），超出 999750.50 元")):
            got = http.post("/desk/funding/spending", data={
                "csrf_token": hidden(page.text, "csrf_token"), "region": "", "year": str(YEAR),
                "budget_id": budget.id, "purpose": "走访", "amount_yuan": typed, "date": china_today().isoformat()})
            assert got.status_code == status and said in got.text, (typed, got.status_code)
        assert e.call("GetBudget", fpb.GetBudgetRequest(id=budget.id), **CLERK).spent_fen == 75_050


def _project(e, title: str, *, finished: bool) -> None:
    """A livelihood project of 九运街镇 of the year in evaluation's read model, as supervision's
    ProjectOpened event brings it (supervision itself is not running in this module)."""
    from services.evaluation.projects import ProjectsHandler
    rt = e.runtime
    p = spb.Project(id=str(uuid.uuid4()), region_code=TOWNSHIP_B, year=YEAR, title=title, deadline=f"{YEAR}-12-31",
                    progress_percent="100.00" if finished else "40.00",
                    departments=[spb.ProjectDepartment(department="dept-roads", name="镇村建办",
                                                       role=spb.DEPARTMENT_ROLE_LEAD)])
    with rt.transaction() as s:
        ProjectsHandler(rt.deployment).opened(s, sev.ProjectOpened(project=p), None)


def test_the_roll_up_the_spending_recorded_and_a_deputys_own_funds(world, shots):
    """The office of 阜康市 reads the year's roll-up: 九运街镇's satisfaction vote (three projects
    rated 满意, 基本满意 and 不满意: 33.33%), two rectifications required (one unsatisfied, one
    unfinished) and one done, an inquiry, the published ranking's points bands and deputies
    flagged, and the funds, each as recorded; the funding page lists the spending newest first
    with a hostile purpose shown as typed, a page at a time; a deputy on a phone sees their own
    budget and spending only, under the deputy workspace's grouped evaluation tabs."""
    roster, e, portal, identity = world
    today = china_today()
    deputies = [roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=TOWNSHIP_B, name=name, seats=[rpb.Seat(level=rpb.LEVEL_TOWNSHIP, term="第十五届")],
        contact=rpb.Contact(phone=f"1391234100{i}"))), **STAFF) for i, name in enumerate(("阿依古丽", "王<i>五</i>"))]
    mine, other = deputies
    for d in deputies:
        learnt(e.engine, "evaluation_deputies", d.id, "the deputy")
    deadline = time.monotonic() + 30
    while True:     # identity learns the deputy from the roster's events too
        try:
            open_account(identity, "funding.deputy", ipb.ACCOUNT_ROLE_DEPUTY, TOWNSHIP_B, stands_for=mine.id,
                         name=mine.name, password="funding-Passw0rd-dep")
            break
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.NOT_FOUND and time.monotonic() < deadline, err
            time.sleep(0.2)

    # The satisfaction vote of 九运街镇: every voter rates the three projects alike.
    for title, finished in (("主街道路硬化", True), ("村级活动场所改造", False), ("农贸市场提升", True)):
        _project(e, title, finished=finished)
    vote = e.call("OpenSatisfactionVote", epb.OpenSatisfactionVoteRequest(region_code=TOWNSHIP_B, year=YEAR), **CLERK)
    ratings = {"主街道路硬化": epb.RATING_SATISFIED, "村级活动场所改造": epb.RATING_BASICALLY_SATISFIED,
               "农贸市场提升": epb.RATING_UNSATISFIED}
    with e.engine.connect() as c:
        voters = [r[0] for r in c.execute(text("SELECT deputy_id FROM satisfaction_voters WHERE vote_id = :v"),
                                          {"v": vote.id})]
    assert {mine.id, other.id} <= set(voters)
    for voter in voters:
        e.call("CastSatisfactionBallot", epb.CastSatisfactionBallotRequest(vote_id=vote.id, ratings=[
            epb.ProjectRating(project_id=p.project_id, rating=ratings[p.title]) for p in vote.projects]),
            role="deputy", region=TOWNSHIP_B, subject=voter)
    e.call("CloseSatisfactionVote", epb.CloseSatisfactionVoteRequest(id=vote.id), **CLERK)
    published = e.call("PublishSatisfactionResult", epb.PublishSatisfactionResultRequest(id=vote.id), **CLERK)
    rect = {p.title: p.rectification_id for p in published.projects}
    assert rect["村级活动场所改造"] and rect["农贸市场提升"] and not rect["主街道路硬化"]
    e.call("SubmitRectificationPlan", epb.SubmitRectificationPlanRequest(
        id=rect["农贸市场提升"], explanation="摊位布局不合理", plan="重新规划摊位", due_date=f"{YEAR + 1}-06-30"), **CLERK)
    e.call("CompleteRectification", epb.CompleteRectificationRequest(id=rect["农贸市场提升"], report="已完成改造"),
           **CLERK)
    e.call("OpenInquiry", epb.OpenInquiryRequest(rectification_id=rect["村级活动场所改造"],
                                                 kind=epb.INQUIRY_KIND_INQUIRY, organ="镇人民政府",
                                                 questions=["为何年底未完工？"], held_on=today.isoformat()), **CLERK)
    # Each voter's 2 points for the vote are scored before the ranking is published.
    deadline = time.monotonic() + 30
    for voter in voters:
        while e.call("GetPerformanceFile", ppb.GetPerformanceFileRequest(deputy_id=voter, year=YEAR),
                     **CLERK).total != "2.00":
            assert time.monotonic() < deadline, "evaluation never scored the vote"
            time.sleep(0.1)
    e.call("PublishRanking", ppb.PublishRankingRequest(region_code=TOWNSHIP_B, year=YEAR), **CLERK)

    # Funds: the year's budgets, a hostile purpose on the deputy's, 21 small ones on the other's.
    e.call("AllocateBudgets", fpb.AllocateBudgetsRequest(region_code=COUNTY_B, year=YEAR), **CLERK)
    budgets = {b.deputy_id: b for b in e.call("ListBudgets", fpb.ListBudgetsRequest(
        region_code=COUNTY_B, year=YEAR), **CLERK).budgets}
    hostile = "<script>alert('x')</script>走访<b>交通</b>费 & 餐"
    for i in range(21):
        e.call("RecordSpending", fpb.RecordSpendingRequest(spending=fpb.Spending(
            budget_id=budgets[other.id].id, date=date(YEAR, 1, 1).isoformat(), purpose=f"调研资料费{i:02d}",
            amount_fen=1000)), **CLERK)
    e.call("RecordSpending", fpb.RecordSpendingRequest(spending=fpb.Spending(
        budget_id=budgets[mine.id].id, date=today.isoformat(), purpose=hostile, amount_fen=12_050)), **CLERK)
    township = {"allocated": sum(b.allocated_fen for b in budgets.values() if b.region_code == TOWNSHIP_B),
                "spent": sum(b.spent_fen for b in e.call("ListBudgets", fpb.ListBudgetsRequest(
                    region_code=TOWNSHIP_B, year=YEAR), **CLERK).budgets)}
    n = len(voters)
    expected = {"satisfaction_votes": 1, "satisfaction_projects": 3, "satisfaction_satisfied": 1,
                "satisfaction_basically_satisfied": 1, "satisfaction_unsatisfied": 1,
                "rectifications_required": 2, "rectifications_completed": 1, "inquiries": 1,
                "points_l5_1_9": n, "flagged_l5_no_report": n,
                "funds_allocated_fen": township["allocated"], "funds_spent_fen": township["spent"]}
    deadline = time.monotonic() + 30
    while True:     # the roll-up follows the events
        got = e.call("GetRollup", fpb.GetRollupRequest(region_code=COUNTY_B, year=YEAR), **CLERK)
        row = next(r for r in got.regions if r.region_code == TOWNSHIP_B)
        if all(row.counters.get(k, 0) == v for k, v in expected.items()):
            break
        assert time.monotonic() < deadline, (dict(row.counters), expected)
        time.sleep(0.1)

    def yuan(fen: int) -> str:
        return f"{Decimal(fen) / 100:.2f}"

    def cells(drv, selector: str) -> list[list[str]]:
        return [[c.text for c in tr.find_elements(By.CSS_SELECTOR, "th, td")]
                for tr in drv.find_elements(By.CSS_SELECTOR, selector)]

    desk = Browser(width=1280)
    try:
        drv = desk.driver
        drv.get(f"{portal.url}/signin?next=/desk")
        drv.find_element(By.ID, "username").send_keys("funding.clerk")
        drv.find_element(By.ID, "password").send_keys("funding-Passw0rd-1")
        press(desk, "main form button[type=submit]")
        drv.get(f"{portal.url}/desk/funding")
        follow = drv.find_element(By.ID, "nav-rollup")
        assert follow.text == "评议考评汇总"
        follow.click()
        assert drv.find_element(By.ID, "rollup-heading").text == f"阜康市{YEAR}年评议考评汇总"
        votes = {r[0]: r[1:] for r in cells(drv, "#rollup-votes tbody tr")}
        # Which year an inquiry counts in is said under the table (the year it was held).
        assert "询问和质询按开展日期所在的年度统计" in drv.find_element(By.ID, "votes-note").text
        assert votes["九运街镇"] == ["1", "3", "1", "1", "1", "33.33%", "2", "1", "1", "0"], votes
        assert votes["阜康市合计"] == votes["九运街镇"] and votes["阜康市本级"][5] == "—"
        points = cells(drv, "#rollup-points tbody tr")
        township_points = next(r for r in points if r[0] == "九运街镇")
        assert township_points[1:] == ["乡镇人大代表", "0", str(n), "0", "0", "0", "0", str(n)], township_points
        funds = {r[0]: r[1:] for r in cells(drv, "#rollup-funds tbody tr")}
        assert funds["九运街镇"][:2] == [yuan(township["allocated"]), yuan(township["spent"])], funds
        # The charts: the vendored ECharts drew SVG, series told apart by pattern and named in a legend.
        assert drv.find_elements(By.CSS_SELECTOR, "#chart-verdicts svg")
        legend = drv.find_element(By.ID, "chart-verdicts").text
        assert all(x in legend for x in ("满意", "基本满意", "不满意")), legend
        assert drv.find_elements(By.CSS_SELECTOR, "#chart-verdicts svg pattern, #chart-verdicts svg [fill^='url(']")
        check_page(desk, shots, "4-rollup")
        drv.find_element(By.LINK_TEXT, "九运街镇").click()       # down to the township
        assert drv.find_element(By.ID, "rollup-heading").text == f"九运街镇{YEAR}年评议考评汇总"

        # The spending recorded, newest first, the hostile purpose shown as typed (never markup).
        drv.get(f"{portal.url}/desk/funding?region={TOWNSHIP_B}&year={YEAR}")
        listed = cells(drv, "#spending-table tbody tr")
        assert listed[0] == [today.isoformat(), "阿依古丽", hostile, "120.50", "—"], listed[0]
        assert not drv.find_elements(By.CSS_SELECTOR, "#spending-table script, #spending-table b")
        # (the module's first test recorded one more in the township when it ran before this one)
        recorded = e.call("ListSpending", fpb.ListSpendingRequest(region_code=TOWNSHIP_B, year=YEAR), **CLERK)
        assert recorded.total_size in (22, 23) and len(listed) == 20, listed
        assert f"共 {recorded.total_size} 笔" in drv.find_element(By.ID, "spending-caption").text
        check_page(desk, shots, "5-spending")
        drv.find_element(By.ID, "spending-next").click()
        rest = cells(drv, "#spending-table tbody tr")
        assert len(listed) + len(rest) == recorded.total_size and not drv.find_elements(By.ID, "spending-next")
        everything = listed + rest
        assert [r[0] for r in everything] == sorted((r[0] for r in everything), reverse=True)     # newest first
        assert sorted(r[2] for r in everything if r[1] == "王<i>五</i>") == [f"调研资料费{i:02d}" for i in range(21)]
        cookies = {c["name"]: c["value"] for c in drv.get_cookies()}
    finally:
        desk.close()

    # Filters that are no year or region are refused naming them, not replaced; a region outside is no page.
    with client(portal.url, cookies=cookies) as http:
        for query, said in (("year=abc", "年度“abc”有误：年度应是"), ("year=1999", "年度“1999”有误"),
                            ("year=1800", "年度“1800”有误"), ("region=65ab", "地区“65ab”不存在或代码格式有误"),
                            ("region=999999", "地区“999999”不存在")):
            for path in ("/desk/evaluation", "/desk/funding", "/desk/funding.xlsx"):    # the same on each
                got = http.get(f"{path}?{query}")
                assert got.status_code == 400 and said in got.text and "查询条件有误" in got.text, \
                    (path, query, got.status_code)
        # A region outside the user's: refused, and said to be outside, on every evaluation page.
        for path in ("/desk/evaluation", "/desk/funding", "/desk/funding.xlsx", "/desk/performance"):
            got = http.get(f"{path}?region={COUNTY_A}")
            assert got.status_code == 403 and "所选地区不在您的管辖范围内。" in got.text, (path, got.status_code)
        assert http.get("/desk/funding?spending_page=forged").status_code == 400
        assert http.get("/desk/me/funding").status_code == 403       # not a deputy's account

    # The prefecture's roll-up on a phone (a member of its standing committee reading it): its
    # eight areas' names (本级 and seven counties) are each readable, none running into another
    # or cut off at the chart's edge.
    open_account(identity, "funding.prefecture", ipb.ACCOUNT_ROLE_COMMITTEE, PREFECTURE, name="州常委会委员",
                 password="funding-Passw0rd-pref")
    phone = Browser(width=390)
    try:
        drv = phone.driver
        drv.get(f"{portal.url}/signin?next=/desk/evaluation")
        drv.find_element(By.ID, "username").send_keys("funding.prefecture")
        drv.find_element(By.ID, "password").send_keys("funding-Passw0rd-pref")
        press(phone, "main form button[type=submit]")
        areas = [r[0] for r in cells(drv, "#rollup-votes tbody tr")][:-1]       # without the 合计 row
        assert len(areas) == 8 and areas[0] == "昌吉回族自治州本级", areas
        box, labels = drv.execute_script("""
            const chart = document.getElementById("chart-verdicts"), names = new Set(arguments[0]);
            const r = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
            return [r(chart), [...chart.querySelectorAll("svg text")].filter(t => names.has(t.textContent))
                                                                    .map(t => [t.textContent, r(t)])];""", areas)
        assert sorted(n for n, _ in labels) == sorted(areas), labels
        for i, (name, (left, top, right, bottom)) in enumerate(labels):
            assert left >= box[0] - 1 and right <= box[2] + 1, (name, box)
            for other, (l2, t2, r2, b2) in labels[i + 1:]:
                assert min(right, r2) <= max(left, l2) or min(bottom, b2) <= max(top, t2), (name, other)
        check_page(phone, shots, "5b-rollup-phone")
        drv.delete_all_cookies()
        drv.get(f"{portal.url}/signin?next=/desk/me/performance")     # (liaison, the home page's, is not running)
        drv.find_element(By.ID, "username").send_keys("funding.deputy")
        drv.find_element(By.ID, "password").send_keys("funding-Passw0rd-dep")
        press(phone, "main form button[type=submit]")
        # The workspace's tabs on a phone: evaluation's three pages are one tab, the rows stay few.
        tops = {t.location["y"] for t in drv.find_elements(By.CSS_SELECTOR, "nav.tabs:not(.subtabs) a")}
        assert len(tops) <= 3, tops
        drv.find_element(By.ID, "tab-evaluation").click()
        drv.find_element(By.ID, "tab-funding").click()
        assert drv.find_element(By.ID, "my-funding-heading").text == f"{YEAR}年我的代表活动经费"
        assert drv.find_element(By.ID, "tab-funding").get_attribute("aria-current") == "page"
        tables = drv.find_elements(By.CSS_SELECTOR, "table.budget")
        assert len(tables) == 1, "a deputy sees their own budget only"
        figures = {r[0]: r[1] for r in cells(drv, "table.budget tbody tr")}
        assert figures["已安排（元）"] == yuan(budgets[mine.id].allocated_fen)
        assert figures["已支出（元）"] == "120.50"
        assert figures["结余（元）"] == yuan(budgets[mine.id].allocated_fen - 12_050)
        mine_listed = cells(drv, "#spending-table tbody tr")
        assert mine_listed == [[today.isoformat(), hostile, "120.50", "—"]], mine_listed
        assert "调研资料费" not in drv.page_source
        check_page(phone, shots, "6-my-funding")
        drv.get(f"{portal.url}/desk/me/funding?year=20x6")
        assert "年度应是" in drv.find_element(By.TAG_NAME, "main").text
    finally:
        phone.close()
