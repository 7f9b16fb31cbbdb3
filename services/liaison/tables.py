"""Liaison storage: opinions (意见建议), their case history, and (in directory.py) the
read model of the roster this service keeps from roster events.

Every opinion carries region_code and region_path (the materialised path of the region it
concerns) so subtree queries are a prefix match on an index.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.bus import bus_tables
from shared.db import UtcDateTime
from shared.idempotency import Idempotency, idempotency_table


class Base(DeclarativeBase):
    metadata = MetaData()


BUS = bus_tables(Base.metadata)
# Create RPCs with a request_id (AIP-155) keep their first response here (shared.idempotency).
IDEMPOTENT = Idempotency(idempotency_table(Base.metadata))

TZ = UtcDateTime


class OpinionRow(Base):
    __tablename__ = "opinions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    handling_region: Mapped[str] = mapped_column(String(9))
    channel: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20), default="")
    text: Mapped[str] = mapped_column(Text)
    deputy_id: Mapped[str] = mapped_column(String(36), default="")
    venue_id: Mapped[str] = mapped_column(String(36), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text, default="")
    transfer_department: Mapped[str] = mapped_column(String(100), default="")
    transfer_department_name: Mapped[str] = mapped_column(String(100), default="")
    # The department is known by its name and region together: the tier that transferred.
    transfer_department_region: Mapped[str] = mapped_column(String(9), default="", server_default="")
    transfer_deadline: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    transfer_reply: Mapped[str] = mapped_column(Text, default="")
    transfer_replied_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    resolved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    feedback: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int] = mapped_column(Integer, default=0)
    rating_comment: Mapped[str] = mapped_column(String(500), default="")
    raised_at: Mapped[datetime] = mapped_column(TZ)
    updated_at: Mapped[datetime] = mapped_column(TZ)
    due_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(TZ, nullable=True)
    origin_opinion_id: Mapped[str] = mapped_column(String(36), default="")
    origin_region: Mapped[str] = mapped_column(String(9), default="")
    escalated_to_region: Mapped[str] = mapped_column(String(9), default="")
    activity_id: Mapped[str] = mapped_column(String(36), default="")
    # On a linked case: how many of its first history rows were copied from the tier below.
    inherited_steps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    steps: Mapped[list[OpinionStepRow]] = relationship(
        cascade="all, delete-orphan", order_by="OpinionStepRow.id", lazy="selectin")

    __table_args__ = (
        Index("ix_opinions_status_due_at", "status", "due_at"),
        Index("ix_opinions_region_path_raised_at", "region_path", "raised_at"),
        # ListOpinions' keyset order (shared.paging): newest first, id breaking ties.
        Index("ix_opinions_raised_at_id", "raised_at", "id"),
        Index("ix_opinions_transfer_department", "transfer_department", "transfer_department_region"),
        Index("ix_opinions_deputy_id", "deputy_id"),
        Index("ux_opinions_origin", "origin_region", "origin_opinion_id", unique=True,
              postgresql_where=sql_text("origin_opinion_id <> ''"), sqlite_where=sql_text("origin_opinion_id <> ''")),
    )


class OpinionStepRow(Base):
    __tablename__ = "opinion_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    opinion_id: Mapped[str] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), index=True)
    status: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100), default="")
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    # 经办人: the display name of the actor's token ("" when it had none), never its subject.
    actor_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    region_code: Mapped[str] = mapped_column(String(9))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(TZ)
    # 1..5 on the citizen's rating, which keeps the status it repeats; 0 on a step that moved the case.
    rating: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# The roster read model lives on the same metadata; importing it here registers its tables.
from services.liaison import directory as _directory  # noqa: E402,F401
