"""roster: indexes in the listings' keyset order (page tokens are cursors, AIP-158).

Revision ID: roster_0003
Revises: roster_0002
"""
from alembic import op

revision = "roster_0003"
down_revision = "roster_0002"


def upgrade() -> None:
    op.drop_index("ix_deputies_region_path_name", table_name="deputies")
    op.create_index("ix_deputies_region_path_name_id", "deputies", ["region_path", "name", "id"])
    op.drop_index("ix_venues_region_path", table_name="venues")
    op.create_index("ix_venues_region_path_name_id", "venues", ["region_path", "name", "id"])


def downgrade() -> None:
    op.drop_index("ix_venues_region_path_name_id", table_name="venues")
    op.create_index("ix_venues_region_path", "venues", ["region_path"])
    op.drop_index("ix_deputies_region_path_name_id", table_name="deputies")
    op.create_index("ix_deputies_region_path_name", "deputies", ["region_path", "name"])
