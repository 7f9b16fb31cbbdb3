"""Activity funding (经费) in the workspace: /desk/funding shows evaluation's funding report for
the user's region (or one below it, ?region=) and a year: allocated, spent, remaining, the
subsidies paid by the day and spending over budget, per child region and in total, with the
sheet the service writes (/desk/funding.xlsx), and the spending recorded against the year's
budgets of the subtree, newest first, a page at a time (ListSpending). The office (staff) also records a spending
against one of the year's budgets of the region (POST /desk/funding/spending: evaluation's
RecordSpending; amounts typed in yuan are sent as integer fen, Decimal, never a float).

Every figure and every rule is evaluation's: the report is rolled up there from every tier's
events; whether a spending is within budget, refused or flagged is its to say. Staff, committee
members and auditors read (evaluation's access table); a region outside the user's is refused
there (PERMISSION_DENIED) and a 403 here saying the region is not the user's.
"""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import grpc
from lianxin.common.v1 import common_pb2
from lianxin.evaluation.v1 import funding_pb2 as fpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.money import AmountError, parse_fen
from portal.pages.rollup import bad_filter, query_year
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, download, error_page, page, rpc_error_page
from shared import clock, sheets

FUNDING_ROLES = ("staff", "committee", "auditor")
BUDGETS_LISTED = 500      # budgets offered in the spending form (ListBudgets' largest page)
SPENDING_PAGE = 20        # spending listed a page, newest first (ListSpending)
MAX_TOKEN = 2000          # longer than any page token the service issues
# RecordSpending's refusal over budget (funding_domain.draw), whose figures the page repeats in words.
OVER_BUDGET = re.compile(r"the spending of (?P<amount>[\d.]+) yuan exceeds what remains "
                         r"\((?P<remaining>[\d.]+) of (?P<allocated>[\d.]+) yuan\) by (?P<over>[\d.]+) yuan")


def _choice(request: Request) -> dict[str, str]:
    q = request.query_params
    return {"region": q.get("region", "").strip()[:12], "year": str(query_year(q.get("year", "")))}


def _query(choice: dict[str, str]) -> str:
    return urlencode({k: v for k, v in choice.items() if v})


def _refused(request: Request, e: grpc.aio.AioRpcError) -> Response:
    """A region outside the user's is refused (403, said as such, as on every page); a region or
    year that is none (?region=999999, ?year=abc or 1800) a 400 naming what was typed, as on the
    roll-up, never replaced by a default."""
    if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
        return bad_filter(request, e)
    if e.code() == grpc.StatusCode.NOT_FOUND:
        return error_page(request, 404, "not_found_title", "funding_no_region")
    return rpc_error_page(request, e, not_found="funding_no_region")


async def _page(request: Request, choice: dict[str, str], *, form: dict[str, str] | None = None,
                errors: list[str] | None = None, status: int = 200) -> Response:
    b = backends(request)
    md = user_md(request)
    u = user(request)
    try:
        report = await b.evaluation.GetFundingReport(fpb.GetFundingReportRequest(
            region_code=choice["region"], year=int(choice["year"])), metadata=md, timeout=b.timeout)
        budgets: list[fpb.Budget] = []
        if u.role == "staff":
            listed = await b.evaluation.ListBudgets(fpb.ListBudgetsRequest(
                region_code=choice["region"], year=int(choice["year"]),
                page=common_pb2.PageRequest(page_size=BUDGETS_LISTED)), metadata=md, timeout=b.timeout)
            budgets = list(listed.budgets)
        spending = await b.evaluation.ListSpending(fpb.ListSpendingRequest(
            region_code=choice["region"], year=int(choice["year"]), page=common_pb2.PageRequest(
                page_size=SPENDING_PAGE, page_token=_spending_token(request))), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT and (e.details() or "").startswith("page."):
            return rpc_error_page(request, e, not_found="funding_no_region")    # a stale link: 400 saying so
        return _refused(request, e)
    form = form or {}
    return page(request, "reports/funding.html", {
        "user": u, "report": report, "choice": choice, "query": _query(choice), "budgets": budgets,
        "spending": spending, "paged": bool(_spending_token(request)),
        "form": {k: form.get(k, "") for k in ("budget_id", "date", "purpose", "amount_yuan", "subsidy_days")},
        "form_errors": errors or [], "request_id": form.get("request_id") or str(uuid.uuid4()),
        "recorded": request.query_params.get("recorded", "") == "1",
        "flagged": request.query_params.get("flagged", "") == "1", "holder": spending_kind(request),
        "today": clock.china_today().isoformat()}, status=status)


def _spending_token(request: Request) -> str:
    """?spending_page=: the token of the spending page shown (the service judges it)."""
    return request.query_params.get("spending_page", "")[:MAX_TOKEN]


def spending_kind(request: Request):
    """Whose budget a spending was drawn from, as a list shows it: the deputy's name, or the
    venue's with 代表之家补助."""
    t = catalogue(request).t

    def label(sp: fpb.Spending) -> str:
        if sp.budget_kind == fpb.FUND_KIND_VENUE_ALLOWANCE:
            return f"{sp.holder_name}（{t.funding_venue_allowance}）"
        return sp.holder_name
    return label


@require_signin(*FUNDING_ROLES)
async def funding_page(request: Request) -> Response:
    """GET /desk/funding?region=<code>&year=<yyyy>: the report, its download and (staff) the
    spending form."""
    return await _page(request, _choice(request))


@require_signin(*FUNDING_ROLES)
async def funding_xlsx(request: Request) -> Response:
    """GET /desk/funding.xlsx?region=&year=: the report as evaluation writes it (XLSX)."""
    choice = _choice(request)
    b = backends(request)
    try:
        out = await b.evaluation.ExportFundingReport(fpb.ExportFundingReportRequest(
            region_code=choice["region"], year=int(choice["year"]), format=common_pb2.FILE_FORMAT_XLSX),
            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _refused(request, e)
    region = out.filename.split("-")[1] if out.filename.count("-") >= 2 else choice["region"]
    name = catalogue(request).t.funding_file.format(region=region, year=choice["year"])
    return download(request, out.content, out.content_type or sheets.CONTENT_TYPES["xlsx"], name,
                    ascii_name=out.filename)


@require_signin("staff")
async def record_spending(request: Request) -> Response:
    """POST /desk/funding/spending: one spending against a budget of the year; back to the
    report (PRG) saying whether it was flagged over budget, or the form again with the
    service's refusal in words (an amount over budget under REFUSE: 409 with its sentence and
    the service's figures: the amount, what remains of how much, and by how much it is over)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    choice = {"region": form.get("region", "").strip()[:12], "year": str(query_year(form.get("year", "")))}
    t = catalogue(request).t
    cat = catalogue(request)
    raw_amount, raw_days = form.get("amount_yuan", "").strip(), form.get("subsidy_days", "").strip()
    try:
        fen = parse_fen(raw_amount) if raw_amount else 0
    except AmountError as e:
        # Too large for any form: said as the service's own limit for a spending (one limit, one sentence).
        said = cat.field_error("spending.amount_fen") if e.too_large else t.funding_amount_number
        return await _page(request, choice, form=form, errors=[t.invalid_input + said], status=400)
    days = int(raw_days) if raw_days.isdecimal() and len(raw_days) <= 4 else (0 if not raw_days else -1)
    if days < 0:
        return await _page(request, choice, form=form, errors=[t.invalid_input + t.funding_amount_number],
                           status=400)
    try:
        request_id = str(uuid.UUID(form.get("request_id", "")))
    except ValueError:
        request_id = str(uuid.uuid4())
    b = backends(request)
    try:
        done = await b.evaluation.RecordSpending(fpb.RecordSpendingRequest(spending=fpb.Spending(
            budget_id=form.get("budget_id", ""), date=form.get("date", ""), purpose=form.get("purpose", ""),
            amount_fen=fen, subsidy_days=days), request_id=request_id), metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
            detail = e.details() or ""
            message = t.funding_budget_choose if detail.startswith("spending.budget_id") else \
                t.invalid_input + cat.field_error(detail)
            return await _page(request, choice, form=form, errors=[message], status=400)
        if e.code() == grpc.StatusCode.NOT_FOUND:
            return await _page(request, choice, form=form, errors=[t.funding_budget_choose], status=404)
        if e.code() == grpc.StatusCode.FAILED_PRECONDITION:
            over = OVER_BUDGET.search(e.details() or "")
            said = t.funding_over_refused_by.format(**over.groupdict()) if over else t.funding_over_refused
            return await _page(request, choice, form=form, errors=[said], status=409)
        return rpc_error_page(request, e, not_found="funding_no_region")
    query = _query(choice) + "&recorded=1" + ("&flagged=1" if done.flagged else "")
    return RedirectResponse(f"/desk/funding?{query}#spending", status_code=303)


@require_signin("deputy")
async def my_funding(request: Request) -> Response:
    """GET /desk/me/funding?year=: the signed-in deputy's own budget(s) of the year (allocated,
    spent, remaining, subsidies, over budget) and their spending, newest first. Evaluation
    answers a deputy with their own budget only (funding.read, OWN)."""
    b, md, u = backends(request), user_md(request), user(request)
    year = query_year(request.query_params.get("year", ""))   # "abc": the service's 400
    try:
        listed = await b.evaluation.ListBudgets(fpb.ListBudgetsRequest(
            year=year, kind=fpb.FUND_KIND_DEPUTY_ACTIVITY), metadata=md, timeout=b.timeout)
        spending = await b.evaluation.ListSpending(fpb.ListSpendingRequest(year=year, page=common_pb2.PageRequest(
            page_size=SPENDING_PAGE, page_token=_spending_token(request))), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="funding_no_region")
    query = urlencode({"year": year})
    return page(request, "deputy/funding.html", {
        "user": u, "year": year, "budgets": list(listed.budgets), "spending": spending, "holder": spending_kind(request),
        "more_url": f"/desk/me/funding?{query}",
        "first_url": f"/desk/me/funding?{query}" if _spending_token(request) else ""})


routes = [
    Route("/desk/me/funding", my_funding, methods=["GET"]),
    Route("/desk/funding", funding_page, methods=["GET"]),
    Route("/desk/funding.xlsx", funding_xlsx, methods=["GET"]),
    Route("/desk/funding/spending", record_spending, methods=["POST"]),
]
