"""Deputies' performance in the portal (headless Chromium): the office reads a county's
activity ranking with its ties and the deputies flagged, opens a deputy's file with every item's
source and the rule that scored it, and downloads the annual report draft, which python-docx
opens with the file's figures; the deputy reads their own file on a phone, then the ranking once
published. Points come from liaison's activity events and a report to constituents recorded in
evaluation, over the services' own bus. Pages are checked with axe-core and saved under
var/test-output/screenshots/performance."""
from __future__ import annotations

import io
import time
from decimal import Decimal

import pytest
from docx import Document
from kit.browser import Browser, output_dir
from kit.deputies import deputy_account
from kit.portal import PortalWorld, client, hidden, portal_in_front
from kit.settings import COUNTY_A, PREFECTURE, TOWNSHIP_A
from kit.world import learnt
from lianxin.evaluation.v1 import performance_pb2 as ppb
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb
from selenium.webdriver.common.by import By
from test_deputy_browser import sign_in
from test_work_browser import check_page, press

from shared import clock

STAFF = {"role": "staff", "region": COUNTY_A}


@pytest.fixture(scope="module")
def shots():
    return output_dir("screenshots", "performance")


class Platform(PortalWorld):

    def deputy(self, name: str, region: str = COUNTY_A, level: int = rpb.LEVEL_COUNTY) -> rpb.Deputy:
        self.seq += 1
        d = self.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=region, name=name, gender=rpb.GENDER_FEMALE, ethnicity="汉族",
            seats=[rpb.Seat(level=level, term="第十八届")],
            contact=rpb.Contact(phone=f"1397700{self.seq:04d}"))), role="staff", region=PREFECTURE)
        # evaluation and liaison learn the deputy from the roster's events
        learnt(self.evaluation.engine, "evaluation_deputies", d.id, "the deputy")
        learnt(self.liaison.engine, "directory_deputies", d.id, "the deputy")
        return d


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    """Roster, liaison, identity and evaluation on one bus, and the real portal in front."""
    services, portal = portal_in_front(start_service, tmp_path_factory, "roster", "liaison", "identity", "evaluation")
    yield Platform(services, portal)
    portal.close()


def test_the_office_ranks_and_reads_files_and_a_deputy_reads_their_own(world, shots):
    w = world
    year, today = clock.china_today().year, clock.china_today().isoformat()
    a, b, c = w.deputy("古丽米拉"), w.deputy("王<b>建国</b>"), w.deputy("陈晓")
    w.deputy("李梅", TOWNSHIP_A, rpb.LEVEL_TOWNSHIP)     # a township deputy of the county, nothing recorded
    for title, kind, who in (("走访南街社区选民", lpb.ACTIVITY_KIND_VISIT, [a, b]),
                             ("走访东村选民", lpb.ACTIVITY_KIND_VISIT, [c]),
                             ("代表小组学习会", lpb.ACTIVITY_KIND_MEETING, [a])):
        w.liaison.call("RecordActivity", lpb.RecordActivityRequest(activity=lpb.Activity(
            region_code=COUNTY_A, kind=kind, date=today, title=title, deputy_ids=[d.id for d in who])), **STAFF)
    w.evaluation.call("RecordConstituentReport", ppb.RecordConstituentReportRequest(
        deputy_id=a.id, held_on=today, title="向第3选区选民述职"), **STAFF)
    deadline = time.monotonic() + 30
    while len(w.evaluation.call("GetPerformanceFile", ppb.GetPerformanceFileRequest(
            deputy_id=a.id, year=year), **STAFF).items) < 3:
        assert time.monotonic() < deadline, "evaluation never scored the activities"
        time.sleep(0.2)
    deadline = time.monotonic() + 30
    while w.evaluation.call("GetPerformanceFile", ppb.GetPerformanceFileRequest(deputy_id=c.id, year=year),
                            **STAFF).total != "1.00":
        assert time.monotonic() < deadline, "evaluation never scored c's visit"
        time.sleep(0.2)
    staff_pw = w.account("perf.clerk", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="孙科员", password="perf-Passw0rd-clerk")
    deputy_pw = deputy_account(w, "perf.deputy", a, "perf-Passw0rd-deputy")

    desk = Browser(width=1280)
    try:
        drv = desk.driver
        sign_in(desk, w.url, "perf.clerk", staff_pw)
        drv.get(f"{w.url}/desk/performance?region={COUNTY_A}&level=4&year={year}")
        rows = [[td.text for td in tr.find_elements(By.CSS_SELECTOR, "td, th")]
                for tr in drv.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")]
        # a: visit 1 + meeting 2 + report 10; b and c a visit each: ranks 1, 2, 2 (ties shown).
        assert rows[0][:2] == ["1", "古丽米拉"] and rows[0][3] == "13.00"
        assert sorted(r[1] for r in rows[1:]) == sorted(["陈晓", "王<b>建国</b>"])     # the name as typed, escaped
        assert all(r[0] == "2 并列" and r[3] == "1.00" for r in rows[1:])
        assert "未公布" in drv.find_element(By.ID, "ranking-status").text
        # The deputies flagged under a level's ranking are that level's (the township deputy is not
        # a county deputy), and the heading says which.
        flagged = drv.find_element(By.ID, "flags").text
        assert "陈晓" in flagged and "本届尚未向选民述职" in flagged and "古丽米拉" not in flagged
        assert "李梅" not in flagged and drv.find_element(By.ID, "h-flags").text == "需要关注的县（市、区）人大代表"
        check_page(desk, shots, "1-ranking")
        drv.get(f"{w.url}/desk/performance?region={COUNTY_A}&level=5&year={year}")
        assert drv.find_element(By.ID, "h-flags").text == "需要关注的乡镇人大代表"
        assert [r.text.split("\n")[0] for r in drv.find_elements(By.CSS_SELECTOR, "#flags tbody th")] == ["李梅"]
        drv.get(f"{w.url}/desk/performance?region={COUNTY_A}&level=4&year={year}")
        drv.find_element(By.LINK_TEXT, "古丽米拉").click()
        assert f"{year}年积分：13.00 分，履职记录 3 项" in drv.find_element(By.ID, "perf-total").text
        items = drv.find_element(By.ID, "perf-items").text
        assert "走访南街社区选民" in items and "活动记录" in items and "述职登记" in items and "默认细则" in items
        sources = [x.text for x in drv.find_elements(By.CSS_SELECTOR, "#perf-items .source-id")]
        file = w.evaluation.call("GetPerformanceFile", ppb.GetPerformanceFileRequest(deputy_id=a.id, year=year),
                                 **STAFF)
        assert sorted(sources) == sorted(i.source_event_id for i in file.items)
        check_page(desk, shots, "2-file")
    finally:
        desk.close()

    # The annual report the page links, opened with python-docx: the file's figures.
    with client(w.url) as browser:
        signin = browser.get("/signin")
        browser.post("/signin", data={"username": "perf.clerk", "password": staff_pw,
                                      "csrf_token": hidden(signin.text, "csrf_token")})
        got = browser.get(f"/desk/performance/deputies/{a.id}/report.docx?year={year}")
        assert got.status_code == 200 and "filename*=UTF-8''" in got.headers["content-disposition"]
        doc = Document(io.BytesIO(got.content))
        assert doc.paragraphs[0].text == f"古丽米拉代表{year}年度履职情况报告"
        # Its properties, as Word shows them: the report's title, the deputy as author, Chinese.
        props = doc.core_properties
        assert (props.title, props.author, props.language) == (f"古丽米拉代表{year}年度履职情况报告", "古丽米拉", "zh-CN")
        assert "python-docx" not in (props.comments + props.last_modified_by)
        table = [[x.text for x in r.cells] for r in doc.tables[0].rows]
        assert table[-1] == ["合计", "3", "13.00"] and ["走访选民", "1", "1.00"] in table
        assert browser.get(f"/desk/performance/deputies/{b.id}/report.docx?year={year}").status_code == 200
        assert browser.get("/desk/me/performance").status_code == 403       # not a deputy's account
        # A year that is no year is refused as one out of range is, not replaced by this year's.
        for bad in ("abc", "1999", "20260"):
            assert browser.get(f"/desk/performance/deputies/{a.id}/report.docx?year={bad}").status_code == 400, bad
        # The ranking opens on the level of the region shown (the county's congress for the
        # county, the township's for a township); a level is named by number or by name, and one
        # that is neither is refused naming it.
        assert '<option value="4" selected>' in browser.get("/desk/performance").text
        assert '<option value="5" selected>' in browser.get(f"/desk/performance?region={TOWNSHIP_A}").text
        by_name = browser.get(f"/desk/performance?region={COUNTY_A}&level=LEVEL_COUNTY&year={year}")
        assert '<option value="4" selected>' in by_name.text and "古丽米拉" in by_name.text
        assert '<option value="5" selected>' in browser.get("/desk/performance?level=LEVEL_TOWNSHIP").text
        refused = browser.get("/desk/performance?level=LEVEL_MAYOR")
        assert refused.status_code == 400 and "代表层级“LEVEL_MAYOR”有误" in refused.text

    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, w.url, "perf.deputy", deputy_pw)
        drv.get(f"{w.url}/desk/me/performance")
        assert "13.00" in drv.find_element(By.ID, "perf-total").text
        assert drv.find_element(By.ID, "perf-report").get_attribute("href").endswith(
            f"/desk/me/performance/report.docx?year={year}")
        check_page(phone, shots, "3-my-file")
        # The ranking is not the deputy's to read until the office publishes it.
        drv.find_element(By.ID, "perf-ranking").click()
        assert "尚未公布" in drv.find_element(By.ID, "ranking-unpublished").text
    finally:
        phone.close()

    # The office publishes it from the ranking page.
    desk = Browser(width=1280)
    try:
        drv = desk.driver
        sign_in(desk, w.url, "perf.clerk", staff_pw)
        drv.get(f"{w.url}/desk/performance?region={COUNTY_A}&level=4&year={year}")
        press(desk, "#publish")
        assert "已公布" in drv.find_element(By.ID, "ranking-status").text and not drv.find_elements(By.ID, "publish")
        assert "公布于" in drv.find_element(By.ID, "ranking-published-at").text
        assert not drv.find_elements(By.ID, "ranking-changed")
        check_page(desk, shots, "4-published")
        # The year's rules changed afterwards (every kind worth twice as much): the page keeps the
        # published points, says they differ now, and offers to publish again.
        shown = [c.text for c in drv.find_elements(By.CSS_SELECTOR, "#ranking tbody td:nth-child(4)")]
        rules = w.evaluation.call("GetPerformanceRules", ppb.GetPerformanceRulesRequest(region_code=COUNTY_A, year=year),
                                  **STAFF)
        doubled = ppb.PerformanceRules(
            region_code=COUNTY_A, effective_year=year, inactive_days=rules.inactive_days, term_start=rules.term_start,
            points=[ppb.KindPoints(kind=k.kind, points=str(Decimal(k.points) * 2)) for k in rules.points],
            caps=rules.caps, weights=rules.weights)
        w.evaluation.call("SetPerformanceRules", ppb.SetPerformanceRulesRequest(rules=doubled), **STAFF)
        drv.get(f"{w.url}/desk/performance?region={COUNTY_A}&level=4&year={year}")
        assert "公布后积分已有变化" in drv.find_element(By.ID, "ranking-changed").text
        assert [c.text for c in drv.find_elements(By.CSS_SELECTOR, "#ranking tbody td:nth-child(4)")] == shown
        assert "重新公布" in drv.find_element(By.ID, "publish").text
        check_page(desk, shots, "4-changed-since-publication")
        press(desk, "#publish")
        assert not drv.find_elements(By.ID, "ranking-changed") and not drv.find_elements(By.ID, "publish")
        assert [c.text for c in drv.find_elements(By.CSS_SELECTOR, "#ranking tbody td:nth-child(4)")] != shown
    finally:
        desk.close()

    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, w.url, "perf.deputy", deputy_pw)
        drv.get(f"{w.url}/desk/performance?region={COUNTY_A}&level=4&year={year}")
        assert "已公布" in drv.find_element(By.ID, "ranking-status").text
        assert len(drv.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")) == 3
        assert not drv.find_elements(By.CSS_SELECTOR, "#ranking a")       # no other deputy's file to open
        assert not drv.find_elements(By.ID, "flags")
        check_page(phone, shots, "5-ranking-published")
        drv.get(f"{w.url}/desk/performance/deputies/{b.id}")
        assert "无权" in drv.page_source
    finally:
        phone.close()
