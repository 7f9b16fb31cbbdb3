"""evaluation: each rectification's history (rectification_steps): every explanation and plan
submitted, as submitted, and the lead department it was addressed to once the project's plan
named one.

Revision ID: evaluation_0006
Revises: evaluation_0005
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "evaluation_0006"
down_revision = "evaluation_0005"


def upgrade() -> None:
    op.create_table(
        "rectification_steps",
        sa.Column("rectification_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("by_subject", sa.String(100), nullable=False),
        sa.Column("by_role", sa.String(20), nullable=False),
        sa.Column("by_name", sa.String(50), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("department_name", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("rectification_steps")
