"""Where a case is, whom it is raised to, and what a deputy may name: a case raised to a
deputy (by card or recorded) is about a place in the deputy's region; a deputy attaches an
opinion only to an activity they took part in and lists only their own cases; a deployment
whose county got a deployment of its own no longer acts on that county's roster records or
cases left in its database, while it still reads its cases and figures."""
from __future__ import annotations

import grpc
import pytest
from liaison_support import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A, TOWNSHIP_A2, future
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as rpb

VENUE_A = "0a6e2b1e-2222-4222-8222-00000000000a"
VENUE_B = "0a6e2b1e-2222-4222-8222-00000000000b"


# ---- a case raised to a deputy is about a place in the deputy's region -------------------
@pytest.mark.parametrize("region", [COUNTY_B, "652328101", PREFECTURE, COUNTY_A, TOWNSHIP_A2])
def test_a_card_submission_names_no_region_outside_the_deputys(liaison, region):
    """The tester's input: a 宁边路街道 deputy's card, a case "about" 阜康市, a township of
    木垒县, the prefecture, the county above, a sibling township: INVALID_ARGUMENT naming
    region_code, nothing written, nothing counted anywhere."""
    deputy = liaison.add_deputy(TOWNSHIP_A)
    with liaison.expect_no_writes():
        e = liaison.error("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(
            card_code=deputy.card_code, category="道路交通", text="路灯坏了", region_code=region), token=None)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, (region, e.code())
    assert e.details().startswith("region_code:") and TOWNSHIP_A in e.details(), e.details()


def test_a_card_submission_defaults_to_and_may_narrow_within_the_deputys_region(liaison):
    county_deputy = liaison.add_deputy(COUNTY_A)
    staff = {"region": COUNTY_A}
    plain = liaison.submit(county_deputy)
    narrowed = liaison.submit(county_deputy, region_code=TOWNSHIP_A)
    cases = {o.tracking_code: o for o in liaison.call("ListOpinions", pb.ListOpinionsRequest(
        deputy_id=county_deputy.id), **staff).opinions}
    assert (cases[plain.tracking_code].region_code, cases[plain.tracking_code].handling_region) == (COUNTY_A,
                                                                                                    COUNTY_A)
    assert (cases[narrowed.tracking_code].region_code,
            cases[narrowed.tracking_code].handling_region) == (TOWNSHIP_A, COUNTY_A)


def test_recorded_opinions_follow_the_same_rule(liaison):
    township_deputy = liaison.add_deputy(TOWNSHIP_A)
    for caller in ({"caller_region": PREFECTURE},
                   {"role": "deputy", "caller_region": COUNTY_A, "subject": township_deputy.id}):
        with liaison.expect_no_writes():
            e = liaison.error("RecordOpinion", pb.RecordOpinionRequest(
                channel=pb.CHANNEL_VISIT, region_code=TOWNSHIP_A2, category="教育", text="学校门口需要减速带",
                deputy_id=township_deputy.id), role=caller.get("role", "staff"), region=caller["caller_region"],
                **({"subject": caller["subject"]} if "subject" in caller else {}))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("region_code:"), \
            (caller, e.details())
    ok = liaison.record(township_deputy, region=TOWNSHIP_A)
    assert (ok.region_code, ok.handling_region) == (TOWNSHIP_A, TOWNSHIP_A)
    # At a venue without a deputy: the venue's region.
    liaison.feed(rev.VenueCreated(venue=rpb.Venue(id=VENUE_A, region_code=TOWNSHIP_A, name="宁边路联络站",
                                                  kind=2)), TOWNSHIP_A)
    e = liaison.error("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_RECEPTION, region_code=TOWNSHIP_A2, category="教育", text="路面坑洼",
        venue_id=VENUE_A))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("region_code:")


# ---- a deputy attaches opinions only to activities they took part in ----------------------
def test_a_deputy_attaches_an_opinion_only_to_an_activity_they_took_part_in(liaison):
    present, absent = liaison.add_deputy(COUNTY_A), liaison.add_deputy(COUNTY_A)
    visit = liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        region_code=COUNTY_A, kind=pb.ACTIVITY_KIND_VISIT, date="2026-01-05", title="走访", deputy_ids=[present.id])),
        region=COUNTY_A)
    by_staff = liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        region_code=COUNTY_A, kind=pb.ACTIVITY_KIND_VISIT, date="2026-01-06", title="走访")), region=COUNTY_A)
    for activity in (visit, by_staff):
        with liaison.expect_no_writes():
            e = liaison.error("RecordOpinion", pb.RecordOpinionRequest(
                channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="学校门口需要减速带",
                deputy_id=absent.id, activity_id=activity.id), role="deputy", region=COUNTY_A, subject=absent.id)
        assert e.code() == grpc.StatusCode.PERMISSION_DENIED, e.code()
        assert e.details().startswith("activity_id:") and "took part in" in e.details(), e.details()
    mine = liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="学校门口需要减速带",
        activity_id=visit.id), role="deputy", region=COUNTY_A, subject=present.id)
    # Staff attach within their scope, whoever took part.
    theirs = liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="路灯坏了", activity_id=by_staff.id),
        region=COUNTY_A)
    assert mine.id in liaison.call("GetActivity", pb.GetActivityRequest(id=visit.id), region=COUNTY_A).opinion_ids
    assert theirs.id in liaison.call("GetActivity", pb.GetActivityRequest(id=by_staff.id),
                                     region=COUNTY_A).opinion_ids


# ---- a deputy lists their own cases ---------------------------------------------------------
def test_a_deputy_filtering_by_another_deputy_is_refused_not_told_it_is_unknown(liaison):
    me, other = liaison.add_deputy(COUNTY_A), liaison.add_deputy(COUNTY_A)
    liaison.submit(other)
    for named in (other.id, "7d1f2c3e-0000-4000-8000-000000000000"):   # a visible deputy, and an unknown id
        e = liaison.error("ListOpinions", pb.ListOpinionsRequest(deputy_id=named), role="deputy", region=COUNTY_A,
                          subject=me.id)
        assert e.code() == grpc.StatusCode.PERMISSION_DENIED, e.code()
        assert e.details() == "deputy_id: a deputy lists their own cases", e.details()
    mine = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=me.id), role="deputy", region=COUNTY_A,
                        subject=me.id)
    assert all(o.deputy_id == me.id for o in mine.opinions)
    e = liaison.error("ListOpinions", pb.ListOpinionsRequest(department="dept-road"), role="department",
                      region=COUNTY_A, subject="dept-water")
    assert e.code() == grpc.StatusCode.PERMISSION_DENIED and e.details().startswith("department:")


# ---- a county that got its own deployment ---------------------------------------------------
@pytest.fixture(scope="module")
def prefecture(start_liaison):
    """The prefecture's liaison on a database that served 阜康市 (652302) too: a deputy and a
    venue of it in the directory, an activity and two cases there (one accepted). Restarted
    once 阜康市 runs its own deployment: (server, the county's deputy, its case, its activity)."""
    before = start_liaison()
    deputy = before.add_deputy(COUNTY_B)
    before.feed(rev.VenueCreated(venue=rpb.Venue(id=VENUE_B, region_code=COUNTY_B, name="阜康市人大代表之家",
                                                 kind=1)), COUNTY_B)
    case = before.record(deputy, region=COUNTY_B)
    activity = before.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        region_code=COUNTY_B, venue_id=VENUE_B, kind=pb.ACTIVITY_KIND_RECEPTION, date="2026-01-05",
        title="接待", deputy_ids=[deputy.id])))
    before.close()
    server = start_liaison(url=before.db_url, LIANXIN_DELEGATED_REGIONS=COUNTY_B)
    yield server, deputy, case, activity
    server.close()


def test_a_delegated_countys_roster_records_and_cases_are_not_acted_on(prefecture):
    server, deputy, case, activity = prefecture
    calls = [
        ("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            venue_id=VENUE_B, kind=pb.ACTIVITY_KIND_RECEPTION, date="2026-01-25", title="接待")),
         grpc.StatusCode.NOT_FOUND, "activity.venue_id"),
        ("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            region_code=COUNTY_B, kind=pb.ACTIVITY_KIND_MEETING, date="2026-01-25", title="例会")),
         grpc.StatusCode.INVALID_ARGUMENT, "activity.region_code"),
        ("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            region_code=COUNTY_A, kind=pb.ACTIVITY_KIND_VISIT, date="2026-01-25", title="走访",
            deputy_ids=[deputy.id])), grpc.StatusCode.NOT_FOUND, "activity.deputy_ids[0]"),
        ("RecordOpinion", pb.RecordOpinionRequest(channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育",
                                                  text="路灯坏了", deputy_id=deputy.id),
         grpc.StatusCode.NOT_FOUND, "deputy_id"),
        ("RecordOpinion", pb.RecordOpinionRequest(channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育",
                                                  text="路灯坏了", venue_id=VENUE_B),
         grpc.StatusCode.NOT_FOUND, "venue_id"),
        # The activity stays readable (below), so it is not "not found": the answer names who serves it.
        ("RecordOpinion", pb.RecordOpinionRequest(channel=pb.CHANNEL_RECEPTION, region_code=PREFECTURE,
                                                  category="教育", text="路灯坏了", activity_id=activity.id),
         grpc.StatusCode.INVALID_ARGUMENT, "activity_id"),
        ("ExportRegister", pb.ExportRegisterRequest(venue_id=VENUE_B, register=pb.REGISTER_ACTIVITIES,
                                                    format=common_pb2.FILE_FORMAT_CSV),
         grpc.StatusCode.NOT_FOUND, "venue_id"),
        ("ListOpinions", pb.ListOpinionsRequest(deputy_id=deputy.id), grpc.StatusCode.NOT_FOUND, "deputy_id"),
        ("AcceptOpinion", pb.AcceptOpinionRequest(id=case.id), grpc.StatusCode.FAILED_PRECONDITION, "id"),
        ("TransferOpinion", pb.TransferOpinionRequest(id=case.id, department="dept-water",
                                                      department_name="市水务局", deadline=future()),
         grpc.StatusCode.FAILED_PRECONDITION, "id"),
        ("EscalateOpinion", pb.EscalateOpinionRequest(id=case.id, reason="久拖"),
         grpc.StatusCode.FAILED_PRECONDITION, "id"),
    ]
    for method, request, code, field in calls:
        with server.expect_no_writes("opinions", "opinion_steps", "outbox", "activities"):
            e = server.error(method, request, region=PREFECTURE)
        assert e.code() == code, (method, e.code(), e.details())
        assert e.details().startswith(f"{field}:"), (method, e.details())
    assert COUNTY_B in server.error("AcceptOpinion", pb.AcceptOpinionRequest(id=case.id)).details()
    # What this deployment holds of it stays readable: the case, the activity, the figures.
    assert server.call("GetOpinion", pb.GetOpinionRequest(id=case.id)).handling_region == COUNTY_B
    assert case.id in {o.id for o in server.call("ListOpinions", pb.ListOpinionsRequest(region_code=COUNTY_B)
                                                 ).opinions}
    assert server.call("GetActivity", pb.GetActivityRequest(id=activity.id)).region_code == COUNTY_B
    server.call("GetStatistics", pb.GetStatisticsRequest(region_code=COUNTY_B, date_from="2026-01-01",
                                                         date_to="2026-12-31"))
    # The rest of the prefecture is served as before.
    assert server.record(server.add_deputy(TOWNSHIP_A), region=TOWNSHIP_A).handling_region == TOWNSHIP_A
