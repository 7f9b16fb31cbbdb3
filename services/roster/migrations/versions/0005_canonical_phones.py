"""roster: rewrites stored text into the canonical form as it changed after roster_0004:
phones in one form whatever their grouping or country code (137 1234 5678, 137-1234-5678 and
+86 137 1234 5678 are 13712345678; landlines 0994-2000006), names with the dot look-alikes
added since (˙ ⸳ ⸰ ⦁, a tsheg between Han characters) and without the stray combining mark
NFKC left after a space (阿依古丽 ̇测试 is 阿依古丽·测试), spacing accents kept as typed.

Like roster_0004 it applies the forms of shared.text of its time and merges nothing: rows
that would take one unique key keep theirs, and deputies that now share region, name and
phone are both kept; each case is logged as a warning naming the rows (shared.rewrite).

Revision ID: roster_0005
Revises: roster_0004
"""
from alembic import op

from shared import text as canonical
from shared.rewrite import canonicalise

revision = "roster_0005"
down_revision = "roster_0004"


def _specialties(value: str) -> str:
    """A venue's specialties, stored as "法律,医疗": each one a line."""
    return ",".join(x for x in (canonical.line(s) for s in value.split(",")) if x)


def upgrade() -> None:
    bind = op.get_bind()
    line, name = canonical.line, canonical.name
    canonicalise(bind, "deputies", ["id"],
                 {"name": name, "ethnicity": line, "work_unit": line, "position": line, "phone": canonical.phone,
                  "address": line},
                 same_record=["region_code", "name", "phone"])
    canonicalise(bind, "deputy_seats", ["deputy_id", "level"], {"term": line, "electoral_district": line})
    canonicalise(bind, "deputy_specialties", ["deputy_id", "specialty"], {"specialty": line},
                 unique=[["deputy_id", "specialty"]])
    canonicalise(bind, "venues", ["id"],
                 {"name": name, "address": line, "officer_name": name, "officer_phone": canonical.phone,
                  "schedule_hours": line, "schedule_note": line, "specialties": _specialties},
                 unique=[["region_code", "name"]])
    canonicalise(bind, "voter_households", ["id"],
                 {"household_head": name, "address": line, "phone": canonical.phone})


def downgrade() -> None:
    """Nothing to undo: the canonical form is what every later revision expects."""
