"""SupervisionService over gRPC: translate the request, call the use case, return its answer.
Wire-level checks (ids, enums, pages) happen here, before any use case runs, so a malformed
call never reaches the database."""
from __future__ import annotations

from functools import cached_property

from lianxin.supervision.v1 import supervision_pb2 as pb
from lianxin.supervision.v1 import supervision_pb2_grpc

from services.supervision import convert
from services.supervision.inspections import Inspections
from services.supervision.letters import Letters
from services.supervision.projects import Projects, Report
from services.supervision.tables import IDEMPOTENT
from shared import paging, wire
from shared.info import service_info
from shared.rpc import current_principal
from shared.service import Runtime


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
            list(request.participants)))

    def RecordInspection(self, request, context):
        inspection_id = wire.require_id(request.id, "id")
        return convert.inspection_to_proto(self.inspections.record(
            current_principal(), inspection_id, request.held_on, list(request.participants), request.findings,
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
        rows, total, token = self.letters.list_letters(who, request.region_code, project_id, page)
        return pb.ListLettersResponse(letters=[convert.letter_to_proto(r) for r in rows], next_page_token=token,
                                      total_size=total)

    def GetLetter(self, request, context):
        return convert.letter_to_proto(self.letters.get(current_principal(), wire.require_id(request.id, "id")),
                                       with_document=True)
