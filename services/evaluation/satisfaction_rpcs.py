"""EvaluationService's satisfaction-vote RPCs (a mixin of servicer.py): the year's projects, the
vote's rules, the vote, rectifications and inquiries. Protobuf in, use case, protobuf out;
wire-level checks (ids, enums, pages) before any use case runs."""
from __future__ import annotations

from functools import cached_property

from lianxin.evaluation.v1 import satisfaction_pb2 as pb

from services.evaluation import domain as d
from services.evaluation.convert import satisfaction as convert
from services.evaluation.projects import YearProjects
from services.evaluation.rectifications import Inquiries, Rectifications
from services.evaluation.satisfaction import Satisfaction
from services.evaluation.tables import IDEMPOTENT
from shared import paging, wire
from shared.errors import InvalidArgument
from shared.rpc import current_principal
from shared.service import Runtime


class SatisfactionRpcs:
    runtime: Runtime

    @cached_property
    def year_projects(self) -> YearProjects:
        return YearProjects(self.runtime)

    @cached_property
    def satisfaction(self) -> Satisfaction:
        return Satisfaction(self.runtime)

    @cached_property
    def rectifications(self) -> Rectifications:
        return Rectifications(self.runtime)

    @cached_property
    def inquiries(self) -> Inquiries:
        return Inquiries(self.runtime)

    def ListYearProjects(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        rows, total, token = self.year_projects.list_projects(who, request.region_code, request.year, page)
        return pb.ListYearProjectsResponse(projects=[convert.year_project_to_proto(r) for r in rows],
                                           next_page_token=token, total_size=total)

    # ---- rules ----
    def SetSatisfactionRules(self, request, context):
        if not request.HasField("rules"):
            raise InvalidArgument("rules", "is required")
        return convert.rules_to_proto(self.satisfaction.set_rules(
            current_principal(), request.rules.region_code, convert.rules_from_proto(request.rules)))

    def GetSatisfactionRules(self, request, context):
        return convert.rules_to_proto(self.satisfaction.get_rules(current_principal(), request.region_code))

    # ---- the vote ----
    @IDEMPOTENT.create(pb.SatisfactionVote)
    def OpenSatisfactionVote(self, request, context):
        return convert.vote_to_proto(self.satisfaction.open(current_principal(), request.region_code, request.year,
                                                            request.title))

    def GetSatisfactionVote(self, request, context):
        return convert.vote_to_proto(self.satisfaction.get(current_principal(), wire.require_id(request.id, "id")))

    def ListSatisfactionVotes(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        shown, total, token = self.satisfaction.list_votes(who, request.region_code, page)
        return pb.ListSatisfactionVotesResponse(votes=[convert.vote_to_proto(v) for v in shown],
                                                next_page_token=token, total_size=total)

    def CastSatisfactionBallot(self, request, context):
        vote_id = wire.require_id(request.vote_id, "vote_id")
        ratings = convert.ratings(request.ratings)
        return pb.CastSatisfactionBallotResponse(
            receipt_code=self.satisfaction.cast(current_principal(), vote_id, ratings))

    def CloseSatisfactionVote(self, request, context):
        return convert.vote_to_proto(self.satisfaction.close(current_principal(), wire.require_id(request.id, "id")))

    def PublishSatisfactionResult(self, request, context):
        return convert.vote_to_proto(self.satisfaction.publish(current_principal(),
                                                               wire.require_id(request.id, "id")))

    def GetPublicSatisfactionResult(self, request, context):
        return convert.vote_to_proto(self.satisfaction.public_result(request.region_code, request.year))

    # ---- rectification ----
    def ListRectifications(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        rows, total, token = self.rectifications.list_rectifications(who, request.region_code, request.year, page)
        return pb.ListRectificationsResponse(rectifications=[convert.rectification_to_proto(r) for r in rows],
                                             next_page_token=token, total_size=total)

    def GetRectification(self, request, context):
        return convert.rectification_to_proto(*self.rectifications.get(current_principal(),
                                                                       wire.require_id(request.id, "id")))

    def SubmitRectificationPlan(self, request, context):
        return convert.rectification_to_proto(*self.rectifications.submit_plan(
            current_principal(), wire.require_id(request.id, "id"), request.explanation, request.plan,
            request.due_date))

    def CompleteRectification(self, request, context):
        return convert.rectification_to_proto(*self.rectifications.complete(
            current_principal(), wire.require_id(request.id, "id"), request.report))

    # ---- inquiries ----
    @IDEMPOTENT.create(pb.Inquiry)
    def OpenInquiry(self, request, context):
        rect_id = wire.require_id(request.rectification_id, "rectification_id")
        kind = wire.enum_value(d.InquiryKind, request.kind, "kind", required=True)
        row, title = self.inquiries.open(current_principal(), rect_id, kind, request.organ, list(request.questions),
                                         request.held_on)
        return convert.inquiry_to_proto(row, title)

    def RecordInquiryAnswers(self, request, context):
        row, title = self.inquiries.answer(current_principal(), wire.require_id(request.id, "id"),
                                           list(request.answers), request.follow_up, request.close)
        return convert.inquiry_to_proto(row, title)

    def ListInquiries(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        rect_id = wire.optional_id(request.rectification_id, "rectification_id")
        rows, total, token = self.inquiries.list_inquiries(who, request.region_code, rect_id, page)
        return pb.ListInquiriesResponse(inquiries=[convert.inquiry_to_proto(r, t) for r, t in rows],
                                        next_page_token=token, total_size=total)
