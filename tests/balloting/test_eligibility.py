"""Who votes in a campaign, as balloting learns it from the roster's events over Kafka (it
never reads the roster's database): the serving and by-elected deputies of the campaign
region's congress; for a 街道, which has no congress, its deliberation deputies (议事代表). A
resignation just before the session takes a voter off the list, a by-election puts one on.
"""
from __future__ import annotations

import grpc
import pytest
from balloting_support import STAFF, SUBDISTRICT, TOWN, wait
from kit.settings import COUNTY_A, COUNTY_B
from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as rpb

pytestmark = pytest.mark.kafka
S = rpb.DeputyStatus


def voters(w, campaign: pb.Campaign, page_size: int = 0) -> tuple[set[str], pb.ListEligibleVotersResponse]:
    ids: set[str] = set()
    token, first = "", None
    while True:
        resp = w.b.call("ListEligibleVoters", pb.ListEligibleVotersRequest(
            campaign_id=campaign.id, page=common_pb2.PageRequest(page_size=page_size, page_token=token)), **STAFF)
        first = first or resp
        ids |= {v.deputy_id for v in resp.voters}
        token = resp.next_page_token
        if not token:
            return ids, first


def settles(w, campaign, expected: set[str]) -> set[str]:
    """The electorate once balloting has caught up with the roster's events."""
    return wait(lambda: (got := voters(w, campaign)[0]) == expected and got, "the electorate to settle")


def test_a_county_campaign_is_voted_by_the_county_congress_serving_at_the_session(world):
    w = world
    c = w.campaign(COUNTY_A)
    county = [w.deputy(COUNTY_A) for _ in range(3)]
    living_in_town = w.deputy(TOWN, levels=(rpb.LEVEL_TOWNSHIP, rpb.LEVEL_COUNTY))   # a county seat too
    township_only = w.deputy(TOWN, levels=(rpb.LEVEL_TOWNSHIP,))
    other_county = w.deputy(COUNTY_B)
    prefecture_only = w.deputy(COUNTY_A, levels=(rpb.LEVEL_PREFECTURE,))
    by_elected = w.deputy(COUNTY_A, status=S.DEPUTY_STATUS_BY_ELECTED)
    w.known(township_only.id, other_county.id, prefecture_only.id)
    electorate = {d.id for d in county} | {living_in_town.id, by_elected.id}
    settles(w, c, electorate)
    got, first = voters(w, c, page_size=2)          # paged by name: every voter once
    assert got == electorate and first.total_size == 5 and first.electorate == "县人大代表"
    assert len(first.voters) == 2 and first.next_page_token

    # Just before the session: one resigns, one is terminated, a resigned one returns by by-election.
    w.change_status(county[0].id, S.DEPUTY_STATUS_RESIGNED, "辞去代表职务")
    w.change_status(county[1].id, S.DEPUTY_STATUS_TERMINATED, "代表资格终止")
    w.change_status(by_elected.id, S.DEPUTY_STATUS_RESIGNED, "辞职")
    w.change_status(by_elected.id, S.DEPUTY_STATUS_BY_ELECTED, "补选")
    settles(w, c, {county[2].id, living_in_town.id, by_elected.id})
    # ...and a newly by-elected deputy joins them.
    new = w.deputy(COUNTY_A, status=S.DEPUTY_STATUS_BY_ELECTED)
    settles(w, c, {county[2].id, living_in_town.id, by_elected.id, new.id})


def test_a_town_is_voted_by_its_township_congress(world):
    w = world
    c = w.campaign(TOWN)
    township = w.deputy(TOWN, levels=(rpb.LEVEL_TOWNSHIP,))
    county_here = w.deputy(TOWN, levels=(rpb.LEVEL_COUNTY,))
    w.known(county_here.id, township.id)
    got, first = voters(w, c)
    assert township.id in got
    assert county_here.id not in got and first.electorate == "乡镇人大代表"


def test_a_subdistrict_votes_through_its_deliberation_deputies(world):
    w = world
    c = w.campaign(SUBDISTRICT)
    assert c.region_kind == common_pb2.REGION_KIND_SUBDISTRICT
    county_here = w.deputy(SUBDISTRICT, levels=(rpb.LEVEL_COUNTY,))
    w.known(county_here.id)
    proposals = w.shortlisted(c, 5)
    c = w.fix(c, 4, proposals)
    # No deliberation deputy serves yet: the county deputy living there does not vote for it.
    with w.expect_no_writes():
        err = w.b.error("OpenSession", pb.OpenSessionRequest(id=c.id), **STAFF)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "街道议事代表" in err.details()
    deliberation = [w.deputy(SUBDISTRICT, levels=(rpb.LEVEL_DELIBERATION,)) for _ in range(2)]
    both = w.deputy(SUBDISTRICT, levels=(rpb.LEVEL_COUNTY, rpb.LEVEL_DELIBERATION))
    settles(w, c, {d.id for d in deliberation} | {both.id})
    assert voters(w, c)[1].electorate == "街道议事代表"
    assert w.open_ballot(c).phase == pb.PHASE_BALLOT


def test_a_deputy_lists_the_campaigns_of_the_branch_they_stand_on(world):
    """A county deputy living in a town sees the county's campaign (above their region) and the
    town's, not a sibling county's."""
    w = world
    county, town, other = w.campaign(COUNTY_A), w.campaign(TOWN), w.campaign(COUNTY_B)
    d = w.deputy(TOWN, levels=(rpb.LEVEL_COUNTY,))
    w.known(d.id)
    listed = w.b.call("ListCampaigns", pb.ListCampaignsRequest(year=0), role="deputy", region=TOWN, subject=d.id)
    ids = {c.id for c in listed.campaigns}
    assert {county.id, town.id} <= ids and other.id not in ids


def test_the_electorate_is_who_serves_when_the_ballot_opens(world):
    """Issue 8 §2, "serving on the day of the ballot": a resignation and by-elections recorded
    after the session opened but before the ballot opens count; the resigned deputy's check-in
    goes with them and they check in no more, the by-elected check in (one while attendance is
    taken, one once the ballot is open) and vote."""
    w = world
    c = w.campaign(COUNTY_B)
    w.known(*(w.deputy(COUNTY_B).id for _ in range(3)))    # the electorate settled before the session
    c = w.fix(c, 4, w.shortlisted(c, 5))
    round_voters = w.session(c)                    # everyone checked in
    before = len(round_voters)
    leaving = round_voters[0]
    w.change_status(leaving, S.DEPUTY_STATUS_RESIGNED, "辞去代表职务")
    joining = w.deputy(COUNTY_B, status=S.DEPUTY_STATUS_BY_ELECTED)
    early = w.deputy(COUNTY_B, status=S.DEPUTY_STATUS_BY_ELECTED)
    w.known(joining.id, early.id)
    wait(lambda: w.b_rows("SELECT status FROM ballot_deputies WHERE id = :i", i=leaving)[0][0]
         == S.DEPUTY_STATUS_RESIGNED, "the resignation to reach balloting")
    w.b.call("CheckIn", pb.CheckInRequest(campaign_id=c.id, deputy_id=early.id), **STAFF)
    err = w.b.error("CheckIn", pb.CheckInRequest(campaign_id=c.id, deputy_id=leaving), **STAFF)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "no longer serves" in err.details()

    opened = w.b.call("OpenBallot", pb.OpenBallotRequest(id=c.id), **STAFF)
    r = opened.rounds[-1]
    assert r.eligible == before + 1 and opened.present == before
    assert "应到代表更新为" in opened.steps[-1].note and "1人已不在任，1人新补选" in opened.steps[-1].note
    listed = {row[0] for row in w.b_rows(
        "SELECT deputy_id FROM ballot_voters WHERE campaign_id = :c", c=c.id)}
    assert leaving not in listed and {joining.id, early.id} <= listed

    marks = [pb.Mark(proposal_id=p, choice=pb.CHOICE_ABSTAIN) for p in r.candidate_ids]
    err = w.b.error("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=marks),
                    role="deputy", region=COUNTY_B, subject=leaving)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    joiner = {"role": "deputy", "region": COUNTY_B, "subject": joining.id}
    w.b.call("CheckIn", pb.CheckInRequest(campaign_id=c.id), **joiner)
    assert w.b.call("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=marks), **joiner).receipt_code

    # Once the ballot is open the electorate stands: a resignation now changes nothing.
    w.change_status(round_voters[1], S.DEPUTY_STATUS_RESIGNED, "辞职")
    wait(lambda: w.b_rows("SELECT status FROM ballot_deputies WHERE id = :i", i=round_voters[1])[0][0]
         == S.DEPUTY_STATUS_RESIGNED, "the second resignation to reach balloting")
    assert w.b.call("GetCampaign", pb.GetCampaignRequest(id=c.id), **STAFF).rounds[-1].eligible == before + 1


def test_a_deputy_by_elected_after_the_session_opened_counts_in_the_eligible_once_checked_in(world):
    """The reported input: a deputy by-elected after OpenSession was checked in and voted, yet
    the round's 应到 (eligible), the base of quorum and adoption and a count the bulletin
    publishes, stayed at the number of the session's opening."""
    w = world
    c = w.campaign(COUNTY_B)
    w.known(*(w.deputy(COUNTY_B).id for _ in range(3)))
    c = w.fix(c, 4, w.shortlisted(c, 5))
    before = len(w.session(c))
    late = w.deputy(COUNTY_B, status=S.DEPUTY_STATUS_BY_ELECTED)
    w.known(late.id)
    checked = w.b.call("CheckIn", pb.CheckInRequest(campaign_id=c.id, deputy_id=late.id), **STAFF)
    assert (checked.eligible, checked.present_count) == (before + 1, before + 1)
    opened = w.b.call("OpenBallot", pb.OpenBallotRequest(id=c.id), **STAFF)
    assert opened.rounds[-1].eligible == before + 1 and opened.present == before + 1
