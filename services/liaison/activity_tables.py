"""Liaison storage for activities (visits, receptions, meetings ...) and the roll-up read model.

activities           one row per activity, with region_code/region_path (subtree = prefix match)
activity_deputies    the deputies present
activity_opinions    opinions raised at it (named when the activity is recorded; an opinion
                     recorded later points back through opinions.activity_id instead)

rollup_daily         counters per (region, China-time day), summed from OpinionStepRecorded and
                     ActivityRecorded events of every deployment in this one's home subtree
rollup_resolve_days  per (region, day): how many cases resolved on that day took N days, the
                     histogram a median is read from without touching a single opinion
rollup_resolve_months  the same histogram per (region, calendar month): a period's whole months
                     are read from here, only its partial months' days from the daily one, so a
                     year is ~12 rows per (region, N) instead of ~365
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.liaison.tables import Base
from shared.db import UtcDateTime

COUNTERS = ("visits", "receptions", "people_reached", "opinions_raised", "answered", "transferred",
            "resolved", "escalated", "ratings", "rating_sum",
            "rating_1", "rating_2", "rating_3", "rating_4", "rating_5")


class ActivityRow(Base):
    __tablename__ = "activities"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    venue_id: Mapped[str] = mapped_column(String(36), default="")
    kind: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    people_reached: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    # 记录人: the display name of the recorder's token ("" when it had none), never its subject.
    recorder_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    on_schedule: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    deputies: Mapped[list[ActivityDeputyRow]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityDeputyRow.position", lazy="selectin")
    opinions: Mapped[list[ActivityOpinionRow]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityOpinionRow.position", lazy="selectin")

    __table_args__ = (
        Index("ix_activities_region_path_date", "region_path", "date"),
        Index("ix_activities_venue_date", "venue_id", "date"),
        # ListActivities' keyset order (shared.paging): newest day first, then newest recorded.
        Index("ix_activities_date_created_at_id", "date", "created_at", "id"),
    )


class ActivityDeputyRow(Base):
    __tablename__ = "activity_deputies"
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    deputy_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_activity_deputies_deputy", "deputy_id"),)


class ActivityOpinionRow(Base):
    __tablename__ = "activity_opinions"
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    opinion_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_activity_opinions_opinion", "opinion_id"),)


def _counter():
    return mapped_column(BigInteger, default=0)


class RollupDailyRow(Base):
    __tablename__ = "rollup_daily"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)   # China time (UTC+8)
    region_path: Mapped[str] = mapped_column(String(64))
    visits: Mapped[int] = _counter()
    receptions: Mapped[int] = _counter()
    people_reached: Mapped[int] = _counter()
    opinions_raised: Mapped[int] = _counter()
    answered: Mapped[int] = _counter()
    transferred: Mapped[int] = _counter()
    resolved: Mapped[int] = _counter()
    escalated: Mapped[int] = _counter()
    ratings: Mapped[int] = _counter()
    rating_sum: Mapped[int] = _counter()
    rating_1: Mapped[int] = _counter()
    rating_2: Mapped[int] = _counter()
    rating_3: Mapped[int] = _counter()
    rating_4: Mapped[int] = _counter()
    rating_5: Mapped[int] = _counter()
    __table_args__ = (Index("ix_rollup_daily_path_day", "region_path", "day"),)


class RollupResolveDaysRow(Base):
    __tablename__ = "rollup_resolve_days"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)   # the day it was resolved, China time
    days: Mapped[int] = mapped_column(Integer, primary_key=True)   # days it took
    region_path: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_rollup_resolve_days_path_day", "region_path", "day"),)


class RollupResolveMonthsRow(Base):
    __tablename__ = "rollup_resolve_months"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)   # first day of the month, China time
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_path: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_rollup_resolve_months_path_month", "region_path", "month"),)
