"""liaison: a history row knows whether it is the citizen's rating. A rating keeps the case's
status, so the row repeats it; without a mark the tracking view showed that status twice.

Revision ID: liaison_0008
Revises: liaison_0007
"""
import sqlalchemy as sa
from alembic import op

revision = "liaison_0008"
down_revision = "liaison_0007"


def upgrade() -> None:
    with op.batch_alter_table("opinion_steps") as t:
        t.add_column(sa.Column("rating", sa.Integer(), nullable=False, server_default="0"))
    # Ratings recorded before: the citizen's row noted "评价 <1..5>".
    op.execute("UPDATE opinion_steps SET rating = CAST(SUBSTR(note, 4, 1) AS INTEGER) "
               "WHERE actor_role = 'public' AND note LIKE '评价 _' AND SUBSTR(note, 4, 1) IN ('1','2','3','4','5')")


def downgrade() -> None:
    with op.batch_alter_table("opinion_steps") as t:
        t.drop_column("rating")
