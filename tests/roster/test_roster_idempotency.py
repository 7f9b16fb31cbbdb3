"""Creating twice by retrying creates once (AIP-155 request_id): RegisterDeputy, CreateVenue,
AddVoterHousehold and LinkCommitteeMember over real gRPC on PostgreSQL."""
from __future__ import annotations

import uuid

import grpc
from lianxin.roster.v1 import roster_pb2 as pb
from roster_support import COUNTY_A

IA = grpc.StatusCode.INVALID_ARGUMENT


def test_register_deputy_sent_twice_with_one_request_id_registers_once(roster):
    key = str(uuid.uuid4())
    req = pb.RegisterDeputyRequest(deputy=roster.deputy_msg(COUNTY_A), request_id=key)
    deputies, outbox = roster.count("deputies"), roster.count("outbox")
    first = roster.call("RegisterDeputy", req)
    again = roster.call("RegisterDeputy", req)
    assert again == first and first.card_code
    assert roster.count("deputies") == deputies + 1 and roster.count("outbox") == outbox + 1


def test_register_deputy_with_the_key_of_another_request_is_refused(roster):
    key = str(uuid.uuid4())
    roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=roster.deputy_msg(COUNTY_A), request_id=key))
    with roster.expect_no_writes("deputies", "outbox", "idempotency_keys"):
        e = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(deputy=roster.deputy_msg(COUNTY_A),
                                                                    request_id=key))
    assert e.code() == IA and e.details().startswith("request_id:")
    # The same key for another method is another request as well.
    v = pb.Venue(region_code=COUNTY_A, kind=pb.VENUE_KIND_DEPUTY_HOME, name=roster.unique("之家"))
    e = roster.error("CreateVenue", pb.CreateVenueRequest(venue=v, request_id=key))
    assert e.code() == IA and e.details().startswith("request_id:")


def test_register_deputy_refuses_a_request_id_that_is_not_a_uuid(roster):
    with roster.expect_no_writes("deputies", "outbox", "idempotency_keys"):
        e = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(deputy=roster.deputy_msg(COUNTY_A),
                                                                    request_id="retry-1"))
    assert e.code() == IA and e.details() == "request_id: must be a UUID"


def test_keys_of_different_callers_do_not_meet(roster):
    key = str(uuid.uuid4())
    msg = roster.deputy_msg(COUNTY_A)
    a = roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=msg, request_id=key), subject="clerk-a")
    msg.contact.phone = "13911112222"
    msg.name = roster.unique()
    b = roster.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=msg, request_id=key), subject="clerk-b")
    assert a.id != b.id


def test_venue_household_and_link_retries_create_once(roster):
    v = pb.Venue(region_code=COUNTY_A, kind=pb.VENUE_KIND_DEPUTY_HOME, name=roster.unique("之家"), address="人民路")
    req = pb.CreateVenueRequest(venue=v, request_id=str(uuid.uuid4()))
    venues = roster.count("venues")
    assert roster.call("CreateVenue", req) == roster.call("CreateVenue", req)
    assert roster.count("venues") == venues + 1

    dep = roster.register(COUNTY_A)
    member = roster.register(COUNTY_A)
    h = pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(deputy_id=dep.id, household_head="王五",
                                                                address="三工镇1号", phone="13700001111"),
                                    request_id=str(uuid.uuid4()))
    households = roster.count("voter_households")
    assert roster.call("AddVoterHousehold", h) == roster.call("AddVoterHousehold", h)
    assert roster.count("voter_households") == households + 1

    link = pb.LinkCommitteeMemberRequest(committee_member_id=member.id, deputy_id=dep.id,
                                         request_id=str(uuid.uuid4()))
    assert roster.call("LinkCommitteeMember", link) == roster.call("LinkCommitteeMember", link)
