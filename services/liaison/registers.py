"""The six registers an activity room keeps (六有/八有), written as XLSX or CSV.

One sheet per register, Chinese column headings in the first row, one row per entry, in
the layout venue offices keep on paper. This module only writes: it takes plain row
values (already read and scoped by the use case) and never touches the database.

Every cell is written as text. A cell that a spreadsheet would run as a formula (it
starts with = + - @, a tab or a carriage return) gets a leading single quote, which Excel
and LibreOffice show as plain text (CSV/formula injection: a citizen's opinion text ends
up in these files). Text made only of digits after one + or - (phone numbers) is left alone.
"""
from __future__ import annotations

import csv
import enum
import io
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class Register(enum.IntEnum):
    """Numbers match lianxin.liaison.v1.Register."""
    ROSTER = 1          # 代表名册
    MAJOR_MATTERS = 2   # 重大事项记录
    MEETINGS = 3        # 会议记录
    ACTIVITIES = 4      # 活动记录
    RECEPTIONS = 5      # 接待选民登记
    TRANSFERS = 6       # 转办登记簿


TITLES = {
    Register.ROSTER: "代表名册",
    Register.MAJOR_MATTERS: "重大事项记录",
    Register.MEETINGS: "会议记录",
    Register.ACTIVITIES: "活动记录",
    Register.RECEPTIONS: "接待选民登记",
    Register.TRANSFERS: "转办登记簿",
}

# File names stay ASCII: some mail gateways and old browsers mangle non-ASCII names.
SLUGS = {
    Register.ROSTER: "roster",
    Register.MAJOR_MATTERS: "major-matters",
    Register.MEETINGS: "meetings",
    Register.ACTIVITIES: "activities",
    Register.RECEPTIONS: "receptions",
    Register.TRANSFERS: "transfers",
}

_RECORD_COLUMNS = ("序号", "日期", "主题", "参加代表", "人次", "记录人", "备注")
COLUMNS: dict[Register, tuple[str, ...]] = {
    Register.ROSTER: ("序号", "姓名", "所属区划", "区划代码", "状态", "代表码"),
    Register.MAJOR_MATTERS: _RECORD_COLUMNS,
    Register.MEETINGS: _RECORD_COLUMNS,
    Register.ACTIVITIES: ("序号", "日期", "类型", "主题", "参加代表", "人次", "记录人", "备注"),
    Register.RECEPTIONS: ("序号", "接待日期", "按期接待", "接待代表", "接待人次", "意见建议数",
                          "反映的意见建议", "备注"),
    Register.TRANSFERS: ("序号", "转办日期", "提出日期", "类别", "意见建议内容", "承办单位", "办理期限",
                         "办理答复", "答复时间", "办理状态"),
}
WIDTHS = {"序号": 6, "日期": 12, "接待日期": 12, "转办日期": 12, "提出日期": 12, "办理期限": 12, "答复时间": 18,
          "主题": 30, "参加代表": 24, "接待代表": 24, "人次": 8, "接待人次": 10, "记录人": 14,
          "备注": 30, "类型": 10, "按期接待": 10, "意见建议数": 10, "反映的意见建议": 50,
          "姓名": 12, "所属区划": 16, "区划代码": 12, "状态": 8, "代表码": 16, "类别": 12,
          "意见建议内容": 50, "承办单位": 20, "办理答复": 40, "办理状态": 10}

ACTIVITY_KIND_LABELS = {1: "走访选民", 2: "接待选民", 3: "会议", 4: "主题活动", 5: "重大事项"}
# lianxin.roster.v1.DeputyStatus, as the directory keeps it.
DEPUTY_STATUS_LABELS = {1: "在任", 2: "辞职", 3: "终止", 4: "补选"}
# lianxin.liaison.v1.OpinionStatus
OPINION_STATUS_LABELS = {1: "已提出", 2: "已受理", 3: "不予受理", 4: "已答复", 5: "转办中", 6: "部门已答复",
                         7: "已上报", 8: "已解决", 9: "未解决", 10: "已反馈", 11: "已办结"}

_FORMULA_START = re.compile(r"[=@\t\r+\-]")
_PLAIN_NUMBER = re.compile(r"[+\-]?[0-9][0-9\- ]*", re.ASCII)


@dataclass(frozen=True)
class Sheet:
    register: Register
    rows: list[Sequence[object]]     # cells without the 序号 column: it is numbered here


def neutralise(value: object) -> str:
    """A cell's text, made safe to open in a spreadsheet (see the module doc)."""
    text = "" if value is None else str(value)
    body = text.lstrip("'")
    if _FORMULA_START.match(body) and not _PLAIN_NUMBER.fullmatch(body):
        return "'" + text
    return text


def filename(register: Register, venue_id: str, date_from: str, date_to: str, fmt: str) -> str:
    period = f"-{date_from or 'start'}_{date_to or 'now'}" if register is not Register.ROSTER else ""
    return f"{SLUGS[register]}-{venue_id}{period}.{fmt}"


def write(register: Register, rows: Iterable[Sequence[object]], fmt: str) -> bytes:
    """The register as a file: headings, then the rows numbered from 1."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unsupported file format {fmt!r}")
    columns = COLUMNS[register]
    records = ([neutralise(n)] + [neutralise(v) for v in row] for n, row in enumerate(rows, start=1))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(columns)
        for record in records:
            if len(record) != len(columns):
                raise ValueError(f"{TITLES[register]}: {len(record)} cells for {len(columns)} columns")
            writer.writerow(record)
        # The BOM makes Excel read the file as UTF-8 rather than the system code page.
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(TITLES[register])
    for i, heading in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(heading, 14)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    ws.append([_cell(ws, h, bold) for h in columns])
    for record in records:
        if len(record) != len(columns):
            raise ValueError(f"{TITLES[register]}: {len(record)} cells for {len(columns)} columns")
        ws.append([_cell(ws, v) for v in record])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(ws, value: str, font: Font | None = None) -> WriteOnlyCell | None:
    if not value and font is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"   # always text: never a formula
    if font is not None:
        cell.font = font
    return cell
