"""What every response carries and every form is checked against.

- Headers: a strict Content-Security-Policy (only this site's scripts and styles, none inline,
  no framing), X-Content-Type-Options, Referrer-Policy, HSTS over TLS, and no caching of
  pages with forms.
- Cookies (HttpOnly, SameSite, Secure when the request came over TLS, directly or as a trusted
  proxy says): ``lx_device``, an opaque id per browser, passed to the services as the device
  their public limits count; ``lx_csrf``, the CSRF token, which every form repeats in a hidden
  field (double-submit: another site can make a browser post, but cannot read or set this
  cookie, so it cannot know the value; SameSite=Strict keeps it off cross-site posts anyway).
  That is the citizens' forms, which have no session. A signed-in browser's forms carry
  ``session_csrf``, an HMAC of its server-side session id under a key of this process, instead:
  a sibling subdomain (same-site, so SameSite does not stop it) can plant an ``lx_csrf`` cookie
  of its choosing for the parent domain, which defeats a double-submit, but it cannot know the
  session id (an HttpOnly cookie of this host) nor the key, so it cannot make the token; and a
  signed-in form posted from another origin of the same site is refused by its Sec-Fetch-Site.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from http.cookies import SimpleCookie
from typing import TypeGuard

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEVICE_COOKIE = "lx_device"
CSRF_COOKIE = "lx_csrf"
CSRF_FIELD = "csrf_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
YEAR = 365 * 24 * 3600

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def _valid(value: str | None) -> TypeGuard[str]:
    return value is not None and _TOKEN.match(value) is not None


class SecurityMiddleware:
    """Adds the headers to every response and the two cookies to responses of a browser that
    lacks them. The values are in ``request.state.device`` and ``request.state.csrf`` for the
    pages (a new value is used at once: the form rendered now carries it)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        new: dict[str, str] = {}
        state = scope.setdefault("state", {})
        for cookie, key in ((DEVICE_COOKIE, "device"), (CSRF_COOKIE, "csrf")):
            value = request.cookies.get(cookie)
            if not _valid(value):
                value = new[cookie] = secrets.token_urlsafe(24)
                state[f"{key}_is_new"] = True
            state[key] = value
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(HEADERS)
                if secure:   # over TLS: browsers keep to https for a year (HSTS)
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                for name, value in new.items():
                    headers.append((b"set-cookie", _cookie(name, value, secure,
                                                           "Strict" if name == CSRF_COOKIE else "Lax")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookie(name: str, value: str, secure: bool, same_site: str) -> bytes:
    c: SimpleCookie = SimpleCookie()
    c[name] = value
    morsel = c[name]
    morsel["path"] = "/"
    morsel["max-age"] = YEAR
    morsel["httponly"] = True
    morsel["samesite"] = same_site
    if secure:
        morsel["secure"] = True
    return morsel.OutputString().encode()


class CsrfRefused(Exception):
    """A form post without the token its page was rendered with: 403, nothing written."""


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raises CsrfRefused unless the form's token equals the browser's CSRF cookie (which
    must have come with the request, not been made just now) and the browser does not say
    the post came from another site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRefused("cross-site form post")
    cookie = request.cookies.get(CSRF_COOKIE)
    if not _valid(cookie) or not submitted or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise CsrfRefused("missing or wrong CSRF token")


def session_csrf(key: bytes, session_id: str) -> str:
    """The CSRF token of a signed-in browser's forms: HMAC-SHA256 of its session id under
    ``key`` (this process's, made at start: sessions live in this process too), url-safe
    base64, 43 characters. Another session's token, or a value planted in ``lx_csrf``, is not it."""
    mac = hmac.new(key, b"lx-csrf\0" + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def check_session_csrf(request: Request, key: bytes, session_id: str, submitted: str | None) -> None:
    """Raises CsrfRefused unless the form's token is ``session_csrf`` of this session and the
    browser does not say the post came from another origin (another site, or a sibling
    subdomain: Sec-Fetch-Site ``same-site``)."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise CsrfRefused("form post from another origin")
    expected = session_csrf(key, session_id)
    if not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfRefused("missing or wrong CSRF token for this session")
