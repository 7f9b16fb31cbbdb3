"""Deputies' bills and suggestions (议案建议) and meetings with heads of state organs (约见) for
the office and the departments handling them:

  /desk/supervision/items               the items of the user's region (?status=), a
                                        department's those assigned to it
  /desk/supervision/items/<id>          one item: its facts, co-signers, handling and history;
                                        the office registers and classifies it (立案: 议案 or
                                        建议) and assigns it (交办: lead and co-departments with
                                        their responsible persons, a deadline or the region's
                                        default); the lead department records the four in place
                                        (四落实), each of the three meetings (三见面) and the
                                        final reply (A/B/C); staff may enter those made on paper
  POST .../items/<id>/<step>            register, assign, four, meeting, reply
  /desk/supervision/meetings            meetings deputies asked for (约见), each with the form
                                        its status allows: arrange (day, organ, head and post),
                                        record as held (outcome, follow-up promised), the
                                        follow-up done
  POST .../meetings/<id>/<step>         arrange, record, complete

Supervision decides who may take which step (a co-department reads but does not handle; the
order four in place → meetings → reply is its rule); refusals read in Chinese. The deputy's
own side is pages/deputy_items.py.
"""
from __future__ import annotations

from urllib.parse import quote

import grpc
from lianxin.common.v1 import common_pb2
from lianxin.supervision.v1 import supervision_pb2 as pb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.supervision import (
    HOME,
    MANAGERS,
    OFFICE,
    PAGE_SIZE,
    ROLE_VALUES,
    _not_found,
    _refusal,
    item_namer,
    item_stages,
    round_stages,
)
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, error_page, page, rpc_error_page
from shared import clock

ITEM_ROLES = (*OFFICE, "department")                 # item.read
HANDLERS = ("staff", "department")                   # item.handle (the office enters paper records)
MEETING_ROLES = OFFICE                               # organ_meeting.read (a deputy's own: deputy_items)
KINDS = {"suggestion": pb.ITEM_KIND_SUGGESTION, "bill": pb.ITEM_KIND_BILL}
CLASSES = {"a": pb.REPLY_CLASS_A, "b": pb.REPLY_CLASS_B, "c": pb.REPLY_CLASS_C}
STAGES = {"plan": pb.MEETING_STAGE_PLAN, "handling": pb.MEETING_STAGE_HANDLING, "reply": pb.MEETING_STAGE_REPLY}
FORMS = {"in_person": pb.MEETING_FORM_IN_PERSON, "symposium": pb.MEETING_FORM_SYMPOSIUM,
         "site_visit": pb.MEETING_FORM_SITE_VISIT, "phone": pb.MEETING_FORM_PHONE, "video": pb.MEETING_FORM_VIDEO}
MAX_TEXT = 8000


def _status(raw: str) -> int:
    return int(raw) if raw.isdecimal() and int(raw) in pb.ItemStatus.values() else 0


@require_signin(*ITEM_ROLES)
async def items(request: Request) -> Response:
    """GET /desk/supervision/items?status=."""
    me, b = user(request), backends(request)
    status = _status(request.query_params.get("status", ""))
    try:
        listed = await b.supervision.ListItems(pb.ListItemsRequest(
            status=status, page=common_pb2.PageRequest(page_size=PAGE_SIZE * 4)), metadata=user_md(request),
            timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    # What waits longest past its deadline first, then the newest.
    shown = sorted(listed.items, key=lambda x: (-x.days_overdue, -x.submitted_at.seconds))
    return page(request, "supervision/items.html", {"user": me, "items": shown, "total": listed.total_size,
                                                    "status": status})


async def _item_page(request: Request, item_id: str, *, errors: list[str] | None = None, done: str = "",
                     status: int = 200) -> Response:
    me, b = user(request), backends(request)
    try:
        x = await b.supervision.GetItem(pb.GetItemRequest(id=item_id), metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _not_found(request, e, "sv_item_not_found")
    lead = next((d for d in x.departments if d.role == pb.DEPARTMENT_ROLE_LEAD), None)
    handles = me.role == "staff" or (me.role == "department" and lead is not None and lead.department == me.stands_for)
    held = {(m.round, m.stage) for m in x.meetings}
    return page(request, "supervision/item.html", {
        "user": me, "x": x, "names": {}, "form_errors": errors or [], "done": done,
        "rounds": sorted({1, x.round}), "stages": item_stages(x),
        "history": list(reversed(x.history)), "named": await item_namer(request, x),
        "can_register": me.role in MANAGERS and x.status == pb.ITEM_STATUS_SUBMITTED,
        "can_assign": me.role in MANAGERS and x.status in (pb.ITEM_STATUS_REGISTERED, pb.ITEM_STATUS_ASSIGNED),
        "can_four": handles and x.status == pb.ITEM_STATUS_ASSIGNED,
        "can_meet": handles and x.status in (pb.ITEM_STATUS_ASSIGNED, pb.ITEM_STATUS_HANDLING),
        "open_stages": [(k, int(v)) for k, v in STAGES.items()
                        if (x.round, v) not in held and int(v) in round_stages(x.round)],
        "can_reply": handles and x.status == pb.ITEM_STATUS_HANDLING,
        "today": clock.china_today().isoformat()}, status=status)


@require_signin(*ITEM_ROLES)
async def item(request: Request) -> Response:
    """GET /desk/supervision/items/<id>."""
    step = request.query_params.get("done", "")
    t = catalogue(request).t
    said = t[f"item_done_{step}"] if step in STEPS else ""
    return await _item_page(request, request.path_params["id"][:64], done=said)


def _assign(item_id: str, f: dict[str, str]) -> pb.AssignItemRequest:
    """The assignment form: the lead department's row and one co-department's (left blank:
    none); supervision checks the rest."""
    r = pb.AssignItemRequest(id=item_id, deadline=f.get("deadline", "")[:20])
    for prefix, role in (("lead", "lead"), ("co", "co")):
        row = {k: f.get(f"{prefix}-{k}", "").strip()[:200] for k in ("department", "name", "responsible_person")}
        if prefix == "lead" or any(row.values()):
            r.departments.append(pb.ProjectDepartment(role=ROLE_VALUES[role], **row))
    return r


STEPS = {
    "register": (MANAGERS, lambda i, f: ("RegisterItem", pb.RegisterItemRequest(
        id=i, kind=KINDS.get(f.get("kind", ""), 0), note=f.get("note", "")[:1000]))),
    "assign": (MANAGERS, lambda i, f: ("AssignItem", _assign(i, f))),
    "four": (HANDLERS, lambda i, f: ("RecordFourInPlace", pb.RecordFourInPlaceRequest(
        id=i, plan=f.get("plan", "")[:MAX_TEXT], measures=f.get("measures", "")[:MAX_TEXT],
        target=f.get("target", "")[:MAX_TEXT], time_limit=f.get("time_limit", "")[:20]))),
    "meeting": (HANDLERS, lambda i, f: ("RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=i, stage=STAGES.get(f.get("stage", ""), 0), held_on=f.get("held_on", "")[:20],
        form=FORMS.get(f.get("form", ""), 0), notes=f.get("notes", "")[:MAX_TEXT]))),
    "reply": (HANDLERS, lambda i, f: ("ReplyItem", pb.ReplyItemRequest(
        id=i, reply_class=CLASSES.get(f.get("reply_class", ""), 0), text=f.get("text", "")[:MAX_TEXT + 100]))),
}


@require_signin(*MANAGERS, "department")
async def item_step(request: Request) -> Response:
    """POST /desk/supervision/items/<id>/<step>: one step of STEPS, then back to the item."""
    item_id, step = request.path_params["id"][:64], request.path_params["step"]
    if step not in STEPS:
        return error_page(request, 404, "not_found_title", "page_not_found")
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    roles, build = STEPS[step]
    if user(request).role not in roles:
        return error_page(request, 403, "no_permission_title", "role_forbidden")
    method, call = build(item_id, form)
    b = backends(request)
    try:
        await getattr(b.supervision, method)(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return _not_found(request, e, "sv_item_not_found")
        return await _item_page(request, item_id, errors=[refused[0]], status=refused[1])
    return RedirectResponse(f"{HOME}/items/{quote(item_id, safe='')}?done={step}", status_code=303)


# ---- meetings with heads of state organs (约见) ------------------------------------------------------

async def _meetings_page(request: Request, *, errors: list[str] | None = None, done: str = "",
                         status: int = 200) -> Response:
    me, b = user(request), backends(request)
    try:
        listed = await b.supervision.ListOrganMeetings(pb.ListOrganMeetingsRequest(
            page=common_pb2.PageRequest(page_size=PAGE_SIZE * 4)), metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    # What waits on the office first: requested, then held with the follow-up pending, arranged.
    order = {pb.ORGAN_MEETING_STATUS_REQUESTED: 0, pb.ORGAN_MEETING_STATUS_HELD: 1,
             pb.ORGAN_MEETING_STATUS_ARRANGED: 2, pb.ORGAN_MEETING_STATUS_DONE: 3}
    shown = sorted(listed.meetings, key=lambda m: (order.get(m.status, 4), -m.requested_at.seconds))
    return page(request, "supervision/meetings.html", {
        "user": me, "meetings": shown, "total": listed.total_size, "form_errors": errors or [], "done": done,
        "can_manage": me.role in MANAGERS, "today": clock.china_today().isoformat()}, status=status)


@require_signin(*MEETING_ROLES)
async def meetings(request: Request) -> Response:
    """GET /desk/supervision/meetings."""
    step = request.query_params.get("done", "")
    said = catalogue(request).t[f"meeting_done_{step}"] if step in MEETING_STEPS else ""
    return await _meetings_page(request, done=said)


MEETING_STEPS = {
    "arrange": lambda i, f: ("ArrangeOrganMeeting", pb.ArrangeOrganMeetingRequest(
        id=i, meeting_on=f.get("meeting_on", "")[:20], organ=f.get("organ", "")[:500],
        head_name=f.get("head_name", "")[:200], head_post=f.get("head_post", "")[:200])),
    "record": lambda i, f: ("RecordOrganMeeting", pb.RecordOrganMeetingRequest(
        id=i, outcome=f.get("outcome", "")[:MAX_TEXT], follow_up=f.get("follow_up", "")[:MAX_TEXT],
        no_follow_up=f.get("no_follow_up", "") == "1")),
    "complete": lambda i, f: ("CompleteOrganMeetingFollowUp", pb.CompleteOrganMeetingFollowUpRequest(
        id=i, result=f.get("result", "")[:MAX_TEXT])),
}


@require_signin(*MANAGERS)
async def meeting_step(request: Request) -> Response:
    """POST /desk/supervision/meetings/<id>/<step>: arrange, record or complete, then the list."""
    meeting_id, step = request.path_params["id"][:64], request.path_params["step"]
    if step not in MEETING_STEPS:
        return error_page(request, 404, "not_found_title", "page_not_found")
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    method, call = MEETING_STEPS[step](meeting_id, form)
    b = backends(request)
    try:
        await getattr(b.supervision, method)(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return _not_found(request, e, "page_not_found")
        return await _meetings_page(request, errors=[refused[0]], status=refused[1])
    return RedirectResponse(f"{HOME}/meetings?done={step}#meeting-{quote(meeting_id, safe='')}", status_code=303)


routes = [
    Route(f"{HOME}/items", items, methods=["GET"]),
    Route(f"{HOME}/items/{{id}}", item, methods=["GET"]),
    Route(f"{HOME}/items/{{id}}/{{step}}", item_step, methods=["POST"]),
    Route(f"{HOME}/meetings", meetings, methods=["GET"]),
    Route(f"{HOME}/meetings/{{id}}/{{step}}", meeting_step, methods=["POST"]),
]
