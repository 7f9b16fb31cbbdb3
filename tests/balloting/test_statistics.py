"""Statistics per region subtree and years, rolled up from balloting events over Kafka: the
seed's three years in 温县 (30 county projects of 40 candidates, 80 township ones of 105, 32 of
43 in the sub-districts: 142 projects, 4.31 billion yuan) reproduced from campaigns run over
gRPC from the call to publication.
"""
from __future__ import annotations

import grpc
import pytest
from balloting_support import STAFF, SUBDISTRICT, TOWN, wait
from kit.settings import COUNTY_A, PREFECTURE, TOWNSHIP_A
from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.roster.v1 import roster_pb2 as rpb

pytestmark = pytest.mark.kafka

YUAN = 100                       # fen
BIG = 80_000_000 * YUAN          # one project of 80 million yuan
USUAL = 30_000_000 * YUAN        # the others, 30 million yuan each


def run(w, region: str, level, year: int, received: int, shortlisted: int, candidates: int, seats: int,
        big: bool = False) -> pb.Campaign:
    """A campaign taken from the call to publication by its one voter, who approves the first
    ``seats`` candidates (the ones adopted). The first adopted project costs BIG when ``big``."""
    voter = w.deputy(region, levels=(level,))
    w.known(voter.id)
    c = w.campaign(region, year)
    proposals = [w.proposal(c, investment_fen=BIG if big and i == 0 else USUAL) for i in range(received)]
    w.b.call("CloseCall", pb.CloseCallRequest(id=c.id), **STAFF)
    for i, p in enumerate(proposals):
        w.b.call("ShortlistProposal", pb.ShortlistProposalRequest(id=p.id, shortlisted=i < shortlisted), **STAFF)
    c = w.fix(c, seats, proposals[:candidates])
    c = w.open_ballot(c)
    marks = [pb.Mark(proposal_id=x.proposal_id, choice=pb.CHOICE_APPROVE if i < seats else pb.CHOICE_OPPOSE)
             for i, x in enumerate(c.candidates)]
    w.b.call("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=marks), role="deputy", region=region,
             subject=voter.id)
    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    assert len(c.adopted) == seats
    return w.b.call("PublishResult", pb.PublishResultRequest(id=c.id), **STAFF)


def test_the_seeds_three_years_142_projects_and_431_billion_fen(world):
    w = world
    run(w, COUNTY_A, rpb.LEVEL_COUNTY, 2021, received=45, shortlisted=42, candidates=40, seats=30, big=True)
    run(w, TOWN, rpb.LEVEL_TOWNSHIP, 2022, received=110, shortlisted=105, candidates=105, seats=80)
    run(w, SUBDISTRICT, rpb.LEVEL_DELIBERATION, 2023, received=43, shortlisted=43, candidates=43, seats=32)

    def county() -> pb.Statistics:
        return w.b.call("GetStatistics", pb.GetStatisticsRequest(region_code=COUNTY_A, year_from=2021,
                                                                 year_to=2023), **STAFF)
    got = wait(lambda: (s := county()).adopted == 142 and s.investment_fen == 431_000_000_000 and s, "the roll-up")
    assert (got.campaigns, got.proposals_received, got.proposals_shortlisted, got.candidates, got.adopted) == (
        3, 198, 190, 188, 142)
    assert got.investment_fen / YUAN / 100_000_000 == 43.1   # 亿元: 43.1亿元 = 4.31 billion yuan
    # The prefecture sees the same, rolled up; a township's subtree only its own; years narrow it.
    pref = w.b.call("GetStatistics", pb.GetStatisticsRequest(region_code=PREFECTURE, year_from=2021, year_to=2023),
                    role="auditor", region=PREFECTURE)
    assert (pref.adopted, pref.investment_fen) == (142, 431_000_000_000)
    town = w.b.call("GetStatistics", pb.GetStatisticsRequest(region_code=TOWN, year_from=2000, year_to=2100),
                    role="staff", region=TOWNSHIP_A)
    assert (town.campaigns, town.adopted, town.candidates) == (1, 80, 105)
    one = w.b.call("GetStatistics", pb.GetStatisticsRequest(year_from=2023, year_to=2023), role="staff",
                   region=COUNTY_A)
    assert (one.region_code, one.adopted) == (COUNTY_A, 32)
    err = w.b.error("GetStatistics", pb.GetStatisticsRequest(region_code=COUNTY_A, year_from=2023, year_to=2021),
                    **STAFF)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith("year_to:")
    err = w.b.error("GetStatistics", pb.GetStatisticsRequest(region_code=COUNTY_A, year_from=2021, year_to=2023),
                    role="staff", region=TOWNSHIP_A)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
