"""A county whose township runs its own deployment (delegated_regions): the county's roster
registers no deputy there, imports no row there, and shows no card of one (NOT_FOUND), even
of a deputy it registered before the township got its deployment. The township's deputies
and venues left in the county's database are not the county's: not found by id for any
action, left out of every listing, export and grouping. Nor does it answer for
anything outside its home region: a token of the prefecture above, of a neighbouring county
or of the delegated township is refused on every RPC, and a region outside home named in a
request is INVALID_ARGUMENT naming the field."""
from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from roster_support import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A, TOWNSHIP_A2

from services.roster.service import definition
from shared import config
from shared.service import start


@pytest.fixture(scope="module")
def county(start_roster):
    """The county's roster on a database that served the whole prefecture before (a deputy
    registered in the township with a venue and a voter household there, and one in the
    neighbouring county), restarted once the county runs its own deployment and its township
    one of its own: (server, the township's deputy, the neighbouring county's deputy).
    ``server.left`` holds the township's venue and household."""
    before = start_roster(LIANXIN_HOME_REGION=PREFECTURE)
    early = before.register(TOWNSHIP_A, caller_region=COUNTY_A)
    neighbour = before.register(COUNTY_B, caller_region=PREFECTURE)
    venue = before.venue(TOWNSHIP_A, caller_region=COUNTY_A)
    household = before.call("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
        deputy_id=early.id, household_head="马户主", address="一队3号", phone="13900009999")), region=COUNTY_A)
    before.close()
    server = start_roster(url=before.db_url, LIANXIN_HOME_REGION=COUNTY_A, LIANXIN_DELEGATED_REGIONS=TOWNSHIP_A)
    server.left = {"venue": venue, "household": household}
    yield server, early, neighbour
    server.close()


def test_no_deputy_is_registered_in_a_delegated_township(county):
    server, *_ = county
    with server.expect_no_writes():
        e = server.error("RegisterDeputy", pb.RegisterDeputyRequest(deputy=server.deputy_msg(TOWNSHIP_A)),
                         region=COUNTY_A)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert e.details().startswith("deputy.region_code:") and TOWNSHIP_A in e.details()
    assert server.register(TOWNSHIP_A2, caller_region=COUNTY_A).region_code == TOWNSHIP_A2   # not delegated


def test_no_venue_is_created_in_a_delegated_township(county):
    server, *_ = county
    e = server.error("CreateVenue", pb.CreateVenueRequest(venue=pb.Venue(region_code=TOWNSHIP_A, name="代表之家",
                                                                         kind=pb.VENUE_KIND_DEPUTY_HOME)),
                     region=COUNTY_A)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("venue.region_code:")


def test_the_card_of_a_delegated_townships_deputy_is_not_found(county):
    server, early, _ = county
    e = server.error("GetPublicCard", pb.GetPublicCardRequest(card_code=early.card_code), token=None)
    assert e.code() == grpc.StatusCode.NOT_FOUND


def test_import_rows_in_a_delegated_township_are_reported(county):
    server, *_ = county
    content = ("区划代码,姓名,代表层级,联系电话\r\n"
               f"{TOWNSHIP_A},马委托,乡,13912340001\r\n"
               f"{TOWNSHIP_A2},马本县,乡,13912340002\r\n").encode()
    r = server.call("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, content=content,
                                                           format=common_pb2.FILE_FORMAT_CSV), region=COUNTY_A)
    assert (r.created, r.failed) == (1, 1)
    assert [(x.row, x.column) for x in r.errors] == [(2, "区划代码")] and TOWNSHIP_A in r.errors[0].reason


@pytest.mark.parametrize("delegated, problem", [
    ("652302", "not below home_region 652301"),      # a sibling county
    ("652300", "not below home_region 652301"),      # the parent
    ("652301", "not below home_region 652301"),      # home itself
    ("652301999", "not in the region tree"),
])
def test_a_delegated_region_outside_the_home_subtree_stops_the_start(delegated, problem, tmp_path):
    settings = config.load("roster", {"LIANXIN_HOME_REGION": "652301", "LIANXIN_DELEGATED_REGIONS": delegated,
                                      "LIANXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite'}",
                                      "LIANXIN_EMBEDDED_BUS_PATH": str(tmp_path / "bus.sqlite"), "LIANXIN_PORT": "0"})
    with pytest.raises(ValueError, match=f"delegated_regions: {delegated} is {problem}"):
        start(definition(), settings)
    assert not (tmp_path / "r.sqlite").exists()   # refused before anything was touched


def test_delegated_regions_read_from_env_and_deployment_file(tmp_path):
    assert config.load("roster", {"LIANXIN_DELEGATED_REGIONS": "652301100, 652301101"}).delegated_regions == \
        ("652301100", "652301101")
    f = tmp_path / "tier.toml"
    f.write_text('home_region = "652301"\ndelegated_regions = ["652301100"]\n', encoding="utf-8")
    assert config.load("liaison", {"LIANXIN_DEPLOYMENT_FILE": str(f)}).delegated_regions == ("652301100",)
    assert config.load("liaison", {}).delegated_regions == ()


def test_tokens_of_regions_it_does_not_serve_are_refused_on_every_rpc(county):
    """The prefecture above (its own deployment reads its own figures, from events), a
    neighbouring county, and the delegated township: PERMISSION_DENIED naming the region."""
    server, early, _ = county
    calls = [("GetServiceInfo", common_pb2.GetServiceInfoRequest()), ("ListDeputies", pb.ListDeputiesRequest()),
             ("GetDeputy", pb.GetDeputyRequest(id=early.id)),
             ("RegisterDeputy", pb.RegisterDeputyRequest(deputy=server.deputy_msg(TOWNSHIP_A2))),
             ("GetPublicCard", pb.GetPublicCardRequest(card_code=early.card_code))]
    for region in (PREFECTURE, COUNTY_B, TOWNSHIP_A):
        for method, request in calls:
            with server.expect_no_writes():
                e = server.error(method, request, region=region)
            assert e.code() == grpc.StatusCode.PERMISSION_DENIED, (region, method, e.code())
            assert f"token region {region}" in e.details(), e.details()
    assert server.call("GetServiceInfo", common_pb2.GetServiceInfoRequest(), region=TOWNSHIP_A2)


def test_regions_outside_home_are_not_this_deployments(county):
    server, _, neighbour = county
    e = server.error("GetPublicCard", pb.GetPublicCardRequest(card_code=neighbour.card_code), token=None)
    assert e.code() == grpc.StatusCode.NOT_FOUND
    for method, request, field in [
            ("ListDeputies", pb.ListDeputiesRequest(region_code=COUNTY_B), "region_code"),
            ("ListVenues", pb.ListVenuesRequest(region_code=PREFECTURE), "region_code"),
            ("RegisterDeputy", pb.RegisterDeputyRequest(deputy=server.deputy_msg(COUNTY_B)), "deputy.region_code"),
            ("GetContactLimits", pb.GetContactLimitsRequest(region_code="410825"), "region_code")]:
        with server.expect_no_writes():
            e = server.error(method, request, region=COUNTY_A)
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, e.code(), e.details())
        assert e.details().startswith(f"{field}:") and "not served by this deployment" in e.details(), e.details()
    e = server.error("GetDeputy", pb.GetDeputyRequest(id=neighbour.id), region=COUNTY_A)
    assert e.code() == grpc.StatusCode.NOT_FOUND


def test_a_delegated_townships_deputies_and_venues_are_not_found_for_any_action(county):
    """Every RPC naming the township's deputy, venue or household by id: NOT_FOUND naming the
    field, nothing written (as a fresh county deployment would answer)."""
    server, early, _ = county
    venue, household = server.left["venue"], server.left["household"]
    own_venue = server.venue(COUNTY_A, caller_region=COUNTY_A)
    own_deputy = server.register(COUNTY_A, caller_region=COUNTY_A)
    calls = [
        ("GetDeputy", pb.GetDeputyRequest(id=early.id), "id"),
        ("UpdateDeputy", pb.UpdateDeputyRequest(deputy=pb.Deputy(id=early.id, work_unit="阜康市第二中学"),
                                                update_mask=field_mask_pb2.FieldMask(paths=["work_unit"])),
         "deputy.id"),
        ("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=early.id, status=pb.DEPUTY_STATUS_RESIGNED,
                                                            reason="辞职"), "id"),
        ("UpdateCard", pb.UpdateCardRequest(deputy_id=early.id, card=pb.CardSettings(show_phone=True)),
         "deputy_id"),
        ("GetCardQrCode", pb.GetCardQrCodeRequest(deputy_id=early.id, format=pb.QR_FORMAT_SVG), "deputy_id"),
        ("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
            deputy_id=early.id, household_head="马新户", address="二队1号", phone="13900008888")),
         "household.deputy_id"),
        ("ListVoterHouseholds", pb.ListVoterHouseholdsRequest(deputy_id=early.id), "deputy_id"),
        ("RemoveVoterHousehold", pb.RemoveVoterHouseholdRequest(id=household.id), "id"),
        ("ListDeputyVenues", pb.ListDeputyVenuesRequest(deputy_id=early.id), "deputy_id"),
        ("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=own_venue.id, deputy_id=early.id),
         "deputy_id"),
        ("AssignDeputyToVenue", pb.AssignDeputyToVenueRequest(venue_id=venue.id, deputy_id=own_deputy.id),
         "venue_id"),
        ("GetVenue", pb.GetVenueRequest(id=venue.id), "id"),
        ("UpdateVenue", pb.UpdateVenueRequest(venue=pb.Venue(id=venue.id, address="新址"),
                                              update_mask=field_mask_pb2.FieldMask(paths=["address"])),
         "venue.id"),
        ("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(committee_member_id=own_deputy.id,
                                                              deputy_id=early.id), "deputy_id"),
        ("ListDeputies", pb.ListDeputiesRequest(venue_id=venue.id), "venue_id"),
    ]
    for method, request, field in calls:
        with server.expect_no_writes():
            e = server.error(method, request, region=COUNTY_A)
        assert e.code() == grpc.StatusCode.NOT_FOUND, (method, e.code(), e.details())
        assert e.details().startswith(f"{field}:"), (method, e.details())


def test_listings_exports_and_grouping_leave_a_delegated_township_out(county):
    server, early, _ = county
    venue = server.left["venue"]
    deputies = server.call("ListDeputies", pb.ListDeputiesRequest(page=common_pb2.PageRequest(page_size=500)),
                           region=COUNTY_A)
    assert deputies.deputies and early.id not in {x.id for x in deputies.deputies}
    assert deputies.total_size == len(deputies.deputies)
    venues = server.call("ListVenues", pb.ListVenuesRequest(region_code=COUNTY_A), region=COUNTY_A)
    assert venue.id not in {x.id for x in venues.venues}
    exported = server.call("ExportRoster", pb.ExportRosterRequest(region_code=COUNTY_A,
                                                                  format=common_pb2.FILE_FORMAT_CSV),
                           region=COUNTY_A)
    assert early.name not in exported.content.decode("utf-8-sig")
    # 就近编组 of the county: the township's unplaced deputy is neither placed nor reported,
    # and no county deputy is put into the township's venue.
    grouped = server.call("GroupDeputiesIntoVenues", pb.GroupDeputiesIntoVenuesRequest(region_code=COUNTY_A),
                          region=COUNTY_A)
    assert grouped.assignments or grouped.unplaced_deputy_ids   # the county's own deputies were grouped
    assert early.id not in set(grouped.unplaced_deputy_ids) | {x.deputy_id for x in grouped.assignments}
    assert venue.id not in {x.venue_id for x in grouped.assignments}
    # Naming the township itself, to read or to write: its roster is its own deployment's.
    for method, request in [("ListDeputies", pb.ListDeputiesRequest(region_code=TOWNSHIP_A)),
                            ("ListVenues", pb.ListVenuesRequest(region_code=TOWNSHIP_A)),
                            ("GetContactLimits", pb.GetContactLimitsRequest(region_code=TOWNSHIP_A)),
                            ("GroupDeputiesIntoVenues", pb.GroupDeputiesIntoVenuesRequest(region_code=TOWNSHIP_A))]:
        e = server.error(method, request, region=COUNTY_A)
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, e.code())
        assert e.details().startswith("region_code:") and f"deployment of {TOWNSHIP_A}" in e.details(), e.details()
