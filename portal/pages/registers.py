"""The six registers of an activity room (六有/八有) in the workspace: /desk/registers shows one
register of one venue for a period of China days as a table in the page (the first
ROWS_SHOWN rows and the count), /desk/registers.xlsx downloads the whole register as XLSX.

Both are liaison's ExportRegister, called with the user's token (staff, committee members and
auditors of the venue's region or above; liaison decides): the page asks for CSV and shows
its cells, the download passes the XLSX bytes through. The page so shows exactly what the
file holds, and the portal writes no register of its own.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import urlencode

import grpc
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, download, error_page, page, rpc_error_page
from shared import clock, sheets

REGISTER_ROLES = ("staff", "committee", "auditor")
ROWS_SHOWN = 200          # rows of a register shown in the page; the download has all
VENUES_LISTED = 500       # venues offered in the picker (ListVenues' largest page)
REGISTERS = (lpb.REGISTER_ROSTER, lpb.REGISTER_MAJOR_MATTERS, lpb.REGISTER_MEETINGS, lpb.REGISTER_ACTIVITIES,
             lpb.REGISTER_RECEPTIONS, lpb.REGISTER_TRANSFERS)
XLSX = sheets.CONTENT_TYPES["xlsx"]


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def _choice(request: Request) -> dict[str, str]:
    """The register, venue and period the query names; the period defaults to this year up to
    today (China days)."""
    q = request.query_params
    raw = q.get("register", "")
    register = int(raw) if raw.isdecimal() and int(raw) in REGISTERS else 0
    today = clock.china_today()
    day_from, day_to = _day(q.get("from", "")), _day(q.get("to", ""))
    if "from" not in q and "to" not in q:
        day_from, day_to = today.replace(month=1, day=1), today
    return {"venue": q.get("venue", "").strip()[:64], "register": str(register) if register else "",
            "from": day_from.isoformat() if day_from else "", "to": day_to.isoformat() if day_to else ""}


def _export_call(choice: dict[str, str], fmt: int) -> lpb.ExportRegisterRequest:
    return lpb.ExportRegisterRequest(venue_id=choice["venue"], register=int(choice["register"]),
                                     date_from=choice["from"], date_to=choice["to"], format=fmt)


def read_csv(content: bytes) -> tuple[list[str], list[list[str]]]:
    """Headings and rows of a register as liaison wrote it in CSV (shared.sheets), each cell
    as the register holds it: the quote guarding a formula-like cell is taken off again."""
    rows = list(csv.reader(io.StringIO(sheets.decode_csv(content))))
    if not rows:
        return [], []
    return rows[0], [[sheets.unquote(c) for c in r] for r in rows[1:]]


def download_name(title: str, venue_name: str, choice: dict[str, str], roster: bool, ext: str) -> str:
    """e.g. 接待选民登记-宁边路街道代表联络站-2026-01-01至2026-03-31.xlsx (the roster has no period)."""
    parts = [title, venue_name] if venue_name else [title]
    if not roster and (choice["from"] or choice["to"]):
        parts.append(f"{choice['from']}至{choice['to']}")
    name = "-".join(parts)
    for bad in '/\\:*?"<>|':   # characters no Windows file name may hold
        name = name.replace(bad, "_")
    return f"{name}.{ext}"


async def _venues(request: Request) -> list[rpb.Venue]:
    b = backends(request)
    listed = await b.roster.ListVenues(rpb.ListVenuesRequest(page=common_pb2.PageRequest(page_size=VENUES_LISTED)),
                                       metadata=user_md(request), timeout=b.timeout)
    return sorted(listed.venues, key=lambda v: (v.region_code, v.name))


def _refusal(request: Request, e: grpc.aio.AioRpcError) -> tuple[str, int] | None:
    """The sentence and status for a refused export the user can correct, else None."""
    cat = catalogue(request)
    code, detail = e.code(), e.details() or ""
    if code == grpc.StatusCode.INVALID_ARGUMENT and detail.startswith(("date_from", "date_to")):
        return cat.t.register_bad_period, 400
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND) and detail.startswith("venue_id"):
        return cat.t.register_no_venue, 404
    if code == grpc.StatusCode.NOT_FOUND:
        return cat.t.register_no_venue, 404
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return cat.t.register_too_long, 409
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return cat.t.role_forbidden, 403
    return None


@require_signin(*REGISTER_ROLES)
async def registers_page(request: Request) -> Response:
    """GET /desk/registers?venue=<id>&register=<1..6>&from=YYYY-MM-DD&to=YYYY-MM-DD: the form,
    and once a venue and a register are chosen, the register's first ROWS_SHOWN rows, its
    row count and the link to its XLSX file."""
    choice = _choice(request)
    try:
        venues = await _venues(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    context: dict = {"user": user(request), "choice": choice, "venues": venues, "registers": REGISTERS,
                     "headings": [], "rows": [], "count": 0, "shown": ROWS_SHOWN, "form_errors": [],
                     "download": "", "chosen": bool(choice["venue"] and choice["register"])}
    status = 200
    if context["chosen"]:
        b = backends(request)
        try:
            out = await b.liaison.ExportRegister(_export_call(choice, common_pb2.FILE_FORMAT_CSV),
                                                 metadata=user_md(request), timeout=b.timeout)
        except grpc.aio.AioRpcError as e:
            refused = _refusal(request, e)
            if refused is None:
                return rpc_error_page(request, e, not_found="page_not_found")
            context["form_errors"], status = [refused[0]], refused[1]
        else:
            headings, rows = read_csv(out.content)
            context.update(headings=headings, rows=rows[:ROWS_SHOWN], count=len(rows),
                           download="/desk/registers.xlsx?" + urlencode({k: v for k, v in choice.items() if v}))
    return page(request, "reports/registers.html", context, status=status)


@require_signin(*REGISTER_ROLES)
async def register_xlsx(request: Request) -> Response:
    """GET /desk/registers.xlsx?venue=&register=&from=&to=: the register as liaison writes it
    (XLSX), as an attachment named in Chinese; the same refusals as the page, as a page."""
    choice = _choice(request)
    if not (choice["venue"] and choice["register"]):
        return error_page(request, 404, "not_found_title", "page_not_found")
    b = backends(request)
    try:
        out = await b.liaison.ExportRegister(_export_call(choice, common_pb2.FILE_FORMAT_XLSX),
                                             metadata=user_md(request), timeout=b.timeout)
        venue = await b.roster.GetVenue(rpb.GetVenueRequest(id=choice["venue"]), metadata=user_md(request),
                                        timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        t = catalogue(request).t
        return page(request, "error.html", {"title": t.error_title, "message": refused[0]}, status=refused[1])
    register = int(choice["register"])
    title = catalogue(request).registers[register]
    name = download_name(title, venue.name, choice, register == lpb.REGISTER_ROSTER, "xlsx")
    return download(request, out.content, out.content_type or XLSX, name, ascii_name=out.filename)


routes = [
    Route("/desk/registers", registers_page, methods=["GET"]),
    Route("/desk/registers.xlsx", register_xlsx, methods=["GET"]),
]
