"""SupervisionService over gRPC: translate the request, call the use case, return its answer.
Wire-level checks (ids, enums, pages) happen here, before any use case runs, so a malformed
call never reaches the database."""
from __future__ import annotations

from functools import cached_property

from lianxin.supervision.v1 import supervision_pb2 as pb
from lianxin.supervision.v1 import supervision_pb2_grpc

from services.supervision import bills_domain as b
from services.supervision import convert, rollup
from services.supervision import domain as d
from services.supervision.bills import Items
from services.supervision.inspections import Inspections
from services.supervision.letters import Letters
from services.supervision.organ_meetings import OrganMeetings
from services.supervision.projects import Projects, Report
from services.supervision.tables import IDEMPOTENT
from shared import paging, wire
from shared.errors import InvalidArgument
from shared.info import service_info
from shared.rpc import current_principal
from shared.service import Runtime


def participants(given) -> list[d.Participant]:
    """An inspection's participants as the request names them: a deputy's id, when given, a
    valid id (``participants[i].deputy_id``)."""
    return [d.Participant(wire.optional_id(p.deputy_id, f"participants[{i}].deputy_id"), p.name)
            for i, p in enumerate(given)]


class SupervisionServicer(supervision_pb2_grpc.SupervisionServiceServicer):
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    @cached_property
    def projects(self) -> Projects:
        return Projects(self.runtime)

    @cached_property
    def inspections(self) -> Inspections:
        return Inspections(self.runtime)

    @cached_property
    def letters(self) -> Letters:
        return Letters(self.runtime)

    @cached_property
    def items(self) -> Items:
        return Items(self.runtime)

    @cached_property
    def organ_meetings(self) -> OrganMeetings:
        return OrganMeetings(self.runtime)

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)

    # ---- projects ----
    @IDEMPOTENT.create(pb.Project)
    def CreateProject(self, request, context):
        plan = convert.plan(request.departments, request.tasks, request.milestones)
        return convert.project_to_proto(self.projects.create(
            current_principal(), request.region_code, request.year, request.title, request.category,
            request.description, request.budget_fen, request.deadline, plan))

    def GetProject(self, request, context):
        return convert.project_to_proto(self.projects.get(current_principal(), wire.require_id(request.id, "id")))

    def ListProjects(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        rows, total, token = self.projects.list_projects(who, request.region_code, request.year, page)
        return pb.ListProjectsResponse(projects=[convert.project_to_proto(r) for r in rows], next_page_token=token,
                                       total_size=total)

    def SetProjectPlan(self, request, context):
        project_id = wire.require_id(request.id, "id")
        plan = convert.plan(request.departments, request.tasks, request.milestones)
        return convert.project_to_proto(self.projects.set_plan(current_principal(), project_id, plan,
                                                               request.budget_fen, request.deadline, request.note))

    def ReportProgress(self, request, context):
        project_id = wire.require_id(request.project_id, "project_id")
        milestone_id = wire.require_id(request.milestone_id, "milestone_id")
        report = Report(percent=request.percent, spent_fen=request.spent_fen, evidence=request.evidence,
                        attachments=tuple(request.attachments))
        return convert.project_to_proto(self.projects.report(current_principal(), project_id, milestone_id, report))

    def GetProgramme(self, request, context):
        return convert.programme_to_proto(self.projects.programme(current_principal(), request.region_code,
                                                                  request.year))

    # ---- inspections ----
    @IDEMPOTENT.create(pb.Inspection)
    def ScheduleInspection(self, request, context):
        project_id = wire.optional_id(request.project_id, "project_id")
        return convert.inspection_to_proto(self.inspections.schedule(
            current_principal(), request.region_code, project_id, request.title, request.scheduled_on,
            participants(request.participants)))

    def RecordInspection(self, request, context):
        inspection_id = wire.require_id(request.id, "id")
        return convert.inspection_to_proto(self.inspections.record(
            current_principal(), inspection_id, request.held_on, participants(request.participants), request.findings,
            list(request.problems)))

    def SolveProblem(self, request, context):
        inspection_id = wire.require_id(request.inspection_id, "inspection_id")
        problem_id = wire.require_id(request.problem_id, "problem_id")
        return convert.inspection_to_proto(self.inspections.solve(current_principal(), inspection_id, problem_id,
                                                                  request.solution))

    def GetInspection(self, request, context):
        return convert.inspection_to_proto(self.inspections.get(current_principal(),
                                                                wire.require_id(request.id, "id")))

    def ListInspections(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        project_id = wire.optional_id(request.project_id, "project_id")
        rows, total, token = self.inspections.list_inspections(who, request.region_code, project_id, page)
        return pb.ListInspectionsResponse(inspections=[convert.inspection_to_proto(r) for r in rows],
                                          next_page_token=token, total_size=total)

    def GetInspectionCounts(self, request, context):
        return convert.counts_to_proto(self.inspections.counts(current_principal(), request.region_code,
                                                               request.year))

    # ---- reminder letters ----
    def ListLetters(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        project_id = wire.optional_id(request.project_id, "project_id")
        item_id = wire.optional_id(request.item_id, "item_id")
        rows, total, token = self.letters.list_letters(who, request.region_code, project_id, page, item_id)
        return pb.ListLettersResponse(letters=[convert.letter_to_proto(r) for r in rows], next_page_token=token,
                                      total_size=total)

    def GetLetter(self, request, context):
        return convert.letter_to_proto(self.letters.get(current_principal(), wire.require_id(request.id, "id")),
                                       with_document=True)

    # ---- deputies' bills and suggestions (议案建议) ----
    @IDEMPOTENT.create(pb.DeputyItem)
    def SubmitItem(self, request, context):
        kind = wire.enum_value(b.ItemKind, request.requested_kind, "requested_kind", required=False)
        ids = [wire.require_id(x, f"co_signer_ids[{i}]") for i, x in enumerate(request.co_signer_ids)]
        return convert.item_to_proto(self.items.submit(current_principal(), request.title, request.content,
                                                       request.category, kind, ids))

    def CoSignItem(self, request, context):
        return convert.item_to_proto(self.items.co_sign(current_principal(), wire.require_id(request.id, "id")))

    def RegisterItem(self, request, context):
        item_id = wire.require_id(request.id, "id")
        kind = wire.enum_value(b.ItemKind, request.kind, "kind", required=True)
        return convert.item_to_proto(self.items.register(current_principal(), item_id, kind, request.note))

    def AssignItem(self, request, context):
        item_id = wire.require_id(request.id, "id")
        depts = convert.plan(request.departments, [], []).departments
        return convert.item_to_proto(self.items.assign(current_principal(), item_id, depts, request.deadline))

    def RecordFourInPlace(self, request, context):
        item_id = wire.require_id(request.id, "id")
        four = b.check_four_in_place(request.plan, request.measures, request.target, request.time_limit)
        return convert.item_to_proto(self.items.record_four(current_principal(), item_id, four))

    def RecordItemMeeting(self, request, context):
        item_id = wire.require_id(request.id, "id")
        stage = wire.enum_value(b.MeetingStage, request.stage, "stage", required=True)
        form = wire.enum_value(b.MeetingForm, request.form, "form", required=True)
        return convert.item_to_proto(self.items.record_meeting(current_principal(), item_id, stage, request.held_on,
                                                               form, request.notes))

    def ReplyItem(self, request, context):
        item_id = wire.require_id(request.id, "id")
        reply_class = wire.enum_value(b.ReplyClass, request.reply_class, "reply_class", required=True)
        return convert.item_to_proto(self.items.reply(current_principal(), item_id, reply_class, request.text))

    def RateItemReply(self, request, context):
        item_id = wire.require_id(request.id, "id")
        rating = wire.enum_value(b.ReplyRating, request.rating, "rating", required=True)
        return convert.item_to_proto(self.items.rate(current_principal(), item_id, rating, request.comment))

    def GetItem(self, request, context):
        return convert.item_to_proto(self.items.get(current_principal(), wire.require_id(request.id, "id")))

    def ListItems(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        status = wire.enum_value(b.ItemStatus, request.status, "status", required=False)
        rows, total, token = self.items.list_items(who, request.region_code, request.year, status, page)
        return pb.ListItemsResponse(items=[convert.item_to_proto(r) for r in rows], next_page_token=token,
                                    total_size=total)

    def GetItemRules(self, request, context):
        return convert.item_rules_to_proto(self.items.get_rules(current_principal(), request.region_code))

    def SetItemRules(self, request, context):
        if not request.HasField("rules"):
            raise InvalidArgument("rules", "is required")
        r = request.rules
        return convert.item_rules_to_proto(self.items.set_rules(current_principal(), r.region_code,
                                                                r.bill_signers_required, r.handling_months,
                                                                r.rehandling_months))

    # ---- meetings with heads of state organs (约见) ----
    @IDEMPOTENT.create(pb.OrganMeeting)
    def RequestOrganMeeting(self, request, context):
        return convert.organ_meeting_to_proto(self.organ_meetings.request(current_principal(), request.organ,
                                                                          request.subject, request.reason))

    def ArrangeOrganMeeting(self, request, context):
        meeting_id = wire.require_id(request.id, "id")
        return convert.organ_meeting_to_proto(self.organ_meetings.arrange(
            current_principal(), meeting_id, request.meeting_on, request.organ, request.head_name, request.head_post))

    def RecordOrganMeeting(self, request, context):
        meeting_id = wire.require_id(request.id, "id")
        return convert.organ_meeting_to_proto(self.organ_meetings.record(current_principal(), meeting_id,
                                                                         request.outcome, request.follow_up,
                                                                         request.no_follow_up))

    def CompleteOrganMeetingFollowUp(self, request, context):
        meeting_id = wire.require_id(request.id, "id")
        return convert.organ_meeting_to_proto(self.organ_meetings.complete(current_principal(), meeting_id,
                                                                           request.result))

    def GetOrganMeeting(self, request, context):
        return convert.organ_meeting_to_proto(self.organ_meetings.get(current_principal(),
                                                                      wire.require_id(request.id, "id")))

    def ListOrganMeetings(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        status = wire.enum_value(b.OrganMeetingStatus, request.status, "status", required=False)
        rows, total, token = self.organ_meetings.list_meetings(who, request.region_code, status, page)
        return pb.ListOrganMeetingsResponse(meetings=[convert.organ_meeting_to_proto(r) for r in rows],
                                            next_page_token=token, total_size=total)
    def AnswerLetter(self, request, context):
        return convert.letter_to_proto(self.letters.answer(current_principal(), wire.require_id(request.id, "id"),
                                                           request.answer, request.answered_on))

    # ---- statistics ----
    def GetSupervisionStatistics(self, request, context):
        return convert.statistics_to_proto(rollup.statistics(self.runtime, current_principal(), request.region_code,
                                                             request.year))
