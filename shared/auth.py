"""Principals and bearer tokens (JWT): subject, role and region claims, and an optional
``name``, the holder's display name (OpenID Connect's standard claim of that name).

Two kinds of signature are verified (``TokenVerifier``):
  EdDSA (Ed25519)  tokens the identity service signs at sign-in; every service checks them
                   with the public keys of the JWKS file identity publishes (``jwks_file``),
                   chosen by the token's ``kid`` header. No service holds a private key, so no
                   service can mint a token. The file is re-read when it changes, so a key is
                   added or retired without a restart (README, "Keys and their rotation").
  HS256            tokens signed with the shared ``jwt_secret``: development and tests only,
                   accepted only where ``allow_hs256_tokens`` is set (``make run`` sets it
                   while the secret is the development one; the test kit sets it).

The name is what registers show as 记录人 and case histories as 经办人: a subject is a login
or an id, never shown as a person. A token without a name records no name (shown blank).

Run ``python -m shared.auth --role staff --region 652301 --subject clerk1`` to issue a
token for an operator or a test. Tokens are signed with the deployment's jwt_secret.
"""
from __future__ import annotations

import argparse
import enum
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt

from shared import text as canonical
from shared.errors import Unauthenticated

ISSUER = "lianxin"


class Role(str, enum.Enum):
    STAFF = "staff"            # standing-committee office staff of a region
    DEPUTY = "deputy"
    DEPARTMENT = "department"  # a government department handling transferred matters
    COMMITTEE = "committee"    # standing-committee members
    AUDITOR = "auditor"        # reads everything in scope, changes nothing
    SYSTEM = "system"          # integrating systems and other deployments
    PUBLIC = "public"          # a citizen with a deputy's QR code; never issued a token


@dataclass(frozen=True)
class Principal:
    """Who calls: the token's subject, role and region. What it may do is the service's
    access table's to say (shared/access.py), not the principal's."""
    subject: str
    role: Role
    region: str
    # The holder's display name from the token's ``name`` claim (shared.text.name form); "" when
    # the token carries none. Never used for access: subject, role and region decide that.
    name: str = ""


def public_principal(client: str) -> Principal:
    return Principal(subject=f"public:{client}", role=Role.PUBLIC, region="")


# Longest display name kept from a token: the width of the columns that store it.
MAX_NAME = 50


def token_claims(*, subject: str, role: Role | str, region: str, ttl: timedelta, now: datetime | None = None,
                 name: str = "") -> dict:
    """The claims of a token, whichever key signs it (see ``issue_token``)."""
    role = Role(role)
    if role is Role.PUBLIC:
        raise ValueError("public callers carry no token")
    now = now or datetime.now(timezone.utc)
    claims = {"iss": ISSUER, "sub": subject, "role": role.value, "region": region,
              "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    name = canonical.name(name)
    if len(name) > MAX_NAME:
        raise ValueError(f"name: at most {MAX_NAME} characters")
    if name:
        claims["name"] = name
    return claims


def issue_token(secret: str, *, subject: str, role: Role | str, region: str,
                ttl: timedelta = timedelta(hours=8), now: datetime | None = None, name: str = "") -> str:
    """An HS256 token signed with the shared secret (development and tests). ``name``: the
    holder's display name (e.g. 王秀兰), optional, stored in its canonical form
    (shared.text.name), at most MAX_NAME characters (ValueError beyond)."""
    claims = token_claims(subject=subject, role=role, region=region, ttl=ttl, now=now, name=name)
    return jwt.encode(claims, secret, algorithm="HS256")


class KeySet:
    """The public keys of a JWKS file (RFC 7517, Ed25519 keys with a ``kid``), re-read when
    the file changes. The file's modification time and size are looked at most once per
    ``check_every`` seconds, so a token with an unknown kid cannot make every call read the
    disk. A file that is missing or unreadable holds no keys (EdDSA tokens are refused until
    it appears): a service may start before the identity service first writes it."""

    def __init__(self, path: str, *, check_every: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.path = path
        self.check_every = check_every
        self.clock = clock
        self._keys: dict[str, object] = {}
        self._seen: tuple[float, int] | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def get(self, kid: str):
        """The public key named ``kid``, or None."""
        now = self.clock()
        if now - self._checked >= self.check_every:
            with self._lock:
                if now - self._checked >= self.check_every:
                    # Marked checked only once the keys are read: a call arriving meanwhile
                    # waits on the lock rather than reading the keys not yet loaded (the first
                    # burst of parallel calls after a start or a new key was refused).
                    self._reload()
                    self._checked = now
        return self._keys.get(kid)

    def _reload(self) -> None:
        try:
            st = os.stat(self.path)
        except OSError:
            self._keys, self._seen = {}, None
            return
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._seen:
            return
        try:
            with open(self.path, encoding="utf-8") as f:
                self._keys = parse_jwks(f.read())
        except (OSError, ValueError):
            return   # half-written or damaged: keep the keys known so far, look again later
        self._seen = stamp


def parse_jwks(text: str) -> dict[str, object]:
    """kid -> public key of the Ed25519 keys of a JWKS document; ValueError if malformed."""
    try:
        doc = json.loads(text)
        keys = {}
        for entry in doc["keys"]:
            if entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519" and entry.get("kid"):
                keys[str(entry["kid"])] = jwt.PyJWK(entry, algorithm="EdDSA").key
        return keys
    except (KeyError, TypeError, json.JSONDecodeError, jwt.PyJWKError, jwt.InvalidKeyError) as e:
        raise ValueError(f"not a JWKS document: {e}") from None


def _verify(secret: str | None, token: str, keys: KeySet | None = None) -> tuple[Principal, float]:
    """The token's principal and its expiry (seconds since the epoch), or Unauthenticated.
    ``secret``: the HS256 secret, or None where HS256 tokens are not accepted; ``keys``: the
    public keys EdDSA tokens are checked with."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as e:
        raise Unauthenticated(f"invalid token: {e}") from None
    alg = header.get("alg")
    key: object
    if alg == "EdDSA":
        kid = header.get("kid")
        found = keys.get(str(kid)) if keys is not None and kid else None
        if found is None:
            raise Unauthenticated("invalid token: signed by a key this service does not know")
        key = found
    elif alg == "HS256" and secret:
        key = secret
    else:
        raise Unauthenticated(f"invalid token: {alg!r} tokens are not accepted here")
    try:
        claims = jwt.decode(token, key, algorithms=[alg], issuer=ISSUER,  # type: ignore[arg-type]
                            options={"require": ["exp", "sub", "iss"]})
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("token expired") from None
    except jwt.PyJWTError as e:
        raise Unauthenticated(f"invalid token: {e}") from None
    try:
        role = Role(claims.get("role"))
    except ValueError:
        raise Unauthenticated(f"invalid token: unknown role {claims.get('role')!r}") from None
    region = str(claims.get("region") or "")
    if role is Role.PUBLIC or not region:
        raise Unauthenticated("invalid token: a token needs a role and a region")
    # A name is display text only: folded to its canonical form and cut to the stored width
    # rather than refusing a token that is otherwise valid.
    name = canonical.name(str(claims.get("name") or ""))[:MAX_NAME]
    return Principal(subject=str(claims["sub"]), role=role, region=region, name=name), float(claims["exp"])


def verify_token(secret: str, token: str) -> Principal:
    return _verify(secret, token)[0]


class TokenVerifier:
    """verify_token for the edge, remembering each token that verified until it expires.

    Checking a JWT (base64, JSON, HMAC) costs ~50 us of Python, and a caller sends the same
    token on every call for hours. A remembered token is still refused from its exp on, the
    rule jwt.decode applies (valid while now < exp); the other claims of a token that verified
    once cannot change. Only tokens that verified are remembered, so invalid ones cannot fill
    the memory, and the memory is emptied when it reaches max_tokens.
    """

    def __init__(self, secret: str | None, *, keys: KeySet | None = None, max_tokens: int = 10_000,
                 clock: Callable[[], float] = time.time):
        self.secret = secret
        self.keys = keys
        self.max_tokens = max_tokens
        self.clock = clock
        self._known: dict[str, tuple[Principal, float]] = {}

    def __call__(self, token: str) -> Principal:
        known = self._known.get(token)
        if known is not None and self.clock() < known[1]:
            return known[0]
        principal, exp = _verify(self.secret, token, self.keys)
        if len(self._known) >= self.max_tokens:
            self._known.clear()
        self._known[token] = (principal, exp)
        return principal


def main(argv: list[str] | None = None) -> int:
    from shared import config
    p = argparse.ArgumentParser(prog="python -m shared.auth", description="Issue a bearer token.")
    p.add_argument("--role", required=True, choices=[r.value for r in Role if r is not Role.PUBLIC])
    p.add_argument("--region", required=True, help="region code the holder acts for, e.g. 652301")
    p.add_argument("--subject", default="operator", help="who holds the token (a login or id; never shown)")
    p.add_argument("--name", default="", help="the holder's display name, shown as 记录人/经办人 (e.g. 张三)")
    p.add_argument("--hours", type=float, default=8.0)
    p.add_argument("--service", default="roster", help="whose settings give the signing secret")
    p.add_argument("--dev", action="store_true",
                   help="sign with the development secret (services on defaults, e.g. `make run`)")
    a = p.parse_args(argv)
    settings = config.load(a.service)
    # The secret comes from the same settings the services read (LIANXIN_JWT_SECRET, the
    # deployment file). Without one, a token signed with the development secret would be
    # refused by any deployment that set its own: refuse here rather than print it.
    if settings.jwt_secret == config.DEV_JWT_SECRET and not a.dev:
        print("python -m shared.auth: LIANXIN_JWT_SECRET is not set (nor jwt_secret in LIANXIN_DEPLOYMENT_FILE). "
              "Set it to the deployment's token secret, or pass --dev to sign with the development secret "
              "that services started without one (make run) accept.", file=sys.stderr)
        return 2
    try:
        token = issue_token(settings.jwt_secret, subject=a.subject, role=a.role, region=a.region,
                            ttl=timedelta(hours=a.hours), name=a.name)
    except ValueError as e:
        print(f"python -m shared.auth: --{e}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
