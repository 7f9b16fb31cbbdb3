"""Opinion use cases (意见建议): reading cases and the steps of their life, on top of
raising them (intake.py) and the shared rules (cases.py); see cases.py for who may do what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.liaison import convert
from services.liaison import domain as d
from services.liaison import settings as liaison_settings
from services.liaison.access import ACCESS
from services.liaison.cases import (
    MAX_DEPARTMENT,
    ListQuery,
    NewOpinion,
    S,
    ShownOpinion,
    is_token_deputy,
    system_principal,
)
from services.liaison.intake import Intake
from services.liaison.store import OpinionFilter, OpinionStore
from services.liaison.tables import OpinionRow
from shared import paging
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import now
from shared.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from shared.service import Runtime

__all__ = ["ListQuery", "NewOpinion", "Opinions", "ShownOpinion", "escalate", "now", "system_principal"]


class Opinions(Intake):
    # ---- reading ------------------------------------------------------------------
    def get(self, who: Principal, opinion_id: str) -> ShownOpinion:
        with self.rt.transaction() as s:
            row = OpinionStore(s).opinion(opinion_id, field="id")
            self._view(who, row)
            return self.shown(who, row)

    def list(self, who: Principal, q: ListQuery, page: paging.Page) -> tuple[list[ShownOpinion], int, str]:
        """(the page's cases as this caller sees them, total, next page token) (shared.paging)."""
        deputy_id, department, department_region = q.deputy_id, q.department, ""
        scope_path: str | None = None
        scope_codes: tuple[str, ...] = ()
        own = ACCESS.scope(who, "opinion.read") is Scope.OWN
        # A deputy or a department lists its own cases only: naming another one is refused
        # whether or not it exists (nothing is learnt), as PERMISSION_DENIED since the
        # filter is the caller's own mistake (README, "Who may do what").
        if own and who.role is Role.DEPUTY:
            if deputy_id and deputy_id != who.subject:
                raise PermissionDenied("deputy_id: a deputy lists their own cases")
            deputy_id = who.subject
        elif own:
            if department and department != who.subject:
                raise PermissionDenied("department: a department lists the cases transferred to it")
            department, department_region = who.subject, who.region
        if q.region_code:
            code = d.code(q.region_code, "region_code", max_len=9)
            self.regions.require(code, "region_code")
            self.rt.deployment.require_home(code, "region_code")
            self.regions.ensure_within(who.region, code)
        elif own:
            code = None
        else:
            code = who.region
            if code not in self.regions:
                raise PermissionDenied(f"region {code} is not served here")
        if deputy_id and not own:
            with self.rt.transaction() as s:   # a deputy named as a filter is resolved in scope too
                self._deputy_in_scope(OpinionStore(s), who, deputy_id, "deputy_id")
        if q.venue_id and not own:
            with self.rt.transaction() as s:   # and so is a venue (an own caller's list is theirs already)
                self._venue_in_scope(OpinionStore(s), who, q.venue_id, "venue_id")
        if own and who.role is Role.DEPUTY:
            with self.rt.transaction() as s:
                if not is_token_deputy(s, self.regions, who):
                    # No deputy of the token's region has this id: no own cases to list.
                    if q.deputy_id:
                        raise NotFound("deputy", deputy_id, "deputy_id")
                    return [], 0, ""
        if code is not None:
            scope_path = self.regions.get(code).path
            scope_codes = tuple(r.code for r in self.regions.subtree(code))
        f = OpinionFilter(scope_path=scope_path, scope_codes=scope_codes, deputy_id=deputy_id,
                          department=department, department_region=department_region,
                          status=int(q.status) if q.status else None,
                          raised_from=q.raised_from, raised_to=q.raised_to, venue_id=q.venue_id,
                          due_before=q.due_before, transfer_due_before=q.transfer_due_before,
                          open_statuses=tuple(int(x) for x in d.OPEN), escalated=q.escalated)
        with self.rt.transaction() as s:
            rows, total, token = OpinionStore(s).list(f, page)
            return [self.shown(who, r) for r in rows], total, token

    # ---- the life of a case -----------------------------------------------------------
    def _change(self, who: Principal, opinion_id: str, step: d.Step, apply, action="opinion.manage") -> ShownOpinion:
        """The common shape of a step: load for update, check who, check order, apply."""
        with self.rt.transaction() as s:
            row = OpinionStore(s).opinion(opinion_id, for_update=True, field="id")
            self._manage(who, row, action)
            d.check_step(step, d.Status(row.status))
            apply(s, row)
            return self.shown(who, row)

    def accept(self, who: Principal, opinion_id: str, note: str) -> ShownOpinion:
        note = d.text(note, "note", max_len=d.MAX_NOTE)
        return self._change(who, opinion_id, d.Step.ACCEPT,
                            lambda s, row: self._step(s, row, S.ACCEPTED, who, note))

    def reject(self, who: Principal, opinion_id: str, reason: str) -> ShownOpinion:
        reason = d.text(reason, "reason", max_len=d.MAX_NOTE, required=True)
        return self._change(who, opinion_id, d.Step.REJECT,
                            lambda s, row: self._step(s, row, S.REJECTED, who, reason))

    def answer(self, who: Principal, opinion_id: str, answer: str) -> ShownOpinion:
        answer = d.text(answer, "answer", max_len=d.MAX_TEXT, required=True)

        def apply(s, row):
            row.answer = answer
            self._step(s, row, S.ANSWERED, who, answer)
        return self._change(who, opinion_id, d.Step.ANSWER, apply, action="opinion.answer")

    def transfer(self, who: Principal, opinion_id: str, department: str, department_name: str,
                 deadline: datetime | None, note: str) -> ShownOpinion:
        department = d.line(department, "department", max_len=MAX_DEPARTMENT, required=True)
        department_name = d.line(department_name, "department_name", max_len=MAX_DEPARTMENT, required=True)
        note = d.text(note, "note", max_len=d.MAX_NOTE)
        if deadline is None:
            raise InvalidArgument("deadline", "is required")
        if deadline <= now():
            raise InvalidArgument("deadline", "must be in the future")

        def apply(s, row):
            row.transfer_department, row.transfer_department_name = department, department_name
            # The department is the handling tier's own: known by its name and that region.
            row.transfer_department_region = row.handling_region
            row.transfer_deadline = deadline
            row.transfer_reply, row.transfer_replied_at = "", None
            row.resolved, row.resolved_at = None, None
            self._step(s, row, S.TRANSFERRED, who, note or f"转办 {department_name}")
        return self._change(who, opinion_id, d.Step.TRANSFER, apply)

    def reply(self, who: Principal, opinion_id: str, reply: str) -> ShownOpinion:
        reply = d.text(reply, "reply", max_len=d.MAX_TEXT, required=True)

        def apply(s, row):
            at = now()
            row.transfer_reply, row.transfer_replied_at = reply, at
            self._step(s, row, S.REPLIED, who, reply, at=at)
        return self._change(who, opinion_id, d.Step.REPLY, apply, action="opinion.reply")

    def conclude(self, who: Principal, opinion_id: str, resolved: bool, note: str) -> ShownOpinion:
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

    def escalate(self, who: Principal, opinion_id: str, reason: str) -> ShownOpinion:
        reason = d.text(reason, "reason", max_len=d.MAX_NOTE, required=True)
        with self.rt.transaction() as s:
            row = OpinionStore(s).opinion(opinion_id, for_update=True, field="id")
            self._manage(who, row)
            self.escalate_row(s, row, reason, who)
            return self.shown(who, row)

    def escalate_row(self, session: Session, row: OpinionRow, reason: str, who: Principal) -> None:
        """Hands a case to the tier above (the caller has checked who may).

        The tier above in this deployment takes the case over: it is accepted there, with a
        new deadline, by this service on that tier's behalf (actor: system principal of the
        tier above; ``who``, the escalating caller, is the actor of the ESCALATED step only).
        A tier above served by another deployment gets the whole case in an
        OpinionEscalated event, and this case waits, ESCALATED, for its outcome."""
        d.check_step(d.Step.ESCALATE, d.Status(row.status))
        here = self.regions.get(row.handling_region)
        parent = here.parent
        at = now()
        if parent and self.regions.contains(self.home, parent):
            self._step(session, row, S.ESCALATED, who, reason, at=at, region=here.code)
            row.handling_region = parent
            row.due_at = self.due(at, parent)
            # The tier above did not act: this service takes the case over on its behalf, as
            # the escalation consumer does across deployments (docs/decisions.md).
            self._step(session, row, S.ACCEPTED, system_principal(self.rt, region=parent),
                       f"{here.name}升级至本级受理: {reason}", at=at, region=parent)
            return
        to_region = liaison_settings.of(self.rt).escalate_to or parent
        if not to_region:
            raise FailedPrecondition(f"there is no tier above {here.code} to escalate to")
        if row.escalated_to_region == to_region:
            # Its outcome came back already; that tier would not open the case a second time.
            raise FailedPrecondition(f"{to_region} has already given its outcome on this case")
        row.escalated_to_region = to_region
        self._step(session, row, S.ESCALATED, who, reason, at=at, region=here.code)
        session.flush()
        self.rt.outbox.add(session, convert.opinion_escalated(row, here.code, to_region, reason), region=to_region)

    def feedback(self, who: Principal, opinion_id: str, feedback: str) -> ShownOpinion:
        feedback = d.text(feedback, "feedback", max_len=d.MAX_TEXT, required=True)

        def apply(s, row):
            row.feedback = feedback
            self._step(s, row, S.FEEDBACK_GIVEN, who, feedback)
        return self._change(who, opinion_id, d.Step.FEEDBACK, apply)

    def close(self, who: Principal, opinion_id: str, note: str) -> ShownOpinion:
        note = d.text(note, "note", max_len=d.MAX_NOTE)
        return self._change(who, opinion_id, d.Step.CLOSE,
                            lambda s, row: self._step(s, row, S.CLOSED, who, note))


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
