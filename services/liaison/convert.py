"""Translation between liaison protobuf messages and stored rows: with the servicer, the
only modules that build generated messages: the answers, and the events the use cases write
to the outbox. The use cases hand it rows and values."""
from __future__ import annotations

from datetime import datetime

from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb

from services.liaison import domain as d
from services.liaison.activity_tables import ActivityRow
from services.liaison.tables import OpinionRow, OpinionStepRow
from shared.tenancy import RegionTree
from shared.wire import ts


def step_to_proto(s: OpinionStepRow) -> pb.CaseStep:
    return pb.CaseStep(status=s.status, actor=s.actor, actor_role=s.actor_role, region_code=s.region_code,
                       note=s.note, at=ts(s.at), rating=s.rating or 0, actor_name=s.actor_name)


def opinion_to_proto(row: OpinionRow, *, with_contact: bool) -> pb.Opinion:
    """The whole case; the citizen's contact only when the viewer may see it."""
    m = pb.Opinion(
        id=row.id, tracking_code=row.tracking_code, region_code=row.region_code,
        handling_region=row.handling_region, channel=row.channel, category=row.category, text=row.text,
        deputy_id=row.deputy_id, venue_id=row.venue_id, status=row.status, answer=row.answer,
        resolved=bool(row.resolved), feedback=row.feedback, rating=row.rating, rating_comment=row.rating_comment,
        history=[step_to_proto(s) for s in row.steps], raised_at=ts(row.raised_at), updated_at=ts(row.updated_at),
        due_at=ts(row.due_at), origin_opinion_id=row.origin_opinion_id, origin_region=row.origin_region,
        escalated_to_region=row.escalated_to_region)
    if with_contact:
        m.contact.CopyFrom(pb.Contact(name=row.contact_name, phone=row.contact_phone))
    if row.transfer_department:
        m.transfer.CopyFrom(pb.Transfer(
            department=row.transfer_department, department_name=row.transfer_department_name,
            department_region=row.transfer_department_region,
            deadline=ts(row.transfer_deadline), reply=row.transfer_reply,
            replied_at=ts(row.transfer_replied_at)))
    return m


def escalation_outcome(row: OpinionRow, upper_region: str, answer: str) -> ev.EscalationOutcome:
    """A linked case's conclusion, for the case below it came from: what this tier did (its own
    history rows, not the ones it inherited) and whether that resolved the matter."""
    return ev.EscalationOutcome(
        origin_opinion_id=row.origin_opinion_id, origin_region=row.origin_region, upper_opinion_id=row.id,
        upper_region=upper_region, resolved=bool(row.resolved), answer=answer,
        steps=[step_to_proto(s) for s in row.steps[row.inherited_steps or 0:]])


def outcome_answer(answer: str, department_reply: str, note: str) -> str:
    """One text for the tier below: the answer, the department's reply, the concluding note."""
    parts = [answer, f"部门答复: {department_reply}" if department_reply else "", note]
    return "\n".join(p for p in parts if p)


def tracked_to_proto(row: OpinionRow, regions: RegionTree) -> pb.TrackedOpinion:
    """What a tracking code shows: status, replies and where each step happened; never who
    did it, the contact, the text's handlers' notes, or anything of another case. The steps are
    those that moved the case, each once, in the order they happened; the rating (a history
    row that keeps the status) is the ``rating`` field, not a step."""
    def tier_name(code: str) -> str:
        return regions.get(code).name if code in regions else ""

    return pb.TrackedOpinion(
        tracking_code=row.tracking_code, status=row.status, category=row.category, answer=row.answer,
        department_reply=row.transfer_reply, feedback=row.feedback, resolved=bool(row.resolved),
        rating=row.rating, raised_at=ts(row.raised_at),
        steps=[pb.TrackedStep(status=s.status, at=ts(s.at), tier_name=tier_name(s.region_code))
               for s in row.steps if not s.rating])


def submitted_to_proto(tracking_code: str) -> pb.SubmitPublicOpinionResponse:
    """What a citizen's submission answers: the tracking code of a case just raised."""
    return pb.SubmitPublicOpinionResponse(tracking_code=tracking_code, status=int(d.Status.RAISED))


def activity_to_proto(row: ActivityRow, opinion_ids: list[str]) -> pb.Activity:
    return pb.Activity(
        id=row.id, region_code=row.region_code, venue_id=row.venue_id, kind=row.kind,
        date=row.date.isoformat(), title=row.title, deputy_ids=[x.deputy_id for x in row.deputies],
        people_reached=row.people_reached, opinion_ids=opinion_ids, notes=row.notes,
        recorded_by=row.recorded_by, on_schedule=row.on_schedule, created_at=ts(row.created_at),
        recorder_name=row.recorder_name)


# ---- events (lianxin.liaison.v1), written to the outbox with the change -------------------

def step_recorded(*, opinion_id: str, region_code: str, handling_region: str, status: int, channel: int,
                  raised_at: datetime, at: datetime, rating: int, linked: bool,
                  actor_deputy_id: str = "") -> ev.OpinionStepRecorded:
    """One step of a case, for the statistics roll-up (rollup.count_step) and, when a deputy
    took it, that deputy's performance file (evaluation)."""
    return ev.OpinionStepRecorded(opinion_id=opinion_id, region_code=region_code, handling_region=handling_region,
                                  status=int(status), channel=int(channel), raised_at=ts(raised_at), at=ts(at),
                                  rating=rating, linked=linked, actor_deputy_id=actor_deputy_id)


def opinion_escalated(row: OpinionRow, from_region: str, to_region: str, reason: str) -> ev.OpinionEscalated:
    """The whole case, the citizen's contact included, for the tier above."""
    return ev.OpinionEscalated(opinion=opinion_to_proto(row, with_contact=True), from_region=from_region,
                               to_region=to_region, reason=reason)


def activity_recorded(row: ActivityRow, opinion_ids: list[str]) -> ev.ActivityRecorded:
    return ev.ActivityRecorded(activity=activity_to_proto(row, opinion_ids))

