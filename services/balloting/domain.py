"""Balloting rules (民生实事项目人大代表票决制): the phases of a campaign and the steps each
allows, what a proposal and a review must hold, the quarter rule of the differential ballot,
and who votes for a region. Plain Python: no gRPC, SQL or Kafka here.

Sources: the seed reports (温县: 征集, 初选 by expert deputies and departments, 决策 by the
committee, 差额 of at least a quarter, 街道 voting through 议事代表) and the Electoral Law for
the ballot's own rules.
"""
from __future__ import annotations

import enum
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

from shared import text as canonical
from shared import validation
from shared.errors import FailedPrecondition, InvalidArgument, NotFound
from shared.secret_ballot import (  # noqa: F401 - the shared secret ballot, re-exported for balloting's modules
    ELECTORATE_LABELS,
    MIN_QUORUM_PERCENT,
    SEATED,
    DeputyStatus,
    Level,
    bulletin_json,
    check_quorum,
    check_quorum_percent,
    digest,
    electorate,
    eligible,
    new_receipt_code,
    quorum_met,
)


class Phase(enum.IntEnum):
    CALL = 1               # 征集
    SCREENING = 2          # 初选
    CANDIDATES_FIXED = 3   # 决策
    BALLOT = 4             # 票决
    PUBLISHED = 5          # 公示


PHASE_LABELS = {Phase.CALL: "征集", Phase.SCREENING: "初选", Phase.CANDIDATES_FIXED: "决策",
                Phase.BALLOT: "票决", Phase.PUBLISHED: "公示"}


class ProposerKind(enum.IntEnum):
    CITIZEN = 1
    DEPUTY = 2
    DEPARTMENT = 3
    OFFLINE = 4


class ProposalStatus(enum.IntEnum):
    RECEIVED = 1
    SHORTLISTED = 2
    NOT_SHORTLISTED = 3
    MERGED = 4
    CANDIDATE = 5


class Criterion(enum.IntEnum):
    PUBLIC_BENEFIT = 1   # 普惠性
    EFFECTIVENESS = 2    # 实效性
    COMPLIANCE = 3       # 合规性
    FEASIBILITY = 4      # 可行性


class ReviewerKind(enum.IntEnum):
    EXPERT = 1
    DEPARTMENT = 2


# Experts (deputies with a specialty: 法律, 教育, 医疗 ...) judge public benefit and
# effectiveness; departments (财政, 交通, 卫健 ...) compliance and feasibility (温县's 初选关).
CRITERIA_OF = {ReviewerKind.EXPERT: (Criterion.PUBLIC_BENEFIT, Criterion.EFFECTIVENESS),
               ReviewerKind.DEPARTMENT: (Criterion.COMPLIANCE, Criterion.FEASIBILITY)}


# ---- the steps of a campaign, and the phase each is taken in ------------------------------

STEP_PHASES: dict[str, tuple[Phase, ...]] = {
    "propose": (Phase.CALL,),
    "close_call": (Phase.CALL,),
    "review": (Phase.SCREENING,),
    "merge": (Phase.SCREENING,),
    "shortlist": (Phase.SCREENING,),
    # The committee may fix a new list while the ballot has not opened (a candidate withdrawn).
    "fix_candidates": (Phase.SCREENING, Phase.CANDIDATES_FIXED),
    "open_session": (Phase.CANDIDATES_FIXED,),
    "open_ballot": (Phase.CANDIDATES_FIXED,),
    "close_ballot": (Phase.BALLOT,),
    "publish": (Phase.BALLOT,),
}
STEP_LABELS = {"propose": "a proposal", "close_call": "closing the call", "review": "a review",
               "merge": "merging proposals", "shortlist": "the shortlist", "fix_candidates": "fixing the candidates",
               "open_session": "opening the session", "open_ballot": "opening the ballot",
               "close_ballot": "the count", "publish": "publishing the result"}


def check_step(step: str, phase: Phase) -> None:
    """A step out of its phase is FAILED_PRECONDITION, naming both."""
    allowed = STEP_PHASES[step]
    if phase not in allowed:
        wanted = " or ".join(f"{p.name.lower()} ({PHASE_LABELS[p]})" for p in allowed)
        raise FailedPrecondition(f"{STEP_LABELS[step]} is taken in {wanted}; the campaign is in "
                                 f"{phase.name.lower()} ({PHASE_LABELS[phase]})")


# ---- the quarter rule ---------------------------------------------------------------------

# 差额 >= 1/4: at least a quarter more candidates than projects to adopt (温县: "差额按照大于等于
# 四分之一比例设置"). A region's rules may demand more, never less.
MIN_SURPLUS_PERCENT = 25
MAX_SURPLUS_PERCENT = 400
MAX_SEATS = 500
MAX_CANDIDATES = 2000


def min_candidates(seats: int, surplus_percent: int = MIN_SURPLUS_PERCENT) -> int:
    """⌈seats × (100 + surplus_percent) / 100⌉ in integers (no float rounding at the boundary):
    10 seats need 13 candidates, 30 need 38, 80 need 100, 32 need 40."""
    return -(-seats * (100 + surplus_percent) // 100)


def surplus_met(seats: int, candidates: int, surplus_percent: int = MIN_SURPLUS_PERCENT) -> bool:
    return seats > 0 and candidates >= min_candidates(seats, surplus_percent)


def check_surplus(seats: int, candidates: int, surplus_percent: int) -> None:
    """A ballot opens only with enough candidates: FAILED_PRECONDITION with the numbers."""
    if not surplus_met(seats, candidates, surplus_percent):
        raise FailedPrecondition(
            f"{candidates} candidates for {seats} seats: a differential ballot needs at least "
            f"{min_candidates(seats, surplus_percent)} (seats + {surplus_percent}%, 差额不少于"
            f"{'四分之一' if surplus_percent == MIN_SURPLUS_PERCENT else f'{surplus_percent}%'})")


def check_surplus_percent(value: int, field: str, floor: int = MIN_SURPLUS_PERCENT) -> int:
    """A region's (or a campaign's) surplus: at least ``floor`` (the quarter, or the region's)."""
    if value < floor:
        raise InvalidArgument(field, f"must be at least {floor} (差额 may be raised, never lowered)")
    if value > MAX_SURPLUS_PERCENT:
        raise InvalidArgument(field, f"must be at most {MAX_SURPLUS_PERCENT}")
    return value


# ---- proposals -----------------------------------------------------------------------------

MAX_TITLE = 100
MAX_DESCRIPTION = 4000
MAX_CATEGORY = 20
MAX_NOTE = 500
MAX_OPINION = 2000
MAX_NAME = 50
MAX_ENTRY = 200
# One trillion yuan, in fen: far above any county's budget, far inside int64.
MAX_INVESTMENT_FEN = 100_000_000_000_000
MAX_SUPPORTERS = 100_000_000
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$", re.ASCII)


@dataclass(frozen=True)
class NewProposal:
    title: str
    description: str = ""
    category: str = ""
    investment_fen: int = 0
    location_region: str = ""
    supporters: int = 0


def line(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    return validation.text(value, field, max_len=max_len, required=required)


def text(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    return validation.text(value, field, max_len=max_len, required=required, multiline=True)


# 计票人 and 监票人 (the Electoral Law's tellers and scrutineers, named before the count).
MAX_TELLERS = 20


def check_names(names: list[str], field: str) -> list[str]:
    """A list of tellers' or scrutineers' names: 1 to MAX_TELLERS names, each a line of at most
    MAX_NAME characters in canonical form, none twice; INVALID_ARGUMENT naming the field (or
    the element: ``tellers[2]``)."""
    if not names:
        raise InvalidArgument(field, "name at least one")
    if len(names) > MAX_TELLERS:
        raise InvalidArgument(field, f"at most {MAX_TELLERS} names")
    out = [validation.text(n, f"{field}[{i}]", max_len=MAX_NAME, required=True, form=canonical.name)
           for i, n in enumerate(names)]
    for i, n in enumerate(out):
        if n in out[:i]:
            raise InvalidArgument(f"{field}[{i}]", "names a person twice")
    return out


def names(stored: str) -> list[str]:
    """Names stored one a line."""
    return [x for x in stored.split("\n") if x]


def check_proposal(p: NewProposal, prefix: str = "proposal") -> NewProposal:
    """The proposal trimmed to its canonical text, or INVALID_ARGUMENT naming the field.
    Money is integer fen (never a float): 0 is "not estimated", negatives and amounts above
    a trillion yuan are refused. The location is checked against the campaign by the use case."""
    if not 0 <= p.investment_fen <= MAX_INVESTMENT_FEN:
        raise InvalidArgument(f"{prefix}.investment_fen", "must be between 0 and 10^14 fen (a trillion yuan)")
    if not 0 <= p.supporters <= MAX_SUPPORTERS:
        raise InvalidArgument(f"{prefix}.supporters", f"must be between 0 and {MAX_SUPPORTERS}")
    return NewProposal(
        title=line(p.title, f"{prefix}.title", max_len=MAX_TITLE, required=True),
        description=text(p.description, f"{prefix}.description", max_len=MAX_DESCRIPTION),
        category=line(p.category, f"{prefix}.category", max_len=MAX_CATEGORY, required=True),
        investment_fen=p.investment_fen,
        location_region=validation.region_code(p.location_region, f"{prefix}.location_region")
        if p.location_region else "",
        supporters=p.supporters)


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""


def check_contact(c: Contact, name_field: str = "contact_name", phone_field: str = "contact_phone") -> Contact:
    name = validation.text(c.name, name_field, max_len=MAX_NAME, form=canonical.name)
    phone = validation.text(c.phone, phone_field, max_len=20, form=canonical.phone)
    if phone and not PHONE.match(phone):
        raise InvalidArgument(phone_field, "must be digits, optionally with +, - or spaces")
    return Contact(name, phone)


def check_score(score: int, field: str = "score") -> int:
    if not 0 <= score <= 100:
        raise InvalidArgument(field, "must be between 0 and 100")
    return score


def check_criterion(kind: ReviewerKind, criterion: Criterion, field: str = "criterion") -> None:
    """An expert judges 普惠性 and 实效性; a department 合规性 and 可行性."""
    if criterion not in CRITERIA_OF[kind]:
        allowed = " or ".join(c.name for c in CRITERIA_OF[kind])
        raise InvalidArgument(field, f"a {kind.name.lower()} review judges {allowed}")


def check_year(year: int, field: str = "year") -> int:
    if not 2000 <= year <= 2100:
        raise InvalidArgument(field, "must be a year between 2000 and 2100")
    return year


def check_seats(seats: int, field: str = "seats") -> int:
    if not 1 <= seats <= MAX_SEATS:
        raise InvalidArgument(field, f"must be between 1 and {MAX_SEATS}")
    return seats


def check_priority(priority: int, field: str) -> int:
    if not 0 <= priority <= MAX_CANDIDATES:
        raise InvalidArgument(field, f"must be between 0 and {MAX_CANDIDATES} (1 first, 0 unranked)")
    return priority


def check_day(value: str, field: str, *, required: bool) -> date | None:
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        if required:
            raise InvalidArgument(field, "is required")
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field, "must be a day, YYYY-MM-DD") from None


@dataclass(frozen=True)
class CandidateEntry:
    proposal_id: str
    funding_source: str = ""
    land: str = ""
    schedule: str = ""
    priority: int = 0


def check_candidates(entries: list[CandidateEntry], field: str = "candidates") -> list[CandidateEntry]:
    """The committee's list: one entry per proposal, each with where its money comes from."""
    if not entries:
        raise InvalidArgument(field, "name the candidate projects")
    if len(entries) > MAX_CANDIDATES:
        raise InvalidArgument(field, f"at most {MAX_CANDIDATES} candidates")
    seen: set[str] = set()
    out = []
    for i, e in enumerate(entries):
        at = f"{field}[{i}]"
        if e.proposal_id in seen:
            raise InvalidArgument(f"{at}.proposal_id", "names a proposal twice")
        seen.add(e.proposal_id)
        out.append(CandidateEntry(
            proposal_id=e.proposal_id,
            funding_source=line(e.funding_source, f"{at}.funding_source", max_len=MAX_ENTRY, required=True),
            land=line(e.land, f"{at}.land", max_len=MAX_ENTRY),
            schedule=line(e.schedule, f"{at}.schedule", max_len=MAX_ENTRY),
            priority=check_priority(e.priority, f"{at}.priority")))
    return out


# Tracking codes are read out and typed: no 0/O, 1/I. 12 symbols of 32: 60 random bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def new_tracking_code() -> str:
    return "".join(CODE_ALPHABET[b & 31] for b in secrets.token_bytes(CODE_LENGTH))


def check_tracking_code(code: str, field: str = "tracking_code") -> str:
    code = canonical.code(code or "").upper()
    if not code:
        raise InvalidArgument(field, "is required")
    if len(code) > 16 or any(c not in CODE_ALPHABET for c in code):
        raise InvalidArgument(field, "is not a tracking code")
    return code


# ---- who votes: shared.secret_ballot (electorate, eligible, SEATED) ----------------------------

# ---- the ballot (票决) -------------------------------------------------------------------------

class Choice(enum.IntEnum):
    APPROVE = 1    # 同意
    OPPOSE = 2     # 不同意
    ABSTAIN = 3    # 弃权


# How a ballot's marks are stored and published: one letter per candidate, in the round's order.
CHOICE_LETTERS = {Choice.APPROVE: "A", Choice.OPPOSE: "O", Choice.ABSTAIN: "X"}


class RoundStatus(enum.IntEnum):
    ATTENDANCE = 1   # the session is open: deputies check in
    VOTING = 2       # the ballot is open
    CLOSED = 3       # counted
    VOID = 4         # more ballots returned than issued (so than voters present): held again (Electoral Law)


class AdoptionBase(enum.IntEnum):
    ALL_ELIGIBLE = 1   # more than half of all the deputies (the default)
    PRESENT = 2        # more than half of those present (some regions' measures)


# The Electoral Law's rule: the vote is held only when more than half of all deputies are
# present; a region may demand more (two thirds), never less.
@dataclass(frozen=True)
class Mark:
    proposal_id: str
    choice: Choice


def ballot_marks(marks: list[Mark], candidates: list[str], field: str = "marks") -> str:
    """A ballot as stored: one letter per candidate in the round's order, and whether it is
    valid. Every candidate is marked exactly once (else INVALID_ARGUMENT: the ballot paper has
    a box per candidate); a candidate not on the ballot is NOT_FOUND naming the mark. More
    approvals than seats: a paper ballot is invalid (废票), kept and counted as invalid
    (``valid_ballot``); an online one is refused (``check_not_overfilled``)."""
    if not marks:
        raise InvalidArgument(field, "mark every candidate")
    position = {pid: i for i, pid in enumerate(candidates)}
    letters: list[str | None] = [None] * len(candidates)
    for i, m in enumerate(marks):
        if i >= len(candidates):
            raise InvalidArgument(field, f"the ballot has {len(candidates)} candidates; {len(marks)} marks given")
        if m.proposal_id not in position:
            raise NotFound("candidate", m.proposal_id, f"{field}[{i}].proposal_id")
        at = position[m.proposal_id]
        if letters[at] is not None:
            raise InvalidArgument(f"{field}[{i}].proposal_id", "marks a candidate twice")
        letters[at] = CHOICE_LETTERS[m.choice]
    if any(x is None for x in letters):
        raise InvalidArgument(field, f"mark every candidate ({len(candidates)}): 同意, 不同意 or 弃权")
    return "".join(x for x in letters if x is not None)


def valid_ballot(marks: str, seats: int) -> bool:
    """A ballot approving more candidates than there are projects to adopt is void (废票): the
    Electoral Law's rule for a ballot naming more than are to be elected (多于应选人数的作废)."""
    return marks.count("A") <= seats


def check_not_overfilled(marks: str, seats: int, field: str = "marks") -> None:
    """An online ballot approving more candidates than ``seats`` is refused as it is cast
    (INVALID_ARGUMENT naming ``field``: "approves 5 candidates; approve at most 4"): the
    deputy is still at the screen and corrects it, so no ballot is cast that could only be
    void. A paper ballot is out of its voter's hands once in the box: the tellers enter it as
    marked and it counts as invalid (valid_ballot)."""
    approvals = marks.count(CHOICE_LETTERS[Choice.APPROVE])
    if approvals > seats:
        raise InvalidArgument(field, f"approves {approvals} candidates; approve at most {seats} "
                                     "(the projects to adopt): an over-filled ballot is void")


@dataclass(frozen=True)
class CandidateTally:
    proposal_id: str
    approve: int
    oppose: int
    abstain: int


@dataclass(frozen=True)
class Outcome:
    tallies: tuple[CandidateTally, ...]
    adopted: tuple[str, ...]     # highest approvals first
    runoff: tuple[str, ...]      # tied at the last seat: another ballot among them
    runoff_seats: int


def tally(candidates: list[str], ballots: list[str]) -> list[CandidateTally]:
    """Counts the valid ballots' letters per candidate (the round's order)."""
    counts = [[0, 0, 0] for _ in candidates]
    index = {"A": 0, "O": 1, "X": 2}
    for marks in ballots:
        for i, letter in enumerate(marks):
            counts[i][index[letter]] += 1
    return [CandidateTally(pid, *c) for pid, c in zip(candidates, counts)]


def adopt(tallies: list[CandidateTally], seats: int, base: int) -> Outcome:
    """Adopted: approved by more than half of ``base`` (all eligible, or those present),
    highest approvals first, up to ``seats``. When the last seat falls among candidates with
    equal approvals, those above the tie are adopted and the tied ones go to a run-off for the
    seats left (the Electoral Law's 另行投票). Ties are broken by nothing else."""
    passing = sorted((t for t in tallies if 2 * t.approve > base), key=lambda t: -t.approve)
    if len(passing) <= seats:
        return Outcome(tuple(tallies), tuple(t.proposal_id for t in passing), (), 0)
    boundary = passing[seats - 1].approve
    if passing[seats].approve != boundary:
        return Outcome(tuple(tallies), tuple(t.proposal_id for t in passing[:seats]), (), 0)
    above = [t.proposal_id for t in passing if t.approve > boundary]
    tied = [t.proposal_id for t in passing if t.approve == boundary]
    return Outcome(tuple(tallies), tuple(above), tuple(tied), seats - len(above))
