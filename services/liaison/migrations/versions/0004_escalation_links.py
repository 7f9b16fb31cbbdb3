"""liaison: escalation across deployments - one linked case per original case, and how many
of a linked case's history rows were inherited from the tier below.

Revision ID: liaison_0004
Revises: liaison_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "liaison_0004"
down_revision = "liaison_0003"

LINKED = "origin_opinion_id <> ''"


def upgrade() -> None:
    with op.batch_alter_table("opinions") as t:
        t.add_column(sa.Column("inherited_steps", sa.Integer, nullable=False, server_default="0"))
    op.drop_index("ix_opinions_origin", table_name="opinions")
    # A re-published OpinionEscalated (same case, new event id) must not open a second case.
    op.create_index("ux_opinions_origin", "opinions", ["origin_region", "origin_opinion_id"], unique=True,
                    postgresql_where=sa.text(LINKED), sqlite_where=sa.text(LINKED))


def downgrade() -> None:
    op.drop_index("ux_opinions_origin", table_name="opinions")
    op.create_index("ix_opinions_origin", "opinions", ["origin_region", "origin_opinion_id"])
    with op.batch_alter_table("opinions") as t:
        t.drop_column("inherited_steps")
