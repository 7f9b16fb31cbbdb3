"""The rules every opinion use case (意见建议) shares. Each use case runs in one transaction:
check the caller's role and scope, check the step against the domain's step table, change
the case, add its history row and write its events to the outbox, together. A refused call
writes nothing.

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

from dataclasses import dataclass
from datetime import datetime

from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb
from sqlalchemy.orm import Session

from services.liaison import convert, domain as d
from services.liaison.tables import OpinionRow, OpinionStepRow
from shared.auth import Principal, Role
from shared.clock import now
from shared.errors import NotFound, PermissionDenied
from shared.rpc.ratelimit import RateLimiter
from shared.service import Runtime

S = d.Status
MANAGERS = (Role.STAFF, Role.COMMITTEE, Role.SYSTEM)
VIEWERS = (Role.STAFF, Role.COMMITTEE, Role.AUDITOR, Role.SYSTEM)
CONTACT_VIEWERS = (Role.STAFF, Role.SYSTEM)
MAX_DEPARTMENT = 100
MAX_RATING_COMMENT = 500
MAX_CARD_CODE = 16
CITIZEN = "citizen"   # the actor recorded for public steps: never the client's address


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


class CaseRules:
    """What every opinion use case shares: settings, regions, who sees and does what, and
    the history step with its event."""

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
        code = d.code(code, field, max_len=9, required=True)
        self.regions.require(code, field)
        self.rt.deployment.require_served(code, field)
        return code

    def _serves(self, code: str) -> bool:
        """In the home subtree and not in a region that runs its own deployment."""
        return self.rt.deployment.serves(code)

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
