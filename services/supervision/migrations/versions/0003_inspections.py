"""supervision: inspections (督导调研) and the problems they found.

Revision ID: supervision_0003
Revises: supervision_0002
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type

revision = "supervision_0003"
down_revision = "supervision_0002"


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("scheduled_on", sa.Date, nullable=False),
        sa.Column("held_on", sa.Date, nullable=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("participants", sa.Text, nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_role", sa.String(20), nullable=False),
        sa.Column("created_name", sa.String(50), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False))
    op.create_index("ix_inspections_project_id", "inspections", ["project_id"])
    op.create_index("ix_inspections_region_path_scheduled_id", "inspections", ["region_path", "scheduled_on", "id"])
    op.create_table(
        "inspection_problems",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("inspection_id", sa.String(36), sa.ForeignKey("inspections.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("solution", sa.Text, nullable=False),
        sa.Column("solved_by", sa.String(100), nullable=False),
        sa.Column("solved_at", UtcDateTime, nullable=True))
    op.create_index("ix_inspection_problems_inspection_id", "inspection_problems", ["inspection_id"])


def downgrade() -> None:
    op.drop_table("inspection_problems")
    op.drop_table("inspections")
