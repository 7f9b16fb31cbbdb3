"""Supervision's pages in a real browser (headless Chromium) against real identity and
supervision services and the real portal process: the county's staff read the board (the late
milestones first, the letters awaiting a reply, the programme rolled up), open a project (its
plan, its progress chart drawn by ECharts, its history), change its plan, download a reminder
letter and open it with python-docx, and schedule, record and close an inspection; the lead
department's officer, on a phone, reports a milestone's progress and the project's derived
progress moves, a spend typed with three decimals is refused in Chinese naming the field, it
answers a reminder letter, and another department's project is a Chinese 404 page. Every page is checked with axe-core and
saved under var/test-output/screenshots/supervision/. A deputy on a phone submits a
suggestion with a colleague invited to co-sign, who signs; follows the four in place and the
three meetings the department records, rates the reply unsatisfied (handling reopens), and asks
for a meeting with a head of a state organ, which the office arranges. Staff open a project
directly from the board (two departments picked, a milestone; a bad budget refused beside its
field, nothing written); a deputy and a department get 403 there."""
from __future__ import annotations

import io
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import unquote

import docx
import grpc
import httpx
import pytest
from kit.browser import Browser, output_dir, wait_replaced
from kit.portal import PORTAL_SUBJECT, PortalProcess, client, free_port, hidden, portal_token_file
from kit.settings import COUNTY_A, PREFECTURE, TOWNSHIP_A
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as pb
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_work_browser import check_page, press

from services.supervision.letters import Letters
from shared.clock import china_today

STAFF = {"role": "staff", "region": COUNTY_A}
TODAY = china_today()


@pytest.fixture(scope="module")
def shots():
    return output_dir("screenshots", "supervision")


class World:
    def __init__(self, roster, identity, supervision, portal):
        self.roster, self.identity, self.s, self.portal = roster, identity, supervision, portal
        self.url = portal.url

    def deputy(self, name: str, phone: str, username: str, password: str) -> rpb.Deputy:
        """A county deputy of 昌吉市 with an account (once identity has learnt the deputy)."""
        d = self.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=COUNTY_A, name=name, gender=rpb.GENDER_FEMALE, ethnicity="汉族",
            seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")], contact=rpb.Contact(phone=phone))),
            role="staff", region=PREFECTURE)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.account(username, ipb.ACCOUNT_ROLE_DEPUTY, stands_for=d.id, name=name, password=password)
                return d
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.NOT_FOUND and time.monotonic() < deadline, e
                time.sleep(0.2)

    def account(self, username: str, role: int, *, stands_for: str = "", name: str, password: str) -> str:
        """An account of 昌吉市 opened by the prefecture's staff, its one-time password changed."""
        one_time = "Initial-pw-2026-x"
        self.identity.call("CreateAccount", ipb.CreateAccountRequest(account=ipb.Account(
            username=username, display_name=name, role=role, region_code=COUNTY_A, stands_for=stands_for),
            one_time_password=one_time), role="staff", region=PREFECTURE)
        self.identity.public("ChangePassword", ipb.ChangePasswordRequest(
            username=username, current_password=one_time, new_password=password))
        return password

    def project(self, title: str, lead: str, lead_name: str, milestones: list[tuple[str, int, int]]) -> pb.Project:
        """A project of 昌吉市 this year; ``milestones``: (title, days from today, weight)."""
        deadline = TODAY + timedelta(days=200)
        return self.s.call("CreateProject", pb.CreateProjectRequest(
            region_code=COUNTY_A, year=TODAY.year, title=title, category="城建", budget_fen=860_000_000,
            deadline=deadline.isoformat(),
            departments=[pb.ProjectDepartment(department=lead, name=lead_name, role=pb.DEPARTMENT_ROLE_LEAD,
                                              responsible_person="马建国"),
                         pb.ProjectDepartment(department="dept-finance", name="市财政局", role=pb.DEPARTMENT_ROLE_CO,
                                              responsible_person="李红")],
            tasks=[pb.Task(title="摸底选定小区", department=lead), pb.Task(title="拨付补助资金", department="dept-finance")],
            milestones=[pb.MilestonePlan(title=t, due_date=(TODAY + timedelta(days=d)).isoformat(), weight=w)
                        for t, d, w in milestones]), name="李科员", **STAFF)


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    """Roster, identity and supervision on one bus, and the real portal in front."""
    bus = tmp_path_factory.mktemp("bus") / "bus.sqlite"
    folder = tmp_path_factory.mktemp("portal")
    token_file = portal_token_file(bus, folder)
    port = free_port()
    extra = {"LIANXIN_TRUSTED_FORWARDERS": PORTAL_SUBJECT, "LIANXIN_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    roster = start_service("roster", bus_path=bus, **extra)
    identity = start_service("identity", bus_path=bus, **extra)
    supervision = start_service("supervision", bus_path=bus, **extra)
    portal = PortalProcess({"roster": roster.running.port, "identity": identity.running.port,
                            "supervision": supervision.running.port},
                           folder / "portal.log", port=port, secret="not-the-deployment-secret-" * 2,
                           LIANXIN_HOME_REGION=PREFECTURE, LIANXIN_PORTAL_TOKEN_FILE=str(token_file))
    yield World(roster, identity, supervision, portal)
    portal.close()


def sign_in(browser: Browser, url: str, username: str, password: str) -> None:
    """Opens the board signed out (on to /signin), signs in and lands on the board."""
    drv = browser.driver
    drv.get(f"{url}/desk/supervision")
    assert "/signin?next=" in drv.current_url
    drv.find_element(By.ID, "username").send_keys(username)
    drv.find_element(By.ID, "password").send_keys(password)
    press(browser, "main form button[type=submit]")
    assert drv.current_url.endswith("/desk/supervision"), drv.find_element(By.TAG_NAME, "main").text


def follow(browser: Browser, element) -> None:
    old = browser.driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait_replaced(browser.driver, old)


def drawn(browser: Browser, chart_id: str) -> None:
    """The chart's figures drawn by ECharts (static/dashboard.js, SVG renderer)."""
    WebDriverWait(browser.driver, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#{chart_id} svg rect, #{chart_id} svg path"))


def type_day(drv, field_id: str, day) -> None:
    """A day into an <input type=date> (its typing order follows the browser's locale)."""
    drv.execute_script("document.getElementById(arguments[0]).value = arguments[1]", field_id, day.isoformat())


def signed_in(world, username: str, password: str) -> httpx.Client:
    """A browser-like client signed in to the portal (cookies kept, redirects not followed)."""
    c = client(world.url)
    form = c.get("/signin")
    done = c.post("/signin", data={"username": username, "password": password,
                                   "csrf_token": hidden(form.text, "csrf_token")})
    assert done.status_code == 303, done.text[-500:]
    return c


def step(c: httpx.Client, item_id: str, name: str, *, status: int = 303, **fields: str) -> httpx.Response:
    """One step of an item's office page, posted as its form posts."""
    page = c.get(f"/desk/supervision/items/{item_id}")
    got = c.post(f"/desk/supervision/items/{item_id}/{name}", data={"csrf_token": hidden(page.text, "csrf_token"),
                                                                    **fields})
    assert got.status_code == status, got.text[-1500:]
    return got


def session_client(browser: Browser, url: str) -> httpx.Client:
    """An HTTP client with the browser's cookies: what clicking a download link sends."""
    jar = {c["name"]: c["value"] for c in browser.driver.get_cookies()}
    return httpx.Client(base_url=url, cookies=jar, timeout=30)


@pytest.fixture(scope="module")
def projects(world):
    """Three projects of 昌吉市: 加装电梯 with two milestones past due (20 and 5 days), 供热管网
    on time at 50%, and 水务局's 饮水 project; the sweep's letters for the late ones."""
    lift = world.project("老旧小区加装电梯", "dept-housing", "市住建局",
                         [("完成选址和设计", -20, 20), ("完成主体施工", -5, 30), ("验收交付使用", 150, 50)])
    heat = world.project("供热管网改造", "dept-housing", "市住建局", [("完成改造", 100, 100)])
    world.s.call("ReportProgress", pb.ReportProgressRequest(project_id=heat.id, milestone_id=heat.milestones[0].id,
                                                            percent=50, spent_fen=100), role="department",
                 region=COUNTY_A, subject="dept-housing")
    water = world.project("农村饮水安全提升", "dept-water", "市水务局", [("完成管网铺设", 120, 100)])
    assert Letters(world.s.runtime).sweep() == 2     # two late milestones (behind plan waits for their answers)
    return lift, heat, water


def test_staff_follow_the_board_a_project_its_letter_and_an_inspection(world, projects, shots):
    lift, heat, water = projects
    world.account("sv.clerk", ipb.ACCOUNT_ROLE_STAFF, name="李科员", password="clerk-Passw0rd-sv")
    staff = Browser(width=1024)
    try:
        drv = staff.driver
        sign_in(staff, world.url, "sv.clerk", "clerk-Passw0rd-sv")
        # The late milestones first, longest late first; then the projects, the late one on top.
        late = drv.find_elements(By.CSS_SELECTOR, "#late li")
        assert [x.text.split("\n")[0] for x in late] == ["老旧小区加装电梯：完成选址和设计", "老旧小区加装电梯：完成主体施工"]
        assert "已逾期 20 天" in late[0].text and "已逾期 5 天" in late[1].text
        rows = [x.text for x in drv.find_elements(By.CSS_SELECTOR, "#projects > li")]
        assert [r.split(" ")[0] for r in rows] == ["老旧小区加装电梯", "农村饮水安全提升", "供热管网改造"]
        assert "逾期 20 天" in rows[0] and "进度 50.00%" in rows[2]
        # The programme rolled up: the mean of 0, 0 and 50.
        assert drv.find_element(By.ID, "programme-progress").text == "16.67%"
        letters = drv.find_element(By.ID, "letters").text
        assert "昌吉市人大常委会督办函" in letters and "致市住建局" in letters and "请于" in letters
        drawn(staff, "chart-projects")
        check_page(staff, shots, "1-board")

        # The project: plan, chart, letters, history.
        follow(staff, drv.find_element(By.LINK_TEXT, "老旧小区加装电梯"))
        assert drv.find_element(By.ID, "project-progress").text == "0.00%"
        assert [r.text for r in drv.find_elements(By.CSS_SELECTOR, "#departments tbody tr")] == [
            "主办 市住建局 马建国", "协办 市财政局 李红"]
        assert "摸底选定小区 （市住建局）" in drv.find_element(By.ID, "tasks").text
        first = drv.find_element(By.ID, f"m-{lift.milestones[0].id}").text
        assert "逾期 20 天" in first and "权重 20" in first
        assert not drv.find_elements(By.CSS_SELECTOR, "form[id^=report-]")    # the department's form only
        history = drv.find_element(By.ID, "history").text
        assert "立项" in history and "李科员" in history and "提醒督办函" in history
        drawn(staff, "chart-milestones")
        check_page(staff, shots, "2-project")

        # The letter as a document, fetched as the link sends it and opened with python-docx.
        link = drv.find_elements(By.CSS_SELECTOR, "#letters a.letter-docx")[0]
        with session_client(staff, world.url) as c:
            got = c.get(link.get_attribute("href"))
        assert got.status_code == 200
        assert got.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
        name = unquote(got.headers["content-disposition"].split("filename*=UTF-8''")[1])
        assert name.startswith("昌吉市人大常委会督办函〔") and name.endswith("号.docx")
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs)
        assert "提醒督办函" in text and name.removesuffix(".docx") in text and "市住建局：" in text
        assert "老旧小区加装电梯" in text and "昌吉市人大常委会" in text

        # The plan: a milestone added in a blank row, with a weight out of range first.
        drv.find_element(By.CSS_SELECTOR, "#plan-details summary").click()
        drv.find_element(By.ID, "ms-3-title").send_keys("<b>试运行</b>")
        type_day(drv, "ms-3-due_date", TODAY + timedelta(days=160))
        drv.find_element(By.ID, "ms-3-weight").send_keys("2000")
        drv.execute_script("document.getElementById('ms-3-weight').removeAttribute('max')")
        press(staff, "#save-plan")
        assert "权重请填写 1 到 1000 之间的整数。" in drv.find_element(By.CSS_SELECTOR, ".errors").text
        assert len(world.s.call("GetProject", pb.GetProjectRequest(id=lift.id), **STAFF).milestones) == 3
        check_page(staff, shots, "3-plan-refused")
        drv.find_element(By.ID, "ms-3-title").send_keys("<b>试运行</b>")
        type_day(drv, "ms-3-due_date", TODAY + timedelta(days=160))
        drv.find_element(By.ID, "ms-3-weight").send_keys("10")
        press(staff, "#save-plan")
        assert drv.find_element(By.ID, "done").text == "推进计划已保存。"
        assert "<b>试运行</b>" in drv.find_element(By.ID, "milestones").text
        assert "推进计划" in drv.find_element(By.CSS_SELECTOR, "#history li").text

        # An inspection of the project: scheduled with a deputy picked from the county's
        # deputies and an official typed by name, recorded with two problems, one solved.
        zhang, namesake = (world.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=COUNTY_A, name="张视察", gender=rpb.GENDER_MALE, ethnicity="汉族", work_unit=unit,
            seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")], contact=rpb.Contact(phone=phone))),
            role="staff", region=PREFECTURE) for unit, phone in (("三工镇", "13900990001"), ("榆树沟镇", "13900990002")))
        # A county deputy whose region is one of the county's townships is offered too
        # (evaluation credits the deputies of the inspection's branch).
        township = world.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=TOWNSHIP_A, name="马红霞", gender=rpb.GENDER_FEMALE, ethnicity="回族",
            seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")], contact=rpb.Contact(phone="13900990003"))),
            role="staff", region=PREFECTURE)
        follow(staff, drv.find_element(By.ID, "schedule-link"))
        assert drv.find_elements(By.CSS_SELECTOR, f"#schedule-deputies input[name='dep-{township.id}']")
        assert drv.find_element(By.ID, "schedule-project").get_attribute("value") == lift.id
        drv.find_element(By.ID, "schedule-title").send_keys("加装电梯项目集中督导")
        # Two deputies of one name, told apart by their work unit; the first ticked.
        pick = drv.find_element(By.CSS_SELECTOR, f"#schedule-deputies input[name='dep-{zhang.id}']")
        assert pick.find_element(By.XPATH, "..").text == "张视察（三工镇）"
        other = drv.find_element(By.CSS_SELECTOR, f"#schedule-deputies input[name='dep-{namesake.id}']")
        assert other.find_element(By.XPATH, "..").text == "张视察（榆树沟镇）"
        pick.click()
        drv.find_element(By.ID, "schedule-others").send_keys("王主任")
        check_page(staff, shots, "4-inspections")
        press(staff, "#do-schedule")
        assert drv.find_element(By.ID, "inspection-status").text == "已安排"
        assert drv.find_element(By.ID, "participants").text == "张视察、王主任"
        assert drv.find_element(By.CSS_SELECTOR, f"#record-deputies input[name='dep-{zhang.id}']").is_selected()
        assert drv.find_element(By.ID, "record-others").get_attribute("value") == "王主任"
        # Recorded as held tomorrow (the form sent without the browser's date limit): refused
        # beside 开展日期, the typed findings kept, nothing written: still scheduled.
        inspection_id = drv.current_url.split("/inspections/")[1].split("?")[0]
        tomorrow = (TODAY + timedelta(days=1)).isoformat()
        with session_client(staff, world.url) as c:
            here = c.get(f"/desk/supervision/inspections/{inspection_id}")
            refused = c.post(f"/desk/supervision/inspections/{inspection_id}/record", data={
                "csrf_token": hidden(here.text, "csrf_token"), "region": COUNTY_A, "held_on": tomorrow,
                f"dep-{zhang.id}": "on", "findings": "提前记录", "problems": "某问题"})
        assert refused.status_code == 400
        assert ('<p class="field-error" id="err-held-on">开展日期不能晚于今天：督导调研开展以后再记录，尚未开展的请安排日期。</p>'
                in refused.text), refused.text[-1500:]
        assert f'value="{tomorrow}"' in refused.text and ">提前记录</textarea>" in refused.text
        assert world.s.call("GetInspection", pb.GetInspectionRequest(id=inspection_id),
                            **STAFF).status == pb.INSPECTION_STATUS_SCHEDULED
        drv.find_element(By.ID, "findings-field").send_keys("施工进度滞后于计划。")
        drv.find_element(By.ID, "problems-field").send_keys("用地手续未办结\n施工扰民引发纠纷")
        check_page(staff, shots, "5-inspection-scheduled")
        press(staff, "#do-record")
        assert drv.find_element(By.ID, "inspection-status").text == "已开展"
        problems = drv.find_elements(By.CSS_SELECTOR, "#problems > li")
        assert [p.find_element(By.CSS_SELECTOR, ".problem-status").text for p in problems] == ["待解决", "待解决"]
        problems[0].find_element(By.TAG_NAME, "textarea").send_keys("用地手续已办结")
        press(staff, "#problems > li:first-child form button")
        assert drv.find_element(By.ID, "done").text == "问题已标记为解决。"
        assert [p.find_element(By.CSS_SELECTOR, ".problem-status").text
                for p in drv.find_elements(By.CSS_SELECTOR, "#problems > li")] == ["已解决", "待解决"]
        assert "发现问题 2 个，已解决 1 个" in drv.find_element(By.ID, "h-problems").text
        held = world.s.call("ListInspections", pb.ListInspectionsRequest(project_id=lift.id), **STAFF).inspections[0]
        assert [(p.deputy_id, p.name) for p in held.participants] == [(zhang.id, "张视察"), ("", "王主任")]
        check_page(staff, shots, "6-problem-solved")
        # The board counts it.
        drv.get(f"{world.url}/desk/supervision")
        assert drv.find_element(By.ID, "inspections-held").text == "1"
        assert drv.find_element(By.ID, "problems-solved").text == "1 / 2"
        # The tier's figures, rolled up from supervision's events (a moment behind the records).
        deadline = time.monotonic() + 30
        while (drv.find_element(By.ID, "fig-projects").text, drv.find_element(By.ID, "fig-letters_issued").text,
               drv.find_element(By.ID, "fig-problems_solved").text) != ("3", "2", "1"):
            assert time.monotonic() < deadline, drv.find_element(By.ID, "figures").text
            time.sleep(0.5)
            drv.get(f"{world.url}/desk/supervision")
        check_page(staff, shots, "6b-board-figures")
    finally:
        staff.close()


def test_a_department_reports_progress_on_a_phone_and_not_on_another_departments_project(world, projects, shots):
    lift, heat, water = projects
    world.account("sv.housing", ipb.ACCOUNT_ROLE_DEPARTMENT, stands_for="dept-housing", name="市住建局",
                  password="housing-Passw0rd-sv")
    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, world.url, "sv.housing", "housing-Passw0rd-sv")
        # Its own projects and letters only: not 水务局's.
        projects_text = drv.find_element(By.ID, "projects").text
        assert "老旧小区加装电梯" in projects_text and "农村饮水安全提升" not in projects_text
        assert "致市住建局" in drv.find_element(By.ID, "letters").text
        check_page(phone, shots, "7-department-board")
        drv.get(f"{world.url}/desk/supervision/projects/{lift.id}")
        before = drv.find_element(By.ID, "project-progress").text
        m = lift.milestones[0]
        drv.find_element(By.CSS_SELECTOR, f"#m-{m.id} summary").click()
        percent, spent = drv.find_element(By.ID, f"percent-{m.id}"), drv.find_element(By.ID, f"spent-{m.id}")
        # A spend with three decimals: refused naming the field, nothing written.
        percent.clear()
        percent.send_keys("100")
        spent.clear()
        spent.send_keys("1,234,567.891")
        drv.find_element(By.ID, f"evidence-{m.id}").send_keys("12个小区选址和设计全部完成。")
        press(phone, f"#report-{m.id} button[type=submit]")
        assert "累计支出请填写以元为单位的金额" in drv.find_element(By.CSS_SELECTOR, ".errors").text
        assert drv.find_element(By.ID, "project-progress").text == before == "0.00%"
        check_page(phone, shots, "8-report-refused")
        spent = drv.find_element(By.ID, f"spent-{m.id}")
        spent.clear()
        spent.send_keys("1,234,567.89")
        percent = drv.find_element(By.ID, f"percent-{m.id}")
        percent.clear()
        percent.send_keys("100")
        evidence = drv.find_element(By.ID, f"evidence-{m.id}")
        evidence.clear()
        evidence.send_keys("12个小区选址和设计全部完成。")
        press(phone, f"#report-{m.id} button[type=submit]")
        assert drv.find_element(By.ID, "done").text == "进度已报告，项目进度已更新。"
        # 20 weights at 100% of all the milestones' weights (110 once the staff added 试运行).
        weights = sum(x.weight for x in world.s.call("GetProject", pb.GetProjectRequest(id=lift.id), **STAFF).milestones)
        expected = (Decimal(20 * 100) / weights).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert drv.find_element(By.ID, "project-progress").text == f"{expected}%"
        assert drv.find_element(By.ID, f"m-{m.id}-percent").text == "100%"
        assert "逾期" not in drv.find_element(By.ID, f"m-{m.id}").text.split("\n")[0]
        assert drv.find_element(By.ID, "project-spent").text == "1,234,567.89 元"
        row = drv.find_element(By.CSS_SELECTOR, "#history li").text
        assert "报告进度" in row and "市住建局" in row and "100%，已支出 1,234,567.89 元" in row
        check_page(phone, shots, "9-reported")
        got = world.s.call("GetProject", pb.GetProjectRequest(id=lift.id), **STAFF)
        assert (got.progress_percent, got.milestones[0].spent_fen) == (str(expected), 123_456_789)

        # The department answers a reminder letter: the chain stops, the board no longer waits on it.
        first = world.s.call("ListLetters", pb.ListLettersRequest(project_id=lift.id), **STAFF).letters[-1]
        drv.get(f"{world.url}/desk/supervision/letters/{first.id}")
        assert first.number in drv.find_element(By.ID, "letter-number").text
        drv.find_element(By.ID, "answer-text").send_keys("已完成全部12个小区的选址和设计。")
        check_page(phone, shots, "9b-letter")
        press(phone, "#do-answer")
        assert drv.find_element(By.ID, "done").text == "回复已提交，不再就这一事项发出督办函。"
        assert drv.find_element(By.ID, "letter-state").text.startswith("已于")
        assert drv.find_element(By.ID, "letter-answer").text == "已完成全部12个小区的选址和设计。"
        assert not drv.find_elements(By.ID, "answer-form")
        drv.get(f"{world.url}/desk/supervision")
        assert first.number not in drv.find_element(By.ID, "letters").text
        assert drv.find_element(By.ID, "letters-answered").text == "已回复 1 份。"
        assert world.s.call("GetLetter", pb.GetLetterRequest(id=first.id), **STAFF).answered_on == TODAY.isoformat()

        # Another department's project: the same Chinese 404 as one that does not exist.
        drv.get(f"{world.url}/desk/supervision/projects/{water.id}")
        assert drv.find_element(By.TAG_NAME, "h1").text == "没有找到"
        assert "没有找到这个项目：它不存在，或不由您的单位承办。" in drv.find_element(By.TAG_NAME, "main").text
        check_page(phone, shots, "10-other-department")
        with session_client(phone, world.url) as c:
            assert c.get(f"/desk/supervision/projects/{water.id}").status_code == 404
            # Inspections are not a department's: refused in words.
            refused = c.get("/desk/supervision/inspections")
            assert refused.status_code == 403 and "您的账号无权查看这个页面。" in refused.text
    finally:
        phone.close()


def test_a_deputy_follows_a_suggestion_and_a_meeting_request_on_a_phone(world, projects, shots):
    mine = world.deputy("阿依古丽", "13988000001", "sv.deputy", "deputy-Passw0rd-sv")
    other = world.deputy("王建国", "13988000002", "sv.cosigner", "cosign-Passw0rd-sv")
    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, world.url, "sv.deputy", "deputy-Passw0rd-sv")
        # The projects of the deputy's county are public to them; letters are the office's.
        assert "老旧小区加装电梯" in drv.find_element(By.ID, "projects").text
        assert not drv.find_elements(By.ID, "h-letters")
        drv.get(f"{world.url}/desk/me/items")
        follow(phone, drv.find_element(By.ID, "new-item"))
        drv.find_element(By.ID, "item-title").send_keys("关于农村学校冬季供暖的建议")
        Select(drv.find_element(By.ID, "item-category")).select_by_visible_text("教育")
        drv.find_element(By.ID, "item-content").send_keys("多所农村学校供暖设施老化，<b>冬季教室温度不足</b>。")
        drv.find_element(By.CSS_SELECTOR, f"input[name='co-{other.id}']").click()
        check_page(phone, shots, "11-item-new")
        press(phone, "#submit-item")
        assert drv.find_element(By.ID, "item-status").text == "已提交，联名中"
        assert drv.find_element(By.ID, "item-co-signers").text == "王建国：待确认"
        assert drv.find_element(By.ID, "item-content").text == "多所农村学校供暖设施老化，<b>冬季教室温度不足</b>。"
        item_id = drv.current_url.split("/desk/me/items/")[1].split("?")[0]
        check_page(phone, shots, "12-item-submitted")

        # The invited colleague signs through the portal (a plain form post, as without JavaScript).
        with client(world.url) as b:
            form = b.get("/signin")
            b.post("/signin", data={"username": "sv.cosigner", "password": "cosign-Passw0rd-sv",
                                    "csrf_token": hidden(form.text, "csrf_token")})
            listed = b.get("/desk/me/items")
            assert 'id="to-sign"' in listed.text and "关于农村学校冬季供暖的建议" in listed.text
            page = b.get(f"/desk/me/items/{item_id}")
            signed = b.post(f"/desk/me/items/{item_id}/sign", data={"csrf_token": hidden(page.text, "csrf_token")})
            assert signed.status_code == 303
            again = b.post(f"/desk/me/items/{item_id}/sign", data={"csrf_token": hidden(page.text, "csrf_token")})
            assert again.status_code == 409 and "您已经联名了" in again.text

        # The office registers and assigns it, the education bureau records the four in place, the
        # three meetings and its reply: their pages' forms, posted as a browser without JavaScript.
        world.account("sv.office", ipb.ACCOUNT_ROLE_STAFF, name="赵科员", password="office-Passw0rd-sv")
        world.account("sv.education", ipb.ACCOUNT_ROLE_DEPARTMENT, stands_for="dept-education", name="市教育局",
                      password="education-Passw0rd-sv")
        office, bureau = signed_in(world, "sv.office", "office-Passw0rd-sv"), \
            signed_in(world, "sv.education", "education-Passw0rd-sv")
        try:
            assert "关于农村学校冬季供暖的建议" in office.get("/desk/supervision/items").text
            step(office, item_id, "register", kind="suggestion")
            # A department is named with its responsible person; a missing one is refused in words.
            refused = step(office, item_id, "assign", status=400, **{"lead-name": "市教育局",
                                                                     "lead-department": "dept-education"})
            assert "请填写责任人姓名，最多 50 字。" in refused.text
            step(office, item_id, "assign", **{"lead-name": "市教育局", "lead-department": "dept-education",
                                               "lead-responsible_person": "周明"})
            day = TODAY.isoformat()
            # The reply before the four in place and the meetings is out of order, said in words.
            early = step(bureau, item_id, "reply", status=409, reply_class="a", text="答复")
            assert "请先落实四落实（方案、措施、目标、时限）" in early.text
            page = bureau.get(f"/desk/supervision/items/{item_id}")
            assert 'id="four-form"' in page.text and 'id="reply-form"' not in page.text
            drv.get(f"{world.url}/desk/me/items/{item_id}")
            assert drv.find_element(By.ID, "four-in-place").text == "承办单位尚未落实，落实后才开始办理。"
            step(bureau, item_id, "four", plan="分两年改造供暖设施", measures="财政专项资金支持",
                 target="全部农村学校达到供暖标准", time_limit=(TODAY + timedelta(days=300)).isoformat())
            # the meeting on the plan comes once the plan (one of the four in place) is set
            step(bureau, item_id, "meeting", stage="plan", held_on=day, form="in_person", notes="与代表当面沟通")
            for stage in ("handling", "reply"):
                step(bureau, item_id, "meeting", stage=stage, held_on=day, form="site_visit", notes="")
            step(bureau, item_id, "reply", reply_class="a", text="已安排专项资金，今冬完成12所学校改造。")
        finally:
            office.close()
            bureau.close()
        drv.get(f"{world.url}/desk/me/items/{item_id}")
        assert drv.find_element(By.ID, "item-status").text == "已答复，待评价"
        assert drv.find_element(By.ID, "item-signers").text.startswith("2 人签名")
        assert "王建国：已联名" == drv.find_element(By.ID, "item-co-signers").text
        assert "分两年改造供暖设施" in drv.find_element(By.ID, "four-in-place").text
        stages = [li.text for li in drv.find_elements(By.CSS_SELECTOR, "#meetings-1 li")]
        assert [x.split("：")[0] for x in stages] == ["方案见面", "办理中见面", "答复前见面"]
        assert "当面" in stages[0] and "实地察看" in stages[2]
        assert "A类（已解决或正在解决）" in drv.find_element(By.ID, "replies").text
        check_page(phone, shots, "13-item-replied")
        # Unsatisfied: handling reopens once, with the second round's meetings to come.
        drv.find_element(By.CSS_SELECTOR, "#rate-form input[value=unsatisfied]").click()
        drv.find_element(By.ID, "rate-comment").send_keys("只改造了城区附近的学校。")
        press(phone, "#do-rate")
        assert drv.find_element(By.ID, "done").text == "感谢您的评价。"
        assert drv.find_element(By.ID, "item-status").text == "办理中（第 2 轮办理）"
        assert all("尚未见面" in li.text for li in drv.find_elements(By.CSS_SELECTOR, "#meetings-2 li"))
        assert "代表评价：不满意" in drv.find_element(By.ID, "replies").text
        assert not drv.find_elements(By.ID, "rate-form")
        check_page(phone, shots, "14-item-reopened")

        # A meeting with a head of a state organ, asked for here and arranged by the office.
        drv.get(f"{world.url}/desk/me/meetings")
        drv.find_element(By.ID, "meeting-organ").send_keys("昌吉市人民政府")
        drv.find_element(By.ID, "meeting-subject").send_keys("农村饮水安全")
        drv.find_element(By.ID, "meeting-reason").send_keys("多个村反映自来水水压不足。")
        press(phone, "#do-request")
        assert drv.find_element(By.ID, "done").text == "约见已提出，人大常委会将安排时间并通知您。"
        [m] = world.s.call("ListOrganMeetings", pb.ListOrganMeetingsRequest(), role="staff", region=COUNTY_A).meetings
        assert (m.deputy_id, m.subject) == (mine.id, "农村饮水安全")
        office = signed_in(world, "sv.office", "office-Passw0rd-sv")
        try:
            listed = office.get("/desk/supervision/meetings")
            assert "农村饮水安全" in listed.text and "已提出，待安排" in listed.text
            arranged = office.post(f"/desk/supervision/meetings/{m.id}/arrange", data={
                "csrf_token": hidden(listed.text, "csrf_token"), "meeting_on": (TODAY + timedelta(days=3)).isoformat(),
                "organ": "昌吉市人民政府", "head_name": "刘明", "head_post": "副市长"})
            assert arranged.status_code == 303
            # Recorded as held before its day: refused in words.
            early = office.post(f"/desk/supervision/meetings/{m.id}/record", data={
                "csrf_token": hidden(listed.text, "csrf_token"), "outcome": "x", "follow_up": "y"})
            assert early.status_code == 409 and "约见日期还没到，不能记录约见情况" in early.text
        finally:
            office.close()
        drv.get(f"{world.url}/desk/me/meetings")
        row = drv.find_element(By.ID, f"meeting-{m.id}")
        assert row.find_element(By.CSS_SELECTOR, ".meeting-status").text == "已安排"
        assert "约见昌吉市人民政府副市长刘明" in row.text
        check_page(phone, shots, "15-meeting-arranged")
    finally:
        phone.close()
    # The office's pages of the same item and meeting, in a desktop browser.
    desk = Browser(width=1024)
    try:
        drv = desk.driver
        sign_in(desk, world.url, "sv.office", "office-Passw0rd-sv")
        drv.get(f"{world.url}/desk/supervision/items/{item_id}")
        assert drv.find_element(By.ID, "item-status").text == "办理中（第 2 轮办理）"
        assert drv.find_element(By.ID, "item-departments").text == "主办 市教育局（责任人 周明）"
        check_page(desk, shots, "16-office-item")
        drv.get(f"{world.url}/desk/supervision/meetings")
        assert "约见昌吉市人民政府副市长刘明" in drv.find_element(By.ID, f"meeting-{m.id}").text
        check_page(desk, shots, "17-office-meetings")
    finally:
        desk.close()


def section(html: str, marker: str) -> str:
    """The page's text from ``marker`` (an element's id="...") to the end of its section."""
    start = html.index(marker)
    return html[start:html.index("</section>", start)]


def test_a_user_reads_names_amounts_and_filters_as_typed(world, projects):
    """Without a browser (forms posted as without JavaScript): the board refuses a wrong
    region or year naming it; a project's page names its region and its history names
    departments and groups amounts; a spend typed "1,2,3" is refused, not read as 123 元, and
    one too large says so; a deputy's reopened item lists only the meetings its second round
    holds, its history names the co-signer, and a closed item shows no deadline in the list."""
    world.account("sv.reader", ipb.ACCOUNT_ROLE_STAFF, name="孙科员", password="reader-Passw0rd-sv")
    world.account("sv.housing2", ipb.ACCOUNT_ROLE_DEPARTMENT, stands_for="dept-housing", name="市住建局",
                  password="housing2-Passw0rd-sv")
    staff, housing = signed_in(world, "sv.reader", "reader-Passw0rd-sv"), \
        signed_in(world, "sv.housing2", "housing2-Passw0rd-sv")
    try:
        for query, said in (("region=abc", "地区代码“abc”有误"), ("region=110101&year=2026", "地区代码“110101”有误"),
                            ("year=20x6", "年度“20x6”有误")):
            got = staff.get(f"/desk/supervision?{query}")
            assert got.status_code == 400 and said in got.text and "页面不存在" not in got.text, query
        got = staff.get("/desk/supervision/letters?region=abc")
        assert got.status_code == 400 and "地区代码“abc”有误" in got.text

        board = staff.get("/desk/supervision").text
        assert "昌吉市 · 城建" in section(board, 'id="h-projects"') and f"{COUNTY_A} · " not in board
        # A township without projects has no progress to show: a dash, not 0.00%.
        children = section(board, 'id="programme-children"')
        assert "三工镇" in children and "—</td>" in children and "0.00%" not in children
        listed = staff.get("/desk/supervision/inspections").text
        listed = listed[listed.index('id="inspections"'):]
        listed = listed[:listed.index("</ul>")]
        assert " · 昌吉市" in listed and COUNTY_A not in listed
        p = world.project("城区路灯改造", "dept-housing", "市住建局", [("完成安装", 100, 100)])
        world.s.call("SetProjectPlan", pb.SetProjectPlanRequest(
            id=p.id, departments=p.departments, budget_fen=p.budget_fen, deadline=p.deadline,
            tasks=[pb.Task(title="摸底调查", department="dept-housing"), pb.Task(title="资金拨付", department="dept-finance")],
            milestones=[pb.MilestonePlan(id=m.id, title=m.title, due_date=m.due_date, weight=m.weight)
                        for m in p.milestones]), name="李科员", **STAFF)
        page = staff.get(f"/desk/supervision/projects/{p.id}")
        assert f"<dd>昌吉市 · {TODAY.year}</dd>" in page.text
        history = section(page.text, 'id="history"')
        assert "摸底调查（市住建局）；资金拨付（市财政局）" in history and "dept-" not in history
        assert "预算 8,600,000.00 元" in history

        # The department's spend: misplaced commas refused with the field's sentence, an
        # amount over a trillion yuan refused as too large; nothing written either time.
        m = p.milestones[0]
        form = housing.get(f"/desk/supervision/projects/{p.id}")
        for typed, said in (("1,2,3", "累计支出请填写以元为单位的金额，最多两位小数"),
                            ("99999999999999999", "累计支出金额过大")):
            got = housing.post(f"/desk/supervision/projects/{p.id}/report", data={
                "csrf_token": hidden(form.text, "csrf_token"), "milestone_id": m.id, "percent": "10",
                "spent_yuan": typed, "evidence": ""})
            assert got.status_code == 400 and said in got.text, typed
        assert world.s.call("GetProject", pb.GetProjectRequest(id=p.id), **STAFF).milestones[0].percent == 0
        got = housing.post(f"/desk/supervision/projects/{p.id}/report", data={
            "csrf_token": hidden(form.text, "csrf_token"), "milestone_id": m.id, "percent": "10",
            "spent_yuan": "１,２３４.５０", "evidence": ""})
        assert got.status_code == 303, got.text[-800:]
        assert world.s.call("GetProject", pb.GetProjectRequest(id=p.id), **STAFF).milestones[0].spent_fen == 123_450
    finally:
        staff.close()
        housing.close()

    # A deputy's suggestion handled twice over gRPC; the co-signer's token carries no name, so
    # the pages learn it from the roster.
    mine = world.deputy("古丽娜", "13988000011", "sv.deputy2", "deputy2-Passw0rd-sv")
    other = world.deputy("李向东", "13988000012", "sv.cosigner2", "cosign2-Passw0rd-sv")
    me = {"role": "deputy", "region": COUNTY_A, "subject": mine.id, "name": "古丽娜"}
    bureau = {"role": "department", "region": COUNTY_A, "subject": "dept-education"}
    x = world.s.call("SubmitItem", pb.SubmitItemRequest(title="关于增设社区卫生服务站的建议", content="社区居民就医不便。",
                                                        category="医疗", co_signer_ids=[other.id]), **me)
    world.s.call("CoSignItem", pb.CoSignItemRequest(id=x.id), role="deputy", region=COUNTY_A, subject=other.id)
    world.s.call("RegisterItem", pb.RegisterItemRequest(id=x.id, kind=pb.ITEM_KIND_SUGGESTION), **STAFF)
    world.s.call("AssignItem", pb.AssignItemRequest(id=x.id, departments=[pb.ProjectDepartment(
        department="dept-education", name="市教育局", role=pb.DEPARTMENT_ROLE_LEAD, responsible_person="周明")]),
        **STAFF)
    world.s.call("RecordFourInPlace", pb.RecordFourInPlaceRequest(
        id=x.id, plan="方案", measures="措施", target="目标", time_limit=(TODAY + timedelta(days=60)).isoformat()),
        **bureau)

    def handle(stages) -> None:
        for stage in stages:
            world.s.call("RecordItemMeeting", pb.RecordItemMeetingRequest(
                id=x.id, stage=stage, held_on=TODAY.isoformat(), form=pb.MEETING_FORM_IN_PERSON), **bureau)
        world.s.call("ReplyItem", pb.ReplyItemRequest(id=x.id, reply_class=pb.REPLY_CLASS_B, text="列入计划。"), **bureau)

    handle((pb.MEETING_STAGE_PLAN, pb.MEETING_STAGE_HANDLING, pb.MEETING_STAGE_REPLY))
    world.s.call("RateItemReply", pb.RateItemReplyRequest(id=x.id, rating=pb.REPLY_RATING_UNSATISFIED), **me)
    deputy = signed_in(world, "sv.deputy2", "deputy2-Passw0rd-sv")
    office = signed_in(world, "sv.reader", "reader-Passw0rd-sv")
    try:
        for c, url in ((deputy, f"/desk/me/items/{x.id}"), (office, f"/desk/supervision/items/{x.id}")):
            page = c.get(url).text
            second = section(page, 'id="meetings-2"')
            # Supervision requires only the meeting before the reply in a reopened round: no
            # plan meeting (refused there) or meeting during handling shown as missing.
            assert "方案见面" not in second and "办理中见面" not in second, url
            assert "答复前见面</strong>：尚未见面" in second, url
            assert "方案见面" in section(page, 'id="meetings-1"')
            history = section(page, 'id="item-history"')
            assert "联名 2 人（李向东）" in history and other.id not in history, url
            assert "主办 市教育局（责任人 周明）" in history and "dept-" not in history, url
        handle((pb.MEETING_STAGE_HANDLING, pb.MEETING_STAGE_REPLY))
        world.s.call("RateItemReply", pb.RateItemReplyRequest(id=x.id, rating=pb.REPLY_RATING_SATISFIED), **me)
        listed = deputy.get("/desk/me/items").text
        row = listed[listed.index("关于增设社区卫生服务站的建议"):]
        row = row[:row.index("</li>")]
        assert "已办结" in row and "前办结" not in row
        # An inspection the office scheduled: the deputy reads it without the forms supervision
        # would refuse them (a deputy records only what they scheduled); their own has the form.
        theirs = world.s.call("ScheduleInspection", pb.ScheduleInspectionRequest(
            region_code=COUNTY_A, title="办公室安排的调研", scheduled_on=TODAY.isoformat(),
            participants=[pb.Participant(deputy_id=mine.id, name=mine.name)]), **STAFF)
        own = world.s.call("ScheduleInspection", pb.ScheduleInspectionRequest(
            region_code=COUNTY_A, title="代表自行安排的调研", scheduled_on=TODAY.isoformat(),
            participants=[pb.Participant(deputy_id=mine.id, name=mine.name)]), **me)
        page = deputy.get(f"/desk/supervision/inspections/{theirs.id}")
        assert page.status_code == 200 and "办公室安排的调研" in page.text and 'id="record-form"' not in page.text
        assert 'id="record-form"' in deputy.get(f"/desk/supervision/inspections/{own.id}").text
        assert 'id="record-form"' in office.get(f"/desk/supervision/inspections/{theirs.id}").text
    finally:
        deputy.close()
        office.close()


def test_the_board_names_the_year_of_an_earlier_years_project_beside_its_letter(world, projects):
    """The board lists the tier's letters awaiting a reply whatever year their project is of: a
    letter about last year's project says so (the project's year and title, as supervision
    names it) and links to the project, beside this year's letters saying theirs."""
    lift = projects[0]
    last_year = TODAY.year - 1
    old = world.s.call("CreateProject", pb.CreateProjectRequest(
        region_code=COUNTY_A, year=last_year, title="城区排水管网改造", category="城建", budget_fen=120_000_000,
        deadline=(TODAY + timedelta(days=60)).isoformat(),
        departments=[pb.ProjectDepartment(department="dept-water", name="市水务局", role=pb.DEPARTMENT_ROLE_LEAD,
                                          responsible_person="马建国")],
        milestones=[pb.MilestonePlan(title="完成管网铺设", due_date=(TODAY - timedelta(days=10)).isoformat(),
                                     weight=100)]), name="李科员", **STAFF)
    assert Letters(world.s.runtime).sweep() >= 1
    [letter] = world.s.call("ListLetters", pb.ListLettersRequest(project_id=old.id), **STAFF).letters
    now_letter = world.s.call("ListLetters", pb.ListLettersRequest(project_id=lift.id), **STAFF).letters[0]
    world.account("sv.board", ipb.ACCOUNT_ROLE_STAFF, name="周科员", password="board-Passw0rd-sv")
    staff = signed_in(world, "sv.board", "board-Passw0rd-sv")
    try:
        page = staff.get("/desk/supervision").text     # this year's board

        def row(letter_id: str) -> str:
            start = page.index(f'id="letter-{letter_id}"')
            return page[start:page.index("</li>", start)]

        mine = row(letter.id)
        assert f'<a href="/desk/supervision/projects/{old.id}" class="letter-subject">' \
               f'{last_year}年民生实事项目“城区排水管网改造”</a>' in mine, mine
        assert f"{TODAY.year}年民生实事项目“老旧小区加装电梯”" in row(now_letter.id)
        assert f"{last_year}年" not in row(now_letter.id)
    finally:
        staff.close()


def test_staff_open_a_project_directly_and_others_may_not(world, projects, shots):
    """A project the office supervises without having balloted it, opened from the board's
    link: the lead and a co-department picked from the county's departments (a department's
    account, the departments its projects name), a milestone; a budget that is no amount is
    refused beside its field in Chinese and writes nothing; the hostile title is shown as
    text; the form sent again opens no second project; the new project is on the board. A
    deputy and a department get 403."""
    world.account("sv.opener", ipb.ACCOUNT_ROLE_STAFF, name="钱科员", password="opener-Passw0rd-sv")
    world.account("sv.transport", ipb.ACCOUNT_ROLE_DEPARTMENT, stands_for="dept-transport", name="市交通运输局",
                  password="transport-Passw0rd-sv")
    title = "<script>alert(1)</script>城区公交站台改造"

    def projects_now() -> list[pb.Project]:
        return list(world.s.call("ListProjects", pb.ListProjectsRequest(region_code=COUNTY_A), **STAFF).projects)
    before = len(projects_now())
    staff = Browser(width=1024)
    try:
        drv = staff.driver
        sign_in(staff, world.url, "sv.opener", "opener-Passw0rd-sv")
        follow(staff, drv.find_element(By.ID, "new-project"))
        assert drv.find_element(By.ID, "pick-region").get_attribute("value") == COUNTY_A
        lead = Select(drv.find_element(By.ID, "dept-0-department"))
        offered = [o.text for o in lead.options]
        assert {"市交通运输局", "市住建局", "市财政局", "市水务局"} <= set(offered), offered
        check_page(staff, shots, "9-new-project")
        request_id = drv.find_element(By.NAME, "request_id").get_attribute("value")
        fields = {"title": title, "category": "交通", "budget_yuan": "1,2,3",
                  "dept-0-responsible_person": "赵强", "dept-1-responsible_person": "李红",
                  "ms-0-title": "完成站台改造", "ms-0-weight": "100"}
        for name, value in fields.items():
            drv.find_element(By.ID, name).send_keys(value)
        lead.select_by_visible_text("市交通运输局")
        Select(drv.find_element(By.ID, "dept-1-department")).select_by_visible_text("市财政局")
        type_day(drv, "deadline", TODAY + timedelta(days=120))
        type_day(drv, "ms-0-due_date", TODAY + timedelta(days=60))
        press(staff, "#create-project")
        # Refused beside the budget, the rest kept as typed; nothing written.
        assert drv.find_element(By.ID, "err-budget_yuan").text == "预算请填写以元为单位的金额，最多两位小数。"
        assert drv.find_element(By.ID, "budget_yuan").get_attribute("aria-invalid") == "true"
        assert drv.find_element(By.ID, "title").get_attribute("value") == title
        assert Select(drv.find_element(By.ID, "dept-1-department")).first_selected_option.text == "市财政局"
        assert len(projects_now()) == before
        check_page(staff, shots, "10-new-project-refused")
        budget = drv.find_element(By.ID, "budget_yuan")
        budget.clear()
        budget.send_keys("3,600,000.50")
        press(staff, "#create-project")
        assert "/desk/supervision/projects/" in drv.current_url and drv.current_url.endswith("?done=created")
        assert drv.find_element(By.ID, "done").text == "项目已立项。"
        assert drv.find_element(By.ID, "project-title").text == title      # text, not markup
        assert "&lt;script&gt;" in drv.page_source
        assert drv.find_element(By.ID, "project-budget").text == "3,600,000.50 元"
        assert [r.text for r in drv.find_elements(By.CSS_SELECTOR, "#departments tbody tr")] == [
            "主办 市交通运输局 赵强", "协办 市财政局 李红"]
        assert "完成站台改造" in drv.find_element(By.ID, "milestones").text
        made = [p for p in projects_now() if p.title == title]
        assert len(made) == 1 and len(projects_now()) == before + 1
        p = made[0]
        assert (p.origin, p.year, p.budget_fen, p.deadline, [(d.department, d.role) for d in p.departments]) == (
            pb.PROJECT_ORIGIN_DIRECT, TODAY.year, 360_000_050, (TODAY + timedelta(days=120)).isoformat(),
            [("dept-transport", pb.DEPARTMENT_ROLE_LEAD), ("dept-finance", pb.DEPARTMENT_ROLE_CO)])
        assert [(m.title, m.weight) for m in p.milestones] == [("完成站台改造", 100)]
        # The same form sent again (a double click, a retry): the same project, no second one.
        with session_client(staff, world.url) as c:
            form = c.get("/desk/supervision/projects/new")
            again = c.post("/desk/supervision/projects/new", data={
                **fields, "budget_yuan": "3,600,000.50", "request_id": request_id, "region_code": COUNTY_A,
                "year": str(TODAY.year),
                "dept-0-department": "dept-transport", "dept-1-department": "dept-finance",
                "deadline": (TODAY + timedelta(days=120)).isoformat(),
                "ms-0-due_date": (TODAY + timedelta(days=60)).isoformat(),
                "csrf_token": hidden(form.text, "csrf_token")})
        assert again.status_code == 303, again.text[-800:]
        assert again.headers["location"].startswith(f"/desk/supervision/projects/{p.id}?")
        assert len(projects_now()) == before + 1
        # The form's key sent again with another title (changed after going back): refused,
        # and the form comes back with a new key, so sending it again would open that project.
        with session_client(staff, world.url) as c:
            form = c.get("/desk/supervision/projects/new")
            changed = c.post("/desk/supervision/projects/new", data={
                "title": "城区公交站台改造（二期）", "category": "交通", "year": str(TODAY.year),
                "budget_yuan": "100", "deadline": (TODAY + timedelta(days=90)).isoformat(), "region_code": COUNTY_A,
                "request_id": request_id, "csrf_token": hidden(form.text, "csrf_token"),
                "dept-0-department": "dept-transport", "dept-0-responsible_person": "赵强"})
        assert changed.status_code == 400 and "这份表单已经立过一个项目" in changed.text
        assert hidden(changed.text, "request_id") not in ("", request_id)
        assert 'value="城区公交站台改造（二期）"' in changed.text
        assert len(projects_now()) == before + 1
        # Supervision's refusal beside the row it concerns (the third milestone row, the
        # request's first milestone): the weight out of range, in Chinese; nothing written.
        with session_client(staff, world.url) as c:
            form = c.get("/desk/supervision/projects/new")
            refused = c.post("/desk/supervision/projects/new", data={
                "title": "城区公厕改造", "category": "城建", "year": str(TODAY.year), "budget_yuan": "100",
                "deadline": (TODAY + timedelta(days=90)).isoformat(), "region_code": COUNTY_A,
                "request_id": hidden(form.text, "request_id"), "csrf_token": hidden(form.text, "csrf_token"),
                "dept-0-department": "dept-transport", "dept-0-responsible_person": "赵强",
                "ms-2-title": "完成改造", "ms-2-due_date": (TODAY + timedelta(days=30)).isoformat(),
                "ms-2-weight": "2000"})
        assert refused.status_code == 400
        assert '<p class="field-error" id="err-ms-2-weight">权重请填写 1 到 1000 之间的整数。</p>' in refused.text
        assert 'id="ms-2-weight" name="ms-2-weight" aria-invalid="true"' in refused.text
        assert len(projects_now()) == before + 1
        # Two milestones of one title, and a deadline before the project's year: each said as
        # what it is (both were filled in), beside its input; nothing written.
        for extra, where, said in (
                ({"ms-0-title": "完成改造", "ms-0-due_date": (TODAY + timedelta(days=20)).isoformat(),
                  "ms-0-weight": "1", "ms-1-title": "完成改造",
                  "ms-1-due_date": (TODAY + timedelta(days=30)).isoformat(), "ms-1-weight": "1"},
                 "ms-1-title", "节点名称不能重复，每个节点请用不同的名称。"),
                ({"year": str(TODAY.year + 1), "deadline": TODAY.isoformat()},
                 "deadline", "完成时限不能早于项目年度的 1 月 1 日。")):
            with session_client(staff, world.url) as c:
                form = c.get("/desk/supervision/projects/new")
                refused = c.post("/desk/supervision/projects/new", data={
                    "title": "城区公厕改造", "category": "城建", "year": str(TODAY.year), "budget_yuan": "100",
                    "deadline": (TODAY + timedelta(days=90)).isoformat(), "region_code": COUNTY_A,
                    "request_id": hidden(form.text, "request_id"), "csrf_token": hidden(form.text, "csrf_token"),
                    "dept-0-department": "dept-transport", "dept-0-responsible_person": "赵强", **extra})
            assert refused.status_code == 400
            assert f'<p class="field-error" id="err-{where}">{said}</p>' in refused.text, refused.text[-1500:]
        assert len(projects_now()) == before + 1
        # A region above the clerk's (the prefecture): 403 "not in your jurisdiction" on the
        # board, the inspections and the new-project form, as on the other pages.
        with session_client(staff, world.url) as c:
            for url in (f"/desk/supervision?region={PREFECTURE}", f"/desk/supervision/inspections?region={PREFECTURE}",
                        f"/desk/supervision/projects/new?region={PREFECTURE}"):
                got = c.get(url)
                assert got.status_code == 403 and "所选地区不在您的管辖范围内" in got.text, url
        # On the board.
        drv.get(f"{world.url}/desk/supervision")
        assert title in drv.find_element(By.ID, "projects").text
    finally:
        staff.close()
    # Only staff open projects: a deputy and a department are refused the page and the post.
    world.deputy("周代表", "13988000021", "sv.deputy3", "deputy3-Passw0rd-sv")
    for username, password in (("sv.deputy3", "deputy3-Passw0rd-sv"), ("sv.transport", "transport-Passw0rd-sv")):
        c = signed_in(world, username, password)
        try:
            assert c.get("/desk/supervision/projects/new").status_code == 403
            assert c.post("/desk/supervision/projects/new", data={"title": "x", "region_code": COUNTY_A}).status_code == 403
            assert "new-project" not in c.get("/desk/supervision").text
        finally:
            c.close()
    assert len(projects_now()) == before + 1
