"""evaluation: activity funding (经费): venues as roster events tell them, standards by region
and year, budgets and spending; and the roll-up's facts (rollup_facts).

Revision ID: evaluation_0004
Revises: evaluation_0003
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type

revision = "evaluation_0004"
down_revision = "evaluation_0003"


def upgrade() -> None:
    op.create_table(
        "funding_venues",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False))
    op.create_index("ix_funding_venues_region_path", "funding_venues", ["region_path"])
    op.create_table(
        "funding_standards",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("from_year", sa.Integer, primary_key=True),
        sa.Column("prefecture_fen", sa.BigInteger, nullable=False),
        sa.Column("county_fen", sa.BigInteger, nullable=False),
        sa.Column("township_fen", sa.BigInteger, nullable=False),
        sa.Column("daily_subsidy_fen", sa.BigInteger, nullable=False),
        sa.Column("venue_allowance_fen", sa.BigInteger, nullable=False),
        sa.Column("overspend", sa.Integer, nullable=False),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", UtcDateTime, nullable=False))
    op.create_table(
        "funding_budgets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("holder_id", sa.String(36), nullable=False),
        sa.Column("holder_name", sa.String(100), nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("levels", sa.String(30), nullable=False),
        sa.Column("allocated_fen", sa.BigInteger, nullable=False),
        sa.Column("spent_fen", sa.BigInteger, nullable=False),
        sa.Column("subsidy_fen", sa.BigInteger, nullable=False),
        sa.Column("over_fen", sa.BigInteger, nullable=False),
        sa.Column("standards_region", sa.String(9), nullable=False),
        sa.Column("standards_from_year", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("kind", "holder_id", "year", name="uq_funding_budgets_holder_year"))
    op.create_index("ix_funding_budgets_year_region_path_id", "funding_budgets", ["year", "region_path", "id"])
    op.create_table(
        "funding_spending",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("budget_id", sa.String(36), sa.ForeignKey("funding_budgets.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("subsidy_days", sa.Integer, nullable=False),
        sa.Column("over_fen", sa.BigInteger, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_by_name", sa.String(50), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False))
    op.create_index("ix_funding_spending_budget_id", "funding_spending", ["budget_id"])
    op.create_table(
        "rollup_facts",
        sa.Column("fact", sa.String(80), primary_key=True),
        sa.Column("counter", sa.String(40), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False))
    op.create_index("ix_rollup_facts_year_region_path", "rollup_facts", ["year", "region_path"])


def downgrade() -> None:
    op.drop_table("rollup_facts")
    op.drop_table("funding_spending")
    op.drop_table("funding_budgets")
    op.drop_table("funding_standards")
    op.drop_table("funding_venues")
