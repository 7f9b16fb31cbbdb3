"""The staff workspace's roster (代表名册): deputy search /desk/roster, a deputy's page with
their status, venues, card settings and QR code, editing and registering deputies, and the
roster's import (a per-row report in the page) and export. Venues are in pages/venues.py.

Every call carries the user's own token: the roster service decides scope and rules (its
access table, services/roster/access.py), so a deputy outside the user's region is
NOT_FOUND there and a 404 here. Auditors read (search, deputy pages, QR, export); the forms
are offered to the writers, staff and committee members, and refused for others here too.
"""
from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import UserSession, require_signin
from portal.render import backends, catalogue, checked_form, checked_upload, download, error_page, page, regions

READERS = ("staff", "committee", "auditor")   # roster access table: deputy.read with contact details
WRITERS = ("staff", "committee")              # deputy.write, venue.write, card.write, roster.import
PAGE_SIZE = 50
MAX_CHOICES = 500          # venues offered in a select (the services' largest page)
MAX_IMPORT_BYTES = 20 * 1024 * 1024   # the roster's own limit on an import (servicer.MAX_IMPORT_BYTES)
LEVELS = tuple(v for v in rpb.Level.values() if v)   # every level but UNSPECIFIED
PROFILE_MASK = ["name", "gender", "ethnicity", "seats", "work_unit", "position", "contact", "specialties"]
FILE_FORMATS = {"xlsx": common_pb2.FILE_FORMAT_XLSX, "csv": common_pb2.FILE_FORMAT_CSV}   # import and export
EXPORT_FORMATS = FILE_FORMATS | {"popolo.json": common_pb2.FILE_FORMAT_POPOLO_JSON}       # export only
QR_FORMATS = {"png": rpb.QR_FORMAT_PNG, "svg": rpb.QR_FORMAT_SVG}
# 、 , ， ； ; and line ends separate the items of a list typed in one field (specialties, days).
SEPARATORS = re.compile(r"[、,，;；\r\n]+")
DONE = ("registered", "updated", "status", "card", "assigned", "removed")
# The reasons the roster itself writes into a status history (services/roster), said in Chinese.
SYSTEM_REASONS = {"registered": "roster_reason_registered", "roster import": "roster_reason_import"}


def user(request: Request) -> UserSession:
    return request.state.user


def user_md(request: Request):
    return backends(request).for_user(user(request).access_token)


def writes(request: Request) -> bool:
    return user(request).role in WRITERS


async def roster_call(request: Request, method: str, call: Any) -> Any:
    """One roster RPC with the user's token."""
    b = backends(request)
    return await getattr(b.roster, method)(call, metadata=user_md(request), timeout=b.timeout)


def items(raw: str) -> list[str]:
    return [x.strip() for x in SEPARATORS.split(raw or "") if x.strip()]


def choice(raw: str, allowed) -> int:
    """A select's value as the enum number it names, 0 (none) for anything else."""
    return int(raw) if raw.isdecimal() and len(raw) < 4 and int(raw) in allowed else 0


def not_found_or(request: Request, e: grpc.aio.AioRpcError) -> Response:
    """An id outside the user's region is NOT_FOUND (PERMISSION_DENIED or a malformed id
    alike): 404, so an address does not tell whether the record exists."""
    from portal.render import rpc_error_page
    if e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
        return error_page(request, 404, "not_found_title", "page_not_found")
    return rpc_error_page(request, e, not_found="page_not_found")


def refusal(request: Request, e: grpc.aio.AioRpcError) -> tuple[int, str] | None:
    """(HTTP status, the reason in Chinese) for a refused write; None for errors that are not
    the form's (the caller shows the error page)."""
    cat = catalogue(request)
    t = cat.t
    code = e.code()
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return 400, t.invalid_input + cat.field_error(e.details() or "")
    if code == grpc.StatusCode.ALREADY_EXISTS:
        return 409, t.roster_exists
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return 409, t.roster_not_allowed
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return 403, t.roster_denied
    return None


@dataclass(frozen=True)
class RegionChoice:
    code: str
    label: str


def region_choices(request: Request) -> list[RegionChoice]:
    """The user's region and every region below it, in tree order, townships indented:
    what a region filter or a new record's region offers (the services check it again)."""
    tree = regions(request)
    home = user(request).region
    if home not in tree:
        return []
    top = tree.get(home).path.count("/")
    return [RegionChoice(r.code, "\u3000" * (r.path.count("/") - top) + r.name)
            for r in sorted(tree.subtree(home), key=lambda r: r.path)]


def level_names(request: Request):
    """deputy -> the names of the levels of their seats, as one text (县（市、区）人大代表、...)."""
    cat = catalogue(request)
    return lambda d: cat.fmt.join(cat.levels.get(s.level, "") for s in d.seats)


def region_name(request: Request, code: str) -> str:
    tree = regions(request)
    return tree.get(code).name if code in tree else code


def picked_region(request: Request, raw: str) -> str:
    """A region filter's value when it is one the user may choose, else "" (their own)."""
    raw = raw.strip()
    return raw if raw in {c.code for c in region_choices(request)} else ""


# ---- search ----------------------------------------------------------------

@require_signin(*READERS)
async def search(request: Request) -> Response:
    """GET /desk/roster?name=&level=&status=&region=&specialty=&page_token=: the deputies of the
    user's region (or a region below it) matching the filters, in region and name order,
    PAGE_SIZE a page with a link to the next (keyset paging)."""
    q = request.query_params
    cat = catalogue(request)
    filters = {"name": q.get("name", "").strip()[:50], "level": choice(q.get("level", ""), cat.levels),
               "status": choice(q.get("status", ""), cat.deputy_statuses),
               "region": picked_region(request, q.get("region", "")),
               "specialty": q.get("specialty", "").strip()[:20]}
    call = rpb.ListDeputiesRequest(region_code=filters["region"], level=filters["level"], status=filters["status"],
                                   name=filters["name"], specialty=filters["specialty"],
                                   page=common_pb2.PageRequest(page_size=PAGE_SIZE,
                                                               page_token=q.get("page_token", "")[:2000]))
    errors: list[str] = []
    deputies: list[rpb.Deputy] = []
    total, next_link = 0, ""
    try:
        listed = await roster_call(request, "ListDeputies", call)
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None or refused[0] != 400:
            return not_found_or(request, e)
        errors.append(refused[1])
        status = 400
    else:
        deputies, total, status = list(listed.deputies), listed.total_size, 200
        if listed.next_page_token:
            kept = {k: str(v) for k, v in filters.items() if v}
            next_link = "/desk/roster?" + urlencode(kept | {"page_token": listed.next_page_token})
    return page(request, "roster/search.html", {
        "user": user(request), "filters": filters, "deputies": deputies, "total": total, "next_link": next_link,
        "regions": region_choices(request), "region_name": lambda c: region_name(request, c),
        "level_names": level_names(request), "form_errors": errors, "writes": writes(request)}, status=status)


# ---- a deputy's page ------------------------------------------------------------

async def _deputy_page(request: Request, deputy_id: str, *, errors: list[str] | None = None, done: str = "",
                       status: int = 200) -> Response:
    try:
        deputy = await roster_call(request, "GetDeputy", rpb.GetDeputyRequest(id=deputy_id))
        venues = await roster_call(request, "ListDeputyVenues", rpb.ListDeputyVenuesRequest(deputy_id=deputy_id))
        offered: list[rpb.Venue] = []
        if writes(request):
            listed = await roster_call(request, "ListVenues", rpb.ListVenuesRequest(
                page=common_pb2.PageRequest(page_size=MAX_CHOICES)))
            joined = {v.id for v in venues.venues}
            offered = [v for v in listed.venues if v.id not in joined]
    except grpc.aio.AioRpcError as e:
        return not_found_or(request, e)
    t = catalogue(request).t
    base = request.app.state.settings.public_base_url.rstrip("/")
    return page(request, "roster/deputy.html", {
        "user": user(request), "deputy": deputy, "venues": venues.venues, "offered": offered,
        "region_name": region_name(request, deputy.region_code), "writes": writes(request),
        "status_reasons": {reason: t[key] for reason, key in SYSTEM_REASONS.items()},
        "card_url": f"{base}/card/{deputy.card_code}" if deputy.card_code else "",
        "form_errors": errors or [], "done": t[f"roster_done_{done}"] if done in DONE else ""}, status=status)


@require_signin(*READERS)
async def deputy_page(request: Request) -> Response:
    """GET /desk/roster/deputies/<id>: particulars, status and its history, venues, card
    settings, QR downloads and the link to the public card; the forms for writers."""
    return await _deputy_page(request, request.path_params["id"][:64], done=request.query_params.get("done", ""))


def _back(deputy_id: str, done: str) -> Response:
    return RedirectResponse(f"/desk/roster/deputies/{quote(deputy_id, safe='')}?done={done}", status_code=303)


async def _deputy_write(request: Request, method: str, build, done: str) -> Response:
    """A form posted from a deputy's page: the RPC, then back to the page (Post/Redirect/Get);
    a refusal shows the page with the reason."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    if not writes(request):
        return error_page(request, 403, "no_permission_title", "role_forbidden")
    deputy_id = request.path_params["id"][:64]
    try:
        await roster_call(request, method, build(deputy_id, form))
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None or e.code() == grpc.StatusCode.NOT_FOUND:
            return not_found_or(request, e)
        if form.get("back") == "venue" and form.get("venue_id"):
            from portal.pages.venues import venue_page_with
            return await venue_page_with(request, form["venue_id"][:64], errors=[refused[1]], status=refused[0])
        return await _deputy_page(request, deputy_id, errors=[refused[1]], status=refused[0])
    if form.get("back") == "venue" and form.get("venue_id"):
        return RedirectResponse(f"/desk/venues/{quote(form['venue_id'][:64], safe='')}?done={done}", status_code=303)
    return _back(deputy_id, done)


@require_signin(*WRITERS)
async def change_status(request: Request) -> Response:
    """POST /desk/roster/deputies/<id>/status: ChangeDeputyStatus (status, reason)."""
    statuses = catalogue(request).deputy_statuses
    return await _deputy_write(request, "ChangeDeputyStatus", lambda i, f: rpb.ChangeDeputyStatusRequest(
        id=i, status=choice(f.get("status", ""), statuses), reason=f.get("reason", "")[:1000]), "status")


@require_signin(*WRITERS)
async def update_card(request: Request) -> Response:
    """POST /desk/roster/deputies/<id>/card: UpdateCard (what the public card shows, pledge)."""
    return await _deputy_write(request, "UpdateCard", lambda i, f: rpb.UpdateCardRequest(
        deputy_id=i, card=rpb.CardSettings(
            show_work_unit=f.get("show_work_unit") == "1", show_position=f.get("show_position") == "1",
            show_phone=f.get("show_phone") == "1", show_specialties=f.get("show_specialties") == "1",
            pledge=f.get("pledge", "")[:2000])), "card")


@require_signin(*WRITERS)
async def assign_venue(request: Request) -> Response:
    """POST /desk/roster/deputies/<id>/venues: AssignDeputyToVenue (venue_id)."""
    return await _deputy_write(request, "AssignDeputyToVenue", lambda i, f: rpb.AssignDeputyToVenueRequest(
        venue_id=f.get("venue_id", "")[:64], deputy_id=i), "assigned")


@require_signin(*WRITERS)
async def remove_venue(request: Request) -> Response:
    """POST /desk/roster/deputies/<id>/venues/remove: RemoveDeputyFromVenue (venue_id); back
    to the venue's page when posted from there (back=venue)."""
    return await _deputy_write(request, "RemoveDeputyFromVenue", lambda i, f: rpb.RemoveDeputyFromVenueRequest(
        venue_id=f.get("venue_id", "")[:64], deputy_id=i), "removed")


@require_signin(*READERS)
async def qr_code(request: Request) -> Response:
    """GET /desk/roster/deputies/<id>/qr.png (or .svg): the card's QR code as a file named
    after the deputy and the card code (e.g. 李四-二维码-ABCD234567.png)."""
    fmt = request.path_params["fmt"]
    if fmt not in QR_FORMATS:
        return error_page(request, 404, "not_found_title", "page_not_found")
    deputy_id = request.path_params["id"][:64]
    try:
        deputy = await roster_call(request, "GetDeputy", rpb.GetDeputyRequest(id=deputy_id))
        qr = await roster_call(request, "GetCardQrCode", rpb.GetCardQrCodeRequest(deputy_id=deputy_id,
                                                                                  format=QR_FORMATS[fmt]))
    except grpc.aio.AioRpcError as e:
        return not_found_or(request, e)
    name = f"{deputy.name}-{catalogue(request).t.roster_qr_file}-{deputy.card_code}.{fmt}"
    return download(request, qr.image, qr.content_type, name)


# ---- registering and editing --------------------------------------------------

def form_of(d: rpb.Deputy) -> dict[str, str]:
    """A deputy as the fields of the deputy form."""
    f = {"region": d.region_code, "name": d.name, "gender": str(d.gender or ""), "ethnicity": d.ethnicity,
         "work_unit": d.work_unit, "position": d.position, "phone": d.contact.phone, "email": d.contact.email,
         "address": d.contact.address, "specialties": "、".join(d.specialties)}
    for s in d.seats:
        f |= {f"seat{s.level}": "1", f"term{s.level}": s.term, f"district{s.level}": s.electoral_district}
    return f


def deputy_of(f: dict[str, str]) -> rpb.Deputy:
    """The deputy form's fields as a Deputy (the roster service validates every field)."""
    seats = [rpb.Seat(level=level, term=f.get(f"term{level}", "")[:200],
                      electoral_district=f.get(f"district{level}", "")[:200])
             for level in LEVELS if f.get(f"seat{level}") == "1"]
    return rpb.Deputy(
        region_code=f.get("region", "").strip()[:20], name=f.get("name", "")[:200],
        gender=choice(f.get("gender", ""), (1, 2)), ethnicity=f.get("ethnicity", "")[:200], seats=seats,
        work_unit=f.get("work_unit", "")[:500], position=f.get("position", "")[:500],
        contact=rpb.Contact(phone=f.get("phone", "")[:100], email=f.get("email", "")[:500],
                            address=f.get("address", "")[:1000]),
        specialties=items(f.get("specialties", "")[:1000]))


def _deputy_form(request: Request, *, form: dict[str, str], deputy: rpb.Deputy | None = None,
                 errors: list[str] | None = None, request_id: str = "", status: int = 200) -> Response:
    return page(request, "roster/deputy_form.html", {
        "user": user(request), "deputy": deputy, "form": defaultdict(str, form), "form_errors": errors or [],
        "regions": region_choices(request), "levels_range": LEVELS, "region_name": lambda c: region_name(request, c),
        "request_id": request_id or str(uuid.uuid4())}, status=status)


@require_signin(*WRITERS)
async def new_deputy_form(request: Request) -> Response:
    """GET /desk/roster/new: the form to register a deputy (a fresh request_id: AIP-155)."""
    return _deputy_form(request, form={"region": user(request).region})


def _uuid_or_new(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return str(uuid.uuid4())


@require_signin(*WRITERS)
async def register(request: Request) -> Response:
    """POST /desk/roster/new: RegisterDeputy with the form's request_id (a form sent twice
    registers once), then the new deputy's page."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    request_id = _uuid_or_new(form.get("request_id", ""))
    try:
        d = await roster_call(request, "RegisterDeputy", rpb.RegisterDeputyRequest(deputy=deputy_of(form),
                                                                                   request_id=request_id))
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None:
            return not_found_or(request, e)
        return _deputy_form(request, form=form, errors=[refused[1]], request_id=request_id, status=refused[0])
    return _back(d.id, "registered")


@require_signin(*WRITERS)
async def edit_form(request: Request) -> Response:
    """GET /desk/roster/deputies/<id>/edit: the deputy's particulars in the form."""
    try:
        d = await roster_call(request, "GetDeputy", rpb.GetDeputyRequest(id=request.path_params["id"][:64]))
    except grpc.aio.AioRpcError as e:
        return not_found_or(request, e)
    return _deputy_form(request, form=form_of(d), deputy=d)


@require_signin(*WRITERS)
async def update(request: Request) -> Response:
    """POST /desk/roster/deputies/<id>/edit: UpdateDeputy with every particular of the form
    (the region stays: a deputy moves by the roster office's re-registration)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    deputy_id = request.path_params["id"][:64]
    d = deputy_of(form)
    d.id = deputy_id
    try:
        await roster_call(request, "UpdateDeputy", rpb.UpdateDeputyRequest(
            deputy=d, update_mask=FieldMask(paths=PROFILE_MASK)))
    except grpc.aio.AioRpcError as e:
        refused = refusal(request, e)
        if refused is None or e.code() == grpc.StatusCode.NOT_FOUND:
            return not_found_or(request, e)
        try:
            current = await roster_call(request, "GetDeputy", rpb.GetDeputyRequest(id=deputy_id))
        except grpc.aio.AioRpcError as e2:
            return not_found_or(request, e2)
        return _deputy_form(request, form=form, deputy=current, errors=[refused[1]], status=refused[0])
    return _back(deputy_id, "updated")


# ---- import and export ------------------------------------------------------------

def row_problem(request: Request, e: rpb.RowError) -> str:
    """A row's problem as the office reads it: the catalogue's wording of the service's reason
    (without the column's name, which the report shows beside it), or the reason as it is."""
    reason = e.reason.strip()
    heading = f"{e.column.strip()}: "
    if e.column.strip() and reason.startswith(heading):
        reason = reason[len(heading):]
    for pattern, said in catalogue(request).import_problems:
        m = re.match(pattern, reason)
        if m:
            return m.expand(said)
    return reason


def _import_page(request: Request, *, region: str = "", report: rpb.ImportRosterResponse | None = None,
                 dry_run: bool = False, filename: str = "", errors: list[str] | None = None,
                 status: int = 200) -> Response:
    return page(request, "roster/import.html", {
        "user": user(request), "regions": region_choices(request), "region": region or user(request).region,
        "report": report, "dry_run": dry_run, "filename": filename, "form_errors": errors or [],
        "row_errors": [(e.row, e.column, row_problem(request, e)) for e in report.errors] if report else [],
        "row_warnings": [(e.row, e.column, row_problem(request, e)) for e in report.warnings] if report else [],
        "max_mb": MAX_IMPORT_BYTES // (1024 * 1024)}, status=status)


@require_signin(*WRITERS)
async def import_form(request: Request) -> Response:
    """GET /desk/roster/import: the upload form (XLSX or CSV in the offices' own layout)."""
    return _import_page(request)


@require_signin(*WRITERS)
async def import_roster(request: Request) -> Response:
    """POST /desk/roster/import (multipart: region, file, and ``check`` to only check):
    ImportRoster; the page shows the summary and each refused row's row, column and problem,
    and the warnings. Good rows are imported, bad rows are not (the service decides); with
    ``check`` nothing is written (dry_run). A file over MAX_IMPORT_BYTES is refused unread."""
    got = await checked_upload(request, "file", MAX_IMPORT_BYTES, "roster_import_too_large")
    if isinstance(got, Response):
        return got
    fields, upload = got
    t = catalogue(request).t
    region = picked_region(request, fields.get("region", "")) or user(request).region
    dry_run = fields.get("check") == "1"
    if upload is None or not upload.content:
        return _import_page(request, region=region, errors=[t.roster_import_no_file], status=400)
    ext = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    if ext not in FILE_FORMATS:
        return _import_page(request, region=region, filename=upload.filename, errors=[t.roster_import_format],
                            status=400)
    try:
        report = await roster_call(request, "ImportRoster", rpb.ImportRosterRequest(
            region_code=region, format=FILE_FORMATS[ext], content=upload.content, dry_run=dry_run))
    except grpc.aio.AioRpcError as e:
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            refused = refusal(request, e)
            if refused is None:
                return not_found_or(request, e)
            return _import_page(request, region=region, filename=upload.filename, errors=[refused[1]],
                                status=refused[0])
        # The file as a whole cannot be read (no heading row, a required column missing, not
        # a spreadsheet): the service's own words say what is wrong with it.
        field, _, problem = (e.details() or "").partition(":")
        message = t.roster_import_unreadable.format(problem=problem.strip()) if field == "content" \
            else t.invalid_input + catalogue(request).field_error(e.details() or "")
        return _import_page(request, region=region, filename=upload.filename, errors=[message], status=400)
    return _import_page(request, region=region, report=report, dry_run=dry_run, filename=upload.filename)


@require_signin(*READERS)
async def export_roster(request: Request) -> Response:
    """GET /desk/roster/export?format=xlsx|csv|popolo.json&region=&level=&status=: ExportRoster as
    a file named after the region (代表名册-昌吉市.xlsx); another format is refused (400, in words)."""
    q = request.query_params
    cat = catalogue(request)
    if q.get("format", "xlsx") not in EXPORT_FORMATS:   # never another format than the one asked for
        return error_page(request, 400, "invalid_input_title", "roster_export_bad_format")
    fmt = EXPORT_FORMATS[q.get("format", "xlsx")]
    region = picked_region(request, q.get("region", ""))
    try:
        got = await roster_call(request, "ExportRoster", rpb.ExportRosterRequest(
            region_code=region, format=fmt,
            level=choice(q.get("level", ""), cat.levels), status=choice(q.get("status", ""), cat.deputy_statuses)))
    except grpc.aio.AioRpcError as e:
        return not_found_or(request, e)
    # The service names the file roster-<region code>.<ext>; the office reads the region's name.
    ext = got.filename.split(".", 1)[1] if "." in got.filename else q.get("format", "xlsx")
    name = f"{cat.t.roster_title}-{region_name(request, region or user(request).region)}.{ext}"
    return download(request, got.content, got.content_type, name, ascii_name=got.filename)


routes = [
    Route("/desk/roster", search, methods=["GET"]),
    Route("/desk/roster/new", new_deputy_form, methods=["GET"]),
    Route("/desk/roster/new", register, methods=["POST"]),
    Route("/desk/roster/import", import_form, methods=["GET"]),
    Route("/desk/roster/import", import_roster, methods=["POST"]),
    Route("/desk/roster/export", export_roster, methods=["GET"]),
    Route("/desk/roster/deputies/{id}", deputy_page, methods=["GET"]),
    Route("/desk/roster/deputies/{id}/edit", edit_form, methods=["GET"]),
    Route("/desk/roster/deputies/{id}/edit", update, methods=["POST"]),
    Route("/desk/roster/deputies/{id}/status", change_status, methods=["POST"]),
    Route("/desk/roster/deputies/{id}/card", update_card, methods=["POST"]),
    Route("/desk/roster/deputies/{id}/venues", assign_venue, methods=["POST"]),
    Route("/desk/roster/deputies/{id}/venues/remove", remove_venue, methods=["POST"]),
    Route("/desk/roster/deputies/{id}/qr.{fmt}", qr_code, methods=["GET"]),
]
