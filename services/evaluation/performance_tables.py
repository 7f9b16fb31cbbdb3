"""Deputies' performance storage (performance.py), on evaluation's Base.

perf_sources      every source event that gave performance items, as received (type, payload,
                  the China day the work took place and its year; for an inspection, the
                  deputies its participants resolved to on arrival, ids the directory knew or
                  names of one deputy): recomputation reads these and nothing else
perf_pending      an inspection's participants the directory did not know as deputies of its
                  branch on arrival (an id, or for an old event a name): looked up when the
                  directory learns a deputy, so one whose roster event came late is credited then
perf_items        the items derived from them, one per deputy and piece of work (key), with
                  the rule version that scored them, points and credited points (hundredths)
perf_totals       credited points per deputy and year (hundredths), kept with every item
perf_rules        versions of a region's rules (JSON body), added, never changed
perf_publications a region's rankings of a year published (deputies then read them)
perf_snapshots    each level's ranking of a publication as published (GetRanking answers from it)

Points are integers of hundredths of a point, so sums are exact (the API shows "12.50").
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.evaluation.tables import Base
from shared.db import UtcDateTime


class PerfSourceRow(Base):
    __tablename__ = "perf_sources"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(9))
    day: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    resolved: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_perf_sources_year", "year"),)


class PerfPendingRow(Base):
    __tablename__ = "perf_pending"
    candidate: Mapped[str] = mapped_column(String(50), primary_key=True)     # a deputy id, or a name
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class PerfItemRow(Base):
    __tablename__ = "perf_items"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    deputy_id: Mapped[str] = mapped_column(String(36))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    source_event_id: Mapped[str] = mapped_column(String(36))
    source_type: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    rule_version_id: Mapped[str] = mapped_column(String(36))
    points: Mapped[int] = mapped_column(Integer)
    credited: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_perf_items_deputy_year_kind", "deputy_id", "year", "kind"),
                      Index("ix_perf_items_year_region_path", "year", "region_path"))


class PerfTotalRow(Base):
    __tablename__ = "perf_totals"
    deputy_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    points: Mapped[int] = mapped_column(Integer)
    items: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_perf_totals_year_deputy", "year", "deputy_id"),)


class PerfRulesRow(Base):
    __tablename__ = "perf_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    number: Mapped[int] = mapped_column(Integer)
    effective_year: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("region_code", "number", name="uq_perf_rules_region_number"),)


class PerfPublicationRow(Base):
    __tablename__ = "perf_publications"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PerfSnapshotRow(Base):
    """A published ranking as it was published: one row per (publishing region, year, level);
    ``entries`` a JSON list of {deputy_id, name, region_code, points (hundredths), rank, tied,
    rule_version_id}. Publishing again replaces it (the latest publication is the one shown;
    earlier ones are not kept: the events RankingPublished record each)."""
    __tablename__ = "perf_snapshots"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[str] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
