"""A county whose township runs its own deployment (delegated_regions): the county's roster
registers no deputy there, imports no row there, and shows no card of one (NOT_FOUND), even
of a deputy it registered before the township got its deployment."""
from __future__ import annotations

import grpc
import pytest
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from roster_support import COUNTY_A, TOWNSHIP_A, TOWNSHIP_A2

from services.roster.service import definition
from shared import config
from shared.service import start


@pytest.fixture(scope="module")
def county(start_roster):
    """The county's roster, first without delegation (a deputy registered in the township),
    then restarted on the same database once the township runs its own deployment."""
    before = start_roster(LIANXIN_HOME_REGION=COUNTY_A)
    early = before.register(TOWNSHIP_A, caller_region=COUNTY_A)
    before.close()
    server = start_roster(url=before.db_url, LIANXIN_HOME_REGION=COUNTY_A, LIANXIN_DELEGATED_REGIONS=TOWNSHIP_A)
    yield server, early
    server.close()


def test_no_deputy_is_registered_in_a_delegated_township(county):
    server, _ = county
    with server.expect_no_writes():
        e = server.error("RegisterDeputy", pb.RegisterDeputyRequest(deputy=server.deputy_msg(TOWNSHIP_A)),
                         region=COUNTY_A)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert e.details().startswith("deputy.region_code:") and TOWNSHIP_A in e.details()
    assert server.register(TOWNSHIP_A2, caller_region=COUNTY_A).region_code == TOWNSHIP_A2   # not delegated


def test_no_venue_is_created_in_a_delegated_township(county):
    server, _ = county
    e = server.error("CreateVenue", pb.CreateVenueRequest(venue=pb.Venue(region_code=TOWNSHIP_A, name="代表之家",
                                                                         kind=pb.VENUE_KIND_DEPUTY_HOME)),
                     region=COUNTY_A)
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("venue.region_code:")


def test_the_card_of_a_delegated_townships_deputy_is_not_found(county):
    server, early = county
    e = server.error("GetPublicCard", pb.GetPublicCardRequest(card_code=early.card_code), token=None)
    assert e.code() == grpc.StatusCode.NOT_FOUND


def test_import_rows_in_a_delegated_township_are_reported(county):
    server, _ = county
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
