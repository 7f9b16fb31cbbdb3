"""Demo balloting for `make run`: the prefecture's livelihood-project campaign for next year,
taken through the API like any caller from the public call to an open secret ballot, so a
deputy of the prefecture's congress (the demo deputy account among them) can vote at once.
Runs once: a balloting that already holds a campaign of the home region is left alone."""
from __future__ import annotations

import time
from collections.abc import Mapping

import grpc
from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.balloting.v1 import balloting_pb2_grpc
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.roster.v1 import roster_pb2_grpc

from services.balloting import domain as d
from shared.auth import issue_token
from shared.clock import china_today
from shared.config import Settings

# (title, category, investment in yuan, citizens' supporters)
PROJECTS = [
    ("城区老旧小区供热管网改造", "城建", 42_000_000, 860),
    ("农村饮水安全巩固提升工程", "水利", 35_500_000, 1_240),
    ("中小学校课后托管服务全覆盖", "教育", 6_800_000, 530),
    ("乡镇卫生院远程诊疗设备配置", "医疗", 12_300_000, 310),
    ("农村公路安全生命防护工程", "交通", 28_000_000, 420),
    ("社区居家养老服务中心建设", "民政", 9_600_000, 275),
    ("城市公园夜间照明提升", "城建", 3_200_000, 95),
]
FUNDING = ["州级财政", "州级财政、县级配套", "上级专项资金"]


def load(port: int, roster_port: int, secret: str, region: str, timeout: float = 60.0) -> str:
    md = (("authorization", "Bearer " + issue_token(secret, subject="demo-office", role="staff", region=region,
                                                    name="演示办公室")),)
    year = china_today().year + 1
    with grpc.insecure_channel(f"127.0.0.1:{port}") as bc, grpc.insecure_channel(f"127.0.0.1:{roster_port}") as rc:
        b, roster = balloting_pb2_grpc.BallotingServiceStub(bc), roster_pb2_grpc.RosterServiceStub(rc)
        present = b.ListCampaigns(pb.ListCampaignsRequest(region_code=region), metadata=md, timeout=10)
        if present.total_size:
            c = present.campaigns[0]
            return (f"demo campaign already present: {c.title} ({d.PHASE_LABELS[d.Phase(c.phase)]}); "
                    "nothing added")
        c = b.CreateCampaign(pb.CreateCampaignRequest(region_code=region, year=year, title=f"{year}年民生实事项目"),
                             metadata=md, timeout=10)
        proposals = []
        for i, (title, category, yuan, supporters) in enumerate(PROJECTS):
            p = pb.NewProposal(title=title, category=category, investment_fen=yuan * 100, supporters=supporters,
                               description=f"{title}：群众反映强烈，建议列入{year}年民生实事。")
            if i % 3 == 0:   # a citizen's, through the public call, followed by its tracking code
                code = b.SubmitPublicProposal(pb.SubmitPublicProposalRequest(
                    region_code=region, year=year, proposal=p), timeout=10).tracking_code
                listed = b.ListProposals(pb.ListProposalsRequest(campaign_id=c.id, page={"page_size": 500}),
                                         metadata=md, timeout=10).proposals
                proposals.append(next(x for x in listed if x.tracking_code == code))
            else:
                proposals.append(b.RecordProposal(pb.RecordProposalRequest(
                    campaign_id=c.id, proposal=p, proposer=pb.Proposer(kind=pb.PROPOSER_KIND_OFFLINE,
                                                                       name="代表联络站群众座谈会")),
                    metadata=md, timeout=10))
        b.CloseCall(pb.CloseCallRequest(id=c.id, note="征集结束"), metadata=md, timeout=10)
        for p in proposals[:2]:
            b.ReviewProposal(pb.ReviewProposalRequest(
                id=p.id, criterion=pb.CRITERION_FEASIBILITY, score=85, opinion="资金和用地可落实",
                reviewer_kind=pb.REVIEWER_KIND_DEPARTMENT, reviewer="州财政局"), metadata=md, timeout=10)
        short = proposals[:5]
        for p in proposals:
            b.ShortlistProposal(pb.ShortlistProposalRequest(id=p.id, shortlisted=p in short), metadata=md, timeout=10)
        c = b.FixCandidates(pb.FixCandidatesRequest(
            id=c.id, seats=4, session_date=china_today().isoformat(), note="州人大常委会党组研究确定",
            candidates=[pb.CandidateEntry(proposal_id=p.id, funding_source=FUNDING[i % len(FUNDING)], land="已落实",
                                          schedule=f"{year}年3月至11月", priority=i + 1)
                        for i, p in enumerate(short)]), metadata=md, timeout=10)
        # Balloting learns the deputies from the roster's events a moment after they are written.
        wanted = roster.ListDeputies(rpb.ListDeputiesRequest(region_code=region, level=rpb.LEVEL_PREFECTURE,
                                                             status=rpb.DEPUTY_STATUS_SERVING),
                                     metadata=md, timeout=10).total_size
        deadline = time.monotonic() + timeout
        while b.ListEligibleVoters(pb.ListEligibleVotersRequest(campaign_id=c.id), metadata=md,
                                   timeout=10).total_size < wanted and time.monotonic() < deadline:
            time.sleep(0.5)
        b.OpenSession(pb.OpenSessionRequest(id=c.id, note="州人大常委会会议"), metadata=md, timeout=10)
        voters = b.ListEligibleVoters(pb.ListEligibleVotersRequest(campaign_id=c.id, page={"page_size": 500}),
                                      metadata=md, timeout=10).voters
        for v in voters:
            b.CheckIn(pb.CheckInRequest(campaign_id=c.id, deputy_id=v.deputy_id), metadata=md, timeout=10)
        b.OpenBallot(pb.OpenBallotRequest(id=c.id), metadata=md, timeout=10)
        return (f"demo campaign: {c.title} of {region}, {len(short)} candidates for 4 seats, ballot open, "
                f"{len(voters)} deputies checked in (campaign {c.id})")


def through_api(settings: Settings, ports: Mapping[str, int]) -> str:
    """The launcher's demo hook, once roster and balloting serve."""
    return load(ports["balloting"], ports["roster"], settings.jwt_secret, settings.home_region)
