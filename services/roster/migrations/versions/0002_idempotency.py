"""roster: idempotency keys of create RPCs (AIP-155 request_id).

Revision ID: roster_0002
Revises: roster_0001
"""
from alembic import op

from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "roster_0002"
down_revision = "roster_0001"


def upgrade() -> None:
    create_idempotency_table(op)


def downgrade() -> None:
    drop_idempotency_table(op)
