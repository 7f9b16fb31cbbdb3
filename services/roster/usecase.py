"""What every roster use case shares: who may read and write, the caller's scope, and the
outbox. Each use case runs in one transaction: check the caller's role and region, apply
the domain rules, store the change and write its event to the outbox, together."""
from __future__ import annotations

import secrets
from services.roster import domain as d
from shared.auth import Principal, Role
from shared.service import Runtime

WRITERS = (Role.STAFF, Role.COMMITTEE, Role.SYSTEM)
READERS = (Role.STAFF, Role.COMMITTEE, Role.SYSTEM, Role.AUDITOR, Role.DEPUTY, Role.DEPARTMENT)
# Who reads deputies' contact details and their voter households (citizens' own details);
# a deputy and a department see the roster, and a deputy their own record in full.
CONTACT_READERS = (Role.STAFF, Role.COMMITTEE, Role.SYSTEM, Role.AUDITOR)


def sees_contact(who: Principal, deputy_id: str) -> bool:
    return who.role in CONTACT_READERS or (who.role is Role.DEPUTY and who.subject == deputy_id)


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
    def _scope(self, who: Principal, region_code: str, roles=READERS) -> None:
        who.require(*roles)
        self.regions.ensure_within(who.region, region_code)

    def _scope_path(self, who: Principal, region_code: str, field: str = "region_code") -> str:
        """The subtree a listing covers: the caller's own region unless narrowed."""
        who.require(*READERS)
        code = d.check_region_code(region_code or who.region, field)
        self.regions.require(code, field)
        self.regions.ensure_within(who.region, code)
        return self.regions.get(code).path

    def _region(self, code: str, field: str) -> str:
        """A region a write names: known, and not served by a deployment below this one."""
        d.check_region_code(code, field)
        path = self.regions.require(code, field).path
        self.rt.deployment.refuse_delegated(code, field)
        return path

    def _emit(self, session, message, region: str) -> None:
        self.rt.outbox.add(session, message, region=region)

