"""balloting: statistics rolled up from balloting events (campaign_figures, figure_shortlist).

Revision ID: balloting_0004
Revises: balloting_0003
"""
import sqlalchemy as sa
from alembic import op

from shared.db import region_path_type

revision = "balloting_0004"
down_revision = "balloting_0003"


def upgrade() -> None:
    op.create_table(
        "campaign_figures",
        sa.Column("campaign_id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("received", sa.Integer, nullable=False),
        sa.Column("shortlisted", sa.Integer, nullable=False),
        sa.Column("candidates", sa.Integer, nullable=False),
        sa.Column("adopted", sa.Integer, nullable=False),
        sa.Column("investment_fen", sa.BigInteger, nullable=False))
    op.create_index("ix_campaign_figures_region_path_year", "campaign_figures", ["region_path", "year"])
    op.create_table(
        "figure_shortlist",
        sa.Column("proposal_id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("shortlisted", sa.Boolean, nullable=False))
    op.create_index("ix_figure_shortlist_campaign_id", "figure_shortlist", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("figure_shortlist")
    op.drop_table("campaign_figures")
