"""The six registers an activity room keeps (六有/八有), written as XLSX or CSV.

One sheet per register, Chinese column headings in the first row, one row per entry, in
the layout venue offices keep on paper. This module only writes: it takes plain row
values (already read and scoped by the use case) and never touches the database.

Cells are written by the shared writer (shared.sheets): text cells as text, guarded
against formula injection (a citizen's opinion text ends up in these files) and cut with a
visible note at Excel's cell limit; counts (序号, 人次, 意见建议数) as numbers.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date

from shared import sheets

CONTENT_TYPES = sheets.CONTENT_TYPES


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


def filename(register: Register, region_code: str, venue_id: str, date_from: date | None, date_to: date | None,
             fmt: str) -> str:
    """The export's file name: ``<register>-<venue's region code>-<venue id>-<period>.<fmt>``,
    ASCII only so that it goes into a Content-Disposition header and any file system as is.
    The period is the request's China days: ``2026-01-01_2026-12-31``, ``from-2026-01-01``
    (no end), ``until-2026-12-31`` (no start) or ``all`` (neither); the roster, a list of who
    serves now, has none. E.g. ``receptions-652301-<uuid>-2026-01-01_2026-03-31.xlsx``."""
    base = f"{SLUGS[register]}-{region_code}-{venue_id}"
    if register is Register.ROSTER:
        return f"{base}.{fmt}"
    if date_from and date_to:
        period = f"{date_from.isoformat()}_{date_to.isoformat()}"
    elif date_from:
        period = f"from-{date_from.isoformat()}"
    elif date_to:
        period = f"until-{date_to.isoformat()}"
    else:
        period = "all"
    return f"{base}-{period}.{fmt}"


def write(register: Register, rows: Iterable[Sequence[object]], fmt: str) -> bytes:
    """The register as a file: headings, then the rows numbered from 1 (序号, a number).
    Raises ValueError for an unknown format or a row of the wrong length."""
    numbered = ([n, *row] for n, row in enumerate(rows, start=1))
    return sheets.write(COLUMNS[register], numbered, fmt, title=TITLES[register], widths=WIDTHS)
