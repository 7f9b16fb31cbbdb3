"""The livelihood projects of each year as evaluation learns them from supervision's events
(year_projects): ProjectOpened and ProjectPlanChanged carry the project as it stands (title,
year, lead department 主办, deadline, derived progress); ProgressReported its progress after
a report. The satisfaction vote rates a region's projects of a year from here, and knows from
the progress which were unfinished at year end. Upserts: a redelivered event leaves the same
row; regions this deployment does not serve are passed over.

A rectification is its project's lead department's to answer. A project adopted by a ballot
has none until the office sets its plan, so a rectification opened before then has none
either: when the project's lead department becomes known (or changes), each of its open
rectifications is addressed to it, a step in its history (DEPARTMENT_ASSIGNED); a completed
one stays with the department that completed it.

Use case: ListYearProjects, a region's projects of a year.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lianxin.supervision.v1 import events_pb2 as sev
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.evaluation import domain as d
from services.evaluation.access import ACCESS
from services.evaluation.rectification_history import add_step
from services.evaluation.satisfaction_tables import RectificationRow
from services.evaluation.store import EvaluationStore
from services.evaluation.tables import ProjectRow
from shared import paging, validation
from shared.auth import Principal
from shared.bus import Envelope
from shared.clock import now
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer
from shared.tenancy import Deployment


def _progress(text: str) -> Decimal:
    try:
        value = Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)
    return min(max(value, Decimal(0)), d.FINISHED) if value.is_finite() else Decimal(0)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class ProjectsHandler:
    def __init__(self, deployment: Deployment):
        self.deployment = deployment

    def _path(self, region_code: str) -> str | None:
        return self.deployment.served_path(region_code) if region_code in self.deployment.regions else None

    def _project(self, s: Session, p) -> None:
        path = self._path(p.region_code)
        if path is None or not p.id or len(p.id) > 36:
            return
        row = s.get(ProjectRow, p.id)
        if row is None:
            row = ProjectRow(id=p.id)
            s.add(row)
        lead = next((x for x in p.departments if x.role == int(d.DepartmentRole.LEAD)), None)
        row.region_code, row.region_path, row.year = p.region_code, path, p.year
        row.title, row.category = p.title[:d.MAX_TITLE], p.category[:20]
        row.progress, row.deadline = _progress(p.progress_percent), _day(p.deadline)
        row.lead_department = lead.department[:100] if lead else ""
        row.lead_department_name = lead.name if lead else ""
        row.updated_at = now()
        if row.lead_department:
            self._address(s, row)

    @staticmethod
    def _address(s: Session, project: ProjectRow) -> None:
        """The project's open rectifications addressed to its lead department, when they are not yet."""
        for r in s.scalars(select(RectificationRow).where(
                RectificationRow.project_id == project.id,
                RectificationRow.status != int(d.RectificationStatus.RECTIFIED),
                RectificationRow.department != project.lead_department).with_for_update()):
            r.department, r.department_name = project.lead_department, project.lead_department_name
            r.updated_at = now()
            add_step(s, r.id, d.RectificationStepKind.DEPARTMENT_ASSIGNED, by_subject="", by_role="", by_name="",
                     explanation="", plan="", due_date=None, department=project.lead_department,
                     department_name=project.lead_department_name)

    def opened(self, s: Session, e: sev.ProjectOpened, env: Envelope) -> None:
        self._project(s, e.project)

    def plan_changed(self, s: Session, e: sev.ProjectPlanChanged, env: Envelope) -> None:
        self._project(s, e.project)

    def progress(self, s: Session, e: sev.ProgressReported, env: Envelope) -> None:
        row = s.get(ProjectRow, e.project_id) if e.project_id and len(e.project_id) <= 36 else None
        if row is not None:
            row.progress, row.updated_at = _progress(e.progress_percent), now()

    def table(self) -> dict[type, EventHandler]:
        return {sev.ProjectOpened: self.opened, sev.ProjectPlanChanged: self.plan_changed,
                sev.ProgressReported: self.progress}


def projects_consumer(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"evaluation-projects-{runtime.settings.home_region}",
                          ProjectsHandler(runtime.deployment).table())


class YearProjects:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    def region_filter(self, who: Principal, code: str, field: str = "region_code") -> str:
        """A region a request names (empty: the caller's), inside the caller's region."""
        code = validation.region_code(code, field) if code else who.region
        self.regions.require(code, field)
        self.rt.deployment.require_home(code, field)
        self.regions.ensure_within(who.region, code)
        return code

    def list_projects(self, who: Principal, region_code: str, year: int,
             page: paging.Page) -> tuple[list[ProjectRow], int, str]:
        """A region's own projects of ``year`` by title, one page."""
        ACCESS.scope(who, "projects.read")
        code = self.region_filter(who, region_code)
        year = d.check_year(year)
        with self.rt.transaction() as s:
            return EvaluationStore(s).list_year_projects(self.regions.get(who.region).path, code, year, page)
