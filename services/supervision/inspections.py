"""Inspections (督导调研) of livelihood projects: scheduled by a tier's office or by deputies,
recorded once as held with the participants, findings and the problems found, each problem
then tracked until solved; counted per region and year (the seed: one county's office held
ten and more inspections, its townships a hundred and more, and 150 problems and more were
solved).

Each use case runs in one transaction and publishes its event with it. Scope: the office's
subtree; a deputy schedules inspections in their own region's subtree (a prefecture's deputy
in its counties too, as its office does; not above or beside it) and records and solves those
they scheduled, and reads those of their branch of the tree (one they may read but not change
is PERMISSION_DENIED). An inspection of a project is also kept in that project's history.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from services.supervision import convert
from services.supervision import domain as d
from services.supervision.access import ACCESS
from services.supervision.projects import Projects, on_branch
from services.supervision.store import SupervisionStore
from services.supervision.tables import InspectionRow, ParticipantRow, ProblemRow
from shared import paging, validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import china_day, china_today, now
from shared.errors import InvalidArgument, NotFound, PermissionDenied
from shared.service import Runtime


@dataclass
class Figures:
    region_code: str
    held: int = 0
    scheduled: int = 0
    problems_found: int = 0
    problems_solved: int = 0


@dataclass
class Counts:
    year: int
    own: Figures
    total: Figures
    children: list[Figures] = field(default_factory=list)


def rows_of(people: Sequence[d.Participant]) -> list[ParticipantRow]:
    return [ParticipantRow(position=i, deputy_id=p.deputy_id, name=p.name) for i, p in enumerate(people)]


class Inspections:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.projects = Projects(runtime)

    # ---- scope ----------------------------------------------------------------------------
    def _reads(self, who: Principal, row: InspectionRow) -> bool:
        scope = ACCESS.allows(who, "inspection.read")
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN and who.role is Role.DEPUTY:
            return on_branch(self.regions, who.region, row.region_code)
        return False

    def _owns(self, who: Principal, row: InspectionRow) -> bool:
        """A deputy's own inspection: scheduled by them, in the token's region."""
        return (row.created_role == Role.DEPUTY.value and row.created_by == who.subject
                and self.regions.contains(who.region, row.region_code))

    def in_scope(self, store: SupervisionStore, who: Principal, inspection_id: str, field_name: str, action: str,
                 *, for_update: bool = False) -> InspectionRow:
        scope = ACCESS.scope(who, action)
        row = store.inspection(inspection_id, field_name, for_update=for_update)
        if action == "inspection.manage" and scope is Scope.OWN:
            if not self._reads(who, row):
                raise NotFound("inspection", inspection_id, field_name)
            if not self._owns(who, row):
                raise PermissionDenied("a deputy records and solves the inspections they scheduled")
            return row
        if action == "inspection.manage":
            if not self.regions.contains(who.region, row.region_code):
                raise NotFound("inspection", inspection_id, field_name)
            return row
        if not self._reads(who, row):
            raise NotFound("inspection", inspection_id, field_name)
        return row

    # ---- steps ---------------------------------------------------------------------------------
    def schedule(self, who: Principal, region_code: str, project_id: str, title: str, scheduled_on: str,
                 participants: Sequence[d.Participant]) -> InspectionRow:
        """An inspection planned by the office or a deputy, in a region served here within the
        caller's; of a project the caller sees in that region's subtree, or of none. Participants
        are deputies by roster id (the portal picks them from the region's deputies) and others
        by name; supervision holds no roster, so evaluation credits an id only if its directory
        knows it as a deputy of the inspection's branch of the tree."""
        ACCESS.scope(who, "inspection.manage")
        code = validation.region_code(region_code, "region_code")
        self.regions.require(code, "region_code")
        self.rt.deployment.require_served(code, "region_code")
        self.regions.ensure_within(who.region, code)
        title = d.line(title, "title", max_len=d.MAX_TITLE, required=True)
        day = d.check_day(scheduled_on, "scheduled_on", required=True)
        people = d.check_participants(participants)
        with self.rt.transaction() as s:
            store = SupervisionStore(s)
            if project_id:
                project = self.projects.in_scope(store, who, project_id, "project_id", "project.read")
                if not self.regions.contains(code, project.region_code):
                    raise InvalidArgument("project_id", "is not a project of the inspection's region")
            at = now()
            assert day is not None
            row = InspectionRow(id=str(uuid.uuid4()), region_code=code, region_path=self.regions.get(code).path,
                                project_id=project_id or None, title=title, scheduled_on=day, held_on=None,
                                status=int(d.InspectionStatus.SCHEDULED), participants=rows_of(people), findings="",
                                created_by=who.subject[:100], created_role=who.role.value, created_name=who.name[:50],
                                recorded_by="", created_at=at, updated_at=at, problems=[])
            s.add(row)
            s.flush()
            self.rt.outbox.add(s, convert.inspection_scheduled(row), region=code)
            return row

    def record(self, who: Principal, inspection_id: str, held_on: str, participants: Sequence[d.Participant],
               findings: str,
               problems: Sequence[str]) -> InspectionRow:
        """The inspection as held (once): the day, who took part (those scheduled unless named
        again), the findings and each problem found, open until solved. ``held_on`` is a China
        day no later than today (INVALID_ARGUMENT otherwise): a record says what was done, and
        a day to come would credit its deputies' points and count it as held in a year not yet
        begun (scheduling a day to come is ScheduleInspection's)."""
        day = d.check_day(held_on, "held_on", required=True)
        assert day is not None
        if day > china_today():
            raise InvalidArgument("held_on", "is after today: record an inspection once held")
        people = d.check_participants(participants)
        findings = d.text(findings, "findings", max_len=d.MAX_FINDINGS)
        found = d.check_problems(problems)
        with self.rt.transaction() as s:
            store = SupervisionStore(s)
            row = self.in_scope(store, who, inspection_id, "id", "inspection.manage", for_update=True)
            d.check_record(d.InspectionStatus(row.status))
            if people:
                row.participants = rows_of(people)
            if not row.participants:
                raise InvalidArgument("participants", "name who took part")
            row.held_on, row.findings, row.status = day, findings, int(d.InspectionStatus.HELD)
            row.recorded_by, row.updated_at = who.subject[:100], now()
            row.problems = [ProblemRow(id=str(uuid.uuid4()), position=i, description=x,
                                       status=int(d.ProblemStatus.OPEN), solution="", solved_by="", solved_at=None)
                            for i, x in enumerate(found)]
            if row.project_id:
                project = store.project(row.project_id, "id", for_update=True)
                self.projects.change(project, "inspection", who, "",
                                     f"{row.title}（{day.isoformat() if day else ''}）：发现问题 {len(found)} 个")
            s.flush()
            self.rt.outbox.add(s, convert.inspection_recorded(row), region=row.region_code)
            return row

    def solve(self, who: Principal, inspection_id: str, problem_id: str, solution: str) -> InspectionRow:
        solution = d.text(solution, "solution", max_len=d.MAX_PROBLEM, required=True)
        with self.rt.transaction() as s:
            row = self.in_scope(SupervisionStore(s), who, inspection_id, "inspection_id", "inspection.manage",
                                for_update=True)
            p = next((x for x in row.problems if x.id == problem_id), None)
            if p is None:
                raise NotFound("problem", problem_id, "problem_id")
            d.check_solve(d.InspectionStatus(row.status), d.ProblemStatus(p.status))
            p.status, p.solution, p.solved_by, p.solved_at = int(d.ProblemStatus.SOLVED), solution, who.subject[:100], now()
            row.updated_at = now()
            s.flush()
            self.rt.outbox.add(s, convert.problem_solved(row, p), region=row.region_code)
            return row

    # ---- reading ---------------------------------------------------------------------------------
    def get(self, who: Principal, inspection_id: str) -> InspectionRow:
        with self.rt.transaction() as s:
            return self.in_scope(SupervisionStore(s), who, inspection_id, "id", "inspection.read")

    def list_inspections(self, who: Principal, region_code: str, project_id: str,
                         page: paging.Page) -> tuple[list[InspectionRow], int, str]:
        ACCESS.scope(who, "inspection.read")
        code = self.projects._region_filter(who, region_code)
        with self.rt.transaction() as s:
            store = SupervisionStore(s)
            if project_id:
                self.projects.in_scope(store, who, project_id, "project_id", "project.read")
            return store.list_inspections(self.regions.get(code).path, project_id, page)

    def counts(self, who: Principal, region_code: str, year: int) -> Counts:
        """Inspections held in ``year`` (and those scheduled for it, not yet held), the problems
        they found, and the problems solved in ``year``: the region's own, its subtree's, and per
        child region (its subtree), each counted in the inspection's region.

        A problem counts as solved in the year of the China day it was solved, whatever the
        year of the inspection that found it (found 20 December, solved 10 January: found in
        the first year, solved in the second). That is the rule of a standing committee's
        annual work report (工作报告: 本年开展督导调研 x 次、推动解决问题 y 个, the seed's
        "帮助解决……问题150余个"): a year's figures are the work done in that year, and they stay
        as reported once the year is over (counted in the inspection's year, a problem solved
        in January would change the figures of a year already reported). GetSupervisionStatistics
        counts by the same rule (rollup.py: ProblemSolved in the year of its solved_at)."""
        ACCESS.scope(who, "inspection.count")
        code = self.projects._region_filter(who, region_code)
        year = d.check_year(year)
        region = self.regions.get(code)
        children = {c.code: Figures(c.code) for c in self.regions.children(code)}
        own, total = Figures(code), Figures(code)
        with self.rt.transaction() as s:
            for row in SupervisionStore(s).inspections_of(region.path):
                held = row.status == int(d.InspectionStatus.HELD)
                when: date | None = row.held_on if held else row.scheduled_on
                this_year = when is not None and when.year == year
                solved = sum(p.status == int(d.ProblemStatus.SOLVED) and p.solved_at is not None
                             and china_day(p.solved_at).year == year for p in row.problems)
                if not this_year and not solved:
                    continue
                rest = row.region_path[len(region.path) + 1:]
                targets = [total, own if not rest else children.get(rest.split("/")[0], Figures(""))]
                for f in targets:
                    if this_year:
                        f.held += held
                        f.scheduled += not held
                        f.problems_found += len(row.problems)
                    f.problems_solved += solved
        return Counts(year=year, own=own, total=total, children=list(children.values()))
