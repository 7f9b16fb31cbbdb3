"""Satisfaction vote, rectification and inquiry messages from rows and values."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from lianxin.evaluation.v1 import events_pb2 as ev
from lianxin.evaluation.v1 import satisfaction_pb2 as pb

from services.evaluation import domain as d
from services.evaluation.satisfaction_tables import InquiryRow, RectificationRow, RectificationStepRow, VoteProjectRow
from services.evaluation.tables import ProjectRow
from shared import wire
from shared.wire import ts

if TYPE_CHECKING:
    from services.evaluation.satisfaction import ShownRules, ShownVote


def year_project_to_proto(row: ProjectRow) -> pb.YearProject:
    return pb.YearProject(id=row.id, region_code=row.region_code, year=row.year, title=row.title,
                          category=row.category, progress_percent=d.percent_text(row.progress),
                          finished=row.progress >= d.FINISHED,
                          deadline=row.deadline.isoformat() if row.deadline else "",
                          lead_department=row.lead_department, lead_department_name=row.lead_department_name)


# ---- rules ----------------------------------------------------------------------------------------

def rules_from_proto(m: pb.SatisfactionRules) -> d.Rules:
    return d.Rules(quorum_percent=m.quorum_percent, satisfied_percent=m.satisfied_percent,
                   acceptable_percent=m.acceptable_percent, plan_days=m.plan_days)


def rules_to_proto(shown: ShownRules) -> pb.SatisfactionRules:
    r = shown.rules
    return pb.SatisfactionRules(region_code=shown.region_code, quorum_percent=r.quorum_percent,
                                satisfied_percent=r.satisfied_percent, acceptable_percent=r.acceptable_percent,
                                plan_days=r.plan_days, inherited_from=shown.inherited_from)


# ---- the vote -------------------------------------------------------------------------------------

def _share(part: int, whole: int) -> str:
    return d.percent_text(Decimal(part) * 100 / Decimal(whole)) if whole else ""


def project_result(p: VoteProjectRow, counted: bool, rectification_id: str = "") -> pb.ProjectResult:
    ballots = p.satisfied + p.basically + p.unsatisfied
    return pb.ProjectResult(project_id=p.project_id, title=p.title, finished=p.finished,
                            satisfied=p.satisfied, basically_satisfied=p.basically, unsatisfied=p.unsatisfied,
                            verdict=p.verdict if counted else 0, satisfied_share=_share(p.satisfied, ballots),
                            rectification_id=rectification_id)


def vote_to_proto(shown: ShownVote) -> pb.SatisfactionVote:
    row = shown.row
    counted = row.status != int(d.VoteStatus.OPEN)
    rect = shown.rectifications or {}
    verdicts = [p.verdict for p in row.projects] if counted else []
    return pb.SatisfactionVote(
        id=row.id, region_code=row.region_code, year=row.year, title=row.title, status=row.status,
        projects=[project_result(p, counted, rect.get(p.project_id, "")) for p in row.projects],
        eligible=row.eligible, voted=shown.voted,
        rules=pb.SatisfactionRules(region_code=row.region_code, quorum_percent=row.quorum_percent,
                                   satisfied_percent=row.satisfied_percent,
                                   acceptable_percent=row.acceptable_percent, plan_days=row.plan_days),
        satisfaction_rate=row.rate,
        satisfied_projects=verdicts.count(int(d.Rating.SATISFIED)),
        basically_satisfied_projects=verdicts.count(int(d.Rating.BASICALLY_SATISFIED)),
        unsatisfied_projects=verdicts.count(int(d.Rating.UNSATISFIED)),
        bulletin=row.bulletin if shown.with_bulletin else "", digest=row.digest,
        you_may_vote=shown.you_may_vote, you_voted=shown.you_voted, opened_at=ts(row.opened_at),
        closed_at=ts(row.closed_at), published_at=ts(row.published_at))


def ratings(request_ratings) -> list[tuple[str, d.Rating]]:
    """A ballot's ratings, ids and enums checked at the wire (field-named)."""
    return [(wire.require_id(x.project_id, f"ratings[{i}].project_id"),
             wire.enum_value(d.Rating, x.rating, f"ratings[{i}].rating", required=True))
            for i, x in enumerate(request_ratings)]


def vote_opened(shown: ShownVote) -> ev.SatisfactionVoteOpened:
    return ev.SatisfactionVoteOpened(vote=vote_to_proto(replace(shown, with_bulletin=False, you_may_vote=False)))


def vote_counted(shown: ShownVote, voters: list[str]) -> ev.SatisfactionVoteCounted:
    return ev.SatisfactionVoteCounted(vote=vote_to_proto(replace(shown, with_bulletin=False, you_may_vote=False,
                                                                 you_voted=False)), voters=voters)


def result_published(shown: ShownVote) -> ev.SatisfactionResultPublished:
    return ev.SatisfactionResultPublished(vote=vote_to_proto(replace(shown, with_bulletin=False, you_may_vote=False,
                                                                     you_voted=False)))


def project_rated(shown: ShownVote, p: VoteProjectRow) -> ev.ProjectRated:
    rect = shown.rectifications or {}
    return ev.ProjectRated(vote_id=shown.row.id, region_code=shown.row.region_code, year=shown.row.year,
                           result=project_result(p, True, rect.get(p.project_id, "")))


# ---- rectification --------------------------------------------------------------------------------

def step_to_proto(x: RectificationStepRow) -> pb.RectificationStep:
    return pb.RectificationStep(kind=x.kind, at=ts(x.at), by_subject=x.by_subject, by_role=x.by_role,
                                by_name=x.by_name, explanation=x.explanation, plan=x.plan,
                                due_date=x.due_date.isoformat() if x.due_date else "", department=x.department,
                                department_name=x.department_name)


def rectification_to_proto(r: RectificationRow, history: list[RectificationStepRow] | None = None) -> pb.Rectification:
    return pb.Rectification(
        history=[step_to_proto(x) for x in history or []],
        id=r.id, vote_id=r.vote_id, project_id=r.project_id, region_code=r.region_code, year=r.year, title=r.title,
        verdict=r.verdict, unfinished=r.unfinished, department=r.department, department_name=r.department_name,
        status=r.status, plan_due=r.plan_due.isoformat(), explanation=r.explanation, plan=r.plan,
        due_date=r.due_date.isoformat() if r.due_date else "", report=r.report,
        reminders=len([x for x in r.reminders.split("\n") if x]), submitted_at=ts(r.submitted_at),
        completed_at=ts(r.completed_at))


def rectification_required(r: RectificationRow) -> ev.RectificationRequired:
    return ev.RectificationRequired(rectification=rectification_to_proto(r))


def plan_submitted(r: RectificationRow) -> ev.RectificationPlanSubmitted:
    return ev.RectificationPlanSubmitted(rectification=rectification_to_proto(r))


def rectification_completed(r: RectificationRow) -> ev.RectificationCompleted:
    return ev.RectificationCompleted(rectification=rectification_to_proto(r))


def rectification_overdue(r: RectificationRow, kind: str, days: int, what: str) -> ev.RectificationOverdue:
    return ev.RectificationOverdue(rectification=rectification_to_proto(r), kind=kind, days_late=days,
                                   what_is_late=what)


# ---- inquiries --------------------------------------------------------------------------------------

def inquiry_to_proto(row: InquiryRow, title: str = "") -> pb.Inquiry:
    return pb.Inquiry(id=row.id, rectification_id=row.rectification_id, project_id=row.project_id,
                      region_code=row.region_code, kind=row.kind, organ=row.organ,
                      questions=[x for x in row.questions.split("\n\n") if x],
                      answers=[x for x in row.answers.split("\n\n") if x], follow_up=row.follow_up,
                      status=row.status, held_on=row.held_on.isoformat(), opened_by_name=row.opened_by_name,
                      opened_at=ts(row.opened_at), answered_at=ts(row.answered_at), title=title)


def inquiry_opened(row: InquiryRow, title: str) -> ev.InquiryOpened:
    return ev.InquiryOpened(inquiry=inquiry_to_proto(row, title))


def inquiry_answered(row: InquiryRow, title: str) -> ev.InquiryAnswered:
    return ev.InquiryAnswered(inquiry=inquiry_to_proto(row, title))
