"""The roll-up: events of every tier, from every deployment, through the real (embedded) bus
into per-region daily figures; GetStatistics for a prefecture, a county and a township."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import grpc
import pytest
from activities_support import (
    COUNTY_A,
    COUNTY_B,
    OTHER_COUNTY,
    PREFECTURE,
    TOWNSHIP_A,
    TOWNSHIP_A2,
    TOWNSHIP_B,
    envelope,
)
from google.protobuf.timestamp_pb2 import Timestamp
from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb
from sqlalchemy import text

from services.liaison import rollup

S, K = pb.OpinionStatus, pb.ActivityKind
UTC = timezone.utc


def stamp(t: datetime) -> Timestamp:
    x = Timestamp()
    x.FromDatetime(t)
    return x


def step(region, status, at, raised_at=None, rating=0, linked=False) -> ev.OpinionStepRecorded:
    return ev.OpinionStepRecorded(opinion_id="o", region_code=region, handling_region=region, status=status,
                                  channel=pb.CHANNEL_QR_CODE, raised_at=stamp(raised_at or at), at=stamp(at),
                                  rating=rating, linked=linked)


def activity(region, kind, day, people) -> ev.ActivityRecorded:
    return ev.ActivityRecorded(activity=pb.Activity(id="a", region_code=region, kind=kind, date=day,
                                                    title="t", people_reached=people))


# ---- counting rules (pure) ----------------------------------------------------------

def test_each_step_counts_once_on_its_china_day():
    now = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    late = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)   # midnight in China: already 2 March there
    b = rollup.count_step(step(TOWNSHIP_A, S.OPINION_STATUS_RAISED, late), now)
    assert b == [rollup.Bump(datetime(2026, 3, 2).date(), {"opinions_raised": 1})]
    b = rollup.count_step(step(TOWNSHIP_A, S.OPINION_STATUS_RESOLVED, late, raised_at=datetime(2026, 2, 20, tzinfo=UTC)), now)
    assert b == [rollup.Bump(datetime(2026, 3, 2).date(), {"resolved": 1}, 9)]
    for status, name in [(S.OPINION_STATUS_ANSWERED, "answered"), (S.OPINION_STATUS_TRANSFERRED, "transferred"),
                         (S.OPINION_STATUS_ESCALATED, "escalated")]:
        assert rollup.count_step(step(TOWNSHIP_A, status, now), now)[0].counters == {name: 1}
    for status in (S.OPINION_STATUS_ACCEPTED, S.OPINION_STATUS_REPLIED, S.OPINION_STATUS_CLOSED):
        assert rollup.count_step(step(TOWNSHIP_A, status, now), now) == []
    rated = rollup.count_step(step(TOWNSHIP_A, S.OPINION_STATUS_FEEDBACK_GIVEN, now, rating=4), now)
    assert rated == [rollup.Bump(now.date(), {"ratings": 1, "rating_sum": 4, "rating_4": 1})]
    assert rollup.count_step(step(TOWNSHIP_A, S.OPINION_STATUS_FEEDBACK_GIVEN, now, rating=9), now) == []
    assert rollup.count_step(step(TOWNSHIP_A, S.OPINION_STATUS_RAISED, now, linked=True), now) == []
    assert rollup.count_step(step(TOWNSHIP_A, S.OPINION_STATUS_RESOLVED, now, linked=True), now) == []


def test_activities_count_visits_receptions_and_people():
    assert rollup.count_activity(activity(TOWNSHIP_A, K.ACTIVITY_KIND_VISIT, "2026-03-01", 4).activity) == [
        rollup.Bump(datetime(2026, 3, 1).date(), {"visits": 1, "people_reached": 4})]
    assert rollup.count_activity(activity(TOWNSHIP_A, K.ACTIVITY_KIND_RECEPTION, "2026-03-01", 0).activity)[0] \
        .counters == {"receptions": 1}
    assert rollup.count_activity(activity(TOWNSHIP_A, K.ACTIVITY_KIND_MEETING, "2026-03-01", 9).activity)[0] \
        .counters == {"people_reached": 9}
    assert rollup.count_activity(activity(TOWNSHIP_A, K.ACTIVITY_KIND_MEETING, "2026-03-01", 0).activity) == []
    assert rollup.count_activity(activity(TOWNSHIP_A, K.ACTIVITY_KIND_VISIT, "bad", 1).activity) == []


def test_median_of_a_histogram():
    assert rollup.median_of_histogram([]) == 0.0
    assert rollup.median_of_histogram([(3, 1)]) == 3.0
    assert rollup.median_of_histogram([(2, 1), (4, 1), (10, 1), (20, 1)]) == 7.0
    assert rollup.median_of_histogram([(1, 5), (100, 4)]) == 1.0
    assert rollup.median_of_histogram([(1, 5), (100, 5)]) == 50.5


# ---- through the bus ------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiers(start_liaison, tmp_path_factory):
    """A prefecture's and one of its counties' deployments on one bus."""
    bus = str(tmp_path_factory.mktemp("shared-bus") / "bus.sqlite")
    prefecture = start_liaison(PREFECTURE, bus)
    county = start_liaison(COUNTY_A, bus)
    yield prefecture, county
    county.close()
    prefecture.close()


def t(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture(scope="module")
def fed(tiers):
    """Events as the township, county and prefecture deployments would publish them."""
    prefecture, county = tiers
    raised = t("2026-03-01")
    events = [
        # township A (under county A), published by its own deployment
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_RAISED, raised)),
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_RAISED, raised)),
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_RAISED, t("2025-12-31", 16))),   # 1 Jan 2026 in China
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_RAISED, t("2025-12-31", 15))),   # still 2025 in China
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_ANSWERED, t("2026-03-02"), raised)),
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_TRANSFERRED, t("2026-03-03"), raised)),
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_RESOLVED, t("2026-03-03"), raised)),    # 2 days
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_RESOLVED, t("2026-03-11"), raised)),    # 10 days
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_ESCALATED, t("2026-03-04"), raised)),
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_FEEDBACK_GIVEN, t("2026-03-12"), raised, rating=5)),
        (TOWNSHIP_A, step(TOWNSHIP_A, S.OPINION_STATUS_CLOSED, t("2026-03-13"), raised, rating=4)),
        (TOWNSHIP_A, activity(TOWNSHIP_A, K.ACTIVITY_KIND_VISIT, "2026-03-01", 4)),
        (TOWNSHIP_A, activity(TOWNSHIP_A, K.ACTIVITY_KIND_MEETING, "2026-03-01", 10)),
        # the escalated case, opened again at county A as a linked case: not counted again
        (COUNTY_A, step(TOWNSHIP_A, S.OPINION_STATUS_RAISED, t("2026-03-04"), raised, linked=True)),
        (COUNTY_A, step(TOWNSHIP_A, S.OPINION_STATUS_RESOLVED, t("2026-03-05"), raised, linked=True)),
        # county A's own
        (COUNTY_A, step(COUNTY_A, S.OPINION_STATUS_RAISED, raised)),
        (COUNTY_A, step(COUNTY_A, S.OPINION_STATUS_RESOLVED, t("2026-03-05"), raised)),       # 4 days
        # township B (under county B)
        (TOWNSHIP_B, step(TOWNSHIP_B, S.OPINION_STATUS_RAISED, raised)),
        (TOWNSHIP_B, step(TOWNSHIP_B, S.OPINION_STATUS_RAISED, raised)),
        (TOWNSHIP_B, step(TOWNSHIP_B, S.OPINION_STATUS_RESOLVED, t("2026-03-21"), raised)),   # 20 days
        (TOWNSHIP_B, step(TOWNSHIP_B, S.OPINION_STATUS_FEEDBACK_GIVEN, t("2026-03-22"), raised, rating=3)),
        (COUNTY_B, activity(COUNTY_B, K.ACTIVITY_KIND_RECEPTION, "2026-03-05", 30)),
        # another prefecture's county on the same cluster: outside every home subtree here
        (OTHER_COUNTY, step(OTHER_COUNTY, S.OPINION_STATUS_RAISED, raised)),
        (OTHER_COUNTY, activity(OTHER_COUNTY, K.ACTIVITY_KIND_VISIT, "2026-03-01", 99)),
    ]
    envs = [envelope(m, region, home=region) for region, m in events]
    # one event delivered twice (a relay that crashed before marking it sent), then a marker
    # behind it on the same key, so once the marker is handled the repeat has been too
    duplicate = envs[0]
    marker = envelope(step(TOWNSHIP_A, S.OPINION_STATUS_ACCEPTED, raised), TOWNSHIP_A, home=TOWNSHIP_A)
    prefecture.send(*envs, duplicate, marker)
    # and one activity recorded at the prefecture's own deployment: it reaches the roll-up
    # through the prefecture's outbox, relay and the same bus, like everyone else's
    own = prefecture.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
        region_code=TOWNSHIP_A2, kind=K.ACTIVITY_KIND_VISIT, date="2026-03-06", title="走访", people_reached=7)))
    deadline = time.monotonic() + 20
    while True:
        with prefecture.engine.connect() as c:
            row = c.execute(text("SELECT event_id FROM outbox WHERE sent_at IS NOT NULL ORDER BY seq DESC")).first()
        if row:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ids = [e.id for e in envs] + [marker.id, row[0]]
    prefecture.wait_handled(*ids)
    county.wait_handled(*ids)
    assert own.id
    return prefecture, county


def figures(s: pb.Statistics) -> dict:
    return {"visits": s.visits, "receptions": s.receptions, "people": s.people_reached,
            "raised": s.opinions_raised, "answered": s.answered, "transferred": s.transferred,
            "resolved": s.resolved, "escalated": s.escalated, "median": s.median_days_to_resolve,
            "ratings": s.ratings, "average": s.average_rating, "stars": list(s.rating_counts)}


def test_prefecture_sees_its_counties_and_townships_rolled_up(fed):
    prefecture, _ = fed
    assert figures(prefecture.statistics(PREFECTURE)) == {
        "visits": 2, "receptions": 1, "people": 4 + 10 + 30 + 7, "raised": 3 + 1 + 2, "answered": 1,
        "transferred": 1, "resolved": 2 + 1 + 1, "escalated": 1, "median": 7.0,   # 2, 4, 10, 20
        "ratings": 3, "average": 4.0, "stars": [0, 0, 1, 1, 1]}


def test_a_county_and_a_township_see_their_own_subtree(fed):
    prefecture, _ = fed
    assert figures(prefecture.statistics(COUNTY_A)) == {
        "visits": 2, "receptions": 0, "people": 4 + 10 + 7, "raised": 3 + 1, "answered": 1, "transferred": 1,
        "resolved": 3, "escalated": 1, "median": 4.0, "ratings": 2, "average": 4.5, "stars": [0, 0, 0, 1, 1]}
    assert figures(prefecture.statistics(TOWNSHIP_A)) == {
        "visits": 1, "receptions": 0, "people": 14, "raised": 3, "answered": 1, "transferred": 1,
        "resolved": 2, "escalated": 1, "median": 6.0, "ratings": 2, "average": 4.5, "stars": [0, 0, 0, 1, 1]}
    b = prefecture.statistics(COUNTY_B)
    assert (b.opinions_raised, b.resolved, b.receptions, b.people_reached, b.median_days_to_resolve) == (2, 1, 1, 30, 20.0)


def test_the_period_is_in_china_days(fed):
    prefecture, _ = fed
    assert prefecture.statistics(TOWNSHIP_A, "2026-01-01", "2026-01-01").opinions_raised == 1
    assert prefecture.statistics(TOWNSHIP_A, "2025-12-31", "2025-12-31").opinions_raised == 1
    march_3 = prefecture.statistics(TOWNSHIP_A, "2026-03-03", "2026-03-03")
    assert (march_3.resolved, march_3.transferred, march_3.median_days_to_resolve) == (1, 1, 2.0)
    # whole months come from the monthly histogram, the edges from the daily one
    for date_from, date_to, resolved, median in [("2026-02-15", "2026-04-10", 2, 6.0),
                                                 ("2026-03-03", "2026-04-30", 2, 6.0),
                                                 ("2026-03-04", "2026-04-30", 1, 10.0),
                                                 ("2026-02-01", "2026-03-10", 1, 2.0),
                                                 ("2026-03-01", "2026-03-31", 2, 6.0)]:
        s = prefecture.statistics(TOWNSHIP_A, date_from, date_to)
        assert (s.resolved, s.median_days_to_resolve) == (resolved, median), (date_from, date_to)


def test_a_duplicate_delivery_counts_once(fed):
    prefecture, county = fed
    # envs[0] was delivered twice: township A raised 2 on 1 March, not 3
    assert prefecture.statistics(TOWNSHIP_A, "2026-03-01", "2026-03-01").opinions_raised == 2
    assert county.statistics(TOWNSHIP_A, "2026-03-01", "2026-03-01").opinions_raised == 2


def test_each_deployment_counts_only_its_home_subtree(fed):
    prefecture, county = fed
    # the county deployment counted its own subtree exactly as the prefecture did ...
    assert figures(county.statistics(COUNTY_A)) == figures(prefecture.statistics(COUNTY_A))
    # ... and answers for nothing outside it: the neighbouring county, the prefecture above,
    # the other prefecture are not its regions (INVALID_ARGUMENT naming the field), and a
    # token of the prefecture or of the other prefecture is no caller of it
    for region in (COUNTY_B, PREFECTURE):
        e = county.error("GetStatistics", pb.GetStatisticsRequest(
            region_code=region, date_from="2026-01-01", date_to="2026-12-31"), region=COUNTY_A)
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("region_code:"), region
    for deployment, caller in ((county, PREFECTURE), (prefecture, "410800")):
        e = deployment.error("GetStatistics", pb.GetStatisticsRequest(
            region_code="", date_from="2026-01-01", date_to="2026-12-31"), region=caller)
        assert e.code() == grpc.StatusCode.PERMISSION_DENIED and caller in e.details()
    e = prefecture.error("GetStatistics", pb.GetStatisticsRequest(
        region_code=OTHER_COUNTY, date_from="2026-01-01", date_to="2026-12-31"))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("region_code:")
    with prefecture.engine.connect() as c:
        regions = set(c.execute(text("SELECT region_code FROM rollup_daily")).scalars())
    assert regions == {TOWNSHIP_A, TOWNSHIP_A2, COUNTY_A, TOWNSHIP_B, COUNTY_B}


# ---- the parts of the figures: months, child regions, days to resolve ------------------

def part(f: pb.StatisticsFigures) -> dict:
    return {k: v for k, v in {
        "visits": f.visits, "receptions": f.receptions, "people": f.people_reached, "raised": f.opinions_raised,
        "answered": f.answered, "transferred": f.transferred, "resolved": f.resolved, "escalated": f.escalated,
        "median": f.median_days_to_resolve}.items() if v}


def test_the_prefecture_sees_each_month_and_each_county_rolled_up_from_the_tiers_below(fed):
    prefecture, _ = fed
    s = prefecture.statistics(PREFECTURE)
    assert s.region_name == "昌吉回族自治州"
    assert [m.month for m in s.months] == [f"2026-{n:02d}" for n in range(1, 13)]
    months = {m.month: part(m.figures) for m in s.months if part(m.figures)}
    assert months == {
        "2026-01": {"raised": 1},     # raised 2025-12-31 16:00 UTC: 1 January in China
        "2026-03": {"visits": 2, "receptions": 1, "people": 51, "raised": 5, "answered": 1, "transferred": 1,
                    "resolved": 4, "escalated": 1, "median": 7.0}}
    # the counties, in code order, each with its townships' figures (published by their own
    # deployments) and its own; the counties without events are there with zeros
    assert [(r.region_code, r.region_name) for r in s.regions][:2] == [(COUNTY_A, "昌吉市"), (COUNTY_B, "阜康市")]
    assert len(s.regions) == 7
    counties = {r.region_code: part(r.figures) for r in s.regions}
    assert counties[COUNTY_A] == {"visits": 2, "people": 21, "raised": 4, "answered": 1, "transferred": 1,
                                  "resolved": 3, "escalated": 1, "median": 4.0}
    assert counties[COUNTY_B] == {"receptions": 1, "people": 30, "raised": 2, "resolved": 1, "median": 20.0}
    assert all(f == {} for code, f in counties.items() if code not in (COUNTY_A, COUNTY_B))
    # each month's and each county's counts add up to the totals
    for field in ("visits", "receptions", "people_reached", "opinions_raised", "resolved", "escalated"):
        assert sum(getattr(m.figures, field) for m in s.months) == getattr(s, field), field
        assert sum(getattr(r.figures, field) for r in s.regions) == getattr(s, field), field
    assert [(b.min_days, b.max_days, b.cases) for b in s.resolve_days] == [
        (0, 7, 2), (8, 15, 1), (16, 30, 1), (31, 60, 0), (61, 0, 0)]    # 2, 4, 10, 20 days


def test_a_county_sees_its_townships_and_a_township_has_no_children(fed):
    prefecture, county = fed
    for deployment in (prefecture, county):
        s = deployment.statistics(COUNTY_A, caller=COUNTY_A)
        townships = {r.region_code: part(r.figures) for r in s.regions}
        assert townships == {"652301001": {}, TOWNSHIP_A: {"visits": 1, "people": 14, "raised": 3, "answered": 1,
                                                           "transferred": 1, "resolved": 2, "escalated": 1,
                                                           "median": 6.0},
                             TOWNSHIP_A2: {"visits": 1, "people": 7}}
        # the county office's own case (raised and resolved at 652301) is in no township's figures
        assert s.opinions_raised == 4 and sum(r.figures.opinions_raised for r in s.regions) == 3
    t = prefecture.statistics(TOWNSHIP_A)
    assert list(t.regions) == [] and t.region_name == "三工镇"


def test_months_cut_by_the_period_count_only_their_days_inside_it_in_china_time(fed):
    prefecture, _ = fed
    s = prefecture.statistics(TOWNSHIP_A, "2026-03-03", "2026-04-30")
    assert [(m.month, part(m.figures)) for m in s.months] == [
        ("2026-03", {"transferred": 1, "resolved": 2, "escalated": 1, "median": 6.0}), ("2026-04", {})]
    s = prefecture.statistics(TOWNSHIP_A, "2025-12-31", "2026-01-31")
    assert [(m.month, part(m.figures)) for m in s.months] == [("2025-12", {"raised": 1}), ("2026-01", {"raised": 1})]
    s = prefecture.statistics(TOWNSHIP_A, "2026-03-03", "2026-03-10")       # inside one month
    assert [(m.month, part(m.figures)) for m in s.months] == [
        ("2026-03", {"transferred": 1, "resolved": 1, "escalated": 1, "median": 2.0})]
    assert [b.cases for b in s.resolve_days] == [1, 0, 0, 0, 0]
    s = prefecture.statistics(COUNTY_A, "2026-02-01", "2026-03-31")       # whole months only
    assert [(m.month, m.figures.resolved, m.figures.median_days_to_resolve) for m in s.months] == [
        ("2026-02", 0, 0.0), ("2026-03", 3, 4.0)]
    assert [(r.region_code, r.figures.resolved, r.figures.median_days_to_resolve) for r in s.regions] == [
        ("652301001", 0, 0.0), (TOWNSHIP_A, 2, 6.0), (TOWNSHIP_A2, 0, 0.0)]


def test_resolve_bands_follow_the_tiers_deadlines():
    assert rollup.bands([]) == tuple(rollup.Band(lo, hi, 0) for lo, hi in rollup.RESOLVE_BANDS)
    got = rollup.bands([(0, 1), (7, 2), (8, 1), (15, 1), (16, 1), (30, 1), (31, 1), (60, 1), (61, 2), (400, 1)])
    assert [b.cases for b in got] == [3, 2, 2, 2, 3]
