"""The office's livelihood-project campaigns (民生实事项目票决), for staff and committee members:

  /desk/campaigns                   the campaigns of the user's region, and a new one
  /desk/campaigns/<id>              one campaign: its phase and history, its proposals (shortlist
                                    each in 初选), and the step its phase allows: close the call,
                                    fix the candidates (static/campaign.js shows the quarter rule
                                    as the seats are typed and candidates ticked: ⌈seats × 1.25⌉,
                                    or the region's more), open the session, check deputies in,
                                    open the ballot, the tellers' paper ballots, the count and
                                    the publication
  POST /desk/campaigns/<id>/<step>  each step, then back to the campaign (Post/Redirect/Get);
                                    in 初选 also the reviews made on paper (an expert deputy's
                                    普惠性 and 实效性, a department's 合规性 and 可行性, each a
                                    score and an opinion) and merging duplicates into one;
                                    at the session, naming the tellers and scrutineers
                                    (计票人, 监票人) before the count
  /desk/campaigns/statistics        balloting's figures (GetStatistics) for a region subtree and
                                    years: per year and per child region, investment in 亿元/万元

Every call carries the user's own token: balloting decides who may take which step in which
phase and answers a refusal the page shows in words (the catalogue's, never the service's
English). Deputies and departments may also review through the API as themselves.
"""
from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import grpc
from lianxin.balloting.v1 import balloting_pb2 as bpb
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, error_page, page, regions, rpc_error_page
from shared import clock

ROLES = ("staff", "committee")
HOME = "/desk/campaigns"
CHOICES = {"approve": bpb.CHOICE_APPROVE, "oppose": bpb.CHOICE_OPPOSE, "abstain": bpb.CHOICE_ABSTAIN}
# The review form's criteria: an expert deputy judges 普惠性 and 实效性, a department 合规性 and
# 可行性 (温县's 初选; balloting checks the pairing).
CRITERIA = {"public_benefit": (bpb.CRITERION_PUBLIC_BENEFIT, bpb.REVIEWER_KIND_EXPERT),
            "effectiveness": (bpb.CRITERION_EFFECTIVENESS, bpb.REVIEWER_KIND_EXPERT),
            "compliance": (bpb.CRITERION_COMPLIANCE, bpb.REVIEWER_KIND_DEPARTMENT),
            "feasibility": (bpb.CRITERION_FEASIBILITY, bpb.REVIEWER_KIND_DEPARTMENT)}
SEATED = (rpb.DEPUTY_STATUS_SERVING, rpb.DEPUTY_STATUS_BY_ELECTED)
FEN_PER_YI, FEN_PER_WAN = Decimal(10) ** 10, Decimal(10) ** 6


def money(fen: int) -> str:
    """Fen as the office writes investment: 亿元 from one 亿 up (two places), else 万元 (two
    places), in Decimal (exact: 4,310,000,000 yuan is 43.10亿元)."""
    amount = Decimal(fen)
    if amount >= FEN_PER_YI:
        return f"{(amount / FEN_PER_YI).quantize(Decimal('0.01')):,}亿元"
    return f"{(amount / FEN_PER_WAN).quantize(Decimal('0.01')):,}万元"


def _int(raw: str) -> int:
    raw = raw.strip()
    return int(raw) if raw.isdecimal() and len(raw) < 6 else 0


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
    if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
        return await _list_page(request, errors=[cat.t.invalid_input + cat.field_error(e.details() or "")], status=400)
    if e.code() == grpc.StatusCode.ALREADY_EXISTS:
        return await _list_page(request, errors=[cat.t.campaign_refused + cat.ballot_refusal(e.details() or "")],
                                status=409)
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
        experts = []
        if c.phase == bpb.PHASE_SCREENING:
            # Expert reviewers: deputies of the campaign's region with a specialty who serve.
            listed = await b.roster.ListDeputies(rpb.ListDeputiesRequest(
                region_code=c.region_code, page={"page_size": 500}), metadata=md, timeout=b.timeout)
            experts = [x for x in listed.deputies if x.specialties and x.status in SEATED]
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    r = c.rounds[-1] if c.rounds else None
    titles = {p.id: p.title for p in proposals}
    candidate_ids = set(p.proposal_id for p in c.candidates)
    return page(request, "work/campaign.html", {
        "user": user(request), "c": c, "round": r, "proposals": proposals, "titles": titles, "voters": voters,
        "candidate_ids": candidate_ids, "form_errors": errors or [], "experts": experts,
        "open_proposals": [p for p in proposals if p.status != bpb.PROPOSAL_STATUS_MERGED],
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
        "review": lambda: bs.ReviewProposal(_review(form), metadata=md, timeout=b.timeout),
        "merge": lambda: bs.MergeProposals(bpb.MergeProposalsRequest(
            survivor_id=form.get("survivor_id", ""), note=note,
            duplicate_ids=[k.removeprefix("dup-") for k in form if k.startswith("dup-")]),
            metadata=md, timeout=b.timeout),
        "open-session": lambda: bs.OpenSession(bpb.OpenSessionRequest(id=cid, note=note), metadata=md,
                                               timeout=b.timeout),
        "tellers": lambda: bs.NameTellers(bpb.NameTellersRequest(
            campaign_id=cid, tellers=_names(form.get("tellers", "")),
            scrutineers=_names(form.get("scrutineers", ""))), metadata=md, timeout=b.timeout),
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


def _names(raw: str) -> list[str]:
    """Names typed in one box, separated by 、，, or spaces (as a list is written in Chinese)."""
    return [x for x in re.split(r"[、，,;；\s]+", raw) if x]


def _review(form) -> bpb.ReviewProposalRequest:
    """A review made on paper as the office enters it: the criterion says whose (an expert
    deputy named by id, or a department by name)."""
    criterion, kind = CRITERIA.get(form.get("criterion", ""), (bpb.CRITERION_UNSPECIFIED,
                                                               bpb.REVIEWER_KIND_UNSPECIFIED))
    raw = form.get("score", "").strip()
    score = int(raw) if raw.isdecimal() and len(raw) < 4 else -1
    reviewer = form.get("expert" if kind == bpb.REVIEWER_KIND_EXPERT else "department", "")
    return bpb.ReviewProposalRequest(id=form.get("proposal_id", ""), criterion=criterion, score=score,
                                     opinion=form.get("opinion", ""), reviewer_kind=kind, reviewer=reviewer,
                                     reviewer_name=reviewer if kind == bpb.REVIEWER_KIND_DEPARTMENT else "")


def _year(raw: str | None, default: int) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) == 4 else default


@require_signin(*ROLES, "auditor")
async def statistics(request: Request) -> Response:
    """GET /desk/campaigns/statistics?region=&from=&to=: balloting's GetStatistics for the
    region's subtree (default the user's) and years (default the last three and the next), one
    row per year and one per child region, with the total. The figures are balloting's, rolled
    up there from every tier's events."""
    b, md, me = backends(request), user_md(request), user(request)
    tree = regions(request)
    this_year = clock.china_today().year
    code = (request.query_params.get("region") or me.region).strip()
    y_to = _year(request.query_params.get("to"), this_year + 1)
    y_from = _year(request.query_params.get("from"), y_to - 3)
    if y_from > y_to:
        y_from, y_to = y_to, y_from
    if y_to - y_from > 20:          # a table, not a century
        y_from = y_to - 20

    async def figures(region: str, first: int, last: int) -> bpb.Statistics:
        return await b.balloting.GetStatistics(bpb.GetStatisticsRequest(
            region_code=region, year_from=first, year_to=last), metadata=md, timeout=b.timeout)

    children = list(tree.children(code)) if code in tree else []
    try:
        total = await figures(code, y_from, y_to)
        by_year = await asyncio.gather(*(figures(code, y, y) for y in range(y_from, y_to + 1)))
        by_region = await asyncio.gather(*(figures(r.code, y_from, y_to) for r in children))
    except grpc.aio.AioRpcError as e:
        if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED):
            # a region not served or not the user's: to this user, no such page
            return error_page(request, 404, "not_found_title", "page_not_found")
        return rpc_error_page(request, e, not_found="page_not_found")
    name = tree.get(code).name if code in tree else code
    t = catalogue(request).t
    # The figures by year as static/dashboard.js draws them (the table below holds the same).
    chart = {"kind": "bar", "title": t.stats_by_year, "unit": t.stats_unit,
             "categories": [str(y) for y in range(y_from, y_to + 1)],
             "series": [{"name": label, "data": [getattr(s, key) for s in by_year]}
                        for label, key in ((t.stats_received, "proposals_received"),
                                           (t.stats_shortlisted, "proposals_shortlisted"),
                                           (t.stats_candidates, "candidates"), (t.stats_adopted, "adopted"))]}
    return page(request, "work/campaign_statistics.html", {
        "user": me, "region": code, "region_name": name, "year_from": y_from, "year_to": y_to,
        "total": total, "money": money, "chart": chart,
        "by_year": list(zip(range(y_from, y_to + 1), by_year, strict=True)),
        "by_region": [(r, s) for r, s in zip(children, by_region, strict=True)]})


routes = [
    Route(HOME, campaigns, methods=["GET"]),
    Route(f"{HOME}/statistics", statistics, methods=["GET"]),
    Route(HOME, create, methods=["POST"]),
    Route(f"{HOME}/{{id}}", campaign, methods=["GET"]),
    Route(f"{HOME}/{{id}}/{{step}}", step, methods=["POST"]),
]
