"""Password hashing with argon2id (argon2-cffi's PasswordHasher and its default, RFC 9106
"second recommended" parameters: 3 passes over 64 MiB, 4 lanes). A hash made under older
parameters is replaced at the next successful sign-in (check_needs_rehash)."""
from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@functools.cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify(stored: str, password: str) -> bool:
    try:
        return hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return hasher().check_needs_rehash(stored)


@functools.cache
def decoy() -> str:
    """A hash to verify against when the username is unknown, so that answer takes as long as
    a wrong password (the time would otherwise tell which usernames exist)."""
    return hash_password("lianxin-no-such-account")
