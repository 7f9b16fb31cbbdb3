"""What every roster use case shares: the caller's scope from the access table
(services/roster/access.py), the records a request names resolved inside it, and the
outbox. Each use case runs in one transaction: resolve what the request names in the
caller's scope, apply the domain rules, store the change and write its event to the outbox,
together."""
from __future__ import annotations

import secrets

from services.roster import domain as d
from services.roster.access import ACCESS, CONTACT_READERS, READERS, WRITERS
from services.roster.store import RosterStore
from services.roster.tables import DeputyRow, VenueRow
from shared.access import Scope
from shared.auth import Principal
from shared.errors import NotFound, PermissionDenied
from shared.service import Runtime
from shared.tenancy import RegionKind

__all__ = ["ACCESS", "CONTACT_READERS", "READERS", "WRITERS", "UseCase", "new_card_code", "sees_contact"]


def sees_contact(who: Principal, deputy: DeputyRow | str) -> bool:
    """Whether the caller is shown a deputy's contact details (the access table's
    deputy.read_contact: office, committee, auditors and systems in scope; the deputy)."""
    scope = ACCESS.allows(who, "deputy.read_contact")
    deputy_id = deputy if isinstance(deputy, str) else deputy.id
    if scope is Scope.OWN:
        return who.subject == deputy_id
    return scope is Scope.SUBTREE


CARD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: codes get read aloud and typed
assert len(CARD_ALPHABET) == 32   # new_card_code relies on it


def new_card_code() -> str:
    # 32 symbols divide 256, so `byte & 31` is uniform: one urandom call instead of ~20.
    return "".join(CARD_ALPHABET[b & 31] for b in secrets.token_bytes(10))


class UseCase:
    """The base of the roster's use-case groups (deputies, venues, double contact, files)."""

    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    # ---- scope ------------------------------------------------------------
    def _in_region(self, who: Principal, region_code: str) -> bool:
        """A roster record's region is within the caller's and served by this deployment: the
        deputies and venues of a delegated subtree are its own deployment's, even when rows of
        them are left in this database from before it was delegated (not found here, for any
        action, as a fresh deployment would answer)."""
        return self.regions.contains(who.region, region_code) and self.rt.deployment.serves(region_code)

    def _target_region(self, who: Principal, region_code: str, action: str, field: str = "region_code") -> str:
        """A region a request acts on, to read or to write: well formed, known and served by
        this deployment (within home and not in a delegated subtree: INVALID_ARGUMENT, the
        roster of a delegated subtree is its own deployment's), then within the caller's
        region (PERMISSION_DENIED: region codes are public, nothing leaks). Returns its path."""
        ACCESS.scope(who, action)
        code = d.check_region_code(region_code, field)
        path = self._region(code, field)
        self.regions.ensure_within(who.region, code)
        return path

    def _check_seats(self, profile: d.DeputyProfile, prefix: str = "deputy") -> None:
        """A deliberation seat only for a deputy of a sub-district (domain.check_seat_region)."""
        region = self.regions.get(profile.region_code)
        d.check_seat_region(profile, region.kind is RegionKind.SUBDISTRICT, prefix)

    def _excluded(self, path: str) -> tuple[str, ...]:
        """The paths of the delegated subtrees below ``path``: a listing of ``path`` leaves
        their rows out (rows of them left from before they were delegated)."""
        return tuple(p for p in (self.regions.get(c).path for c in self.rt.deployment.delegated)
                     if p.startswith(path + "/"))

    def _scope_path(self, who: Principal, region_code: str, action: str = "deputy.read",
                    field: str = "region_code") -> str:
        """The subtree a listing covers: the caller's own region unless narrowed."""
        ACCESS.scope(who, action)
        if not region_code:
            if who.region not in self.regions:
                raise PermissionDenied(f"region {who.region} is not served here")
            return self.regions.get(who.region).path
        return self._target_region(who, region_code, action, field)

    def _region(self, code: str, field: str) -> str:
        """A region a write names: known, and served by this deployment (within home, not in
        a delegated subtree)."""
        d.check_region_code(code, field)
        path = self.regions.require(code, field).path
        self.rt.deployment.require_served(code, field)
        return path

    def _deputy(self, store: RosterStore, who: Principal, deputy_id: str, field: str, action: str, *,
                for_update: bool = False) -> DeputyRow:
        """The deputy a request names, for ``action``. NOT_FOUND naming ``field`` when it does
        not exist or lies outside the caller's region (its existence is not theirs to learn);
        PERMISSION_DENIED when the caller reads it but the action is someone else's (a
        deputy on another deputy's record)."""
        scope = ACCESS.scope(who, action)
        row = store.deputy(deputy_id, for_update=for_update, field=field)
        if not self._in_region(who, row.region_code):
            raise NotFound("deputy", deputy_id, field)
        if scope is Scope.OWN and row.id != who.subject:
            raise PermissionDenied(f"{field}: a deputy may {action.replace('.', ' ')} only their own record")
        return row

    def _venue(self, store: RosterStore, who: Principal, venue_id: str, field: str, action: str) -> VenueRow:
        """The venue a request names, inside the caller's region, else NOT_FOUND naming ``field``."""
        ACCESS.scope(who, action)
        row = store.venue(venue_id, field=field)
        if not self._in_region(who, row.region_code):
            raise NotFound("venue", venue_id, field)
        return row

    def _emit(self, session, message, region: str) -> None:
        self.rt.outbox.add(session, message, region=region)
