"""evaluation: an inspection's participants not yet known as deputies of its branch
(perf_pending), so a deputy whose roster event arrives after the inspection is credited then.

Revision ID: evaluation_0007
Revises: evaluation_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "evaluation_0007"
down_revision = "evaluation_0006"


def upgrade() -> None:
    op.create_table(
        "perf_pending",
        sa.Column("candidate", sa.String(50), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True))


def downgrade() -> None:
    op.drop_table("perf_pending")
