"""liaison: opinions and their case history; the roster read model (directory_*).

Revision ID: liaison_0002
Revises: liaison_0001
"""
import sqlalchemy as sa
from alembic import op

from shared.db import region_path_type

revision = "liaison_0002"
down_revision = "liaison_0001"

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "opinions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tracking_code", sa.String(16), nullable=False, unique=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("handling_region", sa.String(9), nullable=False),
        sa.Column("channel", sa.Integer, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("deputy_id", sa.String(36), nullable=False),
        sa.Column("venue_id", sa.String(36), nullable=False),
        sa.Column("contact_name", sa.String(50), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("transfer_department", sa.String(100), nullable=False),
        sa.Column("transfer_department_name", sa.String(100), nullable=False),
        sa.Column("transfer_deadline", TZ, nullable=True),
        sa.Column("transfer_reply", sa.Text, nullable=False),
        sa.Column("transfer_replied_at", TZ, nullable=True),
        sa.Column("resolved", sa.Boolean, nullable=True),
        sa.Column("feedback", sa.Text, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("rating_comment", sa.String(500), nullable=False),
        sa.Column("raised_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=True),
        sa.Column("resolved_at", TZ, nullable=True),
        sa.Column("origin_opinion_id", sa.String(36), nullable=False),
        sa.Column("origin_region", sa.String(9), nullable=False),
        sa.Column("escalated_to_region", sa.String(9), nullable=False),
        sa.Column("activity_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_opinions_status_due_at", "opinions", ["status", "due_at"])
    op.create_index("ix_opinions_region_path_raised_at", "opinions", ["region_path", "raised_at"])
    op.create_index("ix_opinions_transfer_department", "opinions", ["transfer_department"])
    op.create_index("ix_opinions_deputy_id", "opinions", ["deputy_id"])
    op.create_index("ix_opinions_origin", "opinions", ["origin_region", "origin_opinion_id"])
    op.create_table(
        "opinion_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("opinion_id", sa.String(36), sa.ForeignKey("opinions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_index("ix_opinion_steps_opinion_id", "opinion_steps", ["opinion_id"])
    op.create_table(
        "directory_deputies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("card_code", sa.String(16), nullable=False, unique=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_directory_deputies_region_path", "directory_deputies", ["region_path"])
    op.create_table(
        "directory_venues",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("days_of_month", sa.Text, nullable=False),
        sa.Column("hours", sa.String(50), nullable=False),
    )
    op.create_index("ix_directory_venues_region_path", "directory_venues", ["region_path"])
    op.create_table(
        "directory_venue_members",
        sa.Column("venue_id", sa.String(36), primary_key=True),
        sa.Column("deputy_id", sa.String(36), primary_key=True),
    )
    op.create_index("ix_directory_venue_members_deputy", "directory_venue_members", ["deputy_id"])


def downgrade() -> None:
    for table in ("directory_venue_members", "directory_venues", "directory_deputies",
                  "opinion_steps", "opinions"):
        op.drop_table(table)
