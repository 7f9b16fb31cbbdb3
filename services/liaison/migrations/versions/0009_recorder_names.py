"""liaison: activities and case steps keep the display name of the token that recorded them
(记录人, 经办人), beside its subject, which is an identity and never shown.

Rows recorded before carry no name (tokens had none): they stay "" and show blank.

Revision ID: liaison_0009
Revises: liaison_0008
"""
import sqlalchemy as sa
from alembic import op

revision = "liaison_0009"
down_revision = "liaison_0008"


def upgrade() -> None:
    with op.batch_alter_table("activities") as t:
        t.add_column(sa.Column("recorder_name", sa.String(50), nullable=False, server_default=""))
    with op.batch_alter_table("opinion_steps") as t:
        t.add_column(sa.Column("actor_name", sa.String(50), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("opinion_steps") as t:
        t.drop_column("actor_name")
    with op.batch_alter_table("activities") as t:
        t.drop_column("recorder_name")
