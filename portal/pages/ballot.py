"""A deputy's secret ballot on a phone (票决), under the deputy's workspace:

  /desk/me/ballots              the ballots open to the deputy (balloting ListCampaigns, phase 票决,
                                of the branch of the tree the deputy stands on)
  /desk/me/ballots/<id>         the ballot: every candidate on one screen with 同意 / 不同意 / 弃权;
                                static/ballot.js keeps the approvals within the seats as the
                                deputy marks (a ballot with more is void, 废票); POST casts it
                                (CastBallot with the deputy's own token) and shows the receipt code;
                                once the deputy has voted (balloting's Campaign.voted, theirs
                                alone) it says so instead of the form, and where to check the
                                receipt: balloting keeps no link from deputy to receipt (secrecy),
                                so the code cannot be shown again

The services decide everything: who may vote (a voter of the round, checked in, not voted
yet), what a ballot must hold; the page shows their refusals in words. Nothing the deputy
marked is logged or kept by the portal. Without JavaScript the form posts as any; balloting
refuses an over-filled ballot (more 同意 than seats) and the page says so with the service's
numbers, the deputy's marks kept, so they correct it and vote.
"""
from __future__ import annotations

import re

import grpc
from lianxin.balloting.v1 import balloting_pb2 as bpb
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, page, rpc_error_page

ROLE = "deputy"
HOME = "/desk/me/ballots"
CHOICES = {"approve": bpb.CHOICE_APPROVE, "oppose": bpb.CHOICE_OPPOSE, "abstain": bpb.CHOICE_ABSTAIN}
# balloting's refusal of an over-filled ballot (services/balloting/domain.py check_not_overfilled)
OVERFILLED = re.compile(r"^marks: approves (?P<approvals>\d+) candidates; approve at most (?P<seats>\d+)")


@require_signin(ROLE)
async def ballots(request: Request) -> Response:
    """GET /desk/me/ballots: the campaigns in 票决 the deputy may see."""
    b = backends(request)
    try:
        listed = await b.balloting.ListCampaigns(bpb.ListCampaignsRequest(phase=bpb.PHASE_BALLOT),
                                                 metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    return page(request, "deputy/ballots.html", {"user": user(request), "campaigns": listed.campaigns})


def _open_round(c: bpb.Campaign) -> bpb.Round | None:
    r = c.rounds[-1] if c.rounds else None
    return r if c.phase == bpb.PHASE_BALLOT and r is not None and r.status == bpb.ROUND_STATUS_VOTING else None


def _ballot_page(request: Request, c: bpb.Campaign, *, errors: list[str] | None = None,
                 marked: dict[str, str] | None = None, status: int = 200) -> Response:
    r = _open_round(c)
    titles = {x.proposal_id: x for x in c.candidates}
    candidates = [titles[p] for p in (r.candidate_ids if r else []) if p in titles]
    return page(request, "deputy/ballot.html", {
        "user": user(request), "campaign": c, "round": r, "candidates": candidates, "form_errors": errors or [],
        "marked": marked or {}}, status=status)


async def _campaign(request: Request) -> bpb.Campaign:
    b = backends(request)
    return await b.balloting.GetCampaign(bpb.GetCampaignRequest(id=request.path_params["id"]),
                                         metadata=user_md(request), timeout=b.timeout)


@require_signin(ROLE)
async def ballot(request: Request) -> Response:
    """GET /desk/me/ballots/<id>: the ballot paper (or why there is none to fill)."""
    try:
        c = await _campaign(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    return _ballot_page(request, c)


@require_signin(ROLE)
async def cast(request: Request) -> Response:
    """POST /desk/me/ballots/<id>: CastBallot with every candidate's mark; the receipt."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    t = catalogue(request).t
    try:
        c = await _campaign(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    if c.voted:     # the page says so (a form sent twice, or from another tab)
        return _ballot_page(request, c, errors=[t.ballot_voted_already], status=409)
    r = _open_round(c)
    if r is None:
        return _ballot_page(request, c, status=409)
    marked = {p: form.get(f"mark-{p}", "") for p in r.candidate_ids}
    if any(v not in CHOICES for v in marked.values()):
        return _ballot_page(request, c, errors=[t.ballot_mark_every], marked=marked, status=400)
    marks = [bpb.Mark(proposal_id=p, choice=CHOICES[v]) for p, v in marked.items()]
    b = backends(request)
    try:
        done = await b.balloting.CastBallot(bpb.CastBallotRequest(campaign_id=c.id, marks=marks),
                                            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        sentence = {grpc.StatusCode.FAILED_PRECONDITION: t.ballot_not_now,
                    grpc.StatusCode.PERMISSION_DENIED: t.ballot_not_a_voter,
                    grpc.StatusCode.INVALID_ARGUMENT: t.ballot_mark_every}.get(e.code())
        if sentence is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        if e.code() == grpc.StatusCode.FAILED_PRECONDITION and "voted already" in (e.details() or ""):
            sentence = t.ballot_voted_already
        over = OVERFILLED.match(e.details() or "") if e.code() == grpc.StatusCode.INVALID_ARGUMENT else None
        if over:
            return _ballot_page(request, c, errors=[t.ballot_overfilled.format(**over.groupdict())], marked=marked,
                                status=400)
        return _ballot_page(request, c, errors=[sentence], marked=marked, status=409)
    return page(request, "deputy/receipt.html", {"user": user(request), "campaign": c, "receipt": done.receipt_code})


routes = [
    Route(HOME, ballots, methods=["GET"]),
    Route(f"{HOME}/{{id}}", ballot, methods=["GET"]),
    Route(f"{HOME}/{{id}}", cast, methods=["POST"]),
]
