"""Supervision's pages (办 督): the adopted livelihood projects followed until they are done,
for the office (staff, committee members, auditors reading), the departments handling them
and deputies overseeing them:

  /desk/supervision                     the board of a tier (?region=&year=): late milestones
                                        first (days late, as the service counts them), the
                                        projects by progress (latest behind first), the
                                        programme's progress rolled up (and each child
                                        region's), the reminder letters issued and awaiting a
                                        reply, the inspections held and problems solved, and the
                                        tier's figures per child region (GetSupervisionStatistics).
                                        A department sees its own projects and letters only.
  /desk/supervision/projects/<id>       a project: its plan (departments with responsible
                                        persons, tasks, milestones with weights and due days),
                                        a chart of the milestones' progress (static/dashboard.js),
                                        its letters, inspections and history (who, when,
                                        before → after); for its lead and co-departments a
                                        progress report form per milestone (percent, spend to
                                        date in yuan, evidence); for the office the plan form
  POST .../projects/<id>/report         ReportProgress (the spend typed in yuan, exact to the
                                        fen: "1,200,000.50"; anything else is refused naming
                                        the field)
  POST .../projects/<id>/plan           SetProjectPlan
  /desk/supervision/projects/new        staff open a project directly (CreateProject: one the
                                        office supervises without having balloted it, e.g.
                                        the government's own list or one carried over): title,
                                        year, category, description, budget in yuan, deadline,
                                        the lead and co-departments picked from the
                                        departments the portal knows of the region chosen
                                        (?region=, the user's subtree) with their responsible
                                        persons, tasks and milestones; POST creates it once
                                        per form (request_id) and goes on to its page
  /desk/supervision/letters             the reminder letters (提醒督办函), newest first
  /desk/supervision/letters/<id>        one letter, and the addressed department's answer form
                                        (the office may enter an answer made on paper)
  /desk/supervision/letters/<id>.docx   one letter as the DOCX supervision rendered, to print
  /desk/supervision/inspections         inspections (督导调研), and the form to schedule one
  /desk/supervision/inspections/<id>    one inspection: record it as held (findings, problems
                                        found, one a line), mark each problem solved

Every call carries the user's own token: supervision decides who sees which project, letter
or inspection (a department's are the projects it leads or co-handles; another's is NOT_FOUND
there and a 404 page here) and what may be done; refusals read in Chinese
(``SUPERVISION_REFUSALS`` and ``SUPERVISION_FIELD_PROBLEMS`` in portal/i18n/zh_CN.py). The
pages compute nothing the service decides: progress, lateness (``Milestone.days_late``) and
roll-ups are supervision's; the pages only order and show them.
"""
from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from collections import Counter
from decimal import Decimal
from urllib.parse import quote, urlencode

import grpc
from lianxin.common.v1 import common_pb2
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as pb
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import require_signin
from portal.money import AmountError, parse_fen
from portal.pages.roster import region_choices
from portal.pages.work import user, user_md
from portal.render import backends, catalogue, checked_form, download, error_page, page, regions, rpc_error_page
from shared import clock

HOME = "/desk/supervision"
# Who opens which page (supervision's access table decides what each sees on it).
BOARD_ROLES = ("staff", "committee", "auditor", "department", "deputy")
OFFICE = ("staff", "committee", "auditor")
MANAGERS = ("staff", "committee")                       # project.manage, inspection.manage
LETTER_ROLES = (*OFFICE, "department")                  # letter.read
INSPECTION_ROLES = (*OFFICE, "deputy")                  # inspection.read
INSPECTION_WRITERS = (*MANAGERS, "deputy")              # inspection.manage
PROGRAMME_ROLES = (*OFFICE, "deputy")                   # programme.read
SEATED = (rpb.DEPUTY_STATUS_SERVING, rpb.DEPUTY_STATUS_BY_ELECTED)
COUNT_ROLES = OFFICE                                    # inspection.count
# The tier's figures (GetSupervisionStatistics, rolled up from every tier's events) as the
# board's table shows them: (field, its heading's key).
FIGURE_COLUMNS = (("projects", "sv_fig_projects"), ("projects_on_schedule", "sv_fig_on_schedule"),
                  ("projects_late", "sv_fig_late"), ("projects_finished", "sv_fig_finished"),
                  ("milestones_late", "sv_fig_milestones_late"), ("letters_issued", "sv_fig_letters"),
                  ("letters_answered", "sv_fig_answered"), ("inspections_held", "sv_fig_inspections"),
                  ("problems_found", "sv_fig_problems"), ("problems_solved", "sv_fig_solved"),
                  ("bills_received", "sv_fig_bills"), ("suggestions_received", "sv_fig_suggestions"),
                  ("replies_a", "sv_fig_a"), ("replies_b", "sv_fig_b"), ("replies_c", "sv_fig_c"),
                  ("rated_satisfied", "sv_fig_satisfied"), ("meetings_held", "sv_fig_meetings"))
BOARD_PROJECTS = 500            # the projects a board shows (a prefecture's year holds far fewer)
PAGE_SIZE = 50
MAX_TEXT = 8000
# Blank rows the plan form offers for a new department, task or milestone.
NEW_ROWS = {"departments": 1, "tasks": 2, "milestones": 2}
CENT = Decimal("0.01")
# Records a form names besides the page's own (a NOT_FOUND of these is the form's refusal,
# not a missing page).
FORM_RECORDS = ("milestone_id", "problem_id", "milestones.id", "project_id")


def yuan(fen: int) -> str:
    """Integer fen as exact yuan, grouped, two places: 120000050 -> '1,200,000.50'."""
    return f"{(Decimal(fen) / 100).quantize(CENT):,}"


def amount_fen(request: Request, raw: str, field: str, label: str) -> int | str:
    """Yuan typed in a form (portal.money.parse_fen) as integer fen, or the sentence refusing
    it: the field's own (supervision's words for ``field``) for what is not an amount, "too
    large" for one above a trillion yuan."""
    cat = catalogue(request)
    try:
        return parse_fen(raw)
    except AmountError as e:
        said = cat.t.amount_too_large.format(field=cat.t[label]) if e.too_large else cat.supervision_field_error(field)
        return cat.t.invalid_input + said


# A deputy's id (roster's UUID) inside a history entry's text, e.g. a co-signature's
# "联名 2 人（<id>）"; and an amount the service writes ungrouped ("1200000.00 元").
DEPUTY_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
PLAIN_YUAN = re.compile(r"(?<![\d,.])(\d{4,15})\.(\d{2})(?= ?元)", re.ASCII)
MAX_NAMED = 50                  # deputies a page looks up by id (one GetDeputy each)


def history_ids(changes) -> set[str]:
    """The deputies' ids a history's entries name in their before/after text."""
    return {i for c in changes for text in (c.before, c.after) for i in DEPUTY_ID.findall(text)}


async def deputy_names(request: Request, ids: set[str]) -> dict[str, str]:
    """id -> name from the roster (GetDeputy, one call per distinct id, at most MAX_NAMED, at
    once, with the user's token); an id the roster does not give the user stays unnamed."""
    b, md = backends(request), user_md(request)

    async def one(i: str) -> tuple[str, str]:
        try:
            return i, (await b.roster.GetDeputy(rpb.GetDeputyRequest(id=i), metadata=md, timeout=b.timeout)).name
        except grpc.aio.AioRpcError:
            return i, ""
    found = await asyncio.gather(*(one(i) for i in sorted(ids)[:MAX_NAMED]))
    return {i: name for i, name in found if name}


def namer(departments: dict[str, str], deputies: dict[str, str]):
    """The function a history template passes each entry's before/after text through: a
    department's login in the service's brackets as its name ("摸底调查（dept-housing）" reads
    "摸底调查（州住建局）"; after its own name, "州住建局（dept-housing，责任人 …）" reads
    "州住建局（责任人 …）"), a deputy's id as their name (the id itself when unknown) and an
    ungrouped amount grouped like the rest of the page ("1,200,000.00 元"). The service keeps
    ids in its history (names change, ids do not); the page shows what a reader knows them by.
    Only bracketed logins are replaced, so a login that is also a word of free text stays."""
    logins = sorted((k for k, v in departments.items() if k and v), key=len, reverse=True)
    login = re.compile(r"（(" + "|".join(map(re.escape, logins)) + r")([）,，])") if logins else None

    def department(m: re.Match[str], text: str) -> str:
        name = departments[m[1]]
        if m[2] != "）" and text[:m.start()].endswith(name):
            return "（"                      # "名称（login，责任人 …）": the name is there already
        return f"（{name}{m[2]}"

    def named(text: str) -> str:
        text = DEPUTY_ID.sub(lambda m: deputies.get(m[0]) or m[0], text)
        if login is not None:
            text = login.sub(lambda m: department(m, text), text)
        return PLAIN_YUAN.sub(lambda m: f"{int(m[1]):,}.{m[2]}", text)
    return named


async def item_namer(request: Request, x: pb.DeputyItem, known: dict[str, str] | None = None):
    """``namer`` for an item's history: its departments; the deputies it names (the submitter,
    the co-signers who signed, ``known``), the rest looked up in the roster."""
    deputies = {x.submitter_id: x.submitter_name} | {c.deputy_id: c.name for c in x.co_signers if c.name}
    deputies = {k: v for k, v in (deputies | (known or {})).items() if v}
    missing = history_ids(x.history) - deputies.keys()
    return namer({d.department: d.name for d in x.departments}, deputies | await deputy_names(request, missing))


def round_stages(round_: int) -> tuple[int, ...]:
    """The meetings with the deputy (三见面) a round of handling holds, as MeetingStage
    values: the first round all three (plan, during handling, before the reply); a round
    reopened after an unsatisfied rating only the last two (supervision refuses a plan
    meeting then: "a reopened item meets the deputy during handling and before the reply")."""
    every = (pb.MEETING_STAGE_PLAN, pb.MEETING_STAGE_HANDLING, pb.MEETING_STAGE_REPLY)
    return tuple(int(s) for s in (every if round_ <= 1 else every[1:]))


def item_stages(x: pb.DeputyItem) -> dict[int, tuple[int, ...]]:
    """Round -> the meetings (三见面, MeetingStage values, in order) an item's page lists for
    it: those held in the round, and those still required. The current round's requirement
    is supervision's (``DeputyItem.meetings_required``; a reopened round needs no plan
    meeting, which supervision refuses there); an earlier round's is ``round_stages``'s, as
    is the current one's when supervision lists none."""
    required_now = [int(s) for s in x.meetings_required]
    out = {}
    for r in sorted({1, x.round}):
        required = required_now if r == x.round and required_now else round_stages(r)
        out[r] = tuple(sorted({int(m.stage) for m in x.meetings if m.round == r} | set(required)))
    return out


def region_namer(request: Request):
    """code -> the region's name from the portal's region tree (the code when it has none):
    what the pages show for a project's or an inspection's region."""
    tree = regions(request)
    return lambda code: tree.get(code).name if code in tree else code


def _int(raw: str, default: int = -1) -> int:
    raw = unicodedata.normalize("NFKC", raw).strip()
    return int(raw) if raw.isdecimal() and len(raw) < 7 else default


def _lines(raw: str) -> list[str]:
    """One item a line (problems found, attachments), blank lines dropped."""
    return [x.strip() for x in raw.splitlines() if x.strip()]


def _names(raw: str) -> list[str]:
    """Names typed in one box, separated by 、，, or spaces (as a list is written in Chinese)."""
    return [x for x in re.split(r"[、，,;；\s]+", raw) if x]


# At most this many roster pages (of 500) read for a picker: a county's deputies and its
# townships' fit many times over.
PICKER_PAGES = 20


async def region_deputies(request: Request, code: str) -> list[rpb.Deputy]:
    """The seated deputies of a region and its subtree (a county's own and those of its
    townships and 街道), by name (the roster's, every page, with the user's token): whom an
    inspection's form offers to tick as participants. Evaluation credits a participant
    deputy of the inspection's branch (services/evaluation/performance.py: the region, its
    ancestors and its subtree); the subtree is what the office of the region may list (a
    region above is outside its scope). Empty when the roster cannot say (participants'
    names can still be typed)."""
    b, md = backends(request), user_md(request)
    found: list[rpb.Deputy] = []
    token = ""
    try:
        for _ in range(PICKER_PAGES):
            listed = await b.roster.ListDeputies(rpb.ListDeputiesRequest(
                region_code=code, page=common_pb2.PageRequest(page_size=500, page_token=token)), metadata=md,
                timeout=b.timeout)
            found += [d for d in listed.deputies if d.status in SEATED]
            token = listed.next_page_token
            if not token:
                break
    except grpc.aio.AioRpcError:
        if not found:
            return []
    return sorted(found, key=lambda d: (d.name, d.id))


async def _participants(request: Request, form, code: str) -> list[pb.Participant]:
    """The participants a form names: the deputies ticked (``dep-<id>``), by id, each named
    as the roster gives them to the user (the region's list the form showed, else one look-up
    each; an id it does not give goes unnamed and supervision refuses it naming the field),
    then the others typed by name (``others``), who earn no points."""
    ids = list(dict.fromkeys(k.removeprefix("dep-")[:64] for k in form if k.startswith("dep-")))
    names = {d.id: d.name for d in await region_deputies(request, code)} if ids else {}
    missing = {i for i in ids if i not in names}
    if missing:
        names |= await deputy_names(request, missing)
    return ([pb.Participant(deputy_id=i, name=names.get(i, "")) for i in ids]
            + [pb.Participant(name=n) for n in _names(form.get("others", "")[:MAX_TEXT])])


def _year(raw: str | None, default: int) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) == 4 else default


def _refusal(request: Request, e: grpc.aio.AioRpcError) -> tuple[str, int] | None:
    """A refused step as a sentence for the form's page, and its status; None for an error
    the whole page answers (NOT_FOUND, a busy service, ...)."""
    cat = catalogue(request)
    detail = e.details() or ""
    if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
        return cat.t.invalid_input + cat.supervision_field_error(detail), 400
    if e.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ALREADY_EXISTS):
        return cat.t.sv_refused + cat.supervision_refusal(detail), 409
    if e.code() == grpc.StatusCode.PERMISSION_DENIED:
        return cat.t.sv_denied, 403
    if e.code() == grpc.StatusCode.NOT_FOUND and re.sub(r"\[\d+\]", "", detail.partition(":")[0]) in FORM_RECORDS:
        # a milestone or problem on the form gone meanwhile (the plan changed): said on the form
        return cat.t.invalid_input + cat.supervision_field_error(detail), 409
    return None


def _not_found(request: Request, e: grpc.aio.AioRpcError, message: str) -> Response:
    # Another department's (or region's) project is NOT_FOUND at supervision, as one that does
    # not exist: the same 404 page, so an address does not tell them apart.
    if e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
        return error_page(request, 404, "not_found_title", message)
    return rpc_error_page(request, e, not_found=message)


# ---- the board ------------------------------------------------------------------------------

def late_milestones(projects) -> list[tuple[pb.Project, pb.Milestone]]:
    """Every late milestone of the projects, longest late first (supervision's days_late)."""
    late = [(p, m) for p in projects for m in p.milestones if m.days_late > 0]
    return sorted(late, key=lambda pm: (-pm[1].days_late, pm[0].title, pm[1].due_date))


def by_progress(projects) -> list[pb.Project]:
    """Projects with a late milestone first (longest late first), then by progress, least
    first: the board's order, what needs pressing on at the top."""
    def key(p: pb.Project):
        most = max((m.days_late for m in p.milestones), default=0)
        return (-most, Decimal(p.progress_percent or "0"), p.title)
    return sorted(projects, key=key)


def _bad_region(request: Request, code: str) -> Response:
    t = catalogue(request).t
    return error_page(request, 400, "sv_bad_filter_title", "", message=t.sv_bad_region.format(code=code))


def _out_of_scope(request: Request, code: str) -> Response:
    """A region of the tree outside the user's: 403 "not in your jurisdiction", as on every
    page with a region chooser (portal.render.rpc_error_page's rule); a code the tree does not
    hold is 400 naming it."""
    if code not in regions(request):
        return _bad_region(request, code)
    return error_page(request, 403, "no_permission_title", "region_out_of_scope")


def _bad_filter(request: Request, code: str) -> Response | None:
    """The board's refusal of a ?region= that names no region of the tree (a typo, another
    province's code) or a ?year= that is no year: 400 naming the code or year, as the
    dashboard and reports explain a wrong filter (not "no such page"). A real region outside
    the user's is the service's refusal: 403, not in the user's jurisdiction."""
    raw_year = (request.query_params.get("year") or "").strip()
    if raw_year and not (raw_year.isdecimal() and len(raw_year) == 4):
        t = catalogue(request).t
        return error_page(request, 400, "sv_bad_filter_title", "", message=t.sv_bad_year.format(year=raw_year[:12]))
    if code not in regions(request):
        return _bad_region(request, code)
    return None


@require_signin(*BOARD_ROLES)
async def board(request: Request) -> Response:
    """GET /desk/supervision?region=&year=: the tier's board (default the user's region and
    this year)."""
    me, b, md = user(request), backends(request), user_md(request)
    tree = regions(request)
    code = (request.query_params.get("region") or me.region).strip()[:9]
    year = _year(request.query_params.get("year"), clock.china_today().year)
    bad = _bad_filter(request, code)
    if bad is not None:
        return bad
    children = list(tree.children(code)) if code in tree and me.role in PROGRAMME_ROLES else []

    async def programme(region: str) -> pb.Programme:
        return await b.supervision.GetProgramme(pb.GetProgrammeRequest(region_code=region, year=year),
                                                metadata=md, timeout=b.timeout)

    async def nothing():
        return None

    try:
        listed, letters, programmes, counts = await asyncio.gather(
            b.supervision.ListProjects(pb.ListProjectsRequest(
                region_code=code, year=year, page=common_pb2.PageRequest(page_size=BOARD_PROJECTS)),
                metadata=md, timeout=b.timeout),
            b.supervision.ListLetters(pb.ListLettersRequest(
                region_code=code, page=common_pb2.PageRequest(page_size=PAGE_SIZE)), metadata=md, timeout=b.timeout)
            if me.role in LETTER_ROLES else nothing(),
            asyncio.gather(*(programme(r) for r in [code, *(c.code for c in children)]))
            if me.role in PROGRAMME_ROLES else nothing(),
            b.supervision.GetInspectionCounts(pb.GetInspectionCountsRequest(region_code=code, year=year),
                                              metadata=md, timeout=b.timeout)
            if me.role in COUNT_ROLES else nothing())
        figures = await b.supervision.GetSupervisionStatistics(pb.GetSupervisionStatisticsRequest(
            region_code=code, year=year), metadata=md, timeout=b.timeout) if me.role in COUNT_ROLES else None
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT and (e.details() or "").startswith("region_code"):
            return _bad_region(request, code)
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
            return error_page(request, 404, "not_found_title", "page_not_found")
        # a region above or beside the user's: 403, not in the user's jurisdiction
        return rpc_error_page(request, e, not_found="page_not_found")
    projects = list(listed.projects)
    t = catalogue(request).t
    rolled = programmes[0] if programmes else None
    by_child = list(zip(children, programmes[1:], strict=True)) if programmes else []
    chart = None
    if projects:
        shown = by_progress(projects)[:40]
        chart = {"kind": "bar", "title": t.sv_chart_projects, "unit": "%", "max": 100,
                 "categories": [p.title for p in shown],
                 "series": [{"name": t.sv_progress, "data": [float(p.progress_percent or 0) for p in shown]}]}
    return page(request, "supervision/board.html", {
        "user": me, "region": code, "region_name": tree.get(code).name if code in tree else code, "year": year,
        "projects": by_progress(projects), "total": listed.total_size, "late": late_milestones(projects),
        "letters": [x for x in letters.letters if not x.answered_on] if letters else [],
        "answered": sum(1 for x in letters.letters if x.answered_on) if letters else 0,
        "letters_total": letters.total_size if letters else 0,
        "programme": rolled, "by_child": by_child, "counts": counts, "chart": chart, "yuan": yuan,
        "figures": figures, "figure_columns": FIGURE_COLUMNS,
        "region_names": region_namer(request),
        "decimal": Decimal})


# ---- a project --------------------------------------------------------------------------------

def _dept_of(request: Request, p: pb.Project) -> pb.ProjectDepartment | None:
    """The signed-in department's place on the project (主办 or 协办), if it is one of them."""
    me = user(request)
    if me.role != "department":
        return None
    return next((x for x in p.departments if x.department == me.stands_for), None)


def _milestone_chart(request: Request, p: pb.Project) -> dict | None:
    if not p.milestones:
        return None
    t = catalogue(request).t
    return {"kind": "bar", "title": t.sv_chart_milestones, "unit": "%", "max": 100,
            "categories": [m.title for m in p.milestones],
            "series": [{"name": t.sv_milestone_percent, "data": [m.percent for m in p.milestones]}]}


async def _project_page(request: Request, project_id: str, *, errors: list[str] | None = None,
                        done: str = "", status: int = 200) -> Response:
    me, b, md = user(request), backends(request), user_md(request)
    try:
        p = await b.supervision.GetProject(pb.GetProjectRequest(id=project_id), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _not_found(request, e, "sv_project_not_found")
    letters: list[pb.Letter] = []
    inspections: list[pb.Inspection] = []
    try:
        if me.role in LETTER_ROLES:
            letters = list((await b.supervision.ListLetters(pb.ListLettersRequest(
                region_code=p.region_code, project_id=p.id, page=common_pb2.PageRequest(page_size=PAGE_SIZE)),
                metadata=md, timeout=b.timeout)).letters)
        if me.role in INSPECTION_ROLES:
            inspections = list((await b.supervision.ListInspections(pb.ListInspectionsRequest(
                region_code=p.region_code, project_id=p.id, page=common_pb2.PageRequest(page_size=PAGE_SIZE)),
                metadata=md, timeout=b.timeout)).inspections)
    except grpc.aio.AioRpcError as e:
        if e.code() not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
            return rpc_error_page(request, e, not_found="sv_project_not_found")
        # a deputy of a township reads a county's project but not the county's lists: none shown
    names = {x.department: x.name for x in p.departments}
    plan_rows = {"departments": list(p.departments) + [None] * NEW_ROWS["departments"],
                 "tasks": list(p.tasks) + [None] * NEW_ROWS["tasks"],
                 "milestones": list(p.milestones) + [None] * NEW_ROWS["milestones"]}
    mine = _dept_of(request, p)
    region_names = region_namer(request)
    return page(request, "supervision/project.html", {
        "region_names": region_names, "region_name": region_names(p.region_code),
        "user": me, "p": p, "names": names, "named": namer(names, await deputy_names(request, history_ids(p.history))),
        "letters": letters, "inspections": inspections,
        "chart": _milestone_chart(request, p), "yuan": yuan, "mine": mine, "can_plan": me.role in MANAGERS,
        "can_inspect": me.role in INSPECTION_WRITERS, "plan_rows": plan_rows, "form_errors": errors or [],
        "done": done, "history": list(reversed(p.history)), "request_id": str(uuid.uuid4()),
        "today": clock.china_today().isoformat()}, status=status)


@require_signin(*BOARD_ROLES)
async def project(request: Request) -> Response:
    """GET /desk/supervision/projects/<id>."""
    done = request.query_params.get("done", "")
    t = catalogue(request).t
    said = {"report": t.sv_done_report, "plan": t.sv_done_plan, "created": t.sv_done_created}.get(done, "")
    return await _project_page(request, request.path_params["id"][:64], done=said)


@require_signin("department", "staff")
async def report(request: Request) -> Response:
    """POST /desk/supervision/projects/<id>/report: one milestone's progress. The form is a
    department's (the office may enter a report made on paper through the API); supervision
    checks the department is the project's lead or co-department."""
    project_id = request.path_params["id"][:64]
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    spent = amount_fen(request, form.get("spent_yuan", ""), "spent_fen", "amount_field_spent")
    if isinstance(spent, str):
        return await _project_page(request, project_id, errors=[spent], status=400)
    call = pb.ReportProgressRequest(
        project_id=project_id, milestone_id=form.get("milestone_id", "")[:64], percent=_int(form.get("percent", "")),
        spent_fen=spent, evidence=form.get("evidence", "")[:MAX_TEXT],
        attachments=_lines(form.get("attachments", "")[:MAX_TEXT]))
    try:
        await b.supervision.ReportProgress(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return _not_found(request, e, "sv_project_not_found")
        return await _project_page(request, project_id, errors=[refused[0]], status=refused[1])
    return RedirectResponse(f"{HOME}/projects/{quote(project_id, safe='')}?done=report#m-{call.milestone_id}",
                            status_code=303)


ROLE_VALUES = {"lead": pb.DEPARTMENT_ROLE_LEAD, "co": pb.DEPARTMENT_ROLE_CO}


def plan_request(project_id: str, form: dict[str, str], budget_fen: int) -> pb.SetProjectPlanRequest:
    """The plan form as SetProjectPlan: rows numbered dept-<i>-*, task-<i>-*, ms-<i>-*; a row
    left blank is no row (that is how a department, task or milestone is dropped); supervision
    checks the rest (one lead, weights, due days within the deadline, ...)."""
    def rows(prefix: str, keys: tuple[str, ...], typed: tuple[str, ...]) -> list[dict[str, str]]:
        """The rows with something typed in a ``typed`` field (a choice preset in a blank
        row, the role or a task's department, is not a row)."""
        found = sorted({int(m.group(1)) for k in form if (m := re.fullmatch(rf"{prefix}-(\d{{1,3}})-\w+", k))})
        out = []
        for i in found:
            row = {k: form.get(f"{prefix}-{i}-{k}", "").strip() for k in keys}
            if any(row[k] for k in typed):
                out.append(row)
        return out
    r = pb.SetProjectPlanRequest(id=project_id, budget_fen=budget_fen,
                                 deadline=form.get("deadline", "")[:20], note=form.get("note", "")[:1000])
    for x in rows("dept", ("department", "name", "role", "responsible_person"),
                  ("department", "name", "responsible_person")):
        r.departments.append(pb.ProjectDepartment(department=x["department"], name=x["name"],
                                                  role=ROLE_VALUES.get(x["role"], 0),
                                                  responsible_person=x["responsible_person"]))
    for x in rows("task", ("title", "department"), ("title",)):
        r.tasks.append(pb.Task(title=x["title"], department=x["department"]))
    for x in rows("ms", ("id", "title", "due_date", "weight"), ("title", "due_date", "weight")):
        r.milestones.append(pb.MilestonePlan(id=x["id"], title=x["title"], due_date=x["due_date"],
                                             weight=_int(x["weight"], 0)))
    return r


@require_signin(*MANAGERS)
async def plan(request: Request) -> Response:
    """POST /desk/supervision/projects/<id>/plan: SetProjectPlan from the plan form."""
    project_id = request.path_params["id"][:64]
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    budget = amount_fen(request, form.get("budget_yuan", ""), "budget_fen", "amount_field_budget")
    if isinstance(budget, str):
        return await _project_page(request, project_id, errors=[budget], status=400)
    try:
        await b.supervision.SetProjectPlan(plan_request(project_id, form, budget), metadata=user_md(request),
                                           timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return _not_found(request, e, "sv_project_not_found")
        return await _project_page(request, project_id, errors=[refused[0]], status=refused[1])
    return RedirectResponse(f"{HOME}/projects/{quote(project_id, safe='')}?done=plan#plan", status_code=303)



# ---- a new project (直接立项) ------------------------------------------------------------------

# The new project form's rows: the lead department's (row 0) and co-departments', tasks,
# milestones (a row left blank is no row).
CREATE_ROWS = {"dept": 4, "task": 3, "ms": 3}
# Supervision's field (indexes dropped) -> the form's input (a row's inputs take the row's
# number: dept-<i>-responsible_person) for the refusal shown beside it.
CREATE_INPUTS = {"title": "title", "year": "year", "category": "category", "description": "description",
                 "budget_fen": "budget_yuan", "deadline": "deadline", "region_code": "region_code",
                 "departments": "departments", "tasks": "tasks", "milestones": "milestones",
                 "departments.department": "dept-{i}-department", "departments.name": "dept-{i}-department",
                 "departments.role": "dept-{i}-department",
                 "departments.responsible_person": "dept-{i}-responsible_person",
                 "tasks.title": "task-{i}-title", "tasks.department": "task-{i}-department",
                 "milestones.title": "ms-{i}-title", "milestones.due_date": "ms-{i}-due_date",
                 "milestones.weight": "ms-{i}-weight", "milestones.id": "ms-{i}-title"}
# The new project's own wording where supervision's shared sentence is another form's (an
# inspection's 调研主题, the plan form's typed account).
CREATE_PROBLEMS = {"title": "sv_new_problem_title", "category": "sv_new_problem_category",
                   "description": "sv_new_problem_description",
                   "departments.department": "sv_new_problem_department",
                   "departments.name": "sv_new_problem_department",
                   "departments.role": "sv_new_problem_department"}


async def known_departments(request: Request, code: str) -> dict[str, str]:
    """The departments of region ``code``'s government the portal knows, subject -> name, by
    name: the department accounts identity holds for the region (their ``stands_for``, the
    token subject supervision scopes a department by, with the account's display name) and the
    departments the region's projects already name (with the name given there, which wins).
    A source that cannot answer (refused, busy) adds none. Only the region's own: a department
    sees the projects of its own region only (supervision's access rule)."""
    b, md = backends(request), user_md(request)
    found: dict[str, str] = {}
    try:
        accounts = await b.identity.ListAccounts(ipb.ListAccountsRequest(
            region_code=code, role=ipb.ACCOUNT_ROLE_DEPARTMENT, page=common_pb2.PageRequest(page_size=500)),
            metadata=md, timeout=b.timeout)
        found |= {a.stands_for: a.display_name or a.stands_for for a in accounts.accounts
                  if a.region_code == code and a.stands_for and a.status != ipb.ACCOUNT_STATUS_DISABLED}
    except grpc.aio.AioRpcError:
        pass
    try:
        listed = await b.supervision.ListProjects(pb.ListProjectsRequest(
            region_code=code, page=common_pb2.PageRequest(page_size=BOARD_PROJECTS)), metadata=md, timeout=b.timeout)
        found |= {x.department: x.name for p in listed.projects if p.region_code == code
                  for x in p.departments if x.department and x.name}
    except grpc.aio.AioRpcError:
        pass
    return dict(sorted(found.items(), key=lambda kv: (kv[1], kv[0])))


def create_request(form: dict[str, str], region: str, budget_fen: int,
                   departments: dict[str, str]) -> tuple[pb.CreateProjectRequest, dict[str, list[int]], dict[str, str]]:
    """The new project form as CreateProject; where each list entry of the request came from
    ("departments" -> [form row, ...], to show a refusal beside its row); and the picks the
    page refuses itself (input -> the catalogue key): a department not among ``departments``
    (a stale form), chosen in a row with nothing else. Row 0 is the lead department (主办),
    the others co-departments (协办); supervision checks the rest."""
    r = pb.CreateProjectRequest(region_code=region, year=_int(form.get("year", ""), 0),
                                title=form.get("title", "")[:500], category=form.get("category", "")[:100],
                                description=form.get("description", "")[:MAX_TEXT], budget_fen=budget_fen,
                                deadline=form.get("deadline", "")[:20], request_id=form.get("request_id", "")[:64])
    rows: dict[str, list[int]] = {"departments": [], "tasks": [], "milestones": []}
    own: dict[str, str] = {}

    def get(prefix: str, i: int, key: str) -> str:
        return form.get(f"{prefix}-{i}-{key}", "").strip()[:200]

    for i in range(CREATE_ROWS["dept"]):
        dept, person = get("dept", i, "department"), get("dept", i, "responsible_person")
        if not (dept or person or i == 0):
            continue
        if dept and dept not in departments:
            own[f"dept-{i}-department"] = "sv_new_pick_department"
        rows["departments"].append(i)
        r.departments.append(pb.ProjectDepartment(
            department=dept, name=departments.get(dept, ""), responsible_person=person,
            role=pb.DEPARTMENT_ROLE_LEAD if i == 0 else pb.DEPARTMENT_ROLE_CO))
    for i in range(CREATE_ROWS["task"]):
        if get("task", i, "title"):
            rows["tasks"].append(i)
            r.tasks.append(pb.Task(title=get("task", i, "title"), department=get("task", i, "department")))
    for i in range(CREATE_ROWS["ms"]):
        if any(get("ms", i, k) for k in ("title", "due_date", "weight")):
            rows["milestones"].append(i)
            r.milestones.append(pb.MilestonePlan(title=get("ms", i, "title"), due_date=get("ms", i, "due_date"),
                                                 weight=_int(get("ms", i, "weight"), 0)))
    return r, rows, own


def create_refusal(request: Request, detail: str, rows: dict[str, list[int]]) -> tuple[str, str]:
    """Supervision's INVALID_ARGUMENT 'departments[1].responsible_person: ...' as (the form's
    input it concerns, the sentence beside it): the row is the form's, not the request's (a
    blank row is skipped in the request)."""
    cat = catalogue(request)
    path = detail.partition(":")[0].strip()
    plain = re.sub(r"\[\d+\]", "", path)
    key = CREATE_PROBLEMS.get(plain)
    said = cat.t[key] if key else cat.supervision_field_error(detail)
    m = re.match(r"(departments|tasks|milestones)\[(\d+)\]", path)
    where = CREATE_INPUTS.get(plain, "")
    if m and "{i}" in where:
        at = int(m[2])
        form_rows = rows.get(m[1], [])
        where = where.format(i=form_rows[at] if at < len(form_rows) else 0)
    return where, said


async def _create_page(request: Request, region: str, *, form: dict[str, str] | None = None,
                       errors: list[str] | None = None, by_input: dict[str, str] | None = None,
                       status: int = 200) -> Response:
    me = user(request)
    form = form or {}
    known = await known_departments(request, region)
    # Two departments of one name (two accounts named alike) told apart by their subject.
    alike = Counter(known.values())
    return page(request, "supervision/new_project.html", {
        "user": me, "region": region, "region_name": region_namer(request)(region), "choices": region_choices(request),
        "departments": {k: v if alike[v] == 1 else f"{v}（{k}）" for k, v in known.items()},
        "form": form, "form_errors": errors or [], "refusal": {"by_input": by_input or {}},
        "rows": CREATE_ROWS, "this_year": clock.china_today().year,
        "request_id": form.get("request_id") or str(uuid.uuid4())}, status=status)


def _create_region(request: Request, raw: str | None) -> str | None:
    """The region a new project is of: one of the user's subtree (the user's own by default);
    None for any other."""
    code = (raw or user(request).region).strip()[:9]
    return code if code in {c.code for c in region_choices(request)} else None


@require_signin("staff")
async def new_project(request: Request) -> Response:
    """GET /desk/supervision/projects/new?region=: the form, for a region of the user's subtree
    (another is a 404: not this user's to open projects in)."""
    region = _create_region(request, request.query_params.get("region"))
    if region is None:
        return _out_of_scope(request, (request.query_params.get("region") or "").strip()[:9])
    return await _create_page(request, region)


@require_signin("staff")
async def create_project(request: Request) -> Response:
    """POST /desk/supervision/projects/new: CreateProject from the form (the budget read by
    portal.money), then (303) the new project's page. A refusal is shown beside its input with
    the form as typed (400), nothing written; the form's request_id makes a form sent twice
    open one project."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    form = {k: v[:MAX_TEXT] for k, v in form.items() if k != "csrf_token"}
    region = _create_region(request, form.get("region_code"))
    if region is None:
        return _out_of_scope(request, form.get("region_code", "").strip()[:9])
    cat = catalogue(request)
    departments = await known_departments(request, region)
    try:
        budget = parse_fen(form.get("budget_yuan", ""))
    except AmountError as e:
        said = (cat.t.amount_too_large.format(field=cat.t.amount_field_budget) if e.too_large
                else cat.supervision_field_error("budget_fen"))
        return await _create_page(request, region, form=form, errors=[cat.t.invalid_input + said],
                                  by_input={"budget_yuan": said}, status=400)
    call, rows, own = create_request(form, region, budget, departments)
    if own:
        beside = {k: cat.t[v] for k, v in own.items()}
        return await _create_page(request, region, form=form,
                                  errors=[cat.t.invalid_input + x for x in beside.values()], by_input=beside,
                                  status=400)
    b = backends(request)
    try:
        made = await b.supervision.CreateProject(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT or (
                e.code() == grpc.StatusCode.NOT_FOUND and (e.details() or "").startswith("milestones")):
            where, said = create_refusal(request, e.details() or "", rows)
            if (e.details() or "").startswith("request_id"):
                # The form's key went with another project (sent, then changed after going
                # back): the form shown again gets a new one, so the next send opens this one.
                form.pop("request_id", None)
                said = cat.t.sv_new_resent
            return await _create_page(request, region, form=form, errors=[cat.t.invalid_input + said],
                                      by_input={where: said} if where else {}, status=400)
        refused = _refusal(request, e)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        return await _create_page(request, region, form=form, errors=[refused[0]], status=refused[1])
    return RedirectResponse(f"{HOME}/projects/{quote(made.id, safe='')}?done=created", status_code=303)


# ---- letters ------------------------------------------------------------------------------------

@require_signin(*LETTER_ROLES)
async def letters(request: Request) -> Response:
    """GET /desk/supervision/letters?region=&page_token=: the letters of the region's subtree
    (a department's own), newest first."""
    me, b = user(request), backends(request)
    code = (request.query_params.get("region") or me.region).strip()[:9]
    token = request.query_params.get("page_token", "")[:500]
    bad = _bad_filter(request, code)
    if bad is not None:
        return bad
    try:
        listed = await b.supervision.ListLetters(pb.ListLettersRequest(
            region_code=code, page=common_pb2.PageRequest(page_size=PAGE_SIZE, page_token=token)),
            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        if e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED):
            return error_page(request, 404, "not_found_title", "page_not_found")
        return rpc_error_page(request, e, not_found="page_not_found")
    next_link = f"{HOME}/letters?" + urlencode({"region": code, "page_token": listed.next_page_token}) \
        if listed.next_page_token else ""
    return page(request, "supervision/letters.html", {"user": me, "letters": listed.letters,
                                                      "total": listed.total_size, "next_link": next_link})


async def _letter_page(request: Request, letter_id: str, *, errors: list[str] | None = None, done: str = "",
                       status: int = 200) -> Response:
    me, b = user(request), backends(request)
    try:
        letter = await b.supervision.GetLetter(pb.GetLetterRequest(id=letter_id), metadata=user_md(request),
                                               timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _not_found(request, e, "sv_letter_not_found")
    # The addressed department answers (its subject and the letter's subject region); the office
    # may enter an answer made on paper. Supervision decides; the form is offered to them.
    addressed = me.role == "department" and me.stands_for == letter.department
    return page(request, "supervision/letter.html", {
        "user": me, "l": letter, "form_errors": errors or [], "done": done,
        "can_answer": not letter.answered_on and (addressed or me.role == "staff"),
        "today": clock.china_today().isoformat()}, status=status)


@require_signin(*LETTER_ROLES)
async def letter(request: Request) -> Response:
    """GET /desk/supervision/letters/<id>: the letter (number, title, what is late, reply-by
    day, its place in a chain of firmer letters), its DOCX and, until answered, the answer form."""
    done = catalogue(request).t.sv_done_answer if request.query_params.get("done") == "answer" else ""
    return await _letter_page(request, request.path_params["id"][:64], done=done)


@require_signin("department", "staff")
async def answer_letter(request: Request) -> Response:
    """POST /desk/supervision/letters/<id>/answer: AnswerLetter (answer, answered_on), which
    stops the chain's firmer letters."""
    letter_id = request.path_params["id"][:64]
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b = backends(request)
    try:
        await b.supervision.AnswerLetter(pb.AnswerLetterRequest(
            id=letter_id, answer=form.get("answer", "")[:MAX_TEXT], answered_on=form.get("answered_on", "")[:20]),
            metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return _not_found(request, e, "sv_letter_not_found")
        return await _letter_page(request, letter_id, errors=[refused[0]], status=refused[1])
    return RedirectResponse(f"{HOME}/letters/{quote(letter_id, safe='')}?done=answer", status_code=303)


@require_signin(*LETTER_ROLES)
async def letter_docx(request: Request) -> Response:
    """GET /desk/supervision/letters/<id>.docx: the letter as supervision rendered it, saved as
    '<number>.docx' (the letter's own number, e.g. 昌吉市人大常委会督办函〔2031〕1号.docx)."""
    b = backends(request)
    try:
        letter = await b.supervision.GetLetter(pb.GetLetterRequest(id=request.path_params["id"][:64]),
                                               metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        return _not_found(request, e, "sv_letter_not_found")
    return download(request, letter.document,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    f"{letter.number}.docx", ascii_name=f"letter-{letter.region_code}-{letter.id[:8]}.docx")


# ---- inspections ---------------------------------------------------------------------------------

async def _inspections_page(request: Request, *, errors: list[str] | None = None, status: int = 200,
                            form: dict[str, str] | None = None) -> Response:
    me, b, md = user(request), backends(request), user_md(request)
    q = request.query_params
    code = (q.get("region") or me.region).strip()[:9]
    project_id = (q.get("project") or (form or {}).get("project_id", "")).strip()[:64]
    token = q.get("page_token", "")[:500]
    deputies = await region_deputies(request, me.region) if me.role in INSPECTION_WRITERS else []
    try:
        listed = await b.supervision.ListInspections(pb.ListInspectionsRequest(
            region_code=code, project_id=project_id,
            page=common_pb2.PageRequest(page_size=PAGE_SIZE, page_token=token)), metadata=md, timeout=b.timeout)
        projects = (await b.supervision.ListProjects(pb.ListProjectsRequest(
            region_code=me.region, page=common_pb2.PageRequest(page_size=BOARD_PROJECTS)),
            metadata=md, timeout=b.timeout)).projects
    except grpc.aio.AioRpcError as e:
        if e.code() == grpc.StatusCode.INVALID_ARGUMENT:
            return error_page(request, 404, "not_found_title", "page_not_found")
        # a region above or beside the user's: 403, not in the user's jurisdiction
        return rpc_error_page(request, e, not_found="page_not_found")
    next_link = f"{HOME}/inspections?" + urlencode(
        {k: v for k, v in {"region": code, "project": project_id, "page_token": listed.next_page_token}.items() if v}
    ) if listed.next_page_token else ""
    return page(request, "supervision/inspections.html", {
        "region_names": region_namer(request),
        "user": me, "inspections": listed.inspections, "total": listed.total_size, "next_link": next_link,
        "projects": projects, "project_id": project_id, "form_errors": errors or [], "form": form or {},
        "can_inspect": me.role in INSPECTION_WRITERS, "request_id": str(uuid.uuid4()),
        "deputies": deputies, "picked": {k.removeprefix("dep-") for k in (form or {}) if k.startswith("dep-")},
        "today": clock.china_today().isoformat(), "titles": {p.id: p.title for p in projects}}, status=status)


@require_signin(*INSPECTION_ROLES)
async def inspections(request: Request) -> Response:
    """GET /desk/supervision/inspections?project=&region=&page_token=."""
    return await _inspections_page(request)


@require_signin(*INSPECTION_WRITERS)
async def schedule(request: Request) -> Response:
    """POST /desk/supervision/inspections: ScheduleInspection in the user's region (of a
    project, or of none), then the inspection's page."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    me, b = user(request), backends(request)
    call = pb.ScheduleInspectionRequest(
        region_code=me.region, project_id=form.get("project_id", "").strip()[:64], title=form.get("title", "")[:500],
        scheduled_on=form.get("scheduled_on", "")[:20], participants=await _participants(request, form, me.region),
        request_id=form.get("request_id", "")[:64])
    try:
        got = await b.supervision.ScheduleInspection(call, metadata=user_md(request), timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None and e.code() == grpc.StatusCode.NOT_FOUND:
            refused = (catalogue(request).t.invalid_input + catalogue(request).supervision_field_error(
                e.details() or ""), 400)
        if refused is None:
            return rpc_error_page(request, e, not_found="page_not_found")
        return await _inspections_page(request, errors=[refused[0]], status=refused[1], form=form)
    return RedirectResponse(f"{HOME}/inspections/{quote(got.id, safe='')}?done=schedule", status_code=303)


# The record form's inputs by supervision's field: a refusal is also said beside its input.
RECORD_INPUTS = {"held_on": "held-on", "findings": "findings-field", "problems": "problems-field"}


async def _inspection_page(request: Request, inspection_id: str, *, errors: list[str] | None = None,
                           done: str = "", status: int = 200, form: dict[str, str] | None = None,
                           by_input: dict[str, str] | None = None) -> Response:
    me, b, md = user(request), backends(request), user_md(request)
    try:
        x = await b.supervision.GetInspection(pb.GetInspectionRequest(id=inspection_id), metadata=md,
                                              timeout=b.timeout)
        title = ""
        if x.project_id:
            try:
                title = (await b.supervision.GetProject(pb.GetProjectRequest(id=x.project_id), metadata=md,
                                                        timeout=b.timeout)).title
            except grpc.aio.AioRpcError as e:
                if e.code() != grpc.StatusCode.NOT_FOUND:
                    raise
    except grpc.aio.AioRpcError as e:
        return _not_found(request, e, "sv_inspection_not_found")
    # Who may record (and solve) is supervision's access table (services/supervision/access.py
    # inspection.manage): the office of the region's subtree; a deputy only what they
    # scheduled (created_by is the token's subject: identity's stands_for, else the username).
    # Others read it without the forms.
    may_manage = me.role in MANAGERS or (me.role == "deputy" and x.created_role == "deputy"
                                         and x.created_by == (me.stands_for or me.username))
    recording = may_manage and x.status == pb.INSPECTION_STATUS_SCHEDULED
    return page(request, "supervision/inspection.html", {
        "user": me, "x": x, "project_title": title, "form_errors": errors or [], "done": done,
        "can_inspect": may_manage, "today": clock.china_today().isoformat(),
        "form": form or {}, "by_input": by_input or {},
        # The record form: the region's deputies, those scheduled ticked; the others typed (an
        # inspection scheduled before ids were kept: every name, to tick the deputies among them).
        "deputies": await region_deputies(request, x.region_code) if recording else [],
        "picked": {p.deputy_id for p in x.participants if p.deputy_id},
        "others": "、".join(p.name for p in x.participants if not p.deputy_id) if x.participants
        else "、".join(x.participant_names)}, status=status)


@require_signin(*INSPECTION_ROLES)
async def inspection(request: Request) -> Response:
    """GET /desk/supervision/inspections/<id>."""
    t = catalogue(request).t
    said = {"schedule": t.sv_done_schedule, "record": t.sv_done_record, "solve": t.sv_done_solve}.get(
        request.query_params.get("done", ""), "")
    return await _inspection_page(request, request.path_params["id"][:64], done=said)


@require_signin(*INSPECTION_WRITERS)
async def inspection_step(request: Request) -> Response:
    """POST /desk/supervision/inspections/<id>/record (held_on, participants, findings,
    problems one a line) or /solve (problem_id, solution), then back to the inspection."""
    inspection_id, step = request.path_params["id"][:64], request.path_params["step"]
    if step not in ("record", "solve"):
        return error_page(request, 404, "not_found_title", "page_not_found")
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    b, md = backends(request), user_md(request)
    try:
        if step == "record":
            await b.supervision.RecordInspection(pb.RecordInspectionRequest(
                id=inspection_id, held_on=form.get("held_on", "")[:20],
                participants=await _participants(request, form, form.get("region", "")[:9]),
                findings=form.get("findings", "")[:MAX_TEXT + 100],
                problems=_lines(form.get("problems", "")[:MAX_TEXT * 4])), metadata=md, timeout=b.timeout)
        else:
            await b.supervision.SolveProblem(pb.SolveProblemRequest(
                inspection_id=inspection_id, problem_id=form.get("problem_id", "")[:64],
                solution=form.get("solution", "")[:2000]), metadata=md, timeout=b.timeout)
    except grpc.aio.AioRpcError as e:
        refused = _refusal(request, e)
        if refused is None:
            return _not_found(request, e, "sv_inspection_not_found")
        field = re.sub(r"\[\d+\]", "", (e.details() or "").partition(":")[0].strip())
        beside = ({RECORD_INPUTS[field]: catalogue(request).supervision_field_error(e.details() or "")}
                  if step == "record" and e.code() == grpc.StatusCode.INVALID_ARGUMENT and field in RECORD_INPUTS
                  else {})
        return await _inspection_page(request, inspection_id, errors=[refused[0]], status=refused[1],
                                      form=form if step == "record" else None, by_input=beside)
    return RedirectResponse(f"{HOME}/inspections/{quote(inspection_id, safe='')}?done={step}", status_code=303)


routes = [
    Route(HOME, board, methods=["GET"]),
    Route(f"{HOME}/projects/new", new_project, methods=["GET"]),       # before {id}: it would match
    Route(f"{HOME}/projects/new", create_project, methods=["POST"]),
    Route(f"{HOME}/projects/{{id}}", project, methods=["GET"]),
    Route(f"{HOME}/projects/{{id}}/report", report, methods=["POST"]),
    Route(f"{HOME}/projects/{{id}}/plan", plan, methods=["POST"]),
    Route(f"{HOME}/letters", letters, methods=["GET"]),
    Route(f"{HOME}/letters/{{id}}.docx", letter_docx, methods=["GET"]),     # before {id}: it would match
    Route(f"{HOME}/letters/{{id}}", letter, methods=["GET"]),
    Route(f"{HOME}/letters/{{id}}/answer", answer_letter, methods=["POST"]),
    Route(f"{HOME}/inspections", inspections, methods=["GET"]),
    Route(f"{HOME}/inspections", schedule, methods=["POST"]),
    Route(f"{HOME}/inspections/{{id}}", inspection, methods=["GET"]),
    Route(f"{HOME}/inspections/{{id}}/{{step}}", inspection_step, methods=["POST"]),
]
