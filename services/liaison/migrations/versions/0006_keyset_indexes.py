"""liaison: indexes in the listings' keyset order (page tokens are cursors, AIP-158).

Revision ID: liaison_0006
Revises: liaison_0005
"""
from alembic import op

revision = "liaison_0006"
down_revision = "liaison_0005"


def upgrade() -> None:
    op.create_index("ix_opinions_raised_at_id", "opinions", ["raised_at", "id"])
    op.create_index("ix_activities_date_created_at_id", "activities", ["date", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_activities_date_created_at_id", table_name="activities")
    op.drop_index("ix_opinions_raised_at_id", table_name="opinions")
