"""Evaluation's roll-up (评议考评汇总) in the workspace: /desk/evaluation?region=&year= shows, for
a region subtree (the user's by default, or one below it) and a year (this year by default),
evaluation's GetRollup: the satisfaction vote's verdicts and rate of the published votes,
projects needing rectification and rectified, inquiries (询问) and interpellations (质询) held,
the deputies of each congress level per points band and flagged (published rankings), and
the funds allocated and spent, for the region's own level (本级), each child region's subtree
and the total. Two charts (the vendored ECharts through static/dashboard.js, each series with
its own fill pattern and a legend) draw the verdicts per area and the points bands; the tables
beside them hold the same figures, so the page reads without JavaScript.

Every figure is evaluation's, rolled up there from every tier's events (the rate too); the page
only lays the named counters out. A year or a region that is no year or region is refused
with a 400 naming it (the service's INVALID_ARGUMENT), never replaced by a default; a region
outside the user's is a 403 saying it is not the user's (as on every page). Staff, committee
members and auditors read (rollup.read).
"""
from __future__ import annotations

import re

import grpc
from lianxin.evaluation.v1 import funding_pb2 as fpb
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.money import yuan
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, error_page, page, regions, rpc_error_page
from shared import clock

ROLES = ("staff", "committee", "auditor")
HOME = "/desk/evaluation"
BANDS = ("0", "1_9", "10_19", "20_49", "50_plus")     # rollup.BANDS: the counters' band names, in order
FLAGS = ("inactive", "no_report")
_LEVEL_COUNTER = re.compile(r"(?:points|flagged)_l(\d+)_")


def query_year(raw: str) -> int:
    """?year=: this year when absent; anything that is no year ("abc", 20260) as -1, which the
    service refuses (400) as it refuses 1999."""
    raw = raw.strip()
    if not raw:
        return clock.china_today().year
    return int(raw) if raw.isdecimal() and len(raw) <= 4 else -1


def _levels(figures: list[fpb.RollupFigures]) -> list[int]:
    """The congress levels some published ranking counted, in the order the tiers go (3, 4, 5, ...)."""
    found = {int(m.group(1)) for f in figures for name in f.counters if (m := _LEVEL_COUNTER.match(name))}
    return sorted(found)


def _row(f: fpb.RollupFigures, levels: list[int]) -> dict:
    c = f.counters
    return {
        "code": f.region_code, "name": f.region_name or f.region_code, "rate": f.satisfaction_rate,
        "votes": c.get("satisfaction_votes", 0), "projects": c.get("satisfaction_projects", 0),
        "satisfied": c.get("satisfaction_satisfied", 0),
        "basically": c.get("satisfaction_basically_satisfied", 0),
        "unsatisfied": c.get("satisfaction_unsatisfied", 0),
        "required": c.get("rectifications_required", 0), "completed": c.get("rectifications_completed", 0),
        "inquiries": c.get("inquiries", 0), "interpellations": c.get("interpellations", 0),
        "reports": c.get("constituent_reports", 0),
        "allocated": yuan(c.get("funds_allocated_fen", 0)), "spent": yuan(c.get("funds_spent_fen", 0)),
        "subsidy": yuan(c.get("funds_subsidy_fen", 0)), "over": yuan(c.get("funds_over_fen", 0)),
        "points": {lv: [c.get(f"points_l{lv}_{b}", 0) for b in BANDS] for lv in levels},
        "flagged": {lv: [c.get(f"flagged_l{lv}_{x}", 0) for x in FLAGS] for lv in levels},
    }


def bad_filter(request: Request, e: grpc.aio.AioRpcError) -> Response:
    """A report's ?region= or ?year= the service refused (INVALID_ARGUMENT) as a 400 saying what
    was typed: "地区“65ab”不存在或代码格式有误…", "年度“abc”有误：…" (the funding report says it the same way)."""
    cat = catalogue(request)
    t = cat.t
    detail = e.details() or ""
    q = request.query_params
    if detail.startswith("region_code:"):
        message = t.rollup_bad_region.format(region=q.get("region", "").strip()[:12])
    elif detail.startswith("year:"):
        message = t.rollup_bad_year.format(year=q.get("year", "").strip()[:12]) + cat.field_error(detail)
    else:
        message = t.invalid_input + cat.field_error(detail)
    return error_page(request, 400, "rollup_bad_filter_title", "", message=message)


@require_signin(*ROLES)
async def rollup_page(request: Request) -> Response:
    """GET /desk/evaluation?region=<code>&year=<yyyy>: the roll-up of a subtree's year."""
    u, b = user(request), backends(request)
    cat = catalogue(request)
    t = cat.t
    tree = regions(request)
    region = request.query_params.get("region", "").strip()[:12]
    year = query_year(request.query_params.get("year", ""))
    try:
        got = await b.evaluation.GetRollup(fpb.GetRollupRequest(region_code=region, year=year),
                                           metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
            return bad_filter(request, e)
        return rpc_error_page(request, e, not_found="rollup_no_region")
    levels = _levels([got.total])
    own, total = _row(got.own, levels), _row(got.total, levels)
    children = [_row(r, levels) for r in got.regions]
    areas = [own, *children]
    # The figures as static/dashboard.js draws them; the tables below hold the same.
    verdicts = {"kind": "bar", "title": t.rollup_verdicts_chart, "unit": t.rollup_unit_projects, "patterns": True,
                "categories": [a["name"] for a in areas],
                "series": [{"name": label, "data": [a[key] for a in areas]}
                           for label, key in ((t.rollup_satisfied, "satisfied"), (t.rollup_basically, "basically"),
                                              (t.rollup_unsatisfied, "unsatisfied"))]}
    bands = {"kind": "bar", "title": t.rollup_bands_chart, "unit": t.rollup_unit_deputies, "patterns": True,
             "categories": [t["rollup_band_" + x] for x in BANDS],
             "series": [{"name": cat.levels.get(lv, str(lv)), "data": total["points"][lv]}
                        for lv in levels]}
    choices = tree.subtree(u.region) if u.region in tree else []
    return page(request, "reports/rollup.html", {
        "user": u, "year": got.year, "region": got.total.region_code, "choices": choices, "own": own,
        "children": children, "total": total, "rank_levels": levels, "bands": BANDS,
        "verdicts_chart": verdicts, "bands_chart": bands})


routes = [
    Route(HOME, rollup_page, methods=["GET"]),
]
