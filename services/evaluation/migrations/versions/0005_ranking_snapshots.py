"""evaluation: published rankings kept as published (perf_snapshots).

Revision ID: evaluation_0005
Revises: evaluation_0004
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "evaluation_0005"
down_revision = "evaluation_0004"


def upgrade() -> None:
    op.create_table(
        "perf_snapshots",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("level", sa.Integer, primary_key=True),
        sa.Column("entries", sa.Text, nullable=False),
        sa.Column("published_by", sa.String(100), nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False))


def downgrade() -> None:
    op.drop_table("perf_snapshots")
