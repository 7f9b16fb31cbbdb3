"""Deputies' performance (履职量化考评) in the portal, over evaluation's RPCs:

  /desk/me/performance                      a deputy's own file of a year (?year=; phone first):
                                            points, each item with its day, source and the rule
                                            version that scored it, flags, the annual report
  /desk/me/performance/report.docx          that deputy's annual report draft (GetAnnualReport)
  /desk/performance                         activity ranking (活跃度排名) of a region and level in a
                                            year (?region=&level=&year=), ties shown; for the
                                            office also the deputies of that level flagged; a deputy reads the
                                            rankings of their branch once published
  POST /desk/performance/publish            PublishRanking of a region and year (staff, committee)
  /desk/performance/deputies/<id>           a deputy's file as the office reads it
  /desk/performance/deputies/<id>/report.docx

Every call carries the user's own token: evaluation decides who sees which file and ranking
(a file outside the user's scope, or a ranking not published to a deputy, is its NOT_FOUND and
a 404 here). The pages show what the service answers; they compute nothing.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

import grpc
from lianxin.evaluation.v1 import performance_pb2 as ppb
from lianxin.roster.v1 import roster_pb2 as rpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.pages.rollup import query_year
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, download, error_page, page, regions, rpc_error_page
from shared import clock
from shared.tenancy import Region, RegionKind, Tier

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OFFICE = ("staff", "committee", "auditor")
LEVELS = (3, 4, 5, 6, 1, 2)     # the order the form offers them: the tiers this platform serves first


def _year(request: Request) -> int:
    """?year=, as every report reads it (rollup.query_year): a year typed is passed on for
    evaluation to judge, so "abc" or 1999 is the service's 400, never another year shown."""
    return query_year(request.query_params.get("year", ""))


def _level(raw: str, region: Region | None) -> int | None:
    """?level=: a level's number (3) or its name (LEVEL_PREFECTURE); absent, the level of the
    region shown (a prefecture's congress for a prefecture, and so on), so a prefecture deputy
    or the prefecture's office land on the prefecture's deputies. None: no level of the form."""
    raw = raw.strip().upper()
    if not raw:
        if region is None:
            return rpb.LEVEL_COUNTY
        if region.kind is RegionKind.SUBDISTRICT:
            return rpb.LEVEL_DELIBERATION
        return {Tier.PREFECTURE: rpb.LEVEL_PREFECTURE, Tier.COUNTY: rpb.LEVEL_COUNTY}.get(region.tier,
                                                                                        rpb.LEVEL_TOWNSHIP)
    if raw.isdecimal() and len(raw) <= 2:
        level = int(raw)
    elif raw in rpb.Level.keys():
        level = rpb.Level.Value(raw)
    else:
        return None
    return level if level in LEVELS else None


def _source(request: Request):
    """The source of an item as the page names it: its event type's label in the catalogue
    (perf_source_<message name>), the type itself for one the catalogue does not know."""
    t = catalogue(request).t

    def label(type_name: str) -> str:
        try:
            return t["perf_source_" + type_name.rsplit(".", 1)[-1]]
        except KeyError:
            return type_name
    return label


def _file_page(request: Request, f: ppb.PerformanceFile, *, own: bool) -> Response:
    tree = regions(request)
    rule_regions = {i.rule_region_code: tree.get(i.rule_region_code).name
                    for i in f.items if i.rule_region_code and i.rule_region_code in tree}
    report = "/desk/me/performance/report.docx" if own else f"/desk/performance/deputies/{f.deputy_id}/report.docx"
    return page(request, "performance/file.html", {
        "user": user(request), "file": f, "own": own, "year": f.year, "this_year": clock.china_today().year,
        "report_url": f"{report}?year={f.year}", "rule_regions": rule_regions, "source": _source(request),
        "region_name": tree.get(f.region_code).name if f.region_code in tree else f.region_code,
        "ranking_url": f"/desk/performance?region={f.region_code}&level={f.levels[0] if f.levels else 4}"
                       f"&year={f.year}"})


async def _file(request: Request, deputy_id: str) -> ppb.PerformanceFile:
    b = backends(request)
    return await b.evaluation.GetPerformanceFile(ppb.GetPerformanceFileRequest(deputy_id=deputy_id,
                                                                              year=_year(request)),
                                                 metadata=user_md(request), timeout=b.timeout)


async def _report(request: Request, deputy_id: str) -> Response:
    b = backends(request)
    try:
        got = await b.evaluation.GetAnnualReport(ppb.GetAnnualReportRequest(deputy_id=deputy_id, year=_year(request)),
                                                 metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="perf_not_found")
    return download(request, got.document, DOCX, got.filename, ascii_name=f"report-{_year(request)}.docx")


@require_signin("deputy")
async def my_file(request: Request) -> Response:
    """GET /desk/me/performance?year=: the signed-in deputy's own file."""
    try:
        f = await _file(request, user(request).stands_for)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="perf_not_found")
    return _file_page(request, f, own=True)


@require_signin("deputy")
async def my_report(request: Request) -> Response:
    return await _report(request, user(request).stands_for)


@require_signin(*OFFICE)
async def deputy_file(request: Request) -> Response:
    """GET /desk/performance/deputies/<id>?year=: a deputy's file as the office reads it."""
    try:
        f = await _file(request, request.path_params["id"])
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="perf_not_found")
    return _file_page(request, f, own=False)


@require_signin(*OFFICE)
async def deputy_report(request: Request) -> Response:
    return await _report(request, request.path_params["id"])


@require_signin(*OFFICE, "deputy")
async def ranking(request: Request) -> Response:
    """GET /desk/performance?region=&level=&year=: the ranking; the office also sees the
    deputies of the ranking's level flagged (as of today, or the year's last day for a past year)."""
    u, b, md = user(request), backends(request), user_md(request)
    tree = regions(request)
    year = _year(request)
    region = request.query_params.get("region", "").strip()[:12] or u.region
    raw_level = request.query_params.get("level", "")
    level = _level(raw_level, tree.get(region) if region in tree else None)
    if level is None:
        t = catalogue(request).t
        return error_page(request, 400, "perf_bad_filter_title", "", message=t.perf_bad_level.format(
            level=raw_level.strip()[:20]))
    # The regions the form offers: the office's subtree; a deputy's branch (their region and above).
    choices: list = []
    if u.role == "deputy":
        code = u.region
        while code and code in tree:
            choices.insert(0, tree.get(code))
            code = tree.get(code).parent or ""
    else:
        choices = tree.subtree(u.region) if u.region in tree else []
    try:
        got = await b.evaluation.GetRanking(ppb.GetRankingRequest(region_code=region, level=level, year=year),
                                            metadata=md, timeout=b.timeout)
        flags = None
        if u.role in OFFICE:
            as_of = min(clock.china_today(), date(year, 12, 31)) if 2000 <= year <= 2100 else clock.china_today()
            # The flagged deputies of the ranking's level, as the ranking lists them.
            flags = await b.evaluation.ListPerformanceFlags(ppb.ListPerformanceFlagsRequest(
                region_code=region, as_of=as_of.isoformat(), level=level), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND and u.role == "deputy":
            return page(request, "performance/ranking.html", {
                "user": u, "ranking": None, "flags": None, "choices": choices, "region": region, "level": level,
                "year": year, "level_choices": LEVELS, "tree": tree}, status=404)
        return rpc_error_page(request, e, not_found="perf_not_found")
    return page(request, "performance/ranking.html", {
        "user": u, "ranking": got, "flags": flags, "choices": choices, "region": region, "level": level,
        "year": year, "level_choices": LEVELS, "tree": tree})


@require_signin("staff", "committee")
async def publish(request: Request) -> Response:
    """POST /desk/performance/publish (region, level, year): the region's rankings of the year
    published, deputies of its branch then read them; back to the ranking shown."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    region, level = form.get("region", "")[:12], form.get("level", "")[:2]
    year = form.get("year", "")
    b = backends(request)
    try:
        await b.evaluation.PublishRanking(ppb.PublishRankingRequest(
            region_code=region, year=int(year) if year.isdecimal() and len(year) == 4 else 0),
            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="perf_not_found")
    return RedirectResponse(f"/desk/performance?region={quote(region)}&level={quote(level)}&year={quote(year)}",
                            status_code=303)


routes = [
    Route("/desk/performance/publish", publish, methods=["POST"]),
    Route("/desk/me/performance", my_file, methods=["GET"]),
    Route("/desk/me/performance/report.docx", my_report, methods=["GET"]),
    Route("/desk/performance", ranking, methods=["GET"]),
    Route("/desk/performance/deputies/{id}", deputy_file, methods=["GET"]),
    Route("/desk/performance/deputies/{id}/report.docx", deputy_report, methods=["GET"]),
]
