"""Malformed requests the roster's own rules refuse (limits, formats, duplicates, reported
inputs) with INVALID_ARGUMENT naming the field, writing nothing; what field types call for is
tests/bad_input's generated table. Then random requests for every RPC never end in UNKNOWN
or INTERNAL."""
from __future__ import annotations

import base64
import csv
import io
import string
import uuid

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.field_mask_pb2 import FieldMask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from roster_support import COUNTY_A, PREFECTURE, TOWNSHIP_A

from services.roster import sheets

S = pb.DeputyStatus
CSV, XLSX = common_pb2.FILE_FORMAT_CSV, common_pb2.FILE_FORMAT_XLSX
SERVICE = pb.DESCRIPTOR.services_by_name["RosterService"]
ALL_RPCS = {m.name for m in SERVICE.methods}


@pytest.fixture(scope="module")
def known(roster):
    """Real records, so a request with one bad field is good in every other."""
    d = roster.register(COUNTY_A)
    other = roster.register(COUNTY_A)
    v = roster.venue(COUNTY_A)
    h = roster.call("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
        deputy_id=d.id, household_head="户主")))
    return {"deputy": d, "other": other, "venue": v, "household": h}


def deputy(**over) -> pb.Deputy:
    m = pb.Deputy(region_code=COUNTY_A, name="合格代表", seats=[pb.Seat(level=pb.LEVEL_COUNTY, term="第十五届")],
                  contact=pb.Contact(phone="13900001111"))
    for k, v in over.items():
        if k == "seats":
            del m.seats[:]
            m.seats.extend(v)
        elif k == "specialties":
            m.specialties[:] = v
        elif k in ("contact", "card"):
            getattr(m, k).CopyFrom(v)
        else:
            setattr(m, k, v)
    return m


def venue(**over) -> pb.Venue:
    m = pb.Venue(region_code=COUNTY_A, kind=pb.VENUE_KIND_DEPUTY_HOME, name="合格的家")
    for k, v in over.items():
        if k in ("schedule", "liaison_officer"):
            getattr(m, k).CopyFrom(v)
        else:
            setattr(m, k, v)
    return m


def page(size=0, token="") -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=size, page_token=token)


def token_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def roster_file(headings, *rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([headings, *rows])
    return buf.getvalue().encode()


LONG = "长" * 501


def bad_requests(k):
    """(rpc, request, field the error must name). k: the module's real records.

    What a field's type calls for (ids not UUIDs or empty, malformed regions, unknown enum
    numbers, UNSPECIFIED, NUL and control characters, absent messages, bad pages and masks,
    strings far too long) is generated for every RPC by tests/bad_input; here the roster's
    own rules: each declared limit one past its bound, formats, duplicates, order, and the
    inputs reported from the field."""
    d, v = k["deputy"].id, k["venue"].id
    reg = lambda **kw: pb.RegisterDeputyRequest(deputy=deputy(**kw))  # noqa: E731
    upd = lambda paths, **kw: pb.UpdateDeputyRequest(deputy=deputy(id=d, **kw),  # noqa: E731
                                                     update_mask=FieldMask(paths=paths))
    cases = [
        ("RegisterDeputy", reg(name="名" * 51), "deputy.name"),
        ("RegisterDeputy", reg(seats=[pb.Seat(level=4), pb.Seat(level=-1)]), "deputy.seats[1].level"),
        ("RegisterDeputy", reg(seats=[pb.Seat(level=4), pb.Seat(level=4)]), "deputy.seats[1].level"),
        ("RegisterDeputy", reg(seats=[pb.Seat(level=4, term="届" * 21)]), "deputy.seats[0].term"),
        ("RegisterDeputy", reg(seats=[pb.Seat(level=4, electoral_district="区" * 51)]),
         "deputy.seats[0].electoral_district"),
        ("RegisterDeputy", reg(status=S.DEPUTY_STATUS_RESIGNED), "deputy.status"),
        ("RegisterDeputy", reg(ethnicity="族" * 21), "deputy.ethnicity"),
        ("RegisterDeputy", reg(work_unit="单" * 101), "deputy.work_unit"),
        ("RegisterDeputy", reg(position="职" * 101), "deputy.position"),
        ("RegisterDeputy", reg(contact=pb.Contact(phone="call me")), "deputy.contact.phone"),
        ("RegisterDeputy", reg(contact=pb.Contact(phone="1" * 21)), "deputy.contact.phone"),
        ("RegisterDeputy", reg(contact=pb.Contact(email="no-at-sign")), "deputy.contact.email"),
        ("RegisterDeputy", reg(contact=pb.Contact(address="址" * 201)), "deputy.contact.address"),
        ("RegisterDeputy", reg(specialties=[f"专业{i}" for i in range(11)]), "deputy.specialties"),
        ("RegisterDeputy", reg(specialties=["法律", "专" * 21]), "deputy.specialties[1]"),
        ("RegisterDeputy", reg(card=pb.CardSettings(pledge=LONG)), "deputy.card.pledge"),

        ("UpdateDeputy", upd(["name"], name="名" * 51), "deputy.name"),
        ("UpdateDeputy", upd(["name"], name=""), "deputy.name"),
        ("UpdateDeputy", upd(["seats"], seats=[pb.Seat(level=99)]), "deputy.seats[0].level"),
        ("UpdateDeputy", upd(["seats"], seats=[]), "deputy.seats"),
        ("UpdateDeputy", upd(["contact"], contact=pb.Contact(email="@")), "deputy.contact.email"),

        ("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=d, status=S.DEPUTY_STATUS_RESIGNED,
                                                            reason="因" * 201), "reason"),

        ("ListDeputies", pb.ListDeputiesRequest(specialty="专" * 21), "specialty"),
        ("ListDeputies", pb.ListDeputiesRequest(name="名" * 51), "name"),
        ("ListDeputies", pb.ListDeputiesRequest(name="\x00"), "name"),              # was INTERNAL
        ("ListDeputies", pb.ListDeputiesRequest(page=page(token=token_of(f"o:{10 ** 20}"))),
         "page.page_token"),                                                        # was INTERNAL
        ("ListVenues", pb.ListVenuesRequest(page=page(token=token_of(f"o:{2 ** 63}"))), "page.page_token"),
        ("ListDeputies", pb.ListDeputiesRequest(page=page(token=token_of("o:-5"))), "page.page_token"),
        ("ListDeputies", pb.ListDeputiesRequest(page=page(token=token_of("x:5"))), "page.page_token"),
        ("ListDeputies", pb.ListDeputiesRequest(page=page(token="令牌")), "page.page_token"),

        ("CreateVenue", pb.CreateVenueRequest(venue=venue(name="家" * 101)), "venue.name"),
        ("CreateVenue", pb.CreateVenueRequest(venue=venue(schedule=pb.ReceptionSchedule(hours="9-12"))),
         "venue.schedule.hours"),
        # reported: reception hours that end before they start
        ("CreateVenue", pb.CreateVenueRequest(venue=venue(schedule=pb.ReceptionSchedule(hours="12:00-09:00"))),
         "venue.schedule.hours"),
        ("CreateVenue", pb.CreateVenueRequest(venue=venue(schedule=pb.ReceptionSchedule(hours="09:00-09:00"))),
         "venue.schedule.hours"),
        ("CreateVenue", pb.CreateVenueRequest(venue=venue(schedule=pb.ReceptionSchedule(days_of_month=[5, 32]))),
         "venue.schedule.days_of_month[1]"),
        ("CreateVenue", pb.CreateVenueRequest(venue=venue(schedule=pb.ReceptionSchedule(days_of_month=[0]))),
         "venue.schedule.days_of_month[0]"),
        ("CreateVenue", pb.CreateVenueRequest(venue=venue(liaison_officer=pb.LiaisonOfficer(phone="x"))),
         "venue.liaison_officer.phone"),

        ("UpdateVenue", pb.UpdateVenueRequest(venue=pb.Venue(id=v, name=""), update_mask=FieldMask(paths=["name"])),
         "venue.name"),
        ("UpdateVenue", pb.UpdateVenueRequest(venue=pb.Venue(id=v), update_mask=FieldMask(paths=["kind"])),
         "venue.kind"),
        ("UpdateVenue", pb.UpdateVenueRequest(venue=pb.Venue(id=v), update_mask=FieldMask(paths=["region_code"])),
         "update_mask"),
        ("UpdateVenue", pb.UpdateVenueRequest(venue=pb.Venue(id=v, schedule=pb.ReceptionSchedule(hours="25:00-26:00")),
                                              update_mask=FieldMask(paths=["schedule"])), "venue.schedule.hours"),

        ("LinkCommitteeMember", pb.LinkCommitteeMemberRequest(committee_member_id=d, deputy_id=d), "deputy_id"),
        ("ListCommitteeLinks", pb.ListCommitteeLinksRequest(), "committee_member_id"),

        ("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
            deputy_id=d, household_head="户" * 51)), "household.household_head"),
        ("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
            deputy_id=d, household_head="户", phone="电话")), "household.phone"),
        ("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
            deputy_id=d, household_head="户", address="址" * 201)), "household.address"),

        *[("SetContactLimits", pb.SetContactLimitsRequest(limits=pb.ContactLimits(
            region_code=COUNTY_A, deputies_per_committee_member=n, households_per_deputy=10)),
           "limits.deputies_per_committee_member") for n in (0, 1001)],
        *[("SetContactLimits", pb.SetContactLimitsRequest(limits=pb.ContactLimits(
            region_code=COUNTY_A, deputies_per_committee_member=5, households_per_deputy=n)),
           "limits.households_per_deputy") for n in (0, 2 ** 31 - 1)],

        ("UpdateCard", pb.UpdateCardRequest(deputy_id=d, card=pb.CardSettings(pledge=LONG)), "card.pledge"),

        ("GetPublicCard", pb.GetPublicCardRequest(card_code="ABC"), "card_code"),
        ("GetPublicCard", pb.GetPublicCardRequest(card_code="ABCDEFGH10"), "card_code"),
        # Full-width letters are folded (shared.text.code); 1 and 0 are still not in the alphabet.
        ("GetPublicCard", pb.GetPublicCardRequest(card_code="ＡＢＣＤＥＦＧＨ１０"), "card_code"),

        ("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=CSV), "content"),
        ("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=XLSX, content=b"not a workbook"),
         "content"),
        ("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=XLSX, content=b"PK\x03\x04garbage"),
         "content"),
        ("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=CSV, content=GOOD_XLSX_LIKE), "content"),
        ("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=CSV,
                                                content=roster_file(["姓名", "电话"], ["张三", "1"])), "content"),
        ("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=CSV, content=b"\xff\xfe\x00\x01"),
         "content"),
        # UTF-16 with a byte-order mark is read (shared.sheets.decode_csv); without one it is not.
        ("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=CSV,
                                                content="姓名,代表层级\n".encode("utf-16-le")), "content"),

        # Popolo JSON is an export format only
        ("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=common_pb2.FILE_FORMAT_POPOLO_JSON,
                                                content=GOOD_CSV), "format"),
    ]
    return cases


GOOD_CSV = roster_file(sheets.COLUMNS, ["", "新导入", "", "", "县", "", "", "", "", "13600000000", "", "", "", ""])
GOOD_XLSX_LIKE = b"PK\x03\x04" + b"\x00" * 40


def case_id(case) -> str:
    method, request, field = case
    return f"{method}:{field}"


def test_every_bad_request_is_invalid_argument_naming_the_field(roster, known):
    failures = []
    for method, request, field in bad_requests(known):
        with roster.expect_no_writes("outbox", "deputies", "venues", "venue_members", "voter_households",
                                     "contact_limits", "committee_links", "deputy_status_history"):
            try:
                roster.call(method, request, region=PREFECTURE)
            except grpc.RpcError as e:
                named = e.details().partition(": ")[0]
                if e.code() != grpc.StatusCode.INVALID_ARGUMENT or named != field:
                    failures.append((method, field, e.code().name, e.details()))
            else:
                failures.append((method, field, "OK", str(request)[:200]))
    assert failures == []


def test_rejected_requests_leave_the_records_as_they_were(roster, known):
    d = known["deputy"]
    for method, request, _ in bad_requests(known):
        try:
            roster.call(method, request, region=PREFECTURE)
        except grpc.RpcError:
            pass
    assert roster.call("GetDeputy", pb.GetDeputyRequest(id=d.id)) == d
    assert roster.call("GetVenue", pb.GetVenueRequest(id=known["venue"].id)) == known["venue"]
    limits = roster.call("GetContactLimits", pb.GetContactLimitsRequest(region_code=COUNTY_A))
    assert limits.inherited and limits.deputies_per_committee_member == 5


# ---- random requests -----------------------------------------------------------------------

ROLES = ["staff", "staff", "staff", "auditor", "deputy", "committee", "department", "system"]
REGIONS = [PREFECTURE, COUNTY_A, TOWNSHIP_A, "652302", "410800"]
TEXT = st.text(max_size=40)                       # any code point but surrogates: control chars included
NASTY = st.sampled_from(["", " ", "\x00", "\t", "%", "_", "\\", "'", "\"; DROP TABLE deputies; --", "\u202e",
                         "\ufeff", "𠀀", "null", "-1", "0", "9" * 40, "=1+1"])
CONTROL = st.text(alphabet=st.characters(max_codepoint=31), min_size=1, max_size=4)
WITH_NUL = st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=8), st.text(max_size=8))  # PostgreSQL refuses NUL
VALID_CODES = st.sampled_from(REGIONS + ["652301001", "652301101", "410825101"])
CODES = st.one_of(VALID_CODES, VALID_CODES, st.sampled_from(["000000", "652301000", "12345", "abcdef", "999999"]))


def csv_content():
    cell = st.one_of(TEXT, NASTY, CODES, st.sampled_from(["县", "乡、县", "全国人大代表", "男", "女", "辞职", "补选",
                                                          "13900001111", "法律、教育", "第十五届", "'=cmd"]))
    headings = st.lists(st.sampled_from([*sheets.COLUMNS, "备注", ""]), min_size=0, max_size=16)
    return st.builds(lambda h, rows: roster_file(h, *rows),
                     st.one_of(st.just(list(sheets.COLUMNS)), headings),
                     st.lists(st.lists(cell, max_size=16), max_size=6))


def strings_for(field: FieldDescriptor, ids) -> st.SearchStrategy:
    name = field.name
    if name in ("id", "deputy_id", "venue_id", "committee_member_id"):
        return st.one_of(st.sampled_from(ids["ids"]), st.builds(lambda: str(uuid.uuid4())), TEXT, NASTY)
    if name == "region_code":
        return st.one_of(CODES, CODES, TEXT, NASTY)
    if name == "card_code":
        return st.one_of(st.sampled_from(ids["cards"]), st.text(alphabet=string.ascii_uppercase + "0123456789",
                                                               min_size=10, max_size=10), TEXT, NASTY)
    if name == "page_token":
        offsets = st.one_of(st.integers(0, 100), st.integers(), st.integers(2 ** 62, 2 ** 80))
        offset_tokens = st.builds(token_of, offsets.map(lambda n: f"o:{n}"))
        return st.one_of(offset_tokens, offset_tokens, st.builds(token_of, TEXT), TEXT, NASTY)
    if name == "paths":
        return st.one_of(st.sampled_from(["name", "seats", "contact", "kind", "schedule", "specialties",
                                          "liaison_officer", "card_code", "region_code", ""]), TEXT)
    if name in ("phone",):
        return st.one_of(st.from_regex(r"\+?[0-9][0-9\- ]{4,19}", fullmatch=True), TEXT, NASTY)
    if name == "hours":
        return st.one_of(st.from_regex(r"[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]", fullmatch=True), TEXT)
    return st.one_of(TEXT, NASTY, CONTROL, WITH_NUL, st.builds(str.__add__, TEXT, CONTROL),
                     st.text(min_size=40, max_size=600))


def repeated(f: FieldDescriptor) -> bool:
    return f.is_repeated if hasattr(f, "is_repeated") else f.label == FieldDescriptor.LABEL_REPEATED


def message_strategy(descriptor, ids, depth=0, only=None):
    """A random message of this type: each field absent or random, enums any int32."""
    fields = {}
    for f in descriptor.fields:
        if only is not None and f.name != only:
            continue
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            if depth > 3:
                continue
            value = message_strategy(f.message_type, ids, depth + 1)
        elif f.type == FieldDescriptor.TYPE_STRING:
            value = strings_for(f, ids)
        elif f.type == FieldDescriptor.TYPE_BYTES:
            value = st.one_of(st.binary(max_size=300), csv_content(), st.just(GOOD_CSV),
                              st.binary(max_size=100).map(lambda b: b"PK\x03\x04" + b))
        elif f.type == FieldDescriptor.TYPE_BOOL:
            value = st.booleans()
        elif f.type == FieldDescriptor.TYPE_ENUM:
            valid = st.sampled_from([v.number for v in f.enum_type.values if v.number])
            value = st.one_of(valid, valid, valid, st.integers(-2 ** 31, 2 ** 31 - 1))
        elif f.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32):
            value = st.one_of(st.integers(-2, 40), st.integers(-2 ** 31, 2 ** 31 - 1))
        elif f.type in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64):
            value = st.integers(-2 ** 63, 2 ** 63 - 1)
        else:
            continue
        if repeated(f):
            value = st.lists(value, max_size=4 if depth else 12)
        fields[f.name] = value if only else st.one_of(st.none(), value)
    cls = message_class(descriptor)

    def build(values):
        m = cls()
        for name, value in values.items():
            if value is None:
                continue
            f = descriptor.fields_by_name[name]
            if repeated(f):
                getattr(m, name).extend(value)
            elif f.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(m, name).CopyFrom(value)
            else:
                setattr(m, name, value)
        return m

    return st.fixed_dictionaries(fields).map(build)


def message_class(descriptor):
    from google.protobuf import message_factory
    return message_factory.GetMessageClass(descriptor)


@pytest.fixture(scope="module")
def random_ids(roster):
    """Records of the random tests' own (they may resign or change them), ids to draw from,
    and a valid request per RPC for the random tests to mutate."""
    d, other = roster.register(TOWNSHIP_A), roster.register(TOWNSHIP_A)
    v = roster.venue(TOWNSHIP_A)
    h = roster.call("AddVoterHousehold", pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
        deputy_id=d.id, household_head="户主")))
    mask = lambda *paths: FieldMask(paths=list(paths))  # noqa: E731
    valid = {
        "GetServiceInfo": common_pb2.GetServiceInfoRequest(),
        "RegisterDeputy": pb.RegisterDeputyRequest(deputy=deputy(region_code=TOWNSHIP_A)),
        "GetDeputy": pb.GetDeputyRequest(id=d.id),
        "UpdateDeputy": pb.UpdateDeputyRequest(deputy=deputy(id=d.id, name="改名"), update_mask=mask("name")),
        "ChangeDeputyStatus": pb.ChangeDeputyStatusRequest(id=other.id, status=S.DEPUTY_STATUS_RESIGNED, reason="r"),
        "ListDeputies": pb.ListDeputiesRequest(region_code=COUNTY_A, level=pb.LEVEL_COUNTY, specialty="法律",
                                               status=S.DEPUTY_STATUS_SERVING, name="代表", page=page(10)),
        "CreateVenue": pb.CreateVenueRequest(venue=venue(region_code=TOWNSHIP_A)),
        "GetVenue": pb.GetVenueRequest(id=v.id),
        "UpdateVenue": pb.UpdateVenueRequest(venue=venue(id=v.id, name="新名"), update_mask=mask("name")),
        "ListVenues": pb.ListVenuesRequest(region_code=COUNTY_A, kind=pb.VENUE_KIND_DEPUTY_HOME, page=page(10)),
        "AssignDeputyToVenue": pb.AssignDeputyToVenueRequest(venue_id=v.id, deputy_id=d.id),
        "RemoveDeputyFromVenue": pb.RemoveDeputyFromVenueRequest(venue_id=v.id, deputy_id=d.id),
        "ListDeputyVenues": pb.ListDeputyVenuesRequest(deputy_id=d.id),
        "GroupDeputiesIntoVenues": pb.GroupDeputiesIntoVenuesRequest(region_code=COUNTY_A, dry_run=True),
        "LinkCommitteeMember": pb.LinkCommitteeMemberRequest(committee_member_id=d.id, deputy_id=other.id),
        "UnlinkCommitteeMember": pb.UnlinkCommitteeMemberRequest(committee_member_id=d.id, deputy_id=other.id),
        "ListCommitteeLinks": pb.ListCommitteeLinksRequest(committee_member_id=d.id),
        "AddVoterHousehold": pb.AddVoterHouseholdRequest(household=pb.VoterHousehold(
            deputy_id=d.id, household_head="户", address="址", phone="13900000000")),
        "RemoveVoterHousehold": pb.RemoveVoterHouseholdRequest(id=h.id),
        "ListVoterHouseholds": pb.ListVoterHouseholdsRequest(deputy_id=d.id),
        "GetContactLimits": pb.GetContactLimitsRequest(region_code=TOWNSHIP_A),
        "SetContactLimits": pb.SetContactLimitsRequest(limits=pb.ContactLimits(
            region_code=TOWNSHIP_A, deputies_per_committee_member=5, households_per_deputy=10)),
        "UpdateCard": pb.UpdateCardRequest(deputy_id=d.id, card=pb.CardSettings(show_phone=True, pledge="承诺")),
        "GetPublicCard": pb.GetPublicCardRequest(card_code=d.card_code),
        "GetCardQrCode": pb.GetCardQrCodeRequest(deputy_id=d.id, format=pb.QR_FORMAT_SVG),
        "ImportRoster": pb.ImportRosterRequest(region_code=COUNTY_A, format=CSV, content=GOOD_CSV, dry_run=True),
        "ExportRoster": pb.ExportRosterRequest(region_code=COUNTY_A, format=XLSX, level=pb.LEVEL_COUNTY),
    }
    assert set(valid) == ALL_RPCS
    return {"ids": [d.id, other.id, v.id, h.id], "cards": [d.card_code, other.card_code], "valid": valid}


def leaves(descriptor, prefix=(), depth=0):
    """(path, field) of every field a mutation may replace; messages are entered, not replaced."""
    out = []
    for f in descriptor.fields:
        if f.type == FieldDescriptor.TYPE_MESSAGE and not repeated(f) and depth < 3:
            out += leaves(f.message_type, prefix + (f.name,), depth + 1)
        else:
            out.append((prefix + (f.name,), f))
    return out


def field_values(f: FieldDescriptor, ids) -> st.SearchStrategy:
    """Random values for one field, from the same generator as whole random messages."""
    return message_strategy(f.containing_type, ids, only=f.name).map(lambda m: getattr(m, f.name))


def mutated(template, ids) -> st.SearchStrategy:
    """The valid request with one to three fields replaced by random values."""
    paths = leaves(template.DESCRIPTOR)
    if not paths:
        return st.just(template)

    def apply(changes):
        m = type(template)()
        m.CopyFrom(template)
        for (path, f), value in changes:
            parent = m
            for name in path[:-1]:
                parent = getattr(parent, name)
            parent.ClearField(f.name)
            if repeated(f):
                getattr(parent, f.name).extend(value)
            elif f.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(parent, f.name).CopyFrom(value)
            else:
                setattr(parent, f.name, value)
        return m

    one = st.sampled_from(paths).flatmap(lambda p: field_values(p[1], ids).map(lambda v: (p, v)))
    return st.lists(one, min_size=1, max_size=3).map(apply)


@pytest.mark.parametrize("method", sorted(ALL_RPCS))
def test_random_requests_never_fail_inside_the_server(roster, random_ids, method):
    rpc = SERVICE.methods_by_name[method]

    @settings(max_examples=60, deadline=None, database=None, derandomize=False,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(request=st.one_of(message_strategy(rpc.input_type, random_ids),
                             mutated(random_ids["valid"][method], random_ids),
                             mutated(random_ids["valid"][method], random_ids)),
           role=st.sampled_from(ROLES), region=st.sampled_from(REGIONS),
           anonymous=st.booleans())
    def run(request, role, region, anonymous):
        # A deputy token speaks for the known deputy, so its own-card paths are reached too.
        kw = {"token": None} if anonymous and method == "GetPublicCard" else \
            {"role": role, "region": region, "subject": random_ids["ids"][0]}
        try:
            roster.call(method, request, **kw)
        except grpc.RpcError as e:
            assert e.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), (
                f"{method} -> {e.code().name}: {e.details()}\n{request!r}")

    run()
