"""BallotingService over gRPC: translate the request, call the use case, return its answer.
Wire-level checks (ids, enums, pages) happen here, before any use case runs, so a malformed
call never reaches the database."""
from __future__ import annotations

from functools import cached_property

from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.balloting.v1 import balloting_pb2_grpc

from services.balloting import convert
from services.balloting import domain as d
from services.balloting.ballots import Ballots
from services.balloting.proposals import Proposals, Proposer, Review, ShownProposal
from services.balloting.rollup import Statistics
from services.balloting.tables import IDEMPOTENT
from services.balloting.views import ShownCampaign
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
    def campaigns(self) -> Ballots:
        return Ballots(self.runtime)

    @cached_property
    def statistics(self) -> Statistics:
        return Statistics(self.runtime)

    @cached_property
    def proposals(self) -> Proposals:
        return Proposals(self.runtime)

    def _campaign(self, x: ShownCampaign) -> pb.Campaign:
        return convert.campaign_to_proto(x, self.runtime.regions)

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
        base = wire.enum_value(d.AdoptionBase, r.adoption_base, "rules.adoption_base", required=True)
        return convert.rules_to_proto(self.campaigns.set_rules(current_principal(), r.region_code,
                                                               r.min_surplus_percent, r.quorum_percent, base,
                                                               r.tellers_required))

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
        rows, total, token, level, attendance = self.campaigns.voters(who, campaign_id, page)
        return pb.ListEligibleVotersResponse(voters=[convert.voter_to_proto(r, attendance.get(r.id, (False, False)))
                                                     for r in rows], next_page_token=token,
                                             total_size=total, electorate=d.ELECTORATE_LABELS[level])

    # ---- the ballot session ----
    def OpenSession(self, request, context):
        return self._campaign(self.campaigns.open_session(current_principal(), wire.require_id(request.id, "id"),
                                                          request.note))

    def CheckIn(self, request, context):
        campaign_id = wire.require_id(request.campaign_id, "campaign_id")
        deputy_id = wire.optional_id(request.deputy_id, "deputy_id")
        return convert.attendance_to_proto(self.campaigns.check_in(current_principal(), campaign_id, deputy_id))

    def NameTellers(self, request, context):
        campaign_id = wire.require_id(request.campaign_id, "campaign_id")
        return self._campaign(self.campaigns.name_tellers(current_principal(), campaign_id, list(request.tellers),
                                                          list(request.scrutineers), request.note))

    def CastBallot(self, request, context):
        # Nothing of the request is logged (the edge logs method, caller and status only).
        campaign_id = wire.require_id(request.campaign_id, "campaign_id")
        marks = self._marks(request)
        return pb.CastBallotResponse(receipt_code=self.campaigns.cast(current_principal(), campaign_id, marks))

    def IssuePaperBallot(self, request, context):
        campaign_id = wire.require_id(request.campaign_id, "campaign_id")
        deputy_id = wire.require_id(request.deputy_id, "deputy_id")
        return convert.attendance_to_proto(self.campaigns.issue_paper(current_principal(), campaign_id, deputy_id))

    def EnterPaperBallot(self, request, context):
        campaign_id = wire.require_id(request.campaign_id, "campaign_id")
        valid, returned = self.campaigns.enter_paper(current_principal(), campaign_id, self._marks(request))
        return pb.EnterPaperBallotResponse(valid=valid, returned=returned)

    def CloseBallot(self, request, context):
        return self._campaign(self.campaigns.close_ballot(current_principal(), wire.require_id(request.id, "id"),
                                                          request.note))

    def PublishResult(self, request, context):
        return self._campaign(self.campaigns.publish(current_principal(), wire.require_id(request.id, "id"),
                                                     request.note))

    def GetPublicResult(self, request, context):
        return convert.public_result_to_proto(self.campaigns.public_result(request.region_code, request.year),
                                              self.runtime.regions)

    # ---- statistics ----
    def GetStatistics(self, request, context):
        f = self.statistics.get(current_principal(), request.region_code, request.year_from, request.year_to)
        return pb.Statistics(region_code=f.region_code, year_from=f.year_from, year_to=f.year_to,
                             campaigns=f.campaigns, proposals_received=f.received,
                             proposals_shortlisted=f.shortlisted, candidates=f.candidates, adopted=f.adopted,
                             investment_fen=f.investment_fen)

    @staticmethod
    def _marks(request) -> list[d.Mark]:
        if not request.marks:
            raise InvalidArgument("marks", "mark every candidate")
        for i, m in enumerate(request.marks):
            wire.require_id(m.proposal_id, f"marks[{i}].proposal_id")
        return convert.marks_from_proto(request.marks)
