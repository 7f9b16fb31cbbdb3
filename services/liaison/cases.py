"""The rules every opinion use case (意见建议) shares. Each use case runs in one transaction:
check the caller's role and scope, check the step against the domain's step table, change
the case, add its history row and write its events to the outbox, together. A refused call
writes nothing.

Who may do what is the access table (services/liaison/access.py); here it is applied to a
case: a SUBTREE caller sees a case whose region or handling tier lies in its region and acts
on it when the handling tier does; an OWN caller sees and acts on its own cases only (a
deputy: raised to them; a department: transferred to that department of its region). A case
the caller may not see is NOT_FOUND, as if it did not exist; one it sees but may not act on
is PERMISSION_DENIED. The citizen's contact is shown only to staff and system whose region
contains the case's region, and to the department handling it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from services.liaison import convert
from services.liaison import domain as d
from services.liaison import settings as liaison_settings
from services.liaison.access import ACCESS
from services.liaison.activity_tables import ActivityRow
from services.liaison.directory import DirectoryDeputyRow
from services.liaison.tables import OpinionRow, OpinionStepRow
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import now
from shared.errors import FailedPrecondition, NotFound, PermissionDenied
from shared.rpc.ratelimit import RateLimiter
from shared.service import Runtime
from shared.tenancy import RegionTree

S = d.Status
MAX_DEPARTMENT = 100
MAX_RATING_COMMENT = 500
MAX_CARD_CODE = 16
CITIZEN = "citizen"   # the actor recorded for public steps: never the client's address


def system_principal(runtime: Runtime, subject: str = "liaison", *, region: str = "") -> Principal:
    """The service acting on its own (e.g. the overdue sweep), over its whole home subtree, or
    on behalf of one tier ``region`` in it (e.g. the tier above taking over an escalated case)."""
    return Principal(subject=subject, role=Role.SYSTEM, region=region or runtime.settings.home_region)


@dataclass(frozen=True)
class ShownOpinion:
    """A case as one caller may see it: the citizen's contact only ``with_contact``
    (convert.opinion_to_proto gives its message)."""
    row: OpinionRow
    with_contact: bool


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
    venue_id: str = ""
    due_before: datetime | None = None
    transfer_due_before: datetime | None = None
    escalated: bool = False


def is_token_deputy(session: Session | None, regions: RegionTree, who: Principal) -> bool:
    """Whether a deputy token names a deputy at all: the deputy whose id is the token's
    subject and whose region (the roster's, as this service's directory has it from roster
    events) lies within the token's region. The subject alone is not enough: a token of
    652302 or of another prefecture carrying a 652301 deputy's id is no one's, and has no
    own cases (as in the roster, which resolves the deputy inside the token's region). The
    deputy's own region is checked, not a case's: an escalated case stays its deputy's."""
    if session is None:
        return False
    region = session.execute(select(DirectoryDeputyRow.region_code)
                             .where(DirectoryDeputyRow.id == who.subject)).scalar()
    return region is not None and regions.contains(who.region, region)


def is_own_case(regions: RegionTree, who: Principal, row: OpinionRow) -> bool:
    """A deputy's case is one raised to them, the deputy lying in the token's region
    (is_token_deputy); a department's, one transferred to that department (token subject) of
    its region (token region): the name alone is not enough."""
    if who.role is Role.DEPUTY:
        return (bool(row.deputy_id) and row.deputy_id == who.subject
                and is_token_deputy(object_session(row), regions, who))
    if who.role is Role.DEPARTMENT:
        return (bool(row.transfer_department) and row.transfer_department == who.subject
                and row.transfer_department_region == who.region)
    return False


def sees_case(regions: RegionTree, who: Principal, row: OpinionRow, action: str = "opinion.read") -> bool:
    """Whether the caller's scope for ``action`` reaches the case (False for roles without one)."""
    scope = ACCESS.allows(who, action)
    if scope is Scope.OWN:
        return is_own_case(regions, who, row)
    if scope is Scope.SUBTREE:
        return regions.contains(who.region, row.region_code) or regions.contains(who.region, row.handling_region)
    return False


class CaseRules:
    """What every opinion use case shares: settings, regions, who sees and does what, and
    the history step with its event."""

    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.home = runtime.settings.home_region
        per_hour = max(1, liaison_settings.of(runtime).public_submissions_per_card_per_hour)
        self.card_limiter = RateLimiter(per_hour / 60.0, burst=per_hour)

    # ---- settings and regions ----------------------------------------------------
    def deadlines(self) -> dict[str, int]:
        s = liaison_settings.of(self.rt)
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
    def _view(self, who: Principal, row: OpinionRow, field: str = "id") -> None:
        """A case the caller may not read is NOT_FOUND, exactly like an unknown id."""
        ACCESS.scope(who, "opinion.read")
        if not sees_case(self.regions, who, row):
            raise NotFound("opinion", row.id, field)

    def _manage(self, who: Principal, row: OpinionRow, action: str = "opinion.manage", field: str = "id") -> None:
        """Acting on a case: the action's role (PERMISSION_DENIED), a case the caller sees
        (else NOT_FOUND), and for a SUBTREE caller the tier handling it in its region (a case
        of its region handled above it is PERMISSION_DENIED); for an OWN caller its own case."""
        scope = ACCESS.scope(who, action)
        self._view(who, row, field)
        if scope is Scope.OWN:
            if not is_own_case(self.regions, who, row):
                raise PermissionDenied(f"{field}: opinion {row.id} is not the caller's own case")
        elif not self.regions.contains(who.region, row.handling_region):
            raise PermissionDenied(f"opinion {row.id} is handled outside the caller's region {who.region}")
        owner = self.rt.deployment.delegated_to(row.handling_region)
        if owner is not None:
            # A case left here from before its tier got a deployment of its own: readable
            # (it is this deployment's history), but its steps are taken there.
            raise FailedPrecondition(f"{field}: opinion {row.id} is handled in {row.handling_region}, "
                                     f"served by the deployment of {owner}, not this one")

    # ---- ids a request names, resolved in the caller's region (else NOT_FOUND naming the field).
    # A roster record (deputy, venue) of a delegated subtree is its own deployment's, even when
    # the directory still holds it from before: not found here, as a fresh deployment answers.
    def _deputy_in_scope(self, store, who: Principal, deputy_id: str, field: str):
        row = store.deputy(deputy_id, field)
        if not self.regions.contains(who.region, row.region_code) or not self._serves(row.region_code):
            raise NotFound("deputy", deputy_id, field)
        return row

    def _venue_in_scope(self, store, who: Principal, venue_id: str, field: str):
        row = store.venue(venue_id, field)
        if not self.regions.contains(who.region, row.region_code) or not self._serves(row.region_code):
            raise NotFound("venue", venue_id, field)
        return row

    def _activity_in_scope(self, session: Session, who: Principal, activity_id: str, field: str):
        """An activity a write names (an opinion attached to it): in the caller's region, else
        NOT_FOUND, and served here, else INVALID_ARGUMENT naming the deployment that serves it;
        a deputy's only if they took part in it (as RecordActivity asks of a deputy's visit),
        else PERMISSION_DENIED naming ``field``."""
        row = session.get(ActivityRow, activity_id)
        if row is None or not self.regions.contains(who.region, row.region_code):
            raise NotFound("activity", activity_id, field)
        # An activity recorded here before its region moved to its own deployment stays readable
        # (GetActivity shows it), so say why it takes no new opinion rather than "not found".
        self.rt.deployment.require_served(row.region_code, field)
        if ACCESS.scope(who, "opinion.record") is Scope.OWN and who.subject not in {x.deputy_id for x in row.deputies}:
            raise PermissionDenied(f"{field}: a deputy attaches opinions only to activities they took part in")
        return row

    def sees_contact(self, who: Principal, row: OpinionRow) -> bool:
        scope = ACCESS.allows(who, "opinion.read_contact")
        if scope is Scope.OWN:
            return is_own_case(self.regions, who, row)
        return scope is Scope.SUBTREE and self.regions.contains(who.region, row.region_code)

    def shown(self, who: Principal, row: OpinionRow) -> ShownOpinion:
        return ShownOpinion(row, with_contact=self.sees_contact(who, row))

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
            actor_name="" if public else who.name, region_code=region or row.handling_region, note=note, at=at,
            rating=rating))
        self.rt.outbox.add(session, convert.step_recorded(
            opinion_id=row.id, region_code=row.region_code, handling_region=row.handling_region,
            status=int(status), channel=row.channel, raised_at=row.raised_at, at=at,
            rating=rating, linked=bool(row.origin_opinion_id),
            actor_deputy_id=who.subject if who.role is Role.DEPUTY else ""), region=row.region_code)
