"""Escalation across tiers (township -> county -> prefecture) and back down.

Up: a case whose tier cannot settle it (its deadline passed, or staff escalated it) leaves
its deployment as an OpinionEscalated event carrying the whole case (opinions.escalate_row).
The deployment whose home region the event names opens a linked case: the history copied,
a step noting the escalation, the citizen's contact kept, ACCEPTED at this tier with this
tier's deadline. One linked case per original case: the consumer's inbox drops a redelivered
event, and a unique (origin_region, origin_opinion_id) drops a re-published one (new id).

Down: when a linked case concludes (ConcludeOpinion, or its own outcome arriving from above)
it publishes an EscalationOutcome (opinions.report_outcome). The deployment holding the
original case applies it once: the upper tier's steps join the case's history, the case is
RESOLVED or UNRESOLVED with the upper tier's answer, and a linked case passes the outcome on
further down. Outcomes for unknown cases, or for cases no longer waiting, change nothing.

The overdue sweep (overdue_sweep) escalates open cases whose deadline has passed, each in a
transaction of its own, safe beside another replica sweeping at the same time.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import structlog
from lianxin.liaison.v1 import events_pb2 as ev
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.liaison import domain as d
from services.liaison import settings as liaison_settings
from services.liaison.opinions import Opinions, escalate, system_principal
from services.liaison.store import OpinionStore
from services.liaison.tables import OpinionRow, OpinionStepRow
from shared.bus import Envelope
from shared.bus.envelope import source_for
from shared.clock import now
from shared.errors import FailedPrecondition, NotFound
from shared.service import ConsumedTopic, EventHandler, Runtime, Timer, dispatch, event_consumer

SWEEP_REASON = "办理期限已过 (deadline passed)"
SWEEP_BATCH = 200
S = d.Status
OPEN = tuple(int(s) for s in d.OPEN)


def _at(stamp, fallback: datetime) -> datetime:
    return stamp.ToDatetime(tzinfo=timezone.utc) if stamp.seconds or stamp.nanos else fallback


def _step_row(step, fallback: datetime) -> OpinionStepRow:
    return OpinionStepRow(status=int(step.status), actor=step.actor[:100], actor_role=step.actor_role[:20],
                          actor_name=step.actor_name[:50], region_code=step.region_code[:9], note=step.note,
                          at=_at(step.at, fallback), rating=step.rating if 1 <= step.rating <= 5 else 0)


class EscalationHandler:
    """Consumer handler for lianxin.liaison.v1: cases escalated to this deployment's home
    region, and outcomes for cases this deployment escalated. Other events pass by."""

    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.home = runtime.settings.home_region
        self.ops = Opinions(runtime)
        self.service = system_principal(runtime)
        self.own_source = source_for(runtime.settings.service, self.home)
        self.log = structlog.get_logger("liaison.escalation")

    def table(self) -> dict[type, EventHandler]:
        return {ev.OpinionEscalated: self._escalated,
                ev.EscalationOutcome: lambda s, e, env: self.apply_outcome(s, e, env.id)}

    def __call__(self, session: Session, env: Envelope) -> None:
        dispatch(self.table(), session, env)

    def _escalated(self, session: Session, e: ev.OpinionEscalated, env: Envelope) -> None:
        if env.source == self.own_source:
            return   # this deployment escalates only to tiers it does not serve
        self.open_linked(session, e, env.id)

    def _name(self, code: str) -> str:
        return self.regions.get(code).name if code in self.regions else code

    # ---- up: a case from the tier below ---------------------------------------------------
    def open_linked(self, session: Session, e: ev.OpinionEscalated, event_id: str = "") -> OpinionRow | None:
        if e.to_region != self.home:
            return None
        o = e.opinion
        if not o.id or o.region_code not in self.regions or not self.regions.contains(self.home, o.region_code):
            self.log.warning("escalation.refused", event_id=event_id, opinion=o.id, region=o.region_code,
                             reason="the case's region is not served here")
            return None
        origin_region = e.from_region or o.handling_region
        linked = session.scalars(select(OpinionRow).where(
            OpinionRow.origin_region == origin_region, OpinionRow.origin_opinion_id == o.id)).first()
        if linked is not None:
            self.log.info("escalation.already_linked", event_id=event_id, origin=o.id, linked=linked.id)
            return linked
        at = now()
        history = [_step_row(s, at) for s in o.history]
        row = OpinionRow(
            id=str(uuid.uuid4()), tracking_code=self.ops._tracking_code(OpinionStore(session)),
            region_code=o.region_code, region_path=self.regions.get(o.region_code).path, handling_region=self.home,
            channel=int(o.channel) or int(d.Channel.SYSTEM), category=o.category[:d.MAX_CATEGORY], text=o.text,
            deputy_id=o.deputy_id, venue_id=o.venue_id, contact_name=o.contact.name[:50],
            contact_phone=o.contact.phone[:20], status=int(S.ACCEPTED), answer="", transfer_department="",
            transfer_department_name="", transfer_reply="", resolved=None, feedback="", rating=0,
            rating_comment="", raised_at=_at(o.raised_at, at), updated_at=at, due_at=self.ops.due(at, self.home),
            origin_opinion_id=o.id, origin_region=origin_region, escalated_to_region="", activity_id="",
            inherited_steps=len(history), steps=history)
        session.add(row)
        note = f"{self._name(origin_region)}升级至本级受理" + (f": {e.reason}" if e.reason else "")
        self.ops._step(session, row, S.ACCEPTED, self.service, note, at=at)
        self.log.info("escalation.linked", event_id=event_id, origin=o.id, origin_region=origin_region, linked=row.id)
        return row

    # ---- down: the outcome from the tier above --------------------------------------------
    def apply_outcome(self, session: Session, e: ev.EscalationOutcome, event_id: str = "") -> OpinionRow | None:
        try:
            row = OpinionStore(session).opinion(e.origin_opinion_id, for_update=True)
        except NotFound:
            return None   # not a case of this deployment
        try:
            d.check_step(d.Step.OUTCOME, d.Status(row.status))
        except FailedPrecondition:
            self.log.info("escalation.outcome_ignored", event_id=event_id, opinion=row.id,
                          status=d.Status(row.status).name.lower(), reason="the case is not waiting for one")
            return None
        if row.escalated_to_region and e.upper_region and e.upper_region != row.escalated_to_region:
            self.log.warning("escalation.outcome_ignored", event_id=event_id, opinion=row.id,
                             upper_region=e.upper_region, reason=f"escalated to {row.escalated_to_region}")
            return None
        at = now()
        for step in e.steps:
            row.steps.append(_step_row(step, at))
        if e.answer:
            row.answer = e.answer
        row.resolved = bool(e.resolved)
        row.resolved_at = at if e.resolved else None
        verdict = "已解决" if e.resolved else "未能解决"
        self.ops._step(session, row, S.RESOLVED if e.resolved else S.UNRESOLVED, self.service,
                       f"{self._name(e.upper_region)}办理结果: {verdict}", at=at)
        if row.origin_opinion_id:
            self.ops.report_outcome(session, row, e.answer)
        else:
            row.due_at = None   # the tier above has decided; what remains is feedback to the citizen
        self.log.info("escalation.outcome_applied", event_id=event_id, opinion=row.id, resolved=bool(e.resolved))
        return row


def escalations_from_below(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"liaison-escalation-{runtime.settings.home_region}", EscalationHandler(runtime).table())


# ---- the overdue sweep ------------------------------------------------------------------------
def sweep_overdue(runtime: Runtime, *, at: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Escalates open cases whose deadline passed before ``at``; returns how many it escalated.

    Each case in its own transaction, locked with SKIP LOCKED and re-checked under the lock, so
    a second replica sweeping at the same time passes over it; a case that cannot escalate
    (FAILED_PRECONDITION, e.g. another sweep got there first) is left as it is."""
    at = at or now()
    log = structlog.get_logger("liaison.sweep")
    home = runtime.settings.home_region
    # Without escalate_to, a case handled at the top of the tree has nowhere to go.
    tops = [] if liaison_settings.of(runtime).escalate_to else [r.code for r in runtime.regions.subtree(home) if not r.parent]
    overdue = (OpinionRow.status.in_(OPEN), OpinionRow.due_at < at)
    q = select(OpinionRow.id).where(*overdue)
    # Cases left here from before their tier got a deployment of its own are that
    # deployment's to escalate (Opinions._manage refuses their steps): not swept here.
    skip = tops + [r.code for x in runtime.deployment.delegated for r in runtime.regions.subtree(x)]
    if skip:
        q = q.where(OpinionRow.handling_region.not_in(skip))
    with runtime.transaction() as s:
        ids = list(s.scalars(q.order_by(OpinionRow.due_at).limit(batch)))
    escalated = 0
    for opinion_id in ids:
        try:
            with runtime.transaction() as s:
                locked = s.scalar(select(OpinionRow.id).where(OpinionRow.id == opinion_id, *overdue)
                                  .with_for_update(skip_locked=True))
                if locked is None:
                    continue   # another sweep has it, or it moved on meanwhile
                escalate(s, opinion_id, SWEEP_REASON, runtime=runtime)
                escalated += 1
        except FailedPrecondition as e:
            log.info("sweep.skipped", opinion=opinion_id, reason=str(e))
    if escalated:
        log.info("sweep.escalated", count=escalated)
    return escalated


def overdue_sweep(runtime: Runtime) -> Timer:
    return Timer(name="overdue-sweep", every_seconds=liaison_settings.of(runtime).sweep_interval,
                 run=lambda: sweep_overdue(runtime))
