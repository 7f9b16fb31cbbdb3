"""The portal's strings and formats, one catalogue per language (zh_CN.py today). Templates
get ``t`` (the strings: ``t.card_title``), ``fmt`` (dates, numbers, lists) and the named
tables (statuses, levels, venue kinds). Another language is another module with the same
names, picked in ``catalogue()``."""
from __future__ import annotations

import re
from datetime import date as DateType
from datetime import datetime as DateTime
from types import ModuleType

from google.protobuf.timestamp_pb2 import Timestamp

from portal.i18n import zh_CN
from shared.clock import CHINA


class Strings:
    """Attribute access to a catalogue's strings; a missing key raises (never a blank)."""

    def __init__(self, strings: dict[str, str]):
        self._strings = strings

    def __getattr__(self, key: str) -> str:
        try:
            return self._strings[key]
        except KeyError:
            raise AttributeError(f"no string {key!r} in the catalogue") from None

    def __getitem__(self, key: str) -> str:
        return self._strings[key]

    def get(self, key: str, default: str) -> str:
        """The string of ``key``, or ``default`` (a label of a value a service may add later,
        e.g. a new kind of history entry, shown as it came rather than failing the page)."""
        return self._strings.get(key, default)


class Formats:
    """Dates in China time and numbers, as the language writes them."""

    def __init__(self, lang: ModuleType):
        self.lang = lang

    def _local(self, when: Timestamp | DateTime | None) -> DateTime | None:
        if when is None:
            return None
        if isinstance(when, Timestamp):
            if not when.seconds and not when.nanos:
                return None
            when = when.ToDatetime(tzinfo=CHINA)
        return when.astimezone(CHINA)

    def datetime(self, when: Timestamp | DateTime | None) -> str:
        local = self._local(when)
        if local is None:
            return ""
        return self.lang.DATETIME.format(y=local.year, m=local.month, d=local.day, H=local.hour, M=local.minute)

    def date(self, when: Timestamp | DateTime | None) -> str:
        local = self._local(when)
        return "" if local is None else self.lang.DATE.format(y=local.year, m=local.month, d=local.day)

    def number(self, n: int | float) -> str:
        return f"{n:,}"

    def decimal(self, n: float) -> str:
        """One decimal place, grouped: 1,234.5."""
        return f"{n:,.1f}"

    def iso_date(self, day: str) -> str:
        """A YYYY-MM-DD day as the language writes dates; anything else as it is."""
        try:
            d = DateType.fromisoformat(day)
        except ValueError:
            return day
        return self.lang.DATE.format(y=d.year, m=d.month, d=d.day)

    def days_of_month(self, days) -> str:
        return self.lang.LIST_SEPARATOR.join(self.lang.DAY_OF_MONTH.format(d=d) for d in days)

    def join(self, items) -> str:
        return self.lang.LIST_SEPARATOR.join(str(x) for x in items)


class Catalogue:
    def __init__(self, lang: ModuleType):
        self.lang_tag = lang.LANG
        self.t = Strings(lang.STRINGS)
        self.fmt = Formats(lang)
        self.field_problems: dict[str, str] = lang.FIELD_PROBLEMS
        self.field_problem_other: str = lang.FIELD_PROBLEM_OTHER
        self.statuses: dict[int, str] = lang.OPINION_STATUS
        self.levels: dict[int, str] = lang.LEVELS
        self.venue_kinds: dict[int, str] = lang.VENUE_KINDS
        self.categories: tuple[str, ...] = lang.CATEGORIES
        self.role_names: dict[str, str] = lang.ROLE_NAMES
        self.registers: dict[int, str] = lang.REGISTERS
        # account management (portal/pages/accounts.py)
        self.account_roles: dict[int, str] = lang.ACCOUNT_ROLES
        self.account_statuses: dict[int, str] = lang.ACCOUNT_STATUSES
        self.audit_kinds: dict[int, str] = lang.AUDIT_KINDS
        self.audit_details: tuple[tuple[str, str], ...] = lang.AUDIT_DETAILS
        # the roster's tables (deputy statuses, genders)
        self.deputy_statuses: dict[int, str] = lang.DEPUTY_STATUS
        self.genders: dict[int, str] = lang.GENDERS
        self.import_problems: tuple[tuple[str, str], ...] = lang.IMPORT_PROBLEMS
        # balloting's refusals (portal/pages/campaigns.py)
        self.ballot_refusals: tuple[tuple[str, str], ...] = lang.BALLOT_REFUSALS
        self.ballot_refusal_other: str = lang.BALLOT_REFUSAL_OTHER
        self.campaign_step_notes: tuple[tuple[str, str], ...] = lang.CAMPAIGN_STEP_NOTES
        # supervision's refusals and fields (portal/pages/supervision.py)
        self.supervision_refusals: tuple[tuple[str, str], ...] = lang.SUPERVISION_REFUSALS
        self.supervision_field_problems: dict[str, str] = lang.SUPERVISION_FIELD_PROBLEMS
        self.supervision_reason_problems: tuple[tuple[str, str, str], ...] = lang.SUPERVISION_REASON_PROBLEMS
        # the rules pages' refusals (portal/pages/rules.py)
        self.rule_problems: tuple[tuple[str, str], ...] = lang.RULE_PROBLEMS
        self.rule_problem_other: str = lang.RULE_PROBLEM_OTHER
        # the rectification and inquiry forms' refusals (portal/pages/satisfaction.py)
        self.rectification_problems: tuple[tuple[str, str, str, str], ...] = lang.RECTIFICATION_PROBLEMS

    def template_globals(self) -> dict[str, object]:
        return {"t": self.t, "fmt": self.fmt, "lang": self.lang_tag, "statuses": self.statuses,
                "levels": self.levels, "venue_kinds": self.venue_kinds, "role_names": self.role_names,
                "register_names": self.registers,
                "account_roles": self.account_roles, "account_statuses": self.account_statuses,
                "audit_kinds": self.audit_kinds,
                "deputy_statuses": self.deputy_statuses, "genders": self.genders,
                "step_note": self.step_note}

    def step_note(self, note: str) -> str:
        """A campaign step's note as the history shows it: balloting's own wording (when staff
        gave no note) in the catalogue's language, a note staff typed as typed."""
        for pattern, said in self.campaign_step_notes:
            if re.fullmatch(pattern, note):
                return re.sub(pattern, said, note)
        return note

    def ballot_refusal(self, detail: str) -> str:
        """Balloting's refusal of a step (FAILED_PRECONDITION, NOT_FOUND, ALREADY_EXISTS) as the
        office reads it: the first of BALLOT_REFUSALS whose pattern is found in the service's
        English, else BALLOT_REFUSAL_OTHER; never the English itself."""
        for pattern, said in self.ballot_refusals:
            m = re.search(pattern, detail)
            if m:
                return said.format(**m.groupdict())
        return self.ballot_refusal_other

    def supervision_refusal(self, detail: str) -> str:
        """Supervision's refusal of a step (FAILED_PRECONDITION, ALREADY_EXISTS) in words: the
        first of SUPERVISION_REFUSALS found in the service's English, else the general sentence."""
        for pattern, said in self.supervision_refusals:
            m = re.search(pattern, detail)
            if m:
                return said.format(**m.groupdict())
        return self.ballot_refusal_other

    def rule_problem(self, reason: str) -> str:
        """The problem part of a rules RPC's INVALID_ARGUMENT ('must be between 0 and 1000') as
        the rules pages say it after the field's name: the first of RULE_PROBLEMS matching at
        its start, with the service's own bounds; else RULE_PROBLEM_OTHER, never the English."""
        for pattern, said in self.rule_problems:
            m = re.match(pattern, reason)
            if m:
                return said.format(**m.groupdict())
        return self.rule_problem_other

    def rectification_problem(self, detail: str) -> tuple[str, str] | None:
        """An evaluation INVALID_ARGUMENT on a rectification or inquiry form as (the input it is
        about, the sentence shown next to it): the first of RECTIFICATION_PROBLEMS for its
        field and problem; None for a field the forms have no input for."""
        path, _, reason = detail.partition(":")
        field, reason = re.sub(r"\[\d+\]", "", path.strip()), reason.strip()
        for name, start, target, said in self.rectification_problems:
            if name == field and reason.startswith(start):
                return target, said
        return None

    def supervision_field_error(self, detail: str) -> str:
        """A supervision INVALID_ARGUMENT (or NOT_FOUND naming a field) as the forms name the
        field: supervision's own words for its fields (a project's 完成时限 is not a case's
        办理期限), else the catalogue's general ones. A field with more than one problem a
        form can meet (a repeated milestone title is not a missing one) is said by the first of
        SUPERVISION_REASON_PROBLEMS for its field and the start of supervision's problem."""
        path, _, reason = detail.partition(":")
        field, reason = re.sub(r"\[\d+\]", "", path.strip()), reason.strip()
        for name, start, sentence in self.supervision_reason_problems:
            if name == field and reason.startswith(start):
                return sentence
        said = self.supervision_field_problems.get(field)
        return said if said is not None else self.field_error(detail)

    def field_error(self, detail: str) -> str:
        """What to show for a service's INVALID_ARGUMENT 'field: problem': the catalogue's
        sentence for that field (the service's own wording is English, for developers)."""
        field = detail.partition(":")[0].strip()
        # deputy.seats[2].term has the sentence of deputy.seats.term: which seat is on the form.
        return self.field_problems.get(field) or self.field_problems.get(re.sub(r"\[\d+\]", "", field),
                                                                         self.field_problem_other)


def catalogue(lang: str = "zh-CN") -> Catalogue:
    if lang != "zh-CN":
        raise ValueError(f"no catalogue for {lang!r}; zh-CN only")
    return Catalogue(zh_CN)
