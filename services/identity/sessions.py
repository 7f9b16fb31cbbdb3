"""Sign-in, password change, refresh and sign-out: the public side of identity.

Every attempt is audited with the client's address (the portal forwards the user's). The
outcome of a failed attempt (the failure count, a lockout, the audit row) is committed before
the caller is refused, so a refusal still counts."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.identity import domain as d
from services.identity import passwords
from services.identity.keys import Signer
from services.identity.settings import IdentitySettings
from services.identity.store import IdentityStore
from services.identity.tables import AccountRow, RefreshTokenRow
from services.identity.usecase import UseCase
from shared import clock
from shared.errors import FailedPrecondition, ResourceExhausted, Unauthenticated
from shared.rpc.ratelimit import RateLimiter
from shared.service import Runtime

WRONG = "wrong username or password"


@dataclass(frozen=True)
class Session:
    """What a sign-in gives: tokens (none while the password must be changed) and the account."""
    account: AccountRow
    access_token: str = ""
    expires_at: datetime | None = None
    refresh_token: str = ""
    refresh_expires_at: datetime | None = None

    @property
    def must_change_password(self) -> bool:
        return self.account.must_change_password


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Sessions(UseCase):
    def __init__(self, runtime: Runtime, signer: Signer):
        super().__init__(runtime)
        self.signer = signer
        self.settings: IdentitySettings = runtime.settings  # type: ignore[assignment]
        per_minute = self.settings.sign_in_rate_per_minute
        self.attempts = RateLimiter(per_minute, burst=max(1, per_minute // 4))

    # ---- the checks a password attempt goes through ----------------------------------
    def _attempt(self, s, username: str, password: str, client: str) -> tuple[AccountRow | None, str]:
        """(account, "") when the password is right and the account may sign in, else
        (account or None, reason). Records the failure (count, lockout, audit) in ``s``."""
        if not self.attempts.allow(client):
            raise ResourceExhausted("too many sign-in attempts from this address; wait a minute")
        store = IdentityStore(s)
        row = store.by_username(username, for_update=True)
        now = clock.now()
        if row is None:
            passwords.verify(passwords.decoy(), password)
            self.audit(s, d.AuditKind.SIGN_IN_FAILED, account=None, username=username, actor=f"public:{client}",
                       client=client, detail="unknown username")
            return None, WRONG
        actor = f"account:{row.username}"
        if row.locked_until is not None and row.locked_until > now:
            # Locked out after failed attempts: the same answer as an unknown username or a wrong
            # password, after the same argon2 work (OWASP authentication guidance: a caller who
            # does not hold the password must not learn that the username exists). The password
            # is not checked for its own sake: while locked, even the right one is refused.
            passwords.verify(row.password_hash, password)
            self.audit(s, d.AuditKind.SIGN_IN_FAILED, account=row, actor=actor, client=client,
                       detail="locked after failed sign-ins")
            return row, WRONG
        if not passwords.verify(row.password_hash, password):
            f = d.after_failure(d.Failures(row.failed_count, row.first_failed_at, row.locked_until), now,
                                limit=self.settings.lockout_failures,
                                window=timedelta(minutes=self.settings.lockout_window_minutes),
                                lock=timedelta(minutes=self.settings.lockout_minutes))
            locks = f.locked_until is not None and f.locked_until != row.locked_until
            row.failed_count, row.first_failed_at, row.locked_until = f.count, f.first_at, f.locked_until
            self.audit(s, d.AuditKind.SIGN_IN_FAILED, account=row, actor=actor, client=client, detail="wrong password")
            if locks:
                self.audit(s, d.AuditKind.LOCKED_OUT, account=row, actor=actor, client=client,
                           detail=f"{f.count} failed sign-ins; locked for {self.settings.lockout_minutes:g} minutes")
            return row, WRONG
        status = d.AccountStatus(row.status)
        if status is not d.AccountStatus.ACTIVE:
            self.audit(s, d.AuditKind.SIGN_IN_FAILED, account=row, actor=actor, client=client,
                       detail=f"account {status.name.lower()}")
            return row, ("account locked by the office; ask it to unlock it" if status is d.AccountStatus.LOCKED
                         else "account disabled")
        row.failed_count, row.first_failed_at, row.locked_until = 0, None, None
        if passwords.needs_rehash(row.password_hash):
            row.password_hash = passwords.hash_password(password)
        return row, ""

    def _issue(self, s, row: AccountRow) -> Session:
        role = d.AccountRole(row.role)
        token, expires = self.signer.sign(subject=d.subject_of(role, row.username, row.stands_for),
                                          role=role.token_role, region=row.region_code, name=row.display_name,
                                          ttl=timedelta(minutes=self.settings.access_token_minutes))
        refresh = secrets.token_urlsafe(32)
        now = clock.now()
        refresh_expires = now + timedelta(hours=self.settings.refresh_token_hours)
        s.add(RefreshTokenRow(token_hash=_digest(refresh), account_id=row.id, issued_at=now, expires_at=refresh_expires))
        return Session(row, token, expires, refresh, refresh_expires)

    # ---- the RPCs ---------------------------------------------------------------------
    def sign_in(self, username: str, password: str, client: str) -> Session:
        """Tokens for the right password of an active account that is not locked; an account
        that must change its password gets none (must_change_password). Unauthenticated
        otherwise, the same message for an unknown username and a wrong password."""
        user = d.username(username)
        with self.rt.transaction() as s:
            row, refused = self._attempt(s, user, password, client)
            if not refused:
                row.last_sign_in_at = row.updated_at = clock.now()
                if row.must_change_password:
                    self.audit(s, d.AuditKind.SIGNED_IN, account=row, actor=f"account:{row.username}",
                               actor_name=row.display_name, client=client,
                               detail="password must be changed: no token issued")
                    session = Session(row)
                else:
                    self.audit(s, d.AuditKind.SIGNED_IN, account=row, actor=f"account:{row.username}",
                               actor_name=row.display_name, client=client)
                    session = self._issue(s, row)
        if refused:
            raise Unauthenticated(refused)
        return session

    def change_password(self, username: str, current: str, new: str, client: str) -> Session:
        """The holder changes their password (a one-time password included), proving it with
        the current one, and is signed in. Other refresh tokens of the account stop working."""
        user = d.username(username)
        d.check_password(new, user, "new_password")
        if new == current:
            raise FailedPrecondition("new_password: must differ from the current password")
        with self.rt.transaction() as s:
            row, refused = self._attempt(s, user, current, client)
            if not refused:
                row.password_hash = passwords.hash_password(new)
                row.must_change_password = False
                row.last_sign_in_at = row.updated_at = clock.now()
                IdentityStore(s).drop_refresh_tokens(row.id)
                self.audit(s, d.AuditKind.PASSWORD_CHANGED, account=row, actor=f"account:{row.username}",
                           actor_name=row.display_name, client=client)
                session = self._issue(s, row)
        if refused:
            raise Unauthenticated(refused)
        return session

    def refresh(self, refresh_token: str, client: str) -> Session:
        """A new access token and a new refresh token for a refresh token that is known, not
        expired, of an active account without a lockout; the old refresh token is spent."""
        if not refresh_token:
            raise Unauthenticated("refresh_token is required")
        with self.rt.transaction() as s:
            store = IdentityStore(s)
            found = store.refresh_token(_digest(refresh_token), for_update=True)
            refused = "refresh token unknown or expired"
            session = None
            if found is not None:
                s.delete(found)
                row = store.account(found.account_id)
                now = clock.now()
                usable = (found.expires_at > now and row.status == d.AccountStatus.ACTIVE
                          and not row.must_change_password and not (row.locked_until and row.locked_until > now))
                if usable:
                    self.audit(s, d.AuditKind.TOKEN_REFRESHED, account=row, actor=f"account:{row.username}",
                               actor_name=row.display_name, client=client)
                    session = self._issue(s, row)
        if session is None:
            raise Unauthenticated(refused)
        return session

    def sign_out(self, refresh_token: str, client: str) -> None:
        """Spends the refresh token (the access token lapses by itself within minutes)."""
        with self.rt.transaction() as s:
            store = IdentityStore(s)
            found = store.refresh_token(_digest(refresh_token), for_update=True) if refresh_token else None
            if found is not None:
                s.delete(found)
                row = store.account(found.account_id)
                self.audit(s, d.AuditKind.SIGNED_OUT, account=row, actor=f"account:{row.username}",
                           actor_name=row.display_name, client=client)
