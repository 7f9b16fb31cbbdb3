"""The roster's workspace pages over HTTP against the real roster, liaison and identity
services: a county's staff search the roster (keyset pages), open a deputy, change their
status, card settings and venues, download the QR code, register and edit deputies, import a
sheet with bad rows (each row's problem in the page, nothing written for them; a check writes
nothing at all), export it, and keep venues and grouping. Another county's deputy or venue by
its address is a 404, forms without their CSRF token are refused, an oversized upload is
refused unread, and hostile text stays text."""
from __future__ import annotations

import html
import io
import re
import uuid

import pytest
from kit.portal import client, hidden
from kit.settings import COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_A2
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from openpyxl import load_workbook
from sqlalchemy import text

STAFF, DEPARTMENT, AUDITOR = ipb.ACCOUNT_ROLE_STAFF, ipb.ACCOUNT_ROLE_DEPARTMENT, ipb.ACCOUNT_ROLE_AUDITOR
HOSTILE = '<script>window.pwned=1</script><b>加粗</b> 😀 𠀀 "引号" & <img src=x onerror=alert(1)>'


def sign_in(platform, username: str, password: str):
    c = client(platform.url)
    form = c.get("/signin")
    r = c.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"), "username": username,
                                "password": password, "next": "/desk/roster"})
    assert r.status_code == 303 and r.headers["location"] == "/desk/roster", r.text[-1500:]
    return c


@pytest.fixture(scope="module")
def staff(platform):
    """A county's staff (昌吉市), signed in."""
    password = platform.account("roster.clerk", STAFF, COUNTY_A, name="名册科员", password="roster-Passw0rd-a")
    c = sign_in(platform, "roster.clerk", password)
    yield c
    c.close()


def register(platform, name: str, region: str = COUNTY_A, **fields) -> rpb.Deputy:
    return platform.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=region, name=name, seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")], **fields)))


def csrf(page: str) -> str:
    return hidden(page, "csrf_token")


def deputies_named(platform, name: str) -> int:
    with platform.roster.engine.connect() as c:
        return c.execute(text("SELECT count(*) FROM deputies WHERE name LIKE :n"), {"n": f"{name}%"}).scalar_one()


def test_search_pages_through_the_countys_deputies_and_leaves_out_another_countys(platform, staff):
    rows = "".join(f"{COUNTY_A},翻页代表{n:02d},县,1390100{n:04d}\r\n" for n in range(55))
    platform.roster.call("ImportRoster", rpb.ImportRosterRequest(
        region_code=COUNTY_A, format=2, content=("区划代码,姓名,代表层级,联系电话\r\n" + rows).encode()))
    register(platform, "翻页代表99", COUNTY_B)             # 阜康市: not this clerk's county
    first = staff.get("/desk/roster", params={"name": "翻页代表"})
    assert first.status_code == 200, first.text[-1500:]
    assert "共 55 名代表" in first.text
    names = re.findall(r'<a href="/desk/roster/deputies/[^"]+">(翻页代表\d+)</a>', first.text)
    assert len(names) == 50 and names == sorted(names)
    assert "<th scope=\"col\">姓名</th>" in first.text and "昌吉市" in first.text
    nxt = re.search(r'href="([^"]+)" id="next-page"', first.text)
    assert nxt
    second = staff.get(html.unescape(nxt.group(1)))
    more = re.findall(r'<a href="/desk/roster/deputies/[^"]+">(翻页代表\d+)</a>', second.text)
    assert len(more) == 5 and not set(more) & set(names) and "翻页代表99" not in more + names
    assert 'id="next-page"' not in second.text
    # Filters: a status nobody has, and a township below the county.
    assert "没有符合条件的代表" in staff.get("/desk/roster", params={"name": "翻页代表", "status": "2"}).text
    township = staff.get("/desk/roster", params={"name": "翻页代表", "region": TOWNSHIP_A})
    assert "共 0 名代表" in township.text
    # A region outside the clerk's county is not offered, and named by hand it is ignored:
    # the listing stays the clerk's county.
    assert f'<option value="{COUNTY_B}"' not in first.text and f'<option value="{TOWNSHIP_A}"' in first.text
    outside = staff.get("/desk/roster", params={"name": "翻页代表", "region": COUNTY_B})
    assert "共 55 名代表" in outside.text and "翻页代表99" not in outside.text


def test_an_xlsx_import_reports_its_bad_rows_too(platform, staff):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["区划代码", "姓名", "代表层级", "联系电话", "性别"])
    sheet.append([COUNTY_A, "表格甲", "县", "13922220001", "女"])
    sheet.append([COUNTY_A, "表格乙", "县", "13922220002", "未知"])          # row 3: no such gender
    sheet.append([COUNTY_A, "表格丙", "县", 994123456, "男"])              # row 4: a phone Excel made a number
    buf = io.BytesIO()
    book.save(buf)
    page = staff.get("/desk/roster/import")
    r = staff.post("/desk/roster/import", data={"csrf_token": csrf(page.text), "region": COUNTY_A, "check": "0"},
                   files={"file": ("名册.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200, r.text[-2000:]
    assert re.search(r'id="n-created">1<', r.text) and re.search(r'id="n-failed">2<', r.text)
    assert "<td>3</td><td>性别</td><td class=\"text\">无法识别的性别“未知”（请填写 男 或 女，或留空）。</td>" in r.text
    assert "<td>4</td><td>联系电话</td><td class=\"text\">Excel 把电话存成了数字（994123456），丢掉了开头的 0" in r.text
    assert deputies_named(platform, "表格") == 1


def test_the_venue_list_pages_through_the_countys_venues(platform, staff):
    for n in range(52):
        platform.roster.call("CreateVenue", rpb.CreateVenueRequest(venue=rpb.Venue(
            region_code=TOWNSHIP_A2, kind=rpb.VENUE_KIND_ACTIVITY_ROOM, name=f"翻页活动室{n:02d}")))
    first = staff.get("/desk/venues", params={"region": TOWNSHIP_A2, "kind": "4"})
    assert first.status_code == 200 and "共 52 个站点" in first.text
    names = re.findall(r'<a href="/desk/venues/[^"]+">(翻页活动室\d+)</a>', first.text)
    nxt = re.search(r'href="([^"]+)" id="next-page"', first.text)
    assert len(names) == 50 and nxt
    second = staff.get(html.unescape(nxt.group(1)))
    more = re.findall(r'<a href="/desk/venues/[^"]+">(翻页活动室\d+)</a>', second.text)
    assert sorted(names + more) == [f"翻页活动室{n:02d}" for n in range(52)]


def test_another_countys_deputy_and_venue_by_address_are_404_and_nothing_is_written(platform, staff):
    other = register(platform, "外县代表", COUNTY_B)
    venue = platform.roster.call("CreateVenue", rpb.CreateVenueRequest(venue=rpb.Venue(
        region_code=COUNTY_B, kind=rpb.VENUE_KIND_DEPUTY_HOME, name="外县代表之家")))
    for path in (f"/desk/roster/deputies/{other.id}", f"/desk/roster/deputies/{other.id}/edit",
                 f"/desk/roster/deputies/{other.id}/qr.png", f"/desk/venues/{venue.id}",
                 f"/desk/venues/{venue.id}/edit", f"/desk/roster/deputies/{uuid.uuid4()}",
                 "/desk/roster/deputies/not-an-id"):
        r = staff.get(path)
        assert r.status_code == 404 and "您访问的页面不存在" in r.text, path
        assert "外县" not in r.text
    token = hidden(staff.get("/desk/roster").text, "csrf_token")   # the session's form token
    r = staff.post(f"/desk/roster/deputies/{other.id}/status", data={"csrf_token": token, "status": "2",
                                                                    "reason": "辞职"})
    assert r.status_code == 404
    r = staff.post(f"/desk/roster/deputies/{other.id}/card", data={"csrf_token": token, "pledge": "改写"})
    assert r.status_code == 404
    stored = platform.roster.call("GetDeputy", rpb.GetDeputyRequest(id=other.id))
    assert stored.status == rpb.DEPUTY_STATUS_SERVING and stored.card.pledge == ""


def test_the_deputy_page_changes_status_card_and_venues_and_downloads_the_qr_code(platform, staff):
    d = register(platform, "王名片", work_unit="昌吉市人民医院", contact=rpb.Contact(phone="13912345678"))
    venue = platform.roster.call("CreateVenue", rpb.CreateVenueRequest(venue=rpb.Venue(
        region_code=COUNTY_A, kind=rpb.VENUE_KIND_LIAISON_STATION, name="名片测试联络站")))
    url = f"/desk/roster/deputies/{d.id}"
    page = staff.get(url)
    assert page.status_code == 200 and "王名片代表" in page.text and "13912345678" in page.text
    assert f'href="/card/{d.card_code}"' in page.text and f"/card/{d.card_code}" in page.text
    token = csrf(page.text)
    # Card settings: show the work unit, a pledge; the public card shows them.
    r = staff.post(f"{url}/card", data={"csrf_token": token, "show_work_unit": "1", "pledge": "为民办实事"})
    assert r.status_code == 303 and r.headers["location"] == f"{url}?done=card"
    assert "名片设置已保存" in staff.get(r.headers["location"]).text
    card = platform.roster.public("GetPublicCard", rpb.GetPublicCardRequest(card_code=d.card_code))
    assert (card.work_unit, card.pledge, card.phone) == ("昌吉市人民医院", "为民办实事", "")
    # Venues: assign, then remove.
    assert f'<option value="{venue.id}">' in page.text
    r = staff.post(f"{url}/venues", data={"csrf_token": token, "venue_id": venue.id})
    assert r.status_code == 303
    shown = staff.get(url).text
    assert 'id="deputy-venues"' in shown and "名片测试联络站" in shown
    again = staff.post(f"{url}/venues", data={"csrf_token": token, "venue_id": venue.id})
    assert again.status_code == 409 and "已在该站点" in again.text
    members = staff.get(f"/desk/venues/{venue.id}").text
    assert "王名片" in members
    r = staff.post(f"{url}/venues/remove", data={"csrf_token": token, "venue_id": venue.id, "back": "venue"})
    assert r.status_code == 303 and r.headers["location"] == f"/desk/venues/{venue.id}?done=removed"
    assert "王名片" not in staff.get(r.headers["location"]).text
    # QR code: PNG and SVG files named after the deputy and the card code.
    png = staff.get(f"{url}/qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    disposition = png.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"{d.card_code}.png" in disposition
    assert "filename*=UTF-8''%E7%8E%8B%E5%90%8D%E7%89%87-" in disposition     # 王名片-
    svg = staff.get(f"{url}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert f"/card/{d.card_code}".encode() in svg.content
    assert staff.get(f"{url}/qr.gif").status_code == 404
    # Status: leaving office needs a reason; with one it is recorded in the history.
    refused = staff.post(f"{url}/status", data={"csrf_token": token, "status": "2", "reason": ""})
    assert refused.status_code == 400 and "请填写理由" in refused.text
    r = staff.post(f"{url}/status", data={"csrf_token": token, "status": "2", "reason": "工作调动"})
    assert r.status_code == 303
    shown = staff.get(r.headers["location"]).text
    assert re.search(r'id="deputy-status">辞职<', shown) and "工作调动" in shown
    # A resigned deputy cannot become serving again, only by-elected: the service says no.
    r = staff.post(f"{url}/status", data={"csrf_token": token, "status": "1", "reason": ""})
    assert r.status_code == 409 and "当前状态不允许" in r.text


def test_registering_a_deputy_creates_once_and_a_bad_field_is_explained(platform, staff):
    form = staff.get("/desk/roster/new")
    assert form.status_code == 200
    fields = {"csrf_token": csrf(form.text), "request_id": hidden(form.text, "request_id"), "region": TOWNSHIP_A,
              "name": "新登记代表", "gender": "1", "ethnicity": "回族", "seat5": "1", "term5": "第十届",
              "district5": "第2选区", "phone": "13812345670", "specialties": "农业、法律"}
    bad = staff.post("/desk/roster/new", data=fields | {"seat5": "", "phone": "电话"})
    assert bad.status_code == 400 and "请至少勾选一个代表层级" in bad.text
    assert 'value="新登记代表"' in bad.text and deputies_named(platform, "新登记代表") == 0
    outside = staff.post("/desk/roster/new", data=fields | {"region": COUNTY_B})      # not offered; typed by hand
    assert outside.status_code == 403 and "所选地区不在您的管辖范围内" in outside.text
    assert deputies_named(platform, "新登记代表") == 0
    first = staff.post("/desk/roster/new", data=fields)
    again = staff.post("/desk/roster/new", data=fields)             # the same form sent twice
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert deputies_named(platform, "新登记代表") == 1
    page = staff.get(first.headers["location"]).text
    assert "代表已登记" in page and "三工镇" in page and "乡镇人大代表" in page and "农业、法律" in page
    # Edit particulars.
    deputy_path = first.headers["location"].split("?")[0]
    edit = staff.get(f"{deputy_path}/edit")
    assert edit.status_code == 200 and 'value="回族"' in edit.text and 'id="seat5" checked' in edit.text
    changed = {"csrf_token": csrf(edit.text), "name": "新登记代表", "gender": "1", "ethnicity": "回族",
               "seat5": "1", "term5": "第十届", "district5": "第2选区", "seat4": "1", "term4": "第十八届",
               "phone": "13812345670", "work_unit": "三工镇农技站", "specialties": "农业"}
    r = staff.post(f"{deputy_path}/edit", data=changed)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=updated")
    page = staff.get(r.headers["location"]).text
    assert "三工镇农技站" in page and "县（市、区）人大代表" in page
    bad = staff.post(f"{deputy_path}/edit", data=changed | {"email": "not-an-email"})
    assert bad.status_code == 400 and "电子邮箱格式不对" in bad.text


IMPORT_HEADER = "区划代码,姓名,代表层级,联系电话,工作单位\r\n"


def test_an_import_with_bad_rows_reports_each_rows_problem_and_writes_nothing_for_them(platform, staff):
    content = (IMPORT_HEADER +
               f"{COUNTY_A},导入甲,县,13911110001,一中\r\n"          # row 2: good
               f"{COUNTY_A},导入乙,县,电话号码,二中\r\n"              # row 3: bad phone
               f"{COUNTY_A},,县,13911110003,三中\r\n"                # row 4: no name
               f"{COUNTY_B},导入丁,县,13911110004,四中\r\n"          # row 5: another county
               f"{COUNTY_A},导入戊,市长,13911110005,五中\r\n").replace(
                   "工作单位\r\n", "工作单位,备注\r\n").encode()                   # row 6: no such level
    form = staff.get("/desk/roster/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    token = csrf(form.text)
    files = {"file": ("名册.csv", content, "text/csv")}
    checked = staff.post("/desk/roster/import", data={"csrf_token": token, "region": COUNTY_A, "check": "1"},
                         files=files)
    assert checked.status_code == 200, checked.text[-2000:]
    assert "这是检查结果，名册没有任何改动" in checked.text
    assert deputies_named(platform, "导入") == 0
    r = staff.post("/desk/roster/import", data={"csrf_token": token, "region": COUNTY_A, "check": "0"}, files=files)
    assert r.status_code == 200 and "导入结果" in r.text
    assert re.search(r'id="n-created">1<', r.text) and re.search(r'id="n-failed">4<', r.text)
    table = r.text[r.text.index('id="row-errors"'):]
    table = table[:table.index("</table>")]
    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td class=\"text\">([^<]*)</td></tr>", table)
    rows = {int(row): (column, problem) for row, column, problem in cells}
    assert set(rows) == {3, 4, 5, 6}
    # Each problem in the office's words (the service's English reasons, said in Chinese).
    assert rows[3] == ("联系电话", "只能包含数字、+、- 和空格。")
    assert rows[4] == ("姓名", "必须填写。")
    assert rows[5] == ("区划代码", f"地区 {COUNTY_B} 不在 {COUNTY_A} 的范围内。")
    assert rows[6] == ("代表层级", "无法识别的代表层级“市长”（请填写 全国、省、州、县、乡 或 议事代表）。")
    # A heading that is not a roster column is a warning: imported all the same, the office told.
    warnings = r.text[r.text.index('id="row-warnings"'):]
    assert "<td>1</td><td>备注</td><td class=\"text\">不是名册的列，这一列没有导入。</td>" in warnings
    assert deputies_named(platform, "导入") == 1         # only row 2
    assert deputies_named(platform, "导入乙") == deputies_named(platform, "导入丁") == 0
    # The same file again: the good row is unchanged, not registered twice.
    again = staff.post("/desk/roster/import", data={"csrf_token": token, "region": COUNTY_A, "check": "0"},
                       files=files)
    assert re.search(r'id="n-unchanged">1<', again.text) and deputies_named(platform, "导入甲") == 1


def test_an_import_that_is_not_a_roster_or_too_large_or_without_csrf_is_refused(platform, staff):
    token = hidden(staff.get("/desk/roster").text, "csrf_token")   # the session's form token
    before = platform.roster.count("deputies")
    wrong = staff.post("/desk/roster/import", data={"csrf_token": token, "check": "0"},
                       files={"file": ("名册.pdf", b"%PDF-1.4", "application/pdf")})
    assert wrong.status_code == 400 and "只能导入 .xlsx 或 .csv 文件" in wrong.text
    unreadable = staff.post("/desk/roster/import", data={"csrf_token": token, "check": "0"},
                            files={"file": ("名册.xlsx", b"not a zip", "application/octet-stream")})
    assert unreadable.status_code == 400 and "文件无法读取" in unreadable.text
    huge = staff.post("/desk/roster/import", data={"csrf_token": token, "check": "0"},
                      files={"file": ("名册.csv", IMPORT_HEADER.encode() + b"x" * (21 * 1024 * 1024), "text/csv")})
    assert huge.status_code == 413 and "名册文件不能超过 20 MB" in huge.text
    forged = staff.post("/desk/roster/import", data={"check": "0"},
                        files={"file": ("名册.csv", (IMPORT_HEADER + f"{COUNTY_A},无令牌,县,13911119999,一中\r\n").encode(),
                                        "text/csv")})
    assert forged.status_code == 403
    assert platform.roster.count("deputies") == before


def test_forms_without_their_csrf_token_are_refused_and_write_nothing(platform, staff):
    d = register(platform, "令牌代表")
    url = f"/desk/roster/deputies/{d.id}"
    for path, data in ((f"{url}/status", {"status": "2", "reason": "辞职"}), (f"{url}/card", {"pledge": "伪造"}),
                       ("/desk/roster/new", {"name": "伪造代表", "seat4": "1", "region": COUNTY_A}),
                       ("/desk/venues/new", {"name": "伪造站点", "kind": "1", "region": COUNTY_A}),
                       ("/desk/venues/group", {"region": COUNTY_A, "apply": "1"})):
        for token in (None, "A" * 32):
            r = staff.post(path, data=data | ({"csrf_token": token} if token else {}))
            assert r.status_code == 403 and "表单已过期" in r.text, path
    stored = platform.roster.call("GetDeputy", rpb.GetDeputyRequest(id=d.id))
    assert stored.status == rpb.DEPUTY_STATUS_SERVING and stored.card.pledge == ""
    assert deputies_named(platform, "伪造代表") == 0


def test_hostile_text_in_the_roster_renders_as_text(platform, staff):
    d = register(platform, "转义代表", work_unit=HOSTILE[:100], position="<i>职务</i>")
    platform.roster.call("UpdateCard", rpb.UpdateCardRequest(deputy_id=d.id, card=rpb.CardSettings(pledge=HOSTILE)))
    for path in (f"/desk/roster/deputies/{d.id}", "/desk/roster?name=转义代表", f"/desk/roster/deputies/{d.id}/edit"):
        page = staff.get(path).text
        assert "<script>window.pwned" not in page and "<b>加粗</b>" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;b&gt;加粗&lt;/b&gt;" in page, path
    page = staff.get(f"/desk/roster/deputies/{d.id}").text
    assert "&lt;i&gt;职务&lt;/i&gt;" in page and "😀 𠀀" in page


def test_export_downloads_the_countys_roster_as_xlsx_and_csv(platform, staff):
    register(platform, "导出代表", contact=rpb.Contact(phone="13955556666"))
    r = staff.get("/desk/roster/export", params={"format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = r.headers["content-disposition"]          # 代表名册-昌吉市.xlsx
    assert disposition.startswith("attachment;") and disposition.endswith(
        "filename*=UTF-8''%E4%BB%A3%E8%A1%A8%E5%90%8D%E5%86%8C-%E6%98%8C%E5%90%89%E5%B8%82.xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["区划代码", "姓名"]
    assert any(row[1] == "导出代表" for row in values) and not any(row[1] == "外县代表" for row in values)
    csv = staff.get("/desk/roster/export", params={"format": "csv", "region": COUNTY_A})
    assert csv.status_code == 200 and "导出代表" in csv.content.decode("utf-8-sig")
    popolo = staff.get("/desk/roster/export", params={"format": "popolo.json"})
    assert popolo.status_code == 200 and popolo.headers["content-disposition"].endswith(".popolo.json")
    assert "导出代表" in popolo.content.decode("utf-8") and "外县代表" not in popolo.content.decode("utf-8")
    # A format not offered is refused in words, never another format's file.
    other = staff.get("/desk/roster/export", params={"format": "json"})
    assert other.status_code == 400 and "content-disposition" not in other.headers
    assert "不支持这种文件格式" in other.text


def test_venues_are_created_edited_listed_and_deputies_grouped_into_them(platform, staff):
    form = staff.get("/desk/venues/new")
    assert form.status_code == 200
    fields = {"csrf_token": csrf(form.text), "request_id": hidden(form.text, "request_id"), "region": TOWNSHIP_A,
              "kind": "1", "name": "三工镇人大代表之家", "address": "三工镇政府院内", "officer_name": "马联络",
              "officer_phone": "0994-2345678", "days": "5、20", "hours": "09:00-12:00", "note": "节假日顺延"}
    bad = staff.post("/desk/venues/new", data=fields | {"hours": "9点到12点"})
    assert bad.status_code == 400 and "接待时段应写成 09:00-12:00" in bad.text and 'value="三工镇人大代表之家"' in bad.text
    r = staff.post("/desk/venues/new", data=fields)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=created"), r.text[-1500:]
    venue_path = r.headers["location"].split("?")[0]
    page = staff.get(r.headers["location"]).text
    assert "站点已新建" in page and "每月5日、20日 09:00-12:00" in page and "三工镇" in page
    edit = staff.get(f"{venue_path}/edit")
    assert 'value="5、20"' in edit.text
    r = staff.post(f"{venue_path}/edit", data=fields | {"csrf_token": csrf(edit.text), "days": "10", "hours": "14:00-17:00"})
    assert r.status_code == 303
    assert "每月10日 14:00-17:00" in staff.get(r.headers["location"]).text
    listed = staff.get("/desk/venues", params={"region": TOWNSHIP_A})
    assert listed.status_code == 200 and "三工镇人大代表之家" in listed.text and "人大代表之家" in listed.text
    assert "外县代表之家" not in staff.get("/desk/venues").text
    # Members: found by name on the venue's page and added there; twice is refused, explained.
    candidate = register(platform, "站点候选代表", TOWNSHIP_A)
    found = staff.get(venue_path, params={"find": "站点候选"})
    assert 'id="candidates"' in found.text and "站点候选代表" in found.text
    add = {"csrf_token": csrf(found.text), "venue_id": venue_path.rsplit("/", 1)[1], "back": "venue"}
    r = staff.post(f"/desk/roster/deputies/{candidate.id}/venues", data=add)
    assert r.status_code == 303 and r.headers["location"] == f"{venue_path}?done=assigned"
    page = staff.get(r.headers["location"]).text
    assert "代表已编入本站点" in page and re.search(r'id="members">\s*<li><a href="/desk/roster/deputies/'
                                                  rf'{candidate.id}">站点候选代表</a>', page)
    again = staff.post(f"/desk/roster/deputies/{candidate.id}/venues", data=add)
    assert again.status_code == 409 and "已在该站点" in again.text and 'id="venue-name"' in again.text
    # Grouping: a serving township deputy without a venue; the proposal writes nothing.
    d = register(platform, "编组代表", TOWNSHIP_A)
    group = staff.get("/desk/venues/group")
    token = csrf(group.text)
    proposal = staff.post("/desk/venues/group", data={"csrf_token": token, "region": TOWNSHIP_A, "apply": "0"})
    assert proposal.status_code == 200 and "这是方案，还没有编入任何代表" in proposal.text
    row = re.search(rf'<tr><td><a href="/desk/roster/deputies/{d.id}">编组代表</a></td><td>三工镇</td>'
                    rf'<td><a href="{venue_path}">三工镇人大代表之家</a></td></tr>', proposal.text)
    assert row, proposal.text[-3000:]
    # The button that applies it applies this proposal's region, whatever the select shows then.
    assert f'<input type="hidden" name="region" value="{TOWNSHIP_A}"><input type="hidden" name="apply" value="1">' \
        in proposal.text
    assert platform.roster.call("ListDeputyVenues", rpb.ListDeputyVenuesRequest(deputy_id=d.id)).venues == []
    applied = staff.post("/desk/venues/group", data={"csrf_token": token, "region": TOWNSHIP_A, "apply": "1"})
    assert applied.status_code == 200 and "编组结果" in applied.text
    [joined] = platform.roster.call("ListDeputyVenues", rpb.ListDeputyVenuesRequest(deputy_id=d.id)).venues
    assert joined.name == "三工镇人大代表之家"
    assert "编组代表" in staff.get(venue_path).text


def test_only_the_rosters_readers_open_it_and_only_its_writers_get_its_forms(platform, staff):
    dept = platform.account("roster.dept", DEPARTMENT, COUNTY_A, stands_for="dept-roster", password="dept-Passw0rd-r")
    auditor = platform.account("roster.audit", AUDITOR, COUNTY_A, password="audit-Passw0rd-r")
    d = register(platform, "只读代表")
    with client(platform.url) as c:
        form = c.get("/signin")
        c.post("/signin", data={"csrf_token": csrf(form.text), "username": "roster.dept", "password": dept})
        assert c.get("/desk/roster").status_code == 403
        assert c.get(f"/desk/roster/deputies/{d.id}").status_code == 403
    with client(platform.url) as c:
        form = c.get("/signin")
        c.post("/signin", data={"csrf_token": csrf(form.text), "username": "roster.audit", "password": auditor})
        page = c.get(f"/desk/roster/deputies/{d.id}")
        assert page.status_code == 200 and "只读代表" in page.text
        assert 'id="form-status"' not in page.text and 'id="form-card"' not in page.text
        assert c.get("/desk/roster/new").status_code == 403
        r = c.post(f"/desk/roster/deputies/{d.id}/status", data={"csrf_token": hidden(page.text, "csrf_token"), "status": "2",
                                                                "reason": "x"})
        assert r.status_code == 403
