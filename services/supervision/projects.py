"""Livelihood project files (民生实事项目): opened from a ballot (adoption.py) or by the office,
planned (departments, tasks, milestones, budget, deadline), reported on per milestone by their
departments, and rolled up per region and year.

Each use case runs in one transaction: resolve what the request names inside the caller's
scope (access.py), change the records, keep the change in the project's history (who, when,
before -> after) and write its event to the outbox, together. A refused call writes nothing.
A project the caller may not see is NOT_FOUND naming the field, exactly like an unknown id; a
region code outside the caller's region is PERMISSION_DENIED (region codes are public).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from services.supervision import convert
from services.supervision import domain as d
from services.supervision.access import ACCESS
from services.supervision.store import SupervisionStore
from services.supervision.tables import MilestoneRow, ProjectChangeRow, ProjectDepartmentRow, ProjectRow, TaskRow
from services.supervision.views import ProgrammeView
from shared import paging, validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import now
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from shared.service import Runtime


@dataclass(frozen=True)
class Opening:
    """A project file as it opens: from the office's request or from a ProjectAdopted event."""
    region_code: str
    year: int
    title: str
    category: str = ""
    description: str = ""
    budget_fen: int = 0
    deadline: date | None = None
    origin: d.ProjectOrigin = d.ProjectOrigin.DIRECT
    campaign_id: str = ""
    proposal_id: str | None = None
    funding_source: str = ""
    schedule: str = ""
    location_region: str = ""


@dataclass(frozen=True)
class Report:
    percent: int
    spent_fen: int
    evidence: str
    attachments: tuple[str, ...]


def on_branch(regions, a: str, b: str) -> bool:
    """Whether one of two regions contains the other (they stand on one branch of the tree)."""
    return regions.contains(a, b) or regions.contains(b, a)


class Projects:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    # ---- scope ----------------------------------------------------------------------------
    def sees(self, who: Principal, row: ProjectRow, action: str) -> bool:
        scope = ACCESS.allows(who, action)
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN and who.role is Role.DEPARTMENT:
            return row.region_code == who.region and any(x.department == who.subject for x in row.departments)
        if scope is Scope.OWN and who.role is Role.DEPUTY:
            return on_branch(self.regions, who.region, row.region_code)
        return False

    def in_scope(self, store: SupervisionStore, who: Principal, project_id: str, field: str, action: str,
                 *, for_update: bool = False) -> ProjectRow:
        """The project a request names, for ``action`` (the role is checked first:
        PERMISSION_DENIED); NOT_FOUND naming ``field`` when it does not exist or lies outside
        the caller's scope."""
        ACCESS.scope(who, action)
        row = store.project(project_id, field, for_update=for_update)
        if not self.sees(who, row, action):
            raise NotFound("project", project_id, field)
        return row

    def _region_filter(self, who: Principal, code: str, field: str = "region_code") -> str:
        code = validation.region_code(code, field) if code else who.region
        self.regions.require(code, field)
        self.rt.deployment.require_home(code, field)
        self.regions.ensure_within(who.region, code)
        return code

    # ---- history ----------------------------------------------------------------------------
    @staticmethod
    def change(row: ProjectRow, action: str, who: Principal | None, before: str, after: str) -> ProjectChangeRow:
        """Keeps one change in the project's history; ``who`` None: balloting's event."""
        at = now()
        row.updated_at = at
        c = ProjectChangeRow(action=action, before=before, after=after,
                             actor=who.subject[:100] if who else "balloting",
                             actor_role=who.role.value if who else "system",
                             actor_name=who.name[:50] if who else "票决结果", at=at)
        row.history.append(c)
        return c

    # ---- opening ------------------------------------------------------------------------------
    def open(self, s: Session, o: Opening, who: Principal | None, plan: d.Plan | None = None) -> ProjectRow:
        at = now()
        row = ProjectRow(id=str(uuid.uuid4()), region_code=o.region_code,
                         region_path=self.regions.get(o.region_code).path, year=o.year, title=o.title,
                         category=o.category, description=o.description, origin=int(o.origin),
                         campaign_id=o.campaign_id, proposal_id=o.proposal_id, funding_source=o.funding_source,
                         schedule=o.schedule, location_region=o.location_region, budget_fen=o.budget_fen,
                         deadline=o.deadline, created_at=at, updated_at=at, departments=[], tasks=[],
                         milestones=[], history=[])
        s.add(row)
        if plan is not None:
            self._apply_plan(row, plan)
        source = "票决通过" if o.origin is d.ProjectOrigin.BALLOT else "直接立项"
        self.change(row, "opened", who, "", f"{source}：{o.title}，预算 {d.yuan(o.budget_fen)} 元，"
                                            f"完成时限 {o.deadline.isoformat() if o.deadline else '未定'}")
        s.flush()
        self.rt.outbox.add(s, convert.project_opened(row), region=row.region_code)
        return row

    def create(self, who: Principal, region_code: str, year: int, title: str, category: str, description: str,
               budget_fen: int, deadline: str, plan: d.Plan) -> ProjectRow:
        """A project file the office opens directly (tiers or years that voted before this
        platform): region served here and within the caller's, a lead department, a deadline."""
        ACCESS.scope(who, "project.manage")
        code = validation.region_code(region_code, "region_code")
        self.regions.require(code, "region_code")
        self.rt.deployment.require_served(code, "region_code")
        self.regions.ensure_within(who.region, code)
        o = Opening(region_code=code, year=d.check_year(year),
                    title=d.line(title, "title", max_len=d.MAX_TITLE, required=True),
                    category=d.line(category, "category", max_len=d.MAX_CATEGORY, required=True),
                    description=d.text(description, "description", max_len=d.MAX_DESCRIPTION),
                    budget_fen=d.check_fen(budget_fen, "budget_fen"),
                    deadline=d.check_day(deadline, "deadline", required=True))
        plan = d.check_plan(plan)
        self._check_due_dates(plan, o.deadline, o.year)
        for i, m in enumerate(plan.milestones):
            if m.id:
                raise NotFound("milestone", m.id, f"milestones[{i}].id")
        with self.rt.transaction() as s:
            return self.open(s, o, who, plan)

    # ---- reading ------------------------------------------------------------------------------
    def get(self, who: Principal, project_id: str) -> ProjectRow:
        with self.rt.transaction() as s:
            return self.in_scope(SupervisionStore(s), who, project_id, "id", "project.read")

    def list_projects(self, who: Principal, region_code: str, year: int,
                      page: paging.Page) -> tuple[list[ProjectRow], int, str]:
        """Projects of a region's subtree (the caller's region by default); a department lists
        only those where it is lead or co-department."""
        ACCESS.scope(who, "project.read")
        code = self._region_filter(who, region_code)
        if year:
            d.check_year(year)
        dept = (who.subject, who.region) if who.role is Role.DEPARTMENT else None
        with self.rt.transaction() as s:
            return SupervisionStore(s).list_projects(self.regions.get(code).path, year, page, dept)

    def programme(self, who: Principal, region_code: str, year: int) -> ProgrammeView:
        """A region's programme of a year: its own and its subtree's projects, each with its
        derived progress, and their mean (a parent shows its children's)."""
        ACCESS.scope(who, "programme.read")
        code = self._region_filter(who, region_code)
        year = d.check_year(year)
        with self.rt.transaction() as s:
            rows = SupervisionStore(s).programme(self.regions.get(code).path, year)
            shown = tuple((r, convert.progress_of(r)) for r in rows)
            return ProgrammeView(region_code=code, year=year, projects=shown,
                                 progress=d.rolled_up([p for _, p in shown]),
                                 finished=sum(1 for _, p in shown if d.finished(p)),
                                 budget_fen=sum(r.budget_fen for r in rows),
                                 spent_fen=sum(m.spent_fen for r in rows for m in r.milestones))

    # ---- the plan -----------------------------------------------------------------------------
    @staticmethod
    def _check_due_dates(plan: d.Plan, deadline: date | None, year: int | None) -> None:
        """The deadline and every milestone's due day fall in or after the project's year (a
        mistyped year must not issue letters at once), and no milestone after the deadline.
        A project entered late for an earlier year keeps its past days (its milestones may be
        late indeed): only days before 1 January of its own year are refused."""
        start = date(year, 1, 1) if year else None
        if start is not None and deadline is not None and deadline < start:
            raise InvalidArgument("deadline", f"is before 1 January of the project's year {year}")
        for i, m in enumerate(plan.milestones):
            if not isinstance(m.due_date, date):
                continue
            if start is not None and m.due_date < start:
                raise InvalidArgument(f"milestones[{i}].due_date", f"is before 1 January of the project's year {year}")
            if deadline is not None and m.due_date > deadline:
                raise InvalidArgument(f"milestones[{i}].due_date", "is after the project's deadline")

    @staticmethod
    def _plan_of(row: ProjectRow) -> d.Plan:
        return d.Plan(
            departments=tuple(d.Department(x.department, x.name, d.DepartmentRole(x.role), x.responsible_person)
                              for x in row.departments),
            tasks=tuple(d.Task(x.title, x.department) for x in row.tasks),
            milestones=tuple(d.MilestonePlan(m.id, m.title, m.due_date, m.weight) for m in row.milestones))

    def _apply_plan(self, row: ProjectRow, plan: d.Plan) -> None:
        row.departments = [ProjectDepartmentRow(department=x.department, position=i, name=x.name, role=int(x.role),
                                                responsible_person=x.responsible_person)
                           for i, x in enumerate(plan.departments)]
        row.tasks = [TaskRow(position=i, title=x.title, department=x.department) for i, x in enumerate(plan.tasks)]
        kept = {m.id: m for m in row.milestones}
        out = []
        for i, p in enumerate(plan.milestones):
            m = kept.get(p.id) if p.id else None
            if m is None:
                m = MilestoneRow(id=str(uuid.uuid4()), percent=0, spent_fen=0, evidence="", attachments="",
                                 reported_at=None, reported_by="")
            m.position, m.title, m.weight = i, p.title, p.weight
            assert isinstance(p.due_date, date)
            m.due_date = p.due_date
            out.append(m)
        row.milestones = out

    def set_plan(self, who: Principal, project_id: str, plan: d.Plan, budget_fen: int, deadline: str,
                 note: str) -> ProjectRow:
        """The office sets or changes a project's departments, tasks, milestones, budget and
        deadline. Milestones named by id keep their reported progress; one with progress
        reported cannot be dropped (FAILED_PRECONDITION); an id not of the project is NOT_FOUND.
        Each part that changed is one entry of the history, before -> after."""
        plan = d.check_plan(plan)
        budget_fen = d.check_fen(budget_fen, "budget_fen")
        day = d.check_day(deadline, "deadline", required=True)
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        self._check_due_dates(plan, day, None)
        with self.rt.transaction() as s:
            row = self.in_scope(SupervisionStore(s), who, project_id, "id", "project.manage", for_update=True)
            self._check_due_dates(plan, day, row.year)
            ids = {m.id for m in row.milestones}
            for i, m in enumerate(plan.milestones):
                if m.id and m.id not in ids:
                    raise NotFound("milestone", m.id, f"milestones[{i}].id")
            named = {m.id for m in plan.milestones}
            for old in row.milestones:
                if old.id not in named and old.reported_at is not None:
                    raise FailedPrecondition(f"milestones: {old.title} has progress reported and cannot be dropped")
            before = self._plan_of(row)
            parts = [("departments", d.departments_text(before.departments), d.departments_text(plan.departments)),
                     ("tasks", d.tasks_text(before.tasks), d.tasks_text(plan.tasks)),
                     ("milestones", d.milestones_text(before.milestones), d.milestones_text(plan.milestones)),
                     ("budget", d.yuan(row.budget_fen) + " 元", d.yuan(budget_fen) + " 元"),
                     ("deadline", row.deadline.isoformat() if row.deadline else "", day.isoformat() if day else "")]
            if note:
                parts.append(("note", "", note))
            self._apply_plan(row, plan)
            row.budget_fen, row.deadline = budget_fen, day
            changes = [self.change(row, action, who, b, a) for action, b, a in parts if b != a]
            if not changes:
                return row
            s.flush()
            self.rt.outbox.add(s, convert.plan_changed(row, changes), region=row.region_code)
            return row

    # ---- progress -----------------------------------------------------------------------------
    def report(self, who: Principal, project_id: str, milestone_id: str, r: Report) -> ProjectRow:
        """A milestone's progress (percent, spend to date, evidence, attachments by reference)
        from a lead or co-department of the project (or the office on its behalf); the
        project's progress follows from the weights."""
        r = Report(percent=d.check_percent(r.percent), spent_fen=d.check_fen(r.spent_fen, "spent_fen"),
                   evidence=d.text(r.evidence, "evidence", max_len=d.MAX_EVIDENCE),
                   attachments=d.check_attachments(r.attachments))
        with self.rt.transaction() as s:
            row = self.in_scope(SupervisionStore(s), who, project_id, "project_id", "project.report",
                                for_update=True)
            m = next((x for x in row.milestones if x.id == milestone_id), None)
            if m is None:
                raise NotFound("milestone", milestone_id, "milestone_id")
            before = f"{m.title}：{d.progress_text(m.percent, m.spent_fen)}"
            m.percent, m.spent_fen, m.evidence = r.percent, r.spent_fen, r.evidence
            m.attachments = "\n".join(r.attachments)
            m.reported_at, m.reported_by = now(), who.subject[:100]
            c = self.change(row, "progress", who, before, f"{m.title}：{d.progress_text(r.percent, r.spent_fen)}")
            s.flush()
            self.rt.outbox.add(s, convert.progress_reported(row, m, c), region=row.region_code)
            return row
