"""Rendering pages and turning the services' errors into pages a citizen understands."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import grpc
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from portal.auth import SESSION_COOKIE, UserSession, clear_session_cookie
from portal.backends import Backends, Citizen
from portal.i18n import Catalogue
from portal.security import CSRF_FIELD, CsrfRefused, check_csrf, check_session_csrf, session_csrf
from shared.tenancy import RegionTree

# Form posts larger than this are refused before they are read (413): a text field of the
# services' largest size is far below it.
MAX_FORM_BYTES = 1_000_000
# A service's PERMISSION_DENIED for a region code the request named outside the caller's scope:
# "region 652300 is outside the caller's region 652301" (shared.tenancy), "... is not on the
# caller's branch of the tree" (a deputy reading rankings).
OUT_OF_SCOPE = re.compile(r"region \w+ is (outside the caller's region|not on the caller's branch)")


def catalogue(request: Request) -> Catalogue:
    return request.app.state.catalogue


def backends(request: Request) -> Backends:
    return request.app.state.backends


def citizen(request: Request) -> Citizen:
    """The citizen a public call is made for: the client's address (the TCP peer, or what a
    trusted proxy forwarded: uvicorn's proxy headers) and the browser's device cookie."""
    host = request.client.host if request.client else "unknown"
    return Citizen(address=host, device=request.state.device)


def live_session(request: Request) -> UserSession | None:
    """The server-side session the request's ``lx_session`` cookie names, if it is live."""
    sid = request.cookies.get(SESSION_COOKIE)
    return request.app.state.sessions.get(sid) if sid else None


def csrf_token(request: Request) -> str:
    """The token this browser's forms carry: bound to its session when it is signed in
    (``security.session_csrf``), else the double-submit cookie's value (citizens' forms).
    ``checked_form`` applies the same choice to the post."""
    s = live_session(request)
    if s is not None:
        return session_csrf(request.app.state.csrf_key, s.id)
    return request.state.csrf


def check_form_token(request: Request, submitted: str | None) -> None:
    """CsrfRefused unless ``submitted`` is the token ``csrf_token`` gave this browser."""
    s = live_session(request)
    if s is not None:
        check_session_csrf(request, request.app.state.csrf_key, s.id, submitted)
    else:
        check_csrf(request, submitted)


def page(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> Response:
    """A page from ``template``; ``csrf_token`` is always in the context for forms."""
    env = request.app.state.templates
    body = env.get_template(template).render({"csrf_token": csrf_token(request), **(context or {})})
    response = HTMLResponse(body, status_code=status)
    # Pages carry per-browser form tokens and a citizen's case: never stored by a shared cache.
    response.headers["cache-control"] = "no-store"
    return response


def error_page(request: Request, status: int, title_key: str, message_key: str, *, message: str = "") -> Response:
    """The error page: ``title_key``'s title and ``message_key``'s sentence (or ``message``,
    already in the user's language, when given)."""
    t = catalogue(request).t
    return page(request, "error.html", {"title": t[title_key], "message": message or t[message_key]}, status=status)


def rpc_error_page(request: Request, e: grpc.aio.AioRpcError, *, not_found: str) -> Response:
    """The page for a service's error, always a sentence in the user's language (the service's
    own detail is English for developers and never shown): NOT_FOUND -> 404 with ``not_found``'s
    message; PERMISSION_DENIED -> 403 "no permission" (for a region outside the caller's subtree,
    or a deputy's branch, "that region is not in your jurisdiction"); INVALID_ARGUMENT -> 400 naming the field's
    problem (``Catalogue.field_error``, a general sentence for a field the page has no input for);
    FAILED_PRECONDITION/ALREADY_EXISTS/ABORTED -> 409 "not possible now"; RESOURCE_EXHAUSTED -> 429;
    UNAVAILABLE/DEADLINE_EXCEEDED -> 503; UNAUTHENTICATED -> sign in again; anything else -> 500
    (a fault, logged as an error). A foreseeable refusal is never a 500."""
    code = e.code()
    cat = catalogue(request)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return token_refused(request, e)
    # A code that cannot be a card or tracking code is, to the citizen, one that is not there.
    malformed_code = code == grpc.StatusCode.INVALID_ARGUMENT and (e.details() or "").startswith(
        ("card_code:", "tracking_code:"))
    if code == grpc.StatusCode.NOT_FOUND or malformed_code:
        return error_page(request, 404, "not_found_title", not_found)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        request.app.state.log.info("service refused the user", code=code.name, details=e.details())
        # A region named outside the caller's (shared.tenancy's ensure_within; a deputy's branch)
        # is said as such: the user picked a region, not a page their role may not open.
        if OUT_OF_SCOPE.search(e.details() or ""):
            return error_page(request, 403, "no_permission_title", "region_out_of_scope")
        return error_page(request, 403, "no_permission_title", "role_forbidden")
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return error_page(request, 400, "invalid_input_title", "invalid_input",
                          message=cat.t.invalid_input + cat.field_error(e.details() or ""))
    if code in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.ABORTED):
        return error_page(request, 409, "not_now_title", "not_now")
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        response = error_page(request, 429, "too_many_title", "too_many")
        response.headers["retry-after"] = "60"
        return response
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return error_page(request, 503, "unavailable_title", "unavailable")
    request.app.state.log.error("service call failed", code=code.name, details=e.details())
    return error_page(request, 500, "error_title", "server_error")


def token_refused(request: Request, e: grpc.aio.AioRpcError) -> Response:
    """A service refused the token a call carried (expired, signed by a key it no longer
    trusts, ...). A signed-in user's: the session is ended and the browser sent to /signin
    (back here after; a form post goes back to the workspace), never a page of data. The
    portal's own (a citizen's call): the portal is misconfigured, 503 and an error record."""
    s = live_session(request)
    log = request.app.state.log
    if s is None:
        log.error("a service refused the portal's own token", details=e.details())
        return error_page(request, 503, "unavailable_title", "unavailable")
    request.app.state.sessions.drop(s.id)
    log.warning("a service refused a session's token: signed out", details=e.details())
    target = "/desk"
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    clear_session_cookie(request, response)
    return response


async def read_form(request: Request) -> dict[str, str] | None:
    """The posted form's fields as text (the last value of a repeated field), or None when
    the body is over MAX_FORM_BYTES or of no stated length (browsers state it for forms; a
    chunked body of unknown size is not read)."""
    length = request.headers.get("content-length", "")
    if not length.isdecimal() or int(length) > MAX_FORM_BYTES:
        return None
    form = await request.form(max_files=0, max_fields=50)
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def checked_form(request: Request) -> dict[str, str] | Response:
    """The posted form (``read_form``) once its CSRF token checks out (``check_form_token``:
    the session's for a signed-in browser, the double-submit cookie's otherwise); else the page
    to answer with: 413 for a body too large, 403 for a missing or wrong token (nothing is written)."""
    form = await read_form(request)
    if form is None:
        return error_page(request, 413, "error_title", "too_large")
    try:
        check_form_token(request, form.get(CSRF_FIELD))
    except CsrfRefused:
        return error_page(request, 403, "forbidden_title", "forbidden")
    return form


# ---- file downloads, uploads and the region tree (pages of any module use these) ----

def download(request: Request, content: bytes, content_type: str, filename: str, *, ascii_name: str = "") -> Response:
    """A file the browser saves (Content-Disposition: attachment) as ``filename``: an ASCII
    stand-in for old browsers (``ascii_name``, e.g. the name a service gave the file, else the
    ASCII part of ``filename`` with its extension) and the real (e.g. Chinese) name in RFC 6266's
    filename*. Not cached: a roster or a register holds people's contact details."""
    if ascii_name:
        ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in ascii_name)
    else:
        stem, dot, ext = filename.rpartition(".")
        if not dot:
            stem, ext = filename, ""
        keep = "".join(c for c in stem if c.isascii() and (c.isalnum() or c in "-_.")).strip("-_.") or "download"
        ascii_name = keep + (f".{''.join(c for c in ext if c.isascii() and c.isalnum() or c == '.')}" if ext else "")
    response = Response(content, media_type=content_type, headers={
        "content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}",
        "cache-control": "no-store"})
    return response


class Upload:
    """One uploaded file of a multipart form: its name as the browser sent it and its bytes."""

    def __init__(self, filename: str, content: bytes):
        self.filename, self.content = filename, content


async def checked_upload(request: Request, field: str, max_bytes: int,
                         message_key: str = "too_large") -> tuple[dict[str, str], Upload | None] | Response:
    """A multipart form with one file in ``field`` (``read_form`` takes no files): its text
    fields and the file (None when none was chosen), once its CSRF token checks out. A body
    over ``max_bytes`` (plus a little for the other fields), or of no stated length, is
    refused unread with 413 and the page's ``message_key``; a missing or wrong token is 403."""
    length = request.headers.get("content-length", "")
    if not length.isdecimal() or int(length) > max_bytes + 64 * 1024:
        return error_page(request, 413, "error_title", message_key)
    form = await request.form(max_files=1, max_fields=20)
    try:
        token = form.get(CSRF_FIELD)
        check_form_token(request, token if isinstance(token, str) else None)
    except CsrfRefused:
        await form.close()
        return error_page(request, 403, "forbidden_title", "forbidden")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    got = form.get(field)
    upload = None
    if isinstance(got, UploadFile) and got.filename:
        content = await got.read(max_bytes + 1)
        if len(content) > max_bytes:
            await form.close()
            return error_page(request, 413, "error_title", message_key)
        upload = Upload(got.filename, content)
    await form.close()
    return fields, upload


def regions(request: Request) -> RegionTree:
    """The region tree (the services' regions_file; codes and names are public reference
    data), read once per process."""
    tree = getattr(request.app.state, "regions", None)
    if tree is None:
        tree = request.app.state.regions = RegionTree.load(request.app.state.settings.regions_file)
    return tree
