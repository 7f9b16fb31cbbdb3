"""Identity storage: accounts, refresh tokens (only their SHA-256) and the audit trail.

Accounts carry region_code and region_path (the materialised path of the region tree) like
every tenant-owned row, so a subtree is one indexed prefix match."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, MetaData, String
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.bus import bus_tables
from shared.db import UtcDateTime
from shared.idempotency import Idempotency, idempotency_table


class Base(DeclarativeBase):
    metadata = MetaData()


BUS = bus_tables(Base.metadata)
IDEMPOTENT = Idempotency(idempotency_table(Base.metadata))


class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    stands_for: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[int] = mapped_column(Integer)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # argon2id, in the PHC string form argon2-cffi writes (parameters and salt included).
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Single sign-on (domain.external_subject): the OpenID Connect issuer and subject, or "".
    external_issuer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    external_subject: Mapped[str] = mapped_column(String(255), default="", server_default="")
    __table_args__ = (
        # The listing's keyset order (shared.paging): region path, username, id.
        Index("ix_accounts_region_path_username_id", "region_path", "username", "id"),
        # One account per (issuer, subject): what a verified ID token signs in.
        Index("ux_accounts_external", "external_issuer", "external_subject", unique=True,
              postgresql_where=sql_text("external_subject <> ''"), sqlite_where=sql_text("external_subject <> ''")),
    )


class RefreshTokenRow(Base):
    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)   # SHA-256 hex of the token
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class AuditRow(Base):
    __tablename__ = "audit_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    account_id: Mapped[str] = mapped_column(String(36), default="")
    username: Mapped[str] = mapped_column(String(50), default="")
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(300), default="")
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    client_address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (
        # The listing's keyset order: newest first (at, id), within a region's subtree.
        Index("ix_audit_events_region_path_at_id", "region_path", "at", "id"),
        Index("ix_audit_events_account_at_id", "account_id", "at", "id"),
    )
