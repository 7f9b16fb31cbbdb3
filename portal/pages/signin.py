"""Signing in and out for staff, deputies and department officers: /signin, /password (a
first sign-in with a one-time password, or a change), /signout. identity checks the
password, counts failures and locks; the portal keeps the tokens server-side (portal.auth)."""
from __future__ import annotations

import grpc
from lianxin.identity.v1 import identity_pb2 as ipb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import SESSION_COOKIE, clear_session_cookie, current_user, set_session_cookie
from portal.render import backends, catalogue, checked_form, citizen, live_session, page, rpc_error_page

HOME = "/desk"   # the workspace, which sends each role on to its own first page


def _next(raw: str) -> str:
    """Where to go after signing in: a path of this site only (never //host or a scheme)."""
    if raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return HOME


def refusal(request: Request, e: grpc.aio.AioRpcError) -> tuple[int, str] | None:
    """(status, sentence) for identity refusing a sign-in or a password change, else None.
    The same sentence for an unknown username, a wrong password and an account locked out
    after failed attempts."""
    t = catalogue(request).t
    code, details = e.code(), e.details() or ""
    if code == grpc.StatusCode.UNAUTHENTICATED:
        # A lockout after failed attempts is refused as a wrong password (identity gives the same
        # answer, so the page cannot tell an outsider that a username exists); the locked-by-office
        # and disabled answers come only after the right password.
        if details.startswith("account locked by the office"):
            return 403, t.signin_locked_by_office
        if details.startswith("account disabled"):
            return 403, t.signin_disabled
        return 401, t.signin_wrong
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return 429, t.signin_too_many
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
        field = details.partition(":")[0].strip()
        if field == "new_password":
            return 400, t.password_weak if code == grpc.StatusCode.INVALID_ARGUMENT else t.password_same
        if field == "username":
            return 401, t.signin_wrong
    return None


def _signin_page(request: Request, *, username: str = "", next_path: str = "", errors: list[str] | None = None,
                 status: int = 200) -> Response:
    return page(request, "work/signin.html", {"username": username, "next": next_path or HOME,
                                              "form_errors": errors or [],
                                              "signed_out": request.query_params.get("out") == "1"}, status=status)


def _signed_in(request: Request, r: ipb.SignInResponse, next_path: str) -> Response:
    sessions = request.app.state.sessions
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        sessions.drop(old)
    s = sessions.open(r)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, s.id)
    return response


async def signin_form(request: Request) -> Response:
    """GET /signin: the form (already signed in: on to the workspace)."""
    next_path = _next(request.query_params.get("next", ""))
    if await current_user(request) is not None:
        return RedirectResponse(next_path, status_code=303)
    return _signin_page(request, next_path=next_path)


async def signin(request: Request) -> Response:
    """POST /signin: a session and on to ``next``; a password that must be changed first
    leads to /password; a refusal shows the form again with the reason in Chinese."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    username, next_path = form.get("username", "").strip()[:50], _next(form.get("next", ""))
    b = backends(request)
    try:
        r = await b.identity.SignIn(ipb.SignInRequest(username=username, password=form.get("password", "")[:200]),
                                    metadata=b.for_citizen(citizen(request)), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        status, message = refused
        # Every refused password says how the lockout works: a locked-out user who types the
        # right password reads the same page as everyone else (see ``refusal``) and learns why.
        said = [message, catalogue(request).t.signin_wrong_lockout] if status == 401 else [message]
        return _signin_page(request, username=username, next_path=next_path, errors=said, status=status)
    if r.must_change_password:
        return page(request, "work/password.html", {"username": username, "next": next_path, "form_errors": [],
                                                    "first": True})
    return _signed_in(request, r, next_path)


async def password_form(request: Request) -> Response:
    """GET /password: change a password (the current one proves it is the holder)."""
    user = await current_user(request)
    return page(request, "work/password.html", {"username": user.username if user else "", "next": HOME,
                                                "form_errors": [], "first": False})


async def change_password(request: Request) -> Response:
    """POST /password: identity changes the password and signs the holder in."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    t = catalogue(request).t
    username, next_path = form.get("username", "").strip()[:50], _next(form.get("next", ""))
    new = form.get("new_password", "")[:200]

    def again(message: str, status: int) -> Response:
        return page(request, "work/password.html", {"username": username, "next": next_path,
                                                    "form_errors": [message], "first": False}, status=status)
    if new != form.get("new_password_again", ""):
        return again(t.password_mismatch, 400)
    b = backends(request)
    try:
        r = await b.identity.ChangePassword(ipb.ChangePasswordRequest(
            username=username, current_password=form.get("current_password", "")[:200], new_password=new),
            metadata=b.for_citizen(citizen(request)), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        return again(refused[1], refused[0])
    return _signed_in(request, r, next_path)


async def signout(request: Request) -> Response:
    """POST /signout: identity spends the refresh token, the session is forgotten, the
    cookie cleared. A browser whose session has already ended is only sent on (its form's
    token was bound to that session, and there is nothing left to protect)."""
    if live_session(request) is None:
        response = RedirectResponse("/signin?out=1", status_code=303)
        clear_session_cookie(request, response)
        return response
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    sid = request.cookies.get(SESSION_COOKIE)
    s = request.app.state.sessions.drop(sid) if sid else None
    if s is not None:
        b = backends(request)
        try:
            await b.identity.SignOut(ipb.SignOutRequest(refresh_token=s.refresh_token),
                                     metadata=b.for_citizen(citizen(request)), timeout=b.timeout)
        except grpc.aio.AioRpcError as e:
            # The session is gone here either way; the refresh token lapses by itself.
            request.app.state.log.warning("sign-out not recorded by identity", code=e.code().name)
    response = RedirectResponse("/signin?out=1", status_code=303)
    clear_session_cookie(request, response)
    return response


routes = [
    Route("/signin", signin_form, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/password", password_form, methods=["GET"]),
    Route("/password", change_password, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
]
