"""The life of an opinion: every RPC and every transition, legal and illegal; each step a
history row and an OpinionStepRecorded event; deadlines; escalation; the roster read model."""
from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from liaison_support import (
    COUNTY_A,
    COUNTY_B,
    DEPT,
    DEPT_NAME,
    ESCALATED_EVENT,
    OTHER_COUNTY,
    PATHS,
    PREFECTURE,
    REQUESTS,
    STEP_EVENT,
    TOWNSHIP_A,
    drive,
    future,
)
from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as rpb

from services.liaison import domain as d
from services.liaison.opinions import escalate
from services.roster.service import definition as roster_definition
from shared.service import start

S = pb  # OPINION_STATUS_* names
FC = grpc.StatusCode.FAILED_PRECONDITION


def days_between(a, b) -> float:
    return (b.ToDatetime() - a.ToDatetime()).total_seconds() / 86400


# ---- raising ---------------------------------------------------------------------------

def test_public_submission_gets_a_tracking_code_and_a_county_deadline(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    before = liaison.count("opinions")
    r = liaison.submit(dep)
    assert r.status == S.OPINION_STATUS_RAISED and len(r.tracking_code) == 12
    assert liaison.count("opinions") == before + 1
    t = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=r.tracking_code))
    assert t.status == S.OPINION_STATUS_RAISED and t.category == "道路交通"
    assert [(s.status, s.tier_name) for s in t.steps] == [(S.OPINION_STATUS_RAISED, "昌吉市")]
    o = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions[0]
    assert o.channel == pb.CHANNEL_QR_CODE and o.region_code == COUNTY_A and o.handling_region == COUNTY_A
    assert o.deputy_id == dep.id and o.contact.phone == "13900001111"
    assert round(days_between(o.raised_at, o.due_at)) == 30
    assert [h.status for h in o.history] == [S.OPINION_STATUS_RAISED]
    assert o.history[0].actor == "citizen" and o.history[0].actor_role == "public"
    [e] = liaison.steps_of(o.id)
    assert e.status == S.OPINION_STATUS_RAISED and e.channel == pb.CHANNEL_QR_CODE and not e.linked


def test_public_submission_draws_another_tracking_code_when_one_is_taken(liaison, monkeypatch):
    """The UNIQUE index is the check: a taken code writes nothing and another is drawn."""
    dep = liaison.add_deputy(COUNTY_A)
    taken = liaison.submit(dep).tracking_code
    codes = iter([taken, taken, "FRESHCODE234"])
    monkeypatch.setattr(d, "new_tracking_code", lambda: next(codes))
    before = liaison.count("opinions")
    r = liaison.submit(dep)
    assert r.tracking_code == "FRESHCODE234" and r.status == S.OPINION_STATUS_RAISED
    assert liaison.count("opinions") == before + 1
    t = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=r.tracking_code))
    assert [s.status for s in t.steps] == [S.OPINION_STATUS_RAISED]
    assert len(liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=taken)).steps) == 1


def test_public_submission_about_a_township_and_township_deadline(liaison):
    dep = liaison.add_deputy(TOWNSHIP_A)
    r = liaison.submit(dep, region_code=TOWNSHIP_A, contact=pb.Contact())
    o = [x for x in liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions
         if x.tracking_code == r.tracking_code][0]
    assert o.region_code == TOWNSHIP_A and round(days_between(o.raised_at, o.due_at)) == 15
    assert o.contact.name == "" and o.contact.phone == ""   # contact is optional


def test_public_submission_to_retired_or_unknown_card_is_not_found(liaison):
    gone = liaison.add_deputy(COUNTY_A, status=rpb.DEPUTY_STATUS_RESIGNED)
    with liaison.expect_no_writes():
        for code in (gone.card_code, "ZZZZZZZZZZ"):
            with pytest.raises(grpc.RpcError) as e:
                liaison.public("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(
                    card_code=code, category="教育", text="问题"))
            assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_record_by_staff_deputy_and_system(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    visit = liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        region_code=COUNTY_A, kind=pb.ACTIVITY_KIND_VISIT, date="2026-01-05", title="走访")), region=COUNTY_A)
    by_staff = liaison.record(dep, caller_region=COUNTY_A, activity_id=visit.id)
    assert by_staff.status == S.OPINION_STATUS_RAISED and by_staff.channel == pb.CHANNEL_VISIT
    assert by_staff.history[0].actor == "clerk-test" and by_staff.history[0].actor_role == "staff"
    assert by_staff.tracking_code
    by_deputy = liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_RECEPTION, region_code=TOWNSHIP_A, category="医疗", text="卫生院缺医生"),
        role="deputy", region=COUNTY_A, subject=dep.id)
    assert by_deputy.deputy_id == dep.id and by_deputy.handling_region == COUNTY_A
    by_system = liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_SYSTEM, region_code=COUNTY_B, category="环境", text="噪音扰民"), role="system")
    assert by_system.handling_region == COUNTY_B and by_system.deputy_id == ""
    for o in (by_staff, by_deputy, by_system):
        assert [e.status for e in liaison.steps_of(o.id)] == [S.OPINION_STATUS_RAISED]


def test_record_at_a_venue_is_handled_at_the_venue_region(liaison):
    liaison.feed(rev.VenueCreated(venue=rpb.Venue(id="0a6e2b1e-1111-4111-8111-000000000001", region_code=TOWNSHIP_A,
                                                  name="三工镇代表之家", kind=1,
                                                  schedule=rpb.ReceptionSchedule(days_of_month=[5, 25]))), TOWNSHIP_A)
    o = liaison.record(region=TOWNSHIP_A, venue_id="0a6e2b1e-1111-4111-8111-000000000001")
    assert o.handling_region == TOWNSHIP_A and round(days_between(o.raised_at, o.due_at)) == 15


def test_record_for_an_unknown_deputy_or_venue_writes_nothing(liaison):
    with liaison.expect_no_writes():
        for kw in ({"deputy_id": "6f1c1c2e-0000-4000-8000-00000000dead"},
                   {"venue_id": "6f1c1c2e-0000-4000-8000-00000000dead"}):
            e = liaison.error("RecordOpinion", pb.RecordOpinionRequest(
                channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="x", **kw))
            assert e.code() == grpc.StatusCode.NOT_FOUND


# ---- the life of a case ------------------------------------------------------------------

def test_answered_by_the_deputy_resolved_fed_back_closed_and_rated(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    code = liaison.submit(dep).tracking_code
    oid = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions[0].id
    with liaison.expect_step(oid, S.OPINION_STATUS_ACCEPTED):
        o = liaison.step("AcceptOpinion", oid, region=COUNTY_A, note="受理")
    with liaison.expect_step(oid, S.OPINION_STATUS_ANSWERED):
        o = liaison.step("AnswerOpinion", oid, role="deputy", region=COUNTY_A, subject=dep.id, answer="已协调修复")
    assert o.answer == "已协调修复" and o.history[-1].actor == dep.id and o.history[-1].actor_role == "deputy"
    with liaison.expect_step(oid, S.OPINION_STATUS_RESOLVED):
        o = liaison.step("ConcludeOpinion", oid, resolved=True, note="已修好")
    assert o.resolved
    with liaison.expect_step(oid, S.OPINION_STATUS_FEEDBACK_GIVEN):
        o = liaison.step("GiveFeedback", oid, feedback="红绿灯已修复")
    with liaison.expect_step(oid, S.OPINION_STATUS_CLOSED):
        o = liaison.step("CloseOpinion", oid)
    with liaison.expect_step(oid, S.OPINION_STATUS_CLOSED):
        t = liaison.public("RateOpinion", pb.RateOpinionRequest(tracking_code=code, rating=5, comment="很满意"))
    assert t.rating == 5 and t.status == S.OPINION_STATUS_CLOSED and t.answer == "已协调修复"
    assert t.feedback == "红绿灯已修复" and t.resolved
    assert liaison.steps_of(oid)[-1].rating == 5
    o = liaison.call("GetOpinion", pb.GetOpinionRequest(id=oid))
    assert [h.status for h in o.history] == [1, 2, 4, 8, 10, 11, 11]
    assert [h.rating for h in o.history] == [0, 0, 0, 0, 0, 0, 5]   # staff see the rating as a row of its own
    assert o.rating == 5 and o.rating_comment == "很满意"
    # the citizen's view: each step once, in order; the rating is its own field
    t = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=code))
    assert [s.status for s in t.steps] == [1, 2, 4, 8, 10, 11] and t.rating == 5
    # rated once only
    with liaison.expect_no_writes():
        e = liaison.error("RateOpinion", pb.RateOpinionRequest(tracking_code=code, rating=1), token=None)
    assert e.code() == FC


def test_tracking_view_after_a_rating_lists_feedback_given_once(liaison):
    """Reported: rated after feedback, the tracking view listed FEEDBACK_GIVEN twice."""
    dep = liaison.add_deputy(COUNTY_A)
    code = liaison.submit(dep).tracking_code
    oid = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions[0].id
    liaison.step("AcceptOpinion", oid, region=COUNTY_A)
    liaison.step("AnswerOpinion", oid, role="deputy", region=COUNTY_A, subject=dep.id, answer="已答复")
    liaison.step("ConcludeOpinion", oid, resolved=True)
    liaison.step("GiveFeedback", oid, feedback="已告知")
    t = liaison.public("RateOpinion", pb.RateOpinionRequest(tracking_code=code, rating=4))
    wanted = [S.OPINION_STATUS_RAISED, S.OPINION_STATUS_ACCEPTED, S.OPINION_STATUS_ANSWERED,
              S.OPINION_STATUS_RESOLVED, S.OPINION_STATUS_FEEDBACK_GIVEN]
    assert [s.status for s in t.steps] == wanted and t.rating == 4
    t = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=code))
    assert [s.status for s in t.steps] == wanted
    assert [s.at.ToDatetime() for s in t.steps] == sorted(s.at.ToDatetime() for s in t.steps)
    liaison.step("CloseOpinion", oid)
    t = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=code))
    assert [s.status for s in t.steps] == wanted + [S.OPINION_STATUS_CLOSED]
    assert t.status == S.OPINION_STATUS_CLOSED and t.rating == 4


def test_transferred_replied_unresolved_transferred_again_resolved(liaison):
    o = liaison.record(region=COUNTY_A)
    liaison.step("AcceptOpinion", o.id)
    deadline = future(7)
    with liaison.expect_step(o.id, S.OPINION_STATUS_TRANSFERRED):
        o = liaison.step("TransferOpinion", o.id, department=DEPT, department_name=DEPT_NAME, deadline=deadline,
                         note="请七日内办复")
    assert o.transfer.department == DEPT and o.transfer.deadline == deadline and o.transfer.reply == ""
    with liaison.expect_step(o.id, S.OPINION_STATUS_REPLIED):
        o = liaison.step("ReplyToTransfer", o.id, role="department", region=COUNTY_A, subject=DEPT, reply="已安排维修")
    assert o.transfer.reply == "已安排维修" and o.transfer.HasField("replied_at")
    with liaison.expect_step(o.id, S.OPINION_STATUS_UNRESOLVED):
        o = liaison.step("ConcludeOpinion", o.id, resolved=False, note="群众反映仍未修好")
    assert not o.resolved
    with liaison.expect_step(o.id, S.OPINION_STATUS_TRANSFERRED):
        o = liaison.step("TransferOpinion", o.id, department="dept-roads", department_name="交通局",
                         deadline=future(5))
    assert o.transfer.department == "dept-roads" and o.transfer.reply == ""
    # the first department no longer has the case
    e = liaison.error("GetOpinion", pb.GetOpinionRequest(id=o.id), role="department", subject=DEPT)
    assert e.code() == grpc.StatusCode.NOT_FOUND
    o = liaison.step("ReplyToTransfer", o.id, role="department", region=COUNTY_A, subject="dept-roads",
                     reply="已修复")
    o = liaison.step("ConcludeOpinion", o.id, resolved=True)
    o = liaison.step("GiveFeedback", o.id, feedback="已修复")
    t = liaison.public("TrackOpinion", pb.TrackOpinionRequest(tracking_code=o.tracking_code))
    assert t.department_reply == "已修复" and t.resolved and t.status == S.OPINION_STATUS_FEEDBACK_GIVEN


def test_rejected_with_a_reason_then_fed_back_and_closed(liaison):
    o = liaison.record(region=COUNTY_B)
    with liaison.expect_step(o.id, S.OPINION_STATUS_REJECTED):
        o = liaison.step("RejectOpinion", o.id, region=COUNTY_B, reason="属于司法程序，不予受理")
    assert o.history[-1].note == "属于司法程序，不予受理"
    o = liaison.step("GiveFeedback", o.id, feedback="已告知申请人走司法途径")
    o = liaison.step("CloseOpinion", o.id, note="结案")
    assert o.status == S.OPINION_STATUS_CLOSED and len(o.history) == 4


def _escalated_case(liaison) -> pb.Opinion:
    """A case ESCALATED to another deployment: escalated as a county deployment would."""
    o = liaison.record(region=COUNTY_A)
    county = dataclasses.replace(liaison.runtime,
                                 settings=dataclasses.replace(liaison.settings, home_region=COUNTY_A))
    escalate(county, o.id, "超出县级权限")
    return liaison.call("GetOpinion", pb.GetOpinionRequest(id=o.id))


@pytest.fixture(scope="module")
def cases_by_status(liaison):
    out = {}
    for status in PATHS:
        o = liaison.record(region=COUNTY_A)
        out[status] = drive(liaison, o.id, status).id
    out[S.OPINION_STATUS_ESCALATED] = _escalated_case(liaison).id
    return out


STEP_OF = {"AcceptOpinion": d.Step.ACCEPT, "RejectOpinion": d.Step.REJECT, "AnswerOpinion": d.Step.ANSWER,
           "TransferOpinion": d.Step.TRANSFER, "ReplyToTransfer": d.Step.REPLY, "ConcludeOpinion": d.Step.CONCLUDE,
           "EscalateOpinion": d.Step.ESCALATE, "GiveFeedback": d.Step.FEEDBACK, "CloseOpinion": d.Step.CLOSE}
FIELDS = {"RejectOpinion": {"reason": "r"}, "AnswerOpinion": {"answer": "a"},
          "TransferOpinion": {"department": DEPT, "department_name": DEPT_NAME},
          "ReplyToTransfer": {"reply": "r"}, "EscalateOpinion": {"reason": "r"}, "GiveFeedback": {"feedback": "f"}}
CALLER = {"ReplyToTransfer": {"role": "department", "subject": DEPT}}


def test_every_step_out_of_order_is_failed_precondition_and_writes_nothing(liaison, cases_by_status):
    tried = 0
    for status, oid in cases_by_status.items():
        for method, step in STEP_OF.items():
            if d.Status(status) in d.ALLOWED_FROM[step]:
                continue
            fields = dict(FIELDS.get(method, {}))
            if method == "TransferOpinion":
                fields["deadline"] = future()
            caller = CALLER.get(method, {})
            if method == "ReplyToTransfer":
                # only the department it was transferred to can even see the case
                caller = {"role": "system"}
            with liaison.expect_no_writes():
                e = liaison.error(method, getattr(pb, REQUESTS[method])(id=oid, **fields), **caller)
            assert e.code() == FC, (method, status, e.code(), e.details())
            tried += 1
        if d.Status(status) not in d.ALLOWED_FROM[d.Step.RATE]:
            code = liaison.call("GetOpinion", pb.GetOpinionRequest(id=oid)).tracking_code
            with liaison.expect_no_writes():
                e = liaison.error("RateOpinion", pb.RateOpinionRequest(tracking_code=code, rating=3), token=None)
            assert e.code() == FC
            tried += 1
    assert tried > 80


def test_escalation_within_the_deployment_is_taken_over_by_the_tier_above(liaison):
    dep = liaison.add_deputy(TOWNSHIP_A)
    o = liaison.record(dep, region=TOWNSHIP_A)
    assert o.handling_region == TOWNSHIP_A
    liaison.step("AcceptOpinion", o.id, region=TOWNSHIP_A)
    with liaison.expect_step(o.id, S.OPINION_STATUS_ESCALATED, S.OPINION_STATUS_ACCEPTED):
        o = liaison.step("EscalateOpinion", o.id, region=TOWNSHIP_A, reason="镇里解决不了")
    assert o.status == S.OPINION_STATUS_ACCEPTED and o.handling_region == COUNTY_A
    assert [(h.status, h.region_code) for h in o.history[-2:]] == [
        (S.OPINION_STATUS_ESCALATED, TOWNSHIP_A), (S.OPINION_STATUS_ACCEPTED, COUNTY_A)]
    # the township's clerk escalated; the county did not act: the service took it over on its behalf
    assert (o.history[-2].actor, o.history[-2].actor_role) == ("clerk-test", "staff")
    assert (o.history[-1].actor, o.history[-1].actor_role) == ("liaison", "system")
    assert o.history[-1].note.endswith("升级至本级受理: 镇里解决不了")
    assert abs(days_between(o.history[-1].at, o.due_at) - 30) < 0.01
    # the township's staff no longer handle it; the county's do
    e = liaison.error("AnswerOpinion", pb.AnswerOpinionRequest(id=o.id, answer="a"), region=TOWNSHIP_A)
    assert e.code() == grpc.StatusCode.PERMISSION_DENIED
    o = liaison.step("EscalateOpinion", o.id, region=COUNTY_A, reason="县里也解决不了")
    assert o.handling_region == PREFECTURE and abs(days_between(o.history[-1].at, o.due_at) - 60) < 0.01
    # the top of this deployment, with no upper deployment configured
    with liaison.expect_no_writes():
        e = liaison.error("EscalateOpinion", pb.EscalateOpinionRequest(id=o.id, reason="再上报"))
    assert e.code() == FC


def test_escalation_to_another_deployment_publishes_the_whole_case(liaison):
    before = len(liaison.outbox())
    o = _escalated_case(liaison)
    assert o.status == S.OPINION_STATUS_ESCALATED and o.escalated_to_region == PREFECTURE
    assert o.handling_region == COUNTY_A
    added = liaison.outbox()[before:]
    assert [t for t, _, _ in added] == [STEP_EVENT, STEP_EVENT, ESCALATED_EVENT]   # raised, escalated, case
    _, data, key = added[-1]
    e = ev.OpinionEscalated.FromString(data)
    assert key == PREFECTURE and e.to_region == PREFECTURE and e.from_region == COUNTY_A
    assert e.reason == "超出县级权限" and e.opinion.id == o.id and e.opinion.contact.phone == "13800002222"
    assert [h.status for h in e.opinion.history] == [S.OPINION_STATUS_RAISED, S.OPINION_STATUS_ESCALATED]
    assert o.history[-1].actor_role == "system"


def test_list_filters_and_pages(liaison):
    dep = liaison.add_deputy(COUNTY_B)
    ids = [liaison.record(dep, region=COUNTY_B).id for _ in range(3)]
    liaison.step("AcceptOpinion", ids[0])
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, page={"page_size": 2}))
    assert r.total_size == 3 and len(r.opinions) == 2 and r.next_page_token
    r2 = liaison.call("ListOpinions", pb.ListOpinionsRequest(
        deputy_id=dep.id, page={"page_size": 2, "page_token": r.next_page_token}))
    assert {o.id for o in r.opinions} | {o.id for o in r2.opinions} == set(ids) and not r2.next_page_token
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, status=S.OPINION_STATUS_ACCEPTED))
    assert [o.id for o in r.opinions] == [ids[0]]
    now = datetime.now(timezone.utc)
    later = pb.ListOpinionsRequest(deputy_id=dep.id)
    later.raised_from.FromDatetime(now + timedelta(hours=1))
    assert liaison.call("ListOpinions", later).total_size == 0
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(region_code=COUNTY_B), region=COUNTY_B)
    assert set(ids) <= {o.id for o in r.opinions}
    assert all(o.region_code.startswith(COUNTY_B) or o.handling_region.startswith(COUNTY_B) for o in r.opinions)


# ---- the roster read model ----------------------------------------------------------------

def test_directory_applies_roster_events_and_ignores_other_regions(liaison):
    from sqlalchemy import text as sql
    dep = liaison.add_deputy(COUNTY_A)
    outside = liaison.add_deputy(OTHER_COUNTY)
    vid = "0a6e2b1e-2222-4222-8222-000000000002"
    liaison.feed(rev.VenueCreated(venue=rpb.Venue(id=vid, region_code=COUNTY_A, name="联络站", kind=2,
                                                  schedule=rpb.ReceptionSchedule(days_of_month=[5, 25],
                                                                                 hours="09:00-12:00"))), COUNTY_A)
    liaison.feed(rev.DeputyAssignedToVenue(venue_id=vid, deputy_id=dep.id, region_code=COUNTY_A), COUNTY_A)
    liaison.feed(rev.DeputyAssignedToVenue(venue_id=vid, deputy_id=dep.id, region_code=COUNTY_A), COUNTY_A)
    with liaison.engine.connect() as c:
        assert c.execute(sql("SELECT days_of_month, hours FROM directory_venues WHERE id=:v"), {"v": vid}).one() == \
            ("5,25", "09:00-12:00")
        assert c.execute(sql("SELECT count(*) FROM directory_venue_members WHERE venue_id=:v"), {"v": vid}).scalar() == 1
        assert c.execute(sql("SELECT count(*) FROM directory_deputies WHERE id=:i"), {"i": outside.id}).scalar() == 0
    liaison.feed(rev.DeputyRemovedFromVenue(venue_id=vid, deputy_id=dep.id, region_code=COUNTY_A), COUNTY_A)
    renamed = rpb.Deputy()
    renamed.CopyFrom(dep)
    renamed.name = "改名代表"
    liaison.feed(rev.DeputyUpdated(deputy=renamed), COUNTY_A)
    liaison.feed(rev.DeputyStatusChanged(deputy_id=dep.id, region_code=COUNTY_A, from_status=1, to_status=3), COUNTY_A)
    liaison.feed(rev.CardUpdated(deputy_id=dep.id, region_code=COUNTY_A), COUNTY_A)   # not ours: ignored
    with liaison.engine.connect() as c:
        assert c.execute(sql("SELECT count(*) FROM directory_venue_members WHERE venue_id=:v"), {"v": vid}).scalar() == 0
        assert c.execute(sql("SELECT name, status FROM directory_deputies WHERE id=:i"), {"i": dep.id}).one() == \
            ("改名代表", 3)
    e = liaison.error("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(
        card_code=dep.card_code, category="c", text="t"), token=None)
    assert e.code() == grpc.StatusCode.NOT_FOUND


def test_roster_events_reach_the_directory_over_the_bus(start_liaison, fresh_database, settings_for, tmp_path):
    """The real cross-service path: a roster server registers a deputy; the relay publishes
    it; the liaison directory consumer picks it up; the deputy's card takes opinions."""
    bus = tmp_path / "bus.sqlite"
    liaison = start_liaison(bus)
    roster = start(roster_definition(), settings_for("roster", fresh_database(), bus))
    try:
        import grpc as g
        from lianxin.roster.v1 import roster_pb2_grpc
        ch = g.insecure_channel(f"127.0.0.1:{roster.port}")
        stub = roster_pb2_grpc.RosterServiceStub(ch)
        md = (("authorization", f"Bearer {liaison.token('staff', PREFECTURE)}"),)
        dep = stub.RegisterDeputy(rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=COUNTY_A, name="总线代表", seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十五届")],
            contact=rpb.Contact(phone="13900009999"))), metadata=md, timeout=30)
        req = pb.SubmitPublicOpinionRequest(card_code=dep.card_code, category="教育", text="通过总线")
        deadline = time.monotonic() + 20
        while True:
            try:
                r = liaison.public("SubmitPublicOpinion", req)
                break
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.NOT_FOUND
                assert time.monotonic() < deadline, "the deputy never reached the liaison directory"
                time.sleep(0.1)
        assert r.tracking_code
        ch.close()
    finally:
        roster.shutdown(grace=1.0)
        liaison.close()


def test_service_info(liaison):
    from lianxin.common.v1 import common_pb2
    info = liaison.call("GetServiceInfo", common_pb2.GetServiceInfoRequest())
    assert info.service == "liaison" and info.home_region == PREFECTURE and info.topic == "lianxin.liaison.v1"


def test_escalate_inside_a_callers_transaction_as_a_sweep_would(liaison):
    o = liaison.record(region=TOWNSHIP_A)
    with liaison.runtime.transaction() as s:
        row = escalate(s, o.id, "逾期未办结", runtime=liaison.runtime)
        assert row.handling_region == COUNTY_A and row.status == S.OPINION_STATUS_ACCEPTED
    o = liaison.call("GetOpinion", pb.GetOpinionRequest(id=o.id))
    assert [h.status for h in o.history] == [S.OPINION_STATUS_RAISED, S.OPINION_STATUS_ESCALATED,
                                             S.OPINION_STATUS_ACCEPTED]
    assert o.history[1].actor == "liaison" and o.history[1].note == "逾期未办结"
    closed = drive(liaison, liaison.record(region=COUNTY_A).id, S.OPINION_STATUS_CLOSED)
    with pytest.raises(Exception) as e, liaison.runtime.transaction() as s:
        escalate(s, closed.id, "逾期", runtime=liaison.runtime)
    assert type(e.value).__name__ == "FailedPrecondition"


# ---- 经办人: a person's name, never a token subject ---------------------------------------

def test_case_history_keeps_the_name_a_token_carries_and_never_a_subject(liaison):
    """Each step keeps the display name of the token that took it (经办人, the `name` claim);
    a token without one leaves it blank."""
    dep = liaison.add_deputy(COUNTY_A)
    raised = liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="校门口需要减速带",
        deputy_id=dep.id), region=COUNTY_A, subject="wangxl-login", name="王秀兰")
    liaison.call("AcceptOpinion", pb.AcceptOpinionRequest(id=raised.id), region=COUNTY_A, subject="clerk-login-3")
    history = liaison.call("GetOpinion", pb.GetOpinionRequest(id=raised.id)).history
    assert [(h.actor_name, h.actor) for h in history] == [("王秀兰", "wangxl-login"), ("", "clerk-login-3")]
