"""The opinion half of LiaisonService over gRPC: translate the request, call the use case,
return its answer. Wire-level checks (ids, enums, timestamps, pages) happen here, before
any use case runs, so a malformed call never reaches the database."""
from __future__ import annotations

from functools import cached_property

from lianxin.liaison.v1 import liaison_pb2

from services.liaison import convert
from services.liaison import domain as d
from services.liaison.opinions import ListQuery, NewOpinion, Opinions, ShownOpinion
from services.liaison.tables import IDEMPOTENT
from shared import paging, wire
from shared.errors import InvalidArgument
from shared.rpc import current_principal
from shared.service import Runtime

MAX_ID_TEXT = 36


def _contact(m) -> d.Contact:
    return d.Contact(name=m.contact.name, phone=m.contact.phone)


def _opinion(x: ShownOpinion) -> liaison_pb2.Opinion:
    return convert.opinion_to_proto(x.row, with_contact=x.with_contact)


class OpinionRpcs:
    """Mixin for the LiaisonService servicer; expects ``self.runtime``."""

    runtime: Runtime   # set by the servicer

    @cached_property
    def opinions(self) -> Opinions:
        return Opinions(self.runtime)

    # ---- raising ----
    @IDEMPOTENT.create(liaison_pb2.SubmitPublicOpinionResponse)
    def SubmitPublicOpinion(self, request, context):
        code = self.opinions.submit_public(current_principal(), request.card_code, request.category, request.text,
                                           request.region_code, _contact(request))
        return convert.submitted_to_proto(code)

    @IDEMPOTENT.create(liaison_pb2.Opinion)
    def RecordOpinion(self, request, context):
        channel = wire.enum_value(d.Channel, request.channel, "channel", required=True)
        o = NewOpinion(channel=channel, region_code=request.region_code, category=request.category,
                       text=request.text, deputy_id=wire.optional_id(request.deputy_id, "deputy_id"),
                       venue_id=wire.optional_id(request.venue_id, "venue_id"), contact=_contact(request),
                       activity_id=wire.optional_id(request.activity_id, "activity_id"))
        return _opinion(self.opinions.record(current_principal(), o))

    # ---- reading ----
    def GetOpinion(self, request, context):
        return _opinion(self.opinions.get(current_principal(), wire.require_id(request.id, "id")))

    def ListOpinions(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        status = wire.enum_value(d.Status, request.status, "status", required=False)
        department = d.line(request.department, "department", max_len=100)
        raised_from = wire.timestamp(request, "raised_from", "raised_from", required=False)
        raised_to = wire.timestamp(request, "raised_to", "raised_to", required=False)
        if raised_from and raised_to and raised_to < raised_from:
            raise InvalidArgument("raised_to", "is before raised_from")
        q = ListQuery(region_code=request.region_code, status=status,
                      deputy_id=wire.optional_id(request.deputy_id, "deputy_id"), department=department,
                      raised_from=raised_from, raised_to=raised_to,
                      venue_id=wire.optional_id(request.venue_id, "venue_id"),
                      due_before=wire.timestamp(request, "due_before", "due_before", required=False),
                      transfer_due_before=wire.timestamp(request, "transfer_due_before", "transfer_due_before",
                                                         required=False),
                      escalated=request.escalated)
        shown, total, token = self.opinions.list(who, q, page)
        return liaison_pb2.ListOpinionsResponse(opinions=[_opinion(x) for x in shown], next_page_token=token,
                                                total_size=total)

    # ---- the life of a case ----
    def AcceptOpinion(self, request, context):
        return _opinion(self.opinions.accept(current_principal(), wire.require_id(request.id, "id"), request.note))

    def RejectOpinion(self, request, context):
        return _opinion(self.opinions.reject(current_principal(), wire.require_id(request.id, "id"), request.reason))

    def AnswerOpinion(self, request, context):
        return _opinion(self.opinions.answer(current_principal(), wire.require_id(request.id, "id"), request.answer))

    def TransferOpinion(self, request, context):
        opinion_id = wire.require_id(request.id, "id")
        deadline = wire.timestamp(request, "deadline", "deadline", required=True)
        return _opinion(self.opinions.transfer(current_principal(), opinion_id, request.department,
                                               request.department_name, deadline, request.note))

    def ReplyToTransfer(self, request, context):
        return _opinion(self.opinions.reply(current_principal(), wire.require_id(request.id, "id"), request.reply))

    def ConcludeOpinion(self, request, context):
        return _opinion(self.opinions.conclude(current_principal(), wire.require_id(request.id, "id"),
                                               request.resolved, request.note))

    def EscalateOpinion(self, request, context):
        return _opinion(self.opinions.escalate(current_principal(), wire.require_id(request.id, "id"), request.reason))

    def GiveFeedback(self, request, context):
        return _opinion(self.opinions.feedback(current_principal(), wire.require_id(request.id, "id"),
                                               request.feedback))

    def CloseOpinion(self, request, context):
        return _opinion(self.opinions.close(current_principal(), wire.require_id(request.id, "id"), request.note))

    # ---- the citizen's side ----
    def TrackOpinion(self, request, context):
        return convert.tracked_to_proto(self.opinions.track(request.tracking_code), self.runtime.regions)

    def RateOpinion(self, request, context):
        row = self.opinions.rate(current_principal(), request.tracking_code, request.rating, request.comment)
        return convert.tracked_to_proto(row, self.runtime.regions)
