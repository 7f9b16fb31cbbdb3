"""liaison: a transfer records the department's region beside its name, so a department is
known by the two together (a department token sees only its own region's transfers).

Revision ID: liaison_0007
Revises: liaison_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "liaison_0007"
down_revision = "liaison_0006"


def upgrade() -> None:
    with op.batch_alter_table("opinions") as t:
        t.add_column(sa.Column("transfer_department_region", sa.String(9), nullable=False, server_default=""))
    # Cases transferred before: the tier handling the case transferred it to its own department.
    op.execute("UPDATE opinions SET transfer_department_region = handling_region WHERE transfer_department <> ''")
    op.drop_index("ix_opinions_transfer_department", table_name="opinions")
    op.create_index("ix_opinions_transfer_department", "opinions",
                    ["transfer_department", "transfer_department_region"])


def downgrade() -> None:
    op.drop_index("ix_opinions_transfer_department", table_name="opinions")
    op.create_index("ix_opinions_transfer_department", "opinions", ["transfer_department"])
    with op.batch_alter_table("opinions") as t:
        t.drop_column("transfer_department_region")
