"""identity: an account's single sign-on subject (OpenID Connect issuer and sub), one account per pair.

Revision ID: identity_0003
Revises: identity_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "identity_0003"
down_revision = "identity_0002"


def upgrade() -> None:
    op.add_column("accounts", sa.Column("external_issuer", sa.String(200), nullable=False, server_default=""))
    op.add_column("accounts", sa.Column("external_subject", sa.String(255), nullable=False, server_default=""))
    op.create_index("ux_accounts_external", "accounts", ["external_issuer", "external_subject"], unique=True,
                    postgresql_where=sa.text("external_subject <> ''"), sqlite_where=sa.text("external_subject <> ''"))


def downgrade() -> None:
    op.drop_index("ux_accounts_external", table_name="accounts")
    op.drop_column("accounts", "external_subject")
    op.drop_column("accounts", "external_issuer")
