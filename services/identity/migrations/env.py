from alembic import context

from shared.db import run_migrations_online

run_migrations_online(context)
