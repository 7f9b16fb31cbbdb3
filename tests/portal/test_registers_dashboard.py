"""The registers and the dashboard over HTTP, against the real roster, liaison and identity
services and the portal process: a venue's registers as liaison exports them (the page's
table is the file's rows, the download is that file under a Chinese name), and the figures
of a region's subtree (each chart's table is the XLSX download's rows; a county's staff see
their county only, the prefecture's its counties)."""
from __future__ import annotations

import io
import time
from html.parser import HTMLParser
from urllib.parse import quote

import grpc
import openpyxl
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from kit.portal import client, hidden, opinion_form, tracking_code
from kit.settings import COUNTY_A, COUNTY_B
from lianxin.common.v1 import common_pb2
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.liaison.v1 import liaison_pb2 as lpb
from sqlalchemy import text

from shared import sheets

STAFF, AUDITOR, DEPARTMENT = ipb.ACCOUNT_ROLE_STAFF, ipb.ACCOUNT_ROLE_AUDITOR, ipb.ACCOUNT_ROLE_DEPARTMENT
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


def sign_in(c, username: str, password: str) -> None:
    form = c.get("/signin")
    r = c.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"), "username": username,
                                "password": password, "next": "/desk/registers"})
    assert r.status_code == 303, r.text[-1500:]


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
