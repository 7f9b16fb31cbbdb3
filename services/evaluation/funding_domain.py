"""Activity funding's rules (经费), plain Python (no grpc, no SQL): the standards a region
sets, what a deputy's or a venue's budget for a year is, and what a spending may draw.

Source: the seed's Changji report (吴忠洋, "强化服务保障 助推代表工作提质增效", section 坚持多措并举
履职服务保障更加优化): "将代表活动经费、'人大代表之家'补助经费列入财政预算，州、县、乡人大代表活动经费
分别按照每人每年3300元、1600元、1000元标准列入财政预算。对无固定收入代表履职活动补贴提高到每人每天
150元". So the defaults: a prefecture deputy 3,300 yuan a year, a county deputy 1,600, a township
deputy 1,000; 150 yuan a day for a deputy without fixed income. The report names the venues'
allowance (人大代表之家补助) but no amount: its default is 0 until a region sets it.

Money is integer fen (1 yuan = 100 fen) inside and on the wire, shown as exact decimal yuan
text ("3300.00"), never a float. Standards are a region's data, versioned by year: a region's
own standards hold from their ``from_year`` until a later version; a region without its own
takes its nearest ancestor's, and the tree's top the seed's defaults. A budget is drawn up
under the standards in force for its year (``effective``).

Enums mirror lianxin.evaluation.v1 name for name (tests/test_skeleton.py holds them to the
generated numbers).
"""
from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from shared import validation
from shared.errors import FailedPrecondition, InvalidArgument


class OverspendPolicy(enum.IntEnum):
    """What a spending beyond a budget's remainder does: refused, or recorded and flagged."""
    UNSPECIFIED = 0
    REFUSE = 1
    FLAG = 2


class FundKind(enum.IntEnum):
    """What a budget pays for, and so what a spending against it draws."""
    UNSPECIFIED = 0
    DEPUTY_ACTIVITY = 1     # 代表活动经费: a deputy's budget for the year
    VENUE_ALLOWANCE = 2     # 人大代表之家补助经费: a venue's allowance for the year


class SeatLevel(enum.IntEnum):
    """The roster's seat levels (lianxin.roster.v1.Level), as its events carry them."""
    NATIONAL = 1
    PROVINCIAL = 2
    PREFECTURE = 3
    COUNTY = 4
    TOWNSHIP = 5
    DELIBERATION = 6


# The seat levels the seed funds: the prefecture's, counties' and townships' congresses budget
# for their own deputies; national and provincial deputies are funded above this platform, and a
# sub-district's deliberation deputies (议事代表) sit in no congress.
FUNDED_LEVELS = (SeatLevel.PREFECTURE, SeatLevel.COUNTY, SeatLevel.TOWNSHIP)
LEVEL_LABELS = {SeatLevel.PREFECTURE: "州人大代表", SeatLevel.COUNTY: "县人大代表", SeatLevel.TOWNSHIP: "乡人大代表"}

FEN_PER_YUAN = 100
# The seed's standards (see the module doc), in fen.
DEFAULT_PREFECTURE_FEN = 3_300 * FEN_PER_YUAN
DEFAULT_COUNTY_FEN = 1_600 * FEN_PER_YUAN
DEFAULT_TOWNSHIP_FEN = 1_000 * FEN_PER_YUAN
DEFAULT_DAILY_SUBSIDY_FEN = 150 * FEN_PER_YUAN
DEFAULT_VENUE_ALLOWANCE_FEN = 0
DEFAULT_FROM_YEAR = 2000

# Ten million yuan: above any venue's yearly allowance, and sums of a prefecture's budgets stay
# far inside int64.
MAX_STANDARD_FEN = 1_000_000_000
# A deputy's yearly standard: at most 100,000 yuan. The seed's are 1,000 to 3,300 yuan a year, so
# a figure thirty times the highest is a slip (zeros typed twice, fen taken for yuan), and
# AllocateBudgets would draw it for every deputy of the subtree at once.
MAX_DEPUTY_STANDARD_FEN = 100_000 * FEN_PER_YUAN
# The daily subsidy: at most 1,000 yuan a day (the seed's 150, raised from less; more than a
# thousand a day is a slip too).
MAX_DAILY_SUBSIDY_FEN = 1_000 * FEN_PER_YUAN
# One spending: a million yuan at most (a deputy's whole activity budget is thousands).
MAX_SPENDING_FEN = 100_000_000
# Subsidised days in one entry: a year's.
MAX_SUBSIDY_DAYS = 366
MAX_PURPOSE = 200
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Standards:
    """A region's funding standards for a year (fen). ``region_code`` and ``from_year`` say whose
    version it is ("" and DEFAULT_FROM_YEAR: the seed's defaults); ``inherited`` that it is an
    ancestor's (or the defaults), not the asked region's own."""
    prefecture_fen: int = DEFAULT_PREFECTURE_FEN
    county_fen: int = DEFAULT_COUNTY_FEN
    township_fen: int = DEFAULT_TOWNSHIP_FEN
    daily_subsidy_fen: int = DEFAULT_DAILY_SUBSIDY_FEN
    venue_allowance_fen: int = DEFAULT_VENUE_ALLOWANCE_FEN
    overspend: OverspendPolicy = OverspendPolicy.REFUSE
    region_code: str = ""
    from_year: int = DEFAULT_FROM_YEAR
    inherited: bool = True

    def per_level(self, level: SeatLevel) -> int:
        return {SeatLevel.PREFECTURE: self.prefecture_fen, SeatLevel.COUNTY: self.county_fen,
                SeatLevel.TOWNSHIP: self.township_fen}.get(level, 0)


DEFAULTS = Standards()


def check_year(year: int, field: str = "year") -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidArgument(field, f"must be a year between {MIN_YEAR} and {MAX_YEAR}")
    return year


def check_fen(value: int, field: str, *, limit: int) -> int:
    if not 0 <= value <= limit:
        raise InvalidArgument(field, f"must be between 0 and {limit} fen ({yuan(limit)} yuan)")
    return value


def check_standards(s: Standards, field: str = "standards") -> Standards:
    """Standards as a region sets them: a deputy's yearly amount 0 .. 100,000 yuan, the daily
    subsidy 0 .. 1,000 yuan, a venue's allowance 0 .. ten million yuan; a policy named."""
    for name in ("prefecture_fen", "county_fen", "township_fen"):
        check_fen(getattr(s, name), f"{field}.{name}", limit=MAX_DEPUTY_STANDARD_FEN)
    check_fen(s.daily_subsidy_fen, f"{field}.daily_subsidy_fen", limit=MAX_DAILY_SUBSIDY_FEN)
    check_fen(s.venue_allowance_fen, f"{field}.venue_allowance_fen", limit=MAX_STANDARD_FEN)
    check_year(s.from_year, f"{field}.from_year")
    if s.overspend not in (OverspendPolicy.REFUSE, OverspendPolicy.FLAG):
        raise InvalidArgument(f"{field}.overspend", "must be REFUSE or FLAG")
    return s


def effective(versions: Iterable[Standards], chain: Sequence[str], year: int) -> Standards:
    """The standards in force for ``year`` at ``chain[0]``: ``chain`` is the region and its
    ancestors, nearest first; ``versions`` every region's own versions. The nearest region with a
    version from ``year`` or before wins, its latest such version; none: the seed's defaults.
    E.g. 652300 from 2024 (prefecture 3,500) and 652301 from 2027 (county 1,800): for 652301 in
    2026 the prefecture's 2024 version, inherited; in 2027 the county's own."""
    by_region: dict[str, list[Standards]] = {}
    for v in versions:
        by_region.setdefault(v.region_code, []).append(v)
    for code in chain:
        usable = [v for v in by_region.get(code, ()) if v.from_year <= year]
        if usable:
            best = max(usable, key=lambda v: v.from_year)
            return replace(best, inherited=code != chain[0])
    return DEFAULTS


def deputy_allocation(levels: Iterable[int], standards: Standards) -> int:
    """A deputy's activity budget for a year (fen): each funded congress the deputy sits in
    budgets its own standard for them, so a county deputy who is also a township deputy has
    1,600 + 1,000 yuan under the defaults. A level counts once however many seats hold it."""
    funded = {SeatLevel(x) for x in levels if x in {int(level) for level in FUNDED_LEVELS}}
    return sum(standards.per_level(level) for level in funded)


def funded_levels(levels: Iterable[int]) -> list[SeatLevel]:
    wanted = {int(level) for level in FUNDED_LEVELS}
    return sorted({SeatLevel(x) for x in levels if x in wanted})


def subsidy(days: int, standards: Standards) -> int:
    """The daily subsidy of a deputy without fixed income for ``days`` days (fen)."""
    return days * standards.daily_subsidy_fen


@dataclass(frozen=True)
class Draw:
    """What one spending does to its budget: ``over_fen`` is what it takes beyond the
    remainder (0 within budget); ``flagged`` when recorded over it under FLAG."""
    amount_fen: int
    over_fen: int
    flagged: bool


def draw(allocated_fen: int, spent_fen: int, amount_fen: int, policy: OverspendPolicy, label: str) -> Draw:
    """A spending of ``amount_fen`` against a budget of ``allocated_fen`` of which ``spent_fen``
    is already spent. Within the remainder: drawn. Beyond it: under REFUSE FailedPrecondition
    naming the budget and the amount over; under FLAG drawn and flagged (the report shows it)."""
    over = max(0, spent_fen + amount_fen - max(allocated_fen, spent_fen))
    if over == 0:
        return Draw(amount_fen, 0, False)
    if policy is OverspendPolicy.REFUSE:
        raise FailedPrecondition(
            f"budget {label}: the spending of {yuan(amount_fen)} yuan exceeds what remains "
            f"({yuan(max(0, allocated_fen - spent_fen))} of {yuan(allocated_fen)} yuan) by {yuan(over)} yuan")
    return Draw(amount_fen, over, True)


def check_spending(amount_fen: int, subsidy_days: int, purpose: str, kind: FundKind) -> tuple[int, int, str]:
    """A spending's amount, subsidised days and purpose, checked. A deputy's budget takes either
    an amount or subsidised days (the amount then follows from the daily standard); a venue's
    allowance takes an amount only."""
    purpose = validation.text(purpose, "spending.purpose", max_len=MAX_PURPOSE, required=True)
    if not 0 <= subsidy_days <= MAX_SUBSIDY_DAYS:
        raise InvalidArgument("spending.subsidy_days", f"must be between 0 and {MAX_SUBSIDY_DAYS}")
    if subsidy_days and kind is FundKind.VENUE_ALLOWANCE:
        raise InvalidArgument("spending.subsidy_days", "is for a deputy's budget, not a venue's allowance")
    if subsidy_days and amount_fen:
        raise InvalidArgument("spending.amount_fen", "must be 0 when subsidy_days is given (the daily standard sets it)")
    if not subsidy_days:
        if amount_fen == 0:
            raise InvalidArgument("spending.amount_fen", "is required (or subsidy_days)")
        check_fen(amount_fen, "spending.amount_fen", limit=MAX_SPENDING_FEN)
    return amount_fen, subsidy_days, purpose


def check_day(value: str, field: str, *, today: date, year: int | None = None) -> date:
    """A China day as YYYY-MM-DD (full-width digits folded first), not after ``today``; within
    ``year`` when given (a spending is drawn from its own year's budget)."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        raise InvalidArgument(field, "is required")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field, "must be a day, YYYY-MM-DD") from None
    if day > today:
        raise InvalidArgument(field, f"is after today ({today.isoformat()})")
    if year is not None and day.year != year:
        raise InvalidArgument(field, f"is not in the budget's year {year}")
    return day


def yuan(fen: int) -> str:
    """Integer fen as exact decimal yuan text: 330000 -> "3300.00", -5000 -> "-50.00"."""
    return f"{Decimal(fen) / FEN_PER_YUAN:.2f}"


def yuan_decimal(fen: int) -> Decimal:
    """Integer fen as an exact Decimal of yuan with two places (a sheet's number cell)."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Figures:
    """A region subtree's funds for a year (fen): allocated to deputies' and venues' budgets,
    spent against them (subsidies apart), remaining (allocated - spent, negative when flagged
    spending went over), the subsidies paid by the day, and the spending recorded over budget."""
    allocated_fen: int = 0
    spent_fen: int = 0
    subsidy_fen: int = 0
    over_fen: int = 0

    @property
    def remaining_fen(self) -> int:
        return self.allocated_fen - self.spent_fen
