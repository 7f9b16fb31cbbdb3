"""Signed-in users: the server-side session behind the ``lx_session`` cookie and the
``require_signin(roles)`` decorator a workspace page puts on its endpoint.

The browser holds only an opaque session id (HttpOnly, SameSite=Strict, Secure behind TLS);
identity's access and refresh tokens stay in this process's memory, keyed by that id, so a
script in the page can never read a token. One portal process: a deployment running several
portal replicas must put the sessions in a shared store (e.g. Redis) or pin a browser to one
replica; a restart signs everyone out (their refresh tokens lapse at identity by themselves).

A session ends after IDLE seconds without a page, when its refresh token expires, on sign-out,
or when identity refuses to refresh it (account locked or disabled, password changed).
The access token (15 minutes) is renewed with RefreshToken shortly before it expires.
"""
from __future__ import annotations

import asyncio
import functools
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import grpc
from lianxin.identity.v1 import identity_pb2 as ipb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

SESSION_COOKIE = "lx_session"
IDLE = 30 * 60            # seconds without a page before the session ends
RENEW_BEFORE = 60         # seconds before the access token expires that it is renewed
MAX_SESSIONS = 100_000    # a flood of sign-ins cannot grow memory without bound: oldest go first

# AccountRole -> the role the services read in the token.
ROLES = {ipb.ACCOUNT_ROLE_STAFF: "staff", ipb.ACCOUNT_ROLE_DEPUTY: "deputy",
         ipb.ACCOUNT_ROLE_DEPARTMENT: "department", ipb.ACCOUNT_ROLE_COMMITTEE: "committee",
         ipb.ACCOUNT_ROLE_AUDITOR: "auditor"}

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class UserSession:
    """One signed-in browser: who (username, display name, role, region, what they stand
    for) and identity's tokens. Times are time.time() seconds."""
    id: str
    username: str
    display_name: str
    role: str
    region: str
    stands_for: str
    access_token: str
    access_expires: float
    refresh_token: str
    refresh_expires: float
    last_seen: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    # One-time passwords waiting to be shown once, by account id: a create or reset answers
    # with a 303 to the account's page, which takes the password out (a refresh shows it no
    # more and sends nothing again). Held here only, never in a URL or a cookie.
    one_time: dict[str, str] = field(default_factory=dict, repr=False)


def _seconds(ts) -> float:
    return ts.seconds + ts.nanos / 1e9


class SessionStore:
    """Sessions by id, in this process's memory (see the module's note on replicas)."""

    def __init__(self, *, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._sessions: dict[str, UserSession] = {}

    def open(self, signed_in: ipb.SignInResponse) -> UserSession:
        """A new session (a new random id: never one the browser brought, no fixation)."""
        now = self.clock()
        self._prune(now)
        a = signed_in.account
        s = UserSession(id=secrets.token_urlsafe(32), username=a.username, display_name=a.display_name,
                        role=ROLES.get(a.role, ""), region=a.region_code, stands_for=a.stands_for,
                        access_token=signed_in.access_token, access_expires=_seconds(signed_in.expires_at),
                        refresh_token=signed_in.refresh_token,
                        refresh_expires=_seconds(signed_in.refresh_expires_at), last_seen=now)
        self._sessions[s.id] = s
        return s

    def get(self, session_id: str | None) -> UserSession | None:
        """The live session of that id (its idle clock restarted), or None."""
        if not session_id:
            return None
        s = self._sessions.get(session_id)
        now = self.clock()
        if s is None:
            return None
        if now - s.last_seen > IDLE or now >= s.refresh_expires:
            self._sessions.pop(session_id, None)
            return None
        s.last_seen = now
        return s

    def drop(self, session_id: str) -> UserSession | None:
        return self._sessions.pop(session_id, None)

    def _prune(self, now: float) -> None:
        for sid in [k for k, s in self._sessions.items() if now - s.last_seen > IDLE or now >= s.refresh_expires]:
            del self._sessions[sid]
        while len(self._sessions) >= MAX_SESSIONS:
            del self._sessions[min(self._sessions, key=lambda k: self._sessions[k].last_seen)]

    async def fresh(self, s: UserSession, refresh: Callable[[str], Awaitable[ipb.SignInResponse]]) -> bool:
        """Renews the access token when it expires within RENEW_BEFORE seconds (one renewal
        at a time per session: the refresh token is spent by its first use). False, and the
        session dropped, when identity refuses."""
        async with s.lock:
            if s.access_expires - self.clock() > RENEW_BEFORE:
                return True
            try:
                r = await refresh(s.refresh_token)
            except grpc.aio.AioRpcError as e:
                if e.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) \
                        and s.access_expires > self.clock():
                    return True    # identity busy: the current token still works for now
                self.drop(s.id)
                return False
            s.access_token, s.access_expires = r.access_token, _seconds(r.expires_at)
            s.refresh_token, s.refresh_expires = r.refresh_token, _seconds(r.refresh_expires_at)
            return True


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    """The session cookie: no max-age (ends with the browser), HttpOnly, SameSite=Strict,
    Secure when the request came over TLS."""
    response.set_cookie(SESSION_COOKIE, session_id, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


async def current_user(request: Request) -> UserSession | None:
    """The signed-in user of this request with a usable access token, or None."""
    store: SessionStore = request.app.state.sessions
    s = store.get(request.cookies.get(SESSION_COOKIE))
    if s is None:
        return None
    b = request.app.state.backends

    async def refresh(token: str) -> ipb.SignInResponse:
        return await b.identity.RefreshToken(ipb.RefreshTokenRequest(refresh_token=token),
                                             metadata=b.for_citizen(_citizen(request)), timeout=b.timeout)
    return s if await store.fresh(s, refresh) else None


def _citizen(request: Request):
    from portal.render import citizen
    return citizen(request)


def require_signin(*roles: str) -> Callable[[Endpoint], Endpoint]:
    """Decorator for a workspace page: without a session, a redirect to /signin (which comes
    back here after signing in); a role not in ``roles`` (any role when none are named) gets
    403. The endpoint finds the user in ``request.state.user``."""
    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = await current_user(request)
            if user is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response: Response = RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
                if request.cookies.get(SESSION_COOKIE):
                    clear_session_cookie(request, response)
                return response
            if roles and user.role not in roles:
                from portal.render import error_page
                return error_page(request, 403, "no_permission_title", "role_forbidden")
            request.state.user = user
            return await endpoint(request)
        return guarded
    return wrap
