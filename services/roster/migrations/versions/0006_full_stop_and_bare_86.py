"""roster: rewrites stored names and phones into the canonical form as it changed after
roster_0005: a full stop typed by a Chinese input method (。) or a raised dot (⸼ ˑ °) between
two Han characters of a name is the interpunct (买买提。艾力 is 买买提·艾力), and a bare 86
before a landline is the country code (86 0994 2000006 and 86-994-2000006 are 0994-2000006).

Like roster_0005 it applies the forms of shared.text of its time and merges nothing: rows
that would take one unique key keep theirs, and deputies that now share region, name and
phone are both kept; each case is logged as a warning naming the rows (shared.rewrite).

Revision ID: roster_0006
Revises: roster_0005
"""
from alembic import op

from shared import text as canonical
from shared.rewrite import canonicalise

revision = "roster_0006"
down_revision = "roster_0005"


def upgrade() -> None:
    bind = op.get_bind()
    name, phone = canonical.name, canonical.phone
    canonicalise(bind, "deputies", ["id"], {"name": name, "phone": phone},
                 same_record=["region_code", "name", "phone"])
    canonicalise(bind, "venues", ["id"], {"name": name, "officer_name": name, "officer_phone": phone},
                 unique=[["region_code", "name"]])
    canonicalise(bind, "voter_households", ["id"], {"household_head": name, "phone": phone})


def downgrade() -> None:
    """Nothing to undo: the canonical form is what every later revision expects."""
