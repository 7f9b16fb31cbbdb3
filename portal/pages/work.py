"""The staff workspace's cases (and a department officer's or a deputy's, at the same addresses): the inbox
/desk/cases with filters and keyset paging, and the case page /desk/cases/<id> with the
actions its status allows. Every call carries the user's own token, so the services decide
what the user may see and do: a case outside their scope is NOT_FOUND there and 404 here.

Adding a page for a new RPC: an endpoint decorated with ``@require_signin(<roles>)`` that calls
``backends(request).<service>`` with ``user_md(request)``, a template in the staff workspace's
template folder (``work``), and a Route in ``routes``."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import UserSession, require_signin
from portal.render import backends, catalogue, checked_form, error_page, page, rpc_error_page
from shared import clock

PAGE_SIZE = 50
MAX_TEXT = 2000
S = lpb
# What the case page offers staff in each status (liaison's ALLOWED_FROM decides; a form
# offered for a status that has since moved is refused there and explained here).
STAFF_ACTIONS: dict[int, tuple[str, ...]] = {
    S.OPINION_STATUS_RAISED: ("accept", "reject", "escalate"),
    S.OPINION_STATUS_ACCEPTED: ("transfer", "escalate"),
    S.OPINION_STATUS_ANSWERED: ("transfer", "conclude", "escalate"),
    S.OPINION_STATUS_TRANSFERRED: ("escalate",),
    S.OPINION_STATUS_REPLIED: ("conclude", "escalate"),
    S.OPINION_STATUS_UNRESOLVED: ("feedback", "transfer", "escalate"),
    S.OPINION_STATUS_RESOLVED: ("feedback",),
    S.OPINION_STATUS_REJECTED: ("feedback",),
    S.OPINION_STATUS_FEEDBACK_GIVEN: ("close",),
}
DEPARTMENT_ACTIONS: dict[int, tuple[str, ...]] = {S.OPINION_STATUS_TRANSFERRED: ("reply",)}
# A deputy answers their own accepted case (码上答; liaison's Step.ANSWER is allowed from ACCEPTED).
DEPUTY_ACTIONS: dict[int, tuple[str, ...]] = {S.OPINION_STATUS_ACCEPTED: ("answer",)}
ROLE_ACTIONS = {"staff": STAFF_ACTIONS, "department": DEPARTMENT_ACTIONS, "deputy": DEPUTY_ACTIONS}
CASE_ROLES = tuple(ROLE_ACTIONS)


def user(request: Request) -> UserSession:
    return request.state.user


def user_md(request: Request):
    return backends(request).for_user(user(request).access_token)


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def _ts(at: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(at)
    return t


# The inbox's deadline filter: (which deadline, days from today; None = already passed).
# "due" is the tier's own deadline (Opinion.due_at, after which the case escalates by itself),
# "transfer" the department's (Transfer.deadline).
DEADLINES: dict[str, tuple[str, int | None]] = {
    "overdue": ("due", None), "due3": ("due", 3), "due7": ("due", 7),
    "transfer_overdue": ("transfer", None), "transfer_due3": ("transfer", 3), "transfer_due7": ("transfer", 7),
}
VENUE_CHOICES = 500      # the venues and deputies the inbox's filters offer (the roster's largest page)


def _cutoff(choice: str, raw: str) -> datetime | None:
    """The instant a deadline filter compares with: now (passed), or the end of the China day
    N days from today (due by then); a next-page link carries the first page's instant as
    ``cutoff`` (epoch seconds), since the page token is bound to the instant sent."""
    if choice not in DEADLINES:
        return None
    if raw.isdecimal():
        try:
            return datetime.fromtimestamp(int(raw), tz=clock.CHINA)
        except (ValueError, OverflowError, OSError):
            return None
    days = DEADLINES[choice][1]
    if days is None:
        return clock.now()
    day = clock.china_today() + timedelta(days=days)
    _, end = clock.china_day_bounds(day, day)
    return end


async def _choices(request: Request) -> tuple[list, list]:
    """(venues, deputies) of the user's region for the venue and deputy filters, by name
    (staff only: a deputy's and a department's lists are their own cases already); a list the
    roster cannot give is empty, and the deputy filter is then a field for the deputy's id."""
    if user(request).role != "staff":
        return [], []
    b = backends(request)
    page_ = common_pb2.PageRequest(page_size=VENUE_CHOICES)
    out: list[list] = []
    for method, request_type, field in (("ListVenues", rpb.ListVenuesRequest, "venues"),
                                        ("ListDeputies", rpb.ListDeputiesRequest, "deputies")):
        try:
            listed = await getattr(b.roster, method)(request_type(page=page_), metadata=user_md(request),
                                                     timeout=b.timeout)
            out.append(list(getattr(listed, field)))
        except grpc.aio.AioRpcError:
            out.append([])
    return out[0], out[1]


@require_signin(*CASE_ROLES)
async def inbox(request: Request) -> Response:
    """GET /desk/cases?status=&deputy=&venue=&deadline=&escalated=1&from=YYYY-MM-DD&to=YYYY-MM-DD&page_token=:
    the cases in the user's scope, newest first, PAGE_SIZE a page. ``deadline`` is a key of
    DEADLINES; ``escalated`` lists the cases that went up a tier (liaison decides which)."""
    q = request.query_params
    status = int(q["status"]) if q.get("status", "").isdecimal() and int(q["status"]) in catalogue(request).statuses else 0
    escalated = q.get("escalated") == "1"
    day_from, day_to = _day(q.get("from", "")), _day(q.get("to", ""))
    start, end = clock.china_day_bounds(day_from, day_to)
    call = lpb.ListOpinionsRequest(status=status, deputy_id=q.get("deputy", "").strip()[:64],
                                   venue_id=q.get("venue", "").strip()[:64], escalated=escalated,
                                   page=common_pb2.PageRequest(page_size=PAGE_SIZE,
                                                               page_token=q.get("page_token", "")[:500]))
    if start is not None:
        call.raised_from.CopyFrom(_ts(start))
    if end is not None:
        call.raised_to.CopyFrom(_ts(end - timedelta(microseconds=1)))
    deadline = q.get("deadline", "")
    cutoff = _cutoff(deadline, q.get("cutoff", "")[:12])
    if cutoff is not None:
        cutoff = cutoff.replace(microsecond=0)     # whole seconds: what the next-page link carries
        (call.due_before if DEADLINES[deadline][0] == "due" else call.transfer_due_before).CopyFrom(_ts(cutoff))
    else:
        deadline = ""
    b = backends(request)
    try:
        listed = await b.liaison.ListOpinions(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            # A deputy or venue outside the user's scope reads as a malformed one: the same words.
            cat = catalogue(request)
            return error_page(request, 400, "invalid_input_title", "invalid_input",
                              message=cat.t.invalid_input + cat.field_error(e.details() or ""))
        # INVALID_ARGUMENT names the filter's problem; PERMISSION_DENIED (a deputy naming another
        # deputy in the address: the form offers no such filter) is "no permission", in Chinese.
        return rpc_error_page(request, e, not_found="page_not_found")
    filters = {"status": str(status) if status else "", "deputy": call.deputy_id, "venue": call.venue_id,
               "deadline": deadline, "escalated": "1" if escalated else "",
               "from": day_from.isoformat() if day_from else "", "to": day_to.isoformat() if day_to else ""}
    next_link = ""
    if listed.next_page_token:
        carried = {"cutoff": str(int(cutoff.timestamp()))} if cutoff is not None else {}
        next_link = "/desk/cases?" + urlencode({k: v for k, v in filters.items() if v} | carried
                                               | {"page_token": listed.next_page_token})
    venues, deputies = await _choices(request)
    return page(request, "work/inbox.html", {"user": user(request), "cases": listed.opinions,
                                             "total": listed.total_size, "filters": filters,
                                             "venues": venues, "deputies": deputies, "deadlines": list(DEADLINES),
                                             "next_link": next_link})


def _case_page(request: Request, case: lpb.Opinion, *, errors: list[str] | None = None, done: str = "",
               status: int = 200) -> Response:
    u = user(request)
    actions = ROLE_ACTIONS.get(u.role, {}).get(case.status, ())
    return page(request, "work/case.html", {
        "user": u, "case": case, "actions": actions, "form_errors": errors or [], "done": done,
        "min_deadline": (clock.china_today() + timedelta(days=1)).isoformat(),
        "default_deadline": (clock.china_today() + timedelta(days=15)).isoformat()}, status=status)


async def _get(request: Request, case_id: str) -> lpb.Opinion:
    b = backends(request)
    return await b.liaison.GetOpinion(lpb.GetOpinionRequest(id=case_id), metadata=user_md(request),
                                      timeout=b.timeout)


@require_signin(*CASE_ROLES)
async def case_page(request: Request) -> Response:
    """GET /desk/cases/<id>: the case with its history and the forms of its next steps."""
    try:
        case = await _get(request, request.path_params["id"][:64])
    except grpc.aio.AioRpcError as e:
        return _not_found_or(request, e)
    done = request.query_params.get("done", "")
    label = catalogue(request).t[f"action_{done}"] if done in ACTIONS else ""
    return _case_page(request, case, done=catalogue(request).t.action_done.format(action=label) if label else "")


def _not_found_or(request: Request, e: grpc.aio.AioRpcError) -> Response:
    # Another scope's case is NOT_FOUND (PERMISSION_DENIED where a service says so): 404 either way,
    # so an address does not tell whether the case exists.
    if e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
        return error_page(request, 404, "not_found_title", "page_not_found")
    return rpc_error_page(request, e, not_found="page_not_found")


def _deadline(raw: str) -> Timestamp | None:
    """The end of the China day chosen as the deadline (the department has that whole day)."""
    day = _day(raw)
    if day is None:
        return None
    _, end = clock.china_day_bounds(day, day)
    assert end is not None
    return _ts(end - timedelta(seconds=1))


def _transfer(case_id: str, f: dict[str, str]) -> tuple[str, Any]:
    r = lpb.TransferOpinionRequest(id=case_id, department=f.get("department", "").strip(),
                                   department_name=f.get("department_name", "").strip(), note=f.get("note", ""))
    deadline = _deadline(f.get("deadline", ""))
    if deadline is not None:
        r.deadline.CopyFrom(deadline)
    return "TransferOpinion", r


ACTIONS: dict[str, tuple[tuple[str, ...], Callable[[str, dict[str, str]], tuple[str, Any]]]] = {
    "accept": (("staff",), lambda i, f: ("AcceptOpinion", lpb.AcceptOpinionRequest(id=i, note=f.get("note", "")))),
    "reject": (("staff",), lambda i, f: ("RejectOpinion", lpb.RejectOpinionRequest(id=i, reason=f.get("reason", "")))),
    "transfer": (("staff",), _transfer),
    "conclude": (("staff",), lambda i, f: ("ConcludeOpinion", lpb.ConcludeOpinionRequest(
        id=i, resolved=f.get("resolved") == "1", note=f.get("note", "")))),
    "escalate": (("staff",), lambda i, f: ("EscalateOpinion", lpb.EscalateOpinionRequest(
        id=i, reason=f.get("reason", "")))),
    "feedback": (("staff",), lambda i, f: ("GiveFeedback", lpb.GiveFeedbackRequest(id=i, feedback=f.get("feedback", "")))),
    "close": (("staff",), lambda i, f: ("CloseOpinion", lpb.CloseOpinionRequest(id=i, note=f.get("note", "")))),
    "answer": (("deputy",), lambda i, f: ("AnswerOpinion", lpb.AnswerOpinionRequest(id=i, answer=f.get("answer", "")))),
    "reply": (("department",), lambda i, f: ("ReplyToTransfer", lpb.ReplyToTransferRequest(
        id=i, reply=f.get("reply", "")))),
}


@require_signin(*CASE_ROLES)
async def act(request: Request) -> Response:
    """POST /desk/cases/<id>/<action>: one step of the case, then back to its page
    (Post/Redirect/Get); a refusal shows the case page with the reason in Chinese."""
    action, case_id = request.path_params["action"], request.path_params["id"][:64]
    if action not in ACTIONS:
        return error_page(request, 404, "not_found_title", "page_not_found")
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    roles, build = ACTIONS[action]
    if user(request).role not in roles:
        return error_page(request, 403, "no_permission_title", "role_forbidden")
    method, call = build(case_id, {k: v[:MAX_TEXT + 100] for k, v in form.items()})
    b = backends(request)
    try:
        await getattr(b.liaison, method)(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        cat = catalogue(request)
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
            message, status = cat.t.invalid_input + cat.field_error(e.details() or ""), 400
        elif e.code() == grpc.StatusCode.FAILED_PRECONDITION:
            message, status = cat.t.action_not_allowed, 409
        elif e.code() == grpc.StatusCode.PERMISSION_DENIED:
            message, status = cat.t.action_denied, 403
        else:
            return _not_found_or(request, e)
        try:
            case = await _get(request, case_id)
        except grpc.aio.AioRpcError as e2:
            return _not_found_or(request, e2)
        return _case_page(request, case, errors=[message], status=status)
    return RedirectResponse(f"/desk/cases/{quote(case_id, safe='')}?done={action}", status_code=303)


@require_signin()
async def workspace(request: Request) -> Response:
    """GET /desk: where a user lands after signing in: a deputy on their own workspace
    (pages/deputy.py), committee members and auditors (who handle no case) on the dashboard
    (pages/dashboard.py), everyone else on the cases."""
    role = user(request).role
    first = {"deputy": "/desk/me", "committee": "/desk/dashboard", "auditor": "/desk/dashboard"}.get(role, "/desk/cases")
    return RedirectResponse(first, status_code=303)


routes = [
    Route("/desk", workspace, methods=["GET"]),
    Route("/desk/cases", inbox, methods=["GET"]),
    Route("/desk/cases/{id}", case_page, methods=["GET"]),
    Route("/desk/cases/{id}/{action}", act, methods=["POST"]),
]
