"""identity: the read model of the roster's deputies (deputies.py), fed by roster events.

Revision ID: identity_0002
Revises: identity_0001
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type

revision = "identity_0002"
down_revision = "identity_0001"


def upgrade() -> None:
    op.create_table(
        "roster_deputies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_roster_deputies_region_path", "roster_deputies", ["region_path"])


def downgrade() -> None:
    op.drop_table("roster_deputies")
