"""evaluation: the read models of the roster's deputies and supervision's projects, idempotency
keys, and the satisfaction vote with its rectifications and inquiries. satisfaction_ballots
and satisfaction_receipts are WITHOUT ROWID tables on SQLite (stored in key order, not in the
order of the casts).

Revision ID: evaluation_0002
Revises: evaluation_0001
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type
from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "evaluation_0002"
down_revision = "evaluation_0001"


def upgrade() -> None:
    create_idempotency_table(op)
    op.create_table(
        "evaluation_deputies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("levels", sa.String(30), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False))
    op.create_index("ix_evaluation_deputies_region_path_name_id", "evaluation_deputies",
                    ["region_path", "name", "id"])
    op.create_table(
        "year_projects",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("progress", sa.Numeric(5, 2), nullable=False),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("lead_department", sa.String(100), nullable=False),
        sa.Column("lead_department_name", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False))
    op.create_index("ix_year_projects_region_path_year_id", "year_projects", ["region_path", "year", "id"])
    op.create_table(
        "satisfaction_rules",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("quorum_percent", sa.Integer, nullable=False),
        sa.Column("satisfied_percent", sa.Integer, nullable=False),
        sa.Column("acceptable_percent", sa.Integer, nullable=False),
        sa.Column("plan_days", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False))
    op.create_table(
        "satisfaction_votes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("eligible", sa.Integer, nullable=False),
        sa.Column("quorum_percent", sa.Integer, nullable=False),
        sa.Column("satisfied_percent", sa.Integer, nullable=False),
        sa.Column("acceptable_percent", sa.Integer, nullable=False),
        sa.Column("plan_days", sa.Integer, nullable=False),
        sa.Column("rate", sa.String(10), nullable=False),
        sa.Column("bulletin", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.Column("published_at", UtcDateTime, nullable=True),
        sa.UniqueConstraint("region_code", "year", name="uq_satisfaction_votes_region_year"))
    op.create_index("ix_satisfaction_votes_region_path_year_id", "satisfaction_votes", ["region_path", "year", "id"])
    op.create_table(
        "satisfaction_vote_projects",
        sa.Column("vote_id", sa.String(36), sa.ForeignKey("satisfaction_votes.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("finished", sa.Boolean, nullable=False),
        sa.Column("satisfied", sa.Integer, nullable=False),
        sa.Column("basically", sa.Integer, nullable=False),
        sa.Column("unsatisfied", sa.Integer, nullable=False),
        sa.Column("verdict", sa.Integer, nullable=False))
    op.create_table(
        "satisfaction_voters",
        sa.Column("vote_id", sa.String(36), primary_key=True),
        sa.Column("deputy_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("voted", sa.Boolean, nullable=False))
    op.create_table(
        "satisfaction_ballots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("vote_id", sa.String(36), nullable=False),
        sa.Column("marks", sa.String(500), nullable=False),
        sqlite_with_rowid=False)
    op.create_index("ix_satisfaction_ballots_vote", "satisfaction_ballots", ["vote_id", "id"])
    op.create_table(
        "satisfaction_receipts",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("vote_id", sa.String(36), nullable=False),
        sqlite_with_rowid=False)
    op.create_index("ix_satisfaction_receipts_vote", "satisfaction_receipts", ["vote_id", "code"])
    op.create_table(
        "rectifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("vote_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("verdict", sa.Integer, nullable=False),
        sa.Column("unfinished", sa.Boolean, nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("department_name", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("plan_due", sa.Date, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("reminders", sa.Text, nullable=False),
        sa.Column("submitted_at", UtcDateTime, nullable=True),
        sa.Column("completed_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("vote_id", "project_id", name="uq_rectifications_vote_project"))
    op.create_index("ix_rectifications_region_path_year_id", "rectifications", ["region_path", "year", "id"])
    op.create_table(
        "inquiries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("rectification_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("organ", sa.String(100), nullable=False),
        sa.Column("questions", sa.Text, nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("follow_up", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("opened_by_name", sa.String(50), nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("answered_at", UtcDateTime, nullable=True))
    op.create_index("ix_inquiries_region_path_opened_id", "inquiries", ["region_path", "opened_at", "id"])


def downgrade() -> None:
    for table in ("inquiries", "rectifications", "satisfaction_receipts", "satisfaction_ballots",
                  "satisfaction_voters", "satisfaction_vote_projects", "satisfaction_votes", "satisfaction_rules",
                  "year_projects", "evaluation_deputies"):
        op.drop_table(table)
    drop_idempotency_table(op)
