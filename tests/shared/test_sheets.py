"""The shared XLSX/CSV writer: formula guard, Excel's cell limit in UTF-16 units with a
visible note, numeric counts; and the readers' helpers (encodings, headings)."""
import csv
import io

import pytest
from openpyxl import load_workbook

from services.liaison import registers
from shared import sheets

EMOJI = "😀"   # outside the BMP: two UTF-16 units in Excel's count


def xlsx_cells(data: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_utf16_units_count_emoji_twice():
    assert sheets.utf16_units("意见" + EMOJI) == 4


@pytest.mark.parametrize("text", ["长" * 40_000, EMOJI * 20_000, "长" * 32_766 + EMOJI])
def test_a_cell_over_excels_limit_is_cut_with_a_visible_note(text):
    cut = sheets.fit(text)
    assert sheets.utf16_units(cut) <= sheets.MAX_CELL_UNITS
    assert cut.endswith(sheets.TRUNCATED) and text.startswith(cut[:-len(sheets.TRUNCATED)])
    assert sheets.utf16_units(cut) > sheets.MAX_CELL_UNITS - 2   # cut at the limit, not far before


def test_a_cell_at_the_limit_is_kept_whole():
    text = "长" * (sheets.MAX_CELL_UNITS - 2) + EMOJI
    assert sheets.fit(text) == text


def test_formula_guard_quotes_formulas_but_not_phone_numbers():
    assert sheets.neutralise("=1+1") == "'=1+1"
    assert sheets.neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert sheets.neutralise("\t=x") == "'\t=x" and sheets.neutralise("\r=x") == "'\r=x"
    assert sheets.neutralise("'=x") == "''=x" and sheets.unquote("''=x") == "'=x"
    assert sheets.neutralise("+86 138 0000 0000") == "+86 138 0000 0000"
    assert sheets.neutralise("-5") == "-5" and sheets.neutralise(None) == ""


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_reception_register_cuts_long_opinions_and_keeps_counts_numeric(fmt):
    opinions = "【道路交通】" + ("路灯坏了" + EMOJI) * 7_000   # 42,006 UTF-16 units
    rows = [["2026-02-25", "是", "李四", 30, 2, opinions, "=cmd|' /C calc'!A0"]]
    data = registers.write(registers.Register.RECEPTIONS, rows, fmt)
    if fmt == "xlsx":
        head, row = xlsx_cells(data)
        assert row[0] == 1 and row[4] == 30 and row[5] == 2          # 序号, 接待人次, 意见建议数: numbers
    else:
        head, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert row[0] == "1" and row[4] == "30"
    assert head[6] == "反映的意见建议"
    assert row[6].endswith(sheets.TRUNCATED) and sheets.utf16_units(row[6]) <= sheets.MAX_CELL_UNITS
    assert row[7] == "'=cmd|' /C calc'!A0"


def test_decode_csv_by_bom_then_utf8_then_gb18030():
    text = "姓名,代表层级\n张三,县\n"
    for data in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("gb18030"),
                 b"\xff\xfe" + text.encode("utf-16-le"), b"\xfe\xff" + text.encode("utf-16-be"),
                 text.encode("utf-32")):
        assert sheets.decode_csv(data).lstrip("\ufeff") == text
    with pytest.raises(sheets.SheetError, match="UTF-8"):
        sheets.decode_csv(b"\x80\xff\xfe,x")
    with pytest.raises(sheets.SheetError, match="UTF-16"):
        sheets.decode_csv(text.encode("utf-16-le"))


def test_headings_fold_full_width_and_other_spaces():
    assert sheets.fold_heading("性　别") == "性别"
    assert sheets.fold_heading(" 民 族\u200b ") == "民族"
    assert sheets.fold_heading("ＩＤ") == "ID"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_whole_numbers_and_finite_floats_are_numbers_and_nan_is_text(fmt):
    data = sheets.write(("月份", "件数", "中位数"), [["2026年3月", 4, 6.5], ["=1+1", 0, float("nan")]], fmt, title="t")
    if fmt == "xlsx":
        assert xlsx_cells(data)[1:] == [["2026年3月", 4, 6.5], ["'=1+1", 0, "nan"]]
    else:
        assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:] == [["2026年3月", "4", "6.5"],
                                                                              ["'=1+1", "0", "nan"]]
