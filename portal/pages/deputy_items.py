"""A deputy's bills and suggestions (议案建议) and meeting requests (约见) on a phone, under the
deputy's workspace:

  /desk/me/items                the items I submitted or was invited to co-sign (supervision
                                ListItems with my own token), invitations awaiting my
                                signature first
  /desk/me/items/new            submit one (SubmitItem with a request_id): title, category,
                                content, bill or suggestion (a hint: the office classifies), the
                                deputies of my congress invited to co-sign, picked by name
  /desk/me/items/<id>           the item followed: number, kind, signers, departments and
                                deadline, the four in place (四落实), the three meetings
                                (三见面) of each round, the final reply and its class, the
                                history; the form to co-sign (联名) when I am invited, and to
                                rate the reply (满意 / 基本满意 / 不满意) when I submitted it
  /desk/me/meetings             my meeting requests with heads of state organs and the form to
                                ask for one (RequestOrganMeeting): arranged day, organ and head,
                                outcome and the promised follow-up as the office records them

Supervision decides who may see and do what (a deputy's own items, signing only when
invited and before registration, rating only their own reply); refusals read in Chinese
(``SUPERVISION_REFUSALS``, ``SUPERVISION_FIELD_PROBLEMS``). Names of invited co-signers come
from the roster (supervision keeps deputies' ids only). Without JavaScript every form posts as
any form.
"""
from __future__ import annotations

import uuid
from urllib.parse import quote

import grpc
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as pb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.supervision import PAGE_SIZE, _not_found, _refusal, item_namer, item_stages
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, error_page, page, rpc_error_page

ROLE = "deputy"
HOME = "/desk/me/items"
MEETINGS = "/desk/me/meetings"
SEATED = (rpb.DEPUTY_STATUS_SERVING, rpb.DEPUTY_STATUS_BY_ELECTED)
KINDS = {"suggestion": pb.ITEM_KIND_SUGGESTION, "bill": pb.ITEM_KIND_BILL}
RATINGS = {"satisfied": pb.REPLY_RATING_SATISFIED, "basically": pb.REPLY_RATING_BASICALLY_SATISFIED,
           "unsatisfied": pb.REPLY_RATING_UNSATISFIED}
MAX_CONTENT = 20_000


async def _colleagues(request: Request) -> list[rpb.Deputy]:
    """The serving deputies of my congress (my token's region), me left out, by name: whom I
    may invite to co-sign. Empty when the roster cannot say (the form then says so)."""
    me, b = user(request), backends(request)
    try:
        listed = await b.roster.ListDeputies(rpb.ListDeputiesRequest(
            region_code=me.region, page=common_pb2.PageRequest(page_size=500)), metadata=user_md(request),
            timeout=b.timeout)
    except grpc.aio.AioRpcError:
        return []
    return sorted((d for d in listed.deputies if d.region_code == me.region and d.id != me.stands_for
                   and d.status in SEATED), key=lambda d: d.name)


async def _names(request: Request, ids: set[str]) -> dict[str, str]:
    """Deputies' names by id for the co-signers shown (the roster's; an id it does not give
    stays unnamed)."""
    if not ids:
        return {}
    me, b = user(request), backends(request)
    try:
        listed = await b.roster.ListDeputies(rpb.ListDeputiesRequest(
            region_code=me.region, page=common_pb2.PageRequest(page_size=500)), metadata=user_md(request),
            timeout=b.timeout)
    except grpc.aio.AioRpcError:
        return {}
    return {d.id: d.name for d in listed.deputies if d.id in ids}


@require_signin(ROLE)
async def items(request: Request) -> Response:
    """GET /desk/me/items."""
    me, b = user(request), backends(request)
    try:
        listed = await b.supervision.ListItems(pb.ListItemsRequest(page=common_pb2.PageRequest(page_size=PAGE_SIZE)),
                                               metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    mine = [x for x in listed.items if x.submitter_id == me.stands_for]
    invited = [x for x in listed.items if x.submitter_id != me.stands_for]
    to_sign = [x for x in invited if x.status == pb.ITEM_STATUS_SUBMITTED
               and any(c.deputy_id == me.stands_for and not c.signed for c in x.co_signers)]
    return page(request, "deputy/items.html", {"user": me, "mine": mine, "invited": invited, "to_sign": to_sign})


async def _new_page(request: Request, *, errors: list[str] | None = None, form: dict[str, str] | None = None,
                    status: int = 200) -> Response:
    return page(request, "deputy/item_new.html", {
        "user": user(request), "colleagues": await _colleagues(request), "form": form or {},
        "picked": {k.removeprefix("co-") for k in (form or {}) if k.startswith("co-")},
        "form_errors": errors or [], "request_id": (form or {}).get("request_id") or str(uuid.uuid4()),
        "categories": catalogue(request).categories}, status=status)


@require_signin(ROLE)
async def new_item(request: Request) -> Response:
    """GET /desk/me/items/new."""
    return await _new_page(request)


@require_signin(ROLE)
async def submit(request: Request) -> Response:
    """POST /desk/me/items/new: SubmitItem, then the item's page."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    call = pb.SubmitItemRequest(title=form.get("title", "")[:500], content=form.get("content", "")[:MAX_CONTENT],
                                category=form.get("category", "")[:100],
                                requested_kind=KINDS.get(form.get("kind", ""), 0),
                                co_signer_ids=[k.removeprefix("co-")[:64] for k in form if k.startswith("co-")],
                                request_id=form.get("request_id", "")[:64])
    try:
        got = await b.supervision.SubmitItem(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        return await _new_page(request, errors=[refused[0]], form=form, status=refused[1])
    return RedirectResponse(f"{HOME}/{quote(got.id, safe='')}?done=submit", status_code=303)


async def _item_page(request: Request, item_id: str, *, errors: list[str] | None = None, done: str = "",
                     status: int = 200) -> Response:
    me, b = user(request), backends(request)
    try:
        x = await b.supervision.GetItem(pb.GetItemRequest(id=item_id), metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _not_found(request, e, "sv_item_not_found")
    names = await _names(request, {c.deputy_id for c in x.co_signers})
    invited = next((c for c in x.co_signers if c.deputy_id == me.stands_for), None)
    reply = next((r for r in reversed(x.replies) if r.round == x.round), None)
    return page(request, "deputy/item.html", {
        "user": me, "x": x, "names": names, "form_errors": errors or [], "done": done,
        "can_sign": x.status == pb.ITEM_STATUS_SUBMITTED and invited is not None and not invited.signed,
        "can_rate": x.status == pb.ITEM_STATUS_REPLIED and x.submitter_id == me.stands_for and reply is not None,
        "rounds": sorted({1, x.round}), "stages": item_stages(x),
        "history": list(reversed(x.history)), "named": await item_namer(request, x, names)}, status=status)


@require_signin(ROLE)
async def item(request: Request) -> Response:
    """GET /desk/me/items/<id>."""
    t = catalogue(request).t
    done = {"submit": t.item_done_submit, "sign": t.item_done_sign, "rate": t.item_done_rate}.get(
        request.query_params.get("done", ""), "")
    return await _item_page(request, request.path_params["id"][:64], done=done)


@require_signin(ROLE)
async def item_step(request: Request) -> Response:
    """POST /desk/me/items/<id>/sign (CoSignItem) or /rate (RateItemReply: rating, comment)."""
    item_id, step = request.path_params["id"][:64], request.path_params["step"]
    if step not in ("sign", "rate"):
        return error_page(request, 404, "not_found_title", "page_not_found")
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b, md = backends(request), user_md(request)
    try:
        if step == "sign":
            await b.supervision.CoSignItem(pb.CoSignItemRequest(id=item_id), metadata=md, timeout=b.timeout)
        else:
            await b.supervision.RateItemReply(pb.RateItemReplyRequest(
                id=item_id, rating=RATINGS.get(form.get("rating", ""), 0), comment=form.get("comment", "")[:2000]),
                metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return _not_found(request, e, "sv_item_not_found")
        return await _item_page(request, item_id, errors=[refused[0]], status=refused[1])
    return RedirectResponse(f"{HOME}/{quote(item_id, safe='')}?done={step}", status_code=303)


# ---- meetings with heads of state organs (约见) ----------------------------------------------------

async def _meetings_page(request: Request, *, errors: list[str] | None = None, form: dict[str, str] | None = None,
                         done: str = "", status: int = 200) -> Response:
    me, b = user(request), backends(request)
    try:
        listed = await b.supervision.ListOrganMeetings(pb.ListOrganMeetingsRequest(
            page=common_pb2.PageRequest(page_size=PAGE_SIZE)), metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    return page(request, "deputy/meetings.html", {
        "user": me, "meetings": listed.meetings, "form_errors": errors or [], "form": form or {}, "done": done,
        "request_id": (form or {}).get("request_id") or str(uuid.uuid4())}, status=status)


@require_signin(ROLE)
async def meetings(request: Request) -> Response:
    """GET /desk/me/meetings."""
    done = catalogue(request).t.meeting_done_request if request.query_params.get("done") == "request" else ""
    return await _meetings_page(request, done=done)


@require_signin(ROLE)
async def request_meeting(request: Request) -> Response:
    """POST /desk/me/meetings: RequestOrganMeeting, then the list (Post/Redirect/Get)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    try:
        await b.supervision.RequestOrganMeeting(pb.RequestOrganMeetingRequest(
            organ=form.get("organ", "")[:200], subject=form.get("subject", "")[:500],
            reason=form.get("reason", "")[:MAX_CONTENT], request_id=form.get("request_id", "")[:64]),
            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        return await _meetings_page(request, errors=[refused[0]], form=form, status=refused[1])
    return RedirectResponse(f"{MEETINGS}?done=request", status_code=303)


routes = [
    Route(HOME, items, methods=["GET"]),
    Route(f"{HOME}/new", new_item, methods=["GET"]),
    Route(f"{HOME}/new", submit, methods=["POST"]),
    Route(f"{HOME}/{{id}}", item, methods=["GET"]),
    Route(f"{HOME}/{{id}}/{{step}}", item_step, methods=["POST"]),
    Route(MEETINGS, meetings, methods=["GET"]),
    Route(MEETINGS, request_meeting, methods=["POST"]),
]
