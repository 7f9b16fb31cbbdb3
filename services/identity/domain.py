"""Accounts and sign-in as plain rules: roles, statuses, audit kinds, usernames, the
password policy, who may manage whose account, and the lockout arithmetic. No grpc, no SQL."""
from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared import text as canonical
from shared import validation
from shared.auth import Role
from shared.errors import InvalidArgument


class AccountRole(enum.IntEnum):
    """Mirrors lianxin.identity.v1.AccountRole."""
    STAFF = 1
    DEPUTY = 2
    DEPARTMENT = 3
    COMMITTEE = 4
    AUDITOR = 5

    @property
    def token_role(self) -> Role:
        return Role(self.name.lower())


class AccountStatus(enum.IntEnum):
    """Mirrors lianxin.identity.v1.AccountStatus."""
    ACTIVE = 1
    LOCKED = 2
    DISABLED = 3


class AuditKind(enum.IntEnum):
    """Mirrors lianxin.identity.v1.AuditKind."""
    SIGNED_IN = 1
    SIGN_IN_FAILED = 2
    LOCKED_OUT = 3
    PASSWORD_CHANGED = 4
    ACCOUNT_CREATED = 5
    PASSWORD_RESET = 6
    ACCOUNT_LOCKED = 7
    ACCOUNT_UNLOCKED = 8
    ACCOUNT_DISABLED = 9
    TOKEN_REFRESHED = 10
    SIGNED_OUT = 11
    EXTERNAL_SUBJECT_LINKED = 12


# Staff and auditors watch an office's work: their accounts come from the office of the region
# above (for the top region, from the bootstrap command), never from their own office.
FROM_ABOVE = frozenset({AccountRole.STAFF, AccountRole.AUDITOR})

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$", re.ASCII)
MIN_PASSWORD, MAX_PASSWORD = 10, 256


# What sessions issue (secrets.token_urlsafe(32): 43 characters); anything else is not one.
REFRESH_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$", re.ASCII)


def refresh_token(value: str, field: str = "refresh_token") -> str:
    """A refresh token as sessions issue them (url-safe base64), else InvalidArgument before
    any lookup: required, and of that shape."""
    if not value:
        raise InvalidArgument(field, "is required")
    if not REFRESH_TOKEN.match(value):
        raise InvalidArgument(field, "is not a refresh token")
    return value


def username(value: str, field: str = "username") -> str:
    """Lower case ASCII letters, digits, '.', '_', '-'; 3..50, starting with a letter or digit
    (typed on any keyboard; full-width forms are folded first)."""
    name = canonical.line(value or "").lower()
    if not name:
        raise InvalidArgument(field, "is required")
    if not USERNAME.match(name):
        raise InvalidArgument(field, "must be 3-50 lower-case letters, digits, '.', '_' or '-', "
                                     "starting with a letter or digit")
    return name


def _control(value: str) -> bool:
    return any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in value)


def presented_password(password: str, field: str) -> str:
    """A password offered to be checked (sign-in, the current password): one the policy
    could have set, else InvalidArgument before any account is looked at (nothing audited,
    no attempt counted): required (not blank), at most 256 characters, no control
    characters. Returned unchanged."""
    if not canonical.line(password):   # white space and invisible characters alone are none
        raise InvalidArgument(field, "is required")
    if len(password) > MAX_PASSWORD:
        raise InvalidArgument(field, f"must be at most {MAX_PASSWORD} characters")
    if _control(password):
        raise InvalidArgument(field, "contains control characters")
    return password


def check_password(password: str, user: str, field: str) -> str:
    """The password policy: at least 10 characters (at most 256), no control characters (no
    keyboard types them), not made of one repeated character, and neither the username nor
    containing it. Returns the password unchanged (never stored, logged or audited as such)."""
    presented_password(password, field)
    if len(password) < MIN_PASSWORD:
        raise InvalidArgument(field, f"must be at least {MIN_PASSWORD} characters")
    if len(set(password)) == 1:
        raise InvalidArgument(field, "must not be one character repeated")
    if user and user.lower() in password.lower():
        raise InvalidArgument(field, "must not be or contain the username")
    return password


# Single sign-on (OpenID Connect): the provider's issuer URL and its subject for a person.
MAX_ISSUER, MAX_SUBJECT = 200, 255
_ISSUER = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$", re.ASCII)
_SUBJECT = re.compile(r"^[!-~]+$", re.ASCII)


def external_subject(issuer: str, subject: str, prefix: str = "") -> tuple[str, str]:
    """(issuer, subject) of an account's single sign-on, or InvalidArgument naming
    ``<prefix>external_issuer`` or ``<prefix>external_subject``: the issuer an https URL of at
    most 200 characters (an OpenID Connect provider's ``iss``), the subject 1-255 printable
    ASCII characters without spaces (its ``sub``: OpenID Connect Core 1.0, 2.2), compared
    exactly (case-sensitive, never folded); both or neither ((``"", ""``): not linked)."""
    issuer_field, subject_field = f"{prefix}external_issuer", f"{prefix}external_subject"
    issuer, subject = (issuer or "").strip(), (subject or "").strip()
    if len(issuer) > MAX_ISSUER:
        raise InvalidArgument(issuer_field, f"is longer than {MAX_ISSUER} characters")
    if issuer and not _ISSUER.match(issuer):
        raise InvalidArgument(issuer_field, "must be the identity provider's https URL (its iss)")
    if len(subject) > MAX_SUBJECT:
        raise InvalidArgument(subject_field, f"is longer than {MAX_SUBJECT} characters")
    if subject and not _SUBJECT.match(subject):
        raise InvalidArgument(subject_field, "must be printable ASCII without spaces (an OpenID Connect sub)")
    if issuer and not subject:
        raise InvalidArgument(subject_field, "is required with external_issuer")
    if subject and not issuer:
        raise InvalidArgument(issuer_field, "is required with external_subject")
    return issuer, subject


@dataclass(frozen=True)
class AccountDraft:
    username: str
    display_name: str
    role: AccountRole | None
    region_code: str
    stands_for: str
    external_issuer: str = ""
    external_subject: str = ""


def validate_account(a: AccountDraft, prefix: str = "account.") -> AccountDraft:
    """The account a request or a spreadsheet row describes, in canonical form, or
    InvalidArgument naming the field. ``stands_for`` is the deputy id for a deputy (required)
    and a committee member (optional), the department's name for a department (required),
    empty for staff and auditors."""
    user = username(a.username, f"{prefix}username")
    name = validation.text(a.display_name, f"{prefix}display_name", max_len=50, required=True, form=canonical.name)
    if a.role is None:
        raise InvalidArgument(f"{prefix}role", "is required")
    region = validation.region_code(a.region_code, f"{prefix}region_code")
    field = f"{prefix}stands_for"
    stands = (a.stands_for or "").strip()
    if a.role in (AccountRole.DEPUTY, AccountRole.COMMITTEE):
        if stands or a.role is AccountRole.DEPUTY:
            try:
                stands = str(uuid.UUID(stands))
            except ValueError:
                raise InvalidArgument(field, "must be the deputy's id") from None
    elif a.role is AccountRole.DEPARTMENT:
        stands = validation.text(stands, field, max_len=50, required=True, form=canonical.name)
    elif stands:
        raise InvalidArgument(field, f"must be empty for a {a.role.name.lower()} account")
    issuer, subject = external_subject(a.external_issuer, a.external_subject, prefix)
    return AccountDraft(user, name, a.role, region, stands, issuer, subject)


def subject_of(role: AccountRole, user: str, stands_for: str) -> str:
    """The token's subject: what the services know the holder by (a deputy's id, a
    department's name), else the username."""
    return stands_for or user


@dataclass(frozen=True)
class Failures:
    count: int
    first_at: datetime | None
    locked_until: datetime | None


def after_failure(f: Failures, now: datetime, *, limit: int, window: timedelta, lock: timedelta) -> Failures:
    """One more failed sign-in: counted within ``window`` of the first failure counted (a
    failure after it starts a new count); the ``limit``-th locks until now + ``lock``."""
    if f.first_at is None or now - f.first_at > window:
        f = Failures(0, now, None)
    count = f.count + 1
    return Failures(count, f.first_at, now + lock if count >= limit else f.locked_until)
