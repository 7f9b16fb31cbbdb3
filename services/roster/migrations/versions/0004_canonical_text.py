"""roster: rewrites text stored before shared.text into its canonical form (names with ・ or •
for the interpunct ·, full-width digits in phones, stray spaces and invisible characters).

It applies the forms of shared.text as they are when it runs (a migration uses the form of
its time; a later change to a form needs a migration of its own). Nothing is merged: rows
that would take one unique key keep theirs, and deputies that now share region, name and
phone are both kept; each case is logged as a warning naming the rows (shared.rewrite).

Revision ID: roster_0004
Revises: roster_0003
"""
from alembic import op

from shared import text as canonical
from shared.rewrite import canonicalise

revision = "roster_0004"
down_revision = "roster_0003"


def _specialties(value: str) -> str:
    """A venue's specialties, stored as "法律,医疗": each one a line."""
    return ",".join(x for x in (canonical.line(s) for s in value.split(",")) if x)


def upgrade() -> None:
    bind = op.get_bind()
    line, name = canonical.line, canonical.name
    canonicalise(bind, "deputies", ["id"],
                 {"name": name, "ethnicity": line, "work_unit": line, "position": line, "phone": canonical.phone,
                  "email": canonical.email, "address": line, "pledge": canonical.text},
                 same_record=["region_code", "name", "phone"])
    canonicalise(bind, "deputy_seats", ["deputy_id", "level"], {"term": line, "electoral_district": line})
    canonicalise(bind, "deputy_specialties", ["deputy_id", "specialty"], {"specialty": line},
                 unique=[["deputy_id", "specialty"]])
    canonicalise(bind, "deputy_status_history", ["id"], {"reason": canonical.text})
    canonicalise(bind, "venues", ["id"],
                 {"name": name, "address": line, "officer_name": name, "officer_phone": canonical.phone,
                  "schedule_hours": line, "schedule_note": line, "specialties": _specialties},
                 unique=[["region_code", "name"]])
    canonicalise(bind, "voter_households", ["id"],
                 {"household_head": name, "address": line, "phone": canonical.phone})


def downgrade() -> None:
    """Nothing to undo: the canonical form is what every later revision expects."""
