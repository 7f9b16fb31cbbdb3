"""Identity queries, each listing starting from the caller's region path."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.identity.deputies import DeputyRow
from services.identity.domain import AccountStatus
from services.identity.tables import AccountRow, AuditRow, RefreshTokenRow
from shared import paging
from shared.errors import NotFound


def _subtree(column, path: str):
    return (column == path) | column.like(path + "/%")


class IdentityStore:
    def __init__(self, session: Session):
        self.s = session

    def add(self, row) -> None:
        self.s.add(row)

    def account(self, account_id: str, *, field: str = "id", for_update: bool = False) -> AccountRow:
        q = select(AccountRow).where(AccountRow.id == account_id)
        row = self.s.execute(q.with_for_update() if for_update else q).scalar_one_or_none()
        if row is None:
            raise NotFound("account", account_id, field)
        return row

    def by_username(self, username: str, *, for_update: bool = False) -> AccountRow | None:
        q = select(AccountRow).where(AccountRow.username == username)
        return self.s.execute(q.with_for_update() if for_update else q).scalar_one_or_none()

    def by_external(self, issuer: str, subject: str) -> AccountRow | None:
        """The account single sign-on with this OpenID Connect issuer and subject signs in."""
        return self.s.execute(select(AccountRow).where(AccountRow.external_issuer == issuer,
                                                       AccountRow.external_subject == subject)).scalar_one_or_none()

    def deputy(self, deputy_id: str) -> DeputyRow | None:
        """The roster's deputy as the read model has it (deputies.py), or None."""
        return self.s.get(DeputyRow, deputy_id)

    def active_account_standing_for(self, role: int, stands_for: str) -> AccountRow | None:
        """An account of ``role`` standing for ``stands_for`` that is not disabled (a locked
        account is still its holder's)."""
        return self.s.execute(select(AccountRow).where(
            AccountRow.role == role, AccountRow.stands_for == stands_for,
            AccountRow.status != AccountStatus.DISABLED).limit(1)).scalar_one_or_none()

    def list_accounts(self, path: str, role: int | None, status: int | None, page: paging.Page):
        where = [_subtree(AccountRow.region_path, path)]
        if role:
            where.append(AccountRow.role == role)
        if status:
            where.append(AccountRow.status == status)
        total = self.s.execute(select(func.count()).select_from(AccountRow).where(*where)).scalar_one()
        q = paging.keyset(select(AccountRow).where(*where), [(AccountRow.region_path, paging.ASC),
                                                            (AccountRow.username, paging.ASC),
                                                            (AccountRow.id, paging.ASC)], page)
        rows, token = paging.take(page, list(self.s.execute(q).scalars()), lambda r: (r.region_path, r.username, r.id))
        return rows, total, token

    def list_audit(self, path: str, account_id: str, kind: int | None, page: paging.Page):
        where = [_subtree(AuditRow.region_path, path)]
        if account_id:
            where.append(AuditRow.account_id == account_id)
        if kind:
            where.append(AuditRow.kind == kind)
        total = self.s.execute(select(func.count()).select_from(AuditRow).where(*where)).scalar_one()
        q = paging.keyset(select(AuditRow).where(*where), [(AuditRow.at, paging.DESC), (AuditRow.id, paging.DESC)], page)
        rows, token = paging.take(page, list(self.s.execute(q).scalars()), lambda r: (r.at, r.id))
        return rows, total, token

    def refresh_token(self, token_hash: str, *, for_update: bool = False) -> RefreshTokenRow | None:
        q = select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
        return self.s.execute(q.with_for_update() if for_update else q).scalar_one_or_none()

    def drop_refresh_tokens(self, account_id: str) -> None:
        self.s.execute(delete(RefreshTokenRow).where(RefreshTokenRow.account_id == account_id))

    def prune_refresh_tokens(self, before: datetime) -> int:
        result: Any = self.s.execute(delete(RefreshTokenRow).where(RefreshTokenRow.expires_at < before))
        return result.rowcount
