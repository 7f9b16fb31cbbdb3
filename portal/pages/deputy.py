"""A deputy's own workspace, made for a phone, under /desk/me (a deputy who signs in lands here):

  /desk/me                      home: my cases with their status (answered on the case pages of
                                work.py, 码上答), and the way to my card, households and records
  /desk/me/card                 my public card: what it shows, the settings the deputy keeps
                                (roster UpdateCard), the public page and the QR code
  /desk/me/card/qr              the QR code image (GetCardQrCode; ?format=png|svg, ?download=1)
  /desk/me/households           my fixed voter households (联系选民户): list, add, remove
  /desk/me/record               record a visit or a reception (liaison RecordActivity)
  /desk/me/session              JSON {csrf_token, deputy} for the offline queue's replay
  /desk/me/sw.js                the service worker (static/deputy-sw.js) that keeps the record
                                page for offline use; its scope is /desk/me/
  /desk/me/ballots              票决: the deputy's secret ballot (pages/ballot.py)

Recording works offline (static/deputy-record.js): the record form gets a request_id when it
is filled, a record sent while offline waits in the phone's storage with it and is replayed
to POST /desk/me/record once the phone is online; liaison answers a replay of the same
request_id with the first result (AIP-155), so a record is written once however often it is
sent. The replay asks /desk/me/session for the current CSRF token first; a signed-out phone
keeps its records until the deputy signs in again. Without JavaScript the form posts as any.

Every call carries the deputy's own token and names the deputy the account stands for: the
services decide (roster: card.write, household.*, card.qr OWN; liaison: activity.record OWN).
"""
from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

import grpc
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, csrf_token, download, error_page, page, rpc_error_page
from shared import clock

ROLE = "deputy"
HOME = "/desk/me"
RECENT_CASES = 20
MAX_WAITING = 100
RECENT_ACTIVITIES = 20
# The kinds a deputy records from the phone (liaison lets a deputy record these two).
KINDS = (lpb.ACTIVITY_KIND_VISIT, lpb.ACTIVITY_KIND_RECEPTION)
SERVICE_WORKER = Path(__file__).resolve().parents[1] / "static" / "deputy-sw.js"
QR_FORMATS = {"png": rpb.QR_FORMAT_PNG, "svg": rpb.QR_FORMAT_SVG}


def _me(request: Request) -> str:
    """The roster id of the deputy the signed-in account stands for."""
    return user(request).stands_for


def _wants_json(request: Request) -> bool:
    """The offline queue's replay asks for JSON; a browser's form post for a page."""
    return "application/json" in request.headers.get("accept", "")


def _refused(request: Request, e: grpc.aio.AioRpcError, denied: str = "deputy_not_possible") -> tuple[int, str] | None:
    """(status, sentence) for a form the services refused for what it says, else None (the
    caller shows the service's trouble). ``denied``: the catalogue's sentence for
    PERMISSION_DENIED and NOT_FOUND. A request_id still held by a call in flight
    (FAILED_PRECONDITION on request_id) is not a refusal: the same request, sent again, gets
    that call's result."""
    cat = catalogue(request)
    code, details = e.code(), e.details() or ""
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return 400, cat.t.invalid_input + cat.field_error(details)
    if code == grpc.StatusCode.FAILED_PRECONDITION and not details.startswith("request_id:"):
        return 409, cat.t.household_limit if "limit of" in details else cat.t.deputy_not_possible
    if code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
        return 422, cat.t[denied]
    return None


def _not_found_or(request: Request, e: grpc.aio.AioRpcError) -> Response:
    if e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
        return error_page(request, 404, "not_found_title", "page_not_found")
    return rpc_error_page(request, e, not_found="page_not_found")


async def _deputy(request: Request) -> rpb.Deputy:
    b = backends(request)
    return await b.roster.GetDeputy(rpb.GetDeputyRequest(id=_me(request)), metadata=user_md(request),
                                    timeout=b.timeout)


# ---- home -------------------------------------------------------------------------------

@require_signin(ROLE)
async def home(request: Request) -> Response:
    """GET /desk/me: every case waiting for my answer (accepted; up to MAX_WAITING, the count
    is exact), then my newest other cases, and my tools."""
    b, md = backends(request), user_md(request)
    try:
        deputy = await _deputy(request)
        waiting = await b.liaison.ListOpinions(lpb.ListOpinionsRequest(
            status=lpb.OPINION_STATUS_ACCEPTED, page=common_pb2.PageRequest(page_size=MAX_WAITING)),
            metadata=md, timeout=b.timeout)
        listed = await b.liaison.ListOpinions(lpb.ListOpinionsRequest(
            page=common_pb2.PageRequest(page_size=RECENT_CASES)), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="deputy_not_in_roster")
    others = [c for c in listed.opinions if c.status != lpb.OPINION_STATUS_ACCEPTED]
    return page(request, "deputy/home.html", {"user": user(request), "deputy": deputy, "waiting": waiting.opinions,
                                              "waiting_total": waiting.total_size, "others": others,
                                              "total": listed.total_size})


# ---- my card ----------------------------------------------------------------------------

def _card_page(request: Request, deputy: rpb.Deputy, *, errors: list[str] | None = None, done: bool = False,
               status: int = 200) -> Response:
    base = request.app.state.settings.public_base_url.rstrip("/")
    return page(request, "deputy/card.html", {
        "user": user(request), "deputy": deputy, "form_errors": errors or [], "done": done,
        "public_url": f"{base}/card/{quote(deputy.card_code, safe='')}" if deputy.card_code else ""},
        status=status)


@require_signin(ROLE)
async def card(request: Request) -> Response:
    """GET /desk/me/card: the card settings form, the public page's address and the QR code."""
    try:
        deputy = await _deputy(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="deputy_not_in_roster")
    return _card_page(request, deputy, done=request.query_params.get("done") == "1")


@require_signin(ROLE)
async def save_card(request: Request) -> Response:
    """POST /desk/me/card: UpdateCard for the deputy's own card (every setting at once)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    settings = rpb.CardSettings(show_work_unit=form.get("show_work_unit") == "1",
                                show_position=form.get("show_position") == "1",
                                show_phone=form.get("show_phone") == "1",
                                show_specialties=form.get("show_specialties") == "1",
                                pledge=form.get("pledge", "")[:1000])
    b = backends(request)
    try:
        await b.roster.UpdateCard(rpb.UpdateCardRequest(deputy_id=_me(request), card=settings),
                                  metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refused(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="deputy_not_in_roster")
        try:
            deputy = await _deputy(request)
        except grpc.aio.AioRpcError as e2:
            return rpc_error_page(request, e2, not_found="deputy_not_in_roster")
        deputy.card.CopyFrom(settings)    # the form shows what was sent, with the reason
        return _card_page(request, deputy, errors=[refused[1]], status=refused[0])
    return RedirectResponse(f"{HOME}/card?done=1", status_code=303)


@require_signin(ROLE)
async def card_qr(request: Request) -> Response:
    """GET /desk/me/card/qr?format=png|svg&download=1: the QR code of my card (PNG by
    default); with download=1 as a file to save and print, named as the staff's download
    (<name>-二维码-<card code>.png)."""
    fmt = request.query_params.get("format", "png")
    if fmt not in QR_FORMATS:
        return error_page(request, 404, "not_found_title", "page_not_found")
    b = backends(request)
    try:
        qr = await b.roster.GetCardQrCode(rpb.GetCardQrCodeRequest(deputy_id=_me(request), format=QR_FORMATS[fmt]),
                                          metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _not_found_or(request, e)
    if request.query_params.get("download") == "1":
        # The same file name as the staff's download (<name>-二维码-<card code>.png).
        try:
            deputy = await _deputy(request)
        except grpc.aio.AioRpcError as e:
            return _not_found_or(request, e)
        name = f"{deputy.name}-{catalogue(request).t.roster_qr_file}-{deputy.card_code}.{fmt}"
        return download(request, qr.image, qr.content_type, name)
    return Response(qr.image, media_type=qr.content_type, headers={"cache-control": "private, max-age=300"})


# ---- my voter households ----------------------------------------------------------------

async def _households_page(request: Request, *, errors: list[str] | None = None, done: str = "",
                           form: dict[str, str] | None = None, status: int = 200) -> Response:
    b = backends(request)
    try:
        listed = await b.roster.ListVoterHouseholds(rpb.ListVoterHouseholdsRequest(deputy_id=_me(request)),
                                                    metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="deputy_not_in_roster")
    t = catalogue(request).t
    message = {"added": t.household_added, "removed": t.household_removed}.get(done, "")
    return page(request, "deputy/households.html", {
        "user": user(request), "households": listed.households, "form_errors": errors or [], "done": message,
        "form": form or {"household_head": "", "address": "", "phone": ""},
        "request_id": (form or {}).get("request_id") or str(uuid.uuid4())}, status=status)


@require_signin(ROLE)
async def households(request: Request) -> Response:
    """GET /desk/me/households: my voter households and the form to add one."""
    return await _households_page(request, done=request.query_params.get("done", ""))


@require_signin(ROLE)
async def add_household(request: Request) -> Response:
    """POST /desk/me/households: AddVoterHousehold for myself (request_id: sent twice, one household)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    fields = {k: form.get(k, "")[:300] for k in ("household_head", "address", "phone", "request_id")}
    b = backends(request)
    try:
        await b.roster.AddVoterHousehold(rpb.AddVoterHouseholdRequest(household=rpb.VoterHousehold(
            deputy_id=_me(request), household_head=fields["household_head"], address=fields["address"],
            phone=fields["phone"]), request_id=fields["request_id"][:64]), metadata=user_md(request),
            timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refused(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="deputy_not_in_roster")
        return await _households_page(request, errors=[refused[1]], form=fields, status=refused[0])
    return RedirectResponse(f"{HOME}/households?done=added", status_code=303)


@require_signin(ROLE)
async def remove_household(request: Request) -> Response:
    """POST /desk/me/households/<id>/remove: RemoveVoterHousehold; another deputy's is 404."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    try:
        await b.roster.RemoveVoterHousehold(rpb.RemoveVoterHouseholdRequest(id=request.path_params["id"][:64]),
                                            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _not_found_or(request, e)
    return RedirectResponse(f"{HOME}/households?done=removed", status_code=303)


# ---- recording a visit or a reception --------------------------------------------------

RECORD_FIELDS = ("kind", "date", "title", "venue_id", "region_code", "people_reached", "notes", "request_id")


async def _record_page(request: Request, *, errors: list[str] | None = None, form: dict[str, str] | None = None,
                       sent: lpb.Activity | None = None, status: int = 200) -> Response:
    b = backends(request)
    me, md = _me(request), user_md(request)
    try:
        deputy = await _deputy(request)
        venues = await b.roster.ListDeputyVenues(rpb.ListDeputyVenuesRequest(deputy_id=me), metadata=md,
                                                 timeout=b.timeout)
        listed = await b.liaison.ListActivities(lpb.ListActivitiesRequest(
            deputy_id=me, page=common_pb2.PageRequest(page_size=RECENT_ACTIVITIES)), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="deputy_not_in_roster")
    today = clock.china_today().isoformat()
    values = {"kind": str(lpb.ACTIVITY_KIND_VISIT), "date": today, "title": "", "venue_id": "",
              "people_reached": "", "notes": ""} | (form or {})
    return page(request, "deputy/record.html", {
        "user": user(request), "deputy": deputy, "venues": venues.venues, "activities": listed.activities,
        "venue_names": {v.id: v.name for v in venues.venues}, "kinds": KINDS, "today": today,
        "form": values, "form_errors": errors or [], "sent": sent,
        "request_id": (form or {}).get("request_id") or str(uuid.uuid4())}, status=status)


@require_signin(ROLE)
async def record_form(request: Request) -> Response:
    """GET /desk/me/record: the form, what is waiting to be sent (filled in by the page's
    script from the phone's storage) and my recent records."""
    sent = None
    sent_id = request.query_params.get("sent", "")[:64]
    if sent_id:
        b = backends(request)
        try:
            sent = await b.liaison.GetActivity(lpb.GetActivityRequest(id=sent_id), metadata=user_md(request),
                                               timeout=b.timeout)
        except grpc.aio.AioRpcError:
            sent = None
    return await _record_page(request, sent=sent)


def _int(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return 0
    return int(raw) if raw.isdecimal() and len(raw) <= 9 else None


@require_signin(ROLE)
async def record(request: Request) -> Response:
    """POST /desk/me/record: RecordActivity for a visit or reception the deputy took part in.

    A form post answers with the page (Post/Redirect/Get); the offline queue's replay
    (Accept: application/json) with JSON: 201 {id, title, date, kind} (also for a replay of a
    request_id already recorded: the first result), 400/409/422 {field, message} for a
    record that will never go through as it is. A CSRF refusal is 403 and a signed-out
    session a redirect to /signin, in either mode: the queue keeps the record for both."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    cat = catalogue(request)
    fields = {k: form.get(k, "")[:2100] for k in RECORD_FIELDS}
    kind = int(fields["kind"]) if fields["kind"].isdecimal() and int(fields["kind"]) in KINDS else 0
    people = _int(fields["people_reached"])

    async def refuse(status: int, field: str, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"field": field, "message": message}, status_code=status)
        return await _record_page(request, errors=[message], form=fields, status=status)

    if not kind:
        return await refuse(400, "activity.kind", cat.t.invalid_input + cat.field_error("activity.kind"))
    if people is None:
        return await refuse(400, "activity.people_reached", cat.t.invalid_input + cat.field_error("activity.people_reached"))
    venue_id = fields["venue_id"].strip()[:64]
    activity = lpb.Activity(kind=kind, date=fields["date"].strip(), title=fields["title"], venue_id=venue_id,
                            region_code="" if venue_id else fields["region_code"].strip()[:12],
                            people_reached=people, notes=fields["notes"])
    b = backends(request)
    try:
        recorded = await b.liaison.RecordActivity(lpb.RecordActivityRequest(
            activity=activity, request_id=fields["request_id"].strip()[:64]), metadata=user_md(request),
            timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refused(request, e, denied="deputy_record_denied")
        if refused is None:
            if _wants_json(request):   # busy, down, or the same record in flight: the queue tries again later
                return JSONResponse({"field": "", "message": cat.t.unavailable}, status_code=503)
            if e.code() == grpc.StatusCode.FAILED_PRECONDITION:   # the same record still in flight
                return await _record_page(request, errors=[cat.t.unavailable], form=fields, status=503)
            return rpc_error_page(request, e, not_found="page_not_found")
        status, message = refused
        return await refuse(status, (e.details() or "").partition(":")[0].strip(), message)
    if _wants_json(request):
        return JSONResponse({"id": recorded.id, "title": recorded.title, "date": recorded.date,
                             "kind": cat.t[f"activity_kind_{recorded.kind}"]}, status_code=201)
    return RedirectResponse(f"{HOME}/record?sent={quote(recorded.id, safe='')}", status_code=303)


@require_signin(ROLE)
async def session(request: Request) -> Response:
    """GET /desk/me/session: {"csrf_token", "deputy"} for the queue's replay: the token the
    next post must carry (render.csrf_token: bound to this session) and whose
    session it is (records queued by another deputy on this phone are not sent in it)."""
    response = JSONResponse({"csrf_token": csrf_token(request), "deputy": _me(request)})
    response.headers["cache-control"] = "no-store"
    return response


async def service_worker(request: Request) -> Response:
    """GET /desk/me/sw.js: the service worker, from this path so that its scope is /desk/me/
    (a worker under /static/ could control only /static/). Revalidated on every check, so a
    new version reaches phones at their next visit."""
    return Response(SERVICE_WORKER.read_bytes(), media_type="text/javascript; charset=utf-8",
                    headers={"cache-control": "no-cache", "service-worker-allowed": f"{HOME}/"})


routes = [
    Route(HOME, home, methods=["GET"]),
    Route(f"{HOME}/card", card, methods=["GET"]),
    Route(f"{HOME}/card", save_card, methods=["POST"]),
    Route(f"{HOME}/card/qr", card_qr, methods=["GET"]),
    Route(f"{HOME}/households", households, methods=["GET"]),
    Route(f"{HOME}/households", add_household, methods=["POST"]),
    Route(f"{HOME}/households/{{id}}/remove", remove_household, methods=["POST"]),
    Route(f"{HOME}/record", record_form, methods=["GET"]),
    Route(f"{HOME}/record", record, methods=["POST"]),
    Route(f"{HOME}/session", session, methods=["GET"]),
    Route(f"{HOME}/sw.js", service_worker, methods=["GET"]),
]
