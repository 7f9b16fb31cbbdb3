"""supervision: livelihood projects with their departments, tasks, milestones and history,
and idempotency keys of its create RPCs.

Revision ID: supervision_0002
Revises: supervision_0001
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type
from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "supervision_0002"
down_revision = "supervision_0001"


def upgrade() -> None:
    create_idempotency_table(op)
    op.create_table(
        "projects",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("origin", sa.Integer, nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("proposal_id", sa.String(36), nullable=True),
        sa.Column("funding_source", sa.String(200), nullable=False),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("location_region", sa.String(9), nullable=False),
        sa.Column("budget_fen", sa.BigInteger, nullable=False),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("proposal_id", name="uq_projects_proposal_id"))
    op.create_index("ix_projects_region_path_year_id", "projects", ["region_path", "year", "id"])
    op.create_table(
        "project_departments",
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("department", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("responsible_person", sa.String(50), nullable=False))
    op.create_index("ix_project_departments_department", "project_departments", ["department", "project_id"])
    op.create_table(
        "project_tasks",
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("department", sa.String(100), nullable=False))
    op.create_table(
        "milestones",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("weight", sa.Integer, nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("spent_fen", sa.BigInteger, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("attachments", sa.Text, nullable=False),
        sa.Column("reported_at", UtcDateTime, nullable=True),
        sa.Column("reported_by", sa.String(100), nullable=False))
    op.create_index("ix_milestones_project_id", "milestones", ["project_id"])
    op.create_table(
        "project_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("before", sa.Text, nullable=False),
        sa.Column("after", sa.Text, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("actor_name", sa.String(50), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False))
    op.create_index("ix_project_changes_project_id", "project_changes", ["project_id"])


def downgrade() -> None:
    op.drop_table("project_changes")
    op.drop_table("milestones")
    op.drop_table("project_tasks")
    op.drop_table("project_departments")
    op.drop_table("projects")
    drop_idempotency_table(op)
