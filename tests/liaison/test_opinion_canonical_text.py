"""What citizens and clerks type into liaison (card codes, tracking codes, phones, names,
categories) is brought to the same canonical form as the roster's (issue 6 §2)."""
from __future__ import annotations

from liaison_support import COUNTY_A, drive
from lianxin.liaison.v1 import liaison_pb2 as pb


def full_width(ascii_text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in ascii_text)


def test_a_full_width_phone_and_a_name_with_another_dot_are_stored_canonical(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    r = liaison.submit(dep, contact=pb.Contact(name="阿依古丽・示例", phone="１３７０９９４００１１"))
    [o] = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions
    assert (o.contact.name, o.contact.phone) == ("阿依古丽·示例", "13709940011")
    assert r.tracking_code


def test_record_opinion_stores_a_full_width_phone_in_ascii(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    o = liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="\u3000道路\u200b交通 ", text="路灯坏了",
        deputy_id=dep.id, contact=pb.Contact(name="马•玉兰", phone="＋８６ １３７－０９９４－００１２")))
    assert (o.contact.name, o.contact.phone, o.category) == ("马·玉兰", "13709940012", "道路交通")


def test_the_card_code_may_be_typed_in_full_width_or_lower_case(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    for typed in (full_width(dep.card_code), dep.card_code.lower(), f" {dep.card_code[:5]} {dep.card_code[5:]}"):
        r = liaison.public("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(
            card_code=typed, category="教育", text="校门口积水"))
        assert r.status == pb.OPINION_STATUS_RAISED, typed


def test_a_tracking_code_typed_in_full_width_lower_case_or_groups_finds_the_case(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    code = liaison.submit(dep).tracking_code
    for typed in (full_width(code), code.lower(), full_width(code.lower()), f"{code[:4]} {code[4:8]}-{code[8:]}",
                  f"\u200b{code}\n"):
        t = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=typed))
        assert t.tracking_code == code, typed
    [o] = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions
    drive(liaison, o.id, pb.OPINION_STATUS_FEEDBACK_GIVEN)
    rated = liaison.public("RateOpinion", pb.RateOpinionRequest(tracking_code=full_width(code.lower()), rating=4))
    assert rated.rating == 4


def test_free_text_keeps_its_chinese_punctuation_and_symbols(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    written = "１００㎡的广场，①号楼门口\n　　路灯坏了！"
    liaison.submit(dep, text=f"\ufeff{written}\u200b\r\n")
    [o] = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions
    assert o.text == written


def test_grouped_and_plus_86_phones_are_stored_as_one_mobile(liaison):
    """Tester's input: SubmitPublicOpinion stored 139 1234 5678, 139-1234-5678 and
    +8613912345678 as typed; RecordOpinion the same."""
    dep = liaison.add_deputy(COUNTY_A)
    for typed in ("139 1234 5678", "139-1234-5678", "+8613912345678", "+86 139 1234 5678"):
        liaison.submit(dep, contact=pb.Contact(name="阿依古丽˙测试", phone=typed))
    liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="校门口积水", deputy_id=dep.id,
        contact=pb.Contact(name="马玉兰", phone="(0994) 200 0006")))
    stored = {(o.contact.name, o.contact.phone) for o in liaison.call(
        "ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions}
    assert stored == {("阿依古丽·测试", "13912345678"), ("马玉兰", "0994-2000006")}


def test_a_bare_86_landline_and_a_chinese_full_stop_in_a_name_are_stored_canonical(liaison):
    """Tester's input: SubmitPublicOpinion with contact phone 86 (0994) 200 0006 was stored
    86-0994-200-0006, while +86 994 200 0006 was 0994-2000006."""
    dep = liaison.add_deputy(COUNTY_A)
    for typed in ("86 (0994) 200 0006", "+86 994 200 0006", "8609942000006"):
        liaison.submit(dep, contact=pb.Contact(name="马。玉兰", phone=typed))
    stored = {(o.contact.name, o.contact.phone) for o in liaison.call(
        "ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions}
    assert stored == {("马·玉兰", "0994-2000006")}
