"""balloting: the secret ballot (rounds, voters, ballots, receipts) and the rules' quorum and
adoption base. ballots and ballot_receipts are WITHOUT ROWID tables on SQLite (stored in the
order of their random keys, never of the casts); see docs/decisions.md, "The secret ballot".

Revision ID: balloting_0003
Revises: balloting_0002
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "balloting_0003"
down_revision = "balloting_0002"


def upgrade() -> None:
    op.add_column("ballot_rules", sa.Column("quorum_percent", sa.Integer, nullable=False, server_default="50"))
    op.add_column("ballot_rules", sa.Column("adoption_base", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "ballot_rounds",
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("seats", sa.Integer, nullable=False),
        sa.Column("candidates", sa.Text, nullable=False),
        sa.Column("eligible", sa.Integer, nullable=False),
        sa.Column("quorum_percent", sa.Integer, nullable=False),
        sa.Column("adoption_base", sa.Integer, nullable=False),
        sa.Column("paper_issued", sa.Integer, nullable=False),
        sa.Column("paper_returned", sa.Integer, nullable=False),
        sa.Column("adopted", sa.Text, nullable=False),
        sa.Column("runoff", sa.Text, nullable=False),
        sa.Column("bulletin", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime, nullable=True))
    op.create_table(
        "ballot_voters",
        sa.Column("campaign_id", sa.String(36), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("deputy_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("present", sa.Boolean, nullable=False),
        sa.Column("checked_in_by", sa.String(100), nullable=False),
        sa.Column("voted", sa.Boolean, nullable=False))
    op.create_table(
        "ballots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("marks", sa.String(2000), nullable=False),
        sa.Column("valid", sa.Boolean, nullable=False),
        sqlite_with_rowid=False)
    op.create_index("ix_ballots_campaign_round", "ballots", ["campaign_id", "round", "id"])
    op.create_table(
        "ballot_receipts",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sqlite_with_rowid=False)
    op.create_index("ix_ballot_receipts_campaign_round", "ballot_receipts", ["campaign_id", "round", "code"])


def downgrade() -> None:
    for table in ("ballot_receipts", "ballots", "ballot_voters", "ballot_rounds"):
        op.drop_table(table)
    op.drop_column("ballot_rules", "adoption_base")
    op.drop_column("ballot_rules", "quorum_percent")
