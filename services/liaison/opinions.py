"""Opinion use cases (意见建议). Each runs in one transaction: check the caller's role and
scope, check the step against the domain's step table, change the case, add its history
row and write its events to the outbox, together. A refused call writes nothing.

Who may do what:
  accept, reject, transfer, conclude, escalate, feedback, close: staff, committee, system
      whose region contains the tier handling the case;
  answer: the deputy it was raised to, or staff;   reply: the department it was transferred to
      (or system);   record: a deputy (raised to self), staff, system;
  view and list: staff, committee, auditor, system in scope; a deputy only cases raised to
      them; a department only cases transferred to it (anything else: NOT_FOUND for them).
  The citizen's contact is shown only to staff and system whose region contains the case's
  region, and to the department handling it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb
from sqlalchemy.orm import Session

from services.liaison import convert, domain as d
from services.liaison.directory import ACTIVE_STATUSES
from services.liaison.store import OpinionFilter, OpinionStore
from services.liaison.tables import OpinionRow, OpinionStepRow
from shared.auth import Principal, Role
from shared.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, ResourceExhausted
from shared.rpc.ratelimit import RateLimiter
from shared.service import Runtime
from shared import wire

S = d.Status
MANAGERS = (Role.STAFF, Role.COMMITTEE, Role.SYSTEM)
VIEWERS = (Role.STAFF, Role.COMMITTEE, Role.AUDITOR, Role.SYSTEM)
CONTACT_VIEWERS = (Role.STAFF, Role.SYSTEM)
MAX_DEPARTMENT = 100
MAX_RATING_COMMENT = 500
MAX_CARD_CODE = 16
CITIZEN = "citizen"   # the actor recorded for public steps: never the client's address


def now() -> datetime:
    return datetime.now(timezone.utc)


def system_principal(runtime: Runtime, subject: str = "liaison") -> Principal:
    """The service acting on its own (e.g. the overdue sweep), over its whole home subtree."""
    return Principal(subject=subject, role=Role.SYSTEM, region=runtime.settings.home_region)


@dataclass(frozen=True)
class NewOpinion:
    channel: d.Channel
    region_code: str
    category: str
    text: str
    deputy_id: str = ""
    venue_id: str = ""
    contact: d.Contact = d.Contact()
    activity_id: str = ""


@dataclass(frozen=True)
class ListQuery:
    region_code: str = ""
    status: d.Status | None = None
    deputy_id: str = ""
    department: str = ""
    raised_from: datetime | None = None
    raised_to: datetime | None = None


class Opinions:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.home = runtime.settings.home_region
        per_hour = max(1, runtime.settings.public_submissions_per_card_per_hour)
        self.card_limiter = RateLimiter(per_hour / 60.0, burst=per_hour)

    # ---- settings and regions ----------------------------------------------------
    def deadlines(self) -> dict[str, int]:
        s = self.rt.settings
        return {"township": s.deadline_days_township, "county": s.deadline_days_county,
                "prefecture": s.deadline_days_prefecture}

    def due(self, start: datetime, handling_region: str) -> datetime:
        return d.due_at(start, self.regions.get(handling_region).tier.name.lower(), self.deadlines())

    def _home_region(self, code: str, field: str) -> str:
        """A region a request names: known, and served by this deployment."""
        code = d.text(code, field, max_len=9, required=True)
        self.regions.require(code, field)
        if not self.regions.contains(self.home, code):
            raise InvalidArgument(field, f"region {code} is not served here")
        return code

    # ---- who sees and does what -----------------------------------------------------
    def _in_scope(self, who: Principal, row: OpinionRow) -> bool:
        return (self.regions.contains(who.region, row.region_code)
                or self.regions.contains(who.region, row.handling_region))

    def _view(self, who: Principal, row: OpinionRow) -> None:
        if who.role is Role.DEPUTY:
            if row.deputy_id != who.subject:
                raise NotFound("opinion", row.id)
            return
        if who.role is Role.DEPARTMENT:
            if not row.transfer_department or row.transfer_department != who.subject:
                raise NotFound("opinion", row.id)
            return
        who.require(*VIEWERS)
        if not self._in_scope(who, row):
            raise PermissionDenied(f"opinion {row.id} is outside the caller's region {who.region}")

    def _manage(self, who: Principal, row: OpinionRow, roles=MANAGERS) -> None:
        """Acting on a case: the right role, and a region containing the tier handling it.
        Deputies and departments never learn of cases that are not theirs."""
        if who.role in (Role.DEPUTY, Role.DEPARTMENT):
            self._view(who, row)
        who.require(*roles)
        if who.role in (Role.DEPUTY, Role.DEPARTMENT):
            return
        if not self.regions.contains(who.region, row.handling_region):
            raise PermissionDenied(f"opinion {row.id} is handled outside the caller's region {who.region}")

    def sees_contact(self, who: Principal, row: OpinionRow) -> bool:
        if who.role in CONTACT_VIEWERS and self.regions.contains(who.region, row.region_code):
            return True
        return who.role is Role.DEPARTMENT and bool(row.transfer_department) and row.transfer_department == who.subject

    def to_proto(self, who: Principal, row: OpinionRow) -> pb.Opinion:
        return convert.opinion_to_proto(row, with_contact=self.sees_contact(who, row))

    # ---- history and events -------------------------------------------------------
    def _step(self, session: Session, row: OpinionRow, status: d.Status, who: Principal, note: str = "", *,
              at: datetime | None = None, region: str | None = None, rating: int = 0) -> None:
        """Moves the case to ``status`` (a rating keeps it), records who and when, publishes."""
        at = at or now()
        row.status = int(status)
        row.updated_at = at
        public = who.role is Role.PUBLIC
        row.steps.append(OpinionStepRow(
            status=int(status), actor=CITIZEN if public else who.subject[:100], actor_role=who.role.value,
            region_code=region or row.handling_region, note=note, at=at))
        self.rt.outbox.add(session, ev.OpinionStepRecorded(
            opinion_id=row.id, region_code=row.region_code, handling_region=row.handling_region,
            status=int(status), channel=row.channel, raised_at=convert.ts(row.raised_at), at=convert.ts(at),
            rating=rating, linked=bool(row.origin_opinion_id)), region=row.region_code)

    def _tracking_code(self, store: OpinionStore) -> str:
        for _ in range(5):
            code = d.new_tracking_code()
            if not store.tracking_code_taken(code):
                return code
        raise RuntimeError("could not draw an unused tracking code")

    def _open(self, session: Session, who: Principal, o: NewOpinion, handling_region: str) -> OpinionRow:
        at = now()
        store = OpinionStore(session)
        row = OpinionRow(
            id=str(uuid.uuid4()), tracking_code=self._tracking_code(store), region_code=o.region_code,
            region_path=self.regions.get(o.region_code).path, handling_region=handling_region,
            channel=int(o.channel), category=o.category, text=o.text, deputy_id=o.deputy_id, venue_id=o.venue_id,
            contact_name=o.contact.name, contact_phone=o.contact.phone, status=int(S.RAISED), answer="",
            transfer_department="", transfer_department_name="", transfer_reply="", resolved=None, feedback="",
            rating=0, rating_comment="", raised_at=at, updated_at=at, due_at=self.due(at, handling_region),
            origin_opinion_id="", origin_region="", escalated_to_region="", activity_id=o.activity_id, steps=[])
        session.add(row)
        self._step(session, row, S.RAISED, who, at=at)
        return row

    def _open_public(self, session: Session, store: OpinionStore, who: Principal, region_code: str,
                     handling_region: str, deputy_id: str, category: str, text: str, contact: d.Contact) -> str:
        """The same case, first step and event as _open for a citizen's QR-code submission,
        written with Core INSERTs from column values (no ORM unit of work); returns its
        tracking code. The tracking code's UNIQUE index is the uniqueness check: a taken
        code (60 random bits: practically never) inserts nothing and another is drawn."""
        at = now()
        opinion_id = str(uuid.uuid4())
        raised = int(S.RAISED)
        opinion = {
            "id": opinion_id, "tracking_code": "", "region_code": region_code,
            "region_path": self.regions.get(region_code).path, "handling_region": handling_region,
            "channel": int(d.Channel.QR_CODE), "category": category, "text": text, "deputy_id": deputy_id,
            "venue_id": "", "contact_name": contact.name, "contact_phone": contact.phone, "status": raised,
            "answer": "", "transfer_department": "", "transfer_department_name": "", "transfer_deadline": None,
            "transfer_reply": "", "transfer_replied_at": None, "resolved": None, "feedback": "", "rating": 0,
            "rating_comment": "", "raised_at": at, "updated_at": at, "due_at": self.due(at, handling_region),
            "resolved_at": None, "origin_opinion_id": "", "origin_region": "", "escalated_to_region": "",
            "activity_id": "", "inherited_steps": 0}
        for _ in range(5):
            opinion["tracking_code"] = d.new_tracking_code()
            if store.insert_new_opinion(opinion):
                break
        else:
            raise RuntimeError("could not draw an unused tracking code")
        store.insert_step({"opinion_id": opinion_id, "status": raised,
                           "actor": CITIZEN if who.role is Role.PUBLIC else who.subject[:100],
                           "actor_role": who.role.value, "region_code": handling_region, "note": "", "at": at})
        at_ts = convert.ts(at)
        self.rt.outbox.add(session, ev.OpinionStepRecorded(
            opinion_id=opinion_id, region_code=region_code, handling_region=handling_region, status=raised,
            channel=opinion["channel"], raised_at=at_ts, at=at_ts, rating=0, linked=False), region=region_code)
        return opinion["tracking_code"]

    # ---- raising ------------------------------------------------------------------
    def submit_public(self, who: Principal, card_code: str, category: str, text: str, region_code: str,
                      contact: d.Contact) -> pb.SubmitPublicOpinionResponse:
        """码上提: a citizen scanned a deputy's card. Unknown and retired cards look the same."""
        card_code = d.text(card_code, "card_code", max_len=MAX_CARD_CODE, required=True).upper()
        category = d.text(category, "category", max_len=d.MAX_CATEGORY, required=True)
        text = d.text(text, "text", max_len=d.MAX_TEXT, required=True)
        contact = d.check_contact(contact)
        if region_code:
            region_code = self._home_region(region_code, "region_code")
        with self.rt.transaction() as s:
            store = OpinionStore(s)
            deputy = store.active_deputy_by_card_code(card_code)
            if deputy is None or not self.regions.contains(self.home, deputy[1]):
                raise NotFound("card", card_code)
            if not self.card_limiter.allow(card_code):
                raise ResourceExhausted("too many opinions through this card; try again later")
            deputy_id, handling = deputy
            code = self._open_public(s, store, who, region_code or handling, handling, deputy_id, category, text,
                                     contact)
            return pb.SubmitPublicOpinionResponse(tracking_code=code, status=int(S.RAISED))

    def record(self, who: Principal, o: NewOpinion) -> pb.Opinion:
        """A visit, a reception, a hotline call or an integrating system's case."""
        who.require(Role.DEPUTY, Role.STAFF, Role.SYSTEM)
        o = NewOpinion(
            channel=o.channel,
            region_code=self._home_region(o.region_code, "region_code"),
            category=d.text(o.category, "category", max_len=d.MAX_CATEGORY, required=True),
            text=d.text(o.text, "text", max_len=d.MAX_TEXT, required=True),
            deputy_id=o.deputy_id, venue_id=o.venue_id, contact=d.check_contact(o.contact),
            activity_id=o.activity_id)
        if who.role is Role.DEPUTY:
            if o.deputy_id and o.deputy_id != who.subject:
                raise PermissionDenied("a deputy records opinions raised to themselves only")
            o = replace(o, deputy_id=who.subject)
        else:
            self.regions.ensure_within(who.region, o.region_code)
        with self.rt.transaction() as s:
            store = OpinionStore(s)
            handling = o.region_code
            if o.venue_id:
                venue = store.venue(o.venue_id)
                handling = venue.region_code
            if o.deputy_id:
                deputy = store.deputy(o.deputy_id)
                if deputy.status not in ACTIVE_STATUSES:
                    raise FailedPrecondition(f"deputy {deputy.id} is not serving")
                handling = deputy.region_code
            if not self.regions.contains(self.home, handling):
                raise FailedPrecondition(f"region {handling} is not served here")
            row = self._open(s, who, o, handling)
            return self.to_proto(who, row)

    # ---- reading ------------------------------------------------------------------
    def get(self, who: Principal, opinion_id: str) -> pb.Opinion:
        with self.rt.transaction() as s:
            row = OpinionStore(s).opinion(opinion_id)
            self._view(who, row)
            return self.to_proto(who, row)

    def list(self, who: Principal, q: ListQuery, limit: int, offset: int) -> pb.ListOpinionsResponse:
        deputy_id, department = q.deputy_id, q.department
        scope_path, scope_codes = None, ()
        if who.role is Role.DEPUTY:
            if deputy_id and deputy_id != who.subject:
                raise PermissionDenied("a deputy lists opinions raised to themselves only")
            deputy_id = who.subject
        elif who.role is Role.DEPARTMENT:
            if department and department != who.subject:
                raise PermissionDenied("a department lists opinions transferred to it only")
            department = who.subject
        else:
            who.require(*VIEWERS)
        if q.region_code:
            code = d.text(q.region_code, "region_code", max_len=9)
            self.regions.require(code, "region_code")
            if who.role not in (Role.DEPUTY, Role.DEPARTMENT):
                self.regions.ensure_within(who.region, code)
        elif who.role in (Role.DEPUTY, Role.DEPARTMENT):
            code = None
        else:
            code = who.region
            if code not in self.regions:
                raise PermissionDenied(f"region {code} is not served here")
        if code is not None:
            scope_path = self.regions.get(code).path
            scope_codes = tuple(r.code for r in self.regions.subtree(code))
        f = OpinionFilter(scope_path=scope_path, scope_codes=scope_codes, deputy_id=deputy_id,
                          department=department, status=int(q.status) if q.status else None,
                          raised_from=q.raised_from, raised_to=q.raised_to)
        with self.rt.transaction() as s:
            rows, total = OpinionStore(s).list(f, limit=limit, offset=offset)
            return pb.ListOpinionsResponse(opinions=[self.to_proto(who, r) for r in rows],
                                           next_page_token=wire.next_token(offset, limit, total),
                                           total_size=total)

    # ---- the life of a case -----------------------------------------------------------
    def _change(self, who: Principal, opinion_id: str, step: d.Step, apply, roles=MANAGERS) -> pb.Opinion:
        """The common shape of a step: load for update, check who, check order, apply."""
        with self.rt.transaction() as s:
            row = OpinionStore(s).opinion(opinion_id, for_update=True)
            self._manage(who, row, roles)
            d.check_step(step, d.Status(row.status))
            apply(s, row)
            return self.to_proto(who, row)

    def accept(self, who: Principal, opinion_id: str, note: str) -> pb.Opinion:
        note = d.text(note, "note", max_len=d.MAX_NOTE)
        return self._change(who, opinion_id, d.Step.ACCEPT,
                            lambda s, row: self._step(s, row, S.ACCEPTED, who, note))

    def reject(self, who: Principal, opinion_id: str, reason: str) -> pb.Opinion:
        reason = d.text(reason, "reason", max_len=d.MAX_NOTE, required=True)
        return self._change(who, opinion_id, d.Step.REJECT,
                            lambda s, row: self._step(s, row, S.REJECTED, who, reason))

    def answer(self, who: Principal, opinion_id: str, answer: str) -> pb.Opinion:
        answer = d.text(answer, "answer", max_len=d.MAX_TEXT, required=True)

        def apply(s, row):
            row.answer = answer
            self._step(s, row, S.ANSWERED, who, answer)
        return self._change(who, opinion_id, d.Step.ANSWER, apply, roles=(Role.DEPUTY, Role.STAFF))

    def transfer(self, who: Principal, opinion_id: str, department: str, department_name: str,
                 deadline: datetime | None, note: str) -> pb.Opinion:
        department = d.text(department, "department", max_len=MAX_DEPARTMENT, required=True)
        department_name = d.text(department_name, "department_name", max_len=MAX_DEPARTMENT, required=True)
        note = d.text(note, "note", max_len=d.MAX_NOTE)
        if deadline is None:
            raise InvalidArgument("deadline", "is required")
        if deadline <= now():
            raise InvalidArgument("deadline", "must be in the future")

        def apply(s, row):
            row.transfer_department, row.transfer_department_name = department, department_name
            row.transfer_deadline = deadline
            row.transfer_reply, row.transfer_replied_at = "", None
            row.resolved, row.resolved_at = None, None
            self._step(s, row, S.TRANSFERRED, who, note or f"转办 {department_name}")
        return self._change(who, opinion_id, d.Step.TRANSFER, apply)

    def reply(self, who: Principal, opinion_id: str, reply: str) -> pb.Opinion:
        reply = d.text(reply, "reply", max_len=d.MAX_TEXT, required=True)

        def apply(s, row):
            at = now()
            row.transfer_reply, row.transfer_replied_at = reply, at
            self._step(s, row, S.REPLIED, who, reply, at=at)
        return self._change(who, opinion_id, d.Step.REPLY, apply, roles=(Role.DEPARTMENT, Role.SYSTEM))

    def conclude(self, who: Principal, opinion_id: str, resolved: bool, note: str) -> pb.Opinion:
        note = d.text(note, "note", max_len=d.MAX_NOTE)

        def apply(s, row):
            at = now()
            row.resolved = bool(resolved)
            row.resolved_at = at if resolved else None
            self._step(s, row, S.RESOLVED if resolved else S.UNRESOLVED, who, note, at=at)
            if row.origin_opinion_id:
                self.report_outcome(s, row, convert.outcome_answer(row.answer, row.transfer_reply, note))
        return self._change(who, opinion_id, d.Step.CONCLUDE, apply)

    def report_outcome(self, session: Session, row: OpinionRow, answer: str) -> None:
        """A linked case concluded: its outcome goes down to the case it was opened for, and
        its deadline no longer runs (the tier below decides what happens next)."""
        row.due_at = None
        self.rt.outbox.add(session, convert.escalation_outcome(row, self.home, answer), region=row.origin_region)

    def escalate(self, who: Principal, opinion_id: str, reason: str) -> pb.Opinion:
        reason = d.text(reason, "reason", max_len=d.MAX_NOTE, required=True)
        with self.rt.transaction() as s:
            row = OpinionStore(s).opinion(opinion_id, for_update=True)
            self._manage(who, row)
            self.escalate_row(s, row, reason, who)
            return self.to_proto(who, row)

    def escalate_row(self, session: Session, row: OpinionRow, reason: str, who: Principal) -> None:
        """Hands a case to the tier above (the caller has checked who may).

        The tier above in this deployment takes the case over: it is accepted there, with a
        new deadline. A tier above served by another deployment gets the whole case in an
        OpinionEscalated event, and this case waits, ESCALATED, for its outcome."""
        d.check_step(d.Step.ESCALATE, d.Status(row.status))
        here = self.regions.get(row.handling_region)
        parent = here.parent
        at = now()
        if parent and self.regions.contains(self.home, parent):
            self._step(session, row, S.ESCALATED, who, reason, at=at, region=here.code)
            row.handling_region = parent
            row.due_at = self.due(at, parent)
            self._step(session, row, S.ACCEPTED, who, f"上级受理: {reason}", at=at, region=parent)
            return
        to_region = self.rt.settings.escalate_to or parent
        if not to_region:
            raise FailedPrecondition(f"there is no tier above {here.code} to escalate to")
        if row.escalated_to_region == to_region:
            # Its outcome came back already; that tier would not open the case a second time.
            raise FailedPrecondition(f"{to_region} has already given its outcome on this case")
        row.escalated_to_region = to_region
        self._step(session, row, S.ESCALATED, who, reason, at=at, region=here.code)
        session.flush()
        self.rt.outbox.add(session, ev.OpinionEscalated(
            opinion=convert.opinion_to_proto(row, with_contact=True), from_region=here.code,
            to_region=to_region, reason=reason), region=to_region)

    def feedback(self, who: Principal, opinion_id: str, feedback: str) -> pb.Opinion:
        feedback = d.text(feedback, "feedback", max_len=d.MAX_TEXT, required=True)

        def apply(s, row):
            row.feedback = feedback
            self._step(s, row, S.FEEDBACK_GIVEN, who, feedback)
        return self._change(who, opinion_id, d.Step.FEEDBACK, apply)

    def close(self, who: Principal, opinion_id: str, note: str) -> pb.Opinion:
        note = d.text(note, "note", max_len=d.MAX_NOTE)
        return self._change(who, opinion_id, d.Step.CLOSE,
                            lambda s, row: self._step(s, row, S.CLOSED, who, note))

    # ---- the citizen's side -------------------------------------------------------------
    @staticmethod
    def _code(code: str) -> str:
        return d.text(code, "tracking_code", max_len=MAX_CARD_CODE, required=True).upper()

    def track(self, tracking_code: str) -> pb.TrackedOpinion:
        code = self._code(tracking_code)
        with self.rt.transaction() as s:
            return convert.tracked_to_proto(OpinionStore(s).by_tracking_code(code), self.regions)

    def rate(self, who: Principal, tracking_code: str, rating: int, comment: str) -> pb.TrackedOpinion:
        code = self._code(tracking_code)
        rating = d.check_rating(rating)
        comment = d.text(comment, "comment", max_len=MAX_RATING_COMMENT)
        with self.rt.transaction() as s:
            row = OpinionStore(s).by_tracking_code(code, for_update=True)
            d.check_step(d.Step.RATE, d.Status(row.status))
            if row.rating:
                raise FailedPrecondition("this case has been rated already")
            row.rating, row.rating_comment = rating, comment
            self._step(s, row, d.Status(row.status), who, f"评价 {rating}", rating=rating)
            return convert.tracked_to_proto(row, self.regions)


def escalate(session_or_runtime: Session | Runtime, opinion_id: str, reason: str, actor: Principal | None = None,
             *, runtime: Runtime | None = None) -> OpinionRow:
    """Escalates one case, e.g. from the overdue sweep.

    ``escalate(runtime, id, reason)`` runs in a transaction of its own;
    ``escalate(session, id, reason, runtime=runtime)`` runs in the caller's open transaction.
    ``actor`` defaults to the service itself (system, home region); a given actor is checked
    like any caller. Raises FailedPrecondition when the case's status cannot escalate."""
    if isinstance(session_or_runtime, Runtime):
        runtime = session_or_runtime
        with runtime.transaction() as s:
            return escalate(s, opinion_id, reason, actor, runtime=runtime)
    if runtime is None:
        raise TypeError("escalate(session, ...) needs runtime=")
    session = session_or_runtime
    ops = Opinions(runtime)
    who = actor or system_principal(runtime)
    reason = d.text(reason, "reason", max_len=d.MAX_NOTE, required=True)
    row = OpinionStore(session).opinion(opinion_id, for_update=True)
    ops._manage(who, row)
    ops.escalate_row(session, row, reason, who)
    return row
