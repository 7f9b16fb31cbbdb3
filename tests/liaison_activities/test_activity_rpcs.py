"""RecordActivity, GetActivity and ListActivities end to end: legal calls, roles and scope."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import grpc
import pytest
from activities_support import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A, TOWNSHIP_B
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb

K = pb.ActivityKind


@pytest.fixture(scope="module")
def world(liaison):
    d1, d2 = liaison.deputy(COUNTY_A, "张三"), liaison.deputy(COUNTY_A, "李四")
    other = liaison.deputy(COUNTY_B, "王五")
    venue = liaison.venue(COUNTY_A, "三工镇代表之家", days="5,25", members=(d1, d2))
    venue_b = liaison.venue(COUNTY_B, "阜康代表联络站", days="10")
    return {"d1": d1, "d2": d2, "other": other, "venue": venue, "venue_b": venue_b}


def record(liaison, role="staff", region=PREFECTURE, subject="clerk-test", **fields) -> pb.Activity:
    return liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(**fields)),
                        role=role, region=region, subject=subject)


def test_a_reception_on_a_reception_day_is_on_schedule_and_published(liaison, world):
    a = record(liaison, region_code=COUNTY_A, venue_id=world["venue"], kind=K.ACTIVITY_KIND_RECEPTION,
               date="2026-01-05", title="一月接待日", deputy_ids=[world["d1"], world["d2"]], people_reached=23,
               notes="接待群众23人次")
    assert a.id and a.on_schedule and a.people_reached == 23 and a.recorded_by == "clerk-test"
    assert list(a.deputy_ids) == [world["d1"], world["d2"]] and a.created_at.seconds > 0
    event, key = liaison.last_event(ev.ActivityRecorded)
    assert key == COUNTY_A and event.activity == a
    got = liaison.call("GetActivity", pb.GetActivityRequest(id=a.id))
    assert got == a
    off = record(liaison, region_code=COUNTY_A, venue_id=world["venue"], kind=K.ACTIVITY_KIND_RECEPTION,
                 date="2026-01-06", title="临时接待")
    assert not off.on_schedule


def test_region_defaults_to_the_venues_and_other_kinds_are_never_on_schedule(liaison, world):
    a = record(liaison, venue_id=world["venue"], kind=K.ACTIVITY_KIND_MEETING, date="2026-01-25", title="季度例会")
    assert a.region_code == COUNTY_A and not a.on_schedule
    v = record(liaison, region_code=TOWNSHIP_A, kind=K.ACTIVITY_KIND_VISIT, date="2026-01-07", title="走访")
    assert v.venue_id == "" and v.region_code == TOWNSHIP_A


def test_opinions_raised_at_an_activity_named_then_or_pointing_back_later(liaison, world):
    first = liaison.opinion(COUNTY_A)
    a = record(liaison, region_code=COUNTY_A, venue_id=world["venue"], kind=K.ACTIVITY_KIND_RECEPTION,
               date="2026-02-05", title="二月接待日", opinion_ids=[first])
    assert list(a.opinion_ids) == [first]
    later = liaison.opinion(COUNTY_A, activity_id=a.id)
    assert list(liaison.call("GetActivity", pb.GetActivityRequest(id=a.id)).opinion_ids) == [first, later]


def test_a_deputy_records_their_own_visit_only(liaison, world):
    mine = record(liaison, role="deputy", region=COUNTY_A, subject=world["d1"], region_code=TOWNSHIP_A,
                  kind=K.ACTIVITY_KIND_VISIT, date="2026-01-08", title="走访选民户", people_reached=4)
    assert list(mine.deputy_ids) == [world["d1"]] and mine.recorded_by == world["d1"]
    # A reception the deputy held at their own venue, on its reception day.
    held = record(liaison, role="deputy", region=COUNTY_A, subject=world["d1"], venue_id=world["venue"],
                  kind=K.ACTIVITY_KIND_RECEPTION, date="2026-01-05", title="接待选民", people_reached=9)
    assert list(held.deputy_ids) == [world["d1"]] and held.on_schedule and held.region_code == COUNTY_A
    outsider = liaison.deputy(COUNTY_A, "赵六")
    with liaison.expect_no_writes():
        # Not at a venue the deputy belongs to: the county's venue, a deputy of the county not in it.
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            venue_id=world["venue"], kind=K.ACTIVITY_KIND_RECEPTION, date="2026-01-05", title="接待")),
            role="deputy", region=COUNTY_A, subject=outsider)
        assert e.code() == grpc.StatusCode.PERMISSION_DENIED
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            region_code=TOWNSHIP_A, kind=K.ACTIVITY_KIND_MEETING, date="2026-01-08", title="会议")),
            role="deputy", region=COUNTY_A, subject=world["d1"])
        assert e.code() == grpc.StatusCode.PERMISSION_DENIED
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            region_code=TOWNSHIP_A, kind=K.ACTIVITY_KIND_VISIT, date="2026-01-08", title="走访",
            deputy_ids=[world["d2"]])), role="deputy", region=COUNTY_A, subject=world["d1"])
        assert e.code() == grpc.StatusCode.PERMISSION_DENIED


def test_list_narrowed_to_the_activities_a_deputy_took_part_in(liaison, world):
    d1, d2 = world["d1"], world["d2"]
    alone = record(liaison, region_code=TOWNSHIP_A, kind=K.ACTIVITY_KIND_VISIT, date="2025-07-03", title="独自走访",
                   deputy_ids=[d1])
    both = record(liaison, venue_id=world["venue"], kind=K.ACTIVITY_KIND_RECEPTION, date="2025-07-05",
                  title="两人接待", deputy_ids=[d1, d2])
    record(liaison, region_code=TOWNSHIP_A, kind=K.ACTIVITY_KIND_VISIT, date="2025-07-06", title="无代表")
    july = dict(date_from="2025-07-01", date_to="2025-07-31")

    def ids(deputy_id, **kw):
        r = liaison.call("ListActivities", pb.ListActivitiesRequest(deputy_id=deputy_id, **july), **kw)
        return [a.id for a in r.activities], r.total_size

    assert ids(d2) == ([both.id], 1)
    assert ids(d1) == ([both.id, alone.id], 2)
    assert ids(d1, role="deputy", region=COUNTY_A, subject=d1) == ([both.id, alone.id], 2)   # a deputy's own
    first = liaison.call("ListActivities", pb.ListActivitiesRequest(deputy_id=d1, page=common_pb2.PageRequest(
        page_size=1), **july))
    assert [a.id for a in first.activities] == [both.id] and first.next_page_token
    rest = liaison.call("ListActivities", pb.ListActivitiesRequest(deputy_id=d1, page=common_pb2.PageRequest(
        page_size=1, page_token=first.next_page_token), **july))
    assert [a.id for a in rest.activities] == [alone.id]
    # The token is bound to the deputy filter; another county's deputy is unknown to the caller.
    e = liaison.error("ListActivities", pb.ListActivitiesRequest(deputy_id=d2, page=common_pb2.PageRequest(
        page_size=1, page_token=first.next_page_token), **july))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("page.page_token:")
    e = liaison.error("ListActivities", pb.ListActivitiesRequest(deputy_id=world["other"]), region=COUNTY_A)
    assert e.code() == grpc.StatusCode.NOT_FOUND and e.details().startswith("deputy_id:")


@pytest.mark.parametrize("role", ["auditor", "department"])
def test_readers_and_departments_record_nothing(liaison, role):
    with liaison.expect_no_writes():
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            region_code=COUNTY_A, kind=K.ACTIVITY_KIND_VISIT, date="2026-01-08", title="走访")), role=role)
    assert e.code() == grpc.StatusCode.PERMISSION_DENIED


def test_scope_a_county_cannot_record_or_read_in_another(liaison, world):
    with liaison.expect_no_writes():
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            region_code=TOWNSHIP_B, kind=K.ACTIVITY_KIND_VISIT, date="2026-01-08", title="走访")), region=COUNTY_A)
        assert e.code() == grpc.StatusCode.PERMISSION_DENIED
        e = liaison.error("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            venue_id=world["venue_b"], kind=K.ACTIVITY_KIND_RECEPTION, date="2026-01-10", title="接待")),
            region=COUNTY_A)
        # a venue named by id outside the caller's region: as if it did not exist
        assert e.code() == grpc.StatusCode.NOT_FOUND and e.details().startswith("activity.venue_id:")
    theirs = record(liaison, region_code=TOWNSHIP_B, kind=K.ACTIVITY_KIND_VISIT, date="2026-01-09", title="走访")
    e = liaison.error("GetActivity", pb.GetActivityRequest(id=theirs.id), region=COUNTY_A)
    assert e.code() == grpc.StatusCode.NOT_FOUND
    assert liaison.call("GetActivity", pb.GetActivityRequest(id=theirs.id), region=COUNTY_B).id == theirs.id
    e = liaison.error("ListActivities", pb.ListActivitiesRequest(region_code=COUNTY_B), region=COUNTY_A)
    assert e.code() == grpc.StatusCode.PERMISSION_DENIED


def test_get_unknown_is_not_found_and_no_token_is_unauthenticated(liaison):
    e = liaison.error("GetActivity", pb.GetActivityRequest(id="5d6c8b1e-1f7a-4c5e-9f00-000000000000"))
    assert e.code() == grpc.StatusCode.NOT_FOUND
    e = liaison.error("GetActivity", pb.GetActivityRequest(id="5d6c8b1e-1f7a-4c5e-9f00-000000000000"), token=None)
    assert e.code() == grpc.StatusCode.UNAUTHENTICATED


def test_list_filters_and_pages(fresh_server):
    s = fresh_server
    venue = s.venue(COUNTY_A)
    made = []
    for day, kind in [("2026-03-01", K.ACTIVITY_KIND_VISIT), ("2026-03-05", K.ACTIVITY_KIND_RECEPTION),
                      ("2026-03-10", K.ACTIVITY_KIND_MEETING), ("2026-04-01", K.ACTIVITY_KIND_RECEPTION)]:
        made.append(record(s, region_code=COUNTY_A, venue_id=venue, kind=kind, date=day, title=f"活动{day}"))
    record(s, region_code=TOWNSHIP_B, kind=K.ACTIVITY_KIND_VISIT, date="2026-03-02", title="阜康走访")

    def ids(**kw):
        r = s.call("ListActivities", pb.ListActivitiesRequest(**kw))
        return [a.id for a in r.activities], r.total_size

    all_ids, total = ids()
    assert total == 5 and all_ids[0] == made[3].id                       # newest date first
    assert ids(region_code=COUNTY_A)[1] == 4
    assert ids(region_code=COUNTY_B)[1] == 1
    assert ids(kind=K.ACTIVITY_KIND_RECEPTION) == ([made[3].id, made[1].id], 2)
    assert ids(venue_id=venue, date_from="2026-03-02", date_to="2026-03-31") == ([made[2].id, made[1].id], 2)
    seen, token = [], ""
    while True:
        r = s.call("ListActivities", pb.ListActivitiesRequest(page=common_pb2.PageRequest(page_size=2, page_token=token)))
        seen += [a.id for a in r.activities]
        assert r.total_size == 5
        token = r.next_page_token
        if not token:
            break
    assert seen == all_ids
    # a county reader sees its own subtree by default
    r = s.call("ListActivities", pb.ListActivitiesRequest(), role="auditor", region=COUNTY_B)
    assert r.total_size == 1


@pytest.fixture
def fresh_server(start_liaison):
    server = start_liaison()
    yield server
    server.close()


def test_a_date_in_china_today_is_accepted(liaison):
    today = datetime.now(timezone(timedelta(hours=8))).date().isoformat()
    assert record(liaison, region_code=COUNTY_A, kind=K.ACTIVITY_KIND_CAMPAIGN, date=today,
                  title="万名代表进万家").date == today
