"""liaison: rewrites text stored before shared.text into its canonical form: the roster read
model's names and card codes, opinions' contact names and phones, tracking codes, categories
and department names, activities' titles and notes.

It applies the forms of shared.text as they are when it runs (a migration uses the form of
its time; a later change to a form needs a migration of its own). Nothing is merged: a row
whose code would become another row's keeps its own, and the warning names both
(shared.rewrite). A retired deputy's placeholder card code ("-" and the deputy id) stays.

Revision ID: liaison_0010
Revises: liaison_0009
"""
from alembic import op

from shared import text as canonical
from shared.rewrite import canonicalise

revision = "liaison_0010"
down_revision = "liaison_0009"


def _card_code(value: str) -> str:
    """A card code; a retired deputy's placeholder ("-" and the id) is no code and stays."""
    return value if value.startswith("-") else canonical.code(value)


def upgrade() -> None:
    bind = op.get_bind()
    line, name = canonical.line, canonical.name
    canonicalise(bind, "directory_deputies", ["id"], {"name": name, "card_code": _card_code},
                 unique=[["card_code"]])
    canonicalise(bind, "directory_venues", ["id"], {"name": name, "hours": line})
    canonicalise(bind, "opinions", ["id"],
                 {"contact_name": name, "contact_phone": canonical.phone, "tracking_code": canonical.code,
                  "category": line, "transfer_department_name": line},
                 unique=[["tracking_code"]])
    canonicalise(bind, "activities", ["id"], {"title": canonical.text, "notes": canonical.text})


def downgrade() -> None:
    """Nothing to undo: the canonical form is what every later revision expects."""
