"""The signing keys of Lianxin's access tokens (Ed25519, JWT alg EdDSA) and the JWKS file
every service verifies tokens with.

``keys_dir`` holds one private key per file (``<kid>.pem``, PKCS#8, mode 0600) and ``active``,
the kid that signs. ``jwks_file`` holds the public keys of every key in the folder, so a
token signed by any of them verifies while the key is there. Rotation without downtime
(README, "Keys and their rotation"):

  1. ``python -m services.identity.keys generate``: a new key, published in the JWKS, not yet
     signing. Services re-read the JWKS within a second of its change.
  2. ``python -m services.identity.keys activate <kid>``: identity signs with it from now on
     (it looks at ``active`` at most once a second). Tokens of the old key still verify.
  3. After the longest token lifetime (access_token_minutes), ``retire <old kid>``: the old
     key leaves the folder and the JWKS; its tokens are refused from then on.

``token`` signs a token for a system caller (the portal's system token, an integrating
system) with the active key, on the machine that holds the keys: with HS256 tokens off this
is the only way to mint one outside a sign-in.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared import clock
from shared.auth import Role, token_claims

ACTIVE = "active"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Readers see the old file or the new one, never half of one (services re-read the JWKS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class KeyFolder:
    """The keys of ``keys_dir`` and the JWKS published from them in ``jwks_file``."""

    def __init__(self, keys_dir: str | Path, jwks_file: str | Path):
        self.dir = Path(keys_dir)
        self.jwks_file = Path(jwks_file) if jwks_file else None

    def kids(self) -> list[str]:
        return sorted(p.stem for p in self.dir.glob("*.pem")) if self.dir.is_dir() else []

    def private_key(self, kid: str) -> Ed25519PrivateKey:
        key = serialization.load_pem_private_key((self.dir / f"{kid}.pem").read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{kid}.pem is not an Ed25519 key")
        return key

    def active(self) -> str:
        """The kid that signs ('' when none is set or its file is gone)."""
        try:
            kid = (self.dir / ACTIVE).read_text(encoding="ascii").strip()
        except OSError:
            return ""
        return kid if (self.dir / f"{kid}.pem").exists() else ""

    def generate(self, *, activate: bool = False) -> str:
        """A new key; it signs at once when ``activate`` or when no key signs yet. Publishes."""
        kid = f"{clock.now():%Y%m%d}-{secrets.token_hex(4)}"
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_atomically(self.dir / f"{kid}.pem", pem, mode=0o600)
        self.publish()   # verifiable everywhere before it signs anything
        if activate or not self.active():
            self.activate(kid)
        return kid

    def activate(self, kid: str) -> None:
        if kid not in self.kids():
            raise ValueError(f"no key {kid!r} in {self.dir}")
        self.publish()
        _write_atomically(self.dir / ACTIVE, kid.encode("ascii"), mode=0o600)

    def retire(self, kid: str) -> None:
        """Removes a key that no longer signs; its tokens are refused once services re-read the JWKS."""
        if kid not in self.kids():
            raise ValueError(f"no key {kid!r} in {self.dir}")
        if kid == self.active():
            raise ValueError(f"{kid} is the active key: activate another first")
        (self.dir / f"{kid}.pem").unlink()
        self.publish()

    def jwks(self) -> dict:
        keys = []
        for kid in self.kids():
            public = self.private_key(kid).public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            keys.append({"kty": "OKP", "crv": "Ed25519", "x": _b64(public), "kid": kid, "alg": "EdDSA", "use": "sig"})
        return {"keys": keys}

    def publish(self) -> None:
        if self.jwks_file is not None:
            _write_atomically(self.jwks_file, json.dumps(self.jwks(), indent=1).encode("utf-8"))


class Signer:
    """Signs tokens with the active key, re-reading ``active`` at most once per ``check_every``
    seconds, so `keys activate` takes effect in a running service."""

    def __init__(self, folder: KeyFolder, *, check_every: float = 1.0, clock_: Callable[[], float] = time.monotonic):
        self.folder = folder
        self.check_every = check_every
        self._clock = clock_
        self._checked = float("-inf")
        self._kid = ""
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def current(self) -> tuple[str, Ed25519PrivateKey]:
        with self._lock:
            now = self._clock()
            if now - self._checked >= self.check_every or self._key is None:
                self._checked = now
                kid = self.folder.active()
                if kid and kid != self._kid:
                    self._kid, self._key = kid, self.folder.private_key(kid)
            if self._key is None:
                raise RuntimeError(f"no active signing key in {self.folder.dir}: "
                                   "run python -m services.identity.keys generate")
            return self._kid, self._key

    def sign(self, *, subject: str, role: Role | str, region: str, ttl: timedelta, name: str = "",
             now: datetime | None = None) -> tuple[str, datetime]:
        """(token, expiry): an EdDSA JWT with the claims every service reads, ``kid`` in its header."""
        now = now or clock.now()
        kid, key = self.current()
        claims = token_claims(subject=subject, role=role, region=region, ttl=ttl, now=now, name=name)
        token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})
        return token, datetime.fromtimestamp(claims["exp"], tz=now.tzinfo)


def main(argv: list[str] | None = None) -> int:
    from services.identity.settings import IdentitySettings
    from shared import config
    p = argparse.ArgumentParser(prog="python -m services.identity.keys",
                                description="Manage the keys that sign Lianxin's access tokens.")
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="a new key, published in the JWKS (signs at once if none signs yet)")
    g.add_argument("--activate", action="store_true", help="sign with it at once")
    a = sub.add_parser("activate", help="sign with this key from now on")
    a.add_argument("kid")
    r = sub.add_parser("retire", help="remove a key that no longer signs (after the longest token lifetime)")
    r.add_argument("kid")
    sub.add_parser("list", help="the keys, the active one marked")
    sub.add_parser("publish", help="write the JWKS file again from the keys")
    t = sub.add_parser("token", help="sign a token for a system caller (e.g. the web portal)")
    t.add_argument("--subject", required=True, help="e.g. portal")
    t.add_argument("--region", required=True, help="the region it acts for, e.g. 652300")
    t.add_argument("--role", default="system", choices=[x.value for x in Role if x is not Role.PUBLIC])
    t.add_argument("--hours", type=float, default=24 * 30)
    t.add_argument("--name", default="")
    args = p.parse_args(argv)
    settings = config.load("identity", settings_class=IdentitySettings)
    folder = KeyFolder(settings.keys_dir, settings.jwks_file)
    try:
        if args.command == "generate":
            print(folder.generate(activate=args.activate))
        elif args.command == "activate":
            folder.activate(args.kid)
        elif args.command == "retire":
            folder.retire(args.kid)
        elif args.command == "list":
            active = folder.active()
            for kid in folder.kids():
                print(f"{kid}{'  (active)' if kid == active else ''}")
        elif args.command == "publish":
            folder.publish()
        else:
            token, _ = Signer(folder).sign(subject=args.subject, role=args.role, region=args.region,
                                           ttl=timedelta(hours=args.hours), name=args.name)
            print(token)
    except (ValueError, RuntimeError, OSError) as e:
        print(f"python -m services.identity.keys: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
