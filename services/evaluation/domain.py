"""Evaluation's rules (评), plain Python: no gRPC, SQL or Kafka here. One section per area.

Sources: the seed reports (县乡两级人大于每年年底召开专题会议 ... 组织代表进行满意度测评; 对于满意度低
或当年未完成的项目，要求政府作出书面说明并立即整改，必要时启动询问和质询程序; 2022、2023年度：满意项目
18项，基本满意2项，总体满意率90%), and for the thresholds the common form of the regions'
评议/测评 measures, which each region configures (SetSatisfactionRules).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shared import validation
from shared.errors import InvalidArgument, NotFound
from shared.secret_ballot import check_quorum_percent

# ---- common -------------------------------------------------------------------------------------


def check_year(year: int, field: str = "year") -> int:
    if not 2000 <= year <= 2100:
        raise InvalidArgument(field, "must be a year between 2000 and 2100")
    return year


def line(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    return validation.text(value, field, max_len=max_len, required=required)


def text(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    return validation.text(value, field, max_len=max_len, required=required, multiline=True)


def check_day(value: str, field: str, *, required: bool) -> date | None:
    """A YYYY-MM-DD day (a China day), between 2000 and 2100."""
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidArgument(field, "is required (YYYY-MM-DD)")
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field, "must be a day as YYYY-MM-DD") from None
    if not 2000 <= day.year <= 2100:
        raise InvalidArgument(field, "must be a day between 2000 and 2100")
    return day


def day_text(day: date) -> str:
    """A day as Chinese documents write it: 2031年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def percent_text(value: Decimal) -> str:
    """An exact percent with two places, as text ("90.00")."""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class DepartmentRole(enum.IntEnum):
    """Supervision's department roles (lianxin.supervision.v1.DepartmentRole), as its events carry them."""
    LEAD = 1      # 主办
    CO = 2        # 协办


MAX_TITLE = 100
MAX_TEXT = 4000
MAX_NAME = 50
MAX_ORGAN = 100
MAX_ITEMS = 50
FINISHED = Decimal(100)

# ---- the satisfaction vote (满意度测评) -------------------------------------------------------


class Rating(enum.IntEnum):
    SATISFIED = 1              # 满意
    BASICALLY_SATISFIED = 2    # 基本满意
    UNSATISFIED = 3            # 不满意


RATING_LABELS = {Rating.SATISFIED: "满意", Rating.BASICALLY_SATISFIED: "基本满意", Rating.UNSATISFIED: "不满意"}
# How a ballot's ratings are stored and published: one letter per project, in ballot order.
RATING_LETTERS = {Rating.SATISFIED: "S", Rating.BASICALLY_SATISFIED: "B", Rating.UNSATISFIED: "U"}
LETTER_RATINGS = {v: k for k, v in RATING_LETTERS.items()}


class VoteStatus(enum.IntEnum):
    OPEN = 1         # deputies rate
    COUNTED = 2      # the count is in, with its bulletin
    PUBLISHED = 3    # 公开: results public, rectifications required


@dataclass(frozen=True)
class Rules:
    """A region's rules of the vote.

    Defaults, the common form of the regions' 测评 measures: the vote counts only with more
    than half of the deputies voting (过半数, the same quorum as the ballot); a project is
    满意 when its 满意 ratings exceed half of the ballots, 基本满意 when 满意 and 基本满意
    together exceed half, else 不满意; the government answers a rectification within 30 days
    (书面说明和整改方案). Each region sets its own (SetSatisfactionRules), inherited down the tree.
    """
    quorum_percent: int = 50
    satisfied_percent: int = 50
    acceptable_percent: int = 50
    plan_days: int = 30


DEFAULT_RULES = Rules()


def check_rules(r: Rules, prefix: str = "rules") -> Rules:
    check_quorum_percent(r.quorum_percent, f"{prefix}.quorum_percent")
    for name in ("satisfied_percent", "acceptable_percent"):
        if not 1 <= getattr(r, name) <= 99:
            raise InvalidArgument(f"{prefix}.{name}", "must be between 1 and 99 (the share must exceed it)")
    if not 1 <= r.plan_days <= 365:
        raise InvalidArgument(f"{prefix}.plan_days", "must be between 1 and 365 days")
    return r


def verdict(satisfied: int, basically: int, ballots: int, rules: Rules) -> Rating:
    """A project's verdict from its tally: 满意 when satisfied * 100 > ballots *
    satisfied_percent, 基本满意 when (satisfied + basically) * 100 > ballots *
    acceptable_percent, else 不满意 (integers: "more than half" of 20 is 11)."""
    if ballots > 0 and satisfied * 100 > ballots * rules.satisfied_percent:
        return Rating.SATISFIED
    if ballots > 0 and (satisfied + basically) * 100 > ballots * rules.acceptable_percent:
        return Rating.BASICALLY_SATISFIED
    return Rating.UNSATISFIED


def satisfaction_rate(verdicts: list[Rating]) -> Decimal:
    """总体满意率: the share of projects rated 满意, in percent, exact (18 of 20 is 90)."""
    if not verdicts:
        return Decimal(0)
    return Decimal(sum(1 for v in verdicts if v is Rating.SATISFIED)) * 100 / Decimal(len(verdicts))


def ballot_marks(ratings: list[tuple[str, Rating]], projects: list[str], field: str = "ratings") -> str:
    """A ballot's letters in ballot order: every project of the vote rated exactly once.

    Each rating is checked in order, so a ballot with more ratings than projects is refused at
    the first that names a project twice or one not on the ballot, naming it."""
    by_project: dict[str, Rating] = {}
    for i, (project_id, rating) in enumerate(ratings):
        if project_id not in projects:
            raise NotFound("project", project_id, f"{field}[{i}].project_id")
        if project_id in by_project:
            raise InvalidArgument(f"{field}[{i}].project_id", f"rates project {project_id} a second time")
        by_project[project_id] = rating
    missing = [p for p in projects if p not in by_project]
    if missing:
        raise InvalidArgument(field, f"rate every project of the ballot: {len(missing)} not rated")
    return "".join(RATING_LETTERS[by_project[p]] for p in projects)


@dataclass(frozen=True)
class Tally:
    satisfied: int
    basically: int
    unsatisfied: int


def tally(ballots: list[str], projects: int) -> list[Tally]:
    """Per project, in ballot order, the ratings of the ballots (stored letters)."""
    out = []
    for i in range(projects):
        marks = [b[i] for b in ballots if len(b) == projects]
        out.append(Tally(marks.count("S"), marks.count("B"), marks.count("U")))
    return out


# ---- rectification (整改) and inquiries (询问/质询) ------------------------------------------


class RectificationStatus(enum.IntEnum):
    REQUIRED = 1     # the government owes its written explanation and plan
    PLANNED = 2      # explanation and plan in, being carried out
    RECTIFIED = 3    # done, reported


class RectificationStepKind(enum.IntEnum):
    """A step of a rectification's history (lianxin.evaluation.v1.RectificationStepKind)."""
    PLAN_SUBMITTED = 1          # an explanation and plan, as submitted
    DEPARTMENT_ASSIGNED = 2     # addressed to the lead department the project's plan named


def needs_rectification(rating: Rating, finished: bool) -> bool:
    """A project rated 不满意, or not finished at year end, requires a written explanation and
    rectification (the seed: 对于满意度低或当年未完成的项目，要求政府作出书面说明并立即整改)."""
    return rating is Rating.UNSATISFIED or not finished


class InquiryKind(enum.IntEnum):
    INQUIRY = 1          # 询问
    INTERPELLATION = 2   # 质询


class InquiryStatus(enum.IntEnum):
    OPEN = 1
    ANSWERED = 2
    CLOSED = 3


def check_items(items: list[str], field: str, *, required: bool) -> list[str]:
    if len(items) > MAX_ITEMS:
        raise InvalidArgument(field, f"at most {MAX_ITEMS} items")
    out = [text(x, f"{field}[{i}]", max_len=MAX_TEXT, required=True) for i, x in enumerate(items)]
    if required and not out:
        raise InvalidArgument(field, "name at least one")
    return out
