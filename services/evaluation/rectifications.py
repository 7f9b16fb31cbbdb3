"""Rectification (整改) of the projects a published vote rated 不满意 or found unfinished at year
end, and inquiries (询问) and interpellations (质询) on them.

A rectification is the lead department's (主办) to answer: its written explanation (书面说明)
and plan (整改方案) with the day it will be done, then the report of what was done; the office
(and integrating systems) may enter either on its behalf. A sweep (every
``rectification_sweep_interval``) publishes one RectificationOverdue per lateness (the plan
past ``plan_due``, the rectification past the plan's day), which supervision turns into a
reminder letter (提醒督办函) to the department. Time comes from shared.clock.

Staff open an inquiry or interpellation on a rectification, naming the organ questioned and
the questions, and record the answers and the follow-up.
"""
from __future__ import annotations

import uuid
from datetime import date

import structlog
from sqlalchemy import func, select

from services.evaluation import domain as d
from services.evaluation import settings as evaluation_settings
from services.evaluation.access import ACCESS
from services.evaluation.convert import satisfaction as convert
from services.evaluation.projects import YearProjects
from services.evaluation.rectification_history import add_step, history
from services.evaluation.satisfaction_tables import InquiryRow, RectificationRow, RectificationStepRow
from services.evaluation.store import in_subtree
from shared import paging
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import china_day, china_today, now
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from shared.service import Runtime, Timer


def lateness(r: RectificationRow, today: date) -> tuple[str, int, str] | None:
    """(kind, days late, what is late) of a rectification on ``today``, or None."""
    why = "年底满意度测评为不满意" if r.verdict == int(d.Rating.UNSATISFIED) else "当年未完成"
    if r.status == int(d.RectificationStatus.REQUIRED) and today > r.plan_due:
        days = (today - r.plan_due).days
        return "plan", days, f"{why}，书面说明和整改方案应于{d.day_text(r.plan_due)}前报送，已逾期{days}天"
    if r.status == int(d.RectificationStatus.PLANNED) and r.due_date is not None and today > r.due_date:
        days = (today - r.due_date).days
        return "completion", days, f"{why}，整改应于{d.day_text(r.due_date)}前完成，已逾期{days}天"
    return None


class Rectifications:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.projects = YearProjects(runtime)

    # ---- scope ----------------------------------------------------------------------------------
    def _sees(self, who: Principal, row: RectificationRow, action: str) -> bool:
        scope = ACCESS.allows(who, action)
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN and who.role is Role.DEPARTMENT:
            return row.department == who.subject and row.region_code == who.region
        return False

    def in_scope(self, s, who: Principal, rect_id: str, field: str, action: str, *,
                 for_update: bool = False) -> RectificationRow:
        ACCESS.scope(who, action)
        q = select(RectificationRow).where(RectificationRow.id == rect_id)
        row = s.scalars(q.with_for_update() if for_update else q).first()
        if row is None or not self._sees(who, row, action):
            raise NotFound("rectification", rect_id, field)
        return row

    # ---- reading ----------------------------------------------------------------------------------
    def get(self, who: Principal, rect_id: str) -> tuple[RectificationRow, list[RectificationStepRow]]:
        """The rectification and its history, oldest first."""
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, rect_id, "id", "rectification.read")
            return row, history(s, row.id)

    def list_rectifications(self, who: Principal, region_code: str, year: int,
             page: paging.Page) -> tuple[list[RectificationRow], int, str]:
        """A subtree's rectifications (of ``year`` unless 0), by region, year, id; a
        department's own only."""
        ACCESS.scope(who, "rectification.read")
        code = self.projects.region_filter(who, region_code)
        if year:
            d.check_year(year)
        with self.rt.transaction() as s:
            where = [in_subtree(RectificationRow.region_path, self.regions.get(code).path)]
            if year:
                where.append(RectificationRow.year == year)
            if who.role is Role.DEPARTMENT:
                where += [RectificationRow.department == who.subject, RectificationRow.region_code == who.region]
            total = s.scalar(select(func.count()).select_from(RectificationRow).where(*where)) or 0
            order = [(RectificationRow.region_path, paging.ASC), (RectificationRow.year, paging.ASC),
                     (RectificationRow.id, paging.ASC)]
            rows, token = paging.take(page, list(s.scalars(paging.keyset(select(RectificationRow).where(*where),
                                                                         order, page))),
                                      lambda r: (r.region_path, r.year, r.id))
            return rows, total, token

    # ---- the department's answer ------------------------------------------------------------------
    def submit_plan(self, who: Principal, rect_id: str, explanation: str, plan: str,
                    due: str) -> tuple[RectificationRow, list[RectificationStepRow]]:
        """The written explanation and the plan, with the day it will be done (not before
        today). Submitted again while not yet rectified, it replaces the earlier one on the
        rectification; each submission is kept in its history as submitted (who, when, what).
        The plan in force sent again unchanged is a retry: it changes nothing."""
        explanation = d.text(explanation, "explanation", max_len=d.MAX_TEXT, required=True)
        plan = d.text(plan, "plan", max_len=d.MAX_TEXT, required=True)
        due_date = d.check_day(due, "due_date", required=True)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, rect_id, "id", "rectification.answer", for_update=True)
            if row.status == int(d.RectificationStatus.RECTIFIED):
                raise FailedPrecondition("the rectification is completed")
            if due_date is not None and due_date < china_day(now()):
                raise InvalidArgument("due_date", "the day it will be done cannot be past")
            if (row.status == int(d.RectificationStatus.PLANNED)
                    and (row.explanation, row.plan, row.due_date) == (explanation, plan, due_date)):
                # The same plan sent again (a retried call, a form posted twice): nothing new to
                # keep, so no second version in the history and no second event.
                return row, history(s, row.id)
            at = now()
            row.explanation, row.plan, row.due_date = explanation, plan, due_date
            row.status, row.submitted_at, row.updated_at = int(d.RectificationStatus.PLANNED), at, at
            add_step(s, row.id, d.RectificationStepKind.PLAN_SUBMITTED, by_subject=who.subject[:100],
                     by_role=who.role.value[:20], by_name=who.name[:50], explanation=explanation, plan=plan,
                     due_date=due_date, department="", department_name="")
            s.flush()
            self.rt.outbox.add(s, convert.plan_submitted(row), region=row.region_code)
            return row, history(s, row.id)

    def complete(self, who: Principal, rect_id: str, report: str) -> tuple[RectificationRow, list[RectificationStepRow]]:
        """What was done: the rectification is complete (after its plan)."""
        report = d.text(report, "report", max_len=d.MAX_TEXT, required=True)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, rect_id, "id", "rectification.answer", for_update=True)
            if row.status != int(d.RectificationStatus.PLANNED):
                raise FailedPrecondition("submit the explanation and plan first" if row.status ==
                                         int(d.RectificationStatus.REQUIRED) else "the rectification is completed")
            at = now()
            row.report, row.status, row.completed_at, row.updated_at = (
                report, int(d.RectificationStatus.RECTIFIED), at, at)
            s.flush()
            self.rt.outbox.add(s, convert.rectification_completed(row), region=row.region_code)
            return row, history(s, row.id)

    # ---- reminders ----------------------------------------------------------------------------------
    def sweep(self) -> int:
        """One pass: a RectificationOverdue for each lateness not reminded yet; returns how many."""
        today = china_day(now())
        sent = 0
        with self.rt.transaction() as s:
            home = self.regions.get(self.rt.settings.home_region).path
            for row in s.scalars(select(RectificationRow).where(
                    in_subtree(RectificationRow.region_path, home),
                    RectificationRow.status != int(d.RectificationStatus.RECTIFIED)).with_for_update()):
                late = lateness(row, today)
                if late is None or not self.rt.deployment.serves(row.region_code):
                    continue
                kind, days, what = late
                key = f"{kind}:{(row.plan_due if kind == 'plan' else row.due_date)}"
                done = [x for x in row.reminders.split("\n") if x]
                if key in done:
                    continue
                row.reminders = "\n".join([*done, key])
                s.flush()
                self.rt.outbox.add(s, convert.rectification_overdue(row, kind, days, what), region=row.region_code)
                sent += 1
        if sent:
            structlog.get_logger().info("evaluation.rectification_reminders", count=sent)
        return sent


def reminder_timer(runtime: Runtime) -> Timer:
    return Timer(name="rectification-sweep",
                 every_seconds=evaluation_settings.of(runtime).rectification_sweep_interval,
                 run=Rectifications(runtime).sweep)


class Inquiries:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.rectifications = Rectifications(runtime)
        self.projects = YearProjects(runtime)

    def open(self, who: Principal, rect_id: str, kind: d.InquiryKind, organ: str, questions: list[str],
             held_on: str) -> tuple[InquiryRow, str]:
        organ = d.line(organ, "organ", max_len=d.MAX_ORGAN, required=True)
        items = d.check_items(questions, "questions", required=True)
        day = d.check_day(held_on, "held_on", required=True)
        assert day is not None
        # A record of a meeting that took place (as a 述职 or an inspection): not a schedule, so
        # answers are never entered for a meeting still to come.
        if day > china_today():
            raise InvalidArgument("held_on", "is a day still to come: record an inquiry on or after the day it is held")
        with self.rt.transaction() as s:
            r = self.rectifications.in_scope(s, who, rect_id, "rectification_id", "inquiry.manage")
            row = InquiryRow(id=str(uuid.uuid4()), rectification_id=r.id, project_id=r.project_id,
                             region_code=r.region_code, region_path=r.region_path, kind=int(kind), organ=organ,
                             questions="\n\n".join(items), answers="", follow_up="",
                             status=int(d.InquiryStatus.OPEN), held_on=day, opened_by=who.subject[:100],
                             opened_by_name=who.name[:50], opened_at=now(), answered_at=None)
            s.add(row)
            s.flush()
            self.rt.outbox.add(s, convert.inquiry_opened(row, r.title), region=row.region_code)
            return row, r.title

    def _in_scope(self, s, who: Principal, inquiry_id: str, field: str, action: str) -> InquiryRow:
        ACCESS.scope(who, action)
        row = s.get(InquiryRow, inquiry_id, with_for_update=action == "inquiry.manage")
        if row is None or not self.regions.contains(who.region, row.region_code):
            raise NotFound("inquiry", inquiry_id, field)
        return row

    def answer(self, who: Principal, inquiry_id: str, answers: list[str], follow_up: str,
               close: bool) -> tuple[InquiryRow, str]:
        """The organ's answers (replacing any recorded before) and the follow-up; ``close``
        when the follow-up is done (no change after)."""
        items = d.check_items(answers, "answers", required=True)
        follow_up = d.text(follow_up, "follow_up", max_len=d.MAX_TEXT)
        with self.rt.transaction() as s:
            row = self._in_scope(s, who, inquiry_id, "id", "inquiry.manage")
            if row.status == int(d.InquiryStatus.CLOSED):
                raise FailedPrecondition("the inquiry is closed")
            row.answers, row.follow_up, row.answered_at = "\n\n".join(items), follow_up, now()
            row.status = int(d.InquiryStatus.CLOSED if close else d.InquiryStatus.ANSWERED)
            title = self._title(s, row)
            s.flush()
            self.rt.outbox.add(s, convert.inquiry_answered(row, title), region=row.region_code)
            return row, title

    @staticmethod
    def _title(s, row: InquiryRow) -> str:
        r = s.get(RectificationRow, row.rectification_id)
        return r.title if r else ""

    def list_inquiries(self, who: Principal, region_code: str, rect_id: str,
             page: paging.Page) -> tuple[list[tuple[InquiryRow, str]], int, str]:
        ACCESS.scope(who, "inquiry.read")
        code = self.projects.region_filter(who, region_code)
        with self.rt.transaction() as s:
            where = [in_subtree(InquiryRow.region_path, self.regions.get(code).path)]
            if rect_id:
                self.rectifications.in_scope(s, who, rect_id, "rectification_id", "inquiry.read")
                where.append(InquiryRow.rectification_id == rect_id)
            total = s.scalar(select(func.count()).select_from(InquiryRow).where(*where)) or 0
            order = [(InquiryRow.opened_at, paging.DESC), (InquiryRow.id, paging.DESC)]
            rows, token = paging.take(page, list(s.scalars(paging.keyset(select(InquiryRow).where(*where),
                                                                         order, page))),
                                      lambda r: (r.opened_at, r.id))
            return [(r, self._title(s, r)) for r in rows], total, token
