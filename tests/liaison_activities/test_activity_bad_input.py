"""Malformed requests to the activity, register and statistics RPCs that their own rules
refuse (dates, limits, duplicates, a reception without its venue): INVALID_ARGUMENT naming the
field, nothing written; what field types call for is tests/bad_input's generated table. Then
random requests never end in UNKNOWN or INTERNAL."""
from __future__ import annotations

import uuid

import grpc
import pytest
from activities_support import COUNTY_A, COUNTY_B, OTHER_COUNTY, PREFECTURE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as pb

from shared.clock import china_today

K = pb.ActivityKind
XLSX, CSV = common_pb2.FILE_FORMAT_XLSX, common_pb2.FILE_FORMAT_CSV


@pytest.fixture(scope="module")
def known(liaison):
    dep = liaison.deputy(COUNTY_A)
    return {"deputy": dep, "venue": liaison.venue(COUNTY_A, members=(dep,)), "venue_b": liaison.venue(COUNTY_B)}


def good(known, **over) -> pb.Activity:
    fields = dict(region_code=COUNTY_A, venue_id=known["venue"], kind=K.ACTIVITY_KIND_RECEPTION,
                  date="2026-01-05", title="接待日", deputy_ids=[known["deputy"]], people_reached=3, notes="")
    fields.update(over)
    return pb.Activity(**fields)


UNKNOWN = str(uuid.uuid4())
BAD_ACTIVITIES = [
    ("activity.venue_id", dict(venue_id="")),
    ("activity.date", dict(date="2026-1-5")),
    ("activity.date", dict(date="2026-02-30")),
    ("activity.date", dict(date="05/01/2026")),
    ("activity.date", dict(date="2999-01-01")),
    # A mistyped year: the reported 0001-01-01, and the years 1970 and one term too far back.
    ("activity.date", dict(date="0001-01-01")),
    ("activity.date", dict(date="1970-01-01")),
    ("activity.date", dict(date=f"{china_today().year - 6}-12-31")),
    ("activity.title", dict(title="长" * 201)),
    ("activity.notes", dict(notes="x" * 2001)),
    ("activity.people_reached", dict(people_reached=100_001)),
    ("activity.deputy_ids[1]", dict(deputy_ids=["{dep}", "{dep}"])),
    ("activity.opinion_ids[0]", dict(opinion_ids=[""])),
]


@pytest.mark.parametrize("field,over", BAD_ACTIVITIES, ids=[f"{f}:{i}" for i, (f, _) in enumerate(BAD_ACTIVITIES)])
def test_record_activity_refuses_bad_fields(liaison, known, field, over):
    over = {k: [x.replace("{dep}", known["deputy"]) for x in v] if isinstance(v, list) else v
            for k, v in over.items()}
    with liaison.expect_no_writes():
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=good(known, **over)))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.details()
    assert e.details().startswith(field + ":"), e.details()


# A well-formed id of no record after a good one: NOT_FOUND naming its element, nothing written.
UNKNOWN_IDS = [
    ("activity.deputy_ids[1]", dict(deputy_ids=["{dep}", UNKNOWN])),
]


@pytest.mark.parametrize("field,over", UNKNOWN_IDS, ids=[f for f, _ in UNKNOWN_IDS])
def test_record_activity_naming_unknown_records_is_not_found(liaison, known, field, over):
    over = {k: [x.replace("{dep}", known["deputy"]) for x in v] if isinstance(v, list) else v
            for k, v in over.items()}
    with liaison.expect_no_writes():
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=good(known, **over)))
    assert e.code() == grpc.StatusCode.NOT_FOUND, e.details()
    assert e.details().startswith(field + ":"), e.details()


def test_record_activity_needs_an_activity_and_good_one_passes(liaison, known):
    e = liaison.error("RecordActivity", pb.RecordActivityRequest())
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("activity:")
    assert liaison.call("RecordActivity", pb.RecordActivityRequest(activity=good(known))).on_schedule


def test_an_opinion_of_another_region_is_unknown_to_the_caller(liaison, known):
    theirs = liaison.opinion(COUNTY_B)
    with liaison.expect_no_writes():
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=good(known, opinion_ids=[theirs])),
                          region=COUNTY_A)
    assert e.code() == grpc.StatusCode.NOT_FOUND and e.details().startswith("activity.opinion_ids[0]:")


BAD_LISTS = [
    ("page.page_token", dict(page=common_pb2.PageRequest(page_token="bzotMQ=="))),   # o:-1
    ("date_from", dict(date_from="2026-13-01")),
    ("date_to", dict(date_to="yesterday")),
    ("date_to", dict(date_from="2026-02-01", date_to="2026-01-01")),
    ("deputy_id", dict(deputy_id="not-an-id")),
    ("deputy_id", dict(deputy_id="5d6c8b1e-1f7a-4c5e-9f00-00000000000x")),
]


@pytest.mark.parametrize("field,kw", BAD_LISTS, ids=[f"{f}:{i}" for i, (f, _) in enumerate(BAD_LISTS)])
def test_list_activities_refuses_bad_filters(liaison, field, kw):
    e = liaison.error("ListActivities", pb.ListActivitiesRequest(**kw))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.details()
    assert e.details().startswith(field + ":"), e.details()


def bad_exports(known):
    v = known["venue"]
    R = pb.Register
    return [
        ("date_from", pb.ExportRegisterRequest(venue_id=v, register=R.REGISTER_MEETINGS, format=CSV,
                                               date_from="2026-00-01")),
        ("date_to", pb.ExportRegisterRequest(venue_id=v, register=R.REGISTER_MEETINGS, format=CSV,
                                             date_from="2026-05-01", date_to="2026-04-30")),
    ]


def test_export_register_refuses_bad_requests(liaison, known):
    for field, req in bad_exports(known):
        e = liaison.error("ExportRegister", req)
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, e.details())
        assert e.details().startswith(field + ":"), (field, e.details())


def test_export_register_scope_and_roles(liaison, known):
    req = lambda venue: pb.ExportRegisterRequest(venue_id=venue, register=pb.Register.REGISTER_ROSTER, format=CSV)
    assert liaison.error("ExportRegister", req(UNKNOWN)).code() == grpc.StatusCode.NOT_FOUND
    assert liaison.error("ExportRegister", req(known["venue_b"]), region=COUNTY_A).code() == grpc.StatusCode.NOT_FOUND
    for role in ("deputy", "department"):
        assert liaison.error("ExportRegister", req(known["venue"]), role=role).code() == \
            grpc.StatusCode.PERMISSION_DENIED
    assert liaison.call("ExportRegister", req(known["venue"]), role="auditor", region=COUNTY_A).content


BAD_STATS = [
    ("date_from", dict(date_from="2026/01/01", date_to="2026-12-31")),
    ("date_to", dict(date_from="2026-01-01", date_to="2026-12-32")),
    ("date_to", dict(date_from="2026-02-01", date_to="2026-01-31")),
    ("date_to", dict(date_from="1990-01-01", date_to="2026-01-31")),
]


@pytest.mark.parametrize("field,kw", BAD_STATS, ids=[f"{f}:{i}" for i, (f, _) in enumerate(BAD_STATS)])
def test_get_statistics_refuses_bad_requests(liaison, field, kw):
    e = liaison.error("GetStatistics", pb.GetStatisticsRequest(**kw))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.details()
    assert e.details().startswith(field + ":"), e.details()


def test_get_statistics_roles_and_scope(liaison):
    req = pb.GetStatisticsRequest(region_code=COUNTY_B, date_from="2026-01-01", date_to="2026-12-31")
    assert liaison.error("GetStatistics", req, region=COUNTY_A).code() == grpc.StatusCode.PERMISSION_DENIED
    e = liaison.error("GetStatistics", pb.GetStatisticsRequest(
        region_code=OTHER_COUNTY, date_from="2026-01-01", date_to="2026-12-31"))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("region_code:"), e.details()
    for role in ("deputy", "department"):
        assert liaison.error("GetStatistics", req, role=role).code() == grpc.StatusCode.PERMISSION_DENIED
    for role in ("staff", "committee", "auditor", "system"):
        s = liaison.call("GetStatistics", req, role=role)
        assert s.region_code == COUNTY_B and list(s.rating_counts) == [0] * 5
    # empty region = the caller's region
    s = liaison.call("GetStatistics", pb.GetStatisticsRequest(date_from="2026-01-01", date_to="2026-01-31"),
                     region=COUNTY_A)
    assert s.region_code == COUNTY_A and s.date_from == "2026-01-01" and s.date_to == "2026-01-31"


RPCS = {
    "RecordActivity": pb.RecordActivityRequest, "GetActivity": pb.GetActivityRequest,
    "ListActivities": pb.ListActivitiesRequest, "ExportRegister": pb.ExportRegisterRequest,
    "GetStatistics": pb.GetStatisticsRequest,
}
texts = st.one_of(st.text(max_size=12), st.sampled_from(["", PREFECTURE, COUNTY_A, "2026-01-05", UNKNOWN]))
ints = st.one_of(st.integers(-3, 9), st.integers(-2**31, 2**31 - 1))


@st.composite
def requests(draw):
    name = draw(st.sampled_from(sorted(RPCS)))
    if name == "RecordActivity":
        a = pb.Activity(region_code=draw(texts), venue_id=draw(texts), kind=draw(ints), date=draw(texts),
                        title=draw(texts), deputy_ids=draw(st.lists(texts, max_size=3)),
                        people_reached=draw(ints), opinion_ids=draw(st.lists(texts, max_size=2)), notes=draw(texts))
        return name, pb.RecordActivityRequest(activity=a)
    if name == "GetActivity":
        return name, pb.GetActivityRequest(id=draw(texts))
    if name == "ListActivities":
        return name, pb.ListActivitiesRequest(
            region_code=draw(texts), venue_id=draw(texts), kind=draw(ints), date_from=draw(texts),
            date_to=draw(texts), page=common_pb2.PageRequest(page_size=draw(ints), page_token=draw(texts)),
            deputy_id=draw(texts))
    if name == "ExportRegister":
        return name, pb.ExportRegisterRequest(venue_id=draw(texts), register=draw(ints), date_from=draw(texts),
                                              date_to=draw(texts), format=draw(ints))
    return name, pb.GetStatisticsRequest(region_code=draw(texts), date_from=draw(texts), date_to=draw(texts))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(call=requests(), role=st.sampled_from(["staff", "deputy", "auditor", "department", "system"]),
       region=st.sampled_from([PREFECTURE, COUNTY_A]))
def test_random_requests_never_fail_internally(liaison, call, role, region):
    name, req = call
    try:
        liaison.call(name, req, role=role, region=region)
    except grpc.RpcError as e:
        assert e.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), (name, req, e.details())


def test_a_deputy_or_venue_of_another_county_is_unknown_to_the_caller(liaison, known):
    theirs = liaison.deputy(COUNTY_B)
    with liaison.expect_no_writes():
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=good(
            known, deputy_ids=[known["deputy"], theirs])), region=COUNTY_A)
        assert e.code() == grpc.StatusCode.NOT_FOUND and e.details().startswith("activity.deputy_ids[1]:")
        e = liaison.error("ListActivities", pb.ListActivitiesRequest(venue_id=known["venue_b"]), region=COUNTY_A)
        assert e.code() == grpc.StatusCode.NOT_FOUND and e.details().startswith("venue_id:")
