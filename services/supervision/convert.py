"""Translation between supervision protobuf messages and stored rows: with the servicer, the
only module that builds generated messages: the answers, and the events the use cases write
to the outbox. The use cases hand it rows and values."""
from __future__ import annotations

from typing import TYPE_CHECKING

from lianxin.supervision.v1 import events_pb2 as ev
from lianxin.supervision.v1 import supervision_pb2 as pb

from services.supervision import bills_domain as b
from services.supervision import domain as d
from services.supervision.tables import (
    InspectionRow,
    ItemChangeRow,
    ItemRow,
    LetterRow,
    MilestoneRow,
    OrganMeetingRow,
    ProblemRow,
    ProjectChangeRow,
    ProjectRow,
)
from services.supervision.views import ProgrammeView
from shared import wire
from shared.clock import china_day, now
from shared.wire import ts

if TYPE_CHECKING:
    from services.supervision import rollup
    from services.supervision.inspections import Counts, Figures

# ---- requests ---------------------------------------------------------------------------


def plan(departments, tasks, milestones) -> d.Plan:
    """The plan a request carries, its enums and ids checked at the wire (field-named)."""
    depts = tuple(d.Department(department=x.department, name=x.name,
                               role=wire.enum_value(d.DepartmentRole, x.role, f"departments[{i}].role",
                                                    required=True),
                               responsible_person=x.responsible_person)
                  for i, x in enumerate(departments))
    return d.Plan(departments=depts,
                  tasks=tuple(d.Task(title=x.title, department=x.department) for x in tasks),
                  milestones=tuple(d.MilestonePlan(id=wire.optional_id(x.id, f"milestones[{i}].id"), title=x.title,
                                                   due_date=x.due_date, weight=x.weight)
                                   for i, x in enumerate(milestones)))


# ---- answers ----------------------------------------------------------------------------

def change_to_proto(c: ProjectChangeRow) -> pb.ProjectChange:
    return pb.ProjectChange(action=c.action, before=c.before, after=c.after, actor=c.actor, actor_role=c.actor_role,
                            actor_name=c.actor_name, at=ts(c.at))


def milestone_to_proto(m: MilestoneRow) -> pb.Milestone:
    return pb.Milestone(id=m.id, title=m.title, due_date=m.due_date.isoformat(), weight=m.weight, percent=m.percent,
                        spent_fen=m.spent_fen, evidence=m.evidence,
                        attachments=[x for x in m.attachments.split("\n") if x],
                        reported_at=ts(m.reported_at), reported_by=m.reported_by,
                        days_late=d.days_late(m.due_date, m.percent, china_day(now())))


def progress_of(row: ProjectRow):
    return d.progress([(m.weight, m.percent) for m in row.milestones])


def project_to_proto(row: ProjectRow) -> pb.Project:
    return pb.Project(
        id=row.id, region_code=row.region_code, year=row.year, title=row.title, category=row.category,
        description=row.description, origin=row.origin, campaign_id=row.campaign_id,
        proposal_id=row.proposal_id or "", funding_source=row.funding_source, schedule=row.schedule,
        location_region=row.location_region, budget_fen=row.budget_fen, budget_yuan=d.yuan(row.budget_fen),
        deadline=row.deadline.isoformat() if row.deadline else "",
        departments=[pb.ProjectDepartment(department=x.department, name=x.name, role=x.role,
                                          responsible_person=x.responsible_person) for x in row.departments],
        tasks=[pb.Task(title=x.title, department=x.department) for x in row.tasks],
        milestones=[milestone_to_proto(m) for m in row.milestones],
        progress_percent=str(progress_of(row)), spent_fen=sum(m.spent_fen for m in row.milestones),
        history=[change_to_proto(c) for c in row.history],
        created_at=ts(row.created_at), updated_at=ts(row.updated_at))


def programme_to_proto(p: ProgrammeView) -> pb.Programme:
    return pb.Programme(region_code=p.region_code, year=p.year, projects=len(p.projects), finished=p.finished,
                        progress_percent=str(p.progress), budget_fen=p.budget_fen, spent_fen=p.spent_fen,
                        items=[pb.ProgrammeProject(project_id=r.id, title=r.title, region_code=r.region_code,
                                                   progress_percent=str(x)) for r, x in p.projects])


def problem_to_proto(p: ProblemRow) -> pb.Problem:
    return pb.Problem(id=p.id, description=p.description, status=p.status, solution=p.solution,
                      solved_by=p.solved_by, solved_at=ts(p.solved_at))


def inspection_to_proto(r: InspectionRow) -> pb.Inspection:
    return pb.Inspection(
        id=r.id, region_code=r.region_code, project_id=r.project_id or "", title=r.title,
        scheduled_on=r.scheduled_on.isoformat(), held_on=r.held_on.isoformat() if r.held_on else "",
        status=r.status, participant_names=[x.name for x in r.participants],
        participants=[] if any(x.deputy_id is None for x in r.participants) else
        [pb.Participant(deputy_id=x.deputy_id or "", name=x.name) for x in r.participants], findings=r.findings,
        problems=[problem_to_proto(p) for p in r.problems], created_by=r.created_by, created_role=r.created_role,
        created_name=r.created_name, recorded_by=r.recorded_by, created_at=ts(r.created_at),
        updated_at=ts(r.updated_at))


def figures_to_proto(f: Figures) -> pb.InspectionFigures:
    return pb.InspectionFigures(region_code=f.region_code, held=f.held, scheduled=f.scheduled,
                                problems_found=f.problems_found, problems_solved=f.problems_solved)


def counts_to_proto(c: Counts) -> pb.InspectionCounts:
    return pb.InspectionCounts(year=c.year, own=figures_to_proto(c.own), total=figures_to_proto(c.total),
                               children=[figures_to_proto(f) for f in c.children])


LETTER_SUBJECTS = {"project": pb.LETTER_SUBJECT_KIND_PROJECT, "item": pb.LETTER_SUBJECT_KIND_ITEM}


def subject_kind(value: int) -> str:
    """A letter's subject kind as stored ("project", "item") from the enum an event carries."""
    return "item" if value == pb.LETTER_SUBJECT_KIND_ITEM else "project"


def letter_to_proto(r: LetterRow, *, with_document: bool = False) -> pb.Letter:
    return pb.Letter(id=r.id, number=r.number, region_code=r.region_code, project_id=r.project_id or "",
                     milestone_id=r.milestone_id, department=r.department, department_name=r.department_name,
                     kind=r.kind, days_late=r.days_late, what_is_late=r.what_is_late,
                     reply_by=r.reply_by.isoformat(), issued_at=ts(r.issued_at),
                     document=r.document if with_document else b"", issuer=r.issuer, level=r.level,
                     title=r.title, follows_id=r.follows_id, chain=r.chain, subject_text=r.subject_text,
                     year=r.year, answer=r.answer, answered_on=r.answered_on.isoformat() if r.answered_on else "",
                     answered_by=r.answered_by, escalated_to=r.escalated_to, origin_region=r.origin_region,
                     origin_letter_id=r.origin_letter_id, origin_number=r.origin_number,
                     subject_region=r.subject_region, subject_kind=LETTER_SUBJECTS.get(r.subject_kind, 0),
                     subject_id=r.subject_id)


def item_change_to_proto(c: ItemChangeRow) -> pb.ItemChange:
    return pb.ItemChange(action=c.action, before=c.before, after=c.after, actor=c.actor, actor_role=c.actor_role,
                         actor_name=c.actor_name, at=ts(c.at))


def item_to_proto(r: ItemRow) -> pb.DeputyItem:
    four = None
    if r.four_recorded_at is not None:
        four = pb.FourInPlace(plan=r.plan, measures=r.measures, target=r.target,
                              time_limit=r.time_limit.isoformat() if r.time_limit else "",
                              recorded_by=r.four_recorded_by, recorded_at=ts(r.four_recorded_at))
    return pb.DeputyItem(
        id=r.id, region_code=r.region_code, year=r.year, number=r.number, kind=r.kind, requested_kind=r.requested_kind,
        title=r.title, content=r.content, category=r.category, submitter_id=r.submitter_id,
        submitter_name=r.submitter_name,
        co_signers=[pb.CoSigner(deputy_id=c.deputy_id, name=c.name, signed=c.signed_at is not None,
                                signed_at=ts(c.signed_at)) for c in r.co_signers],
        signers=1 + sum(1 for c in r.co_signers if c.signed_at is not None),
        bill_signers_required=r.signers_required, status=r.status,
        departments=[pb.ProjectDepartment(department=x.department, name=x.name, role=x.role,
                                          responsible_person=x.responsible_person) for x in r.departments],
        deadline=r.deadline.isoformat() if r.deadline else "",
        days_overdue=b.days_overdue(b.ItemStatus(r.status), r.deadline, china_day(now())),
        four_in_place=four,
        meetings=[pb.ItemMeeting(round=m.round, stage=m.stage, held_on=m.held_on.isoformat(), form=m.form,
                                 notes=m.notes, recorded_by=m.recorded_by, recorded_at=ts(m.recorded_at))
                  for m in r.meetings],
        replies=[pb.ItemReply(round=x.round, reply_class=x.reply_class, text=x.text, replied_by=x.replied_by,
                              replied_at=ts(x.replied_at), rating=x.rating, rating_comment=x.rating_comment,
                              rated_at=ts(x.rated_at)) for x in r.replies],
        round=r.round, final_rating=r.final_rating, history=[item_change_to_proto(c) for c in r.history],
        submitted_at=ts(r.submitted_at), updated_at=ts(r.updated_at),
        meetings_required=[int(x) for x in b.meetings_required(r.round)])


def item_rules_to_proto(rules: b.ItemRules) -> pb.ItemRules:
    return pb.ItemRules(region_code=rules.region_code, bill_signers_required=rules.bill_signers_required,
                        handling_months=rules.handling_months, rehandling_months=rules.rehandling_months,
                        inherited=rules.inherited)


def organ_meeting_to_proto(r: OrganMeetingRow) -> pb.OrganMeeting:
    return pb.OrganMeeting(
        id=r.id, region_code=r.region_code, deputy_id=r.deputy_id, deputy_name=r.deputy_name, organ=r.organ,
        subject=r.subject, reason=r.reason, status=r.status,
        meeting_on=r.meeting_on.isoformat() if r.meeting_on else "", arranged_organ=r.arranged_organ,
        head_name=r.head_name, head_post=r.head_post, outcome=r.outcome, follow_up=r.follow_up,
        follow_up_result=r.follow_up_result, requested_by=r.deputy_id, arranged_by=r.arranged_by,
        recorded_by=r.recorded_by, completed_by=r.completed_by, requested_at=ts(r.requested_at),
        arranged_at=ts(r.arranged_at), held_at=ts(r.held_at), completed_at=ts(r.completed_at))



def supervision_figures_to_proto(f: rollup.Figures) -> pb.SupervisionFigures:
    return pb.SupervisionFigures(region_code=f.region_code, region_name=f.region_name, projects=f.projects,
                                 projects_on_schedule=f.projects_on_schedule, projects_late=f.projects_late,
                                 projects_finished=f.projects_finished, milestones_late=f.milestones_late,
                                 **f.counted)


def statistics_to_proto(x: rollup.Statistics) -> pb.SupervisionStatistics:
    return pb.SupervisionStatistics(year=x.year, own=supervision_figures_to_proto(x.own),
                                    total=supervision_figures_to_proto(x.total),
                                    children=[supervision_figures_to_proto(f) for f in x.children])


# ---- events -----------------------------------------------------------------------------

def project_opened(row: ProjectRow) -> ev.ProjectOpened:
    return ev.ProjectOpened(project=project_to_proto(row))


def plan_changed(row: ProjectRow, changes: list[ProjectChangeRow]) -> ev.ProjectPlanChanged:
    return ev.ProjectPlanChanged(project=project_to_proto(row), changes=[change_to_proto(c) for c in changes])


def progress_reported(row: ProjectRow, m: MilestoneRow, change: ProjectChangeRow) -> ev.ProgressReported:
    return ev.ProgressReported(project_id=row.id, region_code=row.region_code, year=row.year, milestone_id=m.id,
                               percent=m.percent, spent_fen=m.spent_fen, progress_percent=str(progress_of(row)),
                               change=change_to_proto(change))


def inspection_scheduled(r: InspectionRow) -> ev.InspectionScheduled:
    return ev.InspectionScheduled(inspection=inspection_to_proto(r))


def inspection_recorded(r: InspectionRow) -> ev.InspectionRecorded:
    return ev.InspectionRecorded(inspection=inspection_to_proto(r))


def problem_solved(r: InspectionRow, p: ProblemRow) -> ev.ProblemSolved:
    return ev.ProblemSolved(inspection_id=r.id, region_code=r.region_code, problem=problem_to_proto(p))


def letter_issued(r: LetterRow) -> ev.LetterIssued:
    return ev.LetterIssued(letter=letter_to_proto(r))


def _item_event(kind):
    def build(r: ItemRow, c: ItemChangeRow):
        return kind(item=item_to_proto(r), change=item_change_to_proto(c))
    return build


item_submitted = _item_event(ev.ItemSubmitted)
item_co_signed = _item_event(ev.ItemCoSigned)
item_registered = _item_event(ev.ItemRegistered)
item_assigned = _item_event(ev.ItemAssigned)
four_in_place_recorded = _item_event(ev.FourInPlaceRecorded)
item_meeting_recorded = _item_event(ev.ItemMeetingRecorded)
item_replied = _item_event(ev.ItemReplied)
item_rated = _item_event(ev.ItemRated)


def item_rules_changed(rules: b.ItemRules) -> ev.ItemRulesChanged:
    return ev.ItemRulesChanged(rules=item_rules_to_proto(rules))


def organ_meeting_requested(r: OrganMeetingRow) -> ev.OrganMeetingRequested:
    return ev.OrganMeetingRequested(meeting=organ_meeting_to_proto(r))


def organ_meeting_arranged(r: OrganMeetingRow) -> ev.OrganMeetingArranged:
    return ev.OrganMeetingArranged(meeting=organ_meeting_to_proto(r))


def organ_meeting_held(r: OrganMeetingRow) -> ev.OrganMeetingHeld:
    return ev.OrganMeetingHeld(meeting=organ_meeting_to_proto(r))


def organ_meeting_followed_up(r: OrganMeetingRow) -> ev.OrganMeetingFollowedUp:
    return ev.OrganMeetingFollowedUp(meeting=organ_meeting_to_proto(r))
