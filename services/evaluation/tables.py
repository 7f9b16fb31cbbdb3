"""Evaluation storage shared by its areas: the outbox and inbox, idempotency keys, and the read
models every area reads: the roster's deputies (directory.py) and supervision's projects
(projects.py). Each area keeps its own tables in a module of its own on this Base
(satisfaction_tables.py), imported by service.py so the metadata holds them all.

Rows carry region_code and region_path (the materialised path of their region) so a subtree
listing is a prefix match on an index.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, MetaData, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus import bus_tables
from shared.db import UtcDateTime
from shared.idempotency import Idempotency, idempotency_table


class Base(DeclarativeBase):
    metadata = MetaData()


BUS = bus_tables(Base.metadata)
# Create RPCs with a request_id (AIP-155) keep their first response here (shared.idempotency).
IDEMPOTENT = Idempotency(idempotency_table(Base.metadata))


class DeputyRow(Base):
    """The roster's deputies as evaluation learns them from roster events (directory.py): who
    they are, which seats they hold (levels, e.g. "4,6") and whether they still serve."""
    __tablename__ = "evaluation_deputies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(50), default="")
    levels: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_evaluation_deputies_region_path_name_id", "region_path", "name", "id"),)


class ProjectRow(Base):
    """A livelihood project as evaluation learns it from supervision's events (projects.py):
    its year, title, lead department and derived progress (exact decimal percent)."""
    __tablename__ = "year_projects"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)   # supervision's project id
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20), default="")
    progress: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    lead_department: Mapped[str] = mapped_column(String(100), default="")
    lead_department_name: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_year_projects_region_path_year_id", "region_path", "year", "id"),)
