"""balloting: ballot rules, campaigns and their steps, proposals and reviews, the candidate
list, the roster read model (ballot_deputies) and idempotency keys of its create RPCs.

Revision ID: balloting_0002
Revises: balloting_0001
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type
from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "balloting_0002"
down_revision = "balloting_0001"


def upgrade() -> None:
    create_idempotency_table(op)
    op.create_table(
        "ballot_rules",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("min_surplus_percent", sa.Integer, nullable=False))
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("seats", sa.Integer, nullable=False),
        sa.Column("min_surplus_percent", sa.Integer, nullable=False),
        sa.Column("session_date", sa.Date, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("region_code", "year", name="uq_campaigns_region_year"))
    op.create_index("ix_campaigns_region_path_year_id", "campaigns", ["region_path", "year", "id"])
    op.create_table(
        "campaign_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("actor_name", sa.String(50), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False))
    op.create_index("ix_campaign_steps_campaign_id", "campaign_steps", ["campaign_id"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tracking_code", sa.String(16), nullable=False, unique=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("investment_fen", sa.BigInteger, nullable=False),
        sa.Column("location_region", sa.String(9), nullable=False),
        sa.Column("proposer_kind", sa.Integer, nullable=False),
        sa.Column("proposer_id", sa.String(100), nullable=False),
        sa.Column("proposer_name", sa.String(50), nullable=False),
        sa.Column("proposer_phone", sa.String(20), nullable=False),
        sa.Column("supporters", sa.Integer, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("merged_into", sa.String(36), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False))
    op.create_index("ix_proposals_campaign_received_id", "proposals", ["campaign_id", "received_at", "id"])
    op.create_table(
        "proposal_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.String(36), sa.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reviewer_kind", sa.Integer, nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("reviewer_name", sa.String(50), nullable=False),
        sa.Column("criterion", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("opinion", sa.Text, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("proposal_id", "reviewer_kind", "reviewer", "criterion", name="uq_proposal_reviews_once"))
    op.create_table(
        "candidates",
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("proposal_id", sa.String(36), sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("funding_source", sa.String(200), nullable=False),
        sa.Column("land", sa.String(200), nullable=False),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False))
    op.create_table(
        "ballot_deputies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("levels", sa.String(30), nullable=False),
        sa.Column("specialties", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False))
    op.create_index("ix_ballot_deputies_region_path_name_id", "ballot_deputies", ["region_path", "name", "id"])


def downgrade() -> None:
    for table in ("ballot_deputies", "candidates", "proposal_reviews", "proposals", "campaign_steps", "campaigns",
                  "ballot_rules"):
        op.drop_table(table)
    drop_idempotency_table(op)
