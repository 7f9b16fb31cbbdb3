"""Citizens' pages, no account: the deputy's card behind the QR code with the form to raise
an opinion (码上提), and the tracking page of a tracking code with the rating form. Phones
first and no JavaScript: plain forms, one round trip each. Every public call carries the
citizen's address and device (render.citizen), so the services limit the citizen, not the
portal."""
from __future__ import annotations

import uuid
from urllib.parse import quote

import grpc
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.render import backends, catalogue, checked_form, citizen, page, rpc_error_page

MAX_TEXT = 2000            # liaison's limit on an opinion's text (the form says it; the service checks)
MAX_CODE = 40              # longer than any card or tracking code, grouping spaces included
RATEABLE = {10, 11}        # FEEDBACK_GIVEN, CLOSED: the citizen may rate once
OUTCOMES = {8, 9}          # RESOLVED, UNRESOLVED


def _code(raw: str) -> str:
    return raw.strip()[:MAX_CODE]


def _uuid_or_new(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return str(uuid.uuid4())


async def _card(request: Request, code: str) -> rpb.PublicCard:
    b = backends(request)
    return await b.roster.GetPublicCard(rpb.GetPublicCardRequest(card_code=code),
                                        metadata=b.for_citizen(citizen(request)), timeout=b.timeout)


def _card_page(request: Request, card: rpb.PublicCard, *, form: dict[str, str] | None = None,
               errors: list[str] | None = None, request_id: str = "", status: int = 200) -> Response:
    cat = catalogue(request)
    form = form or {}
    return page(request, "citizen/card.html", {
        "card": card, "card_levels": [cat.levels.get(level, "") for level in card.levels],
        "categories": cat.categories, "max_text": MAX_TEXT,
        "form": {k: form.get(k, "") for k in ("category", "text", "contact_name", "contact_phone")},
        "form_errors": errors or [],
        # AIP-155: drawn when the form is drawn, so a double submit (or a retry) creates once.
        "request_id": request_id or str(uuid.uuid4()),
    }, status=status)


async def card_page(request: Request) -> Response:
    """GET /card/<code>: the deputy's public card and the form to raise an opinion."""
    try:
        card = await _card(request, _code(request.path_params["code"]))
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="card_not_found")
    return _card_page(request, card)


async def submit_opinion(request: Request) -> Response:
    """POST /card/<code>: raises the opinion; the page shows its tracking code. A service's
    INVALID_ARGUMENT shows the form again with what was typed and the field's problem."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    code = _code(request.path_params["code"])
    request_id = _uuid_or_new(form.get("request_id", ""))
    b = backends(request)
    call = lpb.SubmitPublicOpinionRequest(
        card_code=code, category=form.get("category", ""), text=form.get("text", ""),
        contact=lpb.Contact(name=form.get("contact_name", ""), phone=form.get("contact_phone", "")),
        request_id=request_id)
    md = b.for_citizen(citizen(request))
    try:
        done = await b.liaison.SubmitPublicOpinion(call, metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            return rpc_error_page(request, e, not_found="card_not_found")
        try:
            card = await _card(request, code)
        except grpc.aio.AioRpcError as e2:
            return rpc_error_page(request, e2, not_found="card_not_found")
        message = catalogue(request).t.invalid_input + catalogue(request).field_error(e.details() or "")
        # The same request_id: the form was not accepted, so re-sending it creates once.
        return _card_page(request, card, form=form, errors=[message], request_id=request_id, status=400)
    base = request.app.state.settings.public_base_url.rstrip("/")
    return page(request, "citizen/submitted.html", {
        "tracking_code": done.tracking_code, "short_link": f"{base}/t/{done.tracking_code}"})


async def track_form(request: Request) -> Response:
    """GET /track[?code=]: the form; with a code, straight on to its page."""
    code = _code(request.query_params.get("code", ""))
    if code:
        return RedirectResponse(f"/t/{quote(code.replace(' ', ''), safe='')}", status_code=303)
    return page(request, "citizen/track_form.html", {"code": "", "form_errors": []})


def _case_page(request: Request, case: lpb.TrackedOpinion, *, errors: list[str] | None = None,
               comment: str = "", rated_now: bool = False, rate_refused: bool = False,
               status: int = 200) -> Response:
    outcome = next((s.status for s in reversed(case.steps) if s.status in OUTCOMES), 0)
    return page(request, "citizen/case.html", {
        "case": case, "concluded": bool(outcome) or case.status in RATEABLE,
        "rateable": case.status in RATEABLE and not case.rating, "form_errors": errors or [],
        "comment": comment, "rated_now": rated_now, "rate_refused": rate_refused}, status=status)


async def case_page(request: Request) -> Response:
    """GET /t/<tracking code>: the case's steps, replies and outcome; the rating form once
    the case's result has been fed back."""
    b = backends(request)
    try:
        case = await b.liaison.TrackOpinion(lpb.TrackOpinionRequest(tracking_code=_code(request.path_params["code"])),
                                            metadata=b.for_citizen(citizen(request)), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="case_not_found")
    rated = request.query_params.get("rated")
    return _case_page(request, case, rated_now=rated == "1", rate_refused=rated == "refused")


async def rate_case(request: Request) -> Response:
    """POST /t/<tracking code>/rating: the citizen's rating, then back to the case page
    (Post/Redirect/Get, so reloading the page does not post again)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    code = _code(request.path_params["code"])
    b = backends(request)
    md = b.for_citizen(citizen(request))
    rating = form.get("rating", "")
    try:
        await b.liaison.RateOpinion(lpb.RateOpinionRequest(
            tracking_code=code, rating=int(rating) if rating.isdecimal() and len(rating) < 3 else 0,
            comment=form.get("comment", "")), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.FAILED_PRECONDITION:
            # Rated already (the form sent twice) or not yet rateable: the case page says which.
            return RedirectResponse(f"/t/{quote(code, safe='')}?rated=refused", status_code=303)
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            return rpc_error_page(request, e, not_found="case_not_found")
        try:
            case = await b.liaison.TrackOpinion(lpb.TrackOpinionRequest(tracking_code=code), metadata=md,
                                                timeout=b.timeout)
        except grpc.aio.AioRpcError as e2:
            return rpc_error_page(request, e2, not_found="case_not_found")
        cat = catalogue(request)
        message = cat.t.invalid_input + cat.field_error(e.details() or "")
        return _case_page(request, case, errors=[message], comment=form.get("comment", ""), status=400)
    return RedirectResponse(f"/t/{quote(code, safe='')}?rated=1", status_code=303)


routes = [
    Route("/card/{code}", card_page, methods=["GET"]),
    Route("/card/{code}", submit_opinion, methods=["POST"]),
    Route("/track", track_form, methods=["GET"]),
    Route("/t/{code}", case_page, methods=["GET"]),
    Route("/t/{code}/rating", rate_case, methods=["POST"]),
]
