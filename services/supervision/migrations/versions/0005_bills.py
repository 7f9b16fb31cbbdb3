"""supervision: deputies' bills and suggestions (items: co-signers, departments, meetings with
the deputy, replies, history; a region's rules), meetings with heads of state organs, and
letters about an item as well as a project (a subject kind and id).

Revision ID: supervision_0005
Revises: supervision_0004
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime, region_path_type

revision = "supervision_0005"
down_revision = "supervision_0004"


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=True),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("requested_kind", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("submitter_id", sa.String(100), nullable=False),
        sa.Column("submitter_name", sa.String(50), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("signers_required", sa.Integer, nullable=False),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("final_rating", sa.Integer, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("time_limit", sa.Date, nullable=True),
        sa.Column("four_recorded_by", sa.String(100), nullable=False),
        sa.Column("four_recorded_at", UtcDateTime, nullable=True),
        sa.Column("submitted_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("region_code", "year", "kind", "seq", name="uq_items_region_year_kind_seq"))
    op.create_index("ix_items_region_path_submitted_id", "items", ["region_path", "submitted_at", "id"])
    op.create_index("ix_items_submitter", "items", ["submitter_id"])
    op.create_table(
        "item_co_signers",
        sa.Column("item_id", sa.String(36), sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("deputy_id", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("signed_at", UtcDateTime, nullable=True))
    op.create_index("ix_item_co_signers_deputy", "item_co_signers", ["deputy_id", "item_id"])
    op.create_table(
        "item_departments",
        sa.Column("item_id", sa.String(36), sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("department", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("role", sa.Integer, nullable=False),
        sa.Column("responsible_person", sa.String(50), nullable=False))
    op.create_index("ix_item_departments_department", "item_departments", ["department", "item_id"])
    op.create_table(
        "item_meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(36), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("form", sa.Integer, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("item_id", "round", "stage", name="uq_item_meetings_round_stage"))
    op.create_index("ix_item_meetings_item_id", "item_meetings", ["item_id"])
    op.create_table(
        "item_replies",
        sa.Column("item_id", sa.String(36), sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("reply_class", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("replied_by", sa.String(100), nullable=False),
        sa.Column("replied_at", UtcDateTime, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("rating_comment", sa.Text, nullable=False),
        sa.Column("rated_at", UtcDateTime, nullable=True))
    op.create_table(
        "item_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(36), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("before", sa.Text, nullable=False),
        sa.Column("after", sa.Text, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("actor_name", sa.String(50), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False))
    op.create_index("ix_item_changes_item_id", "item_changes", ["item_id"])
    op.create_table(
        "item_rules",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("bill_signers_required", sa.Integer, nullable=False),
        sa.Column("handling_months", sa.Integer, nullable=False),
        sa.Column("rehandling_months", sa.Integer, nullable=False))
    op.create_table(
        "organ_meetings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("deputy_id", sa.String(100), nullable=False),
        sa.Column("deputy_name", sa.String(50), nullable=False),
        sa.Column("organ", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("meeting_on", sa.Date, nullable=True),
        sa.Column("arranged_organ", sa.String(100), nullable=False),
        sa.Column("head_name", sa.String(50), nullable=False),
        sa.Column("head_post", sa.String(50), nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("follow_up", sa.Text, nullable=False),
        sa.Column("follow_up_result", sa.Text, nullable=False),
        sa.Column("arranged_by", sa.String(100), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("completed_by", sa.String(100), nullable=False),
        sa.Column("requested_at", UtcDateTime, nullable=False),
        sa.Column("arranged_at", UtcDateTime, nullable=True),
        sa.Column("held_at", UtcDateTime, nullable=True),
        sa.Column("completed_at", UtcDateTime, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False))
    op.create_index("ix_organ_meetings_deputy_id", "organ_meetings", ["deputy_id"])
    op.create_index("ix_organ_meetings_region_path_requested_id", "organ_meetings",
                    ["region_path", "requested_at", "id"])
    # A letter's subject: a project (every letter so far) or an item.
    op.add_column("letters", sa.Column("subject_kind", sa.String(20), nullable=False, server_default="project"))
    op.add_column("letters", sa.Column("subject_id", sa.String(36), nullable=False, server_default=""))
    op.execute("UPDATE letters SET subject_id = project_id")
    with op.batch_alter_table("letters") as t:
        t.alter_column("project_id", existing_type=sa.String(36), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM letters WHERE project_id IS NULL")
    with op.batch_alter_table("letters") as t:
        t.alter_column("project_id", existing_type=sa.String(36), nullable=False)
        t.drop_column("subject_id")
        t.drop_column("subject_kind")
    for table in ("organ_meetings", "item_rules", "item_changes", "item_replies", "item_meetings",
                  "item_departments", "item_co_signers", "items"):
        op.drop_table(table)
