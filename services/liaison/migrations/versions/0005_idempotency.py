"""liaison: idempotency keys of create RPCs (AIP-155 request_id).

Revision ID: liaison_0005
Revises: liaison_0004
"""
from alembic import op

from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "liaison_0005"
down_revision = "liaison_0004"


def upgrade() -> None:
    create_idempotency_table(op)


def downgrade() -> None:
    drop_idempotency_table(op)
