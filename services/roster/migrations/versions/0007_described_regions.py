"""roster: the regions it last published (RegionDescribed), so a start publishes only what
the region file changed.

Revision ID: roster_0007
Revises: roster_0006
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "roster_0007"
down_revision = "roster_0006"


def upgrade() -> None:
    op.create_table(
        "described_regions",
        sa.Column("code", sa.String(9), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("parent_code", sa.String(9), nullable=False),
        sa.Column("described_at", UtcDateTime, nullable=False))


def downgrade() -> None:
    op.drop_table("described_regions")
