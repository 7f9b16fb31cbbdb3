"""Who sees and does what: departments see only cases transferred to them (that department
of that region), deputies only cases raised to them, staff only their region; a case outside
the caller's scope is NOT_FOUND as if it did not exist; the citizen's contact only for staff
of the owning region and the handling department; the public only its own case, rate-limited."""
from __future__ import annotations

import grpc
import pytest
from liaison_support import CARD_LIMIT, COUNTY_A, COUNTY_B, DEPT, PREFECTURE, TOWNSHIP_A, drive, future
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as rpb

NF, PD = grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED


@pytest.fixture(scope="module")
def case(liaison):
    """A county-A case raised to a deputy and transferred to DEPT."""
    dep = liaison.add_deputy(COUNTY_A)
    o = liaison.record(dep, region=TOWNSHIP_A)
    o = drive(liaison, o.id, pb.OPINION_STATUS_TRANSFERRED)
    return {"deputy": dep, "opinion": o}


def test_other_department_sees_nothing_and_cannot_reply(liaison, case):
    oid = case["opinion"].id
    with liaison.expect_no_writes():
        for method, req in (("GetOpinion", pb.GetOpinionRequest(id=oid)),
                            ("ReplyToTransfer", pb.ReplyToTransferRequest(id=oid, reply="越权答复"))):
            e = liaison.error(method, req, role="department", region=COUNTY_A, subject="dept-other")
            assert e.code() == NF and "越权" not in e.details() and "李四" not in e.details()
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(), role="department", region=COUNTY_A,
                     subject="dept-other")
    assert r.total_size == 0 and not r.opinions
    # Naming another department is refused whether or not it exists: a department lists its own cases.
    e = liaison.error("ListOpinions", pb.ListOpinionsRequest(department=DEPT), role="department",
                      region=COUNTY_A, subject="dept-other")
    assert e.code() == grpc.StatusCode.PERMISSION_DENIED and e.details().startswith("department:")


def test_the_handling_department_sees_its_cases_with_contact(liaison, case):
    oid = case["opinion"].id
    o = liaison.call("GetOpinion", pb.GetOpinionRequest(id=oid), role="department", region=COUNTY_A, subject=DEPT)
    assert o.contact.phone == "13800002222"
    assert o.transfer.department_region == COUNTY_A
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(), role="department", region=COUNTY_A, subject=DEPT)
    assert oid in {x.id for x in r.opinions}
    assert all(x.transfer.department == DEPT and x.transfer.department_region == COUNTY_A for x in r.opinions)
    # a department never accepts, transfers or closes
    e = liaison.error("AcceptOpinion", pb.AcceptOpinionRequest(id=oid), role="department", region=COUNTY_A,
                      subject=DEPT)
    assert e.code() == PD


def test_a_department_is_its_subject_and_region_together(liaison, case):
    """A token for 652302 carrying the subject of a 652301 department reads and answers nothing
    of 652301's case: the department is known by its name and region together."""
    oid = case["opinion"].id
    kw = {"role": "department", "region": COUNTY_B, "subject": DEPT}
    with liaison.expect_no_writes():
        for method, req in (("GetOpinion", pb.GetOpinionRequest(id=oid)),
                            ("ReplyToTransfer", pb.ReplyToTransferRequest(id=oid, reply="越权答复"))):
            e = liaison.error(method, req, **kw)
            assert e.code() == NF and e.details().startswith("id:"), (method, e.details())
            assert "李四" not in e.details() and "13800002222" not in e.details()
    assert not liaison.call("ListOpinions", pb.ListOpinionsRequest(), **kw).opinions
    # nor does the prefecture's department of that name, nor a township's
    for region in (PREFECTURE, TOWNSHIP_A):
        e = liaison.error("GetOpinion", pb.GetOpinionRequest(id=oid), role="department", region=region, subject=DEPT)
        assert e.code() == NF
    # the 652301 department itself still does
    o = liaison.call("GetOpinion", pb.GetOpinionRequest(id=oid), role="department", region=COUNTY_A, subject=DEPT)
    assert o.id == oid


def test_another_countys_staff_is_denied_and_writes_nothing(liaison, case):
    """A case named by id outside the caller's region is NOT_FOUND (its existence is not the
    caller's to learn); a region outside it named as a filter is PERMISSION_DENIED."""
    oid = case["opinion"].id
    with liaison.expect_no_writes():
        for method, req in (("GetOpinion", pb.GetOpinionRequest(id=oid)),
                            ("TransferOpinion", pb.TransferOpinionRequest(
                                id=oid, department="d", department_name="n", deadline=future())),
                            ("EscalateOpinion", pb.EscalateOpinionRequest(id=oid, reason="r")),
                            ("ListOpinions", pb.ListOpinionsRequest(region_code=COUNTY_A))):
            for role in ("staff", "auditor", "committee", "system"):
                e = liaison.error(method, req, role=role, region=COUNTY_B)
                if method == "ListOpinions":
                    assert e.code() == PD, (method, role)
                elif role == "auditor" and method != "GetOpinion":
                    assert e.code() == PD, (method, role)   # the role never acts: refused before any lookup
                else:
                    assert e.code() == NF and e.details().startswith("id:"), (method, role, e.details())
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(), region=COUNTY_B)
    assert oid not in {x.id for x in r.opinions}


def test_contact_only_for_staff_of_the_owning_region_and_the_department(liaison, case):
    oid, dep = case["opinion"].id, case["deputy"]
    get = pb.GetOpinionRequest(id=oid)
    for kw in ({"role": "staff", "region": PREFECTURE}, {"role": "staff", "region": TOWNSHIP_A},
               {"role": "system", "region": COUNTY_A}, {"role": "department", "region": COUNTY_A, "subject": DEPT}):
        assert liaison.call("GetOpinion", get, **kw).contact.phone == "13800002222", kw
    for kw in ({"role": "deputy", "region": COUNTY_A, "subject": dep.id}, {"role": "auditor", "region": PREFECTURE},
               {"role": "committee", "region": COUNTY_A}):
        o = liaison.call("GetOpinion", get, **kw)
        assert o.contact.name == "" and o.contact.phone == "", kw
        assert o.text   # the rest of the case is there
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(region_code=COUNTY_A), role="auditor")
    assert r.opinions and all(x.contact.phone == "" for x in r.opinions)


def test_deputies_see_and_answer_only_their_own_cases(liaison, case):
    other = liaison.add_deputy(COUNTY_A)
    mine = liaison.record(other, region=COUNTY_A)
    liaison.step("AcceptOpinion", mine.id)
    kw = {"role": "deputy", "region": COUNTY_A, "subject": other.id}
    assert liaison.error("GetOpinion", pb.GetOpinionRequest(id=case["opinion"].id), **kw).code() == NF
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(), **kw)
    assert [x.id for x in r.opinions] == [mine.id]
    with liaison.expect_no_writes():
        e = liaison.error("AnswerOpinion", pb.AnswerOpinionRequest(id=case["opinion"].id, answer="a"), **kw)
        assert e.code() == NF
        assert liaison.error("AcceptOpinion", pb.AcceptOpinionRequest(id=mine.id), **kw).code() == PD
        e = liaison.error("RecordOpinion", pb.RecordOpinionRequest(
            channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="c", text="t", deputy_id=case["deputy"].id), **kw)
        assert e.code() == PD
    o = liaison.call("AnswerOpinion", pb.AnswerOpinionRequest(id=mine.id, answer="我来答"), **kw)
    assert o.status == pb.OPINION_STATUS_ANSWERED


def test_a_deputy_is_their_subject_within_the_token_region(liaison):
    """A deputy token for 652302 (or a township of it) carrying the id of a 652301 deputy is
    no deputy here: it reads, lists and answers none of that deputy's cases (NOT_FOUND, an
    empty list), as the roster finds no such deputy either. A token of the deputy's region or
    a region above it is the deputy, and keeps seeing the case once it is escalated."""
    dep = liaison.add_deputy(COUNTY_A)
    o = drive(liaison, liaison.record(dep, region=COUNTY_A).id, pb.OPINION_STATUS_ACCEPTED)
    for region in (COUNTY_B, "652302100"):
        kw = {"role": "deputy", "region": region, "subject": dep.id}
        with liaison.expect_no_writes():
            for method, req in (("GetOpinion", pb.GetOpinionRequest(id=o.id)),
                                ("AnswerOpinion", pb.AnswerOpinionRequest(id=o.id, answer="越权答复"))):
                e = liaison.error(method, req, **kw)
                assert e.code() == NF and e.details().startswith("id:"), (region, method, e.details())
            r = liaison.call("ListOpinions", pb.ListOpinionsRequest(), **kw)
            assert not r.opinions and r.total_size == 0, region
            e = liaison.error("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id), **kw)
            assert e.code() == NF and e.details().startswith("deputy_id:"), region
            e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
                region_code=region, kind=pb.ACTIVITY_KIND_VISIT, date="2026-01-06", title="走访",
                opinion_ids=[o.id])), **kw)
            assert e.code() == NF, (region, e.details())
    # the deputy's own region, and a region above it, are the deputy
    for region in (COUNTY_A, PREFECTURE):
        kw = {"role": "deputy", "region": region, "subject": dep.id}
        assert liaison.call("GetOpinion", pb.GetOpinionRequest(id=o.id), **kw).id == o.id
        assert o.id in {x.id for x in liaison.call("ListOpinions", pb.ListOpinionsRequest(), **kw).opinions}
    # escalated to the prefecture, the case is still the deputy's own: their region is checked
    up = liaison.step("EscalateOpinion", o.id, region=COUNTY_A, reason="超出本级职权")
    assert up.handling_region == PREFECTURE
    kw = {"role": "deputy", "region": COUNTY_A, "subject": dep.id}
    assert liaison.call("GetOpinion", pb.GetOpinionRequest(id=o.id), **kw).handling_region == PREFECTURE
    assert o.id in {x.id for x in liaison.call("ListOpinions", pb.ListOpinionsRequest(), **kw).opinions}
    e = liaison.error("GetOpinion", pb.GetOpinionRequest(id=o.id), role="deputy", region=COUNTY_B, subject=dep.id)
    assert e.code() == NF


def test_roles_that_may_not_act(liaison, case):
    oid = case["opinion"].id
    with liaison.expect_no_writes():
        assert liaison.error("ReplyToTransfer", pb.ReplyToTransferRequest(id=oid, reply="r")).code() == PD  # staff
        assert liaison.error("CloseOpinion", pb.CloseOpinionRequest(id=oid), role="auditor").code() == PD
        e = liaison.error("RecordOpinion", pb.RecordOpinionRequest(
            channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="c", text="t"), role="committee")
        assert e.code() == PD
        for method, req in (("GetOpinion", pb.GetOpinionRequest(id=oid)),
                            ("AcceptOpinion", pb.AcceptOpinionRequest(id=oid)),
                            ("ListOpinions", pb.ListOpinionsRequest())):
            assert liaison.error(method, req, token=None).code() == grpc.StatusCode.UNAUTHENTICATED


def test_tracking_shows_only_its_own_case_and_never_who(liaison):
    dep = liaison.add_deputy(COUNTY_B)
    a, b = liaison.submit(dep), liaison.submit(dep, text="另一个问题")
    ids = {o.tracking_code: o.id for o in liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions}
    drive(liaison, ids[a.tracking_code], pb.OPINION_STATUS_ANSWERED)
    ta = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=a.tracking_code.lower()))
    tb = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=b.tracking_code))
    assert ta.answer and ta.status == pb.OPINION_STATUS_ANSWERED and ta.tracking_code == a.tracking_code
    assert tb.answer == "" and tb.status == pb.OPINION_STATUS_RAISED and len(tb.steps) == 1
    assert [s.tier_name for s in ta.steps] == ["阜康市"] * 3
    wire = ta.SerializeToString()
    assert b"clerk-test" not in wire and dep.id.encode() not in wire and "张三".encode() not in wire
    for code in ("AAAAAAAAAAAA", a.tracking_code[:-1], "X"):
        e = liaison.error("TrackOpinion", pb.TrackOpinionRequest(tracking_code=code), token=None)
        assert e.code() == NF
        e = liaison.error("RateOpinion", pb.RateOpinionRequest(tracking_code=code, rating=4), token=None)
        assert e.code() == NF


def test_per_card_limit_is_resource_exhausted_and_writes_nothing(liaison):
    dep, other = liaison.add_deputy(COUNTY_A), liaison.add_deputy(COUNTY_A)
    for _ in range(CARD_LIMIT):
        liaison.submit(dep)
    with liaison.expect_no_writes():
        with pytest.raises(grpc.RpcError) as e:
            liaison.submit(dep)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert liaison.submit(other).tracking_code   # another card is not affected


# ---- ids a request names are resolved inside the caller's region ---------------------------

VENUE_B = "0a6e2b1e-2222-4222-8222-000000000002"


@pytest.fixture(scope="module")
def county_b(liaison):
    """A 652302 deputy, venue and reception (with one opinion of its own)."""
    liaison.feed(rev.VenueCreated(venue=rpb.Venue(id=VENUE_B, region_code=COUNTY_B, name="阜康市代表之家", kind=1,
                                                  schedule=rpb.ReceptionSchedule(days_of_month=[5]))), COUNTY_B)
    dep = liaison.add_deputy(COUNTY_B)
    reception = liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        venue_id=VENUE_B, kind=pb.ACTIVITY_KIND_RECEPTION, date="2026-01-05", title="接待日")), region=COUNTY_B)
    return {"deputy": dep, "reception": reception}


def _record_a(**kw) -> pb.RecordOpinionRequest:
    return pb.RecordOpinionRequest(channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育",
                                   text="学校门口需要减速带", **kw)


def test_staff_cannot_raise_a_case_to_another_countys_deputy(liaison, county_b):
    queue = {"region_code": COUNTY_B}
    before = liaison.call("ListOpinions", pb.ListOpinionsRequest(**queue), region=COUNTY_B).total_size
    with liaison.expect_no_writes():
        e = liaison.error("RecordOpinion", _record_a(deputy_id=county_b["deputy"].id), region=COUNTY_A)
    assert e.code() == NF and e.details().startswith("deputy_id:"), e.details()
    assert liaison.call("ListOpinions", pb.ListOpinionsRequest(**queue), region=COUNTY_B).total_size == before


def test_an_unknown_activity_is_not_found(liaison):
    with liaison.expect_no_writes():
        e = liaison.error("RecordOpinion", _record_a(activity_id="6f1c1c2e-0000-4000-8000-000000000001"),
                          region=COUNTY_A)
    assert e.code() == NF and e.details().startswith("activity_id:"), e.details()


def test_another_countys_reception_is_not_found_and_gets_nothing_attached(liaison, county_b):
    reception = county_b["reception"]
    with liaison.expect_no_writes():
        e = liaison.error("RecordOpinion", _record_a(activity_id=reception.id), region=COUNTY_A)
    assert e.code() == NF and e.details().startswith("activity_id:"), e.details()
    got = liaison.call("GetActivity", pb.GetActivityRequest(id=reception.id), region=COUNTY_B)
    assert list(got.opinion_ids) == []
    register = liaison.call("ExportRegister", pb.ExportRegisterRequest(
        venue_id=VENUE_B, register=pb.REGISTER_RECEPTIONS, format=common_pb2.FILE_FORMAT_CSV), region=COUNTY_B)
    assert "学校门口需要减速带".encode() not in register.content
    # its own county attaches to it as before
    o = liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_RECEPTION, region_code=COUNTY_B, category="教育", text="本县的意见",
        activity_id=reception.id), region=COUNTY_B)
    got = liaison.call("GetActivity", pb.GetActivityRequest(id=reception.id), region=COUNTY_B)
    assert list(got.opinion_ids) == [o.id]


def test_another_countys_venue_and_region_are_refused(liaison, county_b):
    with liaison.expect_no_writes():
        e = liaison.error("RecordOpinion", _record_a(venue_id=VENUE_B), region=COUNTY_A)
        assert e.code() == NF and e.details().startswith("venue_id:"), e.details()
        req = pb.RecordOpinionRequest(channel=pb.CHANNEL_VISIT, region_code=COUNTY_B, category="c", text="t")
        assert liaison.error("RecordOpinion", req, region=COUNTY_A).code() == PD
        # a deputy's own case stays in the deputy's region too
        mine = liaison.add_deputy(COUNTY_A)
        e = liaison.error("RecordOpinion", req, role="deputy", region=COUNTY_A, subject=mine.id)
        assert e.code() == PD
        e = liaison.error("ListOpinions", pb.ListOpinionsRequest(deputy_id=county_b["deputy"].id), region=COUNTY_A)
        assert e.code() == NF and e.details().startswith("deputy_id:")


def test_an_opinion_raised_at_an_activity_is_about_that_activitys_region(liaison, county_b):
    """Even a caller who reaches both counties (the prefecture) does not put a 652301 case on
    652302's reception: it would show in 阜康市's register."""
    with liaison.expect_no_writes():
        e = liaison.error("RecordOpinion", _record_a(activity_id=county_b["reception"].id), region=PREFECTURE)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("activity_id:"), e.details()
    theirs = liaison.record(region=COUNTY_A)
    with liaison.expect_no_writes("activities", "activity_opinions", "outbox"):
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            venue_id=VENUE_B, kind=pb.ACTIVITY_KIND_RECEPTION, date="2026-01-06", title="接待日",
            opinion_ids=[theirs.id])), region=PREFECTURE)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("activity.opinion_ids[0]:")
