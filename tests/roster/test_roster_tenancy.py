"""Who may see and change which roster records: region subtrees, roles and tokens.

Records of county 652301, of the prefecture itself (652300) and of county 652302 are made
by prefecture staff; a 652302 token must then be refused everything but its own county:
a record it names by id is NOT_FOUND (naming the field), a region it names PERMISSION_DENIED.
Records of another prefecture (410825) lie in the same database, written by a deployment of
that prefecture: this one (home 652300) shows none of them, refuses the regions (INVALID_ARGUMENT)
and refuses that prefecture's tokens on every RPC (PERMISSION_DENIED naming the region).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from roster_support import COUNTY_A, COUNTY_B, OTHER_COUNTY, OTHER_PREFECTURE, PREFECTURE, TOWNSHIP_A

from services.roster import sheets
from shared.auth import issue_token

S = pb.DeputyStatus
PD = grpc.StatusCode.PERMISSION_DENIED
NF = grpc.StatusCode.NOT_FOUND
UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def roster_csv(name: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([sheets.COLUMNS, ["", name, "男", "汉族", "县", "", "", "", "", "13700000000",
                                                "", "", "", ""]])
    return buf.getvalue().encode()


def make_records(roster, region: str, caller_region: str = PREFECTURE) -> SimpleNamespace:
    """Two deputies, a venue with the first as member, a household and a link, in ``region``."""
    one = roster.register(region, caller_region=caller_region)
    two = roster.register(region, caller_region=caller_region)
    venue = roster.venue(region, caller_region=caller_region)
    roster.call("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=venue.id, deputy_id=one.id),
                region=caller_region)
    household = roster.call("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
        deputy_id=one.id, household_head="户主")), region=caller_region)
    roster.call("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(committee_member_id=one.id, deputy_id=two.id),
                region=caller_region)
    return SimpleNamespace(region=region, one=one, two=two, venue=venue, household=household)


@pytest.fixture(scope="module")
def world(roster, start_roster):
    # The other prefecture's records come from its own deployment (home 410800) on this database.
    elsewhere = start_roster(url=roster.db_url, LIANXIN_HOME_REGION=OTHER_PREFECTURE)
    try:
        other = make_records(elsewhere, OTHER_COUNTY, caller_region=OTHER_PREFECTURE)
    finally:
        elsewhere.close()
    return SimpleNamespace(
        county_a=make_records(roster, COUNTY_A), township_a=make_records(roster, TOWNSHIP_A),
        prefecture=make_records(roster, PREFECTURE), county_b=make_records(roster, COUNTY_B), other=other)


def requests_touching(x, own) -> list[tuple[str, object]]:
    """Every roster RPC that takes an id or region, aimed at records ``x``; ``own`` are the
    caller's own records, for calls that pair one of theirs with one of ``x``."""
    new = pb.Deputy(region_code=x.region, name="新代表", seats=[pb.Seat(level=pb.LEVEL_COUNTY)])
    return [
        ("RegisterDeputy", pb.RegisterDeputyRequest(deputy=new)),
        ("GetDeputy", pb.GetDeputyRequest(id=x.one.id)),
        ("UpdateDeputy", pb.UpdateDeputyRequest(deputy=pb.Deputy(id=x.one.id, name="改名"),
                                                update_mask=FieldMask(paths=["name"]))),
        ("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=x.one.id, status=S.DEPUTY_STATUS_RESIGNED,
                                                            reason="辞职")),
        ("ListDeputies", pb.ListDeputiesRequest(region_code=x.region)),
        ("CreateVenue", pb.CreateVenueRequest(venue=pb.Venue(region_code=x.region, kind=pb.VENUE_KIND_DEPUTY_HOME,
                                                             name="新的家"))),
        ("GetVenue", pb.GetVenueRequest(id=x.venue.id)),
        ("UpdateVenue", pb.UpdateVenueRequest(venue=pb.Venue(id=x.venue.id, name="改名的家"),
                                              update_mask=FieldMask(paths=["name"]))),
        ("ListVenues", pb.ListVenuesRequest(region_code=x.region)),
        ("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=x.venue.id, deputy_id=x.two.id)),
        ("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=own.venue.id, deputy_id=x.two.id)),
        ("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=x.venue.id, deputy_id=own.two.id)),
        ("RemoveDeputyFromVenue", pb.RemoveDeputyFromVenueRequest(venue_id=x.venue.id, deputy_id=x.one.id)),
        ("ListDeputyVenues", pb.ListDeputyVenuesRequest(deputy_id=x.one.id)),
        ("GroupDeputiesIntoVenues", pb.GroupDeputiesIntoVenuesRequest(region_code=x.region)),
        ("GroupDeputiesIntoVenues", pb.GroupDeputiesIntoVenuesRequest(region_code=x.region, dry_run=True)),
        ("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(committee_member_id=x.two.id, deputy_id=x.one.id)),
        ("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(committee_member_id=own.two.id, deputy_id=x.one.id)),
        ("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(committee_member_id=x.two.id, deputy_id=own.one.id)),
        ("UnlinkCommitteeMember", pb.UnlinkCommitteeMemberRequest(committee_member_id=x.one.id, deputy_id=x.two.id)),
        ("ListCommitteeLinks", pb.ListCommitteeLinksRequest(committee_member_id=x.one.id)),
        ("ListCommitteeLinks", pb.ListCommitteeLinksRequest(deputy_id=x.two.id)),
        ("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
            deputy_id=x.one.id, household_head="新户"))),
        ("RemoveVoterHousehold", pb.RemoveVoterHouseholdRequest(id=x.household.id)),
        ("ListVoterHouseholds", pb.ListVoterHouseholdsRequest(deputy_id=x.one.id)),
        ("GetContactLimits", pb.GetContactLimitsRequest(region_code=x.region)),
        ("SetContactLimits", pb.SetContactLimitsRequest(limits=pb.ContactLimits(
            region_code=x.region, deputies_per_committee_member=7, households_per_deputy=7))),
        ("UpdateCard", pb.UpdateCardRequest(deputy_id=x.one.id, card=pb.CardSettings(show_phone=True))),
        ("GetCardQrCode", pb.GetCardQrCodeRequest(deputy_id=x.one.id, format=pb.QR_FORMAT_PNG)),
        ("ImportRoster", pb.ImportRosterRequest(region_code=x.region, format=common_pb2.FILE_FORMAT_CSV,
                                                content=roster_csv("导入代表"))),
        ("ExportRoster", pb.ExportRosterRequest(region_code=x.region, format=common_pb2.FILE_FORMAT_CSV)),
    ]


# The RPCs whose request names a region rather than a record (the rest name records by id).
REGION_NAMED = {"RegisterDeputy", "ListDeputies", "CreateVenue", "ListVenues", "GroupDeputiesIntoVenues",
                "GetContactLimits", "SetContactLimits", "ImportRoster", "ExportRoster"}
ID_FIELDS = ("id", "deputy.id", "venue.id", "venue_id", "deputy_id", "committee_member_id", "household.deputy_id")
WRITES = {"RegisterDeputy", "UpdateDeputy", "ChangeDeputyStatus", "CreateVenue", "UpdateVenue",
          "AssignDeputyToVenue", "RemoveDeputyFromVenue", "GroupDeputiesIntoVenues", "LinkCommitteeMember",
          "UnlinkCommitteeMember", "AddVoterHousehold", "RemoveVoterHousehold", "SetContactLimits", "UpdateCard",
          "ImportRoster"}
ALL_RPCS = {m.name for m in pb.DESCRIPTOR.services_by_name["RosterService"].methods}


def test_the_table_covers_every_rpc_that_takes_an_id_or_region(world):
    covered = {name for name, _ in requests_touching(world.county_a, world.county_b)}
    assert ALL_RPCS - covered == {"GetServiceInfo", "GetPublicCard"}


@pytest.mark.parametrize("target", ["county_a", "township_a", "prefecture", "other"])
def test_county_token_is_denied_other_counties_and_the_prefecture(roster, world, target):
    x = getattr(world, target)
    for method, request in requests_touching(x, own=world.county_b):
        with roster.expect_no_writes():
            err = roster.error(method, request, region=COUNTY_B)
        if method in REGION_NAMED and target == "other":   # not this deployment's region at all
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, err.code(), err.details())
            assert OTHER_COUNTY in err.details() and "region_code:" in err.details(), (method, err.details())
        elif method in REGION_NAMED:
            assert err.code() == PD, (method, request, err.code(), err.details())
        else:   # as if the record did not exist, and the field that named it is said
            assert err.code() == NF, (method, request, err.code(), err.details())
            assert err.details().split(":")[0] in ID_FIELDS, (method, err.details())


def test_county_token_works_on_its_own_county(roster, world):
    b = world.county_b
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=b.one.id), region=COUNTY_B) == b.one
    assert roster.call("GetVenue", pb.GetVenueRequest(id=b.venue.id), region=COUNTY_B).id == b.venue.id
    with roster.expect_events("DeputyUpdated"):
        roster.call("UpdateDeputy", pb.UpdateDeputyRequest(deputy=pb.Deputy(id=b.two.id, position="主任"),
                                                           update_mask=FieldMask(paths=["position"])),
                    region=COUNTY_B)
    links = roster.call("ListCommitteeLinks", pb.ListCommitteeLinksRequest(committee_member_id=b.one.id),
                        region=COUNTY_B).links
    assert [x.deputy_id for x in links] == [b.two.id]
    listed = roster.call("ListDeputies", pb.ListDeputiesRequest(), region=COUNTY_B).deputies
    assert {d.id for d in listed} >= {b.one.id, b.two.id}
    assert all(d.region_code.startswith(COUNTY_B) for d in listed)


def test_prefecture_token_sees_its_whole_subtree_and_nothing_else(roster, world):
    listed = roster.call("ListDeputies", pb.ListDeputiesRequest(page=common_pb2.PageRequest(page_size=500)),
                         region=PREFECTURE).deputies
    got = {d.id for d in listed}
    for x in (world.county_a, world.township_a, world.prefecture, world.county_b):
        assert {x.one.id, x.two.id} <= got
    assert world.other.one.id not in got and world.other.two.id not in got
    assert all(d.region_code.startswith("6523") for d in listed)
    venues = {v.id for v in roster.call("ListVenues", pb.ListVenuesRequest(), region=PREFECTURE).venues}
    assert {world.county_a.venue.id, world.township_a.venue.id, world.prefecture.venue.id} <= venues
    assert world.other.venue.id not in venues

    county = {d.id for d in roster.call("ListDeputies", pb.ListDeputiesRequest(), region=COUNTY_A).deputies}
    assert {world.county_a.one.id, world.township_a.one.id} <= county
    assert not county & {world.prefecture.one.id, world.county_b.one.id, world.other.one.id}

    # The other prefecture's tokens are no callers of this deployment, on any RPC; the card of
    # its deputy is unknown here.
    for region in (OTHER_PREFECTURE, OTHER_COUNTY):
        for method, request in [("GetServiceInfo", common_pb2.GetServiceInfoRequest()),
                                ("ListDeputies", pb.ListDeputiesRequest()),
                                ("GetPublicCard", pb.GetPublicCardRequest(card_code=world.other.one.card_code)),
                                *requests_touching(world.other, own=world.other)]:
            with roster.expect_no_writes():
                err = roster.error(method, request, region=region)
            assert err.code() == PD and f"token region {region}" in err.details(), (method, err.details())
    err = roster.error("GetPublicCard", pb.GetPublicCardRequest(card_code=world.other.one.card_code), token=None)
    assert err.code() == NF


def test_auditor_reads_but_never_writes(roster, world):
    # Aimed at the auditor's own region, so a refusal can only come from the role.
    x = world.county_a
    for method, request in requests_touching(x, own=world.county_a):
        if method in WRITES:
            with roster.expect_no_writes():
                err = roster.error(method, request, role="auditor", region=PREFECTURE)
            assert err.code() == PD, (method, err.details())
        else:
            roster.call(method, request, role="auditor", region=PREFECTURE)


@pytest.mark.parametrize("role", ["department", "deputy"])
def test_department_and_deputy_tokens_cannot_change_the_roster(roster, world, role):
    x = world.county_a
    for method, request in requests_touching(x, own=world.county_a):
        if method in WRITES:
            with roster.expect_no_writes():
                err = roster.error(method, request, role=role, region=PREFECTURE, subject="someone-else")
            assert err.code() == PD, (method, err.details())


def every_rpc_request(world) -> list[tuple[str, object]]:
    return [*requests_touching(world.county_a, world.county_a),
            ("GetServiceInfo", common_pb2.GetServiceInfoRequest())]


def test_no_token_is_unauthenticated_except_the_public_card(roster, world):
    requests = every_rpc_request(world)
    assert {m for m, _ in requests} == ALL_RPCS - {"GetPublicCard"}
    for method, request in requests:
        with roster.expect_no_writes():
            err = roster.error(method, request, token=None)
        assert err.code() == UNAUTH, method
    card = roster.call("GetPublicCard", pb.GetPublicCardRequest(card_code=world.county_a.two.card_code), token=None)
    assert card.name == world.county_a.two.name


def bad_tokens(roster):
    secret = roster.settings.jwt_secret
    past = datetime.now(timezone.utc) - timedelta(hours=3)
    return {
        "expired": issue_token(secret, subject="clerk", role="staff", region=PREFECTURE, ttl=timedelta(hours=1),
                               now=past),
        "wrong secret": issue_token("not-the-deployment-secret-0123456789abcdef", subject="clerk", role="staff",
                                    region=PREFECTURE),
        "garbage": "not.a.jwt",
    }


def test_expired_forged_or_malformed_tokens_are_unauthenticated(roster, world):
    for label, token in bad_tokens(roster).items():
        for method, request in every_rpc_request(world):
            with roster.expect_no_writes():
                err = roster.error(method, request, token=token)
            assert err.code() == UNAUTH, (label, method)
    good = roster.token("staff", PREFECTURE)
    for metadata in ((("authorization", f"Basic {good}"),), (("authorization", "Bearer "),)):
        err = roster.error("GetDeputy", pb.GetDeputyRequest(id=world.county_a.one.id), metadata=metadata)
        assert err.code() == UNAUTH


def test_deputy_updates_only_their_own_card(roster, world):
    me, other = world.county_a.two, world.county_a.one
    kw = dict(role="deputy", region=COUNTY_A, subject=me.id)
    with roster.expect_events("CardUpdated"):
        updated = roster.call("UpdateCard", pb.UpdateCardRequest(
            deputy_id=me.id, card=pb.CardSettings(show_phone=True, pledge="我的承诺")), **kw)
    assert updated.card.show_phone and updated.card.pledge == "我的承诺"
    card = roster.call("GetPublicCard", pb.GetPublicCardRequest(card_code=me.card_code), token=None)
    assert card.phone == me.contact.phone and card.pledge == "我的承诺"

    with roster.expect_no_writes():
        err = roster.error("UpdateCard", pb.UpdateCardRequest(deputy_id=other.id, card=pb.CardSettings(
            show_phone=True)), **kw)
    assert err.code() == PD
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=other.id)).card.show_phone is False
    # Their own profile stays with the office.
    with roster.expect_no_writes():
        err = roster.error("UpdateDeputy", pb.UpdateDeputyRequest(deputy=pb.Deputy(id=me.id, name="自改"),
                                                                  update_mask=FieldMask(paths=["name"])), **kw)
    assert err.code() == PD
    # The own QR code is theirs to fetch; another deputy's is not.
    qr = roster.call("GetCardQrCode", pb.GetCardQrCodeRequest(deputy_id=me.id, format=pb.QR_FORMAT_SVG), **kw)
    assert qr.url.endswith(me.card_code)
    err = roster.error("GetCardQrCode", pb.GetCardQrCodeRequest(deputy_id=other.id, format=pb.QR_FORMAT_SVG), **kw)
    assert err.code() == PD


@pytest.mark.parametrize("role", ["deputy", "department"])
def test_contact_details_and_households_stay_with_staff_and_the_deputy(roster, world, role):
    me, other = world.county_a.two, world.county_a.one
    kw = dict(role=role, region=COUNTY_A, subject=me.id if role == "deputy" else "dept-traffic")
    assert other.contact.phone   # the record has a phone; the caller must not see it
    seen = roster.call("GetDeputy", pb.GetDeputyRequest(id=other.id), **kw)
    assert seen.name == other.name and not seen.HasField("contact")
    listed = {d.id: d for d in roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=COUNTY_A), **kw).deputies}
    assert not listed[other.id].HasField("contact")
    err = roster.error("ListVoterHouseholds", pb.ListVoterHouseholdsRequest(deputy_id=other.id), **kw)
    assert err.code() == PD
    err = roster.error("ExportRoster", pb.ExportRosterRequest(region_code=COUNTY_A,
                                                              format=common_pb2.FILE_FORMAT_CSV), **kw)
    assert err.code() == PD
    if role == "deputy":   # a deputy's own record and households are theirs to read
        assert roster.call("GetDeputy", pb.GetDeputyRequest(id=me.id), **kw).contact.phone == me.contact.phone
        roster.call("ListVoterHouseholds", pb.ListVoterHouseholdsRequest(deputy_id=me.id), **kw)
    # Staff still see everything.
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=other.id), region=COUNTY_A).contact.phone == other.contact.phone
