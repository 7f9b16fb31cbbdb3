"""liaison: rewrites stored text into the canonical form as it changed after liaison_0010:
citizens' phones in one form whatever their grouping or country code (139 1234 5678 and
+8613912345678 are 13912345678), names with the dot look-alikes added since and without the
stray combining mark NFKC left after a space, spacing accents kept as typed.

Like liaison_0010 it applies the forms of shared.text of its time and merges nothing
(shared.rewrite).

Revision ID: liaison_0011
Revises: liaison_0010
"""
from alembic import op

from shared import text as canonical
from shared.rewrite import canonicalise

revision = "liaison_0011"
down_revision = "liaison_0010"


def upgrade() -> None:
    bind = op.get_bind()
    line, name = canonical.line, canonical.name
    canonicalise(bind, "directory_deputies", ["id"], {"name": name})
    canonicalise(bind, "directory_venues", ["id"], {"name": name, "hours": line})
    canonicalise(bind, "opinions", ["id"],
                 {"contact_name": name, "contact_phone": canonical.phone, "category": line,
                  "transfer_department_name": line})


def downgrade() -> None:
    """Nothing to undo: the canonical form is what every later revision expects."""
