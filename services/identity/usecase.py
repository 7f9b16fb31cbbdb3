"""What the identity use cases share: the audit trail (a row and an AccountAudited event in
the same transaction as the change), the accounts a request names resolved in the caller's
scope, and who may manage whose account."""
from __future__ import annotations

import uuid

from services.identity import convert
from services.identity import domain as d
from services.identity.access import ACCESS
from services.identity.store import IdentityStore
from services.identity.tables import AccountRow, AuditRow
from shared.auth import Principal
from shared.clock import now
from shared.errors import NotFound, PermissionDenied
from shared.service import Runtime


def actor_of(who: Principal) -> str:
    return f"{who.role.value}:{who.subject}@{who.region}"


class UseCase:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    def audit(self, s, kind: d.AuditKind, *, account: AccountRow | None, actor: str, actor_name: str = "",
              client: str = "", detail: str = "", username: str = "") -> AuditRow:
        """Records one audited fact and publishes it; never a password, hash or token."""
        region = account.region_code if account is not None else self.rt.settings.home_region
        row = AuditRow(id=str(uuid.uuid4()), kind=int(kind), at=now(), account_id=account.id if account else "",
                       username=(account.username if account is not None else username)[:50],
                       region_code=region, region_path=self.regions.get(region).path, actor=actor[:300],
                       actor_name=actor_name[:50], client_address=client[:64], detail=detail[:200])
        s.add(row)
        s.flush()
        self.rt.outbox.add(s, convert.audited(row), region=region)
        return row

    def scope_path(self, who: Principal, region_code: str, action: str, field: str = "region_code") -> str:
        """The subtree a listing covers: the caller's region unless narrowed to one inside it."""
        ACCESS.scope(who, action)
        if not region_code:
            if who.region not in self.regions:
                raise PermissionDenied(f"region {who.region} is not served here")
            return self.regions.get(who.region).path
        self.regions.require(region_code, field)
        self.rt.deployment.require_home(region_code, field)
        self.regions.ensure_within(who.region, region_code)
        return self.regions.get(region_code).path

    def account_in_scope(self, store: IdentityStore, who: Principal, account_id: str, action: str, *,
                         field: str = "id", for_update: bool = False) -> AccountRow:
        """The account a request names: NOT_FOUND naming ``field`` outside the caller's subtree."""
        ACCESS.scope(who, action)
        row = store.account(account_id, field=field, for_update=for_update)
        if not self.regions.contains(who.region, row.region_code):
            raise NotFound("account", account_id, field)
        return row

    def ensure_manages(self, who: Principal, role: d.AccountRole, region_code: str) -> None:
        """Staff manage the accounts of their subtree, except staff and auditor accounts of their
        own region: those come from the region above (a clerk cannot make or reset a colleague)."""
        self.regions.ensure_within(who.region, region_code)
        if role in d.FROM_ABOVE and region_code == who.region:
            raise PermissionDenied(f"{role.name.lower()} accounts of {region_code} are managed by the region above")
