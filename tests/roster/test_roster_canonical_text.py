"""One person, phone or code typed on different keyboards is one deputy, one key, one hit
(issue 6 §2): every roster entry point, duplicate key and search uses shared.text."""
from __future__ import annotations

import csv
import io

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from openpyxl import Workbook

COUNTY, TOWN = "652324", "652324100"
AYGUL = "阿依古丽·示例"
FORMATS = {"csv": common_pb2.FILE_FORMAT_CSV, "xlsx": common_pb2.FILE_FORMAT_XLSX}


def sheet(rows: list[list[str]], fmt: str) -> bytes:
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        return buf.getvalue().encode("utf-8")
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def import_rows(roster, rows, fmt="csv", region=COUNTY) -> pb.ImportRosterResponse:
    return roster.call("ImportRoster", pb.ImportRosterRequest(region_code=region, format=FORMATS[fmt],
                                                              content=sheet(rows, fmt)))


def named(roster, name: str, region=COUNTY) -> list[pb.Deputy]:
    return list(roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=region, name=name)).deputies)


HEAD = ["区划代码", "姓名", "性别", "民族", "代表层级", "联系电话"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_minority_name_reimported_with_another_middle_dot_updates_the_same_deputy(fresh_roster, fmt):
    roster = fresh_roster
    first = import_rows(roster, [HEAD, [COUNTY, AYGUL, "女", "维吾尔族", "县", "13709940001"]], fmt)
    assert (first.created, first.failed) == (1, 0), first.errors
    [deputy] = named(roster, AYGUL)
    for variant in ("阿依古丽・示例", "阿依古丽•示例", "阿依古丽 ‧ 示例", "阿依古丽．示例"):
        again = import_rows(roster, [HEAD, [COUNTY, variant, "女", "维吾尔族", "县", "１３７０９９４０００１"]], fmt)
        assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 1, 0), (variant, again)
    assert roster.count("deputies") == 1
    [same] = named(roster, AYGUL)
    assert (same.id, same.card_code, same.name) == (deputy.id, deputy.card_code, AYGUL)
    # A changed cell under a variant name updates that deputy, not a second one.
    changed = import_rows(roster, [HEAD, [COUNTY, "阿依古丽・示例", "女", "哈萨克族", "县", "13709940001"]], fmt)
    assert (changed.created, changed.updated) == (0, 1)
    assert roster.count("deputies") == 1


def test_search_with_any_dot_finds_the_name_stored_with_the_standard_dot(roster):
    d = roster.register(TOWN, name="阿依古丽•示例", phone="13709940002")
    assert d.name == AYGUL
    for typed in (AYGUL, "阿依古丽・示例", "阿依古丽•", "  阿依古丽·示\u200b例 "):
        assert [x.id for x in named(roster, typed)] == [d.id], typed


def test_register_refuses_the_same_deputy_typed_with_another_dot_and_full_width_phone(roster):
    roster.register(COUNTY, name="买买提·示例", phone="13709940003")
    e = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(
        deputy=roster.deputy_msg(COUNTY, name="买买提・示例", phone="１３７０９９４０００３")))
    assert e.code() == grpc.StatusCode.ALREADY_EXISTS


def test_a_full_width_phone_is_stored_in_ascii_by_register_update_and_import(roster):
    d = roster.register(COUNTY, phone="１３７０９９４０００４")
    assert d.contact.phone == "13709940004"
    patch = pb.Deputy(id=d.id, name="马　玉兰\u200b", contact=pb.Contact(phone="＋８６ １３７–0994–0005"))
    updated = roster.call("UpdateDeputy", pb.UpdateDeputyRequest(
        deputy=patch, update_mask=FieldMask(paths=["name", "contact"])))
    assert (updated.name, updated.contact.phone) == ("马 玉兰", "13709940005")
    r = import_rows(roster, [HEAD, [TOWN, "全角电话", "男", "汉族", "乡", "１３７０９９４０００６"]])
    assert (r.created, r.failed) == (1, 0), r.errors
    [imported] = named(roster, "全角电话")
    assert imported.contact.phone == "13709940006"


def test_update_to_a_name_that_differs_only_by_its_dot_is_the_same_key(roster):
    a = roster.register(COUNTY, name="热合曼·示例", phone="13709940007")
    b = roster.register(COUNTY, name="热合曼", phone="13709940007")
    e = roster.error("UpdateDeputy", pb.UpdateDeputyRequest(
        deputy=pb.Deputy(id=b.id, name="热合曼•示例"), update_mask=FieldMask(paths=["name"])))
    assert e.code() == grpc.StatusCode.ALREADY_EXISTS
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=a.id)).name == "热合曼·示例"


def test_specialty_search_folds_width_and_spaces(roster):
    d = roster.register("652324101", specialties=("ＩＴ", "法律"))
    assert list(d.specialties) == ["IT", "法律"]
    for typed in ("IT", "ＩＴ", "\u3000IT "):
        found = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code="652324101", specialty=typed))
        assert [x.id for x in found.deputies] == [d.id], typed


def test_public_card_is_found_by_full_width_lower_case_or_grouped_code(roster):
    d = roster.register(COUNTY, phone="13709940008")
    code = d.card_code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    for typed in (code.lower(), full_width, f"{code[:5]} {code[5:]}", f"\u200b{code}\n"):
        card = roster.public("GetPublicCard", pb.GetPublicCardRequest(card_code=typed))
        assert card.card_code == code, typed


def test_venue_names_that_differ_only_by_dot_or_width_are_one_venue(roster):
    v = roster.venue(COUNTY, name="阿依古丽・示例代表之家（１号）")
    assert v.name == "阿依古丽·示例代表之家（1号）"
    e = roster.error("CreateVenue", pb.CreateVenueRequest(venue=pb.Venue(
        region_code=COUNTY, kind=pb.VENUE_KIND_DEPUTY_HOME, name="阿依古丽•示例代表之家（1号）")))
    assert e.code() == grpc.StatusCode.ALREADY_EXISTS


GROUPED = ["13712345678", "１３７１２３４５６７８", "137 1234 5678", "137-1234-5678", "+86 137 1234 5678",
           "0086 137 1234 5678", "(137) 1234.5678"]


def test_one_phone_grouped_or_with_86_is_one_deputy_by_register_update_and_import(roster):
    """Tester's input: 买买提·测试号 registered with 13712345678, then with 137 1234 5678,
    137-1234-5678 and +86 137 1234 5678, made four deputies. Every spelling is the first."""
    d = roster.register(COUNTY, name="买买提·测试号", phone=GROUPED[0])
    for typed in GROUPED[1:]:
        e = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(
            deputy=roster.deputy_msg(COUNTY, name="买买提·测试号", phone=typed)))
        assert e.code() == grpc.StatusCode.ALREADY_EXISTS, typed
    assert [x.id for x in named(roster, "买买提·测试号")] == [d.id]
    other = roster.register(COUNTY, name="买买提·测试号", phone="13712340000")
    e = roster.error("UpdateDeputy", pb.UpdateDeputyRequest(
        deputy=pb.Deputy(id=other.id, contact=pb.Contact(phone="+86 137-1234-5678")),
        update_mask=FieldMask(paths=["contact"])))
    assert e.code() == grpc.StatusCode.ALREADY_EXISTS
    # The import's key: the row with a grouped phone is the stored deputy, not a new one.
    r = import_rows(roster, [HEAD, [COUNTY, "买买提•测试号", "男", "维吾尔族", "县", "+86 137 1234 5678"]])
    assert (r.created, r.failed) == (0, 0), r
    assert sorted(x.id for x in named(roster, "买买提·测试号")) == sorted([d.id, other.id])
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id)).contact.phone == "13712345678"


def test_landlines_keep_their_area_code_with_one_hyphen_in_venues_and_households(roster):
    v = roster.venue(COUNTY)
    updated = roster.call("UpdateVenue", pb.UpdateVenueRequest(
        venue=pb.Venue(id=v.id, liaison_officer=pb.LiaisonOfficer(name="马联络", phone="(0994) 200 0006")),
        update_mask=FieldMask(paths=["liaison_officer"])))
    assert updated.liaison_officer.phone == "0994-2000006"
    d = roster.register(COUNTY, phone="13709940031")
    h = roster.call("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
        deputy_id=d.id, household_head="艾力˙买买提", phone="+86 994 200 0007")))
    assert (h.household_head, h.phone) == ("艾力·买买提", "0994-2000007")


def test_a_dot_above_in_a_name_is_the_interpunct_never_a_stray_mark(roster):
    """Tester's input: 阿依古丽˙测试 (U+02D9) was stored as "阿依古丽 ̇测试" (a space and U+0307)."""
    d = roster.register(COUNTY, name="阿依古丽˙测试", phone="13709940032")
    assert d.name == "阿依古丽·测试"
    for typed in ("阿依古丽⸳测试", "阿依古丽⸰测试", "阿依古丽⦁测试", "阿依古丽་测试", "阿依古丽܁测试", "阿依古丽 \u0307测试"):
        e = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(
            deputy=roster.deputy_msg(COUNTY, name=typed, phone="13709940032")))
        assert e.code() == grpc.StatusCode.ALREADY_EXISTS, typed
        assert [x.id for x in named(roster, typed)] == [d.id], typed


def test_a_chinese_full_stop_between_name_parts_is_the_interpunct(roster):
    """Tester's input: 买买提。艾力 (the "." key of a Chinese input method) was a second deputy
    beside 买买提·艾力; ⸼ ° ˑ likewise."""
    d = roster.register(COUNTY, name="买买提。艾力", phone="13900000019")
    assert d.name == "买买提·艾力"
    for typed in ("买买提·艾力", "买买提⸼艾力", "买买提°艾力", "买买提ˑ艾力", "买买提 。艾力"):
        e = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(
            deputy=roster.deputy_msg(COUNTY, name=typed, phone="13900000019")))
        assert e.code() == grpc.StatusCode.ALREADY_EXISTS, typed
        assert [x.id for x in named(roster, typed)] == [d.id], typed


def test_a_bare_86_before_a_landline_is_one_deputy_and_one_stored_form(roster):
    """Tester's input: 地依测试 with (0994) 200 0006, then 86 0994 2000006 made a second deputy;
    86 994 2000006, 8609942000006, 86 (0994) 200 0006 were stored as typed."""
    d = roster.register(COUNTY, name="地依测试", phone="(0994) 200 0006")
    assert d.contact.phone == "0994-2000006"
    for typed in ("86 0994 2000006", "86 994 2000006", "8609942000006", "86 (0994) 200 0006", "86 994 200 0006"):
        e = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(
            deputy=roster.deputy_msg(COUNTY, name="地依测试", phone=typed)))
        assert e.code() == grpc.StatusCode.ALREADY_EXISTS, typed
    h = roster.call("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
        deputy_id=d.id, household_head="艾力。买买提", phone="86 (0994) 200 0006")))
    assert (h.household_head, h.phone) == ("艾力·买买提", "0994-2000006")
