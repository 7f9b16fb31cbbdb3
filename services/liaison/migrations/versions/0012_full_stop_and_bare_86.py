"""liaison: rewrites stored names and phones into the canonical form as it changed after
liaison_0011: a full stop typed by a Chinese input method (。) or a raised dot (⸼ ˑ °) between
two Han characters of a name is the interpunct, and a bare 86 before a landline is the
country code (86 0994 2000006 is 0994-2000006).

Like liaison_0011 it applies the forms of shared.text of its time and merges nothing
(shared.rewrite).

Revision ID: liaison_0012
Revises: liaison_0011
"""
from alembic import op

from shared import text as canonical
from shared.rewrite import canonicalise

revision = "liaison_0012"
down_revision = "liaison_0011"


def upgrade() -> None:
    bind = op.get_bind()
    name = canonical.name
    canonicalise(bind, "directory_deputies", ["id"], {"name": name})
    canonicalise(bind, "directory_venues", ["id"], {"name": name})
    canonicalise(bind, "opinions", ["id"], {"contact_name": name, "contact_phone": canonical.phone})


def downgrade() -> None:
    """Nothing to undo: the canonical form is what every later revision expects."""
