"""Liaison rules: the life of an opinion (意见建议) and what each step needs.

Plain Python: no gRPC, SQL or Kafka. Numbers of the enums match liaison.proto.
"""
from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared import text as canonical
from shared import validation
from shared.errors import FailedPrecondition, InvalidArgument


class Channel(enum.IntEnum):
    QR_CODE = 1
    VISIT = 2
    RECEPTION = 3
    HOTLINE = 4
    CAMPAIGN = 5
    SYSTEM = 6


class DeputyStatus(enum.IntEnum):
    """The roster's lianxin.roster.v1.DeputyStatus, as its events carry it to the read model."""
    SERVING = 1
    RESIGNED = 2
    TERMINATED = 3
    BY_ELECTED = 4


class ActivityKind(enum.IntEnum):
    VISIT = 1
    RECEPTION = 2
    MEETING = 3
    CAMPAIGN = 4
    MAJOR_MATTER = 5


class Status(enum.IntEnum):
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


class Step(enum.Enum):
    """What can happen to a case; each names the statuses it may start from."""
    ACCEPT = "accept"
    REJECT = "reject"
    ANSWER = "answer"
    TRANSFER = "transfer"
    REPLY = "reply"                 # the department's reply
    CONCLUDE = "conclude"           # resolved or not resolved
    ESCALATE = "escalate"
    OUTCOME = "outcome"             # the upper tier's outcome arrives
    FEEDBACK = "feedback"
    RATE = "rate"
    CLOSE = "close"


S = Status
ALLOWED_FROM: dict[Step, frozenset[Status]] = {
    Step.ACCEPT: frozenset({S.RAISED}),
    Step.REJECT: frozenset({S.RAISED}),
    Step.ANSWER: frozenset({S.ACCEPTED}),
    # A deputy's answer may still need a department; an unresolved case may try another one.
    Step.TRANSFER: frozenset({S.ACCEPTED, S.ANSWERED, S.UNRESOLVED}),
    Step.REPLY: frozenset({S.TRANSFERRED}),
    Step.CONCLUDE: frozenset({S.ANSWERED, S.REPLIED}),
    Step.ESCALATE: frozenset({S.RAISED, S.ACCEPTED, S.ANSWERED, S.TRANSFERRED, S.REPLIED, S.UNRESOLVED}),
    Step.OUTCOME: frozenset({S.ESCALATED}),
    Step.FEEDBACK: frozenset({S.RESOLVED, S.UNRESOLVED, S.REJECTED}),
    Step.RATE: frozenset({S.FEEDBACK_GIVEN, S.CLOSED}),
    Step.CLOSE: frozenset({S.FEEDBACK_GIVEN}),
}
# Cases the overdue sweep escalates: still being worked on at this tier.
OPEN = ALLOWED_FROM[Step.ESCALATE]


def check_step(step: Step, current: Status) -> None:
    if current not in ALLOWED_FROM[step]:
        allowed = ", ".join(s.name.lower() for s in sorted(ALLOWED_FROM[step]))
        raise FailedPrecondition(f"cannot {step.value} a case that is {current.name.lower()} (only when {allowed})")


# Days a tier has before an unresolved case escalates; deployments may override per tier.
DEFAULT_DEADLINE_DAYS = {"township": 15, "county": 30, "prefecture": 60}

MAX_TEXT = 2000
MAX_CATEGORY = 20
MAX_NOTE = 2000
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$", re.ASCII)


def text(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    """What people write to and about their deputies may run over several lines; kept as
    written (shared.text.text: no NFKC on prose), paste debris removed."""
    return validation.text(value, field, max_len=max_len, required=required, multiline=True)


def line(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    """A one-line label (category, department): shared.text.line, a key and a filter."""
    return validation.text(value, field, max_len=max_len, required=required)


def code(value: str, field: str, *, max_len: int, required: bool = False) -> str:
    """A card or tracking code as people type it: full-width, lower case, spaced in groups
    all find the same code (shared.text.code)."""
    return validation.text(value, field, max_len=max_len, required=required, form=canonical.code)


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""


def check_contact(c: Contact, prefix: str = "contact") -> Contact:
    """The citizen's name and phone in the same canonical forms as the roster's deputies."""
    phone = validation.text(c.phone, f"{prefix}.phone", max_len=20, form=canonical.phone)
    if phone and not PHONE.match(phone):
        raise InvalidArgument(f"{prefix}.phone", "must be digits, optionally with +, - or spaces")
    return Contact(validation.text(c.name, f"{prefix}.name", max_len=50, form=canonical.name), phone)


def check_rating(rating: int) -> int:
    if not 1 <= rating <= 5:
        raise InvalidArgument("rating", "must be 1 to 5")
    return rating


def new_tracking_code() -> str:
    """12 characters without look-alikes: short enough to read out, long enough (60 bits)
    that guessing another citizen's code is hopeless."""
    return "".join(TRACKING_ALPHABET[b & 31] for b in secrets.token_bytes(12))


def due_at(start: datetime, tier: str, deadlines: dict[str, int] | None = None) -> datetime:
    days = (deadlines or DEFAULT_DEADLINE_DAYS)[tier]
    return start + timedelta(days=days)


def days_to_resolve(raised_at: datetime, resolved_at: datetime) -> int:
    return max(0, (resolved_at - raised_at).days)
