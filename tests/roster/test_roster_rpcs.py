"""Every RosterService RPC over real gRPC against real PostgreSQL, as an office would use it.

Tests in this module share one server; each works in regions of its own (or makes its own
server) so counts do not depend on test order. Every write checks its outbox event.
"""
from __future__ import annotations

import csv
import io
import uuid

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import events_pb2 as ev
from lianxin.roster.v1 import roster_pb2 as pb
from openpyxl import Workbook, load_workbook
from roster_support import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A

from services.roster import sheets

S = pb.DeputyStatus


def ids(deputies) -> set[str]:
    return {d.id for d in deputies}


# ---- deputies -------------------------------------------------------------------

def test_register_deputy_with_seats_at_several_levels(roster):
    with roster.expect_events("DeputyRegistered"):
        d = roster.register(TOWNSHIP_A, levels=(pb.LEVEL_TOWNSHIP, pb.LEVEL_PREFECTURE, pb.LEVEL_COUNTY),
                            specialties=("法律", "教育", "医疗"))
    uuid.UUID(d.id)
    assert d.region_code == TOWNSHIP_A
    assert [s.level for s in d.seats] == [pb.LEVEL_PREFECTURE, pb.LEVEL_COUNTY, pb.LEVEL_TOWNSHIP]
    assert all(s.term == "第十五届" for s in d.seats)
    assert {s.electoral_district for s in d.seats} == {"第1选区", "第2选区", "第3选区"}
    assert d.status == S.DEPUTY_STATUS_SERVING
    assert len(d.status_history) == 1 and d.status_history[0].status == S.DEPUTY_STATUS_SERVING
    assert d.status_history[0].changed_by == "clerk-test"
    assert len(d.card_code) == 10
    assert d.card == pb.CardSettings(show_work_unit=True, show_position=True, show_phone=False,
                                     show_specialties=True)
    event, key = roster.last_event(ev.DeputyRegistered)
    assert event.deputy == d and key == TOWNSHIP_A

    # The answer is built from the values written, not read back: what is stored must match it.
    got = roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id))
    assert got == d


def test_register_by_elected_and_duplicate(roster):
    d = roster.register(COUNTY_A, status=S.DEPUTY_STATUS_BY_ELECTED)
    assert d.status == S.DEPUTY_STATUS_BY_ELECTED
    same = roster.deputy_msg(COUNTY_A, name=d.name, phone=d.contact.phone)
    with roster.expect_no_writes():
        err = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(deputy=same))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS


def test_get_unknown_deputy_is_not_found(roster):
    err = roster.error("GetDeputy", pb.GetDeputyRequest(id=str(uuid.uuid4())))
    assert err.code() == grpc.StatusCode.NOT_FOUND


def test_update_deputy_changes_only_masked_fields(roster):
    d = roster.register(COUNTY_A)
    patch = pb.Deputy(id=d.id, name="新名字", position="副校长", work_unit="别的单位",
                      contact=pb.Contact(phone="13800000000"), specialties=["教育"])
    with roster.expect_events("DeputyUpdated"):
        u = roster.call("UpdateDeputy", pb.UpdateDeputyRequest(
            deputy=patch, update_mask=FieldMask(paths=["name", "position"])))
    assert (u.name, u.position) == ("新名字", "副校长")
    assert u.work_unit == d.work_unit and u.contact == d.contact and list(u.specialties) == list(d.specialties)
    assert u.seats == d.seats and u.region_code == d.region_code and u.card_code == d.card_code
    event, _ = roster.last_event(ev.DeputyUpdated)
    assert sorted(event.changed_fields) == ["name", "position"]
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id)) == u

    # Seats and contact through the mask too.
    with roster.expect_events("DeputyUpdated"):
        u2 = roster.call("UpdateDeputy", pb.UpdateDeputyRequest(
            deputy=pb.Deputy(id=d.id, seats=[pb.Seat(level=pb.LEVEL_TOWNSHIP)],
                             contact=pb.Contact(phone="13800000001")),
            update_mask=FieldMask(paths=["seats", "contact"])))
    assert [s.level for s in u2.seats] == [pb.LEVEL_TOWNSHIP]
    assert u2.contact == pb.Contact(phone="13800000001") and u2.name == "新名字"

    # The same values again change nothing and publish nothing.
    with roster.expect_no_writes():
        roster.call("UpdateDeputy", pb.UpdateDeputyRequest(
            deputy=pb.Deputy(id=d.id, name="新名字"), update_mask=FieldMask(paths=["name"])))


@pytest.mark.parametrize("paths", [["card_code"], ["name", "status"], ["region_code"], []])
def test_update_deputy_with_a_bad_mask_is_invalid(roster, paths):
    d = roster.register(COUNTY_A)
    with roster.expect_no_writes():
        err = roster.error("UpdateDeputy", pb.UpdateDeputyRequest(
            deputy=pb.Deputy(id=d.id, name="x", status=S.DEPUTY_STATUS_RESIGNED, region_code=COUNTY_B),
            update_mask=FieldMask(paths=paths)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details().startswith("update_mask")
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id)) == d


def test_change_status_follows_the_exit_and_by_election_rules(roster):
    d = roster.register(COUNTY_A)

    def change(status, reason=""):
        return roster.call("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=d.id, status=status, reason=reason))

    with roster.expect_no_writes():
        err = roster.error("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(
            id=d.id, status=S.DEPUTY_STATUS_RESIGNED))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith("reason")

    with roster.expect_events("DeputyStatusChanged"):
        r = change(S.DEPUTY_STATUS_RESIGNED, "工作调动")
    assert r.status == S.DEPUTY_STATUS_RESIGNED
    assert [(h.status, h.reason) for h in r.status_history] == [
        (S.DEPUTY_STATUS_SERVING, "registered"), (S.DEPUTY_STATUS_RESIGNED, "工作调动")]
    event, key = roster.last_event(ev.DeputyStatusChanged)
    assert (event.deputy_id, event.from_status, event.to_status, event.reason, key) == (
        d.id, S.DEPUTY_STATUS_SERVING, S.DEPUTY_STATUS_RESIGNED, "工作调动", COUNTY_A)

    for illegal in (S.DEPUTY_STATUS_TERMINATED, S.DEPUTY_STATUS_SERVING, S.DEPUTY_STATUS_RESIGNED):
        with roster.expect_no_writes():
            err = roster.error("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(
                id=d.id, status=illegal, reason="试一试"))
        assert err.code() == grpc.StatusCode.FAILED_PRECONDITION, illegal

    with roster.expect_events("DeputyStatusChanged"):
        b = change(S.DEPUTY_STATUS_BY_ELECTED)
    assert b.status == S.DEPUTY_STATUS_BY_ELECTED and len(b.status_history) == 3

    with roster.expect_events("DeputyStatusChanged"):
        t = change(S.DEPUTY_STATUS_TERMINATED, "罢免")
    assert len(t.status_history) == 4
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id)).status == S.DEPUTY_STATUS_TERMINATED


def test_list_deputies_filters_and_paging(fresh_roster):
    r = fresh_roster
    d1 = r.register(COUNTY_A, name="张三", levels=(pb.LEVEL_COUNTY,), specialties=("法律",))
    d2 = r.register(TOWNSHIP_A, name="李四", levels=(pb.LEVEL_TOWNSHIP, pb.LEVEL_COUNTY), specialties=("医疗",))
    d3 = r.register(COUNTY_B, name="王五", levels=(pb.LEVEL_PREFECTURE,), specialties=("教育",))
    d4 = r.register(COUNTY_A, name="张小红", levels=(pb.LEVEL_TOWNSHIP,), specialties=("法律", "财政"))
    r.call("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=d4.id, status=S.DEPUTY_STATUS_RESIGNED,
                                                             reason="辞职"))
    venue = r.venue(COUNTY_A)
    r.call("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=venue.id, deputy_id=d1.id))

    def listed(**kw):
        resp = r.call("ListDeputies", pb.ListDeputiesRequest(**kw))
        assert resp.total_size == len(resp.deputies) and resp.next_page_token == ""
        return ids(resp.deputies)

    everyone = {d1.id, d2.id, d3.id, d4.id}
    assert listed() == everyone
    assert listed(region_code=PREFECTURE) == everyone
    assert listed(region_code=COUNTY_A) == {d1.id, d2.id, d4.id}
    assert listed(region_code=TOWNSHIP_A) == {d2.id}
    assert listed(region_code="652323") == set()
    assert listed(level=pb.LEVEL_COUNTY) == {d1.id, d2.id}
    assert listed(level=pb.LEVEL_TOWNSHIP) == {d2.id, d4.id}
    assert listed(level=pb.LEVEL_NATIONAL) == set()
    assert listed(specialty="法律") == {d1.id, d4.id}
    assert listed(specialty="财政") == {d4.id}
    assert listed(venue_id=venue.id) == {d1.id}
    assert listed(status=S.DEPUTY_STATUS_RESIGNED) == {d4.id}
    assert listed(status=S.DEPUTY_STATUS_SERVING) == {d1.id, d2.id, d3.id}
    assert listed(name="张") == {d1.id, d4.id}
    assert listed(name="小红") == {d4.id}
    assert listed(name="%") == set()          # a LIKE wildcard is a plain character
    assert listed(region_code=COUNTY_A, specialty="法律", status=S.DEPUTY_STATUS_SERVING) == {d1.id}
    # Without a region the caller's own subtree is listed.
    resp = r.call("ListDeputies", pb.ListDeputiesRequest(), region=COUNTY_B)
    assert ids(resp.deputies) == {d3.id}

    extra = {r.register(TOWNSHIP_A).id for _ in range(7)}
    expected = everyone | extra
    seen, token, pages = [], "", 0
    while True:
        resp = r.call("ListDeputies", pb.ListDeputiesRequest(
            page=common_pb2.PageRequest(page_size=3, page_token=token)))
        pages += 1
        assert resp.total_size == 11
        assert len(resp.deputies) == (3 if pages < 4 else 2)
        seen += [d.id for d in resp.deputies]
        token = resp.next_page_token
        if not token:
            break
    assert pages == 4 and len(seen) == 11 and set(seen) == expected


# ---- venues ---------------------------------------------------------------------

def test_venue_create_get_update_list(roster):
    region = "652324"
    with roster.expect_events("VenueCreated"):
        v = roster.venue(region, kind=pb.VENUE_KIND_PROFESSIONAL_WORKSTATION, name="法律工作站",
                         specialties=("法律", "信访"))
    uuid.UUID(v.id)
    assert (v.region_code, v.kind, v.name, list(v.specialties)) == (
        region, pb.VENUE_KIND_PROFESSIONAL_WORKSTATION, "法律工作站", ["法律", "信访"])
    assert list(v.schedule.days_of_month) == [5, 25] and v.schedule.hours == "09:00-12:00"
    assert v.liaison_officer.name == "马联络" and v.deputy_count == 0
    event, _ = roster.last_event(ev.VenueCreated)
    assert event.venue.id == v.id
    assert roster.call("GetVenue", pb.GetVenueRequest(id=v.id)) == v

    patch = pb.Venue(id=v.id, name="法律服务工作站", address="别的地址",
                     schedule=pb.ReceptionSchedule(days_of_month=[15], hours="14:00-17:30"))
    with roster.expect_events("VenueUpdated"):
        u = roster.call("UpdateVenue", pb.UpdateVenueRequest(venue=patch, update_mask=FieldMask(paths=["name", "schedule"])))
    assert u.name == "法律服务工作站" and list(u.schedule.days_of_month) == [15]
    assert u.schedule.hours == "14:00-17:30" and u.schedule.note == ""
    assert u.address == v.address and u.liaison_officer == v.liaison_officer and u.kind == v.kind
    event, _ = roster.last_event(ev.VenueUpdated)
    assert sorted(event.changed_fields) == ["name", "schedule"]
    assert roster.call("GetVenue", pb.GetVenueRequest(id=v.id)) == u

    with roster.expect_no_writes():
        err = roster.error("UpdateVenue", pb.UpdateVenueRequest(venue=patch, update_mask=FieldMask(paths=["region_code"])))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith("update_mask")

    home = roster.venue("652324100", kind=pb.VENUE_KIND_DEPUTY_HOME)
    room = roster.venue("652324101", kind=pb.VENUE_KIND_ACTIVITY_ROOM)
    with roster.expect_no_writes():
        err = roster.error("CreateVenue", pb.CreateVenueRequest(venue=pb.Venue(
            region_code="652324100", kind=pb.VENUE_KIND_DEPUTY_HOME, name=home.name)))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS

    resp = roster.call("ListVenues", pb.ListVenuesRequest(region_code=region))
    assert {x.id for x in resp.venues} == {v.id, home.id, room.id} and resp.total_size == 3
    resp = roster.call("ListVenues", pb.ListVenuesRequest(region_code=region, kind=pb.VENUE_KIND_ACTIVITY_ROOM))
    assert [x.id for x in resp.venues] == [room.id]
    resp = roster.call("ListVenues", pb.ListVenuesRequest(region_code="652324100"))
    assert [x.id for x in resp.venues] == [home.id]
    page1 = roster.call("ListVenues", pb.ListVenuesRequest(region_code=region, page=common_pb2.PageRequest(page_size=2)))
    page2 = roster.call("ListVenues", pb.ListVenuesRequest(
        region_code=region, page=common_pb2.PageRequest(page_size=2, page_token=page1.next_page_token)))
    assert len(page1.venues) == 2 and len(page2.venues) == 1 and page2.next_page_token == ""
    assert {x.id for x in [*page1.venues, *page2.venues]} == {v.id, home.id, room.id}


def test_assign_remove_and_list_venue_members(roster):
    venue = roster.venue(COUNTY_C := "652323", name="呼图壁代表之家")
    a, b = roster.register(COUNTY_C), roster.register("652323101")

    for d in (a, b):
        with roster.expect_events("DeputyAssignedToVenue"):
            m = roster.call("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=venue.id, deputy_id=d.id))
        assert m == pb.VenueMembership(venue_id=venue.id, deputy_id=d.id)
    event, _ = roster.last_event(ev.DeputyAssignedToVenue)
    assert (event.venue_id, event.deputy_id, event.region_code) == (venue.id, b.id, COUNTY_C)

    with roster.expect_no_writes():
        err = roster.error("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=venue.id, deputy_id=a.id))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS

    assert roster.call("GetVenue", pb.GetVenueRequest(id=venue.id)).deputy_count == 2
    mine = roster.call("ListDeputyVenues", pb.ListDeputyVenuesRequest(deputy_id=a.id))
    assert [v.id for v in mine.venues] == [venue.id] and mine.venues[0].deputy_count == 2
    members = roster.call("ListDeputies", pb.ListDeputiesRequest(venue_id=venue.id))
    assert ids(members.deputies) == {a.id, b.id}

    with roster.expect_events("DeputyRemovedFromVenue"):
        roster.call("RemoveDeputyFromVenue", pb.RemoveDeputyFromVenueRequest(venue_id=venue.id, deputy_id=a.id))
    assert roster.call("ListDeputyVenues", pb.ListDeputyVenuesRequest(deputy_id=a.id)).venues == []
    assert ids(roster.call("ListDeputies", pb.ListDeputiesRequest(venue_id=venue.id)).deputies) == {b.id}
    with roster.expect_no_writes():
        err = roster.error("RemoveDeputyFromVenue", pb.RemoveDeputyFromVenueRequest(venue_id=venue.id, deputy_id=a.id))
    assert err.code() == grpc.StatusCode.NOT_FOUND

    gone = roster.register(COUNTY_C)
    roster.call("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=gone.id, status=S.DEPUTY_STATUS_TERMINATED,
                                                                  reason="罢免"))
    with roster.expect_no_writes():
        err = roster.error("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=venue.id, deputy_id=gone.id))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_group_deputies_into_nearest_venues(roster):
    county, town, town2 = "652327", "652327100", "652327101"
    # The county's venue shares the deputy's specialty, the township's does not: nearness wins.
    county_venue = roster.venue(county, specialties=("法律",))
    town_venue = roster.venue(town)
    in_town = roster.register(town, specialties=("法律",))
    in_town2 = roster.register(town2)
    in_county = roster.register(county)
    placed_already = roster.register(town)
    roster.call("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=county_venue.id,
                                                                    deputy_id=placed_already.id))
    resigned = roster.register(town)
    roster.call("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=resigned.id, status=S.DEPUTY_STATUS_RESIGNED,
                                                                  reason="辞职"))
    expected = {(town_venue.id, in_town.id), (county_venue.id, in_town2.id), (county_venue.id, in_county.id)}

    with roster.expect_no_writes():
        dry = roster.call("GroupDeputiesIntoVenues", pb.GroupDeputiesIntoVenuesRequest(region_code=county, dry_run=True))
    assert {(m.venue_id, m.deputy_id) for m in dry.assignments} == expected and list(dry.unplaced_deputy_ids) == []
    assert roster.call("ListDeputyVenues", pb.ListDeputyVenuesRequest(deputy_id=in_town.id)).venues == []

    with roster.expect_events(*["DeputyAssignedToVenue"] * 3):
        done = roster.call("GroupDeputiesIntoVenues", pb.GroupDeputiesIntoVenuesRequest(region_code=county))
    assert {(m.venue_id, m.deputy_id) for m in done.assignments} == expected
    assert [v.id for v in roster.call("ListDeputyVenues", pb.ListDeputyVenuesRequest(deputy_id=in_town.id)).venues] \
        == [town_venue.id]
    assert ids(roster.call("ListDeputies", pb.ListDeputiesRequest(venue_id=county_venue.id)).deputies) == {
        in_town2.id, in_county.id, placed_already.id}

    # Everyone is placed now: a second run assigns nobody.
    with roster.expect_no_writes():
        again = roster.call("GroupDeputiesIntoVenues", pb.GroupDeputiesIntoVenuesRequest(region_code=county))
    assert list(again.assignments) == []

    # A deputy in a subtree without any venue is reported unplaced.
    lonely = roster.register("652328101")
    with roster.expect_no_writes():
        resp = roster.call("GroupDeputiesIntoVenues", pb.GroupDeputiesIntoVenuesRequest(region_code="652328"))
    assert list(resp.unplaced_deputy_ids) == [lonely.id] and list(resp.assignments) == []


# ---- double contact ---------------------------------------------------------------

def test_committee_member_links_up_to_five_deputies(roster):
    region = "652324102"
    member = roster.register(region, name=roster.unique("常委"))
    deputies = [roster.register(region) for _ in range(6)]
    for d in deputies[:5]:
        with roster.expect_events("CommitteeMemberLinked"):
            link = roster.call("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(
                committee_member_id=member.id, deputy_id=d.id))
        assert link == pb.CommitteeLink(committee_member_id=member.id, deputy_id=d.id, region_code=region)
    with roster.expect_no_writes():
        err = roster.error("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(
            committee_member_id=member.id, deputy_id=deputies[5].id))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    with roster.expect_no_writes():
        err = roster.error("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(
            committee_member_id=member.id, deputy_id=deputies[0].id))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS

    links = roster.call("ListCommitteeLinks", pb.ListCommitteeLinksRequest(committee_member_id=member.id)).links
    assert {x.deputy_id for x in links} == {d.id for d in deputies[:5]}
    by_deputy = roster.call("ListCommitteeLinks", pb.ListCommitteeLinksRequest(deputy_id=deputies[2].id)).links
    assert [(x.committee_member_id, x.deputy_id) for x in by_deputy] == [(member.id, deputies[2].id)]

    with roster.expect_events("CommitteeMemberUnlinked"):
        roster.call("UnlinkCommitteeMember", pb.UnlinkCommitteeMemberRequest(
            committee_member_id=member.id, deputy_id=deputies[0].id))
    event, _ = roster.last_event(ev.CommitteeMemberUnlinked)
    assert event.link.deputy_id == deputies[0].id
    with roster.expect_events("CommitteeMemberLinked"):
        roster.call("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(
            committee_member_id=member.id, deputy_id=deputies[5].id))
    with roster.expect_no_writes():
        err = roster.error("UnlinkCommitteeMember", pb.UnlinkCommitteeMemberRequest(
            committee_member_id=member.id, deputy_id=deputies[0].id))
    assert err.code() == grpc.StatusCode.NOT_FOUND


def test_deputy_keeps_up_to_ten_voter_households(roster):
    d = roster.register("652324100")
    added = []
    for i in range(10):
        with roster.expect_events("VoterHouseholdAdded"):
            h = roster.call("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
                deputy_id=d.id, household_head=f"户主{i}", address=f"幸福村{i}号", phone=f"1350000{i:04d}")))
        assert h.deputy_id == d.id and h.household_head == f"户主{i}"
        added.append(h)
    event, key = roster.last_event(ev.VoterHouseholdAdded)
    assert event.household.id == added[-1].id and event.region_code == "652324100" and key == "652324100"
    eleventh = pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(deputy_id=d.id, household_head="户主10"))
    with roster.expect_no_writes():
        err = roster.error("AddVoterHousehold", eleventh)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION

    listed = roster.call("ListVoterHouseholds", pb.ListVoterHouseholdsRequest(deputy_id=d.id)).households
    assert {h.id for h in listed} == {h.id for h in added}
    with roster.expect_events("VoterHouseholdRemoved"):
        removed = roster.call("RemoveVoterHousehold", pb.RemoveVoterHouseholdRequest(id=added[3].id))
    assert removed == added[3]
    with roster.expect_no_writes():
        err = roster.error("RemoveVoterHousehold", pb.RemoveVoterHouseholdRequest(id=added[3].id))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    with roster.expect_events("VoterHouseholdAdded"):
        roster.call("AddVoterHousehold", eleventh)
    assert len(roster.call("ListVoterHouseholds", pb.ListVoterHouseholdsRequest(deputy_id=d.id)).households) == 10


def test_county_contact_limits_apply_to_its_townships(roster):
    county, town = "652325", "652325100"

    def limits(code):
        return roster.call("GetContactLimits", pb.GetContactLimitsRequest(region_code=code))

    assert limits(town) == pb.ContactLimits(region_code=town, deputies_per_committee_member=5,
                                            households_per_deputy=10, inherited=True)
    with roster.expect_events("ContactLimitsChanged"):
        set_ = roster.call("SetContactLimits", pb.SetContactLimitsRequest(limits=pb.ContactLimits(
            region_code=county, deputies_per_committee_member=2, households_per_deputy=3)))
    assert set_ == pb.ContactLimits(region_code=county, deputies_per_committee_member=2,
                                    households_per_deputy=3, inherited=False)
    event, _ = roster.last_event(ev.ContactLimitsChanged)
    assert event.limits == set_
    assert limits(county) == set_
    assert limits(town) == pb.ContactLimits(region_code=town, deputies_per_committee_member=2,
                                            households_per_deputy=3, inherited=True)
    assert limits("652324100").deputies_per_committee_member == 5   # a sibling county keeps the default

    member = roster.register(town)
    others = [roster.register(town) for _ in range(3)]
    for d in others[:2]:
        roster.call("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(committee_member_id=member.id, deputy_id=d.id))
    with roster.expect_no_writes():
        err = roster.error("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(
            committee_member_id=member.id, deputy_id=others[2].id))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    for i in range(3):
        roster.call("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
            deputy_id=others[0].id, household_head=f"户{i}")))
    with roster.expect_no_writes():
        err = roster.error("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
            deputy_id=others[0].id, household_head="户4")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION

    # The township's own limits win over the county's.
    with roster.expect_events("ContactLimitsChanged"):
        roster.call("SetContactLimits", pb.SetContactLimitsRequest(limits=pb.ContactLimits(
            region_code=town, deputies_per_committee_member=3, households_per_deputy=3)))
    assert limits(town).inherited is False and limits(town).deputies_per_committee_member == 3
    roster.call("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(committee_member_id=member.id,
                                                                    deputy_id=others[2].id))


# ---- cards ------------------------------------------------------------------------

def public_card(roster, code):
    return roster.call("GetPublicCard", pb.GetPublicCardRequest(card_code=code), token=None)


def test_public_card_shows_only_what_the_deputy_chose(roster):
    d = roster.register(COUNTY_A, name="阿依古丽", specialties=("医疗", "教育"),
                        levels=(pb.LEVEL_COUNTY, pb.LEVEL_PREFECTURE))
    other = roster.register(COUNTY_A, name="别人")
    card = public_card(roster, d.card_code)
    assert card.card_code == d.card_code and card.name == "阿依古丽"
    assert card.work_unit == d.work_unit and card.position == d.position
    assert card.phone == ""                                  # hidden until the deputy opts in
    assert list(card.specialties) == ["医疗", "教育"]
    assert sorted(card.levels) == [pb.LEVEL_PREFECTURE, pb.LEVEL_COUNTY]
    assert card.region_name == "昌吉市" and list(card.venue_names) == []
    # Lower-case input is the same code, read aloud or typed.
    assert public_card(roster, d.card_code.lower()) == card

    with roster.expect_events("CardUpdated"):
        u = roster.call("UpdateCard", pb.UpdateCardRequest(deputy_id=d.id, card=pb.CardSettings(
            show_phone=True, show_position=True, show_work_unit=False, show_specialties=False,
            pledge="为民履职")))
    assert u.card.show_phone and not u.card.show_work_unit and u.card.pledge == "为民履职"
    event, _ = roster.last_event(ev.CardUpdated)
    assert event.deputy_id == d.id and event.card.show_phone
    card = public_card(roster, d.card_code)
    assert card.phone == d.contact.phone and card.work_unit == "" and list(card.specialties) == []
    assert card.position == d.position and card.pledge == "为民履职"

    venue = roster.venue(COUNTY_A, name="昌吉市人大代表之家")
    roster.call("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=venue.id, deputy_id=d.id))
    shown = public_card(roster, d.card_code)
    assert list(shown.venue_names) == ["昌吉市人大代表之家"]
    # Where and when the deputy receives citizens; never the liaison officer's phone.
    [place] = shown.venues
    assert (place.name, place.kind, place.address) == ("昌吉市人大代表之家", pb.VENUE_KIND_DEPUTY_HOME, "人民路8号")
    assert list(place.schedule.days_of_month) == [5, 25] and place.schedule.hours == "09:00-12:00"
    assert place.schedule.note == "节假日顺延" and "0994-2345678" not in str(shown)

    theirs = public_card(roster, other.card_code)
    assert theirs.name == "别人" and theirs.phone == "" and theirs.card_code != d.card_code
    assert d.contact.phone not in str(theirs)

    err = roster.error("GetPublicCard", pb.GetPublicCardRequest(card_code="ABCDEFGHJK"), token=None)
    assert err.code() == grpc.StatusCode.NOT_FOUND

    roster.call("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=d.id, status=S.DEPUTY_STATUS_RESIGNED,
                                                                  reason="辞职"))
    err = roster.error("GetPublicCard", pb.GetPublicCardRequest(card_code=d.card_code), token=None)
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert "阿依古丽" not in err.details()


def test_card_qr_code_png_and_svg(roster):
    d = roster.register(COUNTY_A)
    png = roster.call("GetCardQrCode", pb.GetCardQrCodeRequest(deputy_id=d.id, format=pb.QR_FORMAT_PNG))
    assert png.content_type == "image/png" and png.image.startswith(b"\x89PNG")
    assert png.url.endswith(d.card_code) and png.url.startswith("https://lianxin.example.cn")
    svg = roster.call("GetCardQrCode", pb.GetCardQrCodeRequest(deputy_id=d.id, format=pb.QR_FORMAT_SVG))
    assert svg.content_type.startswith("image/svg+xml") and b"<svg" in svg.image
    assert svg.url == png.url


# ---- import and export ----------------------------------------------------------------

HEAD = list(sheets.COLUMNS)


def row(**cells) -> list[str]:
    names = {"region": "区划代码", "name": "姓名", "gender": "性别", "ethnicity": "民族", "levels": "代表层级",
             "term": "届次", "district": "选区", "unit": "工作单位", "position": "职务", "phone": "联系电话",
             "email": "电子邮箱", "address": "通讯地址", "specialties": "专业领域", "status": "状态"}
    values = {names[k]: v for k, v in cells.items()}
    return [values.get(h, "") for h in HEAD]


def csv_bytes(rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEAD, *rows])
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sample_rows(county: str, town: str, outside: str) -> list[list[str]]:
    return [
        row(region=town, name="马明", gender="男", ethnicity="回族", levels="县、乡", term="第十五届",
            district="第3选区、第7选区", unit="木垒县农业局", position="局长", phone="13912345678",
            specialties="农业、水利"),
        row(name="古丽", gender="女", ethnicity="哈萨克族", levels="县", phone="13912345679", specialties="教育"),
        row(name="错层级", levels="村", phone="13912345680"),                 # row 4: unknown level
        row(name="错电话", levels="县", phone="电话号码"),                     # row 5: bad phone
        row(region=outside, name="外县人", levels="县", phone="13912345681"),  # row 6: outside the county
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_roster(roster, fmt):
    county, town = ("652328", "652328100") if fmt == "csv" else ("652325", "652325101")
    rows = sample_rows(county, town, outside=COUNTY_A)
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    file_format = common_pb2.FILE_FORMAT_CSV if fmt == "csv" else common_pb2.FILE_FORMAT_XLSX
    request = pb.ImportRosterRequest(region_code=county, format=file_format, content=content)

    with roster.expect_no_writes():
        dry = roster.call("ImportRoster", pb.ImportRosterRequest(region_code=county, format=file_format,
                                                                 content=content, dry_run=True))
    assert (dry.rows, dry.created, dry.failed) == (5, 2, 3)

    with roster.expect_events("DeputyRegistered", "DeputyRegistered"):
        resp = roster.call("ImportRoster", request)
    assert (resp.rows, resp.created, resp.updated, resp.unchanged, resp.failed) == (5, 2, 0, 0, 3)
    assert [(e.row, e.column) for e in resp.errors] == [(4, "代表层级"), (5, "联系电话"), (6, "区划代码")]
    assert all(e.reason for e in resp.errors)

    landed = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=county)).deputies
    by_name = {d.name: d for d in landed if d.name in ("马明", "古丽")}
    assert set(by_name) == {"马明", "古丽"}
    ma = by_name["马明"]
    assert ma.region_code == town and ma.gender == pb.GENDER_MALE and ma.ethnicity == "回族"
    assert [(s.level, s.term, s.electoral_district) for s in ma.seats] == [
        (pb.LEVEL_COUNTY, "第十五届", "第3选区"), (pb.LEVEL_TOWNSHIP, "第十五届", "第7选区")]
    assert list(ma.specialties) == ["农业", "水利"] and ma.contact.phone == "13912345678"
    assert by_name["古丽"].region_code == county     # no region column value: the request's region
    assert not any(d.name in ("错层级", "错电话", "外县人") for d in landed)

    # The same file again: nothing changes and no event is published.
    with roster.expect_no_writes():
        again = roster.call("ImportRoster", request)
    assert (again.rows, again.created, again.updated, again.unchanged, again.failed) == (5, 0, 0, 2, 3)

    # One changed cell updates that deputy only.
    rows[1][HEAD.index("职务")] = "校长"
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    with roster.expect_events("DeputyUpdated"):
        changed = roster.call("ImportRoster", pb.ImportRosterRequest(region_code=county, format=file_format,
                                                                     content=content))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=by_name["古丽"].id)).position == "校长"


@pytest.mark.parametrize("file_format", [common_pb2.FILE_FORMAT_CSV, common_pb2.FILE_FORMAT_XLSX])
def test_export_then_import_is_unchanged(roster, file_format):
    county = "652302"
    roster.register("652302101", levels=(pb.LEVEL_NATIONAL, pb.LEVEL_COUNTY, pb.LEVEL_TOWNSHIP),
                    specialties=("法律", "财政"))
    roster.register(county, name=f"=HYPERLINK(\"{file_format}\")", phone="+86 139 0000 0000")  # formula-like
    roster.register(county, specialties=())
    resigned = roster.register(county)
    roster.call("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=resigned.id, status=S.DEPUTY_STATUS_RESIGNED,
                                                                  reason="辞职"))
    total = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=county)).total_size

    with roster.expect_no_writes():
        out = roster.call("ExportRoster", pb.ExportRosterRequest(region_code=county, format=file_format))
    assert out.filename.endswith(".csv" if file_format == common_pb2.FILE_FORMAT_CSV else ".xlsx")
    if file_format == common_pb2.FILE_FORMAT_XLSX:
        ws = load_workbook(io.BytesIO(out.content), read_only=True).worksheets[0]
        assert sum(1 for _ in ws.iter_rows()) == total + 1
    else:
        assert out.content.startswith("\ufeff区划代码".encode())
        assert len(list(csv.reader(io.StringIO(out.content.decode("utf-8-sig"))))) == total + 1

    with roster.expect_no_writes():
        back = roster.call("ImportRoster", pb.ImportRosterRequest(region_code=county, format=file_format,
                                                                  content=out.content))
    assert (back.rows, back.created, back.updated, back.unchanged, back.failed) == (total, 0, 0, total, 0), back.errors

    serving = roster.call("ExportRoster", pb.ExportRosterRequest(region_code=county, format=file_format,
                                                                  status=S.DEPUTY_STATUS_SERVING))
    national = roster.call("ExportRoster", pb.ExportRosterRequest(region_code=county, format=file_format,
                                                                   level=pb.LEVEL_NATIONAL))
    count = roster.call("ImportRoster", pb.ImportRosterRequest(region_code=county, format=file_format,
                                                               content=serving.content, dry_run=True))
    assert count.rows == roster.call("ListDeputies", pb.ListDeputiesRequest(
        region_code=county, status=S.DEPUTY_STATUS_SERVING)).total_size < total
    count = roster.call("ImportRoster", pb.ImportRosterRequest(region_code=county, format=file_format,
                                                               content=national.content, dry_run=True))
    assert count.rows == roster.call("ListDeputies", pb.ListDeputiesRequest(
        region_code=county, level=pb.LEVEL_NATIONAL)).total_size < total


def test_service_info(roster):
    info = roster.call("GetServiceInfo", common_pb2.GetServiceInfoRequest())
    assert info.service == "roster" and info.home_region == PREFECTURE and info.topic == "lianxin.roster.v1"
