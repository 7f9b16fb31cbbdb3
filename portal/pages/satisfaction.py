"""The year-end satisfaction vote on livelihood projects (满意度测评) and what follows it:

  /desk/me/satisfaction          a deputy's votes (evaluation ListSatisfactionVotes with the
                                 deputy's own token: the votes they are a voter of)
  /desk/me/satisfaction/<id>     the ballot on a phone: every project with 满意 / 基本满意 / 不满意
                                 and whether it was finished at year end; POST casts it
                                 (CastSatisfactionBallot) and shows the receipt code, which
                                 evaluation keeps no link to (secrecy): once the deputy has voted
                                 the page says so instead of the form
  /satisfaction/<region>/<year>  the published result, public, no account, no JavaScript needed:
                                 the overall rate, each project's ratings, verdict and whether it
                                 must be rectified, a chart (ECharts, static/dashboard.js over the
                                 table's figures), the bulletin's SHA-256 and download, and
                                 ?receipt=<code> says whether that receipt is in the bulletin
  /desk/satisfaction             the office's votes of its region and below (with each vote's
                                 region): open one (the region's own projects of a year; a year
                                 not begun is refused), count it once the quorum has voted,
                                 publish it
  /desk/satisfaction/<id>        one vote: turnout, and once counted each project's tally and
                                 verdict (before it is published), the rectifications after
  /desk/rectifications           rectifications (整改) of the caller's region and year, with their status
  /desk/rectifications/<id>      one rectification: the explanation, plan, days and report, and
                                 the inquiries (询问) and interpellations (质询) on it; for its
                                 department (or the office for it) the form of the next step:
                                 POST .../plan (SubmitRectificationPlan), .../complete
                                 (CompleteRectification); for the office and the committee
                                 the forms recording a 询问 or 质询 (.../inquiries, OpenInquiry)
                                 and its answers and follow-up (.../inquiries/<id>)

The services decide everything: who may vote and see what; the pages show their refusals in
words. Nothing a deputy rated is logged or kept by the portal.
"""
from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import grpc
from lianxin.evaluation.v1 import satisfaction_pb2 as pb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.rollup import bad_filter
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, citizen, error_page, page, regions, rpc_error_page
from shared.clock import china_today
from shared.text import code as canonical_code

HOME = "/desk/me/satisfaction"
RATINGS = {"satisfied": pb.RATING_SATISFIED, "basically": pb.RATING_BASICALLY_SATISFIED,
           "unsatisfied": pb.RATING_UNSATISFIED}
READERS = ("staff", "committee", "auditor", "department", "deputy")
# A rectification is its lead department's to answer, or the office's on its behalf (evaluation decides).
ANSWERERS = ("staff", "department")
# 询问 and 质询 are recorded by the office and the committee.
INQUIRERS = ("staff", "committee")
# The office opens, counts and publishes votes (evaluation's vote.manage); auditors read them.
MANAGERS = ("staff", "committee")
OFFICE = ("staff", "committee", "auditor")
KINDS = {"inquiry": pb.INQUIRY_KIND_INQUIRY, "interpellation": pb.INQUIRY_KIND_INTERPELLATION}
MAX_CODE = 40


def _year(raw: str) -> int:
    return int(raw) if raw.isdecimal() and len(raw) == 4 else 0


# ---- the deputy's ballot ------------------------------------------------------------------------

@require_signin("deputy")
async def votes(request: Request) -> Response:
    """GET /desk/me/satisfaction: the votes the deputy is a voter of."""
    b = backends(request)
    try:
        listed = await b.evaluation.ListSatisfactionVotes(pb.ListSatisfactionVotesRequest(),
                                                          metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    return page(request, "deputy/satisfaction_votes.html", {"user": user(request), "votes": listed.votes})


async def _vote(request: Request) -> pb.SatisfactionVote:
    b = backends(request)
    return await b.evaluation.GetSatisfactionVote(pb.GetSatisfactionVoteRequest(id=request.path_params["id"]),
                                                  metadata=user_md(request), timeout=b.timeout)


def _ballot_page(request: Request, v: pb.SatisfactionVote, *, errors: list[str] | None = None,
                 marked: dict[str, str] | None = None, status: int = 200) -> Response:
    return page(request, "deputy/satisfaction_ballot.html", {
        "user": user(request), "vote": v, "form_errors": errors or [], "marked": marked or {},
        "open": v.status == pb.VOTE_STATUS_OPEN}, status=status)


@require_signin("deputy")
async def ballot(request: Request) -> Response:
    """GET /desk/me/satisfaction/<id>: the ballot (or why there is none to fill)."""
    try:
        v = await _vote(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    return _ballot_page(request, v)


@require_signin("deputy")
async def cast(request: Request) -> Response:
    """POST /desk/me/satisfaction/<id>: CastSatisfactionBallot with every project's rating."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    t = catalogue(request).t
    try:
        v = await _vote(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    if v.you_voted:
        return _ballot_page(request, v, errors=[t.ballot_voted_already], status=409)
    if v.status != pb.VOTE_STATUS_OPEN:
        return _ballot_page(request, v, status=409)
    marked = {p.project_id: form.get(f"rate-{p.project_id}", "") for p in v.projects}
    if any(x not in RATINGS for x in marked.values()):
        return _ballot_page(request, v, errors=[t.sat_rate_every], marked=marked, status=400)
    b = backends(request)
    try:
        done = await b.evaluation.CastSatisfactionBallot(pb.CastSatisfactionBallotRequest(vote_id=v.id, ratings=[
            pb.ProjectRating(project_id=p, rating=RATINGS[x]) for p, x in marked.items()]),
            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        sentence = {grpc.StatusCode.FAILED_PRECONDITION: t.sat_not_now,
                    grpc.StatusCode.PERMISSION_DENIED: t.sat_not_a_voter,
                    grpc.StatusCode.INVALID_ARGUMENT: t.sat_rate_every}.get(e.code())
        if sentence is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        if e.code() == grpc.StatusCode.FAILED_PRECONDITION and "voted already" in (e.details() or ""):
            sentence = t.ballot_voted_already
        return _ballot_page(request, v, errors=[sentence], marked=marked, status=409)
    return page(request, "deputy/satisfaction_receipt.html", {"user": user(request), "vote": v,
                                                              "receipt": done.receipt_code})


# ---- the published result -------------------------------------------------------------------------

async def _result(request: Request) -> pb.SatisfactionVote:
    b = backends(request)
    return await b.evaluation.GetPublicSatisfactionResult(pb.GetPublicSatisfactionResultRequest(
        region_code=request.path_params["region"], year=_year(request.path_params["year"])),
        metadata=b.for_citizen(citizen(request)), timeout=b.timeout)


def _chart(v: pb.SatisfactionVote, t) -> str:
    """The figures of the results table as the chart script reads them (static/dashboard.js)."""
    # patterns: each rating also drawn with its own fill pattern, named in the legend, so the
    # ratings are told apart without colour (WCAG 1.4.1); the colours stay the platform's order.
    return json.dumps({"kind": "bar", "title": t.sat_chart_title, "unit": t.sat_chart_unit, "patterns": True,
                       "categories": [p.title for p in v.projects],
                       "series": [{"name": t.rating_satisfied, "data": [p.satisfied for p in v.projects]},
                                  {"name": t.rating_basically, "data": [p.basically_satisfied for p in v.projects]},
                                  {"name": t.rating_unsatisfied, "data": [p.unsatisfied for p in v.projects]}]},
                      ensure_ascii=False)


def _unknown_region(request: Request) -> Response | None:
    """A region code that names no region (a typo, 999999): 404 saying so, not the service's
    scope sentence ("outside your jurisdiction" means nothing to a citizen with no account)."""
    code = request.path_params["region"]
    if code in regions(request):
        return None
    t = catalogue(request).t
    return error_page(request, 404, "not_found_title", "", message=t.sat_unknown_region.format(code=code[:12]))


async def result(request: Request) -> Response:
    """GET /satisfaction/<region>/<year>[?receipt=]: the published result."""
    if (unknown := _unknown_region(request)) is not None:
        return unknown
    try:
        v = await _result(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="sat_result_not_found")
    t = catalogue(request).t
    receipt = canonical_code(request.query_params.get("receipt", ""))[:MAX_CODE]
    found = (receipt in json.loads(v.bulletin).get("receipts", [])) if receipt and v.bulletin else None
    return page(request, "citizen/satisfaction.html", {
        "v": v, "chart": _chart(v, t), "receipt": receipt, "found": found,
        "base": f"/satisfaction/{quote(v.region_code)}/{v.year}"})


async def bulletin(request: Request) -> Response:
    """GET /satisfaction/<region>/<year>/bulletin.json: byte for byte the text the digest is over."""
    if (unknown := _unknown_region(request)) is not None:
        return unknown
    try:
        v = await _result(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="sat_result_not_found")
    if not v.bulletin:
        return error_page(request, 404, "not_found_title", "page_not_found")
    return Response(v.bulletin.encode("utf-8"), media_type="application/json; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="satisfaction-{v.region_code}-{v.year}.json"'})


# ---- the office's votes ------------------------------------------------------------------------------

async def _votes_page(request: Request, *, errors: list[str] | None = None, status: int = 200) -> Response:
    b = backends(request)
    region = request.query_params.get("region", "").strip()[:12]     # empty: the user's own region
    try:
        listed = await b.evaluation.ListSatisfactionVotes(pb.ListSatisfactionVotesRequest(
            region_code=region, page={"page_size": 100}), metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() is grpc.StatusCode.INVALID_ARGUMENT:
            return bad_filter(request, e)       # 地区“65ab”不存在…, as the other reports say it
        return rpc_error_page(request, e, not_found="page_not_found")
    t = catalogue(request).t
    done = {"open": t.sat_opened, "close": t.sat_counted, "publish": t.sat_published}.get(
        request.query_params.get("done", ""), "")
    return page(request, "work/satisfaction_votes.html", {
        "user": user(request), "votes": listed.votes, "form_errors": errors or [], "done": done,
        "manager": user(request).role in MANAGERS, "year": china_today().year, "tree": regions(request),
        "request_id": str(uuid.uuid4())}, status=status)


@require_signin(*OFFICE)
async def office_votes(request: Request) -> Response:
    """GET /desk/satisfaction?region=: the votes of the region (the user's when absent) and
    below, with their steps; a region outside the user's is 403, one that is none a 400."""
    return await _votes_page(request)


@require_signin(*OFFICE)
async def office_vote(request: Request) -> Response:
    """GET /desk/satisfaction/<id>: one vote of the user's subtree: its region, turnout and
    projects, and once counted each project's tally and verdict (before publication too: the
    office sees what it is about to publish), with the rectifications once published."""
    try:
        v = await _vote(request)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    tree = regions(request)
    return page(request, "work/satisfaction_vote.html", {
        "user": user(request), "v": v, "manager": user(request).role in MANAGERS,
        "region_name": tree.get(v.region_code).name if v.region_code in tree else v.region_code})


async def _vote_step(request: Request, step: str) -> Response:
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    md = user_md(request)
    try:
        if step == "open":
            await b.evaluation.OpenSatisfactionVote(pb.OpenSatisfactionVoteRequest(
                region_code=user(request).region, year=_year(form.get("year", "")) or -1,
                request_id=form.get("request_id", "")), metadata=md, timeout=b.timeout)
        elif step == "close":
            await b.evaluation.CloseSatisfactionVote(pb.CloseSatisfactionVoteRequest(
                id=request.path_params["id"]), metadata=md, timeout=b.timeout)
        else:
            await b.evaluation.PublishSatisfactionResult(pb.PublishSatisfactionResultRequest(
                id=request.path_params["id"]), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        t = catalogue(request).t
        sentence = {grpc.StatusCode.INVALID_ARGUMENT: t.sat_year_invalid,
                    grpc.StatusCode.ALREADY_EXISTS: t.sat_exists,
                    grpc.StatusCode.FAILED_PRECONDITION: {"open": t.sat_cannot_open, "close": t.sat_no_quorum}.get(
                        step, t.rect_not_now)}.get(e.code())
        if sentence is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        if step == "open" and (e.details() or "").startswith("year:") and "has not begun" in (e.details() or ""):
            sentence = t.sat_year_not_begun.format(year=_year(form.get("year", "")))
        return await _votes_page(request, errors=[sentence], status=409 if e.code() != grpc.StatusCode.INVALID_ARGUMENT
                                 else 400)
    return RedirectResponse(f"/desk/satisfaction?done={step}", status_code=303)


@require_signin(*MANAGERS)
async def open_vote(request: Request) -> Response:
    """POST /desk/satisfaction: opens the user's region's vote of a year (OpenSatisfactionVote)."""
    return await _vote_step(request, "open")


@require_signin(*MANAGERS)
async def close_vote(request: Request) -> Response:
    """POST /desk/satisfaction/<id>/close: counts it (CloseSatisfactionVote)."""
    return await _vote_step(request, "close")


@require_signin(*MANAGERS)
async def publish_vote(request: Request) -> Response:
    """POST /desk/satisfaction/<id>/publish: publishes it (PublishSatisfactionResult)."""
    return await _vote_step(request, "publish")


# ---- rectifications and inquiries ------------------------------------------------------------------

@require_signin(*READERS)
async def rectifications(request: Request) -> Response:
    """GET /desk/rectifications[?year=]: the rectifications of the user's region (of a year).
    Without a year, this year's, or last year's when this year has none yet: a vote of year Y
    is held at the end of Y or early in Y+1, so the rectifications in hand are of one of the two."""
    asked = _year(request.query_params.get("year", ""))
    this_year = china_today().year
    b = backends(request)
    try:
        for year in [asked] if asked else [this_year, this_year - 1]:
            listed = await b.evaluation.ListRectifications(pb.ListRectificationsRequest(
                year=year, page={"page_size": 200}), metadata=user_md(request), timeout=b.timeout)
            if listed.rectifications:
                break
        else:
            year = asked or this_year
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    return page(request, "work/rectifications.html", {"user": user(request), "items": listed.rectifications,
                                                      "year": year, "total": listed.total_size})


async def _rectification_page(request: Request, *, errors: list[str] | None = None,
                              form: dict[str, str] | None = None, by_input: dict[str, str] | None = None,
                              status: int = 200) -> Response:
    b = backends(request)
    md = user_md(request)
    try:
        r = await b.evaluation.GetRectification(pb.GetRectificationRequest(id=request.path_params["id"]),
                                                metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="page_not_found")
    inquiries: list[pb.Inquiry] = []
    if user(request).role != "department":    # 询问 and 质询 are the committee's records
        try:
            inquiries = list((await b.evaluation.ListInquiries(pb.ListInquiriesRequest(
                region_code=r.region_code, rectification_id=r.id), metadata=md, timeout=b.timeout)).inquiries)
        except grpc.aio.AioRpcError as e:
            return rpc_error_page(request, e, not_found="page_not_found")
    t = catalogue(request).t
    done = {"plan": t.rect_plan_saved, "complete": t.rect_completed,
            "inquiry": t.inq_saved}.get(request.query_params.get("done", ""), "")
    return page(request, "work/rectification.html", {
        "user": user(request), "r": r, "inquiries": inquiries, "form_errors": errors or [], "form": form or {},
        "by_input": by_input or {}, "refused_inquiry": request.path_params.get("inquiry", ""),
        "done": done, "answers": user(request).role in ANSWERERS, "inquirer": user(request).role in INQUIRERS,
        "request_id": str(uuid.uuid4()), "today": china_today().isoformat()}, status=status)


@require_signin(*READERS)
async def rectification(request: Request) -> Response:
    """GET /desk/rectifications/<id>: one rectification and the inquiries on it; for its
    department (and the office on its behalf) the forms of the next step."""
    return await _rectification_page(request)


async def _answer(request: Request, step: str) -> Response:
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    rect_id = request.path_params["id"]
    try:
        if step == "plan":
            await b.evaluation.SubmitRectificationPlan(pb.SubmitRectificationPlanRequest(
                id=rect_id, explanation=form.get("explanation", ""), plan=form.get("plan", ""),
                due_date=form.get("due_date", "")), metadata=user_md(request), timeout=b.timeout)
        else:
            await b.evaluation.CompleteRectification(pb.CompleteRectificationRequest(
                id=rect_id, report=form.get("report", "")), metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return await _refused(request, e, form)
    return RedirectResponse(f"/desk/rectifications/{quote(rect_id)}?done={step}", status_code=303)


async def _refused(request: Request, e: grpc.aio.AioRpcError, form: dict[str, str]) -> Response:
    """The rectification page again, with a refused form as typed: an INVALID_ARGUMENT said
    next to the input it is about (400), a step the rectification's state does not allow
    (409); any other error as rpc_error_page says it."""
    cat = catalogue(request)
    if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
        problem = cat.rectification_problem(e.details() or "")
        if problem is None:
            return await _rectification_page(request, errors=[cat.t.invalid_input + cat.field_error(e.details() or "")],
                                             form=form, status=400)
        return await _rectification_page(request, errors=[problem[1]], form=form, by_input=dict([problem]),
                                         status=400)
    if e.code() == grpc.StatusCode.FAILED_PRECONDITION:
        return await _rectification_page(request, errors=[cat.t.rect_not_now], form=form, status=409)
    return rpc_error_page(request, e, not_found="page_not_found")


def _lines(raw: str) -> list[str]:
    """One question or answer a line, blank lines dropped."""
    return [x.strip() for x in raw.splitlines() if x.strip()]


async def _inquiry_step(request: Request, call) -> Response:
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    try:
        await call(b, form)
    except grpc.aio.AioRpcError as e:
        return await _refused(request, e, form)
    return RedirectResponse(f"/desk/rectifications/{quote(request.path_params['id'])}?done=inquiry", status_code=303)


@require_signin(*INQUIRERS)
async def open_inquiry(request: Request) -> Response:
    """POST /desk/rectifications/<id>/inquiries: a 询问 or 质询 on it (OpenInquiry)."""
    async def call(b, form):
        await b.evaluation.OpenInquiry(pb.OpenInquiryRequest(
            rectification_id=request.path_params["id"], kind=KINDS.get(form.get("kind", ""), 0),
            organ=form.get("organ", ""), questions=_lines(form.get("questions", "")),
            held_on=form.get("held_on", ""), request_id=form.get("request_id", "")),
            metadata=user_md(request), timeout=b.timeout)
    return await _inquiry_step(request, call)


@require_signin(*INQUIRERS)
async def record_answers(request: Request) -> Response:
    """POST /desk/rectifications/<id>/inquiries/<inquiry>: the answers and follow-up (RecordInquiryAnswers)."""
    async def call(b, form):
        await b.evaluation.RecordInquiryAnswers(pb.RecordInquiryAnswersRequest(
            id=request.path_params["inquiry"], answers=_lines(form.get("answers", "")),
            follow_up=form.get("follow_up", ""), close=form.get("close", "") == "1"),
            metadata=user_md(request), timeout=b.timeout)
    return await _inquiry_step(request, call)


@require_signin(*ANSWERERS)
async def submit_plan(request: Request) -> Response:
    """POST /desk/rectifications/<id>/plan: the written explanation and the plan (SubmitRectificationPlan)."""
    return await _answer(request, "plan")


@require_signin(*ANSWERERS)
async def complete(request: Request) -> Response:
    """POST /desk/rectifications/<id>/complete: what was done (CompleteRectification)."""
    return await _answer(request, "complete")


routes = [
    Route(HOME, votes, methods=["GET"]),
    Route(f"{HOME}/{{id}}", ballot, methods=["GET"]),
    Route(f"{HOME}/{{id}}", cast, methods=["POST"]),
    Route("/satisfaction/{region}/{year}", result, methods=["GET"]),
    Route("/satisfaction/{region}/{year}/bulletin.json", bulletin, methods=["GET"]),
    Route("/desk/satisfaction", office_votes, methods=["GET"]),
    Route("/desk/satisfaction", open_vote, methods=["POST"]),
    Route("/desk/satisfaction/{id}", office_vote, methods=["GET"]),
    Route("/desk/satisfaction/{id}/close", close_vote, methods=["POST"]),
    Route("/desk/satisfaction/{id}/publish", publish_vote, methods=["POST"]),
    Route("/desk/rectifications", rectifications, methods=["GET"]),
    Route("/desk/rectifications/{id}", rectification, methods=["GET"]),
    Route("/desk/rectifications/{id}/plan", submit_plan, methods=["POST"]),
    Route("/desk/rectifications/{id}/complete", complete, methods=["POST"]),
    Route("/desk/rectifications/{id}/inquiries", open_inquiry, methods=["POST"]),
    Route("/desk/rectifications/{id}/inquiries/{inquiry}", record_answers, methods=["POST"]),
]
