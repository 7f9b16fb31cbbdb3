"""roster: deputies, seats, specialties, status history, venues, double contact; outbox and inbox.

Revision ID: roster_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from shared.bus.schema import create_bus_tables, drop_bus_tables
from shared.db import region_path_type

revision = "roster_0001"
down_revision = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_bus_tables(op)
    op.create_table(
        "deputies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("gender", sa.Integer, nullable=False),
        sa.Column("ethnicity", sa.String(20), nullable=False),
        sa.Column("work_unit", sa.String(100), nullable=False),
        sa.Column("position", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("card_code", sa.String(16), nullable=False, unique=True),
        sa.Column("show_work_unit", sa.Boolean, nullable=False),
        sa.Column("show_position", sa.Boolean, nullable=False),
        sa.Column("show_phone", sa.Boolean, nullable=False),
        sa.Column("show_specialties", sa.Boolean, nullable=False),
        sa.Column("pledge", sa.String(500), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_deputies_region_path_name", "deputies", ["region_path", "name"])
    op.create_index("ix_deputies_import_key", "deputies", ["region_code", "name", "phone"])
    op.create_table(
        "deputy_seats",
        sa.Column("deputy_id", sa.String(36), sa.ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("level", sa.Integer, primary_key=True),
        sa.Column("term", sa.String(20), nullable=False),
        sa.Column("electoral_district", sa.String(50), nullable=False),
    )
    op.create_index("ix_deputy_seats_level", "deputy_seats", ["level", "deputy_id"])
    op.create_table(
        "deputy_specialties",
        sa.Column("deputy_id", sa.String(36), sa.ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("specialty", sa.String(20), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_deputy_specialties_specialty", "deputy_specialties", ["specialty", "deputy_id"])
    op.create_table(
        "deputy_status_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("deputy_id", sa.String(36), sa.ForeignKey("deputies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("changed_at", TZ, nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_deputy_status_history_deputy_id", "deputy_status_history", ["deputy_id"])
    op.create_table(
        "venues",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("region_path", region_path_type(op), nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("officer_name", sa.String(50), nullable=False),
        sa.Column("officer_phone", sa.String(20), nullable=False),
        sa.Column("schedule_days", sa.String(100), nullable=False),
        sa.Column("schedule_hours", sa.String(50), nullable=False),
        sa.Column("schedule_note", sa.String(200), nullable=False),
        sa.Column("specialties", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("region_code", "name", name="uq_venues_region_name"),
    )
    op.create_index("ix_venues_region_path", "venues", ["region_path"])
    op.create_table(
        "venue_members",
        sa.Column("venue_id", sa.String(36), sa.ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("deputy_id", sa.String(36), sa.ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_venue_members_deputy", "venue_members", ["deputy_id"])
    op.create_table(
        "committee_links",
        sa.Column("committee_member_id", sa.String(36), sa.ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("deputy_id", sa.String(36), sa.ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("region_code", sa.String(9), nullable=False),
    )
    op.create_index("ix_committee_links_deputy", "committee_links", ["deputy_id"])
    op.create_table(
        "voter_households",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("deputy_id", sa.String(36), sa.ForeignKey("deputies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("household_head", sa.String(50), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
    )
    op.create_index("ix_voter_households_deputy_id", "voter_households", ["deputy_id"])
    op.create_table(
        "contact_limits",
        sa.Column("region_code", sa.String(9), primary_key=True),
        sa.Column("deputies_per_committee_member", sa.Integer, nullable=False),
        sa.Column("households_per_deputy", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("contact_limits", "voter_households", "committee_links", "venue_members", "venues",
                  "deputy_status_history", "deputy_specialties", "deputy_seats", "deputies"):
        op.drop_table(table)
    drop_bus_tables(op)
