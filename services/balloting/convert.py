"""Translation between balloting protobuf messages and stored rows: with the servicer, the
only module that builds generated messages: the answers, and the events the use cases write
to the outbox. The use cases hand it rows and values."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.balloting.v1 import events_pb2 as ev

from services.balloting import domain as d
from services.balloting.tables import (
    BallotDeputyRow,
    BallotRoundRow,
    BallotVoterRow,
    CampaignRow,
    CampaignStepRow,
    CandidateRow,
    ProposalRow,
    ReviewRow,
)
from services.balloting.views import ShownCampaign
from shared import wire
from shared.clock import china_day, now
from shared.tenancy import RegionTree
from shared.wire import ts

if TYPE_CHECKING:
    from services.balloting.ballots import Attendance, Published
    from services.balloting.campaigns import Rules

# ---- requests ---------------------------------------------------------------------------

def new_proposal(m: pb.NewProposal) -> d.NewProposal:
    return d.NewProposal(title=m.title, description=m.description, category=m.category,
                         investment_fen=m.investment_fen, location_region=m.location_region,
                         supporters=m.supporters)


# ---- answers ----------------------------------------------------------------------------

def step_to_proto(s: CampaignStepRow) -> pb.CampaignStep:
    return pb.CampaignStep(phase=s.phase, action=s.action, actor=s.actor, actor_role=s.actor_role,
                           actor_name=s.actor_name, note=s.note, at=ts(s.at))


def candidate_to_proto(c: CandidateRow) -> pb.Candidate:
    return pb.Candidate(proposal_id=c.proposal_id, title=c.proposal.title, investment_fen=c.proposal.investment_fen,
                        funding_source=c.funding_source, land=c.land, schedule=c.schedule, priority=c.priority)


def round_to_proto(r: BallotRoundRow) -> pb.Round:
    """A round; once counted, its counts, tally and result as its bulletin states them."""
    m = pb.Round(number=r.number, status=r.status, seats=r.seats, candidate_ids=[x for x in r.candidates.split(",") if x],
                 eligible=r.eligible, quorum_percent=r.quorum_percent, adoption_base=r.adoption_base,
                 adopted=[x for x in r.adopted.split(",") if x], runoff=[x for x in r.runoff.split(",") if x],
                 bulletin_digest=r.digest, tellers=d.names(r.tellers), scrutineers=d.names(r.scrutineers),
                 tellers_required=r.tellers_required)
    if r.bulletin:
        doc = json.loads(r.bulletin)
        c = doc["counts"]
        m.present, m.issued, m.returned, m.valid, m.invalid = (c["present"], c["issued"], c["returned"], c["valid"],
                                                               c["invalid"])
        m.tally.extend(pb.CandidateTally(**t) for t in doc["tally"])
    return m


def campaign_to_proto(x: ShownCampaign, regions: RegionTree) -> pb.Campaign:
    row = x.row
    candidates = len(row.candidates)
    kind = regions.get(row.region_code).kind if row.region_code in regions else 0
    return pb.Campaign(
        id=row.id, region_code=row.region_code, year=row.year, title=row.title, phase=row.phase, seats=row.seats,
        candidates=[candidate_to_proto(c) for c in row.candidates],
        min_surplus_percent=row.min_surplus_percent,
        min_candidates=d.min_candidates(row.seats, row.min_surplus_percent) if row.seats else 0,
        surplus_met=d.surplus_met(row.seats, candidates, row.min_surplus_percent),
        session_date=row.session_date.isoformat() if row.session_date else "",
        steps=[step_to_proto(s) for s in row.steps], created_at=ts(row.created_at), proposals=x.proposals,
        region_kind=int(kind), rounds=[round_to_proto(r) for r in x.rounds], adopted=list(x.adopted),
        present=x.present, voted=x.voted)


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


def rules_to_proto(rules: Rules) -> pb.BallotRules:
    return pb.BallotRules(region_code=rules.region_code, min_surplus_percent=rules.min_surplus_percent,
                          inherited=rules.inherited, quorum_percent=rules.quorum_percent,
                          adoption_base=int(rules.adoption_base), tellers_required=rules.tellers_required)


def attendance_to_proto(a: Attendance) -> pb.Attendance:
    return pb.Attendance(campaign_id=a.campaign_id, round=a.round, deputy_id=a.deputy_id, present=a.present,
                         present_count=a.present_count, eligible=a.eligible)


def marks_from_proto(marks) -> list[d.Mark]:
    """A ballot's marks; an unknown or missing choice is INVALID_ARGUMENT naming the mark."""
    return [d.Mark(m.proposal_id, wire.enum_value(d.Choice, m.choice, f"marks[{i}].choice", required=True))
            for i, m in enumerate(marks)]


def public_result_to_proto(p: Published, regions: RegionTree) -> pb.PublicResult:
    """The published result: the candidates, the adopted projects and each round with its
    bulletin; nothing of who proposed, reviewed or voted."""
    row = p.campaign
    by_id = {c.proposal_id: c for c in row.candidates}
    adopted = [x for r in p.rounds if r.status == int(d.RoundStatus.CLOSED) for x in r.adopted.split(",") if x]
    return pb.PublicResult(
        region_code=row.region_code, region_name=regions.get(row.region_code).name if row.region_code in regions
        else "", year=row.year, title=row.title, seats=row.seats,
        candidates=[candidate_to_proto(c) for c in row.candidates],
        adopted=[candidate_to_proto(by_id[x]) for x in adopted if x in by_id],
        rounds=[pb.PublishedRound(round=round_to_proto(r), bulletin=r.bulletin) for r in p.rounds])


def voter_to_proto(row: BallotDeputyRow, attendance: tuple[bool, bool] = (False, False)) -> pb.EligibleVoter:
    """A voter with their (present, voted) in the latest round."""
    return pb.EligibleVoter(deputy_id=row.id, name=row.name, region_code=row.region_code,
                            present=attendance[0], voted=attendance[1])


# ---- events (lianxin.balloting.v1), written to the outbox with the change -------------------

def campaign_created(row: CampaignRow, regions: RegionTree) -> ev.CampaignCreated:
    return ev.CampaignCreated(campaign=campaign_to_proto(ShownCampaign(row, 0), regions))


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
        candidates=[candidate_to_proto(c) for c in row.candidates],
        session_date=row.session_date.isoformat() if row.session_date else "")


def tellers_named(row: CampaignRow, r: BallotRoundRow, step: CampaignStepRow) -> ev.TellersNamed:
    return ev.TellersNamed(campaign_id=row.id, region_code=row.region_code, year=row.year, round=r.number,
                           tellers=d.names(r.tellers), scrutineers=d.names(r.scrutineers),
                           step=step_to_proto(step))


def ballot_closed(row: CampaignRow, r: BallotRoundRow) -> ev.BallotClosed:
    """A round counted: its counts, tally, result and bulletin digest (never a ballot)."""
    return ev.BallotClosed(campaign_id=row.id, region_code=row.region_code, year=row.year, round=round_to_proto(r))


def attendance_recorded(row: CampaignRow, r: BallotRoundRow, voters: list[BallotVoterRow]) -> ev.AttendanceRecorded:
    """Who was present and who voted in a counted round, ids sorted (never how anyone voted)."""
    day = row.session_date.isoformat() if row.session_date else china_day(r.closed_at or now()).isoformat()
    return ev.AttendanceRecorded(
        campaign_id=row.id, region_code=row.region_code, year=row.year, round=r.number, session_date=day,
        present_deputy_ids=sorted(v.deputy_id for v in voters if v.present),
        voted_deputy_ids=sorted(v.deputy_id for v in voters if v.voted))


def project_adopted(row: CampaignRow, c: CandidateRow) -> ev.ProjectAdopted:
    p = c.proposal
    return ev.ProjectAdopted(
        campaign_id=row.id, region_code=row.region_code, year=row.year, proposal_id=p.id, title=p.title,
        category=p.category, description=p.description, investment_fen=p.investment_fen,
        funding_source=c.funding_source, land=c.land, schedule=c.schedule, priority=c.priority,
        location_region=p.location_region)


def result_published(row: CampaignRow, adopted: list[CandidateRow]) -> ev.ResultPublished:
    return ev.ResultPublished(campaign_id=row.id, region_code=row.region_code, year=row.year,
                              adopted=[candidate_to_proto(c) for c in adopted])


def rules_changed(rules: Rules) -> ev.BallotRulesChanged:
    return ev.BallotRulesChanged(rules=rules_to_proto(rules))
