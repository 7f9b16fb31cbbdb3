"""supervision: reminder letters (提醒督办函) issued by the lateness sweep.

Revision ID: supervision_0004
Revises: supervision_0003
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type

revision = "supervision_0004"
down_revision = "supervision_0003"


def upgrade() -> None:
    op.create_table(
        "letters",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("lateness", sa.String(120), nullable=False, unique=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("milestone_id", sa.String(36), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("department_name", sa.String(50), nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("days_late", sa.Integer, nullable=False),
        sa.Column("what_is_late", sa.Text, nullable=False),
        sa.Column("reply_by", sa.Date, nullable=False),
        sa.Column("issuer", sa.String(100), nullable=False),
        sa.Column("issued_at", UtcDateTime, nullable=False),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("region_code", "year", "seq", name="uq_letters_region_year_seq"))
    op.create_index("ix_letters_project_id", "letters", ["project_id"])
    op.create_index("ix_letters_region_path_issued_id", "letters", ["region_path", "issued_at", "id"])


def downgrade() -> None:
    op.drop_table("letters")
