"""The dashboard of a tier: /desk/dashboard shows liaison's GetStatistics for the user's region
(or a region below it, ?region=) and a period of China days: the totals, and charts of the
opinions by month and step, by child region (a prefecture's counties, a county's townships),
the days to resolve, the escalations, the visits and receptions. Each chart is an HTML table of
its figures (what works without JavaScript and what screen readers read) with the chart drawn
from the same figures by static/dashboard.js (ECharts), and an XLSX download of that table
(/desk/dashboard/<chart>.xlsx, written by shared.sheets).

Every figure is liaison's (rolled up there from the events of every tier below): this module
only arranges them in tables. Staff, committee members and auditors may read them (liaison's
access table); a region outside the user's is refused there and a 404 here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

import grpc
from lianxin.liaison.v1 import liaison_pb2 as lpb
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.i18n import Catalogue
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, download, error_page, page, rpc_error_page
from shared import clock, sheets

DASHBOARD_ROLES = ("staff", "committee", "auditor")
DEFAULT_MONTHS = 12       # the default period: this month and the eleven before it
Number = int | float | None      # None: no figure (a median of no cases): "—", a gap, an empty cell


def _median(f) -> float | None:
    """The median days to resolve, one decimal; None for a period with nothing resolved (a
    median of no cases is not 0 days)."""
    return round(f.median_days_to_resolve, 1) if f.resolved else None


@dataclass
class Chart:
    """One chart and its table: ``rows`` are (label, values in ``columns`` order); ``links``
    (optional, one per row) make a row's label a link (a child region's own dashboard)."""
    id: str
    title: str
    kind: str                 # "bar" or "line" (static/dashboard.js)
    label_heading: str
    columns: list[str]
    rows: list[tuple[str, list[Number]]]
    unit: str = ""
    links: list[str] = field(default_factory=list)

    def spec(self) -> dict:
        """What dashboard.js draws: categories on the x axis, one series per column."""
        return {"kind": self.kind, "title": self.title, "unit": self.unit,
                "categories": [label for label, _ in self.rows],
                "series": [{"name": c, "data": [values[i] for _, values in self.rows]}
                           for i, c in enumerate(self.columns)]}


def _month_label(cat: Catalogue, month: str) -> str:
    y, m = month.split("-")
    return cat.t.month_label.format(y=int(y), m=int(m))


def _band_label(cat: Catalogue, b: lpb.ResolveDaysBand) -> str:
    if b.max_days == 0:
        return cat.t.band_open.format(lo=b.min_days)
    return cat.t.band.format(lo=b.min_days, hi=b.max_days)


def charts(cat: Catalogue, s: lpb.Statistics, link: dict[str, str]) -> list[Chart]:
    """The dashboard's charts of one Statistics, in page order. ``link`` is the period's query
    for the child regions' links."""
    t = cat.t
    months = [(_month_label(cat, m.month), m.figures) for m in s.months]
    out = [
        Chart("months", t.chart_months, "bar", t.col_month,
              [t.fig_raised, t.fig_answered, t.fig_transferred, t.fig_resolved, t.fig_escalated],
              [(label, [f.opinions_raised, f.answered, f.transferred, f.resolved, f.escalated])
               for label, f in months], unit=t.unit_cases)]
    if s.regions:
        out.append(Chart(
            "regions", t.chart_regions, "bar", t.col_area,
            [t.fig_raised, t.fig_resolved, t.fig_escalated, t.fig_visits, t.fig_receptions],
            [(r.region_name or r.region_code, [r.figures.opinions_raised, r.figures.resolved, r.figures.escalated,
                                               r.figures.visits, r.figures.receptions]) for r in s.regions],
            links=["/desk/dashboard?" + urlencode({"region": r.region_code} | link) for r in s.regions]))
    out += [
        Chart("resolve", t.chart_resolve, "bar", t.col_days,
              [t.fig_resolved], [(_band_label(cat, b), [b.cases]) for b in s.resolve_days], unit=t.unit_cases),
        Chart("resolve-months", t.chart_resolve_months, "line", t.col_month,
              [t.fig_median_days], [(label, [_median(f)]) for label, f in months],
              unit=t.unit_days),
        Chart("escalations", t.chart_escalations, "line", t.col_month,
              [t.fig_escalated], [(label, [f.escalated]) for label, f in months], unit=t.unit_cases),
        Chart("activities", t.chart_activities, "bar", t.col_month,
              [t.fig_visits, t.fig_receptions, t.fig_people],
              [(label, [f.visits, f.receptions, f.people_reached]) for label, f in months]),
    ]
    return out


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def _choice(request: Request) -> dict[str, str]:
    """Region and period the query names; by default the user's region, this month and the
    DEFAULT_MONTHS - 1 before it up to today (China days)."""
    q = request.query_params
    today = clock.china_today()
    year, month = today.year, today.month - (DEFAULT_MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    first = date(year, month, 1)
    day_from, day_to = _day(q.get("from", "")), _day(q.get("to", ""))
    return {"region": q.get("region", "").strip()[:12],
            "from": (day_from or first).isoformat(), "to": (day_to or today).isoformat()}


async def _statistics(request: Request, choice: dict[str, str]) -> lpb.Statistics:
    b = backends(request)
    return await b.liaison.GetStatistics(lpb.GetStatisticsRequest(
        region_code=choice["region"], date_from=choice["from"], date_to=choice["to"]),
        metadata=user_md(request), timeout=b.timeout)


def _refused(request: Request, e: grpc.aio.AioRpcError) -> Response:
    """A region outside the user's (or unknown) is a 404; a wrong period is explained."""
    detail = e.details() or ""
    if e.code() == grpc.StatusCode.INVALID_ARGUMENT and detail.startswith(("date_from", "date_to")):
        t = catalogue(request).t
        return page(request, "error.html", {"title": t.error_title, "message": t.dashboard_bad_period}, status=400)
    if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
        return error_page(request, 404, "not_found_title", "dashboard_no_region")
    return rpc_error_page(request, e, not_found="dashboard_no_region")


@require_signin(*DASHBOARD_ROLES)
async def dashboard(request: Request) -> Response:
    """GET /desk/dashboard?region=<code>&from=YYYY-MM-DD&to=YYYY-MM-DD."""
    choice = _choice(request)
    try:
        s = await _statistics(request, choice)
    except grpc.aio.AioRpcError as e:
        return _refused(request, e)
    period = {"from": s.date_from, "to": s.date_to}
    query = urlencode(({"region": choice["region"]} if choice["region"] else {}) | period)
    u = user(request)
    return page(request, "reports/dashboard.html", {
        "user": u, "stats": s, "choice": choice, "charts": charts(catalogue(request), s, period),
        "query": query, "own_region": not choice["region"] or choice["region"] == u.region,
        "home_link": "/desk/dashboard?" + urlencode(period)})


@require_signin(*DASHBOARD_ROLES)
async def chart_xlsx(request: Request) -> Response:
    """GET /desk/dashboard/<chart>.xlsx?region=&from=&to=: the chart's table as XLSX (the
    same rows and columns as the page's table; numbers as numbers)."""
    choice = _choice(request)
    try:
        s = await _statistics(request, choice)
    except grpc.aio.AioRpcError as e:
        return _refused(request, e)
    cat = catalogue(request)
    found = [c for c in charts(cat, s, {}) if c.id == request.path_params["chart"]]
    if not found:
        return error_page(request, 404, "not_found_title", "page_not_found")
    chart = found[0]
    content = sheets.write([chart.label_heading, *chart.columns],
                           ([label, *("" if v is None else v for v in values)] for label, values in chart.rows),
                           "xlsx", title=chart.title, widths={chart.label_heading: 22})
    name = cat.t.dashboard_file.format(chart=chart.title, region=s.region_name or s.region_code,
                                       start=s.date_from, end=s.date_to)
    for bad in '/\\:*?"<>|':   # characters no Windows file name may hold
        name = name.replace(bad, "_")
    return download(request, content, sheets.CONTENT_TYPES["xlsx"], name,
                    ascii_name=f"{chart.id}-{s.region_code}-{s.date_from}_{s.date_to}.xlsx")


routes = [
    Route("/desk/dashboard", dashboard, methods=["GET"]),
    Route("/desk/dashboard/{chart}.xlsx", chart_xlsx, methods=["GET"]),
]
