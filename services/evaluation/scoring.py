"""Deputies' performance points (履职量化考评), plain Python (no grpc, no SQL): the rules as data,
the points each recorded item earns under them, the year's ranking and the flags.

Source: the seed (昌吉州: 履职量化考评细则, 代表履职档案 as the ground for re-election,
代表积分制管理、活跃度排名, 人大代表届内至少述职一次) and issue 10 §2. The seed gives no
figures for points: ``DEFAULT_RULES`` is a starting point each region's office edits.

- **Rules** are versioned per region and inherited down the tree: a year is scored under the
  newest version, of the nearest region on the path from the item's region up to the root,
  whose ``effective_year`` is that year or earlier. Versions are never changed, only added,
  so the rules that gave an item its points stay readable.
- **Points** of an item = points of its kind × the weight of its level (the congress the work
  belongs to: the tier of the region where it was recorded). A kind's cap per year bounds the
  points credited to one deputy for that kind, year and rule version; the items are credited in
  the order (day, source event id, position), so the file always says which item reached the
  cap, and a late item earlier in the year moves the cap onto the right item. Totals are
  therefore order-free: min(Σ points, cap) per group, summed.
- **Ranking** is competition ranking (1, 1, 3): deputies with equal points share a rank and
  the next rank skips, shown as ties.
- **Flags**: no recorded item in the last ``inactive_days`` China days; no report to
  constituents (述职) since the term began (``term_start``), as of a day.

Points are exact decimals with at most two places (never floats).
"""
from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from shared.errors import InvalidArgument

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
MAX_POINTS = Decimal(1000)
MAX_CAP = Decimal(100000)
MAX_WEIGHT = Decimal(10)
MAX_INACTIVE_DAYS = 3660
MAX_TITLE = 200


class WorkKind(enum.IntEnum):
    """What a deputy did; mirrors lianxin.evaluation.v1.WorkKind name for name."""
    UNSPECIFIED = 0
    SESSION_ATTENDED = 1         # 出席人民代表大会会议
    BILL_SUBMITTED = 2           # 提出议案 (领衔)
    SUGGESTION_SUBMITTED = 3     # 提出建议、批评和意见 (领衔)
    CO_SIGNED = 4                # 附议 / 联名
    INSPECTION_JOINED = 5        # 参加视察、调研、执法检查
    ACTIVITY = 6                 # 参加代表活动 (会议、主题活动、重大事项)
    VISIT = 7                    # 走访选民
    RECEPTION = 8                # 接待选民
    OPINION_ANSWERED = 9         # 答复群众意见 (码上答)
    BALLOT_CAST = 10             # 参加民生实事项目票决 (attendance only, never the marks)
    SATISFACTION_VOTE_CAST = 11  # 参加满意度测评
    ORGAN_HEAD_MEETING = 12      # 约见国家机关负责人
    CONSTITUENT_REPORT = 13      # 向原选区选民述职


KINDS = tuple(k for k in WorkKind if k is not WorkKind.UNSPECIFIED)


class Level(enum.IntEnum):
    """The congress a piece of work belongs to; mirrors lianxin.roster.v1.Level."""
    UNSPECIFIED = 0
    NATIONAL = 1
    PROVINCIAL = 2
    PREFECTURE = 3
    COUNTY = 4
    TOWNSHIP = 5
    DELIBERATION = 6


LEVELS = tuple(x for x in Level if x is not Level.UNSPECIFIED)


class ActivityKind(enum.IntEnum):
    """Liaison's activity kinds (lianxin.liaison.v1.ActivityKind), as its events carry them."""
    UNSPECIFIED = 0
    VISIT = 1
    RECEPTION = 2
    MEETING = 3
    CAMPAIGN = 4
    MAJOR_MATTER = 5


class OpinionStatus(enum.IntEnum):
    """Liaison's case statuses (lianxin.liaison.v1.OpinionStatus); a deputy's answer is ANSWERED."""
    UNSPECIFIED = 0
    RAISED = 1
    ACCEPTED = 2
    REJECTED = 3
    ANSWERED = 4
    TRANSFERRED = 5
    REPLIED = 6
    ESCALATED = 7
    RESOLVED = 8
    UNRESOLVED = 9
    FEEDBACK_GIVEN = 10
    CLOSED = 11


class ItemKind(enum.IntEnum):
    """Supervision's kinds of deputies' items (lianxin.supervision.v1.ItemKind)."""
    UNSPECIFIED = 0
    BILL = 1
    SUGGESTION = 2


class Flag(enum.IntEnum):
    """Mirrors lianxin.evaluation.v1.PerformanceFlag."""
    UNSPECIFIED = 0
    INACTIVE = 1                 # no recorded work in the period
    NO_REPORT_THIS_TERM = 2      # 届内未述职


@dataclass(frozen=True)
class Rules:
    """One region's scoring rules. ``caps`` per kind and year (a kind absent: no cap);
    ``weights`` per level (absent: 1)."""
    points: Mapping[WorkKind, Decimal]
    caps: Mapping[WorkKind, Decimal]
    weights: Mapping[Level, Decimal]
    inactive_days: int
    term_start: date

    def points_of(self, kind: WorkKind, level: Level) -> Decimal:
        return (self.points.get(kind, ZERO) * self.weights.get(level, ONE)).quantize(CENT)


DEFAULT_RULES = Rules(
    points={WorkKind.SESSION_ATTENDED: Decimal(10), WorkKind.BILL_SUBMITTED: Decimal(8),
            WorkKind.SUGGESTION_SUBMITTED: Decimal(4), WorkKind.CO_SIGNED: Decimal(1),
            WorkKind.INSPECTION_JOINED: Decimal(5), WorkKind.ACTIVITY: Decimal(2), WorkKind.VISIT: Decimal(1),
            WorkKind.RECEPTION: Decimal(2), WorkKind.OPINION_ANSWERED: Decimal(1),
            WorkKind.BALLOT_CAST: Decimal(2), WorkKind.SATISFACTION_VOTE_CAST: Decimal(2),
            WorkKind.ORGAN_HEAD_MEETING: Decimal(3), WorkKind.CONSTITUENT_REPORT: Decimal(10)},
    caps={WorkKind.CO_SIGNED: Decimal(10), WorkKind.VISIT: Decimal(30), WorkKind.RECEPTION: Decimal(30),
          WorkKind.OPINION_ANSWERED: Decimal(20), WorkKind.ACTIVITY: Decimal(30)},
    weights={},
    inactive_days=90,
    term_start=date(2021, 1, 1),
)


@dataclass(frozen=True)
class RuleVersion:
    """A version of a region's rules: ``number`` counts the region's versions from 1."""
    id: str
    region_code: str
    number: int
    effective_year: int
    rules: Rules


DEFAULT_VERSION = RuleVersion(id="default", region_code="", number=0, effective_year=2000, rules=DEFAULT_RULES)


def in_force(versions: Iterable[RuleVersion], path_codes: Sequence[str], year: int) -> RuleVersion:
    """The version a year is scored under for a region: ``path_codes`` from the region itself
    up to the root; the nearest region with a version effective in ``year`` or before wins, its
    newest such version (highest effective year, then highest number). None anywhere: the
    defaults."""
    by_region: dict[str, list[RuleVersion]] = defaultdict(list)
    for v in versions:
        if v.effective_year <= year:
            by_region[v.region_code].append(v)
    for code in path_codes:
        found = by_region.get(code)
        if found:
            return max(found, key=lambda v: (v.effective_year, v.number))
    return DEFAULT_VERSION


# ---- items and their points ---------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One recorded piece of a deputy's work, as a source event gave it. ``key`` is unique
    per deputy and piece of work (a redelivered event, or a second event about the same
    session, yields the same key and is one item)."""
    key: str
    deputy_id: str
    kind: WorkKind
    day: date
    region_code: str
    level: Level
    source_event_id: str
    source_type: str
    title: str = ""
    credit_year: int = 0     # the year it counts in when not the day's (a satisfaction vote's year)

    @property
    def year(self) -> int:
        return self.credit_year or self.day.year


@dataclass(frozen=True)
class Scored:
    item: Item
    rule_version_id: str
    points: Decimal      # the kind's points × the level's weight
    credited: Decimal    # what counts after the kind's cap for the year


def credit(items: Iterable[Item], version_of: Callable[[Item], RuleVersion]) -> list[Scored]:
    """Every item's points under the version in force for it, with caps applied per deputy,
    year, kind and version in the order (day, source event id, key). Deterministic: the
    same items give the same result whatever order they arrived in."""
    groups: dict[tuple[str, int, WorkKind, str], list[tuple[Item, RuleVersion]]] = defaultdict(list)
    for it in items:
        v = version_of(it)
        groups[(it.deputy_id, it.year, it.kind, v.id)].append((it, v))
    out: list[Scored] = []
    points: dict[tuple[str, WorkKind, Level], Decimal] = {}   # a version's points per kind and level, once
    for (_, _, kind, _), members in groups.items():
        members.sort(key=lambda p: (p[0].day, p[0].source_event_id, p[0].key))
        cap = members[0][1].rules.caps.get(kind)
        used = ZERO
        for it, v in members:
            pts = points.get((v.id, kind, it.level))
            if pts is None:
                pts = points[(v.id, kind, it.level)] = v.rules.points_of(kind, it.level)
            got = pts if cap is None else max(ZERO, min(pts, cap - used))
            used += got
            out.append(Scored(item=it, rule_version_id=v.id, points=pts, credited=got))
    return out


def totals(scored: Iterable[Scored]) -> dict[str, Decimal]:
    """Credited points per deputy."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for s in scored:
        out[s.item.deputy_id] += s.credited
    return dict(out)


# ---- ranking ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ranked:
    deputy_id: str
    name: str
    points: Decimal
    rank: int
    tied: bool


def rank(entries: Iterable[tuple[str, str, Decimal]]) -> list[Ranked]:
    """Competition ranking (1, 1, 3) of ``(deputy_id, name, points)``, highest points first;
    equal points share a rank (``tied``), listed by name then id so the order is stable."""
    ordered = sorted(entries, key=lambda e: (-e[2], e[1], e[0]))
    counts: dict[Decimal, int] = defaultdict(int)
    for _, _, p in ordered:
        counts[p] += 1
    out: list[Ranked] = []
    current, last = 0, None
    for i, (dep, name, p) in enumerate(ordered, start=1):
        if p != last:
            current, last = i, p
        out.append(Ranked(deputy_id=dep, name=name, points=p, rank=current, tied=counts[p] > 1))
    return out


# ---- flags ------------------------------------------------------------------------------------

def flags_for(last_work: date | None, last_report: date | None, rules: Rules, as_of: date) -> list[Flag]:
    """A deputy's flags as of a China day: INACTIVE when nothing was recorded in the
    ``inactive_days`` days ending that day; NO_REPORT_THIS_TERM when no report to constituents
    (述职) was recorded from ``term_start`` to that day (the seed: 届内至少述职一次)."""
    out = []
    since = as_of - timedelta(days=rules.inactive_days - 1)
    if last_work is None or last_work < since:
        out.append(Flag.INACTIVE)
    if last_report is None or last_report < rules.term_start:
        out.append(Flag.NO_REPORT_THIS_TERM)
    return out


# ---- rules as entered -------------------------------------------------------------------------

def decimal_of(value: str, field: str, *, high: Decimal) -> Decimal:
    """A non-negative decimal of at most two places, up to ``high``, from its text."""
    text = (value or "").strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise InvalidArgument(field, "must be a decimal number such as 2 or 0.5") from None
    if not number.is_finite() or number < 0 or number > high:
        raise InvalidArgument(field, f"must be between 0 and {high}")
    if number != number.quantize(CENT):
        raise InvalidArgument(field, "has at most two decimal places")
    return number.quantize(CENT)


def check_rules(points: Sequence[tuple[int, str]], caps: Sequence[tuple[int, str]],
                weights: Sequence[tuple[int, str]], inactive_days: int, term_start: date | None, *,
                prefix: str = "rules") -> Rules:
    """Rules from what staff entered, as (kind or level number, decimal text) entries in the
    request's order: every kind needs its points, once; caps and weights are optional.
    INVALID_ARGUMENT names the entry (``rules.points[2].points``)."""
    def entries(given, field: str, members, value: str, high: Decimal) -> dict:
        out: dict = {}
        for i, (number, text) in enumerate(given):
            key = "level" if field == "weights" else "kind"
            if number not in members._value2member_map_ or number == 0:
                raise InvalidArgument(f"{prefix}.{field}[{i}].{key}", f"names no {key}")
            if members(number) in out:
                raise InvalidArgument(f"{prefix}.{field}[{i}].{key}", f"names {members(number).name} twice")
            out[members(number)] = decimal_of(text, f"{prefix}.{field}[{i}].{value}", high=high)
        return out

    got_points = entries(points, "points", WorkKind, "points", MAX_POINTS)
    missing = [k for k in KINDS if k not in got_points]
    if missing:
        raise InvalidArgument(f"{prefix}.points", f"gives no points for {missing[0].name}")
    got_caps = entries(caps, "caps", WorkKind, "points", MAX_CAP)
    got_weights = entries(weights, "weights", Level, "weight", MAX_WEIGHT)
    if not 1 <= inactive_days <= MAX_INACTIVE_DAYS:
        raise InvalidArgument(f"{prefix}.inactive_days", f"must be between 1 and {MAX_INACTIVE_DAYS}")
    if term_start is None:
        raise InvalidArgument(f"{prefix}.term_start", "is required (YYYY-MM-DD, the day the term began)")
    return Rules(points=got_points, caps=got_caps, weights=got_weights, inactive_days=inactive_days,
                 term_start=term_start)


def points_text(value: Decimal) -> str:
    """Points as the API and the files show them: two places, ``"12.50"``."""
    return f"{value.quantize(CENT)}"
