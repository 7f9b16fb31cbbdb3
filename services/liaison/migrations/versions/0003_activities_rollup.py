"""liaison: activities (with deputies present and opinions raised) and the roll-up read model.

Revision ID: liaison_0003
Revises: liaison_0002
"""
import sqlalchemy as sa
from alembic import op

from shared.db import region_path_type

revision = "liaison_0003"
down_revision = "liaison_0002"

TZ = sa.DateTime(timezone=True)
COUNTERS = ("visits", "receptions", "people_reached", "opinions_raised", "answered", "transferred",
            "resolved", "escalated", "ratings", "rating_sum",
            "rating_1", "rating_2", "rating_3", "rating_4", "rating_5")


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("venue_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("people_reached", sa.Integer, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("on_schedule", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_activities_region_path_date", "activities", ["region_path", "date"])
    op.create_index("ix_activities_venue_date", "activities", ["venue_id", "date"])
    op.create_table(
        "activity_deputies",
        sa.Column("activity_id", sa.String(36), sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("deputy_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_activity_deputies_deputy", "activity_deputies", ["deputy_id"])
    op.create_table(
        "activity_opinions",
        sa.Column("activity_id", sa.String(36), sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("opinion_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_activity_opinions_opinion", "activity_opinions", ["opinion_id"])
    op.create_table(
        "rollup_daily",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("region_path", region_path_type(op), nullable=False),
        *[sa.Column(c, sa.BigInteger, nullable=False, server_default="0") for c in COUNTERS],
    )
    op.create_index("ix_rollup_daily_path_day", "rollup_daily", ["region_path", "day"])
    op.create_table(
        "rollup_resolve_days",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("days", sa.Integer, primary_key=True),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_rollup_resolve_days_path_day", "rollup_resolve_days", ["region_path", "day"])
    op.create_table(
        "rollup_resolve_months",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("days", sa.Integer, primary_key=True),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_rollup_resolve_months_path_month", "rollup_resolve_months", ["region_path", "month"])


def downgrade() -> None:
    for table in ("rollup_resolve_months", "rollup_resolve_days", "rollup_daily", "activity_opinions", "activity_deputies",
                  "activities"):
        op.drop_table(table)
