"""The roll-up's facts: what each evaluation event sets, under keys and counter names that fit
the table (a name too long would stop the consumer at that event), the same facts however
often an event comes."""
import uuid
from datetime import datetime, timezone

from lianxin.evaluation.v1 import events_pb2 as ev
from lianxin.evaluation.v1 import funding_pb2 as fpb
from lianxin.evaluation.v1 import satisfaction_pb2 as spb

from services.evaluation import rollup
from shared.bus import Envelope


def _facts(event) -> list[rollup.Fact]:
    fn = rollup.FACTS[type(event)]
    env = Envelope.for_message(event, service="evaluation", home_region="652300", region="652301")
    return fn(event, env) if fn in rollup.WITH_ENVELOPE else fn(event)


def test_every_event_s_facts_fit_and_repeat_identically():
    i = lambda: str(uuid.uuid4())   # noqa: E731
    vote = spb.SatisfactionVote(id=i(), region_code="652301", year=2026, projects=[spb.ProjectResult()] * 20,
                                satisfied_projects=18, basically_satisfied_projects=2)
    fix = spb.Rectification(id=i(), region_code="652301", year=2026)
    samples = [
        ev.BudgetAllocated(budget=fpb.Budget(id=i(), region_code="652301", year=2026, allocated_fen=160_000)),
        ev.SpendingRecorded(spending=fpb.Spending(id=i(), amount_fen=500, over_fen=100), region_code="652301",
                            year=2026),
        ev.SatisfactionResultPublished(vote=vote),
        ev.RectificationRequired(rectification=fix), ev.RectificationCompleted(rectification=fix),
        ev.InquiryOpened(inquiry=spb.Inquiry(id=i(), region_code="652301", held_on="2026-11-20",
                                             kind=spb.INQUIRY_KIND_INTERPELLATION)),
        ev.ConstituentReportRecorded(deputy_id=i(), region_code="652301", held_on="2026-06-01"),
        ev.RankingPublished(region_code="652301", year=2026, level=4, regions=[ev.RankingRegionCounts(
            region_code="652301", bands=[3, 5, 7, 2, 1], flagged_inactive=3, flagged_no_report=4)]),
    ]
    assert {type(e) for e in samples} == set(rollup.FACTS)
    counters = {}
    for e in samples:
        facts = _facts(e)
        assert facts and facts == _facts(e)
        for f in facts:
            assert len(f.fact) <= rollup.MAX_FACT and len(f.counter) <= rollup.MAX_COUNTER, f
            assert f.year == 2026 and f.region_code == "652301"
            counters[f.counter] = counters.get(f.counter, 0) + f.value
    assert counters == {
        "funds_allocated_fen": 160_000, "funds_spent_fen": 500, "funds_over_fen": 100, "satisfaction_votes": 1,
        "satisfaction_projects": 20, "satisfaction_satisfied": 18, "satisfaction_basically_satisfied": 2,
        "satisfaction_unsatisfied": 0, "rectifications_required": 1, "rectifications_completed": 1,
        "interpellations": 1, "constituent_reports": 1,
        # A county ranking (level 4): deputies per points band, and flagged.
        "points_l4_0": 3, "points_l4_1_9": 5, "points_l4_10_19": 7, "points_l4_20_49": 2, "points_l4_50_plus": 1,
        "flagged_l4_inactive": 3, "flagged_l4_no_report": 4}


def test_an_inquiry_without_its_day_counts_in_the_china_year_it_was_published():
    e = ev.InquiryOpened(inquiry=spb.Inquiry(id=str(uuid.uuid4()), region_code="652301"))
    env = Envelope.for_message(e, service="evaluation", home_region="652300", region="652301",
                               time=datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc))   # 2027-01-01 in China
    assert [(f.counter, f.year) for f in rollup.inquiry_facts(e, env)] == [("inquiries", 2027)]
