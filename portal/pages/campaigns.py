"""The office's livelihood-project campaigns (民生实事项目票决), for staff and committee members:

  /desk/campaigns                   the campaigns of the user's region, and a new one
  /desk/campaigns/<id>              one campaign: its phase and history, its proposals (shortlist
                                    each in 初选), and the step its phase allows: close the call,
                                    fix the candidates (static/campaign.js shows the quarter rule
                                    as the seats are typed and candidates ticked: ⌈seats × 1.25⌉,
                                    or the region's more), open the session, check deputies in,
                                    open the ballot, the tellers' paper ballots, the count and
                                    the publication
  POST /desk/campaigns/<id>/<step>  each step, then back to the campaign (Post/Redirect/Get)

Every call carries the user's own token: balloting decides who may take which step in which
phase and answers a refusal the page shows in words. Expert and department reviews are taken
by the deputies and departments through the API (ReviewProposal); this page shows them.
"""
from __future__ import annotations

import grpc
from lianxin.balloting.v1 import balloting_pb2 as bpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, page, rpc_error_page

ROLES = ("staff", "committee")
HOME = "/desk/campaigns"
CHOICES = {"approve": bpb.CHOICE_APPROVE, "oppose": bpb.CHOICE_OPPOSE, "abstain": bpb.CHOICE_ABSTAIN}


def _int(raw: str) -> int:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 6 else 0


async def _list_page(request: Request, *, errors: list[str] | None = None, status: int = 200) -> Response:
    b = backends(request)
    try:
        listed = await b.balloting.ListCampaigns(bpb.ListCampaignsRequest(page={"page_size": 100}),
                                                 metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    return page(request, "work/campaigns.html", {"user": user(request), "campaigns": listed.campaigns,
                                                 "form_errors": errors or []}, status=status)


@require_signin(*ROLES)
async def campaigns(request: Request) -> Response:
    """GET /desk/campaigns."""
    return await _list_page(request)


@require_signin(*ROLES)
async def create(request: Request) -> Response:
    """POST /desk/campaigns: CreateCampaign of the user's region."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    try:
        c = await b.balloting.CreateCampaign(bpb.CreateCampaignRequest(
            region_code=user(request).region, year=_int(form.get("year", "")), title=form.get("title", "")),
            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return await _refused_list(request, e)
    return RedirectResponse(f"{HOME}/{c.id}", status_code=303)


async def _refused_list(request: Request, e: grpc.aio.AioRpcError) -> Response:
    cat = catalogue(request)
    if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS):
        return await _list_page(request, errors=[cat.t.invalid_input + cat.field_error(e.details() or "")], status=400)
    return rpc_error_page(request, e, not_found="page_not_found")


async def _campaign_page(request: Request, campaign_id: str, *, errors: list[str] | None = None,
                         status: int = 200) -> Response:
    b = backends(request)
    md = user_md(request)
    try:
        c = await b.balloting.GetCampaign(bpb.GetCampaignRequest(id=campaign_id), metadata=md, timeout=b.timeout)
        proposals = (await b.balloting.ListProposals(bpb.ListProposalsRequest(
            campaign_id=campaign_id, page={"page_size": 500}), metadata=md, timeout=b.timeout)).proposals
        voters = []
        if c.rounds:
            voters = list((await b.balloting.ListEligibleVoters(bpb.ListEligibleVotersRequest(
                campaign_id=campaign_id, page={"page_size": 500}), metadata=md, timeout=b.timeout)).voters)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    r = c.rounds[-1] if c.rounds else None
    titles = {p.id: p.title for p in proposals}
    candidate_ids = set(p.proposal_id for p in c.candidates)
    return page(request, "work/campaign.html", {
        "user": user(request), "c": c, "round": r, "proposals": proposals, "titles": titles, "voters": voters,
        "candidate_ids": candidate_ids, "form_errors": errors or [],
        "ballot_ids": list(r.candidate_ids) if r else []}, status=status)


@require_signin(*ROLES)
async def campaign(request: Request) -> Response:
    """GET /desk/campaigns/<id>."""
    return await _campaign_page(request, request.path_params["id"])


@require_signin(*ROLES)
async def step(request: Request) -> Response:
    """POST /desk/campaigns/<id>/<step>: one step of the campaign, then back to its page."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    cid, name = request.path_params["id"], request.path_params["step"]
    b = backends(request)
    bs, md = b.balloting, user_md(request)
    note = form.get("note", "")
    calls = {
        "close-call": lambda: bs.CloseCall(bpb.CloseCallRequest(id=cid, note=note), metadata=md, timeout=b.timeout),
        "shortlist": lambda: bs.ShortlistProposal(bpb.ShortlistProposalRequest(
            id=form.get("proposal_id", ""), shortlisted=form.get("shortlisted") == "1"), metadata=md,
            timeout=b.timeout),
        "fix": lambda: bs.FixCandidates(bpb.FixCandidatesRequest(
            id=cid, seats=_int(form.get("seats", "")), session_date=form.get("session_date", ""), note=note,
            candidates=[bpb.CandidateEntry(proposal_id=p, funding_source=form.get(f"funding-{p}", ""),
                                           schedule=form.get(f"schedule-{p}", ""), priority=i + 1)
                        for i, p in enumerate(k.removeprefix("pick-") for k in form if k.startswith("pick-"))]),
            metadata=md, timeout=b.timeout),
        "open-session": lambda: bs.OpenSession(bpb.OpenSessionRequest(id=cid, note=note), metadata=md,
                                               timeout=b.timeout),
        "check-in": lambda: bs.CheckIn(bpb.CheckInRequest(campaign_id=cid, deputy_id=form.get("deputy_id", "")),
                                       metadata=md, timeout=b.timeout),
        "open-ballot": lambda: bs.OpenBallot(bpb.OpenBallotRequest(id=cid, note=note), metadata=md,
                                             timeout=b.timeout),
        "issue-paper": lambda: bs.IssuePaperBallot(bpb.IssuePaperBallotRequest(
            campaign_id=cid, deputy_id=form.get("deputy_id", "")), metadata=md, timeout=b.timeout),
        "enter-paper": lambda: bs.EnterPaperBallot(bpb.EnterPaperBallotRequest(campaign_id=cid, marks=[
            bpb.Mark(proposal_id=k.removeprefix("mark-"), choice=CHOICES.get(v, 0))
            for k, v in form.items() if k.startswith("mark-")]), metadata=md, timeout=b.timeout),
        "close-ballot": lambda: bs.CloseBallot(bpb.CloseBallotRequest(id=cid, note=note), metadata=md,
                                               timeout=b.timeout),
        "publish": lambda: bs.PublishResult(bpb.PublishResultRequest(id=cid, note=note), metadata=md,
                                            timeout=b.timeout),
    }
    if name not in calls:
        return await _campaign_page(request, cid, status=404)
    try:
        await calls[name]()
    except grpc.aio.AioRpcError as e:
        if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION,
                        grpc.StatusCode.NOT_FOUND, grpc.StatusCode.ALREADY_EXISTS):
            cat = catalogue(request)
            detail = e.details() or ""
            sentence = cat.t.campaign_refused + (cat.field_error(detail) if e.code() == grpc.StatusCode.INVALID_ARGUMENT
                                                 else cat.ballot_refusal(detail))
            return await _campaign_page(request, cid, errors=[sentence], status=409)
        return rpc_error_page(request, e, not_found="page_not_found")
    return RedirectResponse(f"{HOME}/{cid}#{name}", status_code=303)


routes = [
    Route(HOME, campaigns, methods=["GET"]),
    Route(HOME, create, methods=["POST"]),
    Route(f"{HOME}/{{id}}", campaign, methods=["GET"]),
    Route(f"{HOME}/{{id}}/{{step}}", step, methods=["POST"]),
]
