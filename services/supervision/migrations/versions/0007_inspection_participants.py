"""supervision: an inspection's participants one a row, a deputy by roster id (so points go to
the deputy, not to whoever bears the name), anyone else by name. Inspections recorded before
keep their participants as they were written, by name only (deputy_id NULL: deputy or not,
unknown; their events keep carrying names only).

Revision ID: supervision_0007
Revises: supervision_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "supervision_0007"
down_revision = "supervision_0006"


def upgrade() -> None:
    participants = op.create_table(
        "inspection_participants",
        sa.Column("inspection_id", sa.String(36), sa.ForeignKey("inspections.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("deputy_id", sa.String(36), nullable=True),   # NULL: named before ids were kept
        sa.Column("name", sa.String(50), nullable=False))
    bind = op.get_bind()
    rows = [{"inspection_id": i, "position": n, "deputy_id": None, "name": name[:50]}
            for i, text in bind.execute(sa.text("SELECT id, participants FROM inspections"))
            for n, name in enumerate(x for x in (text or "").split("\n") if x)]
    if rows:
        op.bulk_insert(participants, rows)
    with op.batch_alter_table("inspections") as t:
        t.drop_column("participants")


def downgrade() -> None:
    with op.batch_alter_table("inspections") as t:
        t.add_column(sa.Column("participants", sa.Text, nullable=False, server_default=""))
    bind = op.get_bind()
    names: dict[str, list[str]] = {}
    for i, name in bind.execute(sa.text("SELECT inspection_id, name FROM inspection_participants "
                                        "ORDER BY inspection_id, position")):
        names.setdefault(i, []).append(name)
    for i, listed in names.items():
        bind.execute(sa.text("UPDATE inspections SET participants = :p WHERE id = :i"),
                     {"p": "\n".join(listed), "i": i})
    op.drop_table("inspection_participants")
