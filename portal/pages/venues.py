"""The staff workspace's venues (人大代表之家, 联络站, 工作站, 活动室): the list /desk/venues,
creating and editing one with its reception schedule, its members, and grouping the deputies
who have no venue into the nearest one (就近编组进家: GroupDeputiesIntoVenues, first as a
proposal with dry_run, then for real). The roster service decides scope and rules, as for
the deputies' pages (pages/roster.py)."""
from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from urllib.parse import quote, urlencode

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.roster import (
    MAX_CHOICES,
    PAGE_SIZE,
    READERS,
    WRITERS,
    choice,
    items,
    not_found_or,
    picked_region,
    refusal,
    region_choices,
    region_name,
    roster_call,
    user,
    writes,
)
from portal.render import catalogue, checked_form, page

VENUE_MASK = ["kind", "name", "address", "liaison_officer", "schedule", "specialties"]
MAX_NAMED = 300            # deputies and venues named in a grouping's result (the rest by id)
DONE = ("created", "updated", "assigned", "removed")
FOUND = 20                 # deputies a venue page's search by name offers to add



def _int_or_zero(raw: str) -> int:
    return int(raw) if raw.isdecimal() and len(raw) < 4 else 0


def venue_of(f: dict[str, str]) -> rpb.Venue:
    """The venue form's fields as a Venue (the roster service validates every field; a day
    that is not a number goes as 0, which it refuses naming the schedule's days)."""
    return rpb.Venue(
        region_code=f.get("region", "").strip()[:20], kind=choice(f.get("kind", ""), (1, 2, 3, 4)),
        name=f.get("name", "")[:300], address=f.get("address", "")[:1000],
        liaison_officer=rpb.LiaisonOfficer(name=f.get("officer_name", "")[:200], phone=f.get("officer_phone", "")[:100]),
        schedule=rpb.ReceptionSchedule(days_of_month=[_int_or_zero(x.rstrip("日号")) for x in items(f.get("days", "")[:300])],
                                       hours=f.get("hours", "").strip()[:100], note=f.get("note", "")[:1000]),
        specialties=items(f.get("specialties", "")[:1000]))


def form_of(v: rpb.Venue) -> dict[str, str]:
    return {"region": v.region_code, "kind": str(v.kind or ""), "name": v.name, "address": v.address,
            "officer_name": v.liaison_officer.name, "officer_phone": v.liaison_officer.phone,
            "days": "、".join(str(d) for d in v.schedule.days_of_month), "hours": v.schedule.hours,
            "note": v.schedule.note, "specialties": "、".join(v.specialties)}


@require_signin(*READERS)
async def venue_list(request: Request) -> Response:
    """GET /desk/venues?region=&kind=&page_token=: the venues of the user's region (or one
    below it), PAGE_SIZE a page, with their reception schedules and member counts."""
    q = request.query_params
    cat = catalogue(request)
    filters = {"region": picked_region(request, q.get("region", "")), "kind": choice(q.get("kind", ""), cat.venue_kinds)}
    try:
        listed = await roster_call(request, "ListVenues", rpb.ListVenuesRequest(
            region_code=filters["region"], kind=filters["kind"],
            page=common_pb2.PageRequest(page_size=PAGE_SIZE, page_token=q.get("page_token", "")[:2000])))
    except grpc.aio.AioRpcError as e:
        return not_found_or(request, e)
    next_link = ""
    if listed.next_page_token:
        next_link = "/desk/venues?" + urlencode({k: str(v) for k, v in filters.items() if v}
                                                | {"page_token": listed.next_page_token})
    return page(request, "roster/venues.html", {
        "user": user(request), "venues": listed.venues, "total": listed.total_size, "filters": filters,
        "regions": region_choices(request), "region_name": lambda c: region_name(request, c),
        "next_link": next_link, "writes": writes(request)})


async def venue_page_with(request: Request, venue_id: str, *, errors: list[str] | None = None, done: str = "",
                          status: int = 200) -> Response:
    """A venue's page: its particulars and schedule, and its members; for writers, the form
    that removes a member and a search by name (``?find=``) for deputies to add."""
    find = request.query_params.get("find", "").strip()[:50]
    candidates: list[rpb.Deputy] = []
    try:
        venue = await roster_call(request, "GetVenue", rpb.GetVenueRequest(id=venue_id))
        members = await roster_call(request, "ListDeputies", rpb.ListDeputiesRequest(
            venue_id=venue_id, page=common_pb2.PageRequest(page_size=MAX_CHOICES)))
        if find and writes(request):
            found = await roster_call(request, "ListDeputies", rpb.ListDeputiesRequest(
                name=find, page=common_pb2.PageRequest(page_size=FOUND)))
            joined = {d.id for d in members.deputies}
            candidates = [d for d in found.deputies if d.id not in joined]
    except grpc.aio.AioRpcError as e:
        return not_found_or(request, e)
    t = catalogue(request).t
    return page(request, "roster/venue.html", {
        "user": user(request), "venue": venue, "members": members.deputies, "more": bool(members.next_page_token),
        "region_name": lambda c: region_name(request, c), "writes": writes(request), "find": find,
        "candidates": candidates, "form_errors": errors or [],
        "done": t[f"venue_done_{done}"] if done in DONE else ""}, status=status)


@require_signin(*READERS)
async def venue_page(request: Request) -> Response:
    """GET /desk/venues/<id>."""
    return await venue_page_with(request, request.path_params["id"][:64], done=request.query_params.get("done", ""))


def _venue_form(request: Request, *, form: dict[str, str], venue: rpb.Venue | None = None,
                errors: list[str] | None = None, request_id: str = "", status: int = 200) -> Response:
    return page(request, "roster/venue_form.html", {
        "user": user(request), "venue": venue, "form": defaultdict(str, form), "form_errors": errors or [],
        "regions": region_choices(request), "request_id": request_id or str(uuid.uuid4())}, status=status)


@require_signin(*WRITERS)
async def new_venue_form(request: Request) -> Response:
    """GET /desk/venues/new."""
    return _venue_form(request, form={"region": user(request).region})


@require_signin(*WRITERS)
async def create_venue(request: Request) -> Response:
    """POST /desk/venues/new: CreateVenue with the form's request_id, then the venue's page."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    try:
        request_id = str(uuid.UUID(form.get("request_id", "")))
    except ValueError:
        request_id = str(uuid.uuid4())
    try:
        v = await roster_call(request, "CreateVenue", rpb.CreateVenueRequest(venue=venue_of(form), request_id=request_id))
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None:
            return not_found_or(request, e)
        return _venue_form(request, form=form, errors=[refused[1]], request_id=request_id, status=refused[0])
    return RedirectResponse(f"/desk/venues/{quote(v.id, safe='')}?done=created", status_code=303)


@require_signin(*WRITERS)
async def edit_venue_form(request: Request) -> Response:
    """GET /desk/venues/<id>/edit."""
    try:
        v = await roster_call(request, "GetVenue", rpb.GetVenueRequest(id=request.path_params["id"][:64]))
    except grpc.aio.AioRpcError as e:
        return not_found_or(request, e)
    return _venue_form(request, form=form_of(v), venue=v)


@require_signin(*WRITERS)
async def update_venue(request: Request) -> Response:
    """POST /desk/venues/<id>/edit: UpdateVenue with every field of the form (the region stays)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    venue_id = request.path_params["id"][:64]
    v = venue_of(form)
    v.id = venue_id
    try:
        await roster_call(request, "UpdateVenue", rpb.UpdateVenueRequest(venue=v, update_mask=FieldMask(paths=VENUE_MASK)))
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None or e.code() == grpc.StatusCode.NOT_FOUND:
            return not_found_or(request, e)
        try:
            current = await roster_call(request, "GetVenue", rpb.GetVenueRequest(id=venue_id))
        except grpc.aio.AioRpcError as e2:
            return not_found_or(request, e2)
        return _venue_form(request, form=form, venue=current, errors=[refused[1]], status=refused[0])
    return RedirectResponse(f"/desk/venues/{quote(venue_id, safe='')}?done=updated", status_code=303)


# ---- grouping (就近编组进家) ----------------------------------------------------------

async def _names(request: Request, method: str, make, ids: list[str]) -> dict[str, object]:
    """id -> the record (GetDeputy or GetVenue) for up to MAX_NAMED ids; the rest, and any
    the user may no longer read, stay unnamed."""
    wanted = list(dict.fromkeys(ids))[:MAX_NAMED]

    async def one(i: str):
        try:
            return i, await roster_call(request, method, make(i))
        except grpc.aio.AioRpcError:
            return i, None
    found = await asyncio.gather(*(one(i) for i in wanted))
    return {i: r for i, r in found if r is not None}


def _group_page(request: Request, *, region: str, result=None, dry_run: bool = True, deputies=None, venues=None,
                errors: list[str] | None = None, status: int = 200) -> Response:
    return page(request, "roster/group.html", {
        "user": user(request), "regions": region_choices(request), "region": region or user(request).region,
        "result": result, "dry_run": dry_run, "deputies": deputies or {}, "venues": venues or {},
        "region_name": lambda c: region_name(request, c), "form_errors": errors or []}, status=status)


@require_signin(*WRITERS)
async def group_form(request: Request) -> Response:
    """GET /desk/venues/group: choose the region whose deputies without a venue are grouped."""
    return _group_page(request, region=picked_region(request, request.query_params.get("region", "")))


@require_signin(*WRITERS)
async def group(request: Request) -> Response:
    """POST /desk/venues/group (region, apply=1 to assign; else a proposal, dry_run): the
    assignments (deputy -> venue) and the deputies with no venue in their locality."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    region = picked_region(request, form.get("region", "")) or user(request).region
    dry_run = form.get("apply") != "1"
    try:
        result = await roster_call(request, "GroupDeputiesIntoVenues", rpb.GroupDeputiesIntoVenuesRequest(
            region_code=region, dry_run=dry_run))
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None:
            return not_found_or(request, e)
        return _group_page(request, region=region, errors=[refused[1]], status=refused[0])
    deputies = await _names(request, "GetDeputy", lambda i: rpb.GetDeputyRequest(id=i),
                            [a.deputy_id for a in result.assignments] + list(result.unplaced_deputy_ids))
    venues = await _names(request, "GetVenue", lambda i: rpb.GetVenueRequest(id=i),
                          [a.venue_id for a in result.assignments])
    return _group_page(request, region=region, result=result, dry_run=dry_run, deputies=deputies, venues=venues)


routes = [
    Route("/desk/venues", venue_list, methods=["GET"]),
    Route("/desk/venues/new", new_venue_form, methods=["GET"]),
    Route("/desk/venues/new", create_venue, methods=["POST"]),
    Route("/desk/venues/group", group_form, methods=["GET"]),
    Route("/desk/venues/group", group, methods=["POST"]),
    Route("/desk/venues/{id}", venue_page, methods=["GET"]),
    Route("/desk/venues/{id}/edit", edit_venue_form, methods=["GET"]),
    Route("/desk/venues/{id}/edit", update_venue, methods=["POST"]),
]
