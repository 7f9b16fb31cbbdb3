"""The one clock and the China-day helpers (shared/clock.py)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from shared import clock


def test_a_china_day_is_bounded_by_utc_instants_at_1600():
    start, end = clock.china_day_bounds(date(2026, 12, 1), date(2026, 12, 1))
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)
    assert end == datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
    assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
    assert clock.china_day_bounds(None, date(2026, 12, 31)) == (None, datetime(2026, 12, 31, 16, tzinfo=timezone.utc))
    assert clock.china_day_bounds(date(2026, 1, 1), None)[1] is None


def test_china_day_of_instants_either_side_of_china_midnight():
    assert clock.china_day(datetime(2026, 11, 30, 15, 59, 59, tzinfo=timezone.utc)) == date(2026, 11, 30)
    assert clock.china_day(datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)) == date(2026, 12, 1)
    assert clock.china_day(datetime(2026, 11, 30, 17, 50)) == date(2026, 12, 1)   # naive: UTC, as SQLite returns
    assert clock.china_minute(datetime(2026, 11, 30, 17, 50, tzinfo=timezone.utc)) == "2026-12-01 01:50"
    assert clock.china_minute(None) == ""


def test_now_is_utc_and_frozen_only_inside_the_block():
    real = clock.now()
    assert real.tzinfo is not None and real.utcoffset() == timedelta(0)
    at = datetime(2026, 12, 1, 1, 50, tzinfo=clock.CHINA)
    with clock.frozen(at):
        assert clock.now() == at and clock.now().utcoffset() == timedelta(0)
        assert clock.china_today() == date(2026, 12, 1)
    assert abs(clock.now() - real) < timedelta(minutes=1)
