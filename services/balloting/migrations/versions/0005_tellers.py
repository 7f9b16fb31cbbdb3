"""balloting: tellers and scrutineers (计票人, 监票人) named for a round before its count, and
the region rule that the count waits for them.

Revision ID: balloting_0005
Revises: balloting_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "balloting_0005"
down_revision = "balloting_0004"


def upgrade() -> None:
    op.add_column("ballot_rules", sa.Column("tellers_required", sa.Boolean, nullable=False,
                                            server_default=sa.false()))
    op.add_column("ballot_rounds", sa.Column("tellers", sa.Text, nullable=False, server_default=""))
    op.add_column("ballot_rounds", sa.Column("scrutineers", sa.Text, nullable=False, server_default=""))
    op.add_column("ballot_rounds", sa.Column("tellers_required", sa.Boolean, nullable=False,
                                             server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("ballot_rounds") as t:
        t.drop_column("tellers_required")
        t.drop_column("scrutineers")
        t.drop_column("tellers")
    with op.batch_alter_table("ballot_rules") as t:
        t.drop_column("tellers_required")
