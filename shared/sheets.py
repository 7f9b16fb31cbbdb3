"""Spreadsheets offices open in Excel or WPS: one XLSX/CSV writer for every export and the
reading helpers every import shares.

Writing (``write``): headings in bold in the first row, frozen, column widths; text cells
are always text (never a formula, phones keep their leading 0), whole numbers (序号, 人次),
finite floats and Decimals (money in yuan, shown with two places) are numeric cells; every text cell goes through two guards:

- Formula injection: Excel and LibreOffice run a cell that starts with = + - @ (or a tab or
  carriage return) as a formula, and a citizen's opinion text ends up in these files. Such
  a cell gets a leading single quote, which both show as plain text and ``unquote`` removes
  on import. Text made only of digits, spaces and hyphens after one leading + or - (phone
  numbers such as "+86 138 0000 0000") cannot call anything and is left alone; a cell that
  already starts with quotes before such text gets one quote more, so "'=x" round-trips.
- Cell size: Excel holds at most 32,767 characters in a cell, counted in UTF-16 code units
  (an emoji outside the BMP counts 2), and cuts a longer CSV cell on opening without a word.
  A longer cell is cut to fit, at a character boundary, and ends in ``TRUNCATED`` so the
  reader knows the full text is in the system. CSV files get the same limit: they are
  opened in Excel.

Reading: ``decode_csv`` (UTF-8 with or without BOM, any BOM-marked UTF-16/UTF-32, else
GB18030, else a clear error), ``fold_heading`` (headings compared without spaces, the
full-width U+3000 of paper forms included), ``unquote``, ``xlsx_values`` (cell values with
formulas marked, see ``Formula``) and ``EXCEL_ERRORS`` (the error values Excel shows in a
cell, and writes as text when it saves a CSV).
"""
from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import zip_longest

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Excel's limit for one cell ("Total number of characters that a cell can contain"),
# in UTF-16 code units.
MAX_CELL_UNITS = 32_767
TRUNCATED = "…[已截断，全文见系统]"
# Excel's largest whole number it shows exactly (15 significant digits).
MAX_EXACT_NUMBER = 10**15 - 1

_FORMULA_START = re.compile(r"[=@\t\r+\-]")
_PLAIN_NUMBER = re.compile(r"[+\-]?[0-9][0-9\- ]*", re.ASCII)


# The error values of Excel (and WPS, LibreOffice): a cell that holds one holds no value.
EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA"})
FORMULA_WITHOUT_VALUE = "a formula without a saved value; save the file in Excel, or paste values"


@dataclass(frozen=True)
class Formula:
    """A formula cell of an XLSX file, by the value the file saved with it (``None``: none
    saved: files written by programs often carry formulas that no spreadsheet has computed).
    Formulas are never evaluated here."""
    value: object


class SheetError(Exception):
    """A file as a whole cannot be read: wrong format, encoding, no headings, too big."""


# ---- writing ------------------------------------------------------------------------

def utf16_units(value: str) -> int:
    """Length as Excel counts it: characters outside the BMP (most emoji) count 2."""
    return len(value) + sum(1 for c in value if ord(c) > 0xFFFF)


def fit(value: str, limit: int = MAX_CELL_UNITS) -> str:
    """``value`` if Excel can hold it, else cut at a character boundary so that the text
    plus ``TRUNCATED`` is ``limit`` UTF-16 units at most."""
    if utf16_units(value) <= limit:
        return value
    room = limit - utf16_units(TRUNCATED)
    out, used = [], 0
    for c in value:
        units = 2 if ord(c) > 0xFFFF else 1
        if used + units > room:
            break
        out.append(c)
        used += units
    return "".join(out) + TRUNCATED


def is_formula_like(text: str) -> bool:
    """Text a spreadsheet would take for a formula, or that reads as one of its error values
    (an address that is literally "#N/A" would be refused on re-import as an error cell)."""
    return (bool(_FORMULA_START.match(text)) and not _PLAIN_NUMBER.fullmatch(text)) or text.strip() in EXCEL_ERRORS


def neutralise(value: object) -> str:
    """A cell's text, made safe to open in a spreadsheet (see the module doc)."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text.lstrip("'")) else text


def unquote(text: str) -> str:
    """What ``neutralise`` wrote, read back: the one quote it added goes again."""
    return text[1:] if text.startswith("'") and is_formula_like(text.lstrip("'")) else text


def cell_value(value: object) -> str | int | float | Decimal:
    """What a cell holds in a file: whole numbers stay numbers (so Excel can sum 人次), and so
    do finite floats (a median of days) and Decimals (money in yuan, shown with two places);
    everything else is guarded text within the cell limit."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_EXACT_NUMBER:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, Decimal) and value.is_finite() and abs(value) <= MAX_EXACT_NUMBER:
        return value
    return fit(neutralise(value))


def write(columns: Sequence[str], rows: Iterable[Sequence[object]], fmt: str, *, title: str,
          widths: Mapping[str, float] | None = None) -> bytes:
    """The sheet as XLSX or CSV bytes: ``columns`` as headings, then ``rows`` (one value per
    column: str, int or None). Raises ValueError for an unknown ``fmt`` or a row of the
    wrong length."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unsupported file format {fmt!r}: use xlsx or csv")
    widths = widths or {}

    def records():
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"{title}: {len(row)} cells for {len(columns)} columns")
            yield [cell_value(v) for v in row]

    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(records())
        # The BOM makes Excel read the file as UTF-8 rather than the system code page.
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])   # Excel's limit for a sheet name
    for i, heading in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(heading, 14)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    ws.append([_cell(ws, h, bold) for h in columns])
    for record in records():
        ws.append([_cell(ws, v) for v in record])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell(ws, value: str | int | float | Decimal, font: Font | None = None) -> WriteOnlyCell | None:
    if value == "" and font is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"   # always text: never a formula, and phones keep leading zeros
    elif isinstance(value, Decimal):
        cell.number_format = "0.00"   # money in yuan: its two places shown, summable
    if font is not None:
        cell.font = font
    return cell


# ---- reading ------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_csv(content: bytes) -> str:
    """The text of a CSV file: by its byte-order mark if it has one (UTF-8, UTF-16 LE/BE as
    Excel's "Unicode text" writes, UTF-32), else UTF-8, else GB18030 (Excel and WPS on a
    Chinese Windows save "CSV" in the system code page). Raises SheetError otherwise."""
    for bom, encoding in _BOMS:   # UTF-32 LE starts with the UTF-16 LE mark: checked first
        if content.startswith(bom):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError as e:
                raise SheetError(f"the CSV file is marked as {encoding.upper().replace('-SIG', '')} "
                                 f"but byte {e.start} is not: save it again as 'CSV UTF-8'") from None
    if b"\x00" in content:
        raise SheetError("not a CSV text file (it contains binary data, or UTF-16 text without a "
                         "byte-order mark): save it as 'CSV UTF-8'")
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError("the CSV file is neither UTF-8 nor GB18030 text and has no byte-order mark: "
                     "save it as 'CSV UTF-8'")


def fold_heading(value: object) -> str:
    """A heading as compared: NFKC, without any space (性　别 is 性别) or invisible character."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc"))


def refused_cell(value: object) -> str | None:
    """Why a cell of a text column cannot be imported, or None: a formula with no saved value,
    an Excel error value, or a date or logical value Excel made of what was typed (the typed
    text is gone). A formula with a saved value is its value."""
    if isinstance(value, Formula):
        if value.value is None:
            return FORMULA_WITHOUT_VALUE
        value = value.value
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        return f"Excel shows the error value {value.strip()} in this cell: correct the cell or its formula"
    if isinstance(value, bool):
        return "Excel stored this cell as a logical value, not as text: format the column as text"
    if isinstance(value, (datetime, date, time)):
        return "Excel turned this cell into a date or time: format the column as text and type it again"
    return None


def xlsx_values(content: bytes, max_col: int) -> tuple[Iterator[tuple[object, ...]], Callable[[], None]]:
    """The first worksheet's rows of an XLSX file, each cell its saved value and a formula
    cell a ``Formula`` of it; and a function that closes the file. The file is read twice
    (values, then which cells are formulas): openpyxl gives one or the other per reading.
    SheetError if it has no worksheet; else raises what ``openpyxl.load_workbook`` raises
    on a file it cannot read."""
    values = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        formulas = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:
        values.close()
        raise

    def close() -> None:
        values.close()
        formulas.close()

    if not values.worksheets or not formulas.worksheets:
        close()
        raise SheetError("the XLSX file has no worksheet")

    def rows() -> Iterator[tuple[object, ...]]:
        for saved, cells in zip_longest(values.worksheets[0].iter_rows(max_col=max_col, values_only=True),
                                        formulas.worksheets[0].iter_rows(max_col=max_col), fillvalue=()):
            yield tuple(Formula(v) if getattr(c, "data_type", None) == "f" else v
                        for v, c in zip_longest(saved, cells))
    return rows(), close
