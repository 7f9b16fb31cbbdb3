"""What every balloting use case shares. Each use case runs in one transaction: resolve what
the request names inside the caller's scope (the access table, services/balloting/access.py),
check the step against the campaign's phase (domain.check_step), change the records, record
who did it and when, and write its event to the outbox, together. A refused call writes
nothing.

A campaign the caller may not see is NOT_FOUND naming the field, exactly like an unknown id;
a region code outside the caller's region is PERMISSION_DENIED (region codes are public).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.balloting import convert
from services.balloting import domain as d
from services.balloting.access import ACCESS
from services.balloting.store import BallotingStore
from services.balloting.tables import BallotDeputyRow, CampaignRow, CampaignStepRow
from shared import validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import now
from shared.errors import NotFound
from shared.service import Runtime


def on_branch(regions, a: str, b: str) -> bool:
    """Whether one of two regions contains the other (they stand on one branch of the tree)."""
    return regions.contains(a, b) or regions.contains(b, a)


class UseCase:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    # ---- regions ----------------------------------------------------------------------
    def _served_region(self, who: Principal | None, code: str, field: str) -> str:
        """A region a write names: well formed, known and served here (INVALID_ARGUMENT naming
        ``field``), then within the caller's region (PERMISSION_DENIED) when a caller is given."""
        code = validation.region_code(code, field)
        self.regions.require(code, field)
        self.rt.deployment.require_served(code, field)
        if who is not None:
            self.regions.ensure_within(who.region, code)
        return code

    # ---- who is who -------------------------------------------------------------------
    def token_deputy(self, store: BallotingStore, who: Principal) -> BallotDeputyRow | None:
        """The deputy a deputy token names: the roster's deputy (as balloting knows it from
        roster events) whose id is the subject and whose region lies in the token's region;
        None for any other token (a 652302 token carrying a 652301 deputy's id is no one's)."""
        if who.role is not Role.DEPUTY:
            return None
        row = store.deputy(who.subject) if len(who.subject) <= 36 else None
        if row is None or not self.regions.contains(who.region, row.region_code):
            return None
        return row

    # ---- campaigns in scope -------------------------------------------------------------
    def sees_campaign(self, store: BallotingStore, who: Principal, row: CampaignRow, action: str) -> bool:
        scope = ACCESS.allows(who, action)
        if not self.rt.deployment.serves(row.region_code):
            return False
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN:
            if not on_branch(self.regions, who.region, row.region_code):
                return False
            return who.role is not Role.DEPUTY or self.token_deputy(store, who) is not None
        return False

    def campaign_in_scope(self, store: BallotingStore, who: Principal, campaign_id: str, field: str, action: str,
                          *, for_update: bool = False, light: bool = False) -> CampaignRow:
        """The campaign a request names, for ``action`` (the role is checked first:
        PERMISSION_DENIED); NOT_FOUND naming ``field`` when it does not exist or is outside the
        caller's scope. ``light``: its steps and candidates loaded only if asked for (store.campaign)."""
        ACCESS.scope(who, action)
        row = store.campaign(campaign_id, field, for_update=for_update, light=light)
        if not self.sees_campaign(store, who, row, action):
            raise NotFound("campaign", campaign_id, field)
        return row

    # ---- history and events ---------------------------------------------------------------
    def step(self, session: Session, row: CampaignRow, action: str, who: Principal, note: str = "", *,
             to_phase: d.Phase | None = None) -> CampaignStepRow:
        """Records who took a step and when; a step that moves the campaign to another phase
        publishes CampaignPhaseChanged (the other steps publish their own events)."""
        at = now()
        before = d.Phase(row.phase)
        if to_phase is not None:
            row.phase = int(to_phase)
        row.updated_at = at
        step = CampaignStepRow(phase=row.phase, action=action, actor=who.subject[:100], actor_role=who.role.value,
                               actor_name=who.name[:50], note=note, at=at)
        row.steps.append(step)
        if to_phase is not None and to_phase is not before:
            self.rt.outbox.add(session, convert.phase_changed(row, before, step), region=row.region_code)
        return step
