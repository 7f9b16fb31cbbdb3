"""The one clock and the China day (the project's calendar: 日期 on every register, period and
statistic is a day in Asia/Shanghai, whatever the server's or the database's time zone).

Instants are timezone-aware UTC datetimes everywhere in the code. Databases store them as
UTC: PostgreSQL in ``timestamptz``; SQLite has no time zone type, and SQLAlchemy writes the
datetime's wall-clock digits without its offset, so every value written or compared there
must already be UTC (``shared.db.UtcDateTime`` converts on the way in and marks UTC on the
way out). A query by day therefore never compares a column with a date or with a China-time
datetime: it asks ``china_day_bounds`` for the UTC instants that bound those days.

Tests move the clock with ``frozen``; nothing else changes it. Token lifetimes are the one
exception: PyJWT checks them against the real time, so shared.auth issues them by it too.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

# IANA zone, read from the system's zoneinfo or, where the image has none (python:3.11-slim),
# from the pinned tzdata package. China has kept UTC+8 without daylight saving since 1991.
CHINA = ZoneInfo("Asia/Shanghai")


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return _source()


def utc(instant: datetime) -> datetime:
    """The instant in UTC; a naive value (as SQLite returns) is taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc)


def china_day(instant: datetime) -> date:
    """The calendar day in China of an instant (naive values are taken as UTC)."""
    return utc(instant).astimezone(CHINA).date()


def china_today() -> date:
    return china_day(now())


def china_minute(instant: datetime | None) -> str:
    """'YYYY-MM-DD HH:MM' in China time, as registers print times; '' for none."""
    return "" if instant is None else utc(instant).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def china_midnight(day: date) -> datetime:
    """The instant (UTC) at which ``day`` begins in China."""
    return datetime.combine(day, time(), CHINA).astimezone(timezone.utc)


def china_day_bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants bounding China days ``date_from`` .. ``date_to`` (both included):
    ``(start, end_exclusive)``, to filter with ``start <= column < end_exclusive``. A missing
    day gives ``None`` (no bound on that side). E.g. (2026-12-01, 2026-12-01) ->
    (2026-11-30T16:00Z, 2026-12-01T16:00Z)."""
    start = china_midnight(date_from) if date_from is not None else None
    end = china_midnight(date_to + timedelta(days=1)) if date_to is not None else None
    return start, end


@contextmanager
def frozen(instant: datetime) -> Iterator[None]:
    """Within the block, ``now()`` returns ``instant`` (for tests: a step at a day boundary).
    Process-wide: every thread sees the same frozen time."""
    global _source
    fixed = utc(instant)
    before = _source
    _source = lambda: fixed   # noqa: E731
    try:
        yield
    finally:
        _source = before
