"""Activity funding's storage (经费): the roster's venues as funding learns them from roster
events (funding_venues; its deputies are evaluation's read model, tables.DeputyRow), each
region's standards by year (funding_standards), the budgets of a year (funding_budgets: one
per deputy or venue and year) and what was spent against them (funding_spending).

Rows carry region_code and region_path (the region's materialised path) so a subtree is a
prefix match on an index. Money is integer fen (BigInteger), never a float.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.evaluation.tables import Base
from shared.db import UtcDateTime


class FundingVenueRow(Base):
    """A venue (人大代表之家, station, room) as roster events tell it."""
    __tablename__ = "funding_venues"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_funding_venues_region_path", "region_path"),)


class FundingStandardsRow(Base):
    """A region's own standards, in force from from_year until its next version."""
    __tablename__ = "funding_standards"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    from_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefecture_fen: Mapped[int] = mapped_column(BigInteger)
    county_fen: Mapped[int] = mapped_column(BigInteger)
    township_fen: Mapped[int] = mapped_column(BigInteger)
    daily_subsidy_fen: Mapped[int] = mapped_column(BigInteger)
    venue_allowance_fen: Mapped[int] = mapped_column(BigInteger)
    overspend: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(100), default="")
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BudgetRow(Base):
    """One deputy's budget or one venue's allowance for a year. spent_fen, subsidy_fen and
    over_fen are the sums of its spending, kept with each spending in one transaction."""
    __tablename__ = "funding_budgets"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[int] = mapped_column(Integer)
    holder_id: Mapped[str] = mapped_column(String(36))
    holder_name: Mapped[str] = mapped_column(String(100), default="")
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    levels: Mapped[str] = mapped_column(String(30), default="")
    allocated_fen: Mapped[int] = mapped_column(BigInteger)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    over_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    standards_region: Mapped[str] = mapped_column(String(9), default="")
    standards_from_year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        UniqueConstraint("kind", "holder_id", "year", name="uq_funding_budgets_holder_year"),
        # The listing's keyset order (shared.paging): region path, id.
        Index("ix_funding_budgets_year_region_path_id", "year", "region_path", "id"),
    )


class SpendingRow(Base):
    """One spending against a budget: its China day, purpose and amount (for a subsidy, the
    days and the amount they came to), and what it took beyond the budget when flagged."""
    __tablename__ = "funding_spending"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_id: Mapped[str] = mapped_column(String(36), ForeignKey("funding_budgets.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    subsidy_days: Mapped[int] = mapped_column(Integer, default=0)
    over_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_name: Mapped[str] = mapped_column(String(50), default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
