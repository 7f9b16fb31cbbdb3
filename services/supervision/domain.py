"""Supervision's rules, plain Python (no grpc, no SQL): what a project's plan may hold, how its
progress is derived from its milestones and how a programme rolls its projects up.

Sources: the seed's reports (温县: 主、协办单位, 任务清单, 推进计划; 督导调研, 提醒督办函) and
issue 9 §1. Money is integer fen, shown as exact decimal yuan; percentages are exact decimals
with two places (never floats). Enums mirror lianxin.supervision.v1 name for name
(tests/test_skeleton.py holds them to the generated numbers).
"""
from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shared import text as canonical
from shared import validation
from shared.errors import FailedPrecondition, InvalidArgument


class ProjectOrigin(enum.IntEnum):
    UNSPECIFIED = 0
    BALLOT = 1
    DIRECT = 2


class DepartmentRole(enum.IntEnum):
    UNSPECIFIED = 0
    LEAD = 1      # 主办
    CO = 2        # 协办


ROLE_LABELS = {DepartmentRole.LEAD: "主办", DepartmentRole.CO: "协办"}

MAX_TITLE = 100
MAX_CATEGORY = 20
MAX_DESCRIPTION = 4000
MAX_NAME = 50
MAX_DEPARTMENT = 100
MAX_NOTE = 500
MAX_EVIDENCE = 4000
MAX_ATTACHMENT = 500
MAX_DEPARTMENTS = 20
MAX_TASKS = 200
MAX_MILESTONES = 100
MAX_ATTACHMENTS = 20
MAX_WEIGHT = 1000
# A trillion yuan, as balloting's investment: any real budget fits, int64 overflow cannot.
MAX_FEN = 100_000_000_000_000
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def line(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    return validation.text(value, field, max_len=max_len, required=required)


def text(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    return validation.text(value, field, max_len=max_len, required=required, multiline=True)


def check_year(year: int, field: str = "year") -> int:
    if not 2000 <= year <= 2100:
        raise InvalidArgument(field, "must be a year between 2000 and 2100")
    return year


def check_fen(value: int, field: str) -> int:
    if not 0 <= value <= MAX_FEN:
        raise InvalidArgument(field, "must be between 0 and 10^14 fen (a trillion yuan)")
    return value


def check_day(value: str, field: str, *, required: bool) -> date | None:
    """A China day as YYYY-MM-DD (full-width digits folded first)."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        if required:
            raise InvalidArgument(field, "is required")
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field, "must be a day, YYYY-MM-DD") from None
    if not 2000 <= day.year <= 2100:
        raise InvalidArgument(field, "must be a day between 2000 and 2100")
    return day


def yuan(fen: int) -> str:
    """Integer fen as exact decimal yuan text: 420000000 -> "4200000.00"."""
    return str((Decimal(fen) / HUNDRED).quantize(CENT))


# ---- the plan ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Department:
    department: str
    name: str
    role: DepartmentRole
    responsible_person: str


@dataclass(frozen=True)
class Task:
    title: str
    department: str


@dataclass(frozen=True)
class MilestonePlan:
    id: str
    title: str
    due_date: date | str
    weight: int


@dataclass(frozen=True)
class Plan:
    departments: tuple[Department, ...]
    tasks: tuple[Task, ...]
    milestones: tuple[MilestonePlan, ...]


def check_departments(items: Sequence[Department], field: str = "departments") -> tuple[Department, ...]:
    """One lead department (主办) and any co-departments (协办), each named once, each with its
    responsible person (责任人): the seed's 明确主、协办单位 and 主要领导亲自抓."""
    if not items:
        raise InvalidArgument(field, "name the lead department (主办)")
    if len(items) > MAX_DEPARTMENTS:
        raise InvalidArgument(field, f"at most {MAX_DEPARTMENTS} departments")
    out, seen = [], set()
    for i, x in enumerate(items):
        at = f"{field}[{i}]"
        dept = line(x.department, f"{at}.department", max_len=MAX_DEPARTMENT, required=True)
        if dept in seen:
            raise InvalidArgument(f"{at}.department", "names a department twice")
        seen.add(dept)
        if x.role not in (DepartmentRole.LEAD, DepartmentRole.CO):
            raise InvalidArgument(f"{at}.role", "is required")
        out.append(Department(department=dept, name=line(x.name, f"{at}.name", max_len=MAX_NAME, required=True),
                              role=x.role,
                              responsible_person=validation.text(x.responsible_person, f"{at}.responsible_person",
                                                                 max_len=MAX_NAME, required=True,
                                                                 form=canonical.name)))
    leads = [i for i, x in enumerate(out) if x.role is DepartmentRole.LEAD]
    if len(leads) != 1:
        raise InvalidArgument(f"{field}[{leads[1] if leads else 0}].role",
                              "a project has exactly one lead department (主办)")
    return tuple(out)


def check_tasks(items: Sequence[Task], departments: Sequence[Department], field: str = "tasks") -> tuple[Task, ...]:
    """The task list (任务清单): each task with the department that does it."""
    if len(items) > MAX_TASKS:
        raise InvalidArgument(field, f"at most {MAX_TASKS} tasks")
    known = {d.department for d in departments}
    out = []
    for i, x in enumerate(items):
        at = f"{field}[{i}]"
        title = line(x.title, f"{at}.title", max_len=MAX_TITLE, required=True)
        dept = line(x.department, f"{at}.department", max_len=MAX_DEPARTMENT, required=True)
        if dept not in known:
            raise InvalidArgument(f"{at}.department", "is not one of the project's departments")
        out.append(Task(title, dept))
    return tuple(out)


def check_milestones(items: Sequence[MilestonePlan], field: str = "milestones") -> tuple[MilestonePlan, ...]:
    """The plan (推进计划): milestones with a title, a due China day and a weight (1..1000, its
    share of the project). Ids are checked against the project by the use case."""
    if len(items) > MAX_MILESTONES:
        raise InvalidArgument(field, f"at most {MAX_MILESTONES} milestones")
    out, seen, titles = [], set(), set()
    for i, x in enumerate(items):
        at = f"{field}[{i}]"
        if x.id and x.id in seen:
            raise InvalidArgument(f"{at}.id", "names a milestone twice")
        seen.add(x.id)
        if not 1 <= x.weight <= MAX_WEIGHT:
            raise InvalidArgument(f"{at}.weight", f"must be between 1 and {MAX_WEIGHT}")
        due = check_day(str(x.due_date), f"{at}.due_date", required=True)
        title = line(x.title, f"{at}.title", max_len=MAX_TITLE, required=True)
        if title in titles:
            # letters and the board name a milestone by its title (节点“…”)
            raise InvalidArgument(f"{at}.title", "names a milestone twice in the plan")
        titles.add(title)
        out.append(MilestonePlan(id=x.id, title=title, due_date=due or "", weight=x.weight))
    return tuple(out)


def check_plan(plan: Plan) -> Plan:
    departments = check_departments(plan.departments)
    return Plan(departments, check_tasks(plan.tasks, departments), check_milestones(plan.milestones))


# ---- progress --------------------------------------------------------------------------------

def check_percent(value: int, field: str = "percent") -> int:
    if not 0 <= value <= 100:
        raise InvalidArgument(field, "must be between 0 and 100")
    return value


def check_attachments(items: Sequence[str], field: str = "attachments") -> tuple[str, ...]:
    """Attachments by reference (a file id or an address), never the file itself."""
    if len(items) > MAX_ATTACHMENTS:
        raise InvalidArgument(field, f"at most {MAX_ATTACHMENTS} attachments")
    return tuple(validation.text(x, f"{field}[{i}]", max_len=MAX_ATTACHMENT, required=True)
                 for i, x in enumerate(items))


def progress(milestones: Sequence[tuple[int, int]]) -> Decimal:
    """A project's progress from its milestones' (weight, percent): sum(weight x percent) /
    sum(weight), exact, two places (half up); 0 without milestones. Never typed in."""
    total = sum(w for w, _ in milestones)
    if not total:
        return Decimal("0.00")
    return (Decimal(sum(w * p for w, p in milestones)) / Decimal(total)).quantize(CENT, ROUND_HALF_UP)


def rolled_up(progresses: Sequence[Decimal]) -> Decimal:
    """A programme's progress: the mean of its projects' progress, each project counting once."""
    if not progresses:
        return Decimal("0.00")
    return (sum(progresses, Decimal(0)) / Decimal(len(progresses))).quantize(CENT, ROUND_HALF_UP)


def finished(p: Decimal) -> bool:
    return p >= HUNDRED


# ---- history texts ---------------------------------------------------------------------------

def departments_text(items: Sequence[Department]) -> str:
    return "；".join(f"{ROLE_LABELS[x.role]} {x.name}（{x.department}，责任人 {x.responsible_person}）" for x in items)


def tasks_text(items: Sequence[Task]) -> str:
    return "；".join(f"{x.title}（{x.department}）" for x in items)


def milestones_text(items: Sequence[MilestonePlan]) -> str:
    return "；".join(f"{x.title} {x.due_date} 权重{x.weight}" for x in items)


def progress_text(percent: int, spent_fen: int) -> str:
    return f"{percent}%，已支出 {yuan(spent_fen)} 元"


# ---- inspections (督导调研) -------------------------------------------------------------------

class InspectionStatus(enum.IntEnum):
    UNSPECIFIED = 0
    SCHEDULED = 1
    HELD = 2


class ProblemStatus(enum.IntEnum):
    UNSPECIFIED = 0
    OPEN = 1
    SOLVED = 2


MAX_PARTICIPANTS = 200
MAX_PROBLEMS = 200
MAX_FINDINGS = 8000
MAX_PROBLEM = 1000


@dataclass(frozen=True)
class Participant:
    """Who took part in an inspection: a deputy by their roster id (``deputy_id``, a UUID) with
    the name shown beside it, or anyone else (an expert, a department's official) by name only
    (``deputy_id`` empty), shown but earning no performance points. Supervision holds no roster:
    the id is checked as a deputy's where points are counted (evaluation's directory)."""
    deputy_id: str
    name: str


def check_participants(items: Sequence[Participant], field: str = "participants") -> tuple[Participant, ...]:
    """Who took part, each once: a deputy once by id (two deputies may share a name), anyone
    else once by name; every one named (at most MAX_NAME characters)."""
    if len(items) > MAX_PARTICIPANTS:
        raise InvalidArgument(field, f"at most {MAX_PARTICIPANTS} participants")
    out: list[Participant] = []
    for i, x in enumerate(items):
        name = validation.text(x.name, f"{field}[{i}].name", max_len=MAX_NAME, required=True, form=canonical.name)
        if x.deputy_id and any(p.deputy_id == x.deputy_id for p in out):
            raise InvalidArgument(f"{field}[{i}].deputy_id", "names a deputy twice")
        if not x.deputy_id and any(not p.deputy_id and p.name == name for p in out):
            raise InvalidArgument(f"{field}[{i}].name", "names a participant twice")
        out.append(Participant(x.deputy_id, name))
    return tuple(out)


def check_problems(items: Sequence[str], field: str = "problems") -> tuple[str, ...]:
    if len(items) > MAX_PROBLEMS:
        raise InvalidArgument(field, f"at most {MAX_PROBLEMS} problems")
    return tuple(text(x, f"{field}[{i}]", max_len=MAX_PROBLEM, required=True) for i, x in enumerate(items))


def check_record(status: InspectionStatus) -> None:
    """An inspection is recorded once, as held; its problems are then solved one by one."""
    if status is not InspectionStatus.SCHEDULED:
        raise FailedPrecondition("the inspection is recorded already")


def check_solve(inspection: InspectionStatus, problem: ProblemStatus) -> None:
    if inspection is not InspectionStatus.HELD:
        raise FailedPrecondition("the inspection is not recorded yet")
    if problem is not ProblemStatus.OPEN:
        raise FailedPrecondition("the problem is solved already")


# ---- lateness and reminder letters (提醒督办函) --------------------------------------------------

class LatenessKind(enum.IntEnum):
    UNSPECIFIED = 0
    MILESTONE_OVERDUE = 1
    BEHIND_PLAN = 2
    RECTIFICATION_OVERDUE = 3
    ITEM_OVERDUE = 4     # a deputy's bill or suggestion not replied by its deadline (bills.py)


@dataclass(frozen=True)
class Lateness:
    """One lateness a letter answers; ``key`` is unique per lateness (no second letter)."""
    key: str
    kind: LatenessKind
    milestone_id: str
    days_late: int
    what: str


@dataclass(frozen=True)
class MilestoneState:
    id: str
    title: str
    due_date: date
    weight: int
    percent: int


def day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def planned_progress(milestones: Sequence[MilestoneState], today: date) -> Decimal:
    """What the plan asks by ``today``: the weights of the milestones due before it, as a
    percentage of all weights (a milestone due is planned done)."""
    total = sum(m.weight for m in milestones)
    if not total:
        return Decimal("0.00")
    due = sum(m.weight for m in milestones if m.due_date < today)
    return (Decimal(due * 100) / Decimal(total)).quantize(CENT, ROUND_HALF_UP)


def days_late(due_date: date, percent: int, today: date) -> int:
    """Days a milestone is past its due China day while below 100% on ``today``; 0 when it is
    not late (due today is not late yet). The sweep's rule, and what answers show."""
    return (today - due_date).days if due_date < today and percent < 100 else 0


def overdue(m: MilestoneState, today: date) -> Lateness | None:
    """A milestone past its due day and not at 100% (温县: 及时通报办理进展, 发放《提醒督办函》)."""
    days = days_late(m.due_date, m.percent, today)
    if not days:
        return None
    return Lateness(key=f"milestone:{m.id}:{m.due_date.isoformat()}", kind=LatenessKind.MILESTONE_OVERDUE,
                    milestone_id=m.id, days_late=days,
                    what=f"节点“{m.title}”应于{day_text(m.due_date)}完成，截至{day_text(today)}完成{m.percent}%，"
                         f"已逾期{days}天")


@dataclass(frozen=True)
class PlanSums:
    """A project's milestones summed (what SQL can sum for a whole programme at once): all
    weights, sum(weight x percent), the weights due before today, the latest due day passed,
    the milestones overdue."""
    weight: int
    weighted_percent: int
    weight_due: int
    last_due: date | None
    overdue: int

    @classmethod
    def of(cls, milestones: Sequence[MilestoneState], today: date) -> PlanSums:
        passed = [m for m in milestones if m.due_date < today]
        return cls(sum(m.weight for m in milestones), sum(m.weight * m.percent for m in milestones),
                   sum(m.weight for m in passed), max((m.due_date for m in passed), default=None),
                   sum(m.percent < 100 for m in passed))


def behind_plan(project_id: str, sums: PlanSums, today: date, margin: int) -> Lateness | None:
    """The project when its progress trails the plan (planned_progress) by more than
    ``margin`` points, as of the latest due day passed."""
    if sums.last_due is None or not sums.weight:
        return None
    planned = (Decimal(sums.weight_due * 100) / Decimal(sums.weight)).quantize(CENT, ROUND_HALF_UP)
    actual = (Decimal(sums.weighted_percent) / Decimal(sums.weight)).quantize(CENT, ROUND_HALF_UP)
    if not actual + margin < planned:
        return None
    last = sums.last_due
    return Lateness(key=f"behind:{project_id}:{last.isoformat()}", kind=LatenessKind.BEHIND_PLAN, milestone_id="",
                    days_late=(today - last).days,
                    what=f"按推进计划截至{day_text(today)}应完成{planned}%，实际完成{actual}%，"
                         f"落后{planned - actual}个百分点")


def letters_due(late: Sequence[Lateness], answered: Collection[str] = frozenset()) -> list[Lateness]:
    """The latenesses of one project that a letter is for: every overdue milestone, and the
    project behind plan only when each of its overdue milestones' letter chains is answered
    (``answered``: chain keys with an answer). A project behind plan always has a milestone
    overdue, and that milestone's letter says already that the project is late: one letter
    per lateness, not two in the same minute to the same department."""
    milestones = [x for x in late if x.kind is LatenessKind.MILESTONE_OVERDUE]
    if any(x.key not in answered for x in milestones):
        return [x for x in late if x.kind is not LatenessKind.BEHIND_PLAN]
    return list(late)


def lateness(project_id: str, milestones: Sequence[MilestoneState], today: date, margin: int,
             answered: Collection[str] = frozenset()) -> list[Lateness]:
    """What gets a letter in a project on ``today`` (a China day): each milestone overdue, and
    the project when behind plan (behind_plan) once its overdue milestones' letters are
    answered (letters_due)."""
    out = [x for x in (overdue(m, today) for m in milestones) if x is not None]
    behind = behind_plan(project_id, PlanSums.of(milestones, today), today, margin)
    return letters_due(out + ([behind] if behind else []), answered)


def letter_number(issuer: str, year: int, seq: int) -> str:
    return f"{issuer}督办函〔{year}〕{seq}号"


# Firmness of a chain of letters about one lateness (温县: 发放《提醒督办函》, 对牵头部门持续提要求、
# 压责任): the first reminds, an unanswered one is followed by a 督办函, then by 再次督办函 until
# the configured number of unanswered letters sends the chain to the tier above (提级督办).
LETTER_TITLES = {1: "提醒督办函", 2: "督办函"}
TITLE_AGAIN = "再次督办函"
TITLE_ABOVE = "提级督办函"
MAX_ANSWER = 4000


def letter_title(level: int, *, from_above: bool = False) -> str:
    if from_above:
        return TITLE_ABOVE
    return LETTER_TITLES.get(level, TITLE_AGAIN)


def letter_request(level: int, reply_by: date, *, from_above: bool = False) -> str:
    """What the letter asks, firmer with each level (the sentence after the lateness)."""
    by = day_text(reply_by)
    if from_above:
        return (f"本委员会决定提级督办。请你单位主要负责同志亲自研究部署，限期整改到位，"
                f"并于{by}前将整改落实情况书面报告本委员会，同时抄报原发函单位。")
    if level <= 1:
        return f"请接函后认真研究，采取有力措施加快推进，并于{by}前将整改落实情况书面回复本委员会。"
    if level == 2:
        return (f"你单位未在规定期限内书面回复。请高度重视，切实履行主办责任，"
                f"于{by}前将整改落实情况书面回复本委员会。")
    return (f"本委员会已{level - 1}次发函，你单位仍未书面回复。现再次督办，请你单位主要负责同志亲自过问，"
            f"于{by}前将整改落实情况书面回复本委员会，逾期未复的，本委员会将提请上级人大常委会督办。")


def check_answer_day(answered_on: date, issued_on: date, today: date, field: str = "answered_on") -> date:
    """The day a department answered: not before the letter was issued, not after today."""
    if answered_on > today:
        raise InvalidArgument(field, "is after today")
    if answered_on < issued_on:
        raise InvalidArgument(field, "is before the letter was issued")
    return answered_on


def check_answerable(answered: bool) -> None:
    if answered:
        raise FailedPrecondition("the letter is answered already")


# ---- how a project stands (statistics) -------------------------------------------------------

class ProjectStandingKind(enum.IntEnum):
    UNSPECIFIED = 0
    ON_SCHEDULE = 1
    LATE = 2
    FINISHED = 3


def standing(sums: PlanSums, behind: Lateness | None) -> tuple[ProjectStandingKind, int]:
    """(standing, overdue milestones) of a project: finished at 100%, late with an overdue
    milestone or behind plan, else on schedule."""
    if sums.weight and sums.weighted_percent >= 100 * sums.weight:
        return ProjectStandingKind.FINISHED, 0
    return (ProjectStandingKind.LATE if sums.overdue or behind else ProjectStandingKind.ON_SCHEDULE), sums.overdue
