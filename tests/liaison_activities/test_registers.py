"""ExportRegister: the six registers of a venue, XLSX and CSV, Chinese headings and the right rows."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
from activities_support import COUNTY_A, TOWNSHIP_A
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as pb
from openpyxl import load_workbook

from services.liaison import registers
from shared import sheets

K, R = pb.ActivityKind, pb.Register
XLSX, CSV = common_pb2.FILE_FORMAT_XLSX, common_pb2.FILE_FORMAT_CSV
UTC = timezone.utc


def read(resp, fmt) -> list[list[str]]:
    if fmt == CSV:
        assert resp.content_type == "text/csv; charset=utf-8" and resp.filename.endswith(".csv")
        assert resp.content.startswith("\ufeff".encode())
        return [row for row in csv.reader(io.StringIO(resp.content.decode("utf-8-sig")))]
    assert resp.content_type.endswith("spreadsheetml.sheet") and resp.filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    ws = wb.worksheets[0]
    rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
    title = ws.title
    wb.close()
    width = len(rows[0])   # trailing empty cells are not stored in the sheet
    rows = [r + [""] * (width - len(r)) for r in rows]
    rows.insert(0, [title])
    return rows


@pytest.fixture(scope="module")
def venue_world(liaison):
    s = liaison
    zhang, li = s.deputy(COUNTY_A, "张三"), s.deputy(TOWNSHIP_A, "李四")
    outsider = s.deputy(COUNTY_A, "赵六")
    venue = s.venue(COUNTY_A, "三工镇代表之家", days="5,25", members=(zhang, li))
    other_venue = s.venue(COUNTY_A, "另一个代表之家")

    def rec(**f):
        return s.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(**f)))

    rec(venue_id=venue, kind=K.ACTIVITY_KIND_MAJOR_MATTER, date="2026-02-10", title="讨论年度民生实事项目",
        deputy_ids=[zhang], notes="形成建议3条")
    rec(venue_id=venue, kind=K.ACTIVITY_KIND_MEETING, date="2026-02-11", title="=HYPERLINK(\"http://x\")",
        deputy_ids=[zhang, li], people_reached=12)
    rec(venue_id=venue, kind=K.ACTIVITY_KIND_MEETING, date="2025-12-30", title="去年的会议")
    on = rec(venue_id=venue, kind=K.ACTIVITY_KIND_RECEPTION, date="2026-02-25", title="二月接待日",
             deputy_ids=[li], people_reached=30)
    rec(venue_id=venue, kind=K.ACTIVITY_KIND_RECEPTION, date="2026-02-26", title="补充接待", people_reached=5)
    rec(venue_id=other_venue, kind=K.ACTIVITY_KIND_MEETING, date="2026-02-11", title="别处的会议")
    s.opinion(COUNTY_A, text_="小区路灯不亮", category="城市管理", activity_id=on.id)
    s.opinion(COUNTY_A, text_="学校门口需要红绿灯", category="道路交通", activity_id=on.id,
              raised_at=datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    transfer = dict(department="dept-transport", name="县交通运输局",
                    deadline=datetime(2026, 3, 20, 16, 0, tzinfo=UTC), reply="已安装信号灯",
                    replied_at=datetime(2026, 3, 15, 2, 30, tzinfo=UTC), at=datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    s.opinion(COUNTY_A, text_="学校门口需要红绿灯", category="道路交通", deputy_id=li, status=6, transfer=transfer)
    s.opinion(COUNTY_A, text_="村道破损", category="道路交通", venue_id=venue, status=5,
              transfer=dict(department="dept-roads", name="县公路局", at=datetime(2026, 4, 1, 1, 0, tzinfo=UTC)))
    s.opinion(COUNTY_A, text_="不相干的转办", deputy_id=outsider, status=5,
              transfer=dict(department="dept-x", name="别的局", at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC)))
    s.opinion(COUNTY_A, text_="未转办的意见", deputy_id=zhang)
    return {"venue": venue, "zhang": zhang, "li": li}


def export(s, venue, register, fmt, date_from="2026-01-01", date_to="2026-12-31"):
    return s.call("ExportRegister", pb.ExportRegisterRequest(venue_id=venue, register=register, format=fmt,
                                                              date_from=date_from, date_to=date_to))


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_roster_register_lists_the_venues_deputies(liaison, venue_world, fmt):
    rows = read(export(liaison, venue_world["venue"], R.REGISTER_ROSTER, fmt), fmt)
    if fmt == XLSX:
        assert rows.pop(0) == ["代表名册"]
    assert rows[0] == ["序号", "姓名", "所属区划", "区划代码", "状态", "代表码"]
    assert [r[1:5] for r in rows[1:]] == [["张三", "昌吉市", COUNTY_A, "在任"], ["李四", "三工镇", TOWNSHIP_A, "在任"]]
    assert [r[0] for r in rows[1:]] == ["1", "2"]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_major_matters_and_meetings_of_the_period(liaison, venue_world, fmt):
    rows = read(export(liaison, venue_world["venue"], R.REGISTER_MAJOR_MATTERS, fmt), fmt)
    if fmt == XLSX:
        assert rows.pop(0) == ["重大事项记录"]
    assert rows[0] == ["序号", "日期", "主题", "参加代表", "人次", "记录人", "备注"]
    assert rows[1:] == [["1", "2026-02-10", "讨论年度民生实事项目", "张三", "0", "", "形成建议3条"]]
    rows = read(export(liaison, venue_world["venue"], R.REGISTER_MEETINGS, fmt), fmt)
    if fmt == XLSX:
        assert rows.pop(0) == ["会议记录"]
    # one meeting in 2026 at this venue; its formula-like title is written as quoted text
    assert rows[1:] == [["1", "2026-02-11", "'=HYPERLINK(\"http://x\")", "张三、李四", "12", "", ""]]
    everything = read(export(liaison, venue_world["venue"], R.REGISTER_MEETINGS, fmt, "", ""), fmt)
    assert len(everything) == (4 if fmt == XLSX else 3)   # last year's meeting too


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_activity_record_has_every_kind(liaison, venue_world, fmt):
    rows = read(export(liaison, venue_world["venue"], R.REGISTER_ACTIVITIES, fmt), fmt)
    if fmt == XLSX:
        assert rows.pop(0) == ["活动记录"]
    assert rows[0] == list(registers.COLUMNS[registers.Register.ACTIVITIES])
    assert [(r[1], r[2]) for r in rows[1:]] == [("2026-02-10", "重大事项"), ("2026-02-11", "会议"),
                                               ("2026-02-25", "接待选民"), ("2026-02-26", "接待选民")]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_reception_register_with_people_and_opinions(liaison, venue_world, fmt):
    rows = read(export(liaison, venue_world["venue"], R.REGISTER_RECEPTIONS, fmt), fmt)
    if fmt == XLSX:
        assert rows.pop(0) == ["接待选民登记"]
    assert rows[0] == ["序号", "接待日期", "按期接待", "接待代表", "接待人次", "意见建议数", "反映的意见建议", "备注"]
    assert rows[1] == ["1", "2026-02-25", "是", "李四", "30", "2",
                       "【城市管理】小区路灯不亮；【道路交通】学校门口需要红绿灯", ""]
    assert rows[2] == ["2", "2026-02-26", "否", "", "5", "0", "", ""]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_transfer_register_of_the_venue_and_its_deputies(liaison, venue_world, fmt):
    rows = read(export(liaison, venue_world["venue"], R.REGISTER_TRANSFERS, fmt), fmt)
    if fmt == XLSX:
        assert rows.pop(0) == ["转办登记簿"]
    assert rows[0] == ["序号", "转办日期", "提出日期", "类别", "意见建议内容", "承办单位", "办理期限",
                       "办理答复", "答复时间", "办理状态"]
    # transferred at 17:00 UTC on 2 March = 3 March in China; deadline and reply in China time too
    assert rows[1] == ["1", "2026-03-03", "2026-03-01", "道路交通", "学校门口需要红绿灯", "县交通运输局",
                       "2026-03-21", "已安装信号灯", "2026-03-15 10:30", "部门已答复"]
    assert rows[2][:6] == ["2", "2026-04-01", "2026-03-01", "道路交通", "村道破损", "县公路局"]
    assert rows[2][6:] == ["", "", "", "转办中"]
    assert len(rows) == 3
    march = read(export(liaison, venue_world["venue"], R.REGISTER_TRANSFERS, fmt, "2026-03-03", "2026-03-31"), fmt)
    assert len(march) == (3 if fmt == XLSX else 2)
    before = read(export(liaison, venue_world["venue"], R.REGISTER_TRANSFERS, fmt, "2026-03-01", "2026-03-02"), fmt)
    assert len(before) == (2 if fmt == XLSX else 1)   # headings only


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_recorder_is_a_persons_name_never_a_token_subject(liaison, fmt):
    deputy = liaison.deputy(COUNTY_A, "阿依古丽·示例")
    venue = liaison.venue(COUNTY_A, f"记录人测试之家{fmt}", members=(deputy,))
    liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        venue_id=venue, kind=K.ACTIVITY_KIND_VISIT, date="2026-02-12", title="走访")),
        role="deputy", region=COUNTY_A, subject=deputy)
    liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        venue_id=venue, kind=K.ACTIVITY_KIND_MEETING, date="2026-02-13", title="例会")),
        subject="clerk-login-7")
    rows = read(export(liaison, venue, R.REGISTER_ACTIVITIES, fmt), fmt)
    head = rows[1] if fmt == XLSX else rows[0]   # read() puts the sheet's title first
    recorders = [r[head.index("记录人")] for r in rows[-2:]]
    assert recorders == ["阿依古丽·示例", ""]
    assert not any(deputy in cell or "clerk-login-7" in cell for r in rows for cell in r)


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_recorder_is_the_name_a_staff_token_carries(liaison, fmt):
    """A staff token with a name (its `name` claim) records a reception: the activities
    register's 记录人 is that name, the Activity carries it, and the subject shows nowhere. A
    token without a name leaves 记录人 blank, never its subject."""
    venue = liaison.venue(COUNTY_A, f"具名记录人之家{fmt}", days="5,25")
    named = liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        venue_id=venue, kind=K.ACTIVITY_KIND_RECEPTION, date="2026-02-25", title="接待日", people_reached=3)),
        region=COUNTY_A, subject="wangxl-login", name="王秀兰")
    assert named.recorder_name == "王秀兰" and named.recorded_by == "wangxl-login"
    liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        venue_id=venue, kind=K.ACTIVITY_KIND_RECEPTION, date="2026-02-26", title="补充接待")),
        region=COUNTY_A, subject="clerk-login-9")
    rows = read(export(liaison, venue, R.REGISTER_ACTIVITIES, fmt), fmt)
    head = rows[1] if fmt == XLSX else rows[0]
    assert [r[head.index("记录人")] for r in rows[-2:]] == ["王秀兰", ""]
    assert not any("wangxl-login" in cell or "clerk-login-9" in cell for r in rows for cell in r)


def test_filenames_name_the_register_region_venue_and_period(liaison, venue_world):
    v = venue_world["venue"]
    name = lambda register, fmt, **days: export(liaison, v, register, fmt, **days).filename   # noqa: E731
    assert name(R.REGISTER_RECEPTIONS, CSV) == f"receptions-{COUNTY_A}-{v}-2026-01-01_2026-12-31.csv"
    assert name(R.REGISTER_ROSTER, XLSX) == f"roster-{COUNTY_A}-{v}.xlsx"
    # The reported input: no dates gave "activities-<venue>-start_now.csv".
    assert name(R.REGISTER_ACTIVITIES, CSV, date_from="", date_to="") == f"activities-{COUNTY_A}-{v}-all.csv"
    assert name(R.REGISTER_MEETINGS, XLSX, date_to="") == f"meetings-{COUNTY_A}-{v}-from-2026-01-01.xlsx"
    assert name(R.REGISTER_TRANSFERS, XLSX, date_from="") == f"transfers-{COUNTY_A}-{v}-until-2026-12-31.xlsx"
    # Full-width digits in a date are the same China day, and the name shows it canonically.
    assert name(R.REGISTER_MAJOR_MATTERS, CSV, date_from="２０２６-０２-０１", date_to="2026-02-28") == \
        f"major-matters-{COUNTY_A}-{v}-2026-02-01_2026-02-28.csv"
    # ASCII only, so the name goes into a Content-Disposition header unquoted and unencoded.
    for register in (R.REGISTER_ACTIVITIES, R.REGISTER_ROSTER):
        n = name(register, XLSX, date_from="")
        assert n.isascii() and all(c.isalnum() or c in "-_." for c in n), n


def test_neutralise_quotes_formulas_but_not_phone_numbers():
    assert sheets.neutralise("=1+1") == "'=1+1"
    assert sheets.neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert sheets.neutralise("'=x") == "''=x"
    assert sheets.neutralise("+86 138 0000 0000") == "+86 138 0000 0000"
    assert sheets.neutralise("-5") == "-5"
    assert sheets.neutralise(12) == "12" and sheets.neutralise(None) == ""
