"""Account management for the offices: /desk/accounts (the accounts of the user's subtree,
filtered and paged), /desk/accounts/new (create, with a deputy picker fed by the roster),
/desk/accounts/import (a spreadsheet, its per-row errors shown in the page), /desk/accounts/<id>
(the account, its audit trail and the forms: reset password, lock, unlock, disable, link its
single sign-on subject) and
/desk/accounts/audit (the region's audit trail).

Who may do what is identity's (services/identity/access.py): staff read and change the
accounts of their region's subtree, auditors read them; staff and auditor accounts of the
user's own region come from the region above (identity refuses them as PERMISSION_DENIED and
the page says so). The page offers what a role may try and explains every refusal; it
decides nothing itself.

A one-time password (a new account's, a reset's, an import's generated ones) is shown once,
in the answer to the POST that set it (never in a URL, never stored by the portal; the page
is ``no-store`` like every page); the holder must change it at the first sign-in."""
from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from urllib.parse import quote, urlencode

import grpc
from lianxin.common.v1 import common_pb2
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import ROLES, require_signin
from portal.pages.roster import region_choices
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, checked_upload, error_page, page, rpc_error_page
from portal.security import CSRF_FIELD

PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50
PICKER_SIZE = 100          # deputies offered by the picker at once (narrow it by name)
READERS = ("staff", "auditor")
WRITERS = ("staff",)
ROLE_CODES = {name: code for code, name in ROLES.items()}     # "staff" -> ACCOUNT_ROLE_STAFF
# Roles whose account stands for a deputy (committee: optional) or a department (required).
DEPUTY_ROLES = ("deputy", "committee")
# One-time passwords the portal draws when the staff leave the field empty: 12 characters a
# person can read out and type (no 0/O, 1/l/I), as identity's import draws them.
OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_UPLOAD = 5 * 1024 * 1024   # identity's MAX_IMPORT_BYTES
PICKABLE = (rpb.DEPUTY_STATUS_SERVING, rpb.DEPUTY_STATUS_BY_ELECTED)


def audit_rows(request: Request, events) -> list[tuple[ipb.AuditEvent, str]]:
    """Each audited fact with its detail as the page says it (the catalogue's AUDIT_DETAILS;
    identity writes English for developers, a reason staff typed stays as typed)."""
    cat = catalogue(request)
    roles = {name: cat.account_roles[code] for code, name in ROLES.items()}
    out = []
    for e in events:
        text = e.detail
        for pattern, said in cat.audit_details:
            m = re.fullmatch(pattern, e.detail)
            if m:
                found = m.groupdict()
                if "role" in found:
                    found["role"] = roles.get(found["role"], found["role"])
                text = said.format(**found)
                break
        out.append((e, text))
    return out


def one_time_password() -> str:
    return "".join(secrets.choice(OTP_ALPHABET) for _ in range(12))


def _code(raw: str, table: dict[int, str]) -> int:
    return int(raw) if raw.isdecimal() and int(raw) in table else 0


def _refusal(request: Request, e: grpc.aio.AioRpcError) -> tuple[int, str] | None:
    """(status, sentence) for identity refusing a change, else None (then the generic page)."""
    cat = catalogue(request)
    code, details = e.code(), e.details() or ""
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return 400, cat.t.invalid_input + cat.field_error(details)
    if code == grpc.StatusCode.ALREADY_EXISTS:
        if "external_subject" in details.partition(":")[0]:
            return 409, cat.t.account_external_taken
        if details.startswith("account.stands_for") or "account for deputy" in details:
            return 409, cat.t.account_deputy_taken
        return 409, cat.t.account_username_taken
    if code == grpc.StatusCode.NOT_FOUND and "stands_for" in details:
        return 400, cat.t.account_deputy_unknown
    if code == grpc.StatusCode.PERMISSION_DENIED:
        if "managed by the region above" in details:
            return 403, cat.t.account_from_above
        return 403, cat.t.account_out_of_scope
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return 409, cat.t.account_state_changed
    return None


# ---- the list -------------------------------------------------------------------------------
@require_signin(*READERS)
async def accounts(request: Request) -> Response:
    """GET /desk/accounts?role=&status=&region=&page_token=: the accounts of the user's
    subtree (or of a region inside it), by region and username, PAGE_SIZE a page."""
    cat = catalogue(request)
    q = request.query_params
    role = _code(q.get("role", ""), cat.account_roles)
    status = _code(q.get("status", ""), cat.account_statuses)
    region = q.get("region", "").strip()[:9]
    call = ipb.ListAccountsRequest(region_code=region, role=role, status=status,
                                   page=common_pb2.PageRequest(page_size=PAGE_SIZE,
                                                               page_token=q.get("page_token", "")[:2000]))
    b = backends(request)
    try:
        listed = await b.identity.ListAccounts(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED,
                        grpc.StatusCode.NOT_FOUND):
            return error_page(request, 400, "error_title", "account_bad_filter")
        return rpc_error_page(request, e, not_found="page_not_found")
    filters = {"role": str(role) if role else "", "status": str(status) if status else "", "region": region}
    deputy_names = await _deputy_names(request, listed.accounts)
    next_link = ""
    if listed.next_page_token:
        next_link = "/desk/accounts?" + urlencode({k: v for k, v in filters.items() if v}
                                                  | {"page_token": listed.next_page_token})
    return page(request, "accounts/list.html", {"user": user(request), "accounts": listed.accounts,
                                                "total": listed.total_size, "filters": filters,
                                                "next_link": next_link, "can_write": user(request).role in WRITERS,
                                                "deputy_names": deputy_names})


async def _deputy_names(request: Request, accounts) -> dict[str, str]:
    """The roster's names of the deputies the listed accounts stand for (the user's scope; one
    the roster does not give keeps its id on the page)."""
    b = backends(request)
    md = user_md(request)
    ids = sorted({a.stands_for for a in accounts
                  if a.role in (ipb.ACCOUNT_ROLE_DEPUTY, ipb.ACCOUNT_ROLE_COMMITTEE) and a.stands_for})

    async def name(deputy_id: str) -> tuple[str, str]:
        try:
            got = await b.roster.GetDeputy(rpb.GetDeputyRequest(id=deputy_id), metadata=md, timeout=b.timeout)
            return deputy_id, got.name
        except grpc.aio.AioRpcError:
            return deputy_id, ""
    return {k: v for k, v in await asyncio.gather(*(name(i) for i in ids)) if v}


# ---- create ---------------------------------------------------------------------------------
async def _deputies(request: Request, name: str) -> list[rpb.Deputy]:
    """The picker's deputies: serving deputies of the user's subtree whose name contains
    ``name``, at most PICKER_SIZE (the roster decides the scope)."""
    b = backends(request)
    listed = await b.roster.ListDeputies(rpb.ListDeputiesRequest(
        name=name, page=common_pb2.PageRequest(page_size=PICKER_SIZE)), metadata=user_md(request), timeout=b.timeout)
    # A resigned or terminated deputy gets no account (identity refuses it): not offered.
    return [d for d in listed.deputies if d.status in PICKABLE]


async def _create_page(request: Request, form: dict[str, str], *, errors: list[str] | None = None,
                       status: int = 200) -> Response:
    search = form.get("deputy_name", "").strip()[:50]
    try:
        deputies = await _deputies(request, search)
    except grpc.aio.AioRpcError as e:
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            return rpc_error_page(request, e, not_found="page_not_found")
        deputies = []
    values = {"username": "", "display_name": "", "role": "", "region_code": user(request).region,
              "deputy_id": "", "department": "", "deputy_name": search, "external_issuer": "",
              "external_subject": ""} | form
    roles = catalogue(request).account_roles
    # The region is picked from the user's subtree by name (a field pre-filled with a code made
    # typing append to it); a form sent with another code shows it unselected, and identity decides.
    return page(request, "accounts/new.html", {"user": user(request), "deputies": deputies, "form": values,
                                               "region_options": region_choices(request),
                                               "role_options": [(ROLES[c], roles[c]) for c in sorted(ROLES)],
                                               "form_errors": errors or [], "request_id": form.get("request_id")
                                               or str(uuid.uuid4())}, status=status)


@require_signin(*WRITERS)
async def new_account(request: Request) -> Response:
    """GET /desk/accounts/new?deputy_name=: the form; the deputy picker lists the serving
    deputies of the user's subtree, narrowed by name (a plain GET form: works without JS)."""
    q = request.query_params
    # Only what the query names: an absent field keeps the form's default (the user's region).
    return await _create_page(request, {k: q[k][:100] for k in
                                        ("deputy_name", "username", "display_name", "role", "region_code",
                                         "department") if q.get(k)})


@require_signin(*WRITERS)
async def create_account(request: Request) -> Response:
    """POST /desk/accounts/new: CreateAccount, then (303) the new account's page with its
    one-time password shown once (``_show_once``). The form's request_id makes a form sent twice create one account."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    form = {k: v[:200] for k, v in form.items() if k != CSRF_FIELD}
    role = form.get("role", "")
    stands_for = ""
    if role in DEPUTY_ROLES:
        stands_for = form.get("deputy_id", "").strip()
    elif role == "department":
        stands_for = form.get("department", "").strip()
    one_time = form.get("one_time_password", "") or one_time_password()
    form.pop("one_time_password", None)
    call = ipb.CreateAccountRequest(account=ipb.Account(
        username=form.get("username", "").strip(), display_name=form.get("display_name", "").strip(),
        role=ROLE_CODES.get(role, ipb.ACCOUNT_ROLE_UNSPECIFIED), region_code=form.get("region_code", "").strip(),
        stands_for=stands_for, external_issuer=form.get("external_issuer", "").strip(),
        external_subject=form.get("external_subject", "").strip()),
        one_time_password=one_time, request_id=form.get("request_id", ""))
    b = backends(request)
    try:
        made = await b.identity.CreateAccount(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        return await _create_page(request, form, errors=[refused[1]], status=refused[0])
    return _show_once(request, made.id, one_time, "created")


# ---- import ---------------------------------------------------------------------------------
@require_signin(*WRITERS)
async def import_form(request: Request) -> Response:
    """GET /desk/accounts/import: the upload form and the sheet's columns."""
    return page(request, "accounts/import.html", {"user": user(request), "report": None, "form_errors": []})


@require_signin(*WRITERS)
async def import_accounts(request: Request) -> Response:
    """POST /desk/accounts/import (multipart: file, dry_run): ImportAccounts; the page shows
    the counts, every row error (row, column, reason) and the one-time passwords drawn for
    the created accounts, once."""
    got = await checked_upload(request, "file", MAX_UPLOAD, "import_too_large")
    if isinstance(got, Response):
        return got
    fields, upload = got
    t = catalogue(request).t

    def again(message: str, status: int) -> Response:
        return page(request, "accounts/import.html", {"user": user(request), "report": None,
                                                      "form_errors": [message]}, status=status)
    if upload is None or not upload.content:
        return again(t.import_no_file, 400)
    content = upload.content
    fmt = common_pb2.FILE_FORMAT_CSV if upload.filename.lower().endswith(".csv") else common_pb2.FILE_FORMAT_XLSX
    dry_run = fields.get("dry_run") == "1"
    b = backends(request)
    try:
        report = await b.identity.ImportAccounts(ipb.ImportAccountsRequest(
            format=fmt, content=content, region_code=fields.get("region_code", "").strip()[:9], dry_run=dry_run),
            metadata=user_md(request), timeout=max(b.timeout, 60))
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
            # The sheet as a whole is unreadable (not XLSX/CSV, no heading row, ...): say why.
            detail = (e.details() or "").partition(":")[2].strip()
            return again(t.import_unreadable.format(detail=detail), 400)
        refused = _refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        return again(refused[1], refused[0])
    return page(request, "accounts/import.html", {"user": user(request), "report": report, "dry_run": dry_run,
                                                  "form_errors": []})


# ---- one account ----------------------------------------------------------------------------
async def _account_page(request: Request, account_id: str, *, one_time: str = "", done: str = "",
                        errors: list[str] | None = None, status: int = 200) -> Response:
    b = backends(request)
    md = user_md(request)
    try:
        account = await b.identity.GetAccount(ipb.GetAccountRequest(id=account_id), metadata=md, timeout=b.timeout)
        events = await b.identity.ListAuditEvents(ipb.ListAuditEventsRequest(
            account_id=account_id, page=common_pb2.PageRequest(page_size=AUDIT_PAGE_SIZE)), metadata=md,
            timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _not_found_or(request, e)
    created_by_name = ""
    try:   # who opened the account, by name (identity's audit has the actor's name)
        created = await b.identity.ListAuditEvents(ipb.ListAuditEventsRequest(
            account_id=account_id, kind=ipb.AUDIT_KIND_ACCOUNT_CREATED, page=common_pb2.PageRequest(page_size=1)),
            metadata=md, timeout=b.timeout)
        created_by_name = created.events[0].actor_name if created.events else ""
    except grpc.aio.AioRpcError:
        created_by_name = ""
    deputy_name = ""
    if account.role in (ipb.ACCOUNT_ROLE_DEPUTY, ipb.ACCOUNT_ROLE_COMMITTEE) and account.stands_for:
        try:   # the deputy's name beside the id (the roster's, in the user's scope)
            deputy_name = (await b.roster.GetDeputy(rpb.GetDeputyRequest(id=account.stands_for), metadata=md,
                                                    timeout=b.timeout)).name
        except grpc.aio.AioRpcError:
            deputy_name = ""
    t = catalogue(request).t
    u = user(request)
    actions: tuple[str, ...] = ()
    locked_out = account.HasField("locked_until") and account.locked_until.ToSeconds() > time.time()
    if u.role in WRITERS:
        actions = ("reset", "link")
        if account.status == ipb.ACCOUNT_STATUS_ACTIVE:
            actions += ("unlock", "lock", "disable") if locked_out else ("lock", "disable")
        elif account.status == ipb.ACCOUNT_STATUS_LOCKED:
            actions += ("unlock", "disable")
        else:
            actions += ("unlock",)
    return page(request, "accounts/account.html", {
        "user": u, "account": account, "events": audit_rows(request, events.events), "events_total": events.total_size,
        "actions": actions, "locked_out": locked_out, "deputy_name": deputy_name, "one_time": one_time,
        "created_by_name": created_by_name,
        "form_errors": errors or [],
        "done": t[f"account_done_{done}"] if done in ("created", "reset", "lock", "unlock", "disable", "link")
        else ""},
        status=status)


def _not_found_or(request: Request, e: grpc.aio.AioRpcError) -> Response:
    # Another subtree's account is NOT_FOUND at identity: 404 here, as for one that does not exist.
    if e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
        return error_page(request, 404, "not_found_title", "page_not_found")
    return rpc_error_page(request, e, not_found="page_not_found")


def _show_once(request: Request, account_id: str, one_time: str, done: str) -> Response:
    """Post/Redirect/Get for a one-time password: kept in the server-side session and shown by
    the next GET of the account's page only (a refresh neither shows it again nor resends)."""
    user(request).one_time[account_id] = one_time
    return RedirectResponse(f"/desk/accounts/{quote(account_id, safe='')}?done={done}", status_code=303)


@require_signin(*READERS)
async def account_page(request: Request) -> Response:
    """GET /desk/accounts/<id>: the account, its last AUDIT_PAGE_SIZE audited facts, and
    (staff) the forms of the changes its status allows; a one-time password just set is shown
    this once (``_show_once``)."""
    done = request.query_params.get("done", "")
    account_id = request.path_params["id"][:64]
    one_time = user(request).one_time.pop(account_id, "")
    return await _account_page(request, account_id, done=done, one_time=one_time)


ACCOUNT_ACTIONS = ("reset", "lock", "unlock", "disable", "link")


@require_signin(*WRITERS)
async def account_action(request: Request) -> Response:
    """POST /desk/accounts/<id>/<reset|lock|unlock|disable|link>, then (303) the account's page;
    after a reset it shows the new one-time password once (``_show_once``)."""
    action, account_id = request.path_params["action"], request.path_params["id"][:64]
    if action not in ACCOUNT_ACTIONS:
        return error_page(request, 404, "not_found_title", "page_not_found")
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    reason = form.get("reason", "")[:300]
    b = backends(request)
    md = user_md(request)
    one_time = ""
    try:
        if action == "reset":
            one_time = one_time_password()
            await b.identity.ResetPassword(ipb.ResetPasswordRequest(id=account_id, one_time_password=one_time),
                                           metadata=md, timeout=b.timeout)
        elif action == "lock":
            await b.identity.LockAccount(ipb.LockAccountRequest(id=account_id, reason=reason), metadata=md,
                                         timeout=b.timeout)
        elif action == "link":
            await b.identity.LinkExternalSubject(ipb.LinkExternalSubjectRequest(
                id=account_id, external_issuer=form.get("external_issuer", "")[:300],
                external_subject=form.get("external_subject", "")[:300]), metadata=md, timeout=b.timeout)
        elif action == "unlock":
            await b.identity.UnlockAccount(ipb.UnlockAccountRequest(id=account_id), metadata=md, timeout=b.timeout)
        else:
            await b.identity.DisableAccount(ipb.DisableAccountRequest(id=account_id, reason=reason), metadata=md,
                                            timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            return error_page(request, 404, "not_found_title", "page_not_found")
        refused = _refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        return await _account_page(request, account_id, errors=[refused[1]], status=refused[0])
    if action == "reset":
        return _show_once(request, account_id, one_time, "reset")
    return RedirectResponse(f"/desk/accounts/{quote(account_id, safe='')}?done={action}", status_code=303)


# ---- the audit trail ------------------------------------------------------------------------
@require_signin(*READERS)
async def audit(request: Request) -> Response:
    """GET /desk/accounts/audit?kind=&region=&page_token=: every sign-in and account change
    of the user's subtree, newest first."""
    cat = catalogue(request)
    q = request.query_params
    kind = _code(q.get("kind", ""), cat.audit_kinds)
    region = q.get("region", "").strip()[:9]
    b = backends(request)
    try:
        listed = await b.identity.ListAuditEvents(ipb.ListAuditEventsRequest(
            region_code=region, kind=kind,
            page=common_pb2.PageRequest(page_size=AUDIT_PAGE_SIZE, page_token=q.get("page_token", "")[:2000])),
            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED,
                        grpc.StatusCode.NOT_FOUND):
            return error_page(request, 400, "error_title", "account_bad_filter")
        return rpc_error_page(request, e, not_found="page_not_found")
    filters = {"kind": str(kind) if kind else "", "region": region}
    next_link = ""
    if listed.next_page_token:
        next_link = "/desk/accounts/audit?" + urlencode({k: v for k, v in filters.items() if v}
                                                        | {"page_token": listed.next_page_token})
    return page(request, "accounts/audit.html", {"user": user(request), "events": audit_rows(request, listed.events),
                                                 "total": listed.total_size, "filters": filters,
                                                 "next_link": next_link})


routes = [
    Route("/desk/accounts", accounts, methods=["GET"]),
    Route("/desk/accounts/new", new_account, methods=["GET"]),
    Route("/desk/accounts/new", create_account, methods=["POST"]),
    Route("/desk/accounts/import", import_form, methods=["GET"]),
    Route("/desk/accounts/import", import_accounts, methods=["POST"]),
    Route("/desk/accounts/audit", audit, methods=["GET"]),
    Route("/desk/accounts/{id}", account_page, methods=["GET"]),
    Route("/desk/accounts/{id}/{action}", account_action, methods=["POST"]),
]
