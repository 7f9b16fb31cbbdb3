"""Roster import and export in the offices' spreadsheet layout."""
import csv
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from services.roster.domain import (
    Contact,
    DeputyProfile,
    DeputyStatus,
    Gender,
    Level,
    Seat,
    validate_profile,
)
from services.roster.sheets import (
    COLUMNS,
    CONTENT_TYPES,
    MAX_CELL_CHARS,
    MAX_ROWS,
    RowError,
    SheetError,
    SheetRow,
    fill_absent,
    read_roster,
    write_roster,
)
from shared import text as canonical_text
from shared.sheets import FORMULA_WITHOUT_VALUE

DEFAULT_REGION = "652300"

ZHANG = validate_profile(DeputyProfile(
    region_code="652301", name="张建华", gender=Gender.MALE, ethnicity="汉族",
    seats=(Seat(Level.PREFECTURE, "第十五届", "昌吉市第3选区"), Seat(Level.COUNTY, "第十八届", "城关第1选区")),
    work_unit="昌吉市人民医院", position="院长",
    contact=Contact("0994-2345678", "zhang@example.cn", "昌吉市延安北路1号"), specialties=("医疗", "法律")))
MA = validate_profile(DeputyProfile(
    region_code="652301001", name="马玉兰", gender=Gender.FEMALE, ethnicity="回族",
    seats=(Seat(Level.COUNTY, "第十八届"), Seat(Level.TOWNSHIP, "第十八届")),
    contact=Contact(phone="+86 138 0000 0000")))
HOSTILE = validate_profile(DeputyProfile(
    region_code="652302", name="=HYPERLINK(\"http://x\",\"点\")", seats=(Seat(Level.NATIONAL),),
    work_unit="@SUM(A1)", position="-2+3+cmd|' /C calc'!A0", contact=Contact(address="'=already quoted"),
    specialties=("+教育",)))
ROSTER = [(ZHANG, DeputyStatus.SERVING), (MA, DeputyStatus.BY_ELECTED), (HOSTILE, DeputyStatus.RESIGNED)]


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def errors_of(row: SheetRow) -> dict[str, str]:
    return {e.column: e.reason for e in row.errors}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_reimports_to_the_same_profiles(fmt):
    rows = read_roster(write_roster(ROSTER, fmt), fmt, DEFAULT_REGION)
    assert [(r.row, r.profile, r.status, r.errors) for r in rows] == [
        (i + 2, p, s, ()) for i, (p, s) in enumerate(ROSTER)]


def test_xlsx_export_has_bold_headings_text_cells_and_widths():
    wb = load_workbook(io.BytesIO(write_roster(ROSTER, "xlsx")))
    ws = wb.active
    assert [c.value for c in ws[1]] == list(COLUMNS)
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["L"].width > ws.column_dimensions["C"].width
    assert all(c.data_type == "s" for row in ws.iter_rows(min_row=2) for c in row if c.value is not None)
    assert ws["J2"].value == "0994-2345678"
    assert ws["E3"].value == "县、乡" and ws["F3"].value == "第十八届"


def test_csv_export_is_utf8_with_bom_and_neutralises_formulas():
    data = write_roster(ROSTER, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    hostile = dict(zip(COLUMNS, rows[3]))
    assert hostile["姓名"].startswith("'=")
    assert hostile["工作单位"] == "'@SUM(A1)"
    assert hostile["职务"].startswith("'-2+3")
    assert hostile["通讯地址"] == "''=already quoted"
    assert hostile["专业领域"] == "'+教育"
    assert dict(zip(COLUMNS, rows[2]))["联系电话"] == "13800000000"   # the stored form, not a formula
    assert not any(cell.startswith(("=", "@")) for row in rows for cell in row)


def test_content_types():
    assert CONTENT_TYPES["csv"].startswith("text/csv")
    assert CONTENT_TYPES["xlsx"].endswith("spreadsheetml.sheet")


def test_gb18030_csv_from_an_office():
    data = csv_bytes([["姓名", "性别", "民族", "代表层级", "届次", "选区", "联系电话", "状态"],
                      ["古丽娜尔", "女", "哈萨克族", "乡镇", "第十九届", "䶮村选区", "13912345678", "补选"]],
                     encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    [row] = read_roster(data, "csv", DEFAULT_REGION)
    assert row.errors == ()
    assert row.profile.name == "古丽娜尔" and row.profile.ethnicity == "哈萨克族"
    assert row.profile.seats == (Seat(Level.TOWNSHIP, "第十九届", "䶮村选区"),)
    assert row.profile.region_code == DEFAULT_REGION
    assert row.status == DeputyStatus.BY_ELECTED


def test_plain_utf8_csv_without_bom_and_tab_separated():
    [row] = read_roster("姓名,代表层级\n张三,县\n".encode(), "csv", DEFAULT_REGION)
    assert row.profile.name == "张三"
    [row] = read_roster("姓名\t代表层级\t选区\n张三\t县\t一, 二\n".encode(), "csv", DEFAULT_REGION)
    assert row.profile.seats == (Seat(Level.COUNTY, "", "一, 二"),)


def test_headings_in_any_order_with_spaces_and_unknown_columns():
    data = xlsx([["备注", " 代表层级 ", "姓名  ", "序号"],
                 ["x", "全国人大、省级、市级、县市区、乡镇", "李明", 1]])
    [row] = read_roster(data, "xlsx", DEFAULT_REGION)
    assert row.errors == ()
    # The five levels of congress (a deliberation seat, 议事代表, is no level of congress).
    assert row.profile.levels == tuple(lv for lv in Level if lv is not Level.DELIBERATION)


def test_a_subdistrict_is_not_a_level_of_congress():
    """A 街道 has a 人大工委 (the county congress's working committee), not a congress."""
    [row] = read_roster("姓名\t代表层级\n张三\t街道\n".encode(), "csv", DEFAULT_REGION)
    assert row.profile is None and len(row.errors) == 1
    assert "街道 has no people's congress" in row.errors[0].reason and "县" in row.errors[0].reason


def test_numbers_in_cells_come_out_as_digits():
    data = xlsx([["区划代码", "姓名", "代表层级", "届次", "联系电话"],
                 [652301, "王强", "县", 18, 13812345678.0],
                 [652301001.0, "赵敏", "乡", 19.0, 13900000000]])
    rows = read_roster(data, "xlsx", DEFAULT_REGION)
    assert [r.errors for r in rows] == [(), ()]
    assert rows[0].profile.region_code == "652301"
    assert rows[0].profile.contact.phone == "13812345678"
    assert rows[0].profile.seats[0].term == "18"
    assert rows[1].profile.region_code == "652301001"
    assert rows[1].profile.seats[0].term == "19"


def test_a_formula_without_a_saved_value_is_never_evaluated_and_refuses_its_row():
    data = xlsx([["姓名", "代表层级", "职务"], ["王强", "县", "=1+1"]])   # no cached value saved
    [row] = read_roster(data, "xlsx", DEFAULT_REGION)
    assert row.profile is None
    assert [(e.column, e.reason) for e in row.errors] == [("职务", f"职务: {FORMULA_WITHOUT_VALUE}")]


def test_each_bad_cell_names_its_row_and_column_and_good_rows_still_parse():
    data = csv_bytes([
        ["区划代码", "姓名", "性别", "代表层级", "届次", "选区", "联系电话", "电子邮箱", "专业领域", "状态"],
        ["652301", "好人", "男", "县、乡", "第十八届、第十九届", "", "13800000000", "", "法律", "在任"],
        ["652301", "坏层级", "", "市长", "", "", "", "", "", ""],
        ["652301", "", "", "县", "", "", "", "", "", ""],
        ["65230", "坏区划", "", "县", "", "", "", "", "", ""],
        ["652301", "坏电话", "", "县", "", "", "打我电话", "", "", ""],
        ["652301", "坏邮箱", "", "县", "", "", "", "not-mail", "", ""],
        ["652301", "坏性别", "未知", "县", "", "", "", "", "", "离任"],
        ["652301", "坏届次", "", "县、乡", "一、二、三", "", "", "", "", ""],
        ["652301", "长选区", "", "县、乡", "", "甲、" + "区" * 51, "", "", "", ""],
        ["652301", "重复层级", "", "县、县级", "", "", "", "", "", ""],
        ["652301", "没层级", "", "", "", "", "", "", "", ""],
        ["652301", "好人二", "女", "州", "", "", "", "", "", "辞职"],
    ])
    rows = read_roster(data, "csv", DEFAULT_REGION)
    by_row = {r.row: r for r in rows}
    assert by_row[2].profile.name == "好人" and by_row[2].status == DeputyStatus.SERVING
    assert by_row[13].profile.name == "好人二" and by_row[13].status == DeputyStatus.RESIGNED
    assert errors_of(by_row[3]) == {"代表层级": "代表层级: unknown level '市长' (use 全国, 省, 州, 县, 乡 or 议事代表)"}
    assert set(errors_of(by_row[4])) == {"姓名"}
    assert set(errors_of(by_row[5])) == {"区划代码"}
    assert set(errors_of(by_row[6])) == {"联系电话"}
    assert set(errors_of(by_row[7])) == {"电子邮箱"}
    assert set(errors_of(by_row[8])) == {"性别", "状态"}
    assert set(errors_of(by_row[9])) == {"届次"}
    assert "3 values for 2 levels" in errors_of(by_row[9])["届次"]
    assert set(errors_of(by_row[10])) == {"选区"}
    assert "乡" in errors_of(by_row[10])["选区"]          # says which level's district is too long
    assert set(errors_of(by_row[11])) == {"代表层级"}
    assert set(errors_of(by_row[12])) == {"代表层级"}
    for r in rows:
        assert (r.profile is None) == bool(r.errors) and (r.status is None) == bool(r.errors)
        assert all(e.row == r.row for e in r.errors)


def test_error_column_is_the_heading_as_written():
    data = csv_bytes([[" 姓名 ", "代表层级", "联系电话 "], ["张三", "县", "x"]])
    [row] = read_roster(data, "csv", DEFAULT_REGION)
    assert row.errors == (RowError(2, "联系电话 ", row.errors[0].reason),)
    assert row.errors[0].reason.startswith("联系电话: ")


def test_missing_region_falls_back_to_default_and_bad_default_names_the_region():
    data = csv_bytes([["区划代码", "姓名", "代表层级"], ["", "张三", "县"]])
    assert read_roster(data, "csv", "652323")[0].profile.region_code == "652323"
    [row] = read_roster(csv_bytes([["姓名", "代表层级"], ["张三", "县"]]), "csv", "")
    assert set(errors_of(row)) == {"区划代码"}


def test_blank_rows_are_skipped_and_row_numbers_kept():
    data = xlsx([["姓名", "代表层级"], ["张三", "县"], [None, None], ["  ", ""], ["李四", "乡"]])
    rows = read_roster(data, "xlsx", DEFAULT_REGION)
    assert [(r.row, r.profile.name) for r in rows] == [(2, "张三"), (5, "李四")]


def test_line_breaks_inside_a_cell_become_spaces():
    data = xlsx([["姓名", "代表层级", "通讯地址"], ["张三", "县", "昌吉市\n延安北路1号"]])
    assert read_roster(data, "xlsx", DEFAULT_REGION)[0].profile.contact.address == "昌吉市 延安北路1号"


def test_full_width_digits_in_region_and_phone_are_folded():
    data = csv_bytes([["区划代码", "姓名", "代表层级", "联系电话"], ["６５２３０１", "张三", "县", "１３８００００００００"]])
    p = read_roster(data, "csv", DEFAULT_REGION)[0].profile
    assert (p.region_code, p.contact.phone) == ("652301", "13800000000")


def test_over_long_cell_is_a_row_error():
    data = csv_bytes([["姓名", "代表层级", "工作单位"], ["张三", "县", "单" * (MAX_CELL_CHARS + 1)]])
    [row] = read_roster(data, "csv", DEFAULT_REGION)
    assert set(errors_of(row)) == {"工作单位"}
    assert str(MAX_CELL_CHARS) in row.errors[0].reason


@pytest.mark.parametrize("content, fmt, words", [
    (b"", "csv", "empty"),
    (b"", "xlsx", "XLSX"),
    (b"hello, world", "xlsx", "XLSX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "xlsx", ".xls"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "csv", "CSV"),
    (b"\xff\xfe\x00\x00\x81\x30", "csv", "CSV"),
    ("编号,名字\n1,张三\n".encode(), "csv", "姓名"),
    ("姓名\n张三\n".encode(), "csv", "代表层级"),
    ("姓名,代表层级,姓名\n".encode(), "csv", "twice"),
    ("\n姓名,代表层级\n".encode(), "csv", "first row"),
    (b"a,b", "ods", "format"),
])
def test_file_level_problems_raise_sheet_error(content, fmt, words):
    with pytest.raises(SheetError, match=words):
        read_roster(content, fmt, DEFAULT_REGION)


def test_xlsx_uploaded_as_csv_is_named():
    with pytest.raises(SheetError, match="XLSX"):
        read_roster(write_roster(ROSTER, "xlsx"), "csv", DEFAULT_REGION)


def test_a_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(SheetError, match="XLSX"):
        read_roster(buf.getvalue(), "xlsx", DEFAULT_REGION)


def test_a_zip_bomb_is_refused_before_unpacking():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (201 * 1024 * 1024))
    assert len(buf.getvalue()) < 1024 * 1024
    with pytest.raises(SheetError, match="unpacks"):
        read_roster(buf.getvalue(), "xlsx", DEFAULT_REGION)


def test_too_many_rows():
    body = "姓名,代表层级\n" + "张三,县\n" * (MAX_ROWS + 1)
    with pytest.raises(SheetError, match=str(MAX_ROWS)):
        read_roster(body.encode(), "csv", DEFAULT_REGION)
    assert len(read_roster(("姓名,代表层级\n" + "张三,县\n" * MAX_ROWS).encode(), "csv", DEFAULT_REGION)) == MAX_ROWS


def test_too_big_a_file():
    with pytest.raises(SheetError, match="MB"):
        read_roster(b"x" * (20 * 1024 * 1024 + 1), "csv", DEFAULT_REGION)


def test_write_refuses_unknown_format():
    with pytest.raises(ValueError):
        write_roster(ROSTER, "pdf")


# --- properties ------------------------------------------------------------------------

HEADINGS = st.lists(st.sampled_from(list(COLUMNS) + [" 姓名 ", "备注", ""]), min_size=0, max_size=16)
CELL_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["县、乡", "全国人大;省级", "=1+1", "'=x", "+86 138", "-", "男", "在任", "6523011",
                     "第一届、第二届", "、、", "１２３", "\r\n"]),
    st.text(min_size=990, max_size=1010, alphabet="区a"),
)
XLSX_SAFE_TEXT = CELL_TEXT.map(lambda s: "".join(
    c for c in s if c in "\t\n\r" or (ord(c) >= 32 and not 0xD800 <= ord(c) < 0xE000 and c not in "\ufffe\uffff")))
CELL = st.one_of(st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=True), XLSX_SAFE_TEXT)


def _check(rows):
    assert isinstance(rows, list)
    for r in rows:
        assert isinstance(r, SheetRow) and r.row >= 2
        assert (r.profile is None) == bool(r.errors)
        for e in r.errors:
            assert isinstance(e, RowError) and e.reason


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headings=HEADINGS, body=st.lists(st.lists(CELL, max_size=16), max_size=6))
def test_random_xlsx_cells_give_only_row_errors_or_sheet_error(headings, body):
    try:
        _check(read_roster(xlsx([headings, *body]), "xlsx", DEFAULT_REGION))
    except SheetError:
        pass


@settings(max_examples=150, deadline=None)
@given(headings=HEADINGS, body=st.lists(st.lists(CELL_TEXT, max_size=16), max_size=6),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_csv_cells_give_only_row_errors_or_sheet_error(headings, body, encoding):
    try:
        data = csv_bytes([headings, *body], encoding=encoding)
    except UnicodeEncodeError:
        data = csv_bytes([headings, *body], encoding="utf-8")
    try:
        _check(read_roster(data, "csv", DEFAULT_REGION))
    except SheetError:
        pass


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=300), fmt=st.sampled_from(["xlsx", "csv"]))
def test_random_bytes_give_only_sheet_error_or_rows(content, fmt):
    try:
        _check(read_roster(content, fmt, DEFAULT_REGION))
    except SheetError:
        pass


PLAIN = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x9FFF, exclude_characters="、;；,，",
                                          exclude_categories=("Cc", "Cs")),
                max_size=12)


@st.composite
def profiles(draw):
    levels = draw(st.lists(st.sampled_from(list(Level)), min_size=1, max_size=5, unique=True))
    seats = tuple(Seat(lv, draw(PLAIN), draw(PLAIN)) for lv in levels)
    profile = DeputyProfile(
        region_code=draw(st.from_regex(r"\A[0-9]{6}([0-9]{3})?\Z")),
        # A name that is nothing but marks or spaces has no canonical form: "is required".
        name=draw(PLAIN.filter(canonical_text.name)), gender=draw(st.sampled_from(list(Gender))),
        ethnicity=draw(PLAIN), seats=seats, work_unit=draw(PLAIN), position=draw(PLAIN),
        contact=Contact(draw(st.sampled_from(["", "13800000000", "+86 138-0000-0000", "0994-2345678"])),
                        draw(st.sampled_from(["", "a@b.cn"])), draw(PLAIN)),
        specialties=tuple(draw(st.lists(PLAIN, max_size=4))))
    return validate_profile(profile)


@settings(max_examples=60, deadline=None)
@given(roster=st.lists(st.tuples(profiles(), st.sampled_from(list(DeputyStatus))), min_size=1, max_size=4),
       fmt=st.sampled_from(["xlsx", "csv"]))
def test_any_valid_roster_round_trips(roster, fmt):
    rows = read_roster(write_roster(roster, fmt), fmt, DEFAULT_REGION)
    assert [(r.profile, r.status) for r in rows] == roster


def test_a_far_away_cell_cannot_make_the_reader_spin():
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "代表层级"])
    ws.append(["张三", "县"])
    ws.cell(row=2, column=16000, value="far right")
    ws.cell(row=500_000, column=1, value="far down")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(SheetError, match="rows"):
        read_roster(buf.getvalue(), "xlsx", DEFAULT_REGION)


# Seat values with the separators (、;；,，) and level labels offices might write inside them;
# not a separator followed by a level and a colon ("、县：" inside one value), the one thing the
# labelled form cannot carry.
SEAT_TEXT = st.text(alphabet=st.sampled_from(list("第1选区城关州县乡：:、;；,， ")), max_size=10).filter(
    lambda v: not re.search(r"[、;；,，]\s*(州|县|乡)\s*[:：]", v))


@settings(max_examples=60, deadline=None)
@given(levels=st.lists(st.sampled_from(list(Level)), min_size=2, max_size=5, unique=True),
       values=st.lists(st.tuples(SEAT_TEXT, SEAT_TEXT), min_size=5, max_size=5),
       fmt=st.sampled_from(["xlsx", "csv"]))
def test_multi_seat_terms_and_districts_round_trip_whatever_they_hold(levels, values, fmt):
    p = validate_profile(DeputyProfile(region_code="652301", name="多席", seats=tuple(
        Seat(lv, t, d) for lv, (t, d) in zip(levels, values))))
    [row] = read_roster(write_roster([(p, DeputyStatus.SERVING)], fmt), fmt, DEFAULT_REGION)
    assert row.errors == () and row.profile.seats == p.seats


def test_seat_values_may_be_labelled_by_level():
    content = csv_bytes([["姓名", "代表层级", "届次", "选区"],
                         ["张三", "州、县", "州：第十五届；县：第十八届", "县级：第2选区"],
                         ["李四", "州、县", "乡：第十八届", ""]])
    ok, bad = read_roster(content, "csv", DEFAULT_REGION)
    assert ok.profile.seats == (Seat(Level.PREFECTURE, "第十五届", ""), Seat(Level.COUNTY, "第十八届", "第2选区"))
    assert bad.profile is None and bad.errors[0].column == "届次" and "乡" in bad.errors[0].reason


STORED = validate_profile(DeputyProfile(region_code="652301", name="孙芳", seats=(
    Seat(Level.PREFECTURE, "第十五届", "第6选区"), Seat(Level.COUNTY, "第十八届", "第2选区"))))
FOUR = frozenset({"区划代码", "姓名", "代表层级", "联系电话"})


def test_a_row_naming_fewer_levels_keeps_the_stored_seats_with_a_note():
    row = validate_profile(DeputyProfile(region_code="652301", name="孙芳", seats=(Seat(Level.COUNTY),)))
    merged, notes = fill_absent(row, STORED, FOUR)
    assert merged.seats == STORED.seats
    [(column, reason)] = notes
    assert column == "代表层级" and "州 (第十五届, 第6选区) is kept" in reason


def test_a_new_level_is_added_with_a_note_for_each_missing_column():
    row = validate_profile(DeputyProfile(region_code="652301", name="孙芳", seats=(Seat(Level.TOWNSHIP, "第十八届"),)))
    merged, notes = fill_absent(row, STORED, FOUR | {"届次"})
    assert merged.seats == (*STORED.seats, Seat(Level.TOWNSHIP, "第十八届", ""))
    assert any("new 乡 seat has no 选区" in reason for _, reason in notes), notes
    merged, notes = fill_absent(row, STORED, FOUR | {"届次", "选区"})
    assert not any("new" in reason for _, reason in notes)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_text_that_reads_as_an_excel_error_value_round_trips(fmt):
    # Exported with the guard's quote, so the import takes it for text, not for an error cell.
    profile = validate_profile(DeputyProfile(
        region_code="652301", name="王强", gender=Gender.MALE, ethnicity="", seats=(Seat(Level.COUNTY, "", ""),),
        work_unit="#N/A", position="", contact=Contact("", "", "#VALUE!"), specialties=()))
    rows = read_roster(write_roster([(profile, DeputyStatus.SERVING)], fmt), fmt, DEFAULT_REGION)
    assert [(r.profile, r.status) for r in rows] == [(profile, DeputyStatus.SERVING)]
