"""Each service's ORM tables (its definition's SQLAlchemy metadata) are exactly what its
Alembic migrations build, on PostgreSQL and on SQLite: a freshly migrated database compared
with the metadata by alembic's autogenerate shows no difference (tables, columns, types,
nullability, indexes, unique constraints, foreign keys). A column added to tables.py without
a migration, or a migration that drifts from the code, fails here."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine

import services
from shared import db

IGNORED_TABLES = {"alembic_version"}


def differences(service: str, url: str, metadata: MetaData | None = None) -> list:
    db.migrate(service, url)
    metadata = metadata or services.definition(service).metadata
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": False,
                "include_name": lambda name, kind, parent: not (kind == "table" and name in IGNORED_TABLES)})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", services.NAMES)
def test_migrated_postgresql_matches_the_tables(service, fresh_database):
    assert differences(service, fresh_database()) == []


@pytest.mark.parametrize("service", services.NAMES)
def test_migrated_sqlite_matches_the_tables(service, tmp_path):
    assert differences(service, f"sqlite:///{tmp_path / service}.sqlite") == []


def test_the_comparison_sees_a_column_the_migrations_lack(tmp_path):
    """The check itself can fail: a column only in the code is reported."""
    code = MetaData()
    for table in services.definition("roster").metadata.tables.values():
        table.to_metadata(code)
    code.tables["deputies"].append_column(Column("colour", String(10)))
    found = differences("roster", f"sqlite:///{tmp_path}/roster.sqlite", code)
    assert [(d[0], d[2], d[3].name) for d in found] == [("add_column", "deputies", "colour")]
