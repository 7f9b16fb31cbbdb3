"""Roster storage: typed SQLAlchemy mappings of deputies, venues and double contact.

Every tenant-owned row carries region_code and region_path (the materialised path from
the region tree) so subtree queries are a prefix match on an index.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.bus import bus_tables
from shared.db import UtcDateTime
from shared.idempotency import Idempotency, idempotency_table


class Base(DeclarativeBase):
    metadata = MetaData()


BUS = bus_tables(Base.metadata)
# Create RPCs with a request_id (AIP-155) keep their first response here (shared.idempotency).
IDEMPOTENT = Idempotency(idempotency_table(Base.metadata))


class DeputyRow(Base):
    __tablename__ = "deputies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[int] = mapped_column(Integer, default=0)
    ethnicity: Mapped[str] = mapped_column(String(20), default="")
    work_unit: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[int] = mapped_column(Integer)
    card_code: Mapped[str] = mapped_column(String(16), unique=True)
    show_work_unit: Mapped[bool] = mapped_column(Boolean, default=True)
    show_position: Mapped[bool] = mapped_column(Boolean, default=True)
    show_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    show_specialties: Mapped[bool] = mapped_column(Boolean, default=True)
    pledge: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    seats: Mapped[list[SeatRow]] = relationship(
        cascade="all, delete-orphan", order_by="SeatRow.level", lazy="selectin")
    specialties: Mapped[list[SpecialtyRow]] = relationship(
        cascade="all, delete-orphan", order_by="SpecialtyRow.position", lazy="selectin")
    history: Mapped[list[StatusChangeRow]] = relationship(
        cascade="all, delete-orphan", order_by="StatusChangeRow.id", lazy="selectin")

    __table_args__ = (
        # The listing's keyset order (shared.paging): region path, name, id.
        Index("ix_deputies_region_path_name_id", "region_path", "name", "id"),
        # The key an office's spreadsheet is matched on when re-imported.
        Index("ix_deputies_import_key", "region_code", "name", "phone"),
    )


class SeatRow(Base):
    __tablename__ = "deputy_seats"
    deputy_id: Mapped[str] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(20), default="")
    electoral_district: Mapped[str] = mapped_column(String(50), default="")
    __table_args__ = (Index("ix_deputy_seats_level", "level", "deputy_id"),)


class SpecialtyRow(Base):
    __tablename__ = "deputy_specialties"
    deputy_id: Mapped[str] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True)
    specialty: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_deputy_specialties_specialty", "specialty", "deputy_id"),)


class StatusChangeRow(Base):
    __tablename__ = "deputy_status_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deputy_id: Mapped[str] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), index=True)
    status: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[str] = mapped_column(String(100), default="")


class VenueRow(Base):
    __tablename__ = "venues"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    kind: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    officer_name: Mapped[str] = mapped_column(String(50), default="")
    officer_phone: Mapped[str] = mapped_column(String(20), default="")
    schedule_days: Mapped[str] = mapped_column(String(100), default="")   # "5,25"
    schedule_hours: Mapped[str] = mapped_column(String(50), default="")
    schedule_note: Mapped[str] = mapped_column(String(200), default="")
    specialties: Mapped[str] = mapped_column(Text, default="")           # "法律,医疗"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("region_code", "name", name="uq_venues_region_name"),
                      # The listing's keyset order (shared.paging): region path, name, id.
                      Index("ix_venues_region_path_name_id", "region_path", "name", "id"))


class VenueMemberRow(Base):
    __tablename__ = "venue_members"
    venue_id: Mapped[str] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True)
    deputy_id: Mapped[str] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True)
    __table_args__ = (Index("ix_venue_members_deputy", "deputy_id"),)


class CommitteeLinkRow(Base):
    __tablename__ = "committee_links"
    committee_member_id: Mapped[str] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True)
    deputy_id: Mapped[str] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    __table_args__ = (Index("ix_committee_links_deputy", "deputy_id"),)


class VoterHouseholdRow(Base):
    __tablename__ = "voter_households"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deputy_id: Mapped[str] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), index=True)
    household_head: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")


class ContactLimitsRow(Base):
    __tablename__ = "contact_limits"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    deputies_per_committee_member: Mapped[int] = mapped_column(Integer)
    households_per_deputy: Mapped[int] = mapped_column(Integer)


class DescribedRegionRow(Base):
    """A served region as last published in RegionDescribed (regions.describe_regions)."""
    __tablename__ = "described_regions"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    tier: Mapped[int] = mapped_column(Integer)
    kind: Mapped[int] = mapped_column(Integer)
    parent_code: Mapped[str] = mapped_column(String(9))
    described_at: Mapped[datetime] = mapped_column(UtcDateTime)
