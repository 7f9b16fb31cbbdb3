"""Translation between balloting protobuf messages and stored rows: with the servicer, the
only module that builds generated messages: the answers, and the events the use cases write
to the outbox. The use cases hand it rows and values."""
from __future__ import annotations

from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.balloting.v1 import events_pb2 as ev

from services.balloting import domain as d
from services.balloting.tables import BallotDeputyRow, CampaignRow, CampaignStepRow, ProposalRow, ReviewRow
from shared.tenancy import RegionTree
from shared.wire import ts

# ---- requests ---------------------------------------------------------------------------

def new_proposal(m: pb.NewProposal) -> d.NewProposal:
    return d.NewProposal(title=m.title, description=m.description, category=m.category,
                         investment_fen=m.investment_fen, location_region=m.location_region,
                         supporters=m.supporters)


# ---- answers ----------------------------------------------------------------------------

def step_to_proto(s: CampaignStepRow) -> pb.CampaignStep:
    return pb.CampaignStep(phase=s.phase, action=s.action, actor=s.actor, actor_role=s.actor_role,
                           actor_name=s.actor_name, note=s.note, at=ts(s.at))


def campaign_to_proto(row: CampaignRow, proposals: int, regions: RegionTree) -> pb.Campaign:
    candidates = len(row.candidates)
    kind = regions.get(row.region_code).kind if row.region_code in regions else 0
    return pb.Campaign(
        id=row.id, region_code=row.region_code, year=row.year, title=row.title, phase=row.phase, seats=row.seats,
        candidates=[pb.Candidate(proposal_id=c.proposal_id, title=c.proposal.title,
                                 investment_fen=c.proposal.investment_fen, funding_source=c.funding_source,
                                 land=c.land, schedule=c.schedule, priority=c.priority) for c in row.candidates],
        min_surplus_percent=row.min_surplus_percent,
        min_candidates=d.min_candidates(row.seats, row.min_surplus_percent) if row.seats else 0,
        surplus_met=d.surplus_met(row.seats, candidates, row.min_surplus_percent),
        session_date=row.session_date.isoformat() if row.session_date else "",
        steps=[step_to_proto(s) for s in row.steps], created_at=ts(row.created_at), proposals=proposals,
        region_kind=int(kind))


def review_to_proto(r: ReviewRow) -> pb.ProposalReview:
    return pb.ProposalReview(reviewer_kind=r.reviewer_kind, reviewer=r.reviewer, reviewer_name=r.reviewer_name,
                             criterion=r.criterion, score=r.score, opinion=r.opinion, at=ts(r.at))


def proposal_to_proto(row: ProposalRow, *, with_contact: bool) -> pb.Proposal:
    """The whole proposal; a citizen's name and phone only ``with_contact`` (the office)."""
    citizen = row.proposer_kind == int(d.ProposerKind.CITIZEN)
    proposer = pb.Proposer(kind=row.proposer_kind, id=row.proposer_id,
                           name="" if citizen and not with_contact else row.proposer_name,
                           phone=row.proposer_phone if with_contact else "")
    return pb.Proposal(
        id=row.id, campaign_id=row.campaign_id, tracking_code=row.tracking_code, title=row.title,
        description=row.description, category=row.category, investment_fen=row.investment_fen,
        location_region=row.location_region, proposer=proposer, supporters=row.supporters, status=row.status,
        merged_into=row.merged_into, reviews=[review_to_proto(r) for r in row.reviews],
        received_at=ts(row.received_at), recorded_by=row.recorded_by)


def tracked_to_proto(row: ProposalRow, campaign: CampaignRow, regions: RegionTree) -> pb.TrackedProposal:
    """What a tracking code shows: the proposal's title and status and where its campaign
    stands; nothing of who proposed it, its reviews, or any other proposal."""
    return pb.TrackedProposal(
        tracking_code=row.tracking_code, title=row.title, status=row.status, campaign_phase=campaign.phase,
        region_name=regions.get(campaign.region_code).name if campaign.region_code in regions else "",
        year=campaign.year, received_at=ts(row.received_at))


def submitted_to_proto(tracking_code: str) -> pb.SubmitPublicProposalResponse:
    return pb.SubmitPublicProposalResponse(tracking_code=tracking_code, status=int(d.ProposalStatus.RECEIVED))


def rules_to_proto(rules) -> pb.BallotRules:
    return pb.BallotRules(region_code=rules.region_code, min_surplus_percent=rules.min_surplus_percent,
                          inherited=rules.inherited)


def voter_to_proto(row: BallotDeputyRow) -> pb.EligibleVoter:
    return pb.EligibleVoter(deputy_id=row.id, name=row.name, region_code=row.region_code)


# ---- events (lianxin.balloting.v1), written to the outbox with the change -------------------

def campaign_created(row: CampaignRow, regions: RegionTree) -> ev.CampaignCreated:
    return ev.CampaignCreated(campaign=campaign_to_proto(row, 0, regions))


def phase_changed(row: CampaignRow, before: d.Phase, step: CampaignStepRow) -> ev.CampaignPhaseChanged:
    return ev.CampaignPhaseChanged(campaign_id=row.id, region_code=row.region_code, year=row.year,
                                   from_phase=int(before), to_phase=row.phase, step=step_to_proto(step))


def proposal_received(row: ProposalRow, region_code: str) -> ev.ProposalReceived:
    """The proposal without a citizen's name or phone."""
    return ev.ProposalReceived(proposal=proposal_to_proto(row, with_contact=False), region_code=region_code)


def proposal_reviewed(row: ProposalRow, region_code: str, review: ReviewRow) -> ev.ProposalReviewed:
    return ev.ProposalReviewed(proposal_id=row.id, campaign_id=row.campaign_id, region_code=region_code,
                               review=review_to_proto(review))


def proposals_merged(survivor: ProposalRow, duplicates: list[ProposalRow], region_code: str) -> ev.ProposalsMerged:
    return ev.ProposalsMerged(survivor_id=survivor.id, duplicate_ids=[x.id for x in duplicates],
                              campaign_id=survivor.campaign_id, region_code=region_code)


def proposal_shortlisted(row: ProposalRow, region_code: str, shortlisted: bool) -> ev.ProposalShortlisted:
    return ev.ProposalShortlisted(proposal_id=row.id, campaign_id=row.campaign_id, region_code=region_code,
                                  shortlisted=shortlisted)


def candidates_fixed(row: CampaignRow) -> ev.CandidatesFixed:
    return ev.CandidatesFixed(
        campaign_id=row.id, region_code=row.region_code, year=row.year, seats=row.seats,
        candidates=[pb.Candidate(proposal_id=c.proposal_id, title=c.proposal.title,
                                 investment_fen=c.proposal.investment_fen, funding_source=c.funding_source,
                                 land=c.land, schedule=c.schedule, priority=c.priority) for c in row.candidates],
        session_date=row.session_date.isoformat() if row.session_date else "")


def rules_changed(rules) -> ev.BallotRulesChanged:
    return ev.BallotRulesChanged(rules=rules_to_proto(rules))
