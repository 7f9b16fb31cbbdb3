"""Request context: the caller of the RPC being served, in a contextvar set by the edge."""
from __future__ import annotations

import contextvars

from shared.auth import Principal
from shared.errors import Unauthenticated

_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)


def current_principal() -> Principal:
    p = _principal.get()
    if p is None:  # fails closed: a servicer reached without authentication is a bug
        raise Unauthenticated("no authenticated caller")
    return p


def set_principal(p: Principal | None) -> contextvars.Token:
    return _principal.set(p)


def reset_principal(token: contextvars.Token) -> None:
    _principal.reset(token)
