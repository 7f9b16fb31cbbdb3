"""Citizens' pages of the livelihood projects (民生实事), no account, phones first, no JavaScript:

  /call/<region>/<year>         the public call (征集): a citizen proposes a project (balloting
                                SubmitPublicProposal, rate-limited per citizen and per call) and
                                gets a tracking code
  /p/<tracking code>            the proposal followed by its code (TrackProposal): its status and
                                where the campaign stands, nothing of anyone else's
  /result/<region>/<year>       the published result (GetPublicResult): the adopted projects, each
                                round's counts and its bulletin's SHA-256; ?receipt=<code> says
                                whether that receipt is in the bulletin (a deputy checks their
                                ballot was counted); each bulletin downloads as the JSON the
                                digest is over (/result/<region>/<year>/bulletin-<round>.json),
                                so anyone can recount

Every call carries the citizen's address and device (render.citizen), so the services limit
the citizen, not the portal. The services decide everything; these pages only show.
"""
from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import grpc
from lianxin.balloting.v1 import balloting_pb2 as bpb
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.money import FEN_PER_WAN, AmountError, parse_fen
from portal.render import backends, catalogue, checked_form, citizen, error_page, page, rpc_error_page
from shared.text import code as canonical_code

MAX_CODE = 40


def _year(raw: str) -> int:
    return int(raw) if raw.isdecimal() and len(raw) == 4 else 0


def _request_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return str(uuid.uuid4())


def _call_page(request: Request, *, form: dict[str, str] | None = None, errors: list[str] | None = None,
               request_id: str = "", status: int = 200) -> Response:
    form = form or {}
    return page(request, "citizen/call.html", {
        "region": request.path_params["region"], "year": request.path_params["year"],
        "form": {k: form.get(k, "") for k in ("title", "description", "category", "investment_wan", "contact_name",
                                               "contact_phone")},
        "form_errors": errors or [], "request_id": request_id or str(uuid.uuid4())}, status=status)


async def _call_refused(request: Request) -> Response | None:
    """The page to show instead of the form when no call is open for this region and year:
    404 "no such call" when there is no campaign, 409 "the call has ended" once it is past
    征集; None while the call is open. Whether a call is open is public (the office announces
    it): the portal asks balloting with its own credentials (``for_citizen``) and reads the
    campaign's phase only. SubmitPublicProposal still decides (a call that closes meanwhile)."""
    year = _year(request.path_params["year"])
    region = request.path_params["region"]
    if not year or not region.isdecimal():
        return error_page(request, 404, "not_found_title", "call_not_found")
    b = backends(request)
    try:
        listed = await b.balloting.ListCampaigns(bpb.ListCampaignsRequest(region_code=region, year=year, page={"page_size": 500}),
                                                 metadata=b.for_citizen(citizen(request)), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED,
                        grpc.StatusCode.INVALID_ARGUMENT):
            # A region outside this deployment's tree, or not a region: no call here.
            return error_page(request, 404, "not_found_title", "call_not_found")
        return rpc_error_page(request, e, not_found="call_not_found")
    campaign = next((c for c in listed.campaigns if c.region_code == region and c.year == year), None)
    if campaign is None:
        return error_page(request, 404, "not_found_title", "call_not_found")
    if campaign.phase != bpb.PHASE_CALL:
        return error_page(request, 409, "call_closed_title", "call_closed")
    return None


async def call_form(request: Request) -> Response:
    """GET /call/<region>/<year>: the form of the public call while it is open; otherwise
    why there is none (no such call, or the call has ended), before the citizen writes."""
    refused = await _call_refused(request)
    return refused if refused is not None else _call_page(request)


async def propose(request: Request) -> Response:
    """POST /call/<region>/<year>: the citizen's proposal; the page shows its tracking code."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    cat = catalogue(request)
    request_id = _request_id(form.get("request_id", ""))
    raw = form.get("investment_wan", "").strip()
    try:   # 万元 as typed, to integer fen (exact to the fen: six places)
        fen = parse_fen(raw, fen_per_unit=FEN_PER_WAN, places=6) if raw else 0
    except AmountError as e:
        said = cat.t.amount_too_large.format(field=cat.t.amount_field_investment) if e.too_large \
            else cat.t.call_investment_negative if e.negative else cat.t.call_investment_number
        return _call_page(request, form=form, errors=[cat.t.invalid_input + said], request_id=request_id, status=400)
    b = backends(request)
    call = bpb.SubmitPublicProposalRequest(
        region_code=request.path_params["region"], year=_year(request.path_params["year"]), request_id=request_id,
        contact_name=form.get("contact_name", ""), contact_phone=form.get("contact_phone", ""),
        proposal=bpb.NewProposal(title=form.get("title", ""), description=form.get("description", ""),
                                 category=form.get("category", ""), investment_fen=fen))
    try:
        done = await b.balloting.SubmitPublicProposal(call, metadata=b.for_citizen(citizen(request)),
                                                      timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
            message = cat.t.invalid_input + cat.field_error(e.details() or "")
            return _call_page(request, form=form, errors=[message], request_id=request_id, status=400)
        if e.code() == grpc.StatusCode.FAILED_PRECONDITION:
            return error_page(request, 409, "call_closed_title", "call_closed")
        return rpc_error_page(request, e, not_found="call_not_found")
    return page(request, "citizen/proposed.html", {"tracking_code": done.tracking_code})


async def proposal(request: Request) -> Response:
    """GET /p/<tracking code>: the proposal and where its campaign stands."""
    b = backends(request)
    code = request.path_params["code"].strip()[:MAX_CODE]
    try:
        p = await b.balloting.TrackProposal(bpb.TrackProposalRequest(tracking_code=code),
                                            metadata=b.for_citizen(citizen(request)), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="proposal_not_found")
    return page(request, "citizen/proposal.html", {"p": p})


async def _result(request: Request) -> bpb.PublicResult:
    b = backends(request)
    return await b.balloting.GetPublicResult(bpb.GetPublicResultRequest(
        region_code=request.path_params["region"], year=_year(request.path_params["year"])),
        metadata=b.for_citizen(citizen(request)), timeout=b.timeout)


async def result(request: Request) -> Response:
    """GET /result/<region>/<year>[?receipt=]: the published result; a receipt looked up in
    the bulletins."""
    try:
        r = await _result(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="result_not_found")
    # A receipt as the deputy may type it back: grouped, hyphenated, full width, any case.
    receipt = canonical_code(request.query_params.get("receipt", ""))[:MAX_CODE]
    found = None
    if receipt:
        found = next((x.round for x in r.rounds
                      if x.bulletin and receipt in json.loads(x.bulletin).get("receipts", [])), False)
    titles = {c.proposal_id: c.title for c in r.candidates}
    return page(request, "citizen/result.html", {
        "r": r, "titles": titles, "receipt": receipt, "found": found,
        "base": f"/result/{quote(r.region_code)}/{r.year}"})


async def bulletin(request: Request) -> Response:
    """GET /result/<region>/<year>/bulletin-<round>.json: a round's bulletin, byte for byte the
    text its published SHA-256 is over."""
    try:
        r = await _result(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="result_not_found")
    number = request.path_params["round"]
    for x in r.rounds:
        if str(x.round.number) == number and x.bulletin:
            return Response(x.bulletin.encode("utf-8"), media_type="application/json; charset=utf-8", headers={
                "content-disposition": f'attachment; filename="bulletin-{r.region_code}-{r.year}-{number}.json"'})
    return error_page(request, 404, "not_found_title", "page_not_found")


routes = [
    Route("/call/{region}/{year}", call_form, methods=["GET"]),
    Route("/call/{region}/{year}", propose, methods=["POST"]),
    Route("/p/{code}", proposal, methods=["GET"]),
    Route("/result/{region}/{year}", result, methods=["GET"]),
    Route("/result/{region}/{year}/bulletin-{round}.json", bulletin, methods=["GET"]),
]
