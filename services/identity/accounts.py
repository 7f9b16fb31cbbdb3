"""The offices' side of identity: creating, importing, reading, listing, resetting, locking,
unlocking and disabling accounts, and reading the audit trail, each in the caller's subtree."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

from services.identity import domain as d
from services.identity import passwords, sheets
from services.identity.deputies import SERVING_STATUSES
from services.identity.store import IdentityStore
from services.identity.tables import AccountRow
from services.identity.usecase import UseCase, actor_of
from shared import clock
from shared.auth import Principal
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from shared.validation import text as checked_text

# One-time passwords the import generates: 12 characters a person can read out and type.
OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def one_time_password() -> str:
    return "".join(secrets.choice(OTP_ALPHABET) for _ in range(12))


@dataclass(frozen=True)
class ImportReport:
    rows: int
    created: int
    unchanged: int
    errors: list[sheets.RowError]
    accounts: list[tuple[int, str, str, str]] = field(default_factory=list)   # row, username, id, one-time password


class _DryRun(Exception):
    pass


class Accounts(UseCase):
    def _new_account(self, store: IdentityStore, who: Principal, draft: d.AccountDraft, one_time: str,
                     field_prefix: str = "account.") -> AccountRow:
        self.regions.require(draft.region_code, f"{field_prefix}region_code")
        self.rt.deployment.require_served(draft.region_code, f"{field_prefix}region_code")
        self.regions.ensure_within(who.region, draft.region_code)
        self.ensure_manages(who, draft.role, draft.region_code)
        if store.by_username(draft.username) is not None:
            raise AlreadyExists("account", draft.username)
        if draft.external_subject and store.by_external(draft.external_issuer, draft.external_subject) is not None:
            raise AlreadyExists("account of external subject", draft.external_subject,
                                f"{field_prefix}external_subject")
        if draft.stands_for and draft.role in (d.AccountRole.DEPUTY, d.AccountRole.COMMITTEE):
            self._resolve_deputy(store, draft, f"{field_prefix}stands_for")
        now = clock.now()
        row = AccountRow(id=str(uuid.uuid4()), username=draft.username, display_name=draft.display_name,
                         role=int(draft.role), region_code=draft.region_code,
                         region_path=self.regions.get(draft.region_code).path, stands_for=draft.stands_for,
                         status=int(d.AccountStatus.ACTIVE), must_change_password=True,
                         password_hash=passwords.hash_password(one_time), failed_count=0, status_reason="",
                         created_at=now, created_by=actor_of(who), updated_at=now,
                         external_issuer=draft.external_issuer, external_subject=draft.external_subject)
        store.add(row)
        return row

    def _resolve_deputy(self, store: IdentityStore, draft: d.AccountDraft, field: str) -> None:
        """The deputy a deputy's or committee member's account stands for, resolved inside
        the caller's scope (issue 1's rule for every id a request names): a deputy of the
        roster (as its events told this service), serving, in a region this deployment still
        serves (a region delegated after the deputy was recorded is another deployment's), within
        the account's region (itself within the caller's scope), else NotFound naming ``field``; and no other
        active account of the same role standing for them, else AlreadyExists naming it."""
        deputy = store.deputy(draft.stands_for)
        account_path = self.regions.get(draft.region_code).path
        if (deputy is None or deputy.status not in SERVING_STATUSES
                or self.rt.deployment.served_path(deputy.region_code) is None
                or not (deputy.region_path == account_path or deputy.region_path.startswith(account_path + "/"))):
            raise NotFound("deputy", draft.stands_for, field)
        taken = store.active_account_standing_for(int(draft.role), draft.stands_for)
        if taken is not None:
            raise AlreadyExists(f"active {d.AccountRole(draft.role).name.lower()} account for deputy",
                                draft.stands_for, field)

    def create(self, who: Principal, draft: d.AccountDraft, one_time: str) -> AccountRow:
        """A new active account that must change ``one_time`` at its first sign-in."""
        draft = d.validate_account(draft)
        d.check_password(one_time, draft.username, "one_time_password")
        with self.rt.transaction() as s:
            row = self._new_account(IdentityStore(s), who, draft, one_time)
            self.audit(s, d.AuditKind.ACCOUNT_CREATED, account=row, actor=actor_of(who), actor_name=who.name,
                       detail=f"role {d.AccountRole(row.role).name.lower()}")
            return row

    def import_accounts(self, who: Principal, region_code: str, fmt: str, content: bytes, dry_run: bool) -> ImportReport:
        """Good rows land, bad rows are reported by row and column. A row whose username exists
        with the same role, region and stands_for is unchanged (re-importing is harmless);
        an empty 初始密码 gets a generated one-time password, returned once."""
        default_region = region_code or who.region
        self.scope_path(who, default_region, "account.write")
        try:
            rows = sheets.read_accounts(content, fmt, default_region)
        except sheets.SheetError as e:
            raise InvalidArgument("content", str(e)) from None
        errors: list[sheets.RowError] = []
        created: list[tuple[int, str, str, str]] = []
        unchanged = 0
        try:
            with self.rt.transaction() as s:
                store = IdentityStore(s)
                seen: dict[str, int] = {}
                for r in rows:
                    if r.errors:
                        errors.extend(r.errors)
                        continue
                    draft = r.draft
                    if draft.username in seen:
                        errors.append(sheets.RowError(r.row, sheets.USERNAME, f"same username as row {seen[draft.username]}"))
                        continue
                    seen[draft.username] = r.row
                    stored = store.by_username(draft.username)
                    if stored is not None:
                        same = (stored.role, stored.region_code, stored.stands_for) == (
                            int(draft.role), draft.region_code, draft.stands_for)
                        if same and self.regions.contains(who.region, stored.region_code):
                            unchanged += 1
                        else:
                            errors.append(sheets.RowError(r.row, sheets.USERNAME, "username already taken"))
                        continue
                    password = r.password or one_time_password()
                    try:
                        if r.password:
                            d.check_password(r.password, draft.username, "one_time_password")
                        with s.begin_nested():
                            row = self._new_account(store, who, draft, password)
                            s.flush()
                    except InvalidArgument as e:
                        errors.append(sheets.RowError(r.row, sheets.column_of(e.field), e.reason))
                        continue
                    except (PermissionDenied, NotFound, AlreadyExists) as e:
                        # A deputy not found or already given an account is the stands_for
                        # column's; anything else about the account is the region's.
                        named = getattr(e, "field", "")
                        reason = str(e).removeprefix(f"{named}: ") if named else str(e)
                        errors.append(sheets.RowError(r.row, sheets.column_of(named) or sheets.REGION, reason))
                        continue
                    self.audit(s, d.AuditKind.ACCOUNT_CREATED, account=row, actor=actor_of(who), actor_name=who.name,
                               detail=f"role {d.AccountRole(row.role).name.lower()}, imported")
                    created.append((r.row, row.username, row.id, "" if r.password else password))
                report = ImportReport(len(rows), len(created), unchanged, errors, created)
                if dry_run:
                    raise _DryRun()
        except _DryRun:
            return ImportReport(report.rows, report.created, report.unchanged, report.errors,
                                [(n, u, "", "") for n, u, _, _ in created])
        return report

    def get(self, who: Principal, account_id: str) -> AccountRow:
        with self.rt.transaction() as s:
            return self.account_in_scope(IdentityStore(s), who, account_id, "account.read")

    def list(self, who: Principal, region_code: str, role: d.AccountRole | None, status: d.AccountStatus | None, page):
        path = self.scope_path(who, region_code, "account.read")
        with self.rt.transaction() as s:
            return IdentityStore(s).list_accounts(path, int(role) if role else None, int(status) if status else None,
                                                  page)

    def reset_password(self, who: Principal, account_id: str, one_time: str) -> AccountRow:
        """Sets a one-time password (changed at the next sign-in), clears a lockout and the
        failure count, and ends the account's refresh tokens."""
        with self.rt.transaction() as s:
            store = IdentityStore(s)
            row = self.account_in_scope(store, who, account_id, "account.write", for_update=True)
            self.ensure_manages(who, d.AccountRole(row.role), row.region_code)
            d.check_password(one_time, row.username, "one_time_password")
            row.password_hash = passwords.hash_password(one_time)
            row.must_change_password = True
            row.failed_count, row.first_failed_at, row.locked_until = 0, None, None
            row.updated_at = clock.now()
            store.drop_refresh_tokens(row.id)
            self.audit(s, d.AuditKind.PASSWORD_RESET, account=row, actor=actor_of(who), actor_name=who.name)
            return row

    def set_status(self, who: Principal, account_id: str, status: d.AccountStatus, reason: str) -> AccountRow:
        """Lock (until unlocked), disable, or make active again (clears a lockout too). Locking
        or disabling ends the account's refresh tokens; its access token lapses within
        access_token_minutes."""
        reason = checked_text(reason, "reason", max_len=200)
        if status is not d.AccountStatus.ACTIVE and not reason:
            raise InvalidArgument("reason", "is required")
        with self.rt.transaction() as s:
            store = IdentityStore(s)
            row = self.account_in_scope(store, who, account_id, "account.write", for_update=True)
            self.ensure_manages(who, d.AccountRole(row.role), row.region_code)
            current = d.AccountStatus(row.status)
            if status is d.AccountStatus.ACTIVE:
                locked_out = row.locked_until is not None and row.locked_until > clock.now()
                if current is d.AccountStatus.ACTIVE and not locked_out:
                    raise FailedPrecondition("the account is active and not locked")
                kind = d.AuditKind.ACCOUNT_UNLOCKED
                row.failed_count, row.first_failed_at, row.locked_until = 0, None, None
            else:
                if current is status:
                    raise FailedPrecondition(f"the account is already {status.name.lower()}")
                kind = d.AuditKind.ACCOUNT_LOCKED if status is d.AccountStatus.LOCKED else d.AuditKind.ACCOUNT_DISABLED
                store.drop_refresh_tokens(row.id)
            row.status, row.status_reason, row.updated_at = int(status), reason, clock.now()
            self.audit(s, kind, account=row, actor=actor_of(who), actor_name=who.name, detail=reason)
            return row

    def link_external(self, who: Principal, account_id: str, issuer: str, subject: str) -> AccountRow:
        """Links the account to the subject its holder has at the region's OpenID Connect
        provider (or unlinks it: both empty), audited. A pair linked to another account is
        ALREADY_EXISTS naming external_subject; the same pair again changes nothing."""
        issuer, subject = d.external_subject(issuer, subject)
        with self.rt.transaction() as s:
            store = IdentityStore(s)
            row = self.account_in_scope(store, who, account_id, "account.write", for_update=True)
            self.ensure_manages(who, d.AccountRole(row.role), row.region_code)
            if (row.external_issuer, row.external_subject) == (issuer, subject):
                return row
            if subject:
                other = store.by_external(issuer, subject)
                if other is not None and other.id != row.id:
                    raise AlreadyExists("account of external subject", subject, "external_subject")
            row.external_issuer, row.external_subject, row.updated_at = issuer, subject, clock.now()
            self.audit(s, d.AuditKind.EXTERNAL_SUBJECT_LINKED, account=row, actor=actor_of(who), actor_name=who.name,
                       detail=f"linked at {issuer}" if subject else "unlinked")
            return row

    def audit_events(self, who: Principal, region_code: str, account_id: str, kind: d.AuditKind | None, page):
        path = self.scope_path(who, region_code, "audit.read")
        with self.rt.transaction() as s:
            store = IdentityStore(s)
            if account_id:
                self.account_in_scope(store, who, account_id, "audit.read", field="account_id")
            return store.list_audit(path, account_id, int(kind) if kind else None, page)
