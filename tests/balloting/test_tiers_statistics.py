"""Statistics across deployments: a county (昌吉市, 652301) runs its own deployment (roster and
balloting on a database of their own) and the prefecture's balloting (652300, which delegates
652301) shares nothing with it but Kafka. The county's campaign, from the call to publication,
reaches the prefecture's statistics from the county's balloting events alone; the prefecture
takes no campaign of the county itself.
"""
from __future__ import annotations

import uuid

import grpc
import pytest
from balloting_support import wait
from kafka_lock import kafka_shared
from kit.settings import COUNTY_A, PREFECTURE
from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.roster.v1 import roster_pb2 as rpb
from sqlalchemy import text

from shared.bus.kafka import KafkaTransport

pytestmark = pytest.mark.kafka
COUNTY_STAFF = {"role": "staff", "region": COUNTY_A}
PREFECTURE_AUDITOR = {"role": "auditor", "region": PREFECTURE}
YEAR = 2041
FEN = (120_000_000_00, 45_000_000_00, 9_000_000_00)     # 1.2亿元, 4500万元, 900万元


@pytest.fixture(scope="module")
def deployments(start_service, kafka_bootstrap):
    namespace = f"bt-{uuid.uuid4().hex[:8]}"
    env = {"LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIANXIN_KAFKA_NAMESPACE": namespace}
    with kafka_shared(kafka_bootstrap):
        admin = KafkaTransport(kafka_bootstrap, client_id="balloting-tiers-tests", namespace=namespace)
        admin.ensure_topics(["lianxin.roster.v1", "lianxin.balloting.v1"])
        admin.close()
        county = {"LIANXIN_HOME_REGION": COUNTY_A, **env}
        roster = start_service("roster", **county)
        county_balloting = start_service("balloting", **county)
        prefecture = start_service("balloting", LIANXIN_HOME_REGION=PREFECTURE, LIANXIN_DELEGATED_REGIONS=COUNTY_A,
                                   **env)
    return roster, county_balloting, prefecture


def test_a_countys_campaign_counts_in_the_prefectures_statistics(deployments):
    roster, b, prefecture = deployments
    voter = roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=COUNTY_A, name="县级代表甲", gender=rpb.GENDER_MALE, ethnicity="汉族",
        seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")], contact=rpb.Contact(phone="13512340001"))),
        **COUNTY_STAFF)

    def known() -> bool:
        with b.engine.connect() as c:
            return bool(c.execute(text("SELECT count(*) FROM ballot_deputies WHERE id = :i"),
                                  {"i": voter.id}).scalar_one())
    wait(known, "the county's balloting to learn its roster")

    # The prefecture runs no campaign of the delegated county.
    err = prefecture.error("CreateCampaign", pb.CreateCampaignRequest(region_code=COUNTY_A, year=YEAR, title="实事"),
                           role="staff", region=PREFECTURE)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith("region_code:")

    c = b.call("CreateCampaign", pb.CreateCampaignRequest(region_code=COUNTY_A, year=YEAR, title=f"{YEAR}年民生实事"),
               **COUNTY_STAFF)
    ps = [b.call("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=pb.NewProposal(
        title=f"县级项目{i}", category="民生", investment_fen=fen),
        proposer=pb.Proposer(kind=pb.PROPOSER_KIND_OFFLINE, name="座谈会")), **COUNTY_STAFF)
        for i, fen in enumerate(FEN)]
    b.call("CloseCall", pb.CloseCallRequest(id=c.id), **COUNTY_STAFF)
    for p, keep in zip(ps, (True, True, False)):
        b.call("ShortlistProposal", pb.ShortlistProposalRequest(id=p.id, shortlisted=keep), **COUNTY_STAFF)
    c = b.call("FixCandidates", pb.FixCandidatesRequest(id=c.id, seats=1, session_date="2099-01-15", candidates=[
        pb.CandidateEntry(proposal_id=p.id, funding_source="县级财政") for p in ps[:2]]), **COUNTY_STAFF)
    b.call("OpenSession", pb.OpenSessionRequest(id=c.id), **COUNTY_STAFF)
    b.call("CheckIn", pb.CheckInRequest(campaign_id=c.id, deputy_id=voter.id), **COUNTY_STAFF)
    c = b.call("OpenBallot", pb.OpenBallotRequest(id=c.id), **COUNTY_STAFF)
    ids = list(c.rounds[-1].candidate_ids)
    b.call("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=[
        pb.Mark(proposal_id=p, choice=pb.CHOICE_APPROVE if p == ps[0].id else pb.CHOICE_OPPOSE) for p in ids]),
        role="deputy", region=COUNTY_A, subject=voter.id)
    b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **COUNTY_STAFF)
    assert list(b.call("PublishResult", pb.PublishResultRequest(id=c.id), **COUNTY_STAFF).adopted) == [ps[0].id]

    def rolled_up() -> pb.Statistics | None:
        s = prefecture.call("GetStatistics", pb.GetStatisticsRequest(region_code=PREFECTURE, year_from=YEAR,
                                                                     year_to=YEAR), **PREFECTURE_AUDITOR)
        return s if s.adopted == 1 else None
    s = wait(rolled_up, "the county's campaign in the prefecture's statistics")
    assert (s.campaigns, s.proposals_received, s.proposals_shortlisted, s.candidates, s.adopted, s.investment_fen) \
        == (1, 3, 2, 2, 1, FEN[0])
    # The county's own figures agree, and the prefecture has the county's subtree too.
    # (each deployment rolls up from the topic at its own pace: the county's may come later)
    own = wait(lambda: (x := b.call("GetStatistics", pb.GetStatisticsRequest(
        region_code=COUNTY_A, year_from=YEAR, year_to=YEAR), **COUNTY_STAFF)).adopted == 1 and x,
        "the county's own statistics")
    assert (own.proposals_received, own.adopted, own.investment_fen) == (3, 1, FEN[0])
    sub = prefecture.call("GetStatistics", pb.GetStatisticsRequest(region_code=COUNTY_A, year_from=YEAR,
                                                                   year_to=YEAR), **PREFECTURE_AUDITOR)
    assert (sub.adopted, sub.investment_fen) == (1, FEN[0])
    # The prefecture's database holds the county's figures and nothing else of the campaign.
    with prefecture.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM campaigns")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM proposals")).scalar_one() == 0
