"""The outbox and inbox tables each service keeps beside its domain tables.

They live in the service's own database so that writing an event (outbox) or
recording that one was handled (inbox) shares the domain change's transaction.
The column list is written once (the ``_*_columns`` functions) and used both for
the service's MetaData and for Alembic migrations, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    text,
)

from shared.db import UtcDateTime

OUTBOX = "outbox"
INBOX = "inbox"
# Partial index: the relay only ever scans unsent rows in seq order, and sent rows
# pile up until pruned, so indexing only the unsent ones keeps it small and hot.
UNSENT_INDEX = "ix_outbox_unsent"
_UNSENT = "sent_at IS NULL"


@dataclass(frozen=True)
class BusTables:
    outbox: Table
    inbox: Table


def _outbox_columns() -> list:
    return [
        # SQLite only auto-increments an INTEGER PRIMARY KEY, hence the variant.
        Column(
            "seq",
            BigInteger().with_variant(Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        Column("event_id", String(36), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(64), nullable=False),
        Column("type", String(200), nullable=False),
        Column("source", String(200), nullable=False),
        Column("subject", String(64), nullable=False),
        Column("time", UtcDateTime, nullable=False),
        Column("data", LargeBinary, nullable=False),
        Column("sent_at", UtcDateTime, nullable=True),
        UniqueConstraint("event_id", name="uq_outbox_event_id"),
    ]


def _inbox_columns() -> list:
    return [
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("received_at", UtcDateTime, nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    ]


def bus_tables(metadata: MetaData) -> BusTables:
    """Add the outbox and inbox tables to a service's MetaData."""
    outbox = Table(OUTBOX, metadata, *_outbox_columns())
    Index(UNSENT_INDEX, outbox.c.seq, postgresql_where=text(_UNSENT), sqlite_where=text(_UNSENT))
    inbox = Table(INBOX, metadata, *_inbox_columns())
    return BusTables(outbox=outbox, inbox=inbox)


def create_bus_tables(op) -> None:
    """For a service's Alembic migration: create both tables, same shape as bus_tables."""
    op.create_table(OUTBOX, *_outbox_columns())
    op.create_index(
        UNSENT_INDEX,
        OUTBOX,
        ["seq"],
        postgresql_where=text(_UNSENT),
        sqlite_where=text(_UNSENT),
    )
    op.create_table(INBOX, *_inbox_columns())


def drop_bus_tables(op) -> None:
    op.drop_table(INBOX)
    op.drop_index(UNSENT_INDEX, table_name=OUTBOX)
    op.drop_table(OUTBOX)
