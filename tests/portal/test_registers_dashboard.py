"""The registers and the dashboard over HTTP, against the real roster, liaison and identity
services and the portal process: a venue's registers as liaison exports them (the page's
table is the file's rows, the download is that file under a Chinese name), and the figures
of a region's subtree (each chart's table is the XLSX download's rows; a county's staff see
their county only, the prefecture's its counties)."""
from __future__ import annotations

import io
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import grpc
import openpyxl
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from kit.browser import Browser, output_dir, wait_replaced
from kit.portal import client, opinion_form, sign_in, tracking_code
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A
from lianxin.common.v1 import common_pb2
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.liaison.v1 import liaison_pb2 as lpb
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text

from shared import sheets

STAFF, AUDITOR, DEPARTMENT = ipb.ACCOUNT_ROLE_STAFF, ipb.ACCOUNT_ROLE_AUDITOR, ipb.ACCOUNT_ROLE_DEPARTMENT
COMMITTEE = ipb.ACCOUNT_ROLE_COMMITTEE
K = lpb.ActivityKind
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
HOSTILE = '=HYPERLINK("http://evil.example","点我")<script>alert(1)</script>'


class Tables(HTMLParser):
    """Every <table id=...> of a page: its rows, each a list of cell texts (th and td)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id"):
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def xlsx_rows(content: bytes) -> list[list[str]]:
    """The first sheet's rows, each cell as text ('' for an empty cell: the writer leaves
    empty cells out, so a row is padded to the headings' width)."""
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        rows = [["" if v is None else str(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()
    width = len(rows[0]) if rows else 0
    return [r + [""] * (width - len(r)) for r in rows]



def wait_for(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.fixture(scope="module")
def venue(platform):
    """A county venue with a deputy, like the demo's: a citizen's opinion raised through the
    deputy's card, accepted and transferred to a department; two receptions (one naming the
    opinion, one with a hostile note), a meeting and a visit recorded by the county's staff."""
    deputy = platform.deputy(name="阿依古丽·示例")
    liaison = platform.liaison
    with liaison.engine.connect() as c:
        venue_id = c.execute(text("SELECT venue_id FROM directory_venue_members WHERE deputy_id = :d"),
                             {"d": deputy.id}).scalar_one_or_none()
    if venue_id is None:
        def member() -> bool:
            with liaison.engine.connect() as c:
                return c.execute(text("SELECT 1 FROM directory_venue_members WHERE deputy_id = :d"),
                                 {"d": deputy.id}).first() is not None
        wait_for(member, "the venue never reached liaison's directory")
        with liaison.engine.connect() as c:
            venue_id = c.execute(text("SELECT venue_id FROM directory_venue_members WHERE deputy_id = :d"),
                                 {"d": deputy.id}).scalar_one()
    with client(platform.url) as citizen:
        card = citizen.get(f"/card/{deputy.card_code}")
        code = tracking_code(citizen.post(f"/card/{deputy.card_code}", data=opinion_form(
            card.text, category="道路交通", text="村口路灯坏了一个月，晚上看不见路。")).text)
    case = platform.case(code)
    staff = {"role": "staff", "region": COUNTY_A}
    liaison.call("AcceptOpinion", lpb.AcceptOpinionRequest(id=case.id), **staff)
    liaison.call("TransferOpinion", lpb.TransferOpinionRequest(
        id=case.id, department="dept-roads-r", department_name="市交通运输局",
        deadline=Timestamp(seconds=int(time.time()) + 20 * 86400)), **staff)

    def record(kind: int, day: str, title: str, people: int, **extra) -> None:
        liaison.call("RecordActivity", lpb.RecordActivityRequest(activity=lpb.Activity(
            venue_id=venue_id, kind=kind, date=day, title=title, deputy_ids=[deputy.id], people_reached=people,
            **extra)), **staff)

    record(K.ACTIVITY_KIND_RECEPTION, "2026-03-05", "三月接待日", 12, opinion_ids=[case.id])
    record(K.ACTIVITY_KIND_RECEPTION, "2026-04-07", "四月接待", 3, notes=HOSTILE)
    record(K.ACTIVITY_KIND_MEETING, "2026-04-20", "代表小组会议", 9)
    record(K.ACTIVITY_KIND_VISIT, "2026-05-02", "走访选民户", 4)
    return venue_id


@pytest.fixture(scope="module")
def county_clerk(platform):
    return "clerk.rg", platform.account("clerk.rg", STAFF, COUNTY_A, name="孙科员", password="clerk-Passw0rd-rg")


def export(platform, venue_id: str, register: int, fmt: int = common_pb2.FILE_FORMAT_XLSX, **period):
    return platform.liaison.call("ExportRegister", lpb.ExportRegisterRequest(
        venue_id=venue_id, register=register, date_from=period.get("from", ""), date_to=period.get("to", ""),
        format=fmt), role="staff", region=COUNTY_A)


@pytest.mark.parametrize("register", [lpb.REGISTER_RECEPTIONS, lpb.REGISTER_ACTIVITIES, lpb.REGISTER_TRANSFERS,
                                      lpb.REGISTER_MEETINGS, lpb.REGISTER_ROSTER])
def test_the_register_table_is_what_export_register_returns_and_the_download_is_its_file(
        platform, venue, county_clerk, register):
    expected = xlsx_rows(export(platform, venue, register, **YEAR).content)
    assert len(expected) >= 2, expected          # headings and at least one entry
    query = {"venue": venue, "register": str(register)} | YEAR
    with client(platform.url) as c:
        sign_in(c, *county_clerk)
        page = c.get("/desk/registers", params=query)
        assert page.status_code == 200, page.text[-1500:]
        # the page shows each cell as the register holds it: without the quote guarding a
        # formula-like cell in the file (shared.sheets)
        assert Tables(page.text).tables["register-table"] == [[sheets.unquote(v) for v in r] for r in expected]
        assert f"共 {len(expected) - 1} 条" in page.text
        got = c.get("/desk/registers.xlsx", params=query)
        assert got.status_code == 200, got.text[-1500:]
        assert got.headers["content-type"] == XLSX
        disposition = got.headers["content-disposition"]
        title = {lpb.REGISTER_RECEPTIONS: "接待选民登记", lpb.REGISTER_ACTIVITIES: "活动记录",
                 lpb.REGISTER_TRANSFERS: "转办登记簿", lpb.REGISTER_MEETINGS: "会议记录",
                 lpb.REGISTER_ROSTER: "代表名册"}[register]
        assert disposition.startswith('attachment; filename="') and disposition.isascii()
        assert "filename*=UTF-8''" + quote(title, safe="") in disposition
        assert xlsx_rows(got.content) == expected


def test_a_citizens_hostile_note_is_text_in_the_page_and_guarded_in_the_file(platform, venue, county_clerk):
    query = {"venue": venue, "register": str(lpb.REGISTER_RECEPTIONS)} | YEAR
    with client(platform.url) as c:
        sign_in(c, *county_clerk)
        page = c.get("/desk/registers", params=query)
        assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
        [row] = [r for r in Tables(page.text).tables["register-table"] if r[-1].endswith("</script>")]
        assert row[-1] == HOSTILE
        wb = openpyxl.load_workbook(io.BytesIO(c.get("/desk/registers.xlsx", params=query).content))
        cells = [cell for r in wb.worksheets[0].iter_rows() for cell in r if "HYPERLINK" in str(cell.value)]
        assert [(cell.data_type, cell.value) for cell in cells] == [("s", "'" + HOSTILE)]


def test_the_period_is_china_days_and_a_wrong_one_is_explained(platform, venue, county_clerk):
    with client(platform.url) as c:
        sign_in(c, *county_clerk)
        april = c.get("/desk/registers", params={"venue": venue, "register": str(lpb.REGISTER_RECEPTIONS),
                                                 "from": "2026-04-01", "to": "2026-04-30"})
        rows = Tables(april.text).tables["register-table"]
        assert [r[1] for r in rows[1:]] == ["2026-04-07"]
        backwards = c.get("/desk/registers", params={"venue": venue, "register": str(lpb.REGISTER_RECEPTIONS),
                                                     "from": "2026-05-01", "to": "2026-04-01"})
        assert backwards.status_code == 400 and "结束日期不能早于开始日期" in backwards.text
        assert 'id="register-table"' not in backwards.text


def test_another_countys_auditor_cannot_read_the_venues_registers(platform, venue):
    password = platform.account("audit.rg", AUDITOR, COUNTY_B, name="周审计", password="audit-Passw0rd-rg")
    query = {"venue": venue, "register": str(lpb.REGISTER_RECEPTIONS)} | YEAR
    with client(platform.url) as c:
        sign_in(c, "audit.rg", password)
        form = c.get("/desk/registers")
        assert form.status_code == 200 and venue not in form.text     # not offered
        page = c.get("/desk/registers", params=query)
        assert page.status_code == 404 and "没有找到这个联络站点" in page.text and 'id="register-table"' not in page.text
        assert c.get("/desk/registers.xlsx", params=query).status_code == 404


def test_a_department_has_no_registers(platform, venue):
    password = platform.account("dept.rg", DEPARTMENT, COUNTY_A, stands_for="dept-rg", password="dept-Passw0rd-rg")
    with client(platform.url) as c:
        sign_in(c, "dept.rg", password)
        assert c.get("/desk/registers").status_code == 403
        assert c.get("/desk/registers.xlsx", params={"venue": venue, "register": "5"}).status_code == 403
    with client(platform.url) as stranger:
        r = stranger.get("/desk/registers.xlsx", params={"venue": venue, "register": "5"})
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    e = None
    try:
        platform.liaison.call("ExportRegister", lpb.ExportRegisterRequest(venue_id=venue, register=5),
                              role="department", region=COUNTY_A)
    except grpc.RpcError as err:
        e = err
    assert e is not None and e.code() == grpc.StatusCode.PERMISSION_DENIED


# ---- the dashboard -----------------------------------------------------------------------

def number(cell: str) -> float | None:
    """A figure as the page writes it (zh-CN: 1,234 or 4.5); "—" is no figure (None)."""
    return None if cell == "—" else float(cell.replace(",", ""))


def figures_of(table: list[list[str]]) -> list[tuple[str, list[float]]]:
    """A chart's table without its heading row: (label, figures) per row."""
    return [(r[0], [number(c) for c in r[1:]]) for r in table[1:]]


def xlsx_figures(content: bytes) -> list[tuple[str, list[float]]]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()
    width = len(rows[0])      # a row's empty cells at its end are not read back: padded
    rows = [tuple(r) + (None,) * (width - len(r)) for r in rows]
    for r in rows[1:]:
        assert all(v is None or isinstance(v, (int, float)) for v in r[1:]), r      # numbers (or empty), not text
    return [(str(r[0]), [None if v is None else float(v) for v in r[1:]]) for r in rows[1:]]


def statistics(platform, region: str, caller: str) -> lpb.Statistics:
    return platform.liaison.call("GetStatistics", lpb.GetStatisticsRequest(
        region_code=region, date_from=YEAR["from"], date_to=YEAR["to"]), role="staff", region=caller)


@pytest.fixture(scope="module")
def worked(platform, venue):
    """Cases worked at several tiers (besides the venue's): three raised in township A (two
    resolved, one escalated to the county), two in county B (one resolved), a visit in
    township A; then waits until the prefecture's roll-up has counted them all."""
    staff_a = {"role": "staff", "region": COUNTY_A}
    staff_p = {"role": "staff", "region": PREFECTURE}

    def raise_(about: str, text_: str, **who) -> str:
        return platform.liaison.call("RecordOpinion", lpb.RecordOpinionRequest(
            channel=lpb.CHANNEL_VISIT, region_code=about, category="社区治理", text=text_), **who).id

    def resolve(case_id: str, **who) -> None:
        platform.liaison.call("AcceptOpinion", lpb.AcceptOpinionRequest(id=case_id), **who)
        platform.liaison.call("AnswerOpinion", lpb.AnswerOpinionRequest(id=case_id, answer="已修好"), **who)
        platform.liaison.call("ConcludeOpinion", lpb.ConcludeOpinionRequest(id=case_id, resolved=True), **who)

    township = [raise_(TOWNSHIP_A, f"三工镇的问题{n}", **staff_a) for n in range(3)]
    resolve(township[0], **staff_a)
    resolve(township[1], **staff_a)
    platform.liaison.call("EscalateOpinion", lpb.EscalateOpinionRequest(id=township[2], reason="需要县里协调"),
                          **staff_a)
    county_b = [raise_(COUNTY_B, f"阜康市的问题{n}", **staff_p) for n in range(2)]
    resolve(county_b[0], **staff_p)
    platform.liaison.call("RecordActivity", lpb.RecordActivityRequest(activity=lpb.Activity(
        region_code=TOWNSHIP_A, kind=K.ACTIVITY_KIND_VISIT, date="2026-06-10", title="入户走访", people_reached=5)),
        **staff_a)

    def counted() -> bool:
        s = statistics(platform, PREFECTURE, PREFECTURE)
        return (s.opinions_raised, s.resolved, s.escalated, s.visits, s.receptions) == (6, 3, 1, 2, 2)
    wait_for(counted, "the roll-up never counted the cases and activities")


CHART_IDS = ("months", "regions", "resolve", "resolve-months", "escalations", "activities")


def expected_tables(s: lpb.Statistics) -> dict[str, list[tuple[str, list[float]]]]:
    """What each chart's table must hold, straight from GetStatistics."""
    def month(m: str) -> str:
        y, n = m.split("-")
        return f"{int(y)}年{int(n)}月"
    ms = [(month(m.month), m.figures) for m in s.months]
    out = {
        "months": [(label, [f.opinions_raised, f.answered, f.transferred, f.resolved, f.escalated])
                   for label, f in ms],
        "resolve": [(f"{b.min_days}–{b.max_days}天" if b.max_days else f"{b.min_days}天以上", [b.cases])
                    for b in s.resolve_days],
        # A month with nothing resolved has no median: "—" on the page, an empty cell in the file.
        "resolve-months": [(label, [round(f.median_days_to_resolve, 1) if f.resolved else None]) for label, f in ms],
        "escalations": [(label, [f.escalated]) for label, f in ms],
        "activities": [(label, [f.visits, f.receptions, f.people_reached]) for label, f in ms],
    }
    if s.regions:
        out["regions"] = [(r.region_name, [r.figures.opinions_raised, r.figures.resolved, r.figures.escalated,
                                           r.figures.visits, r.figures.receptions]) for r in s.regions]
    return {k: [(label, [None if v is None else float(v) for v in values]) for label, values in rows]
            for k, rows in out.items()}


def test_each_chart_table_holds_getstatistics_figures_and_its_xlsx_the_same(platform, worked, county_clerk):
    s = statistics(platform, "", COUNTY_A)
    expected = expected_tables(s)
    with client(platform.url) as c:
        sign_in(c, *county_clerk)
        page = c.get("/desk/dashboard", params=YEAR)
        assert page.status_code == 200, page.text[-1500:]
        assert "昌吉市联系群众工作统计" in page.text and "2026年1月1日至2026年12月31日" in page.text
        tables = Tables(page.text).tables
        assert set(expected) == set(CHART_IDS)
        for chart in CHART_IDS:
            got = figures_of(tables[f"table-{chart}"])
            assert got == expected[chart], chart
            xlsx = c.get(f"/desk/dashboard/{chart}.xlsx", params=YEAR)
            assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
            assert "filename*=UTF-8''" in xlsx.headers["content-disposition"]
            assert xlsx_figures(xlsx.content) == got, chart
        # the county's figures: its townships below it, its own venue's work, the escalation
        assert (s.opinions_raised, s.resolved, s.escalated) == (4, 2, 1)
        assert [label for label, _ in expected["regions"]] == ["宁边路街道", "三工镇", "榆树沟镇"]
        # The year has months with nothing resolved: their median is "—" (None above), not 0.0 days
        # (a month whose cases were resolved the day they came in has a true 0.0).
        months = dict(expected["resolve-months"])
        assert None in [v for (v,) in months.values()]
        assert all(row[1] == "—" for row in tables["table-resolve-months"][1:] if months[row[0]] == [None])
        assert dict(expected["regions"])["三工镇"] == [3, 2, 1, 1, 0]
        march = dict(expected["activities"])["2026年3月"]
        assert march == [0, 1, 12]                  # the venue's reception of 5 March, 12 people


def test_a_countys_staff_see_only_their_subtree(platform, worked, county_clerk):
    with client(platform.url) as c:
        sign_in(c, *county_clerk)
        for region in (PREFECTURE, COUNTY_B, "410825"):
            r = c.get("/desk/dashboard", params={"region": region} | YEAR)
            assert r.status_code == 404 and "没有找到这个地区的统计" in r.text, region
            assert c.get("/desk/dashboard/months.xlsx", params={"region": region} | YEAR).status_code == 404
        # a township below is theirs to open
        township = c.get("/desk/dashboard", params={"region": TOWNSHIP_A} | YEAR)
        assert township.status_code == 200 and "三工镇联系群众工作统计" in township.text
        assert 'id="table-regions"' not in township.text      # a township has no regions below it


def test_the_prefecture_sees_its_counties_and_opens_one(platform, worked):
    # a member of the prefecture's committee (the prefecture's own staff accounts are opened by
    # the region above, which this platform has not)
    password = platform.account("member.pf", COMMITTEE, PREFECTURE, name="州委员", password="member-Passw0rd-pf")
    with client(platform.url) as c:
        sign_in(c, "member.pf", password)
        page = c.get("/desk/dashboard", params=YEAR)
        assert page.status_code == 200 and "昌吉回族自治州联系群众工作统计" in page.text
        counties = dict(figures_of(Tables(page.text).tables["table-regions"]))
        assert list(counties) == ["昌吉市", "阜康市", "呼图壁县", "玛纳斯县", "奇台县", "吉木萨尔县", "木垒哈萨克自治县"]
        assert counties["昌吉市"] == [4, 2, 1, 2, 2] and counties["阜康市"] == [2, 1, 0, 0, 0]
        assert counties["呼图壁县"] == [0, 0, 0, 0, 0]
        link = f'/desk/dashboard?region={COUNTY_A}&amp;from=2026-01-01&amp;to=2026-12-31'
        assert f'<a href="{link}">昌吉市</a>' in page.text
        county = c.get(link.replace("&amp;", "&"))
        assert county.status_code == 200 and "昌吉市联系群众工作统计" in county.text
        assert "返回本级统计" in county.text


def test_auditors_read_the_dashboard_and_departments_do_not(platform, worked):
    auditor = platform.account("audit.db", AUDITOR, COUNTY_B, name="吴审计", password="audit-Passw0rd-db")
    dept = platform.account("dept.db", DEPARTMENT, COUNTY_A, stands_for="dept-db", password="dept-Passw0rd-db")
    with client(platform.url) as c:
        sign_in(c, "audit.db", auditor)
        landing = c.get("/desk")          # where sign-in leads: an auditor handles no case
        assert landing.status_code == 303 and landing.headers["location"] == "/desk/dashboard"
        page = c.get("/desk/dashboard", params=YEAR)
        assert page.status_code == 200 and "阜康市联系群众工作统计" in page.text
        months = dict(figures_of(Tables(page.text).tables["table-months"]))
        assert sum(v[0] for v in months.values()) == 2           # county B's two cases
    with client(platform.url) as c:
        sign_in(c, "dept.db", dept)
        assert c.get("/desk/dashboard").status_code == 403
        assert c.get("/desk/dashboard/months.xlsx").status_code == 403


def test_a_wrong_period_is_explained(platform, worked, county_clerk):
    with client(platform.url) as c:
        sign_in(c, *county_clerk)
        r = c.get("/desk/dashboard", params={"from": "2026-05-01", "to": "2026-04-01"})
        assert r.status_code == 400 and "结束日期不能早于开始日期" in r.text
        assert c.get("/desk/dashboard/nothing.xlsx", params=YEAR).status_code == 404


# ---- in a real browser ------------------------------------------------------------------

AXE = Path(__file__).resolve().parents[2] / "portal" / "static" / "vendor" / "axe.min.js"
# Recorded before any script of the page runs (DevTools injects it; the page's CSP does not apply).
CSP_WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
CHARTS_DRAWN = """
return Array.from(document.querySelectorAll('.chart[data-chart]')).map(el => {
  const chart = window.echarts && echarts.getInstanceByDom(el);
  const svg = el.querySelector('svg');
  return {id: el.id, instance: !!chart, shapes: svg ? svg.querySelectorAll('path, rect').length : 0,
          width: svg ? svg.getBoundingClientRect().width : 0,
          data: chart ? chart.getOption().series.map(s => s.data) : null};
});"""


def check_page(browser: Browser, folder: Path, name: str) -> None:
    """No serious or critical WCAG 2.1 A/AA violation (axe-core), no sideways scrolling of the
    page, and a screenshot."""
    d = browser.driver
    d.execute_script(AXE.read_text(encoding="utf-8"))
    found = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))))"
        ".catch(e => done([{id: 'axe failed: ' + e, impact: 'critical', nodes: 0}]));")
    assert [v for v in found if v["impact"] in ("serious", "critical")] == [], name
    assert d.execute_script("return document.documentElement.scrollWidth") <= browser.width, f"{name}: too wide"
    browser.screenshot(folder, name)


def browser_sign_in(browser: Browser, url: str, path: str, username: str, password: str) -> None:
    d = browser.driver
    d.get(url + path)
    assert "/signin?next=" in d.current_url
    d.find_element(By.ID, "username").send_keys(username)
    d.find_element(By.ID, "password").send_keys(password)
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_replaced(d, old)


def test_a_dashboard_renders_its_charts(platform, venue, worked, county_clerk):
    """Staff open the dashboard in Chromium: every chart is an ECharts instance that has drawn
    its SVG from the figures of the table beside it, nothing breaks the CSP, axe-core finds no
    violation; on a phone the page does not scroll sideways. Screenshots of both."""
    assert AXE.exists(), f"{AXE} is missing: run `make web-vendor` (make test does)"
    shots = output_dir("screenshots", "dashboard")
    print(f"\nscreenshots: {shots}")
    path = "/desk/dashboard?from=2026-01-01&to=2026-12-31"
    desk = Browser(width=1280, height=900)
    try:
        d = desk.driver
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_WATCH})
        browser_sign_in(desk, platform.url, path, *county_clerk)
        assert d.current_url.endswith(path)
        WebDriverWait(d, 30).until(lambda drv: all(c["instance"] and c["shapes"] > 3
                                                   for c in drv.execute_script(CHARTS_DRAWN)))
        drawn = d.execute_script(CHARTS_DRAWN)
        assert [c["id"] for c in drawn] == [f"chart-{c}" for c in CHART_IDS]
        assert all(c["width"] > 200 for c in drawn), drawn
        # each chart draws the figures of its table
        tables = Tables(d.page_source).tables
        for c in drawn:
            rows = figures_of(tables[c["id"].replace("chart-", "table-")])
            assert [[None if v is None else float(v) for v in series] for series in c["data"]] == \
                [[values[i] for _, values in rows] for i in range(len(rows[0][1]))], c["id"]
        assert d.execute_script("return window.__csp") == []
        check_page(desk, shots, "1-county-dashboard")
        # the township's own dashboard, through the link in the regions table
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.LINK_TEXT, "三工镇").click()
        wait_replaced(d, old)
        WebDriverWait(d, 30).until(lambda drv: all(c["instance"] for c in drv.execute_script(CHARTS_DRAWN)))
        assert "三工镇" in d.find_element(By.TAG_NAME, "h1").text
        check_page(desk, shots, "2-township-dashboard")
        # the registers, from the workspace's links: the venue's receptions of the year
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.LINK_TEXT, "台账登记簿").click()
        wait_replaced(d, old)
        Select(d.find_element(By.ID, "venue")).select_by_value(venue)
        Select(d.find_element(By.ID, "register")).select_by_visible_text("接待选民登记")
        for field, day in (("from", "2026-01-01"), ("to", "2026-12-31")):   # the date inputs' own format
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, field), day)
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_replaced(d, old)
        assert d.find_element(By.ID, "register-count").text.startswith("共 2 条")
        assert HOSTILE in d.find_element(By.ID, "register-table").text
        assert d.execute_script("return window.__csp") == []
        check_page(desk, shots, "5-receptions-register")
    finally:
        desk.close()
    phone = Browser(width=375)
    try:
        browser_sign_in(phone, platform.url, path, *county_clerk)
        WebDriverWait(phone.driver, 30).until(lambda drv: all(c["instance"] and c["shapes"] > 3
                                                              for c in drv.execute_script(CHARTS_DRAWN)))
        check_page(phone, shots, "3-county-dashboard-phone")
    finally:
        phone.close()


def test_without_javascript_the_dashboard_is_its_tables(platform, worked, county_clerk):
    plain = Browser(width=1024, javascript=False)
    try:
        d = plain.driver
        browser_sign_in(plain, platform.url, "/desk/dashboard?from=2026-01-01&to=2026-12-31", *county_clerk)
        assert d.find_element(By.ID, "table-months").is_displayed()
        assert "2026年3月" in d.find_element(By.ID, "table-months").text
        assert d.find_elements(By.CSS_SELECTOR, ".chart svg") == []
        plain.screenshot(output_dir("screenshots", "dashboard"), "4-county-dashboard-no-javascript")
    finally:
        plain.close()
