"""Accounts imported from a spreadsheet (XLSX or CSV): one row per account, Chinese headings
in the first row (matched after folding spaces, shared.sheets.fold_heading):

  用户名 | 姓名 | 角色 | 区划代码 | 代表或部门 | 初始密码

角色 is 工作人员, 代表, 部门, 常委会组成人员 or 审计人员 (or staff, deputy, department,
committee, auditor). 区划代码 empty: the import's region. 代表或部门: the deputy's id for a
deputy or committee member, the department's name for a department. 初始密码 empty: a
one-time password is generated and returned once. Every bad cell is a row error naming the
row and column; formulas are never evaluated (cell values only)."""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from services.identity import domain as d
from shared.errors import InvalidArgument
from shared.sheets import Formula, SheetError, decode_csv, fold_heading, refused_cell, unquote, xlsx_values

__all__ = ["SheetError", "RowError", "AccountSheetRow", "read_accounts", "column_of"]

USERNAME, NAME, ROLE, REGION, STANDS_FOR, PASSWORD = "用户名", "姓名", "角色", "区划代码", "代表或部门", "初始密码"
COLUMNS = (USERNAME, NAME, ROLE, REGION, STANDS_FOR, PASSWORD)
REQUIRED = (USERNAME, NAME, ROLE)
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024
MAX_ROWS = 5000
MAX_SCANNED = 20_000

ROLE_ALIASES = {
    **{a: d.AccountRole.STAFF for a in ("工作人员", "staff")},
    **{a: d.AccountRole.DEPUTY for a in ("代表", "deputy")},
    **{a: d.AccountRole.DEPARTMENT for a in ("部门", "department")},
    **{a: d.AccountRole.COMMITTEE for a in ("常委会组成人员", "常委", "committee")},
    **{a: d.AccountRole.AUDITOR for a in ("审计人员", "auditor")},
}
_FIELDS = {"account.username": USERNAME, "account.display_name": NAME, "account.role": ROLE,
           "account.region_code": REGION, "account.stands_for": STANDS_FOR, "one_time_password": PASSWORD}


def column_of(field: str) -> str:
    return _FIELDS.get(field, "")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass(frozen=True)
class AccountSheetRow:
    row: int
    draft: d.AccountDraft | None
    password: str
    errors: tuple[RowError, ...]


def read_accounts(content: bytes, fmt: str, default_region: str) -> list[AccountSheetRow]:
    """Every non-blank row below the headings, validated; SheetError for the file as a whole."""
    if len(content) > MAX_FILE_BYTES:
        raise SheetError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    rows = _xlsx(content) if fmt == "xlsx" else _csv(content)
    try:
        headings = next(rows)
    except StopIteration:
        raise SheetError("the file is empty: the first row must hold the column headings") from None
    index = {}
    for i, h in enumerate(headings):
        name = fold_heading(h)
        if name in COLUMNS and name not in index:
            index[name] = i
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        raise SheetError(f"columns missing: {'、'.join(missing)} (columns: {'、'.join(COLUMNS)})")
    out: list[AccountSheetRow] = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_SCANNED:
            raise SheetError(f"the file has more than {MAX_SCANNED} rows")
        raw = {c: values[i] if i < len(values) else None for c, i in index.items()}
        cells = {c: _text(v.value if isinstance(v, Formula) else v) for c, v in raw.items()}
        refused = tuple(RowError(number, c, f"{c}: {why}") for c, v in raw.items()
                        if (why := refused_cell(v)) is not None)
        if not refused and not any(v.strip() for v in cells.values()):
            continue
        if len(out) == MAX_ROWS:
            raise SheetError(f"the file has more than {MAX_ROWS} accounts; split it")
        out.append(AccountSheetRow(number, None, "", refused) if refused else _row(number, cells, default_region))
    return out


def _row(number: int, cells: dict[str, str], default_region: str) -> AccountSheetRow:
    role_text = cells.get(ROLE, "").strip()
    role = ROLE_ALIASES.get(role_text) or ROLE_ALIASES.get(role_text.lower())
    if role is None:
        return AccountSheetRow(number, None, "", (RowError(number, ROLE, f"{role_text or '(empty)'}: one of "
                                                                           "工作人员、代表、部门、常委会组成人员、审计人员"),))
    try:
        draft = d.validate_account(d.AccountDraft(cells.get(USERNAME, ""), cells.get(NAME, ""), role,
                                                  cells.get(REGION, "").strip() or default_region,
                                                  cells.get(STANDS_FOR, "")))
    except InvalidArgument as e:
        return AccountSheetRow(number, None, "", (RowError(number, column_of(e.field), e.reason),))
    return AccountSheetRow(number, draft, cells.get(PASSWORD, ""), ())


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unquote(str(value))[:500]


def _xlsx(content: bytes) -> Iterator[Sequence[object]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED:
                raise SheetError(f"the XLSX file unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB")
        # Saved values with formula cells marked, so a formula without a saved value is refused
        # rather than read as an empty cell (shared.sheets.refused_cell).
        rows, close = xlsx_values(content, 20)
    except SheetError:
        raise
    except Exception as e:  # noqa: BLE001 - openpyxl and zipfile raise many kinds for a damaged file
        raise SheetError(f"not a readable XLSX file: {e}") from None
    try:
        yield from rows
    finally:
        close()


def _csv(content: bytes) -> Iterator[Sequence[object]]:
    if content[:4] == b"PK\x03\x04":
        raise SheetError("this looks like an XLSX workbook, not a CSV file: upload it as xlsx")
    reader = csv.reader(io.StringIO(decode_csv(content), newline=""))
    try:
        yield from reader
    except csv.Error as e:
        raise SheetError(f"the CSV file is malformed near line {reader.line_num}: {e}") from None
