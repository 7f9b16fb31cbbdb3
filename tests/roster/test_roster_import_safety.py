"""ImportRoster never loses data silently (issue 6 §3): absent columns leave fields as
stored, headings with full-width spaces are recognised and unknown ones reported, what
Excel did to cells is reported, CSV in any common encoding is read."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import grpc
import pytest
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from openpyxl import Workbook

CSV, XLSX = common_pb2.FILE_FORMAT_CSV, common_pb2.FILE_FORMAT_XLSX
COUNTY, TOWN = "652327", "652327100"


def csv_content(rows, encoding="utf-8", delimiter=",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_content(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def do_import(roster, content, fmt=CSV, dry_run=False) -> pb.ImportRosterResponse:
    return roster.call("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY, format=fmt, content=content,
                                                              dry_run=dry_run))


def full_deputy(roster, phone: str) -> pb.Deputy:
    return roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=pb.Deputy(
        region_code=TOWN, name="古丽米拉", gender=pb.GENDER_FEMALE, ethnicity="哈萨克族",
        seats=[pb.Seat(level=pb.LEVEL_COUNTY, term="第十八届", electoral_district="第3选区")],
        work_unit="三台镇卫生院", position="院长",
        contact=pb.Contact(phone=phone, email="gulmira@example.cn", address="三台镇团结路1号"),
        specialties=["医疗", "教育"])))


def profile(d: pb.Deputy) -> tuple:
    return (d.region_code, d.name, d.gender, d.ethnicity, [(s.level, s.term, s.electoral_district) for s in d.seats],
            d.work_unit, d.position, d.contact.phone, d.contact.email, d.contact.address, list(d.specialties),
            d.status, d.card_code)


def test_a_file_with_four_columns_blanks_nothing(fresh_roster):
    roster = fresh_roster
    d = full_deputy(roster, "13709940021")
    before = profile(d)
    rows = [["区划代码", "姓名", "代表层级", "联系电话"], [TOWN, "古丽米拉", "县", "13709940021"]]
    with roster.expect_no_writes():
        r = do_import(roster, csv_content(rows))
    assert (r.created, r.updated, r.unchanged, r.failed) == (0, 0, 1, 0), r
    assert profile(roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id))) == before

    # A new level: only the seats change; the county seat keeps its term and district.
    rows[1][2] = "州、县"
    r = do_import(roster, csv_content(rows))
    assert (r.updated, r.failed) == (1, 0)
    after = roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id))
    assert [(s.level, s.term, s.electoral_district) for s in after.seats] == [
        (pb.LEVEL_PREFECTURE, "", ""), (pb.LEVEL_COUNTY, "第十八届", "第3选区")]
    assert profile(after)[5:] == before[5:] and profile(after)[:4] == before[:4]


def test_without_phone_or_region_columns_the_deputy_is_found_by_name(fresh_roster):
    roster = fresh_roster
    d = full_deputy(roster, "13709940022")
    r = do_import(roster, csv_content([["姓名", "代表层级", "职务"], ["古丽米拉", "县", "副院长"]]))
    assert (r.created, r.updated, r.failed) == (0, 1, 0), r
    after = roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id))
    assert (after.position, after.region_code, after.contact.phone) == ("副院长", TOWN, "13709940022")
    assert roster.count("deputies") == 1
    # Two deputies of that name: the row cannot say which, and says so.
    roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=pb.Deputy(
        region_code=COUNTY, name="古丽米拉", seats=[pb.Seat(level=pb.LEVEL_COUNTY)],
        contact=pb.Contact(phone="13709940023"))))
    with roster.expect_no_writes():
        r = do_import(roster, csv_content([["姓名", "代表层级", "职务"], ["古丽米拉", "县", "院长"]]))
    assert r.failed == 1 and "联系电话" in r.errors[0].reason and "区划代码" in r.errors[0].reason


def test_headings_with_full_width_spaces_are_read_and_unknown_headings_reported(fresh_roster):
    roster = fresh_roster
    rows = [["区划代码", "姓　名", "性　别", "民　族", "代表层级", "职　务", " 联系电话 ", "备注", "身份证号"],
            [COUNTY, "马建国", "男", "回族", "县", "村主任", "13709940024", "老代表", "652301..."]]
    r = do_import(roster, csv_content(rows))
    assert (r.created, r.failed) == (1, 0), r
    [d] = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=COUNTY, name="马建国")).deputies
    assert (d.gender, d.ethnicity, d.position) == (pb.GENDER_MALE, "回族", "村主任")
    assert [(w.row, w.column) for w in r.warnings] == [(1, "备注"), (1, "身份证号")]
    assert all("not a roster column" in w.reason for w in r.warnings)


def test_a_phone_excel_stored_as_a_number_is_refused_and_a_date_in_a_text_column_too(fresh_roster):
    roster = fresh_roster
    rows = [["区划代码", "姓名", "代表层级", "选区", "联系电话"],
            [COUNTY, "座机丢零", "县", "第1选区", 9942000006],               # 0994-2000006 lost its 0
            [COUNTY, "选区成日期", "县", datetime(2026, 3, 1), "13709940025"],  # "3-1" became a date
            [COUNTY, "手机是数字", "县", "第2选区", 13709940026]]              # intact, but a number
    with roster.expect_events("DeputyRegistered"):
        r = do_import(roster, xlsx_content(rows), XLSX)
    assert (r.created, r.failed) == (1, 2), r
    assert [(e.row, e.column) for e in r.errors] == [(2, "联系电话"), (3, "选区")]
    assert "9942000006" in r.errors[0].reason and "leading 0" in r.errors[0].reason
    assert all("format the column as text" in e.reason for e in r.errors)
    assert [(w.row, w.column) for w in r.warnings] == [(4, "联系电话")]
    assert "format the column as text" in r.warnings[0].reason
    [d] = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=COUNTY, name="手机是数字")).deputies
    assert d.contact.phone == "13709940026"


def test_csv_in_utf8_with_and_without_bom_gb18030_and_utf16_is_read(fresh_roster):
    roster = fresh_roster
    head = ["区划代码", "姓名", "代表层级", "联系电话"]
    files = {
        "utf-8": csv_content([head, [COUNTY, "编码甲", "县", "13709940031"]]),
        "utf-8-sig": csv_content([head, [COUNTY, "编码乙", "县", "13709940032"]], "utf-8-sig"),
        "gb18030": csv_content([head, [COUNTY, "编码丙", "县", "13709940033"]], "gb18030"),
        # Excel's "Unicode text": UTF-16 LE with a BOM, tab-separated.
        "utf-16-le": b"\xff\xfe" + csv_content([head, [COUNTY, "编码丁", "县", "13709940034"]], "utf-16-le", "\t"),
        "utf-16-be": b"\xfe\xff" + csv_content([head, [COUNTY, "编码戊", "县", "13709940035"]], "utf-16-be"),
    }
    for encoding, content in files.items():
        r = do_import(roster, content)
        assert (r.created, r.failed) == (1, 0), (encoding, r)
    names = {d.name for d in roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=COUNTY)).deputies}
    assert names == {"编码甲", "编码乙", "编码丙", "编码丁", "编码戊"}


def test_csv_in_another_encoding_is_a_clear_error(fresh_roster):
    roster = fresh_roster
    latin1 = "姓名,代表层级\nJosé Müller,县\n".encode().replace("é".encode(), b"\xe9\x80").replace(
        "ü".encode(), b"\xfc\xff")   # bytes neither UTF-8 nor GB18030 can decode
    with roster.expect_no_writes():
        e = roster.error("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY, format=CSV, content=latin1))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert e.details().startswith("content: ") and "UTF-8" in e.details() and "GB18030" in e.details()
    utf16_without_bom = "姓名,代表层级\n张三,县\n".encode("utf-16-le")
    e = roster.error("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY, format=CSV, content=utf16_without_bom))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "UTF-16" in e.details()


def seats(roster, deputy_id: str) -> list[tuple]:
    return [(s.level, s.term, s.electoral_district)
            for s in roster.call("GetDeputy", pb.GetDeputyRequest(id=deputy_id)).seats]


FOUR = ["区划代码", "姓名", "代表层级", "联系电话"]


def test_a_row_naming_fewer_levels_keeps_the_other_seats_and_says_so(fresh_roster):
    """Tester's input: 孙芳 (州 第十五届 第6选区; 县 第十八届 第2选区) re-imported from a file of
    区划代码, 姓名, 代表层级, 联系电话 with 代表层级 县 lost the 州 seat without a word."""
    roster = fresh_roster
    d = roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=pb.Deputy(
        region_code=COUNTY, name="孙芳", contact=pb.Contact(phone="13899902639"),
        seats=[pb.Seat(level=pb.LEVEL_PREFECTURE, term="第十五届", electoral_district="第6选区"),
               pb.Seat(level=pb.LEVEL_COUNTY, term="第十八届", electoral_district="第2选区")])))
    before = seats(roster, d.id)
    with roster.expect_no_writes():
        r = do_import(roster, xlsx_content([FOUR, [COUNTY, "孙芳", "县", "13899902639"]]), XLSX)
    assert (r.created, r.updated, r.unchanged, r.failed) == (0, 0, 1, 0), r
    assert seats(roster, d.id) == before
    [w] = r.warnings
    assert (w.row, w.column) == (2, "代表层级")
    assert "州 (第十五届, 第6选区) is kept" in w.reason and "UpdateDeputy" in w.reason


def test_a_row_naming_another_level_adds_a_seat_and_keeps_term_and_district(fresh_roster):
    """Tester's input: 马哈力克 (县 第十八届 第18选区) re-imported with 代表层级 州 ended with
    only a 州 seat whose 届次 and 选区 were blank."""
    roster = fresh_roster
    d = roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=pb.Deputy(
        region_code=COUNTY, name="马哈力克", contact=pb.Contact(phone="13899902574"),
        seats=[pb.Seat(level=pb.LEVEL_COUNTY, term="第十八届", electoral_district="第18选区")])))
    r = do_import(roster, xlsx_content([FOUR, [COUNTY, "马哈力克", "州", "13899902574"]]), XLSX)
    assert (r.updated, r.failed) == (1, 0), r
    assert seats(roster, d.id) == [(pb.LEVEL_PREFECTURE, "", ""), (pb.LEVEL_COUNTY, "第十八届", "第18选区")]
    reasons = sorted(w.reason for w in r.warnings)
    assert len(reasons) == 2 and all(w.column == "代表层级" for w in r.warnings), r.warnings
    assert "new 州 seat has no 届次、选区" in reasons[0] + reasons[1]
    assert any("县 (第十八届, 第18选区) is kept" in x for x in reasons)
    # With the columns, the new seat takes the file's term and district; the stored one stays.
    rows = [FOUR + ["届次", "选区"], [COUNTY, "马哈力克", "乡", "13899902574", "第十八届", "第4选区"]]
    r = do_import(roster, csv_content(rows))
    assert (r.updated, r.failed) == (1, 0), r
    assert seats(roster, d.id) == [(pb.LEVEL_PREFECTURE, "", ""), (pb.LEVEL_COUNTY, "第十八届", "第18选区"),
                                   (pb.LEVEL_TOWNSHIP, "第十八届", "第4选区")]
    assert not any("new" in w.reason for w in r.warnings)


def test_a_full_width_phone_and_a_bullet_dot_row_keeps_the_stored_term_and_district(fresh_roster):
    """Tester's input: a deputy registered at 省 第十八届 第3选区, re-imported as 买买提•测试号, 县,
    １３７… became (县, '', '')."""
    roster = fresh_roster
    d = roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=pb.Deputy(
        region_code=COUNTY, name="买买提·测试号", contact=pb.Contact(phone="13712345678"),
        seats=[pb.Seat(level=pb.LEVEL_PROVINCIAL, term="第十八届", electoral_district="第3选区")])))
    r = do_import(roster, xlsx_content([FOUR, [COUNTY, "买买提•测试号", "县", "１３７ １２３４ ５６７８"]]), XLSX)
    assert (r.created, r.updated, r.failed) == (0, 1, 0), r
    assert seats(roster, d.id) == [(pb.LEVEL_PROVINCIAL, "第十八届", "第3选区"), (pb.LEVEL_COUNTY, "", "")]


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_export_then_import_of_multi_seat_deputies_is_exact(fresh_roster, fmt):
    roster = fresh_roster
    made = []
    for i, (terms, districts) in enumerate([
            (("第十五届", "第十八届"), ("第6选区", "第2选区")),
            (("第十八届", "第十八届"), ("城关镇、北街社区选区", "第2选区")),        # a separator inside a value
            (("", "第十八届"), ("州：第1选区", "")),                               # starts like a level label
            (("第十五届", "第十五届"), ("第1选区；第2选区", "第1选区；第2选区"))]):
        made.append(roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=pb.Deputy(
            region_code=COUNTY, name=f"多席{i}", contact=pb.Contact(phone=f"1370994010{i}"),
            seats=[pb.Seat(level=pb.LEVEL_PREFECTURE, term=terms[0], electoral_district=districts[0]),
                   pb.Seat(level=pb.LEVEL_COUNTY, term=terms[1], electoral_district=districts[1])]))))
    before = {d.id: seats(roster, d.id) for d in made}
    out = roster.call("ExportRoster", pb.ExportRosterRequest(region_code=COUNTY, format=fmt))
    with roster.expect_no_writes():
        r = do_import(roster, out.content, fmt)
    assert (r.created, r.updated, r.unchanged, r.failed, len(r.warnings)) == (0, 0, len(made), 0, 0), r
    assert {d.id: seats(roster, d.id) for d in made} == before


def test_a_logical_cell_is_refused_and_a_column_without_heading_reported(fresh_roster):
    """Tester's input: an XLSX 姓名 cell TRUE created a deputy named 是; a column with data but
    an empty heading cell was dropped without a word."""
    roster = fresh_roster
    rows = [["区划代码", "姓名", "代表层级", "联系电话", None, "职务"],
            [COUNTY, True, "县", "13709940041", None, "教师"],
            [COUNTY, "布尔职务", "县", "13709940042", None, False],
            [COUNTY, "无题列", "县", "13709940043", "要紧的备注", "医生", None, "更远的一格"]]
    r = do_import(roster, xlsx_content(rows), XLSX)
    assert (r.created, r.failed) == (1, 2), r
    assert [(e.row, e.column) for e in r.errors] == [(2, "姓名"), (3, "职务")]
    assert all("logical value" in e.reason and "format the column as text" in e.reason for e in r.errors)
    assert roster.count("deputies") == 1
    assert [(w.row, w.column) for w in r.warnings] == [(4, ""), (4, "")]
    assert "column E has no heading" in r.warnings[0].reason and "column H" in r.warnings[1].reason


def with_saved_value(content: bytes, ref: str, value: str) -> bytes:
    """The XLSX ``content`` with the formula cell ``ref`` carrying ``value`` as its saved
    (cached) text value, as Excel writes it after computing the formula (openpyxl saves
    formulas without one)."""
    src, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes an empty <v/> or, with lxml installed, <v></v>.
                data, n = re.subn(rf'<c r="{ref}"><f>(.*?)</f>(?:<v ?/>|<v></v>)'.encode(),
                                  rf'<c r="{ref}" t="str"><f>\1</f><v>{value}</v>'.encode(), data)
                assert n == 1
            dst.writestr(item, data)
    return out.getvalue()


FORMULA_HEAD = ["区划代码", "姓名", "代表层级", "届次", "选区", "联系电话", "工作单位", "职务"]


def test_formula_and_error_cells_refuse_the_row_naming_the_column_and_never_blank_a_field(fresh_roster):
    """Tester's input: 工作单位 ="昌吉市"&"人民医院" (no saved value) blanked the stored work
    unit with "updated 1"; 职务 #N/A was stored as the text "#N/A"; a new deputy with 职务
    =SUM(1,2) was created with 职务 blank."""
    roster = fresh_roster
    row = [COUNTY, "公式测试", "县", "第一届", "第1选区", "13709940051", "昌吉市人民医院", "医生"]
    first = do_import(roster, xlsx_content([FORMULA_HEAD, row]), XLSX)
    assert (first.created, first.failed) == (1, 0), first
    r = do_import(roster, xlsx_content([
        FORMULA_HEAD,
        [*row[:6], '="昌吉市"&"人民医院"', "医生"],
        [*row[:6], "昌吉市人民医院", "#N/A"],
        [COUNTY, "新公式", "县", "第一届", "第1选区", "13709940052", "单位", "=SUM(1,2)"]]), XLSX)
    assert (r.created, r.updated, r.failed) == (0, 0, 3), r
    assert [(e.row, e.column) for e in r.errors] == [(2, "工作单位"), (3, "职务"), (4, "职务")]
    assert "a formula without a saved value; save the file in Excel, or paste values" in r.errors[0].reason
    assert "#N/A" in r.errors[1].reason
    assert "a formula without a saved value" in r.errors[2].reason
    [d] = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=COUNTY, name="公式测试")).deputies
    assert (d.work_unit, d.position) == ("昌吉市人民医院", "医生")
    assert roster.count("deputies") == 1
    # Every error value of Excel, and the same text in a CSV (Excel saves an error cell so).
    for error in ("#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!"):
        r = do_import(roster, csv_content([FORMULA_HEAD, [*row[:7], error]]))
        assert (r.updated, r.failed) == (0, 1) and r.errors[0].column == "职务" and error in r.errors[0].reason, r


def test_a_formula_with_a_saved_value_imports_that_value_with_a_warning(fresh_roster):
    roster = fresh_roster
    content = with_saved_value(xlsx_content([
        FORMULA_HEAD, [COUNTY, "有值公式", "县", "第一届", "第1选区", "13709940053", '="昌吉市"&"人民医院"', "医生"]]),
        "G2", "昌吉市人民医院")
    r = do_import(roster, content, XLSX)
    assert (r.created, r.failed) == (1, 0), r
    assert [(w.row, w.column) for w in r.warnings] == [(2, "工作单位")]
    assert "formula" in r.warnings[0].reason and "paste values" in r.warnings[0].reason
    [d] = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=COUNTY, name="有值公式")).deputies
    assert d.work_unit == "昌吉市人民医院"


def test_a_region_code_excel_stored_as_a_number_is_imported_with_a_warning(fresh_roster):
    roster = fresh_roster
    rows = [["区划代码", "姓名", "代表层级", "联系电话"],
            [int(COUNTY), "区划是整数", "县", "13709940054"],
            [float(TOWN), "区划是小数", "乡", "13709940055"]]
    r = do_import(roster, xlsx_content(rows), XLSX)
    assert (r.created, r.failed) == (2, 0), r
    assert [(w.row, w.column) for w in r.warnings] == [(2, "区划代码"), (3, "区划代码")]
    assert all("format the column as text" in w.reason for w in r.warnings)
    [d] = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=TOWN, name="区划是小数")).deputies
    assert d.region_code == TOWN
