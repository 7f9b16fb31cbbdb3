"""balloting: outbox and inbox tables.

Revision ID: balloting_0001
Revises:
"""
from alembic import op

from shared.bus.schema import create_bus_tables, drop_bus_tables

revision = "balloting_0001"
down_revision = None


def upgrade() -> None:
    create_bus_tables(op)


def downgrade() -> None:
    drop_bus_tables(op)
