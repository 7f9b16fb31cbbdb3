"""Roster rules: who a deputy is, how their status may change, double-contact limits,
which venue a deputy is grouped into. Plain Python: no gRPC, SQL or Kafka here."""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared import text as canonical
from shared import validation
from shared.errors import FailedPrecondition, InvalidArgument


class Level(enum.IntEnum):
    """The five levels of people's congress (五级人大), and the deliberation seat of a
    sub-district (街道议事代表), which is no congress; numbers match the proto enum."""
    NATIONAL = 1
    PROVINCIAL = 2
    PREFECTURE = 3
    COUNTY = 4
    TOWNSHIP = 5
    DELIBERATION = 6


class Gender(enum.IntEnum):
    UNSPECIFIED = 0
    MALE = 1
    FEMALE = 2


class DeputyStatus(enum.IntEnum):
    SERVING = 1
    RESIGNED = 2
    TERMINATED = 3
    BY_ELECTED = 4


class VenueKind(enum.IntEnum):
    DEPUTY_HOME = 1
    LIAISON_STATION = 2
    PROFESSIONAL_WORKSTATION = 3
    ACTIVITY_ROOM = 4


# Labels offices write in their spreadsheets; also used in exports.
LEVEL_LABELS = {Level.NATIONAL: "全国", Level.PROVINCIAL: "省", Level.PREFECTURE: "州",
                Level.COUNTY: "县", Level.TOWNSHIP: "乡", Level.DELIBERATION: "议事代表"}
GENDER_LABELS = {Gender.MALE: "男", Gender.FEMALE: "女", Gender.UNSPECIFIED: ""}
STATUS_LABELS = {DeputyStatus.SERVING: "在任", DeputyStatus.RESIGNED: "辞职",
                 DeputyStatus.TERMINATED: "终止", DeputyStatus.BY_ELECTED: "补选"}

DEFAULT_DEPUTIES_PER_COMMITTEE_MEMBER = 5
DEFAULT_HOUSEHOLDS_PER_DEPUTY = 10


@dataclass(frozen=True)
class ContactLimits:
    """双联系 limits in force for a region: its own, else its nearest ancestor's, else the
    defaults (``inherited`` says which)."""
    region_code: str
    deputies_per_committee_member: int = DEFAULT_DEPUTIES_PER_COMMITTEE_MEMBER
    households_per_deputy: int = DEFAULT_HOUSEHOLDS_PER_DEPUTY
    inherited: bool = True


@dataclass(frozen=True)
class PublicVenue:
    """A venue as its deputies' public cards show it: where and when to find them."""
    name: str
    kind: VenueKind
    address: str
    days_of_month: tuple[int, ...]
    hours: str
    note: str


@dataclass(frozen=True)
class PublicCard:
    """What a citizen sees after scanning a card: the fields the deputy chose to show
    (blank, or empty, for the rest), the levels of the seats, the region's and venues' names."""
    card_code: str
    name: str
    work_unit: str
    position: str
    phone: str
    specialties: tuple[str, ...]
    pledge: str
    levels: tuple[int, ...]
    region_name: str
    venue_names: tuple[str, ...]
    venues: tuple[PublicVenue, ...]

# Checked on the canonical form (shared.text.phone): full-width digits are ASCII by then.
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$", re.ASCII)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,20}$")


@dataclass(frozen=True)
class Seat:
    level: Level
    term: str = ""                 # 届, e.g. 第十五届
    electoral_district: str = ""   # 选区


@dataclass(frozen=True)
class Contact:
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class CardSettings:
    """What the deputy shows on the public card. Phone is hidden until the deputy opts in."""
    show_work_unit: bool = True
    show_position: bool = True
    show_phone: bool = False
    show_specialties: bool = True
    pledge: str = ""


@dataclass(frozen=True)
class StatusChange:
    status: DeputyStatus
    reason: str
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class DeputyProfile:
    """The fields a committee office keeps for a deputy and edits or imports."""
    region_code: str
    name: str
    gender: Gender = Gender.UNSPECIFIED
    ethnicity: str = ""
    seats: tuple[Seat, ...] = ()
    work_unit: str = ""
    position: str = ""
    contact: Contact = field(default_factory=Contact)
    specialties: tuple[str, ...] = ()

    @property
    def levels(self) -> tuple[Level, ...]:
        return tuple(sorted(s.level for s in self.seats))


PROFILE_FIELDS = ("name", "gender", "ethnicity", "seats", "work_unit", "position", "contact", "specialties")


check_region_code = validation.region_code


def _text(value: str, field_name: str, *, max_len: int, required: bool = False, form=canonical.line) -> str:
    """``value`` in its canonical ``form`` (shared.text), checked; one line unless the form says."""
    return validation.text(value, field_name, max_len=max_len, required=required, form=form)


def validate_profile(p: DeputyProfile, prefix: str = "deputy") -> DeputyProfile:
    """Returns the profile trimmed and normalised, or raises InvalidArgument naming the field
    by its proto path (e.g. ``deputy.seats[1].level``) so API callers and import reports agree."""
    region = check_region_code(p.region_code, f"{prefix}.region_code")
    name = _text(p.name, f"{prefix}.name", max_len=50, required=True, form=canonical.name)
    try:
        gender = Gender(p.gender)
    except ValueError:
        raise InvalidArgument(f"{prefix}.gender", f"unknown gender {p.gender!r}") from None
    ethnicity = _text(p.ethnicity, f"{prefix}.ethnicity", max_len=20)
    if not p.seats:
        raise InvalidArgument(f"{prefix}.seats", "a deputy sits at one level at least")
    if len(p.seats) > len(Level):
        raise InvalidArgument(f"{prefix}.seats", f"at most {len(Level)} seats, one per level")
    seats, seen = [], set()
    for i, s in enumerate(p.seats):
        try:
            level = Level(s.level)
        except ValueError:
            raise InvalidArgument(f"{prefix}.seats[{i}].level",
                                  "must be one of the five levels or a deliberation seat") from None
        if level in seen:
            raise InvalidArgument(f"{prefix}.seats[{i}].level", f"level {level.name} appears twice")
        seen.add(level)
        seats.append(Seat(level, _text(s.term, f"{prefix}.seats[{i}].term", max_len=20),
                          _text(s.electoral_district, f"{prefix}.seats[{i}].electoral_district", max_len=50)))
    phone = _text(p.contact.phone, f"{prefix}.contact.phone", max_len=20, form=canonical.phone)
    if phone and not PHONE.match(phone):
        raise InvalidArgument(f"{prefix}.contact.phone", "must be digits, optionally with +, - or spaces")
    email = _text(p.contact.email, f"{prefix}.contact.email", max_len=254, form=canonical.email)
    if email and not EMAIL.match(email):
        raise InvalidArgument(f"{prefix}.contact.email", "is not an e-mail address")
    address = _text(p.contact.address, f"{prefix}.contact.address", max_len=200)
    specialties = normalise_specialties(p.specialties, f"{prefix}.specialties")
    return DeputyProfile(
        region_code=region, name=name, gender=gender, ethnicity=ethnicity,
        seats=tuple(sorted(seats, key=lambda s: s.level)),
        work_unit=_text(p.work_unit, f"{prefix}.work_unit", max_len=100),
        position=_text(p.position, f"{prefix}.position", max_len=100),
        contact=Contact(phone, email, address), specialties=specialties)


def check_seat_region(p: DeputyProfile, subdistrict: bool, prefix: str = "deputy") -> None:
    """A deliberation seat (议事代表) is a sub-district's: a 街道 has no people's congress, and
    its working committee's deliberation deputies speak and vote for it (温县: "街道按相同规定由
    议事代表进行票选"). A deputy of any other region holding one is INVALID_ARGUMENT naming the
    seat. ``subdistrict``: whether the deputy's region is a 街道 (shared.tenancy.RegionKind)."""
    if subdistrict:
        return
    for i, s in enumerate(p.seats):
        if s.level is Level.DELIBERATION:
            raise InvalidArgument(f"{prefix}.seats[{i}].level", f"a deliberation seat (议事代表) is for a deputy of a "
                                                                f"sub-district (街道); region {p.region_code} is not one")


def normalise_specialties(values: Iterable[str], field_name: str) -> tuple[str, ...]:
    out: list[str] = []
    for i, v in enumerate(values):
        v = _text(v, f"{field_name}[{i}]", max_len=20)
        if v and v not in out:
            out.append(v)
    if len(out) > 10:
        raise InvalidArgument(field_name, "at most 10 specialties")
    return tuple(out)


def validate_card(card: CardSettings, field_name: str = "card") -> CardSettings:
    return replace(card, pledge=_text(card.pledge, f"{field_name}.pledge", max_len=500, form=canonical.text))


# 代表退出和增补机制: a serving or by-elected deputy leaves by resignation or termination;
# one who left may return only through a by-election.
_ALLOWED = {
    DeputyStatus.SERVING: {DeputyStatus.RESIGNED, DeputyStatus.TERMINATED},
    DeputyStatus.BY_ELECTED: {DeputyStatus.RESIGNED, DeputyStatus.TERMINATED},
    DeputyStatus.RESIGNED: {DeputyStatus.BY_ELECTED},
    DeputyStatus.TERMINATED: {DeputyStatus.BY_ELECTED},
}
INITIAL_STATUSES = (DeputyStatus.SERVING, DeputyStatus.BY_ELECTED)


def check_status_change(current: DeputyStatus, new: DeputyStatus, reason: str) -> str:
    if new not in _ALLOWED[current]:
        raise FailedPrecondition(f"a deputy who is {current.name.lower()} cannot become {new.name.lower()}")
    reason = _text(reason, "reason", max_len=200, form=canonical.text)
    if new in (DeputyStatus.RESIGNED, DeputyStatus.TERMINATED) and not reason:
        raise InvalidArgument("reason", "is required when a deputy leaves office")
    return reason


def is_active(status: DeputyStatus) -> bool:
    return status in INITIAL_STATUSES


def check_contact_limit(current: int, limit: int, what: str) -> None:
    """双联系 limits: over the limit is a state problem, not a malformed request."""
    if current >= limit:
        raise FailedPrecondition(f"{what}: limit of {limit} reached")


def check_limit_value(value: int, field_name: str) -> int:
    if value < 1 or value > 1000:
        raise InvalidArgument(field_name, "must be between 1 and 1000")
    return value


@dataclass(frozen=True)
class VenueChoice:
    id: str
    region_path: str               # materialised path of the venue's region, e.g. 652300/652301/652301001
    specialties: tuple[str, ...]
    deputy_count: int
    kind: VenueKind = VenueKind.DEPUTY_HOME


def choose_venue(deputy_region_path: str, specialties: Sequence[str],
                 venues: Sequence[VenueChoice]) -> VenueChoice | None:
    """就近编组进家: the nearest venue wins, nearest meaning the deepest region that contains
    the deputy's own; among equally near venues, the one sharing most specialties, then the
    one with fewest deputies (keeps groups even), then the id for a stable answer.

    A professional workstation (专业代表工作站, e.g. 医疗) takes only deputies who share one of
    its specialties: it gathers deputies of a field, it is not the home of everyone nearby.
    The others go to a deputy home, liaison station or activity room; a deputy with none
    around is left unplaced (None) for the office to decide."""
    wanted = set(specialties)
    best, best_key = None, None
    for v in venues:
        if not (deputy_region_path == v.region_path or deputy_region_path.startswith(v.region_path + "/")):
            continue
        shared = len(wanted & set(v.specialties))
        if v.kind is VenueKind.PROFESSIONAL_WORKSTATION and not shared:
            continue
        depth = v.region_path.count("/")
        key = (-depth, -shared, v.deputy_count, v.id)
        if best_key is None or key < best_key:
            best, best_key = v, key
    return best


HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class VenueDraft:
    region_code: str
    kind: VenueKind
    name: str
    address: str = ""
    officer_name: str = ""
    officer_phone: str = ""
    days_of_month: tuple[int, ...] = ()   # reception days, e.g. (5, 25)
    hours: str = ""
    note: str = ""
    specialties: tuple[str, ...] = ()


VENUE_FIELDS = ("kind", "name", "address", "liaison_officer", "schedule", "specialties")


def validate_venue(v: VenueDraft, prefix: str = "venue") -> VenueDraft:
    phone = _text(v.officer_phone, f"{prefix}.liaison_officer.phone", max_len=20, form=canonical.phone)
    if phone and not PHONE.match(phone):
        raise InvalidArgument(f"{prefix}.liaison_officer.phone", "must be digits, optionally with +, - or spaces")
    days = []
    for i, day in enumerate(v.days_of_month):
        if not 1 <= day <= 31:
            raise InvalidArgument(f"{prefix}.schedule.days_of_month[{i}]", "must be a day of the month, 1 to 31")
        if day not in days:
            days.append(day)
    hours = _text(v.hours, f"{prefix}.schedule.hours", max_len=50)
    if hours and not HOURS.match(hours):
        raise InvalidArgument(f"{prefix}.schedule.hours", "must look like 09:00-12:00")
    if hours:
        start, end = (part.strip() for part in hours.split("-", 1))
        # Zero-padded HH:MM compares as text; reception hours never run past midnight.
        if end.zfill(5) <= start.zfill(5):
            raise InvalidArgument(f"{prefix}.schedule.hours", f"ends at {end}, not after it starts at {start}")
    return VenueDraft(
        region_code=check_region_code(v.region_code, f"{prefix}.region_code"),
        kind=v.kind,
        # A venue is often named after its deputy (阿依古丽·示例代表之家): the name's dots fold too.
        name=_text(v.name, f"{prefix}.name", max_len=100, required=True, form=canonical.name),
        address=_text(v.address, f"{prefix}.address", max_len=200),
        officer_name=_text(v.officer_name, f"{prefix}.liaison_officer.name", max_len=50, form=canonical.name),
        officer_phone=phone, days_of_month=tuple(sorted(days)), hours=hours,
        note=_text(v.note, f"{prefix}.schedule.note", max_len=200),
        specialties=normalise_specialties(v.specialties, f"{prefix}.specialties"))


@dataclass(frozen=True)
class Household:
    household_head: str
    address: str = ""
    phone: str = ""


def validate_household(h: Household, prefix: str = "household") -> Household:
    phone = _text(h.phone, f"{prefix}.phone", max_len=20, form=canonical.phone)
    if phone and not PHONE.match(phone):
        raise InvalidArgument(f"{prefix}.phone", "must be digits, optionally with +, - or spaces")
    return Household(_text(h.household_head, f"{prefix}.household_head", max_len=50, required=True,
                           form=canonical.name),
                     _text(h.address, f"{prefix}.address", max_len=200), phone)
