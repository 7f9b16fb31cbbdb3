"""Rows stored before the canonical form (shared.text) are rewritten by the migrations that
follow (roster_0004, liaison_0010; phones in one form and the later name rules by roster_0005,
liaison_0011), on PostgreSQL and SQLite: legacy rows with ・ and • for
the interpunct, full-width digits and letters, invisible characters, inserted at the
previous head; after the upgrade they read in canonical form. Rows that would collide under
a unique key keep what they had and a warning names them; deputies that become one import
key are both kept and named."""
from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, insert, select

from services.liaison.activity_tables import ActivityRow
from services.liaison.directory import DirectoryDeputyRow
from services.liaison.tables import OpinionRow
from services.roster.tables import DeputyRow, SeatRow, SpecialtyRow, VenueRow, VoterHouseholdRow
from shared import db

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
REGION, PATH = "652301", "652300/652301"


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/legacy.sqlite"
    return request.getfixturevalue("fresh_database")()


def add(conn, table, *rows: dict) -> None:
    for row in rows:   # one by one: rows name different columns (the others take defaults)
        conn.execute(insert(table.__table__).values(**row))


def deputy(name: str, phone: str = "", **kw) -> dict:
    return {"id": str(uuid.uuid4()), "region_code": REGION, "region_path": PATH, "name": name, "phone": phone,
            "status": 1, "card_code": uuid.uuid4().hex[:12].upper(), "created_at": NOW, "updated_at": NOW, **kw}


def venue(name: str, **kw) -> dict:
    return {"id": str(uuid.uuid4()), "region_code": REGION, "region_path": PATH, "kind": 1, "name": name,
            "created_at": NOW, **kw}


def test_roster_rows_stored_before_are_rewritten_in_canonical_form(url, caplog):
    db.migrate("roster", url, "roster_0003")
    aygul = deputy("阿依古丽・示例", "１３７００００００００", email="ｚｈａｎｇ＠example.cn",
                   work_unit="昌吉市　人民医院\u200b", ethnicity=" 维吾尔族 ")
    twin_a, twin_b = deputy("买买提•艾力", "13900000001"), deputy("买买提·艾力", "13900000001")
    v_dot, v_bullet = venue("代表之家・一"), venue("代表之家•一")
    station = venue("联络站（延安路）\u200b", officer_name="古丽 ・ 买买提", officer_phone="１３８ ０９９４ ００００",
                    specialties="法律, 医疗\u3000")
    household = {"id": str(uuid.uuid4()), "deputy_id": aygul["id"], "household_head": "艾力・买买提",
                 "address": "三工镇　一村", "phone": "１３６００００００００"}
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            add(c, DeputyRow, *[aygul, twin_a, twin_b])
            add(c, SeatRow, *[{"deputy_id": aygul["id"], "level": 3, "term": "第十七届",
                                                   "electoral_district": "第３选区"}])
            add(c, SpecialtyRow, *[{"deputy_id": aygul["id"], "specialty": "法律", "position": 0},
                                                       {"deputy_id": aygul["id"], "specialty": "法律\u3000",
                                                        "position": 1},
                                                       {"deputy_id": aygul["id"], "specialty": "ＩＴ", "position": 2}])
            add(c, VenueRow, *[v_dot, v_bullet, station])
            add(c, VoterHouseholdRow, *[household])
        with caplog.at_level(logging.WARNING, logger="lianxin.migrations"):
            db.migrate("roster", url)
        with engine.connect() as c:
            d = {r.id: r for r in c.execute(select(DeputyRow.__table__))}
            seat = c.execute(select(SeatRow.__table__)).one()
            specialties = sorted(r.specialty for r in c.execute(select(SpecialtyRow.__table__)))
            venues = {r.id: r for r in c.execute(select(VenueRow.__table__))}
            h = c.execute(select(VoterHouseholdRow.__table__)).one()
    finally:
        engine.dispose()
    a = d[aygul["id"]]
    assert (a.name, a.phone, a.email, a.work_unit, a.ethnicity) == (
        "阿依古丽·示例", "13700000000", "zhang@example.cn", "昌吉市 人民医院", "维吾尔族")
    assert (seat.term, seat.electoral_district) == ("第十七届", "第3选区")
    # 法律 and 法律　are one specialty in canonical form: not merged, the second kept as stored.
    assert specialties == sorted(["法律", "法律\u3000", "IT"])
    # Two deputies that become one region/name/phone: both kept, both canonical, both named.
    assert d[twin_a["id"]].name == d[twin_b["id"]].name == "买买提·艾力"
    # Two venues of one region that would take one name: both keep theirs, both named.
    assert (venues[v_dot["id"]].name, venues[v_bullet["id"]].name) == ("代表之家・一", "代表之家•一")
    s = venues[station["id"]]
    assert (s.name, s.officer_name, s.officer_phone, s.specialties) == (
        "联络站（延安路）", "古丽·买买提", "13809940000", "法律,医疗")
    assert (h.household_head, h.address, h.phone) == ("艾力·买买提", "三工镇 一村", "13600000000")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("deputy_specialties" in w and aygul["id"] in w for w in warnings), warnings
    assert any("deputies" in w and twin_a["id"] in w and twin_b["id"] in w for w in warnings), warnings
    assert any("venues" in w and v_dot["id"] in w and v_bullet["id"] in w for w in warnings), warnings


def opinion(tracking_code: str, **kw) -> dict:
    return {"id": str(uuid.uuid4()), "tracking_code": tracking_code, "region_code": REGION, "region_path": PATH,
            "handling_region": REGION, "channel": 1, "text": "路灯坏了", "status": 1, "raised_at": NOW,
            "updated_at": NOW, **kw}


def test_liaison_rows_stored_before_are_rewritten_in_canonical_form(url, caplog):
    db.migrate("liaison", url, "liaison_0009")
    member = {"id": str(uuid.uuid4()), "region_code": REGION, "region_path": PATH, "name": "阿依古丽・示例",
              "card_code": "abcd-2345 efgh", "status": 1, "updated_at": NOW}
    retired_id = str(uuid.uuid4())
    retired = {"id": retired_id, "region_code": REGION, "region_path": PATH, "name": "艾力•买买提",
               "card_code": f"-{retired_id}"[:16], "status": 2, "updated_at": NOW}
    case = opinion("ｔｒｋ０００１ａｂｃ", contact_name="古丽 ・ 买买提", contact_phone="１３７００００００００",
                   category="道路交通\u200b", transfer_department_name="市住建局　")
    clash_a, clash_b = opinion("trk0002abc"), opinion("TRK0002ABC")
    activity = {"id": str(uuid.uuid4()), "region_code": REGION, "region_path": PATH, "venue_id": "", "kind": 2,
                "date": date(2026, 3, 1), "title": "接待日\u200b", "recorded_by": "clerk", "created_at": NOW}
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            add(c, DirectoryDeputyRow, *[member, retired])
            add(c, OpinionRow, *[case, clash_a, clash_b])
            add(c, ActivityRow, *[activity])
        with caplog.at_level(logging.WARNING, logger="lianxin.migrations"):
            db.migrate("liaison", url)
        with engine.connect() as c:
            deputies = {r.id: r for r in c.execute(select(DirectoryDeputyRow.__table__))}
            opinions = {r.id: r for r in c.execute(select(OpinionRow.__table__))}
            title = c.execute(select(ActivityRow.__table__.c.title)).scalar_one()
    finally:
        engine.dispose()
    assert (deputies[member["id"]].name, deputies[member["id"]].card_code) == ("阿依古丽·示例", "ABCD2345EFGH")
    assert (deputies[retired_id].name, deputies[retired_id].card_code) == ("艾力·买买提", retired["card_code"])
    o = opinions[case["id"]]
    assert (o.tracking_code, o.contact_name, o.contact_phone, o.category, o.transfer_department_name) == (
        "TRK0001ABC", "古丽·买买提", "13700000000", "道路交通", "市住建局")
    # trk0002abc would become TRK0002ABC, which another case has: left as stored, both named.
    assert (opinions[clash_a["id"]].tracking_code, opinions[clash_b["id"]].tracking_code) == ("trk0002abc", "TRK0002ABC")
    assert title == "接待日"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("opinions" in w and clash_a["id"] in w and clash_b["id"] in w for w in warnings), warnings


def test_roster_phones_and_names_stored_in_the_earlier_form_are_rewritten(url, caplog):
    """Rows as roster_0004 left them: phones grouped as typed, a name with the combining mark
    NFKC made of ˙ (U+02D9) after a space, a venue officer's and a household's phone."""
    db.migrate("roster", url, "roster_0004")
    spaced, hyphened = deputy("买买提·测试号", "137 1234 5678"), deputy("买买提·测试号", "137-1234-5678")
    plus86 = deputy("阿依古丽 \u0307测试", "+86 137 1234 5679")
    station = venue("联络站", officer_name="古丽⸳买买提", officer_phone="(0994) 200 0006")
    household = {"id": str(uuid.uuid4()), "deputy_id": plus86["id"], "household_head": "艾力 \u0307买买提",
                 "address": "三工镇", "phone": "0086 136 0000 0000"}
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            add(c, DeputyRow, *[spaced, hyphened, plus86])
            add(c, VenueRow, *[station])
            add(c, VoterHouseholdRow, *[household])
        with caplog.at_level(logging.WARNING, logger="lianxin.migrations"):
            db.migrate("roster", url)
        with engine.connect() as c:
            d = {r.id: r for r in c.execute(select(DeputyRow.__table__))}
            s = c.execute(select(VenueRow.__table__)).one()
            h = c.execute(select(VoterHouseholdRow.__table__)).one()
    finally:
        engine.dispose()
    assert d[spaced["id"]].phone == d[hyphened["id"]].phone == "13712345678"
    assert (d[plus86["id"]].name, d[plus86["id"]].phone) == ("阿依古丽·测试", "13712345679")
    assert (s.officer_name, s.officer_phone) == ("古丽·买买提", "0994-2000006")
    assert (h.household_head, h.phone) == ("艾力·买买提", "13600000000")
    # The two spellings of one phone are one import key now: both deputies kept, both named.
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("deputies" in w and spaced["id"] in w and hyphened["id"] in w for w in warnings), warnings


def test_liaison_phones_stored_as_typed_are_rewritten(url):
    db.migrate("liaison", url, "liaison_0010")
    cases = [opinion(f"TRK000{i}PHN", contact_name=n, contact_phone=p) for i, (n, p) in enumerate(
        [("马·玉兰", "139 1234 5678"), ("马·玉兰", "139-1234-5678"), ("阿依古丽 \u0307测试", "+8613912345678")])]
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            add(c, OpinionRow, *cases)
        db.migrate("liaison", url)
        with engine.connect() as c:
            stored = {r.id: (r.contact_name, r.contact_phone) for r in c.execute(select(OpinionRow.__table__))}
    finally:
        engine.dispose()
    assert [stored[o["id"]] for o in cases] == [
        ("马·玉兰", "13912345678"), ("马·玉兰", "13912345678"), ("阿依古丽·测试", "13912345678")]


def test_roster_names_with_a_chinese_full_stop_and_phones_with_a_bare_86_are_rewritten(url, caplog):
    """Rows as roster_0005 left them: 。 between the parts of a name, a bare 86 before a
    landline kept with its grouping."""
    db.migrate("roster", url, "roster_0005")
    stop, dot = deputy("买买提。艾力", "13900000019"), deputy("买买提·艾力", "13900000019")
    landline = deputy("地依测试", "86-0994-200-0006")
    station = venue("联络站", officer_name="古丽˚买买提", officer_phone="8609942000006")
    household = {"id": str(uuid.uuid4()), "deputy_id": landline["id"], "household_head": "艾力°买买提",
                 "address": "三工镇", "phone": "86-994-2000006"}
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            add(c, DeputyRow, *[stop, dot, landline])
            add(c, VenueRow, *[station])
            add(c, VoterHouseholdRow, *[household])
        with caplog.at_level(logging.WARNING, logger="lianxin.migrations"):
            db.migrate("roster", url)
        with engine.connect() as c:
            d = {r.id: r for r in c.execute(select(DeputyRow.__table__))}
            s = c.execute(select(VenueRow.__table__)).one()
            h = c.execute(select(VoterHouseholdRow.__table__)).one()
    finally:
        engine.dispose()
    assert d[stop["id"]].name == "买买提·艾力"
    assert d[landline["id"]].phone == "0994-2000006"
    assert s.officer_phone == "0994-2000006" and s.officer_name == "古丽˚买买提"   # ˚ is a ring, not folded
    assert (h.household_head, h.phone) == ("艾力·买买提", "0994-2000006")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("deputies" in w and stop["id"] in w and dot["id"] in w for w in warnings), warnings


def test_liaison_names_with_a_chinese_full_stop_and_phones_with_a_bare_86_are_rewritten(url):
    db.migrate("liaison", url, "liaison_0011")
    cases = [opinion(f"TRK001{i}PHN", contact_name=n, contact_phone=p) for i, (n, p) in enumerate(
        [("马。玉兰", "86 0994 2000006"), ("马玉兰", "86 (0994) 200 0006")])]
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            add(c, OpinionRow, *cases)
        db.migrate("liaison", url)
        with engine.connect() as c:
            stored = {r.id: (r.contact_name, r.contact_phone) for r in c.execute(select(OpinionRow.__table__))}
    finally:
        engine.dispose()
    assert [stored[o["id"]] for o in cases] == [("马·玉兰", "0994-2000006"), ("马玉兰", "0994-2000006")]
