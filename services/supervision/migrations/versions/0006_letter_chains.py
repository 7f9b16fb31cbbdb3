"""supervision: chains of reminder letters (firmer follow-ups, the tier above's letter), the
departments' answers, each project's standing as last swept, and the statistics rolled up
from events (figure_projects, figure_items, figure_counts).

Revision ID: supervision_0006
Revises: supervision_0005
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type

revision = "supervision_0006"
down_revision = "supervision_0005"


def upgrade() -> None:
    with op.batch_alter_table("projects") as t:
        t.add_column(sa.Column("standing", sa.Integer, nullable=False, server_default="0"))
        t.add_column(sa.Column("milestones_late", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("letters") as t:
        for name, size in (("title", 20), ("follows_id", 36), ("chain", 120), ("subject_text", 300),
                           ("subject_region", 9), ("answered_by", 100), ("escalated_to", 9), ("origin_region", 9),
                           ("origin_letter_id", 36), ("origin_number", 100)):
            t.add_column(sa.Column(name, sa.String(size), nullable=False, server_default=""))
        t.add_column(sa.Column("level", sa.Integer, nullable=False, server_default="1"))
        t.add_column(sa.Column("answer", sa.Text, nullable=False, server_default=""))
        t.add_column(sa.Column("answered_on", sa.Date, nullable=True))
        t.add_column(sa.Column("answered_at", UtcDateTime, nullable=True))
    # Letters issued before chains existed are each the first of their own chain.
    op.execute("UPDATE letters SET chain = lateness, title = '提醒督办函', subject_region = region_code")
    op.execute("UPDATE letters SET subject_text = (SELECT p.year || '年民生实事项目“' || p.title || '”' "
               "FROM projects p WHERE p.id = letters.project_id) WHERE project_id IS NOT NULL")
    op.create_index("ix_letters_chain", "letters", ["chain"])
    op.create_index("ix_letters_follows_id", "letters", ["follows_id"])
    op.create_table(
        "figure_projects",
        sa.Column("project_id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("standing", sa.Integer, nullable=False),
        sa.Column("milestones_late", sa.Integer, nullable=False))
    op.create_index("ix_figure_projects_region_path_year", "figure_projects", ["region_path", "year"])
    op.create_table(
        "figure_items",
        sa.Column("item_id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("reply_class", sa.Integer, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False))
    op.create_index("ix_figure_items_region_path_year", "figure_items", ["region_path", "year"])
    op.create_table(
        "figure_counts",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False))
    op.create_index("ix_figure_counts_region_path_year", "figure_counts", ["region_path", "year"])


def downgrade() -> None:
    op.drop_table("figure_counts")
    op.drop_table("figure_items")
    op.drop_table("figure_projects")
    op.drop_index("ix_letters_follows_id", table_name="letters")
    op.drop_index("ix_letters_chain", table_name="letters")
    with op.batch_alter_table("letters") as t:
        for name in ("title", "follows_id", "chain", "subject_text", "subject_region", "answered_by",
                     "escalated_to", "origin_region", "origin_letter_id", "origin_number", "level", "answer",
                     "answered_on", "answered_at"):
            t.drop_column(name)
    with op.batch_alter_table("projects") as t:
        t.drop_column("standing")
        t.drop_column("milestones_late")
