"""identity: accounts, refresh tokens, audit trail, outbox, inbox and idempotency keys.

Revision ID: identity_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from shared.bus.schema import create_bus_tables, drop_bus_tables
from shared.db import UtcDateTime, region_path_type
from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "identity_0001"
down_revision = None


def upgrade() -> None:
    create_bus_tables(op)
    create_idempotency_table(op)
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(50), nullable=False, unique=True),
        sa.Column("display_name", sa.String(50), nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("stands_for", sa.String(50), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("must_change_password", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("failed_count", sa.Integer, nullable=False),
        sa.Column("first_failed_at", UtcDateTime, nullable=True),
        sa.Column("locked_until", UtcDateTime, nullable=True),
        sa.Column("status_reason", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("created_by", sa.String(300), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("last_sign_in_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_accounts_region_path_username_id", "accounts", ["region_path", "username", "id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("issued_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_refresh_tokens_account_id", "refresh_tokens", ["account_id"])
    op.create_index("ix_refresh_tokens_expires_at", "refresh_tokens", ["expires_at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("username", sa.String(50), nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("actor_name", sa.String(50), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
    )
    op.create_index("ix_audit_events_region_path_at_id", "audit_events", ["region_path", "at", "id"])
    op.create_index("ix_audit_events_account_at_id", "audit_events", ["account_id", "at", "id"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("refresh_tokens")
    op.drop_table("accounts")
    drop_idempotency_table(op)
    drop_bus_tables(op)
