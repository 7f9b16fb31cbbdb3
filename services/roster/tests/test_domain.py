"""Roster domain rules: profile validation, status changes, contact limits, venue choice."""
from dataclasses import replace

import pytest

from services.roster.domain import (
    Contact,
    DeputyProfile,
    DeputyStatus,
    Gender,
    Level,
    Seat,
    VenueChoice,
    VenueKind,
    check_contact_limit,
    check_limit_value,
    check_region_code,
    check_status_change,
    choose_venue,
    is_active,
    validate_profile,
)
from shared.errors import FailedPrecondition, InvalidArgument

GOOD = DeputyProfile(
    region_code="652301", name="马玉兰", gender=Gender.FEMALE, ethnicity="回族",
    seats=(Seat(Level.TOWNSHIP, "第十九届", "三工镇第2选区"), Seat(Level.COUNTY, "第十八届", "城关第3选区")),
    work_unit="昌吉市第一中学", position="副校长",
    contact=Contact("+86 138-0000-0000", "ma@example.cn", "昌吉市北京南路1号"),
    specialties=("教育", "法律"))


def field_of(profile: DeputyProfile) -> str:
    with pytest.raises(InvalidArgument) as e:
        validate_profile(profile)
    return e.value.field


def test_good_profile_is_trimmed_and_seats_sorted_by_level():
    p = validate_profile(replace(GOOD, name="  马玉兰 ", region_code=" 652301 ",
                                 specialties=(" 教育", "法律", "教育", "")))
    assert p.name == "马玉兰" and p.region_code == "652301"
    assert [s.level for s in p.seats] == [Level.COUNTY, Level.TOWNSHIP]
    assert p.specialties == ("教育", "法律")
    assert p.levels == (Level.COUNTY, Level.TOWNSHIP)


def test_full_width_region_code_is_stored_in_ascii():
    assert validate_profile(replace(GOOD, region_code="６５２３０１")).region_code == "652301"


def test_nine_digit_township_region_code_is_accepted():
    assert validate_profile(replace(GOOD, region_code="652301001")).region_code == "652301001"


@pytest.mark.parametrize("code", ["", "65230", "6523011", "65230100", "65230a", "٦٥٢٣٠١"])
def test_region_code_must_be_six_or_nine_ascii_digits(code):
    assert field_of(replace(GOOD, region_code=code)) == "deputy.region_code"
    with pytest.raises(InvalidArgument):
        check_region_code(code, "region_code")


@pytest.mark.parametrize("profile, field", [
    (replace(GOOD, name=""), "deputy.name"),
    (replace(GOOD, name="   "), "deputy.name"),
    (replace(GOOD, name="张" * 51), "deputy.name"),
    (replace(GOOD, name="张\x07三"), "deputy.name"),
    (replace(GOOD, gender=7), "deputy.gender"),
    (replace(GOOD, ethnicity="族" * 21), "deputy.ethnicity"),
    (replace(GOOD, seats=()), "deputy.seats"),
    (replace(GOOD, seats=tuple(Seat(lv) for lv in Level) + (Seat(Level.COUNTY),)), "deputy.seats"),
    (replace(GOOD, seats=(Seat(Level.COUNTY), Seat(9))), "deputy.seats[1].level"),
    (replace(GOOD, seats=(Seat(Level.COUNTY), Seat(Level.COUNTY))), "deputy.seats[1].level"),
    (replace(GOOD, seats=(Seat(Level.COUNTY), Seat(Level.TOWNSHIP, "届" * 21))), "deputy.seats[1].term"),
    (replace(GOOD, seats=(Seat(Level.COUNTY, "", "区" * 51),)), "deputy.seats[0].electoral_district"),
    (replace(GOOD, work_unit="单" * 101), "deputy.work_unit"),
    (replace(GOOD, position="职" * 101), "deputy.position"),
    (replace(GOOD, contact=Contact(phone="call me")), "deputy.contact.phone"),
    (replace(GOOD, contact=Contact(phone="1" * 21)), "deputy.contact.phone"),
    (replace(GOOD, contact=Contact(phone="123")), "deputy.contact.phone"),
    (replace(GOOD, contact=Contact(email="not-an-address")), "deputy.contact.email"),
    (replace(GOOD, contact=Contact(email="a@@b.cn")), "deputy.contact.email"),
    (replace(GOOD, contact=Contact(address="址" * 201)), "deputy.contact.address"),
    (replace(GOOD, specialties=("教育", "专" * 21)), "deputy.specialties[1]"),
    (replace(GOOD, specialties=tuple(f"领域{i}" for i in range(11))), "deputy.specialties"),
])
def test_each_invalid_field_is_named_by_its_proto_path(profile, field):
    assert field_of(profile) == field


def test_prefix_is_used_in_field_paths():
    with pytest.raises(InvalidArgument) as e:
        validate_profile(replace(GOOD, name=""), prefix="deputies[3]")
    assert e.value.field == "deputies[3].name"


@pytest.mark.parametrize("phone, stored", [("13800000000", "13800000000"), ("+86 138 0000 0000", "13800000000"),
                                           ("0994-2345678", "0994-2345678"), ("+8613800000000", "13800000000"),
                                           ("(0994) 234 5678", "0994-2345678"), ("+1 202 555 0100", "+12025550100")])
def test_phone_forms_offices_use_are_accepted_in_one_form(phone, stored):
    assert validate_profile(replace(GOOD, contact=Contact(phone=phone))).contact.phone == stored


def test_ten_specialties_after_removing_duplicates_is_fine():
    specialties = tuple(f"领域{i}" for i in range(10)) + ("领域0",)
    assert len(validate_profile(replace(GOOD, specialties=specialties)).specialties) == 10


LEGAL = [
    (DeputyStatus.SERVING, DeputyStatus.RESIGNED),
    (DeputyStatus.SERVING, DeputyStatus.TERMINATED),
    (DeputyStatus.BY_ELECTED, DeputyStatus.RESIGNED),
    (DeputyStatus.BY_ELECTED, DeputyStatus.TERMINATED),
    (DeputyStatus.RESIGNED, DeputyStatus.BY_ELECTED),
    (DeputyStatus.TERMINATED, DeputyStatus.BY_ELECTED),
]


@pytest.mark.parametrize("current, new", LEGAL)
def test_legal_status_changes(current, new):
    assert check_status_change(current, new, "  因工作调动  ") == "因工作调动"


@pytest.mark.parametrize("current, new", [(c, n) for c in DeputyStatus for n in DeputyStatus
                                          if (c, n) not in LEGAL])
def test_illegal_status_changes_are_a_failed_precondition(current, new):
    with pytest.raises(FailedPrecondition):
        check_status_change(current, new, "理由")


@pytest.mark.parametrize("new", [DeputyStatus.RESIGNED, DeputyStatus.TERMINATED])
def test_leaving_office_needs_a_reason(new):
    with pytest.raises(InvalidArgument) as e:
        check_status_change(DeputyStatus.SERVING, new, "  ")
    assert e.value.field == "reason"


def test_by_election_needs_no_reason():
    assert check_status_change(DeputyStatus.RESIGNED, DeputyStatus.BY_ELECTED, "") == ""


def test_reason_is_limited():
    with pytest.raises(InvalidArgument):
        check_status_change(DeputyStatus.SERVING, DeputyStatus.RESIGNED, "理" * 201)


def test_only_serving_and_by_elected_deputies_are_active():
    assert [s for s in DeputyStatus if is_active(s)] == [DeputyStatus.SERVING, DeputyStatus.BY_ELECTED]


def test_contact_limit_allows_up_to_the_limit():
    check_contact_limit(4, 5, "committee member")
    with pytest.raises(FailedPrecondition, match="limit of 5"):
        check_contact_limit(5, 5, "committee member")
    with pytest.raises(FailedPrecondition):
        check_contact_limit(11, 10, "deputy households")


@pytest.mark.parametrize("value, ok", [(0, False), (1, True), (1000, True), (1001, False), (-5, False)])
def test_limit_values(value, ok):
    if ok:
        assert check_limit_value(value, "limits.households_per_deputy") == value
    else:
        with pytest.raises(InvalidArgument) as e:
            check_limit_value(value, "limits.households_per_deputy")
        assert e.value.field == "limits.households_per_deputy"


DEPUTY_PATH = "652300/652301/652301001"


def venue(id, path, specialties=(), count=0, kind=VenueKind.DEPUTY_HOME):
    return VenueChoice(id, path, tuple(specialties), count, kind)


def test_nearest_venue_wins_over_specialty_and_load():
    chosen = choose_venue(DEPUTY_PATH, ["法律"], [
        venue("prefecture", "652300", ["法律"], 0),
        venue("city", "652300/652301", ["法律"], 0),
        venue("township", "652300/652301/652301001", [], 90),
    ])
    assert chosen.id == "township"


def test_among_equally_near_venues_shared_specialties_win():
    chosen = choose_venue(DEPUTY_PATH, ["法律", "教育"], [
        venue("a", "652300/652301", ["医疗"], 0),
        venue("b", "652300/652301", ["法律"], 30),
        venue("c", "652300/652301", ["法律", "教育"], 60),
    ])
    assert chosen.id == "c"


def test_then_the_least_loaded_then_the_id():
    venues = [venue("b", "652300/652301", [], 12), venue("a", "652300/652301", [], 12),
              venue("c", "652300/652301", [], 30)]
    assert choose_venue(DEPUTY_PATH, [], venues).id == "a"
    venues.append(venue("d", "652300/652301", [], 3))
    assert choose_venue(DEPUTY_PATH, [], venues).id == "d"


def test_venues_outside_the_deputys_region_are_never_chosen():
    venues = [venue("sibling", "652300/652302"), venue("lookalike", "652300/6523011"),
              venue("deeper", "652300/652301/652301001/x")]
    assert choose_venue(DEPUTY_PATH, [], venues) is None
    assert choose_venue(DEPUTY_PATH, [], []) is None


def test_a_professional_workstation_takes_only_deputies_of_its_field():
    """Reported: 33 of 59 demo deputies grouped into one medical workstation, whatever their field."""
    medical = venue("medical", "652300", ["医疗"], 0, VenueKind.PROFESSIONAL_WORKSTATION)
    home = venue("home", "652300", [], 40)
    assert choose_venue(DEPUTY_PATH, ["农业"], [medical, home]).id == "home"
    assert choose_venue(DEPUTY_PATH, [], [medical]) is None       # unplaced, not pushed into it
    assert choose_venue(DEPUTY_PATH, ["医疗", "教育"], [medical, home]).id == "medical"
    # nearness still comes first: a doctor in a township with a station goes to the station
    station = venue("station", DEPUTY_PATH, [], 9, VenueKind.LIAISON_STATION)
    assert choose_venue(DEPUTY_PATH, ["医疗"], [medical, home, station]).id == "station"
