"""Rules of deputies' bills and suggestions (议案建议) and of meetings with heads of state
organs (约见), plain Python (no grpc, no SQL): who signs a bill, the order of the handling steps
(提 办 督 评), the deadlines, and the texts kept in an item's history.

Sources:
- 地方各级人民代表大会和地方各级人民政府组织法 (the organic law of local congresses): a bill
  (议案) goes to a county-or-higher congress with 代表十人以上联名, to a township's with
  代表五人以上联名: the defaults of ``bill_signers_required`` (a region may ask more);
  suggestions (建议、批评和意见) need no co-signer.
- Common handling practice (各地代表建议办理办法): 交办 to a lead department (主办) and
  co-departments (协办), 三个月内办结; 四落实 (plan, measures, target, time limit) before
  handling; 三见面 (on the plan, during handling, before the final reply); replies classed A
  (solved or being solved), B (planned) and C (explained, cannot be solved now); the deputy
  rates the reply, and an unsatisfied rating has the department handle it again (重新办理)
  within a month, once.
- The seed's field reports and issue 9 §3.

Enums mirror lianxin.supervision.v1 name for name (tests/test_skeleton.py holds them to the
generated numbers).
"""
from __future__ import annotations

import calendar
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.supervision import domain as d
from shared.errors import FailedPrecondition, InvalidArgument
from shared.tenancy import Region, Tier


class ItemKind(enum.IntEnum):
    UNSPECIFIED = 0
    BILL = 1          # 议案
    SUGGESTION = 2    # 建议


class ItemStatus(enum.IntEnum):
    UNSPECIFIED = 0
    SUBMITTED = 1
    REGISTERED = 2
    ASSIGNED = 3
    HANDLING = 4
    REPLIED = 5
    CLOSED = 6


class MeetingStage(enum.IntEnum):
    UNSPECIFIED = 0
    PLAN = 1          # 方案见面
    HANDLING = 2      # 办理中见面
    REPLY = 3         # 答复前见面


class MeetingForm(enum.IntEnum):
    UNSPECIFIED = 0
    IN_PERSON = 1
    SYMPOSIUM = 2
    SITE_VISIT = 3
    PHONE = 4
    VIDEO = 5


class ReplyClass(enum.IntEnum):
    UNSPECIFIED = 0
    A = 1
    B = 2
    C = 3


class ReplyRating(enum.IntEnum):
    UNSPECIFIED = 0
    SATISFIED = 1
    BASICALLY_SATISFIED = 2
    UNSATISFIED = 3


class OrganMeetingStatus(enum.IntEnum):
    UNSPECIFIED = 0
    REQUESTED = 1
    ARRANGED = 2
    HELD = 3
    DONE = 4


KIND_LABELS = {ItemKind.BILL: "议案", ItemKind.SUGGESTION: "建议"}
STATUS_LABELS = {ItemStatus.SUBMITTED: "已提出", ItemStatus.REGISTERED: "已立案", ItemStatus.ASSIGNED: "已交办",
                 ItemStatus.HANDLING: "办理中", ItemStatus.REPLIED: "已答复", ItemStatus.CLOSED: "已办结"}
STAGE_LABELS = {MeetingStage.PLAN: "方案见面", MeetingStage.HANDLING: "办理中见面", MeetingStage.REPLY: "答复前见面"}
FORM_LABELS = {MeetingForm.IN_PERSON: "当面", MeetingForm.SYMPOSIUM: "座谈会", MeetingForm.SITE_VISIT: "实地察看",
               MeetingForm.PHONE: "电话", MeetingForm.VIDEO: "视频"}
CLASS_LABELS = {ReplyClass.A: "A类（已解决或正在解决）", ReplyClass.B: "B类（列入计划逐步解决）",
                ReplyClass.C: "C类（说明解释，暂不能解决）"}
RATING_LABELS = {ReplyRating.SATISFIED: "满意", ReplyRating.BASICALLY_SATISFIED: "基本满意",
                 ReplyRating.UNSATISFIED: "不满意"}

MAX_TITLE = 100
MAX_CONTENT = 8000
MAX_CATEGORY = 20
MAX_CO_SIGNERS = 200
MAX_FOUR = 2000          # each of plan, measures, target
MAX_NOTES = 2000
MAX_REPLY = 8000
MAX_COMMENT = 1000
MAX_ORGAN = 100
MAX_SUBJECT = 200
MAX_REASON = 2000
MAX_POST = 50
MAX_OUTCOME = 4000
# A region may ask more signers than the law's minimum, up to a congress's size.
MAX_SIGNERS = 500
MAX_MONTHS = 24


# ---- rules of a region -----------------------------------------------------------------

def law_signers(region: Region) -> int:
    """The organic law's minimum of deputies signing a bill: 5 at a township's congress
    (乡、民族乡、镇: 代表五人以上联名), 10 at a county's or higher (县级以上: 代表十人以上联名)."""
    return 5 if region.tier is Tier.TOWNSHIP else 10


@dataclass(frozen=True)
class ItemRules:
    region_code: str
    bill_signers_required: int
    handling_months: int = 3
    rehandling_months: int = 1
    inherited: bool = True


def check_rules(region: Region, signers: int, handling: int, rehandling: int, field: str = "rules") -> ItemRules:
    """A region's own rules: at least the law's signers (never fewer), 1..24 months each."""
    least = law_signers(region)
    if not least <= signers <= MAX_SIGNERS:
        raise InvalidArgument(f"{field}.bill_signers_required",
                              f"must be between {least} (the organic law's minimum here) and {MAX_SIGNERS}")
    for name, value in (("handling_months", handling), ("rehandling_months", rehandling)):
        if not 1 <= value <= MAX_MONTHS:
            raise InvalidArgument(f"{field}.{name}", f"must be between 1 and {MAX_MONTHS} months")
    return ItemRules(region.code, signers, handling, rehandling, inherited=False)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months on, the month's last day when it has fewer
    (11-30 + 3 months = 02-28, or 02-29 in a leap year)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# ---- submission and co-signing ------------------------------------------------------------

def check_co_signers(ids: Sequence[str], submitter: str, field: str = "co_signer_ids") -> tuple[str, ...]:
    """The deputies invited to co-sign: each once, never the submitter (who signs already)."""
    if len(ids) > MAX_CO_SIGNERS:
        raise InvalidArgument(field, f"at most {MAX_CO_SIGNERS} co-signers")
    out: list[str] = []
    for i, x in enumerate(ids):
        if x == submitter:
            raise InvalidArgument(f"{field}[{i}]", "names the submitting deputy, who signs already")
        if x in out:
            raise InvalidArgument(f"{field}[{i}]", "names a deputy twice")
        out.append(x)
    return tuple(out)


def check_co_sign(status: ItemStatus, invited: bool, signed: bool) -> None:
    if status is not ItemStatus.SUBMITTED:
        raise FailedPrecondition("status: co-signing closed when the item was registered")
    if not invited:
        raise FailedPrecondition("co_signers: the deputy was not invited to co-sign")
    if signed:
        raise FailedPrecondition("co_signers: signed already")


def check_register(status: ItemStatus, kind: ItemKind, signers: int, required: int) -> None:
    """Registration (立案) classifies a submitted item; a bill needs ``required`` signers."""
    if status is not ItemStatus.SUBMITTED:
        raise FailedPrecondition(f"status: registered already ({STATUS_LABELS[status]})")
    if kind is ItemKind.BILL and signers < required:
        raise FailedPrecondition(f"kind: a bill needs {required} deputies signing (联名), this has {signers}; "
                                 "register it as a suggestion")


def check_assign(status: ItemStatus) -> None:
    """Assignment (交办) follows registration; it may be changed until the four in place are
    recorded (the lead department then owns the plan)."""
    if status is ItemStatus.SUBMITTED:
        raise FailedPrecondition("registration: the item is not registered yet")
    if status not in (ItemStatus.REGISTERED, ItemStatus.ASSIGNED):
        raise FailedPrecondition("four_in_place: handling has started; the assignment stands")


def check_deadline(deadline: date, today: date, field: str = "deadline") -> date:
    if deadline <= today:
        raise InvalidArgument(field, "must be after today")
    return deadline


# ---- handling -----------------------------------------------------------------------------

@dataclass(frozen=True)
class FourInPlace:
    plan: str
    measures: str
    target: str
    time_limit: date


def check_four_in_place(plan: str, measures: str, target: str, time_limit: str) -> FourInPlace:
    day = d.check_day(time_limit, "time_limit", required=True)
    assert day is not None
    return FourInPlace(plan=d.text(plan, "plan", max_len=MAX_FOUR, required=True),
                       measures=d.text(measures, "measures", max_len=MAX_FOUR, required=True),
                       target=d.text(target, "target", max_len=MAX_FOUR, required=True), time_limit=day)


def check_record_four(status: ItemStatus) -> None:
    if status in (ItemStatus.SUBMITTED, ItemStatus.REGISTERED):
        raise FailedPrecondition("assignment: the item is not assigned to a department yet")
    if status is not ItemStatus.ASSIGNED:
        raise FailedPrecondition("four_in_place: recorded already")


def check_meeting(status: ItemStatus, stage: MeetingStage, round_: int, held: Sequence[tuple[int, MeetingStage]],
                  held_on: date, today: date) -> None:
    """The three meetings (三见面) in order, each once a round, all after the four in place
    (四落实; the plan met on is part of them): on the plan, during handling, before the final
    reply. A reopened round (2) requires only its meeting before the reply (meetings_required);
    one during handling may be held, one on the plan is refused."""
    if held_on > today:
        raise InvalidArgument("held_on", "is after today: record a meeting once held")
    if status in (ItemStatus.SUBMITTED, ItemStatus.REGISTERED):
        raise FailedPrecondition("assignment: the item is not assigned to a department yet")
    if status in (ItemStatus.REPLIED, ItemStatus.CLOSED):
        raise FailedPrecondition("status: the final reply is given already")
    if status is ItemStatus.ASSIGNED:
        raise FailedPrecondition("four_in_place: handling starts when the four in place (四落实) are recorded")
    if (round_, stage) in held:
        raise FailedPrecondition(f"stage: the {STAGE_LABELS[stage]} of this round is recorded already")
    if stage is MeetingStage.PLAN:
        if stage not in meetings_required(round_):
            raise FailedPrecondition("stage: a reopened item meets the deputy before the reply (答复前见面), "
                                     "not on the plan again")
        return
    if round_ == 1 and (1, MeetingStage.PLAN) not in held:
        raise FailedPrecondition("meetings: the meeting on the plan (方案见面) is not recorded yet")
    if stage is MeetingStage.REPLY and round_ == 1 and (1, MeetingStage.HANDLING) not in held:
        raise FailedPrecondition("meetings: the meeting during handling (办理中见面) is not recorded yet")


def meetings_required(round_: int) -> tuple[MeetingStage, ...]:
    """The meetings (三见面) a round requires, in order: all three in the first round; only the
    one before the reply in a reopened round (its plan is the first round's)."""
    if round_ > 1:
        return (MeetingStage.REPLY,)
    return (MeetingStage.PLAN, MeetingStage.HANDLING, MeetingStage.REPLY)


def check_reply(status: ItemStatus, round_: int, held: Sequence[tuple[int, MeetingStage]]) -> None:
    """The final reply: while handling, after the round's meeting before the reply."""
    if status in (ItemStatus.SUBMITTED, ItemStatus.REGISTERED):
        raise FailedPrecondition("assignment: the item is not assigned to a department yet")
    if status is ItemStatus.ASSIGNED:
        raise FailedPrecondition("four_in_place: handling starts when the four in place (四落实) are recorded")
    if status is not ItemStatus.HANDLING:
        raise FailedPrecondition("status: the final reply is given already")
    if (round_, MeetingStage.REPLY) not in held:
        raise FailedPrecondition("meetings: the meeting with the deputy on the final reply (答复前见面) "
                                 "is not recorded yet")


@dataclass(frozen=True)
class RatingOutcome:
    status: ItemStatus
    round: int
    reopened: bool
    final_rating: ReplyRating


def rate(status: ItemStatus, round_: int, rating: ReplyRating) -> RatingOutcome:
    """The deputy's rating of the round's reply: satisfied or basically satisfied closes the
    item; unsatisfied reopens handling once (round 2, a new deadline), and closes it as
    unsatisfied the second time."""
    if status is not ItemStatus.REPLIED:
        raise FailedPrecondition("reply: there is no final reply to rate" if status is not ItemStatus.CLOSED
                                 else "status: the item is closed")
    if rating is ReplyRating.UNSATISFIED and round_ == 1:
        return RatingOutcome(ItemStatus.HANDLING, 2, True, ReplyRating.UNSPECIFIED)
    return RatingOutcome(ItemStatus.CLOSED, round_, False, rating)


def days_overdue(status: ItemStatus, deadline: date | None, today: date) -> int:
    """Days past the round's deadline while the department holds the item (assigned or
    handling); 0 otherwise: a reply given or awaited from the deputy is not the department's delay."""
    if deadline is None or status not in (ItemStatus.ASSIGNED, ItemStatus.HANDLING) or deadline >= today:
        return 0
    return (today - deadline).days


def overdue_text(kind: ItemKind, deadline: date, today: date) -> str:
    days = (today - deadline).days
    return (f"该{KIND_LABELS.get(kind, '建议')}应于{d.day_text(deadline)}前办结答复，截至{d.day_text(today)}尚未答复，"
            f"已逾期{days}天")


def number(region_name: str, year: int, kind: ItemKind, seq: int) -> str:
    return f"{region_name}{year}年第{seq}号{KIND_LABELS[kind]}"


# ---- meetings with heads of state organs (约见) -------------------------------------------------

def check_arrange(status: OrganMeetingStatus) -> None:
    """Arranged once requested, and re-arranged (another day or head) until held."""
    if status not in (OrganMeetingStatus.REQUESTED, OrganMeetingStatus.ARRANGED):
        raise FailedPrecondition("status: the meeting is held already")


def check_record_organ(status: OrganMeetingStatus, meeting_on: date | None, today: date) -> None:
    if status is OrganMeetingStatus.REQUESTED:
        raise FailedPrecondition("arrangement: the meeting is not arranged yet")
    if status is not OrganMeetingStatus.ARRANGED:
        raise FailedPrecondition("status: the meeting is recorded already")
    if meeting_on is not None and meeting_on > today:
        raise FailedPrecondition(f"meeting_on: the meeting is arranged for {meeting_on.isoformat()}, not held yet")


def check_follow_up(status: OrganMeetingStatus) -> None:
    if status in (OrganMeetingStatus.REQUESTED, OrganMeetingStatus.ARRANGED):
        raise FailedPrecondition("outcome: the meeting is not recorded as held yet")
    if status is OrganMeetingStatus.DONE:
        raise FailedPrecondition("status: the follow-up is done already")
