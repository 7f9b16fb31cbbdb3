"""Bulk import and export of a roster in the layout committee offices keep (代表名册):
one row per deputy, Chinese column headings in the first row, XLSX or CSV.

Import never trusts the file: sizes and row counts are capped, formulas are never
evaluated (cell values only), and each row goes through ``domain.validate_profile`` so
that a bad cell becomes a row error naming the column and row the office has to fix.

Import never loses data silently either:
- A column absent from the file is not an empty column: the rows say nothing about that
  field, and an update leaves it as stored (``Row.columns`` says which were present).
- Headings are matched after folding spaces (性　别 with the full-width space of paper
  forms is 性别); a heading that is still not one of ``COLUMNS`` is reported as a warning, and
  so is a column with cells but no heading (the first row with data is named).
- What Excel did to a cell is reported. Every roster column is text. A cell Excel turned
  into a date (选区 "3-1" becomes 2026-03-01) has lost what was typed, and one it turned into
  a logical value (TRUE) holds nothing a roster column means: the row is refused with an
  error telling the office to format the column as text. A phone Excel stored as a
  number has lost its leading 0 unless it is a mobile (1[3-9] + 9 digits) or a 400/800
  number: the row is refused too (a landline without its area code's 0 is a wrong number,
  not a warning). Any other number in a text column (an intact mobile, a 届次 of 15) is
  imported with a row warning to format the column as text; so is a region code stored as
  a whole number of 6 or 9 digits (652301, 652301001.0), which is exact: GB/T 2260 codes
  never start with 0.
- A cell holding an Excel error value (#N/A, #VALUE!, #REF!, #DIV/0!, #NAME?, #NULL!,
  #NUM!; in a CSV, the same text) has no value: the row is refused naming the column. A
  formula is never evaluated: one without a saved value (files written by programs) refuses
  the row, naming the column ("a formula without a saved value; save the file in Excel, or
  paste values"), and one with a saved value is imported as that value with a warning.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from openpyxl.utils import get_column_letter

from services.roster.domain import (
    GENDER_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    Contact,
    DeputyProfile,
    DeputyStatus,
    Gender,
    Level,
    Seat,
    validate_profile,
)
from shared import sheets as shared_sheets
from shared.errors import InvalidArgument
from shared.sheets import (
    EXCEL_ERRORS,
    FORMULA_WITHOUT_VALUE,
    Formula,
    SheetError,
    decode_csv,
    fold_heading,
    unquote,
    xlsx_values,
)

CONTENT_TYPES = shared_sheets.CONTENT_TYPES

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024   # a small ZIP may unpack to gigabytes
MAX_ROWS = 20_000                             # deputies in one file
MAX_SCANNED_ROWS = 100_000                    # blank rows included, so a file of empty rows ends
MAX_COLUMNS = 200
MAX_CELL_CHARS = 1000

REGION, NAME, GENDER, ETHNICITY = "区划代码", "姓名", "性别", "民族"
LEVELS, TERMS, DISTRICTS = "代表层级", "届次", "选区"
WORK_UNIT, POSITION, PHONE, EMAIL, ADDRESS = "工作单位", "职务", "联系电话", "电子邮箱", "通讯地址"
SPECIALTIES, STATUS = "专业领域", "状态"

COLUMNS = (REGION, NAME, GENDER, ETHNICITY, LEVELS, TERMS, DISTRICTS, WORK_UNIT, POSITION,
           PHONE, EMAIL, ADDRESS, SPECIALTIES, STATUS)
# Without these every row would fail, so their absence is a file-level error.
REQUIRED_COLUMNS = (NAME, LEVELS)
COLUMN_WIDTHS = {REGION: 12, NAME: 10, GENDER: 6, ETHNICITY: 8, LEVELS: 12, TERMS: 14,
                 DISTRICTS: 18, WORK_UNIT: 28, POSITION: 18, PHONE: 18, EMAIL: 26,
                 ADDRESS: 36, SPECIALTIES: 18, STATUS: 8}

# Where a validation error's field path lands in the sheet.
_FIELD_COLUMNS = {
    "region_code": REGION, "name": NAME, "gender": GENDER, "ethnicity": ETHNICITY,
    "seats": LEVELS, "work_unit": WORK_UNIT, "position": POSITION, "contact.phone": PHONE,
    "contact.email": EMAIL, "contact.address": ADDRESS, "specialties": SPECIALTIES,
}
_SEAT_COLUMNS = {"level": LEVELS, "term": TERMS, "electoral_district": DISTRICTS}
_SEAT_FIELD = re.compile(r"^seats\[(\d+)\]\.(\w+)$")

SEPARATORS = re.compile(r"[、;；,，]")
EXPORT_SEPARATOR = "、"
LABEL_SEPARATOR, LABEL_MARK = "；", "："

LEVEL_ALIASES = {
    **{alias: Level.NATIONAL for alias in ("全国", "全国人大")},
    **{alias: Level.PROVINCIAL for alias in ("省", "省级", "自治区")},
    **{alias: Level.PREFECTURE for alias in ("州", "州级", "地级", "市级")},
    **{alias: Level.COUNTY for alias in ("县", "县级", "区级", "县市区")},
    **{alias: Level.TOWNSHIP for alias in ("乡", "乡级", "镇", "镇级", "乡镇")},
    # A sub-district's deliberation deputy (议事代表, 街道议事代表), written with or without 代表.
    **{alias: Level.DELIBERATION for alias in ("议事", "议事代表", "街道议事", "街道议事代表")},
}
# A 街道 (sub-district) is an office of the county, with no people's congress of its own: its
# 人大工委 is the county congress's working committee, and the deputies there are county deputies.
SUBDISTRICT = "街道"
GENDER_ALIASES = {"": Gender.UNSPECIFIED, "男": Gender.MALE, "男性": Gender.MALE,
                  "女": Gender.FEMALE, "女性": Gender.FEMALE}
STATUS_ALIASES = {"": DeputyStatus.SERVING, **{label: s for s, label in STATUS_LABELS.items()}}

# Excel's damage to cells (see the module doc): mobiles and 400/800 numbers have no 0 to lose.
_INTACT_PHONE = re.compile(r"1[3-9][0-9]{9}|[48]00[0-9]{7}")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")
# A level's label and a colon, at the start of a cell or after a separator: "州：", "；县级:".
_LEVEL_LABEL = re.compile(
    r"(?:^|(?<=[、;；,，]))\s*(" + "|".join(sorted(map(re.escape, LEVEL_ALIASES), key=len, reverse=True))
    + r")(?:人大代表|代表|人大)?\s*[:：]")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str     # the heading as written in the file; "" for the whole row or file
    reason: str


@dataclass(frozen=True)
class SheetRow:
    row: int        # 1-based sheet row; the headings are row 1
    profile: DeputyProfile | None
    status: DeputyStatus | None   # None: no 状态 column (keep the stored status; new deputies serve)
    errors: tuple[RowError, ...]
    warnings: tuple[RowError, ...] = ()
    columns: frozenset[str] = frozenset(COLUMNS)   # the columns the file has


class SheetRows(list):
    """The rows of a file (a list of SheetRow), with what concerns the whole file:
    ``columns`` present and file-level ``warnings`` (unrecognised headings)."""

    def __init__(self, rows: Iterable[SheetRow], columns: frozenset[str], warnings: list[RowError]):
        super().__init__(rows)
        self.columns = columns
        self.warnings = warnings


def read_roster(content: bytes, fmt: str, default_region: str) -> SheetRows:
    """Parses every non-blank row below the headings. Rows that fail come back with their
    errors and no profile; the others come back validated, with their warnings. Raises
    SheetError for the file."""
    fmt = _format(fmt, SheetError)
    if len(content) > MAX_FILE_BYTES:
        raise SheetError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    rows = _xlsx_rows(content) if fmt == "xlsx" else _csv_rows(content)
    try:
        return _read_rows(rows, default_region)
    finally:
        rows.close()   # closes the workbook even when a limit stops the reading early


def _read_rows(rows: Iterator[Sequence[object]], default_region: str) -> SheetRows:
    try:
        headings = next(rows)
    except StopIteration:
        raise SheetError("the file is empty: the first row must hold the column headings") from None
    columns, warnings = _columns(headings)
    written = {col: heading for col, (_, heading) in columns.items()}
    present = frozenset(columns)
    # Columns whose heading cell is empty (or that lie beyond the headings): data there is
    # reported once per column, like an unknown heading, never dropped without a word.
    named = {i for i, h in enumerate(headings) if _cell_text(h).strip()}
    unnamed_seen: set[int] = set()
    out: list[SheetRow] = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_SCANNED_ROWS:
            raise SheetError(f"the file has more than {MAX_SCANNED_ROWS} rows")
        for i, v in enumerate(values):
            if i not in named and i not in unnamed_seen and _cell_text(v).strip():
                unnamed_seen.add(i)
                letter = get_column_letter(i + 1)
                warnings.append(RowError(number, "", f"column {letter} has no heading: its cells (the first in row "
                                                     f"{number}) were not imported; give it a heading or delete it"))
        raw = {col: values[i] if i < len(values) else None for col, (i, _) in columns.items()}
        cells = {col: _cell_text(v) for col, v in raw.items()}
        if not any(c.strip() for c in cells.values()):
            continue
        if len(out) == MAX_ROWS:
            raise SheetError(f"the file has more than {MAX_ROWS} deputies; split it into smaller files")
        out.append(_read_row(number, cells, written, default_region, raw, present))
    return SheetRows(out, present, warnings)


def write_roster(rows: Iterable[tuple[DeputyProfile, DeputyStatus]], fmt: str) -> bytes:
    """The roster in the import layout, so an exported file imports to the same profiles."""
    fmt = _format(fmt, ValueError)
    return shared_sheets.write(COLUMNS, (_export_cells(p, s) for p, s in rows), fmt, title="代表名册",
                               widths=COLUMN_WIDTHS)


def fill_absent(p: DeputyProfile, current: DeputyProfile,
                columns: frozenset[str]) -> tuple[DeputyProfile, list[tuple[str, str]]]:
    """``p`` as read from a file, with every field whose column the file lacks taken from
    ``current`` (the stored deputy): an absent column changes nothing. Returns the profile
    and notes for the row's warnings, (column, reason).

    Seats: 代表层级 names the levels the row is about, not the whole list. A spreadsheet cannot
    say "end this seat" safely (a file of one congress's deputies names only that level), so
    a stored seat the row does not name is kept, with a note; a seat ends through the API
    (UpdateDeputy) or the deputy's 状态. A named level that is stored keeps its 届次 and 选区
    unless the file has those columns; a named level that is new is added, with the file's
    届次 and 选区, and a note for each of those columns the file lacks."""
    keep: dict[str, Any] = {}
    if REGION not in columns:
        keep["region_code"] = current.region_code
    for column, field_name in ((NAME, "name"), (GENDER, "gender"), (ETHNICITY, "ethnicity"),
                               (WORK_UNIT, "work_unit"), (POSITION, "position"), (SPECIALTIES, "specialties")):
        if column not in columns:
            keep[field_name] = getattr(current, field_name)
    contact = replace(p.contact, **{f: getattr(current.contact, f) for c, f in
                                    ((PHONE, "phone"), (EMAIL, "email"), (ADDRESS, "address")) if c not in columns})
    seats, notes = _merge_seats(p.seats, current.seats, columns)
    return replace(p, contact=contact, seats=seats, **keep), notes


def _merge_seats(named: Sequence[Seat], stored: Sequence[Seat],
                 columns: frozenset[str]) -> tuple[tuple[Seat, ...], list[tuple[str, str]]]:
    """The seats after a row naming ``named`` over the ``stored`` ones (see ``fill_absent``)."""
    old = {s.level: s for s in stored}
    new = {s.level: s for s in named}
    notes: list[tuple[str, str]] = []
    seats = []
    for level in sorted(set(old) | set(new)):
        if level not in new:
            seats.append(old[level])
            continue
        s, before = new[level], old.get(level)
        seats.append(Seat(level, s.term if TERMS in columns or before is None else before.term,
                          s.electoral_district if DISTRICTS in columns or before is None
                          else before.electoral_district))
        lacking = [c for c in (TERMS, DISTRICTS) if c not in columns]
        if before is None and lacking:
            notes.append((LEVELS, f"{LEVELS}: the new {LEVEL_LABELS[level]} seat has no {'、'.join(lacking)} (the file "
                                  f"has no such column): add the column, or set them with UpdateDeputy"))
    kept = [old[level] for level in sorted(set(old) - set(new))]
    if kept:
        described = "; ".join(f"{LEVEL_LABELS[s.level]} ({s.term or 'no 届次'}, {s.electoral_district or 'no 选区'})"
                              for s in kept)
        notes.append((LEVELS, f"{LEVELS}: the file names {EXPORT_SEPARATOR.join(LEVEL_LABELS[lv] for lv in sorted(new))}"
                              f" only; the stored seat {described} is kept: an import never ends a seat (end it with "
                              f"UpdateDeputy, or the deputy with {STATUS})"))
    return tuple(seats), notes


# --- reading -------------------------------------------------------------------------

def _format(fmt: str, error: type[Exception]) -> str:
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in CONTENT_TYPES:
        raise error(f"unsupported file format {fmt!r}: use xlsx or csv")
    return fmt


def _xlsx_rows(content: bytes) -> Generator[Sequence[object], None, None]:
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise SheetError("this is an old .xls workbook or a password-protected file: save it as .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise SheetError("not an XLSX file (it is not a ZIP archive)") from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise SheetError(f"the XLSX file unpacks to more than {MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)} MB")
    # openpyxl raises many kinds of errors on malformed files; all of them mean "cannot read it".
    try:
        rows, close = xlsx_values(content, MAX_COLUMNS)
    except SheetError:
        raise
    except Exception as e:  # noqa: BLE001
        raise SheetError(f"not a readable XLSX file: {e}") from None
    try:
        # A formula cell comes as a Formula of its saved value, never evaluated.
        yield from rows
    except SheetError:
        raise
    except Exception as e:  # noqa: BLE001
        raise SheetError(f"the XLSX worksheet is damaged: {e}") from None
    finally:
        close()


def _csv_rows(content: bytes) -> Generator[Sequence[object], None, None]:
    if content[:4] == b"PK\x03\x04":
        raise SheetError("this looks like an XLSX workbook, not a CSV file: upload it as xlsx")
    text = decode_csv(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            yield record[:MAX_COLUMNS]
    except csv.Error as e:
        raise SheetError(f"the CSV file is malformed near line {reader.line_num}: {e}") from None


def _columns(headings: Sequence[object]) -> tuple[dict[str, tuple[int, str]], list[RowError]]:
    """Known column -> (index, heading as written), matched after folding spaces; and a
    warning for each heading that is not a roster column (its cells are not imported)."""
    found: dict[str, tuple[int, str]] = {}
    warnings: list[RowError] = []
    for i, raw in enumerate(headings):
        written = _cell_text(raw)
        name = fold_heading(written)
        if name not in COLUMNS:
            if name:
                warnings.append(RowError(1, written, f"{written.strip()}: not a roster column, its cells were "
                                                     f"not imported (columns: {'、'.join(COLUMNS)})"))
            continue
        if name in found:
            raise SheetError(f"the column {name} appears twice in the heading row")
        found[name] = (i, written)
    if not found and not any(_cell_text(h).strip() for h in headings):
        raise SheetError("the first row is blank: it must hold the column headings")
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        raise SheetError(f"missing column {'、'.join(missing)} in the heading row (row 1)")
    return found, warnings


def _cell_text(value: object) -> str:
    """A cell as the office sees it: numbers as their digits (no ".0"), dates as ISO dates,
    a formula as its saved value."""
    if isinstance(value, Formula):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"   # as Excel shows a logical value
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _excel_damage(column: str, value: object) -> tuple[bool, str] | None:
    """(refuse the row?, what happened) when a text column's cell is not text as typed: a
    formula, an error value, a number or a date; None for a text cell."""
    text_hint = "format the column as text (设置单元格格式 → 文本) and type the value again"
    if isinstance(value, Formula):
        if value.value is None:
            return True, FORMULA_WITHOUT_VALUE
        damage = _excel_damage(column, value.value)
        if damage and damage[0]:
            return damage
        note = f"a formula: its saved value ({_cell_text(value.value)}) was imported; paste values to keep it"
        return False, f"{note}; {damage[1]}" if damage else note
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        return True, (f"Excel shows the error value {value.strip()} in this cell: there is no value to import; "
                      "correct the cell or its formula")
    if isinstance(value, (datetime, date, time)):
        return True, f"Excel turned this cell into a date or time ({_cell_text(value)}); what was typed is lost: {text_hint}"
    if isinstance(value, bool):
        # No roster column holds a logical value: Excel made one of what was typed (TRUE, true, 1=1).
        return True, f"Excel stored this cell as the logical value {_cell_text(value)}, not as text: {text_hint}"
    if not isinstance(value, (int, float)):
        return None
    digits = _cell_text(value)
    if column == REGION and float(value).is_integer() and len(digits) in (6, 9):
        # Region codes never start with 0 (GB/T 2260), so the number is the code: kept.
        return False, f"Excel stored this region code as a number ({digits}); {text_hint}"
    if column == PHONE and not _INTACT_PHONE.fullmatch(digits):
        return True, f"Excel stored this phone as a number ({digits}) and dropped its leading 0: {text_hint}"
    return False, f"Excel stored this cell as a number ({digits}); to keep leading zeros, {text_hint}"


def _read_row(number: int, raw: dict[str, str], headings: dict[str, str],
              default_region: str, values: dict[str, object] | None = None,
              present: frozenset[str] = frozenset(COLUMNS)) -> SheetRow:
    errors: list[RowError] = []
    warnings: list[RowError] = []
    for column, value in (values or {}).items():
        damage = _excel_damage(column, value)
        if damage:
            heading = headings.get(column, column)
            (errors if damage[0] else warnings).append(RowError(number, heading, f"{heading.strip()}: {damage[1]}"))

    def fail(column: str, reason: str) -> None:
        """One error per column: the first is the one to fix, the rest often follow from it."""
        heading = headings.get(column, column)   # a column absent from the file keeps its name
        if not any(e.column == heading for e in errors):
            errors.append(RowError(number, heading, f"{heading.strip()}: {reason}"))

    cells: dict[str, str] = {}
    for column, text in raw.items():
        if len(text) > MAX_CELL_CHARS:
            fail(column, f"the cell is longer than {MAX_CELL_CHARS} characters")
            text = ""
        # Line breaks inside a cell (Alt+Enter in Excel) are kept as spaces.
        cells[column] = _LINE_BREAKS.sub(" ", unquote(text.strip())).strip()

    def get(column: str) -> str:
        return cells.get(column, "")

    levels: list[Level] = []
    for part in _split(get(LEVELS)):
        level = _level(part)
        if level is None and _fold(part).startswith(SUBDISTRICT):
            fail(LEVELS, f"'{part}': a 街道 has no people's congress (its 人大工委 works for the county's); "
                         "write 县 for the county deputies there, 议事代表 for its deliberation deputies")
        elif level is None:
            fail(LEVELS, f"unknown level '{part}' (use 全国, 省, 州, 县, 乡 or 议事代表)")
        else:
            levels.append(level)
    terms = _per_seat(get(TERMS), levels, TERMS, fail)
    districts = _per_seat(get(DISTRICTS), levels, DISTRICTS, fail)
    gender = GENDER_ALIASES.get(_fold(get(GENDER)))
    if gender is None:
        fail(GENDER, f"unknown gender '{get(GENDER)}' (use 男 or 女, or leave it empty)")
    status = STATUS_ALIASES.get(_fold(get(STATUS)))
    if status is None:
        fail(STATUS, f"unknown status '{get(STATUS)}' (use 在任, 辞职, 终止 or 补选)")
    if STATUS not in present:
        status = None   # the stored status stays; a new deputy serves

    draft = DeputyProfile(
        region_code=unicodedata.normalize("NFKC", get(REGION)) or default_region,
        name=get(NAME), gender=gender or Gender.UNSPECIFIED, ethnicity=get(ETHNICITY),
        seats=tuple(Seat(lv, t, d) for lv, t, d in zip(levels, terms, districts)),
        work_unit=get(WORK_UNIT), position=get(POSITION),
        contact=Contact(unicodedata.normalize("NFKC", get(PHONE)), get(EMAIL), get(ADDRESS)),
        specialties=tuple(_split(get(SPECIALTIES))))
    try:
        profile = validate_profile(draft)
    except InvalidArgument as e:
        column, reason = _locate(e, draft)
        if column:
            fail(column, reason)
        else:
            errors.append(RowError(number, "", f"{e.field}: {e.reason}"))
        profile = None
    if errors:
        return SheetRow(number, None, None, tuple(errors), tuple(warnings), present)
    return SheetRow(number, profile, status, (), tuple(warnings), present)


def _level(text: str) -> Level | None:
    """全国, 省级, 县人大代表 ...: the alias, with or without 人大/代表 after it."""
    text = _fold(text)
    for suffix in ("", "人大代表", "代表", "人大"):
        if text.endswith(suffix) and text[:len(text) - len(suffix)] in LEVEL_ALIASES:
            return LEVEL_ALIASES[text[:len(text) - len(suffix)]]
    return None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _labelled(text: str) -> list[tuple[str, str]] | None:
    """("州", "城关、北街"), ("县", "第2选区") for "州：城关、北街；县：第2选区"; None unless the
    cell starts with a level and a colon."""
    marks = list(_LEVEL_LABEL.finditer(text))
    if not marks or marks[0].start() != 0:
        return None
    out = []
    for m, following in zip(marks, [*marks[1:], None]):
        value = text[m.end():following.start() if following else len(text)].strip()
        if following is not None:   # the separator before the next label is no part of the value
            value = value[:-1].strip() if value and SEPARATORS.fullmatch(value[-1]) else value
        out.append((m[1], value))
    return out


def _split(text: str) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text) if part.strip()]


def _per_seat(text: str, levels: Sequence[Level], column: str, fail) -> list[str]:
    """A cell of 届次 or 选区: empty, one value for every seat, one value per seat in the order
    of 代表层级, or, for several seats, values labelled by level ("州：城关、北街；县：第2选区",
    which the export writes when a value holds a separator itself)."""
    seats = len(levels)
    if not text or seats == 0:
        return [""] * seats
    if seats == 1:
        return [text]  # the only seat takes the whole cell, separators and all
    labelled = _labelled(text)
    if labelled is not None:
        values: dict[Level, str] = {}
        for label, value in labelled:
            level = _level(label)
            if level is None or level not in levels:
                fail(column, f"'{label}' is not one of the levels in {LEVELS}")
                return [""] * seats
            if level in values:
                fail(column, f"level '{label}' is given twice")
                return [""] * seats
            values[level] = value
        return [values.get(level, "") for level in levels]
    parts = [part.strip() for part in SEPARATORS.split(text)]
    if len(parts) == 1:
        return parts * seats
    if len(parts) != seats:
        fail(column, f"{len(parts)} values for {seats} levels: give one value, or one per level in the same order")
        return [""] * seats
    return parts


def _locate(e: InvalidArgument, draft: DeputyProfile) -> tuple[str, str]:
    """The sheet column behind a validation error, and its reason in the sheet's terms."""
    path = e.field.removeprefix("deputy.")
    seat = _SEAT_FIELD.match(path)
    if seat:
        index, part = int(seat[1]), seat[2]
        level = draft.seats[index].level if index < len(draft.seats) else None
        which = f" (for level {LEVEL_LABELS[level]})" if level in LEVEL_LABELS else ""
        return _SEAT_COLUMNS.get(part, LEVELS), f"{e.reason}{which}"
    for prefix, column in _FIELD_COLUMNS.items():
        if path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "["):
            return column, e.reason
    return "", e.reason


# --- writing -------------------------------------------------------------------------

def _export_cells(p: DeputyProfile, status: DeputyStatus) -> list[str]:
    return [
        p.region_code, p.name, GENDER_LABELS.get(p.gender, ""), p.ethnicity,
        EXPORT_SEPARATOR.join(LEVEL_LABELS[s.level] for s in p.seats),
        _join_per_seat([s.level for s in p.seats], [s.term for s in p.seats]),
        _join_per_seat([s.level for s in p.seats], [s.electoral_district for s in p.seats]),
        p.work_unit, p.position, p.contact.phone, p.contact.email, p.contact.address,
        EXPORT_SEPARATOR.join(p.specialties), STATUS_LABELS[status],
    ]


def _join_per_seat(levels: list[Level], values: list[str]) -> str:
    """The simplest cell that reads back as ``values`` (see ``_per_seat``): one value shared
    by every seat, else the values in the order of the levels joined by 、, else (a value
    holds a separator or starts like a label) each value labelled by its level."""
    candidates = [values[0]] if len(set(values)) == 1 else []
    candidates.append(EXPORT_SEPARATOR.join(values))
    labelled = LABEL_SEPARATOR.join(f"{LEVEL_LABELS[lv]}{LABEL_MARK}{v}" for lv, v in zip(levels, values))
    for cell in candidates:
        if _reads_back(cell, levels, values):
            return cell
    return labelled


def _reads_back(cell: str, levels: list[Level], values: list[str]) -> bool:
    failed: list[str] = []
    return _per_seat(cell, levels, "", lambda _column, reason: failed.append(reason)) == values and not failed
