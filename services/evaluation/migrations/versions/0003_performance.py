"""evaluation: deputies' performance (performance_tables.py): the source events as received,
the items derived from them with their points, totals per deputy and year, versioned rules
per region and the rankings' publications.

Revision ID: evaluation_0003
Revises: evaluation_0002
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type

revision = "evaluation_0003"
down_revision = "evaluation_0002"


def upgrade() -> None:
    op.create_table(
        "perf_sources",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("resolved", sa.Text, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False))
    op.create_index("ix_perf_sources_year", "perf_sources", ["year"])
    op.create_table(
        "perf_items",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("deputy_id", sa.String(36), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("source_event_id", sa.String(36), nullable=False),
        sa.Column("source_type", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("rule_version_id", sa.String(36), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("credited", sa.Integer, nullable=False))
    op.create_index("ix_perf_items_deputy_year_kind", "perf_items", ["deputy_id", "year", "kind"])
    op.create_index("ix_perf_items_year_region_path", "perf_items", ["year", "region_path"])
    op.create_table(
        "perf_totals",
        sa.Column("deputy_id", sa.String(36), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("items", sa.Integer, nullable=False))
    op.create_index("ix_perf_totals_year_deputy", "perf_totals", ["year", "deputy_id"])
    op.create_table(
        "perf_rules",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("effective_year", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("region_code", "number", name="uq_perf_rules_region_number"))
    op.create_table(
        "perf_publications",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("published_by", sa.String(100), nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False))


def downgrade() -> None:
    for name in ("perf_publications", "perf_rules", "perf_totals", "perf_items", "perf_sources"):
        op.drop_table(name)
