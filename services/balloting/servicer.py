"""BallotingService over gRPC: translate the request, call the use case, return its answer.
Wire-level checks (ids, enums, pages) happen here, before any use case runs, so a malformed
call never reaches the database."""
from __future__ import annotations

from functools import cached_property

from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.balloting.v1 import balloting_pb2_grpc

from services.balloting import convert
from services.balloting import domain as d
from services.balloting.campaigns import Campaigns, ShownCampaign
from services.balloting.proposals import Proposals, Proposer, Review, ShownProposal
from services.balloting.tables import IDEMPOTENT
from shared import paging, wire
from shared.errors import InvalidArgument
from shared.info import service_info
from shared.rpc import current_principal
from shared.service import Runtime


def _required(request, name: str) -> None:
    """A message field the RPC cannot do without: INVALID_ARGUMENT naming it when absent."""
    if not request.HasField(name):
        raise InvalidArgument(name, "is required")


class BallotingServicer(balloting_pb2_grpc.BallotingServiceServicer):
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    @cached_property
    def campaigns(self) -> Campaigns:
        return Campaigns(self.runtime)

    @cached_property
    def proposals(self) -> Proposals:
        return Proposals(self.runtime)

    def _campaign(self, x: ShownCampaign) -> pb.Campaign:
        return convert.campaign_to_proto(x.row, x.proposals, self.runtime.regions)

    @staticmethod
    def _proposal(x: ShownProposal) -> pb.Proposal:
        return convert.proposal_to_proto(x.row, with_contact=x.with_contact)

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)

    # ---- rules ----
    def GetBallotRules(self, request, context):
        return convert.rules_to_proto(self.campaigns.get_rules(current_principal(), request.region_code))

    def SetBallotRules(self, request, context):
        _required(request, "rules")
        r = request.rules
        return convert.rules_to_proto(self.campaigns.set_rules(current_principal(), r.region_code,
                                                               r.min_surplus_percent))

    # ---- campaigns ----
    @IDEMPOTENT.create(pb.Campaign)
    def CreateCampaign(self, request, context):
        return self._campaign(self.campaigns.create(current_principal(), request.region_code, request.year,
                                                    request.title, request.min_surplus_percent))

    def GetCampaign(self, request, context):
        return self._campaign(self.campaigns.get(current_principal(), wire.require_id(request.id, "id")))

    def ListCampaigns(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        phase = wire.enum_value(d.Phase, request.phase, "phase", required=False)
        shown, total, token = self.campaigns.list_campaigns(who, request.region_code, request.year, phase, page)
        return pb.ListCampaignsResponse(campaigns=[self._campaign(x) for x in shown], next_page_token=token,
                                        total_size=total)

    def CloseCall(self, request, context):
        return self._campaign(self.campaigns.close_call(current_principal(), wire.require_id(request.id, "id"),
                                                        request.note))

    def FixCandidates(self, request, context):
        campaign_id = wire.require_id(request.id, "id")
        entries = [d.CandidateEntry(proposal_id=wire.require_id(c.proposal_id, f"candidates[{i}].proposal_id"),
                                    funding_source=c.funding_source, land=c.land, schedule=c.schedule,
                                    priority=c.priority)
                   for i, c in enumerate(request.candidates)]
        return self._campaign(self.campaigns.fix_candidates(current_principal(), campaign_id, request.seats, entries,
                                                            request.session_date, request.note))

    def OpenBallot(self, request, context):
        return self._campaign(self.campaigns.open_ballot(current_principal(), wire.require_id(request.id, "id"),
                                                         request.note))

    # ---- the call ----
    @IDEMPOTENT.create(pb.SubmitPublicProposalResponse)
    def SubmitPublicProposal(self, request, context):
        _required(request, "proposal")
        code = self.proposals.submit_public(current_principal(), request.region_code, request.year,
                                            convert.new_proposal(request.proposal),
                                            d.Contact(request.contact_name, request.contact_phone))
        return convert.submitted_to_proto(code)

    def TrackProposal(self, request, context):
        t = self.proposals.track(request.tracking_code)
        return convert.tracked_to_proto(t.row, t.campaign, self.runtime.regions)

    @IDEMPOTENT.create(pb.Proposal)
    def RecordProposal(self, request, context):
        campaign_id = wire.require_id(request.campaign_id, "campaign_id")
        _required(request, "proposal")
        p = request.proposer
        kind = wire.enum_value(d.ProposerKind, p.kind, "proposer.kind", required=False)
        proposer = Proposer(kind=kind, id=p.id, name=p.name, phone=p.phone)
        return self._proposal(self.proposals.record(current_principal(), campaign_id,
                                                    convert.new_proposal(request.proposal), proposer))

    def GetProposal(self, request, context):
        return self._proposal(self.proposals.get(current_principal(), wire.require_id(request.id, "id")))

    def ListProposals(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        campaign_id = wire.require_id(request.campaign_id, "campaign_id")
        status = wire.enum_value(d.ProposalStatus, request.status, "status", required=False)
        shown, total, token = self.proposals.list_proposals(who, campaign_id, status, page)
        return pb.ListProposalsResponse(proposals=[self._proposal(x) for x in shown], next_page_token=token,
                                        total_size=total)

    # ---- screening ----
    def ReviewProposal(self, request, context):
        proposal_id = wire.require_id(request.id, "id")
        criterion = wire.enum_value(d.Criterion, request.criterion, "criterion", required=True)
        kind = wire.enum_value(d.ReviewerKind, request.reviewer_kind, "reviewer_kind", required=False)
        review = Review(criterion=criterion, score=request.score, opinion=request.opinion, reviewer_kind=kind,
                        reviewer=request.reviewer, reviewer_name=request.reviewer_name)
        return self._proposal(self.proposals.review(current_principal(), proposal_id, review))

    def MergeProposals(self, request, context):
        survivor = wire.require_id(request.survivor_id, "survivor_id")
        duplicates = [wire.require_id(x, f"duplicate_ids[{i}]") for i, x in enumerate(request.duplicate_ids)]
        return self._proposal(self.proposals.merge(current_principal(), survivor, duplicates, request.note))

    def ShortlistProposal(self, request, context):
        return self._proposal(self.proposals.shortlist(current_principal(), wire.require_id(request.id, "id"),
                                                       request.shortlisted, request.note))

    # ---- who votes ----
    def ListEligibleVoters(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        campaign_id = wire.require_id(request.campaign_id, "campaign_id")
        rows, total, token, level = self.campaigns.voters(who, campaign_id, page)
        return pb.ListEligibleVotersResponse(voters=[convert.voter_to_proto(r) for r in rows], next_page_token=token,
                                             total_size=total, electorate=d.ELECTORATE_LABELS[level])
