"""规则设置: the rules evaluation and supervision apply, as a region's office sets them.

  /desk/rules                         the four areas, linked
  /desk/rules/performance             履职积分规则 (evaluation's PerformanceRules): the region's
                                      versions (ListPerformanceRules) with who set them and when,
                                      which version scores this year, next year and any year asked
                                      (GetPerformanceRules ?year=), and the form for a new version
                                      effective from a year (SetPerformanceRules), prefilled with
                                      the version in force for that year
  /desk/rules/satisfaction            满意度测评规则 (Get/SetSatisfactionRules): quorum, thresholds,
                                      days for the rectification plan
  /desk/rules/funding                 经费标准 (Get/SetFundingStandards) of a region from a year:
                                      budgets per tier, daily subsidy, venue allowance, over-budget
                                      policy; and the year's budgets drawn up again (AllocateBudgets)
  /desk/rules/items                   议案建议规则 (supervision's Get/SetItemRules): signers, deadlines

Every page takes ?region= (a region of the user's subtree; the user's own by default). The
services hold every rule: what a value may be, which version a year falls under, what a new
version re-scores. A refused value comes back as INVALID_ARGUMENT ``field: problem``; the page
puts it next to the input it came from, in Chinese, naming the field (``Catalogue.rule_problem``
words the service's problem), and nothing is written. Numbers go to the service as typed (points
and weights as decimal text, never cut short, whole numbers as integers: text that is no whole number is sent as
-1, which the service refuses in its words); amounts in yuan are read by portal/money.py into fen.

Only the office (staff) opens these pages (the services' access tables also let auditors and
the committee read some rules, and the committee set supervision's; the pages are the office's
tool), anyone else gets 403. A region outside the user's subtree is 403
所选地区不在您的管辖范围内 (as on every page with a region chooser).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

import grpc
from lianxin.evaluation.v1 import funding_pb2 as fpb
from lianxin.evaluation.v1 import performance_pb2 as ppb
from lianxin.evaluation.v1 import satisfaction_pb2 as spb
from lianxin.supervision.v1 import supervision_pb2 as svpb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.money import MAX_FEN, AmountError, parse_fen
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, error_page, page, regions, rpc_error_page
from shared import clock

ROLES = ("staff",)
KINDS = tuple(v for _, v in ppb.WorkKind.items() if v)          # every kind of work, in the proto's order
LEVELS = (1, 2, 3, 4, 5, 6)                                      # roster's Level, national .. deliberation
STANDARD_AMOUNTS = ("prefecture", "county", "township", "daily_subsidy", "venue_allowance")
POLICIES = {"refuse": fpb.OVERSPEND_POLICY_REFUSE, "flag": fpb.OVERSPEND_POLICY_FLAG}


@dataclass
class Refusal:
    """A service's refusal on a form: sentences for the top of the form and, per input name,
    the sentence shown next to that input."""
    messages: list[str] = field(default_factory=list)
    by_input: dict[str, str] = field(default_factory=dict)


def _digits(raw: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return 0 < len(raw) <= 15 and raw.isascii() and raw.isdigit()


def _whole(raw: str) -> int:
    """A whole number as typed; empty is 0 and anything else that is no whole number -1, both
    sent on for the service to refuse in its words (the page judges no value)."""
    raw = raw.strip()
    if not raw:
        return 0
    return int(raw) if _digits(raw) and len(raw) <= 7 else -1


def _year(raw: str, default: int) -> int:
    raw = raw.strip()
    if not raw:
        return default
    return int(raw) if _digits(raw) and len(raw) <= 4 else -1


def _region(request: Request, raw: str) -> str:
    return raw.strip()[:12] or user(request).region


def _context(request: Request, region: str, tab: str) -> dict:
    tree = regions(request)
    u = user(request)
    return {"user": u, "tab": tab, "region": region, "this_year": clock.china_today().year,
            "region_name": tree.get(region).name if region in tree else region,
            "choices": tree.subtree(u.region) if u.region in tree else [], "tree": tree}


def _refused(request: Request, e: grpc.aio.AioRpcError, fields: dict[str, tuple[str, str]]) -> Refusal | None:
    """An INVALID_ARGUMENT as the form shows it: ``fields`` maps the service's field path
    (``rules.points[6].points``) to (input name, the field's Chinese name). None for any other
    error (the caller answers with rpc_error_page)."""
    if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
        return None
    cat = catalogue(request)
    detail = e.details() or ""
    path, _, reason = detail.partition(":")
    named = fields.get(path.strip())
    if named is None:
        return Refusal([cat.t.invalid_input + cat.field_error(detail)])
    said = cat.t.rules_field_problem.format(field=named[1], problem=cat.rule_problem(reason.strip()))
    return Refusal([said], {named[0]: said})


def _outside(request: Request, e: grpc.aio.AioRpcError) -> Response:
    """No region is a 404; a region outside the user's subtree is 403 所选地区不在您的管辖范围内
    (rpc_error_page's rule, as on the evaluation and funding pages)."""
    if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND):
        return error_page(request, 404, "not_found_title", "rules_no_region")
    return rpc_error_page(request, e, not_found="rules_no_region")


@require_signin(*ROLES)
async def index(request: Request) -> Response:
    """GET /desk/rules: what each page sets, linked."""
    return page(request, "rules/index.html", _context(request, user(request).region, "index"))


# ---- 履职积分规则 ------------------------------------------------------------------------------

def _rules_form(rules: ppb.PerformanceRules, effective_year: int) -> dict[str, str]:
    """The form's fields as a version gives them (every kind's points; caps and weights the
    version sets, the others empty)."""
    form = {f"points_{e.kind}": e.points for e in rules.points}
    form |= {f"cap_{e.kind}": e.points for e in rules.caps}
    form |= {f"weight_{e.level}": e.weight for e in rules.weights}
    form |= {"inactive_days": str(rules.inactive_days), "term_start": rules.term_start,
             "effective_year": str(effective_year), "prefill_year": str(effective_year)}
    return form


async def _performance_page(request: Request, region: str, *, form: dict[str, str] | None = None,
                            refusal: Refusal | None = None, confirm: bool = False,
                            other_year: tuple[ppb.PerformanceRules, ppb.PerformanceRules] | None = None,
                            status: int = 200) -> Response:
    """The page; ``form`` a posted form shown again (else the form filled for the year asked),
    ``confirm`` the once-more question for a year already scored, ``other_year`` (the version the
    values were taken from, the version in force for the year typed) when those differ."""
    b, md = backends(request), user_md(request)
    ctx = _context(request, region, "performance")
    this_year = ctx["this_year"]
    # The year asked is also the new version's year: the form is filled from the version in
    # force for it (next year's unless another is asked), so values meant for one year never
    # slip unseen into another's version.
    asked = _year(request.query_params.get("year", ""), this_year + 1)
    years = sorted({this_year, this_year + 1, asked})
    try:
        versions = await b.evaluation.ListPerformanceRules(ppb.ListPerformanceRulesRequest(region_code=region),
                                                           metadata=md, timeout=b.timeout)
        in_force = {}
        for y in years:
            in_force[y] = await b.evaluation.GetPerformanceRules(ppb.GetPerformanceRulesRequest(
                region_code=region, year=y), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT and (e.details() or "").startswith("year:"):
            cat = catalogue(request)
            said = cat.t.rules_field_problem.format(field=cat.t.rules_perf_year_asked,
                                                    problem=cat.rule_problem(e.details().partition(":")[2].strip()))
            return error_page(request, 400, "invalid_input_title", "", message=said)
        return _outside(request, e)
    prefilled = None
    if form is None:     # a new version starts from the one in force for its year
        prefilled = in_force[asked]
        form = _rules_form(prefilled, asked)
    t = catalogue(request).t
    q = request.query_params
    saved = ""
    if _digits(q.get("saved", "")) and _digits(q.get("from", "")) and len(q["from"]) <= 4:
        number, from_year = int(q["saved"]), int(q["from"])
        saved = (t.rules_perf_saved_rescored if from_year <= this_year else t.rules_perf_saved_future).format(
            n=number, year=from_year, this_year=this_year)
    return page(request, "rules/performance.html", ctx | {
        "versions": versions.versions, "in_force": in_force, "years": years, "asked": asked,
        "kinds": KINDS, "levels_shown": LEVELS, "form": form, "refusal": refusal or Refusal(),
        "confirm": confirm, "saved": saved, "prefilled": prefilled, "other_year": other_year}, status=status)


@require_signin(*ROLES)
async def performance_rules(request: Request) -> Response:
    """GET /desk/rules/performance?region=&year=: the versions, the version in force for this
    year, next year and ``year``, and the form for a new version."""
    return await _performance_page(request, _region(request, request.query_params.get("region", "")))


@require_signin(*ROLES)
async def set_performance_rules(request: Request) -> Response:
    """POST /desk/rules/performance: a new version effective from a year. A year up to this one
    may already be scored: the page asks once more (confirm=<the year>) saying it re-scores that year and
    marks its published rankings changed, and a year other than the one the form was filled for
    (prefill_year) once more naming both years' versions; each question only after the service
    took the values (SetPerformanceRules validate_only), so a refused value is shown at once. Then
    SetPerformanceRules and back (PRG) with the version's number, or the form again with the
    service's refusal next to its input (400)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    region = _region(request, form.get("region", ""))
    cat = catalogue(request)
    t = cat.t
    rules = ppb.PerformanceRules(region_code=region, effective_year=_year(form.get("effective_year", ""), 0),
                                 inactive_days=_whole(form.get("inactive_days", "")),
                                 term_start=form.get("term_start", "").strip())
    fields: dict[str, tuple[str, str]] = {
        "rules.effective_year": ("effective_year", t.rules_perf_effective_year),
        "rules.inactive_days": ("inactive_days", t.rules_perf_inactive_days),
        "rules.term_start": ("term_start", t.rules_perf_term_start),
        "rules.points": ("points_1", t.rules_perf_points_all)}
    for kind in KINDS:
        name = t[f"perf_kind_{kind}"]
        fields[f"rules.points[{len(rules.points)}].points"] = (f"points_{kind}", t.rules_perf_points_of.format(kind=name))
        rules.points.append(ppb.KindPoints(kind=kind, points=form.get(f"points_{kind}", "").strip()))
        cap = form.get(f"cap_{kind}", "").strip()
        if cap:
            fields[f"rules.caps[{len(rules.caps)}].points"] = (f"cap_{kind}", t.rules_perf_cap_of.format(kind=name))
            rules.caps.append(ppb.KindPoints(kind=kind, points=cap))
    for level in LEVELS:
        weight = form.get(f"weight_{level}", "").strip()
        if weight:
            fields[f"rules.weights[{len(rules.weights)}].weight"] = (
                f"weight_{level}", t.rules_perf_weight_of.format(level=cat.levels.get(level, str(level))))
            rules.weights.append(ppb.LevelWeight(level=level, weight=weight))
    this_year = clock.china_today().year
    b = backends(request)
    md = user_md(request)
    year = rules.effective_year
    # The values were filled from the version in force for ``prefill_year``; a different year
    # typed afterwards is asked about once (values_for=<the year> says the user saw it), naming
    # both versions, rather than giving one year's values to another unseen. A year already
    # scored is asked about once too (confirm=<the year>). Either question is asked only about
    # values the service takes (validate_only): a value it refuses is shown at once, never after
    # a question whose answer could not save it.
    prefill_year = _year(form.get("prefill_year", ""), 0)
    other = 0 < prefill_year != year > 0 and form.get("values_for", "") != str(year)
    rescores = 0 < year <= this_year and form.get("confirm", "") != str(year)
    try:
        if other or rescores:
            await b.evaluation.SetPerformanceRules(ppb.SetPerformanceRulesRequest(rules=rules, validate_only=True),
                                                   metadata=md, timeout=b.timeout)
            other_year = None
            if other:
                got = [await b.evaluation.GetPerformanceRules(ppb.GetPerformanceRulesRequest(
                    region_code=region, year=y), metadata=md, timeout=b.timeout) for y in (prefill_year, year)]
                other_year = (got[0], got[1])
            return await _performance_page(request, region, form=form, confirm=0 < year <= this_year,
                                           other_year=other_year)
        done = await b.evaluation.SetPerformanceRules(ppb.SetPerformanceRulesRequest(rules=rules),
                                                      metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refusal = _refused(request, e, fields)
        if refusal is None:
            return _outside(request, e)
        return await _performance_page(request, region, form=form, refusal=refusal, status=400)
    query = urlencode({"region": region, "saved": done.number, "from": done.effective_year})
    return RedirectResponse(f"/desk/rules/performance?{query}#done", status_code=303)


# ---- 满意度测评规则 ----------------------------------------------------------------------------

SATISFACTION_FIELDS = ("quorum_percent", "satisfied_percent", "acceptable_percent", "plan_days")


async def _rules_form_page(request: Request, region: str, tab: str, fetch, fields: tuple[str, ...], *,
                           form: dict[str, str] | None, refusal: Refusal | None, status: int) -> Response:
    """A rules page of one flat message (satisfaction thresholds, item rules): ``fetch`` is the
    awaited Get call; the form is prefilled from its answer unless a refused post is shown."""
    try:
        rules = await fetch
    except grpc.aio.AioRpcError as e:
        return _outside(request, e)
    if form is None:
        form = {name: str(getattr(rules, name)) for name in fields}
    return page(request, f"rules/{tab}.html", _context(request, region, tab) | {
        "rules": rules, "form": form, "refusal": refusal or Refusal(),
        "saved": request.query_params.get("saved", "") == "1"}, status=status)


async def _satisfaction_page(request: Request, region: str, *, form: dict[str, str] | None = None,
                             refusal: Refusal | None = None, status: int = 200) -> Response:
    b = backends(request)
    fetch = b.evaluation.GetSatisfactionRules(spb.GetSatisfactionRulesRequest(region_code=region),
                                              metadata=user_md(request), timeout=b.timeout)
    return await _rules_form_page(request, region, "satisfaction", fetch, SATISFACTION_FIELDS,
                                  form=form, refusal=refusal, status=status)


@require_signin(*ROLES)
async def satisfaction_rules(request: Request) -> Response:
    """GET /desk/rules/satisfaction?region=: the rules in force (own, inherited or the
    defaults) and the form to set the region's own."""
    return await _satisfaction_page(request, _region(request, request.query_params.get("region", "")))


@require_signin(*ROLES)
async def set_satisfaction_rules(request: Request) -> Response:
    """POST /desk/rules/satisfaction: SetSatisfactionRules (votes opened from now on use them;
    an open vote keeps its own); PRG, or the form with the refusal beside its input (400)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    region = _region(request, form.get("region", ""))
    t = catalogue(request).t
    rules = spb.SatisfactionRules(region_code=region, **{name: _whole(form.get(name, "")) for name in SATISFACTION_FIELDS})
    b = backends(request)
    try:
        await b.evaluation.SetSatisfactionRules(spb.SetSatisfactionRulesRequest(rules=rules),
                                                metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refusal = _refused(request, e, {f"rules.{name}": (name, t[f"rules_sat_{name}"]) for name in SATISFACTION_FIELDS})
        if refusal is None:
            return _outside(request, e)
        return await _satisfaction_page(request, region, form=form, refusal=refusal, status=400)
    return RedirectResponse(f"/desk/rules/satisfaction?{urlencode({'region': region, 'saved': 1})}#done",
                            status_code=303)


# ---- 经费标准 --------------------------------------------------------------------------------

def _yuan(fen: int) -> str:
    """Integer fen as the form shows yuan: 330000 -> "3300.00" (exact, no float)."""
    return f"{Decimal(fen) / 100:.2f}"


async def _funding_page(request: Request, region: str, year: int, *, form: dict[str, str] | None = None,
                        refusal: Refusal | None = None, status: int = 200) -> Response:
    b = backends(request)
    try:
        standards = await b.evaluation.GetFundingStandards(fpb.GetFundingStandardsRequest(
            region_code=region, year=year), metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT and (e.details() or "").startswith("year:"):
            cat = catalogue(request)
            said = cat.t.rules_field_problem.format(field=cat.t.rules_fund_year,
                                                    problem=cat.rule_problem(e.details().partition(":")[2].strip()))
            return error_page(request, 400, "invalid_input_title", "", message=said)
        return _outside(request, e)
    if form is None:
        form = {f"{name}_yuan": _yuan(getattr(standards, f"{name}_fen")) for name in STANDARD_AMOUNTS}
        form |= {"from_year": str(year), "overspend": {v: k for k, v in POLICIES.items()}.get(standards.overspend, "")}
    q = request.query_params
    allocated = None
    # The notice after drawing up budgets: figures only (a crafted link puts no words on the page).
    if _digits(q.get("budgets", "")) and _digits(q.get("changed", "")) and \
            re.fullmatch(r"\d{1,15}\.\d\d", q.get("yuan", ""), re.ASCII):
        allocated = {"budgets": int(q["budgets"]), "changed": int(q["changed"]), "yuan": q["yuan"]}
    return page(request, "rules/funding.html", _context(request, region, "funding") | {
        "standards": standards, "year": year, "form": form, "refusal": refusal or Refusal(),
        "amounts": STANDARD_AMOUNTS, "saved": q.get("saved", "") == "1", "allocated": allocated,
        "yuan": _yuan}, status=status)


@require_signin(*ROLES)
async def funding_standards(request: Request) -> Response:
    """GET /desk/rules/funding?region=&year=: the standards in force for the year (own, an
    ancestor's or the defaults) and the form to set the region's own from a year."""
    q = request.query_params
    return await _funding_page(request, _region(request, q.get("region", "")),
                               _year(q.get("year", ""), clock.china_today().year))


@require_signin(*ROLES)
async def set_funding_standards(request: Request) -> Response:
    """POST /desk/rules/funding: SetFundingStandards from a year, amounts typed in yuan (read
    by portal/money.py into fen); PRG to that year, or the form with the refusal (400)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    region = _region(request, form.get("region", ""))
    this_year = clock.china_today().year
    from_year = _year(form.get("from_year", ""), 0)
    cat = catalogue(request)
    t = cat.t
    fields = {f"standards.{name}_fen": (f"{name}_yuan", t[f"rules_fund_{name}"]) for name in STANDARD_AMOUNTS}
    fields |= {"standards.from_year": ("from_year", t.rules_fund_from_year),
               "standards.overspend": ("overspend", t.rules_fund_overspend)}
    amounts: dict[str, int] = {}
    for name in STANDARD_AMOUNTS:
        try:
            amounts[f"{name}_fen"] = parse_fen(form.get(f"{name}_yuan", ""))
        except AmountError as e:
            if e.too_large:     # sent on above every bound: the service refuses it naming its own
                amounts[f"{name}_fen"] = MAX_FEN + 1
                continue
            problem = t.rules_amount_negative if e.negative else t.rules_amount
            said = t.rules_field_problem.format(field=t[f"rules_fund_{name}"], problem=problem)
            return await _funding_page(request, region, from_year if from_year > 0 else this_year, form=form,
                                       refusal=Refusal([said], {f"{name}_yuan": said}), status=400)
    standards = fpb.FundingStandards(region_code=region, from_year=from_year,
                                     overspend=POLICIES.get(form.get("overspend", ""), 0), **amounts)
    b = backends(request)
    try:
        await b.evaluation.SetFundingStandards(fpb.SetFundingStandardsRequest(standards=standards),
                                               metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refusal = _refused(request, e, fields)
        if refusal is None:
            return _outside(request, e)
        shown = from_year if 2000 <= from_year <= 2100 else this_year
        return await _funding_page(request, region, shown, form=form, refusal=refusal, status=400)
    query = urlencode({"region": region, "year": from_year, "saved": 1})
    return RedirectResponse(f"/desk/rules/funding?{query}#done", status_code=303)


@require_signin(*ROLES)
async def allocate_budgets(request: Request) -> Response:
    """POST /desk/rules/funding/allocate (region, year): the year's budgets of the region's
    subtree drawn up again under the standards in force (AllocateBudgets); back with how many
    budgets there are and how many changed."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    region = _region(request, form.get("region", ""))
    year = _year(form.get("year", ""), 0)
    b = backends(request)
    try:
        got = await b.evaluation.AllocateBudgets(fpb.AllocateBudgetsRequest(region_code=region, year=year),
                                                 metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return rpc_error_page(request, e, not_found="rules_no_region")
    query = urlencode({"region": region, "year": year, "budgets": got.budgets, "changed": got.changed,
                       "yuan": got.allocated_yuan})
    return RedirectResponse(f"/desk/rules/funding?{query}#allocated", status_code=303)


# ---- 议案建议规则 (supervision) -------------------------------------------------------------------

ITEM_FIELDS = ("bill_signers_required", "handling_months", "rehandling_months")


async def _items_page(request: Request, region: str, *, form: dict[str, str] | None = None,
                      refusal: Refusal | None = None, status: int = 200) -> Response:
    b = backends(request)
    fetch = b.supervision.GetItemRules(svpb.GetItemRulesRequest(region_code=region),
                                       metadata=user_md(request), timeout=b.timeout)
    return await _rules_form_page(request, region, "items", fetch, ITEM_FIELDS,
                                  form=form, refusal=refusal, status=status)


@require_signin(*ROLES)
async def item_rules(request: Request) -> Response:
    """GET /desk/rules/items?region=: supervision's rules for bills and suggestions."""
    return await _items_page(request, _region(request, request.query_params.get("region", "")))


@require_signin(*ROLES)
async def set_item_rules(request: Request) -> Response:
    """POST /desk/rules/items: SetItemRules; PRG, or the form with the refusal (400)."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    region = _region(request, form.get("region", ""))
    t = catalogue(request).t
    rules = svpb.ItemRules(region_code=region, **{name: _whole(form.get(name, "")) for name in ITEM_FIELDS})
    b = backends(request)
    try:
        await b.supervision.SetItemRules(svpb.SetItemRulesRequest(rules=rules), metadata=user_md(request),
                                         timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refusal = _refused(request, e, {f"rules.{name}": (name, t[f"rules_items_{name}"]) for name in ITEM_FIELDS})
        if refusal is None:
            return _outside(request, e)
        return await _items_page(request, region, form=form, refusal=refusal, status=400)
    return RedirectResponse(f"/desk/rules/items?{urlencode({'region': region, 'saved': 1})}#done", status_code=303)


routes = [
    Route("/desk/rules", index, methods=["GET"]),
    Route("/desk/rules/performance", performance_rules, methods=["GET"]),
    Route("/desk/rules/performance", set_performance_rules, methods=["POST"]),
    Route("/desk/rules/satisfaction", satisfaction_rules, methods=["GET"]),
    Route("/desk/rules/satisfaction", set_satisfaction_rules, methods=["POST"]),
    Route("/desk/rules/funding", funding_standards, methods=["GET"]),
    Route("/desk/rules/funding", set_funding_standards, methods=["POST"]),
    Route("/desk/rules/funding/allocate", allocate_budgets, methods=["POST"]),
    Route("/desk/rules/items", item_rules, methods=["GET"]),
    Route("/desk/rules/items", set_item_rules, methods=["POST"]),
]
