"""The inbox filters of ListOpinions over real gRPC on PostgreSQL: venue (cases raised at the
venue or to one of its deputies, the venue resolved in the caller's region), deadlines (open
cases due before an instant; transferred cases whose department's deadline falls before one),
escalated (cases that went up a tier); each inside the caller's scope first, each bound into
the page token, each malformed value INVALID_ARGUMENT naming its field."""
from __future__ import annotations

import uuid
from datetime import timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from liaison_support import COUNTY_A, COUNTY_B, DEPT, DEPT_NAME, PREFECTURE, drive, future
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as rpb

IA = grpc.StatusCode.INVALID_ARGUMENT
VENUE_A = str(uuid.uuid4())
VENUE_B = str(uuid.uuid4())


def ids(r: pb.ListOpinionsResponse) -> set[str]:
    return {o.id for o in r.opinions}


def at(ts: Timestamp, **delta) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(ts.ToDatetime() + timedelta(**delta))
    return t


@pytest.fixture(scope="module")
def world(liaison):
    """County A: a venue with one member deputy, a deputy of no venue; county B: a venue."""
    for vid, region, name in ((VENUE_A, COUNTY_A, "宁边路联络站"), (VENUE_B, COUNTY_B, "阜康市代表之家")):
        liaison.feed(rev.VenueCreated(venue=rpb.Venue(id=vid, region_code=region, name=name, kind=2)), region)
    member, loner = liaison.add_deputy(COUNTY_A), liaison.add_deputy(COUNTY_A)
    liaison.feed(rev.DeputyAssignedToVenue(venue_id=VENUE_A, deputy_id=member.id, region_code=COUNTY_A), COUNTY_A)
    return {"member": member, "loner": loner, "b": liaison.add_deputy(COUNTY_B)}


def test_the_venue_filter_lists_cases_raised_there_or_to_its_deputies(liaison, world):
    at_venue = liaison.call("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_RECEPTION, region_code=COUNTY_A, category="教育", text="接待时反映的问题",
        venue_id=VENUE_A), region=COUNTY_A)
    code = liaison.submit(world["member"]).tracking_code
    [to_member] = [o for o in liaison.call("ListOpinions", pb.ListOpinionsRequest(
        deputy_id=world["member"].id)).opinions if o.tracking_code == code]
    elsewhere = liaison.record(world["loner"])
    listed = liaison.call("ListOpinions", pb.ListOpinionsRequest(venue_id=VENUE_A), region=COUNTY_A)
    assert ids(listed) == {at_venue.id, to_member.id} and listed.total_size == 2
    assert elsewhere.id not in ids(listed)
    # With another filter: both apply.
    both = liaison.call("ListOpinions", pb.ListOpinionsRequest(venue_id=VENUE_A, deputy_id=world["member"].id))
    assert ids(both) == {to_member.id}
    # The deputy themself, listing their own cases by the venue: theirs only.
    own = liaison.call("ListOpinions", pb.ListOpinionsRequest(venue_id=VENUE_A), role="deputy", region=COUNTY_A,
                       subject=world["member"].id)
    assert ids(own) == {to_member.id}


def test_a_venue_outside_the_callers_region_is_not_found(liaison, world):
    for venue in (VENUE_B, str(uuid.uuid4())):
        e = liaison.error("ListOpinions", pb.ListOpinionsRequest(venue_id=venue), region=COUNTY_A)
        assert e.code() == grpc.StatusCode.NOT_FOUND and e.details().startswith("venue_id:"), e.details()
    # The prefecture's staff see county B's venue (their subtree).
    assert liaison.call("ListOpinions", pb.ListOpinionsRequest(venue_id=VENUE_B), region=PREFECTURE).total_size == 0


def test_due_before_lists_the_open_cases_whose_tier_deadline_falls_before_it(liaison, world):
    dep = liaison.add_deputy(COUNTY_A)
    raised = liaison.record(dep)
    transferred = drive(liaison, liaison.record(dep).id, pb.OPINION_STATUS_TRANSFERRED)
    resolved = drive(liaison, liaison.record(dep).id, pb.OPINION_STATUS_RESOLVED)
    assert raised.HasField("due_at")
    mine = {"deputy_id": dep.id}
    later = liaison.call("ListOpinions", pb.ListOpinionsRequest(**mine, due_before=at(raised.due_at, days=1)))
    # Open cases only: a resolved case's deadline no longer runs.
    assert ids(later) == {raised.id, transferred.id}
    assert resolved.id not in ids(later)
    # Before the deadline: none is due yet (nothing here is overdue now).
    earlier = liaison.call("ListOpinions", pb.ListOpinionsRequest(**mine, due_before=at(raised.due_at, hours=-1)))
    assert ids(earlier) == set()
    now = Timestamp()
    now.GetCurrentTime()
    assert liaison.call("ListOpinions", pb.ListOpinionsRequest(**mine, due_before=now)).total_size == 0


def test_transfer_due_before_lists_the_departments_replies_due(liaison, world):
    dep = liaison.add_deputy(COUNTY_A)
    soon, late = (drive(liaison, liaison.record(dep).id, pb.OPINION_STATUS_ACCEPTED) for _ in range(2))
    for case, days in ((soon, 3), (late, 20)):
        liaison.step("TransferOpinion", case.id, department=DEPT, department_name=DEPT_NAME, deadline=future(days))
    mine = {"deputy_id": dep.id}
    due = liaison.call("ListOpinions", pb.ListOpinionsRequest(**mine, transfer_due_before=future(7)))
    assert ids(due) == {soon.id}
    assert ids(liaison.call("ListOpinions", pb.ListOpinionsRequest(**mine, transfer_due_before=future(30)))) == {
        soon.id, late.id}
    # Replied: no longer awaiting the department.
    liaison.step("ReplyToTransfer", soon.id, role="department", region=COUNTY_A, subject=DEPT, reply="已修复")
    assert ids(liaison.call("ListOpinions", pb.ListOpinionsRequest(**mine, transfer_due_before=future(30)))) == {
        late.id}
    # The department's own list by its deadline: only its cases.
    theirs = liaison.call("ListOpinions", pb.ListOpinionsRequest(transfer_due_before=future(30)), role="department",
                          region=COUNTY_A, subject=DEPT)
    assert late.id in ids(theirs) and all(o.transfer.department == DEPT for o in theirs.opinions)


def test_escalated_lists_the_cases_that_went_up_a_tier(liaison, world):
    dep = liaison.add_deputy(COUNTY_A)
    stays = liaison.record(dep)
    went = liaison.record(dep)
    up = liaison.step("EscalateOpinion", went.id, region=COUNTY_A, reason="超出本级职权")
    # Taken over by the prefecture in this deployment: accepted there, not ESCALATED.
    assert up.status == pb.OPINION_STATUS_ACCEPTED and up.handling_region == PREFECTURE
    listed = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, escalated=True))
    assert ids(listed) == {went.id}
    assert stays.id in ids(liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)))


def test_scope_comes_first(liaison, world):
    """County B's staff, with every new filter, see nothing of county A."""
    far = Timestamp(seconds=4_000_000_000)
    r = liaison.call("ListOpinions", pb.ListOpinionsRequest(due_before=far, page={"page_size": 500}),
                     region=COUNTY_B)
    assert all(o.region_code.startswith(COUNTY_B) or o.handling_region.startswith(COUNTY_B) for o in r.opinions)
    escalated = liaison.call("ListOpinions", pb.ListOpinionsRequest(escalated=True), region=COUNTY_B)
    assert escalated.total_size == 0
    transfers = liaison.call("ListOpinions", pb.ListOpinionsRequest(transfer_due_before=far), region=COUNTY_B)
    assert transfers.total_size == 0


def test_the_page_token_is_bound_to_the_new_filters(liaison, world):
    dep = liaison.add_deputy(COUNTY_A)
    cases = [liaison.record(dep) for _ in range(3)]
    cut = at(cases[0].due_at, days=1)
    first = pb.ListOpinionsRequest(deputy_id=dep.id, due_before=cut, page=common_pb2.PageRequest(page_size=1))
    token = liaison.call("ListOpinions", first).next_page_token
    assert token
    for other in (dict(due_before=at(cut, seconds=1)), dict(due_before=cut, escalated=True),
                  dict(due_before=cut, transfer_due_before=cut), dict(due_before=cut, venue_id=VENUE_A), dict()):
        e = liaison.error("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, **other,
                                                                 page=common_pb2.PageRequest(page_size=1,
                                                                                             page_token=token)))
        assert e.code() == IA and e.details().startswith("page.page_token:"), (other, e.details())
    seen, req = [], first
    while True:
        r = liaison.call("ListOpinions", req)
        seen += [o.id for o in r.opinions]
        if not r.next_page_token:
            break
        req = pb.ListOpinionsRequest(deputy_id=dep.id, due_before=cut,
                                     page=common_pb2.PageRequest(page_size=1, page_token=r.next_page_token))
    assert sorted(seen) == sorted(c.id for c in cases)


@pytest.mark.parametrize("request_, field", [
    (pb.ListOpinionsRequest(venue_id="not-an-id"), "venue_id"),
    (pb.ListOpinionsRequest(due_before=Timestamp(seconds=2**62)), "due_before"),
    (pb.ListOpinionsRequest(transfer_due_before=Timestamp(seconds=-2**62)), "transfer_due_before"),
])
def test_bad_filters_name_their_field(liaison, request_, field):
    e = liaison.error("ListOpinions", request_)
    assert e.code() == IA and e.details().startswith(f"{field}:"), e.details()
