"""Engines, sessions and migrations: one database per service.

PostgreSQL in production and tests; a SQLite file per service is the embedded default.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, cast

from sqlalchemy import DateTime, Table, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from shared.clock import utc

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


class UtcDateTime(TypeDecorator):
    """An instant column: ``timestamptz`` on PostgreSQL, text on SQLite, UTC in and out.

    SQLite keeps a datetime's wall-clock digits and drops its offset, so a value written (or a
    bound compared) in another zone would silently be hours off there. This type converts
    every value to UTC before it reaches the database (naive values are taken as UTC) and
    returns aware UTC datetimes on both databases."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else utc(value)

    def process_result_value(self, value, dialect):
        return None if value is None else utc(value)


def table_of(orm_class: Any) -> Table:
    """The Core table of a declarative ORM class (``__table__``, typed as a Table)."""
    return cast(Table, orm_class.__table__)


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets readers work while one writer commits; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # Optimistic disconnect handling, not pool_pre_ping: a pre-ping is one more round trip (and,
    # under load, one more wait to get the GIL back) on every transaction, for an event that
    # happens on a database restart or failover. Without it, the first statement on a dead
    # connection raises; SQLAlchemy recognises the driver's error as a disconnect
    # (dialect.is_disconnect), invalidates that connection and every pooled connection older
    # than it, so they are replaced on their next checkout. The cost: each call already holding
    # a dead connection at that moment fails once (INTERNAL through the error mapping; the
    # transaction rolled back, the outbox row with it) and the next call gets a fresh one.
    # pool_recycle replaces connections older than 30 minutes at checkout, so idle-connection
    # timeouts in proxies and firewalls between us and PostgreSQL do not cause those failures.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# A transaction that a call's use cases join instead of beginning their own (see joined).
_JOINED: ContextVar[Session | None] = ContextVar("lianxin_joined_transaction", default=None)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any exception.

    Inside ``joined(session)`` it yields that session instead, and the outer owner commits
    or rolls back: so an idempotency key is written in the same transaction as the effect."""
    outer = _JOINED.get()
    if outer is not None and outer.bind is not None and outer.get_bind() is sessions.kw.get("bind"):
        yield outer
        return
    with sessions.begin() as session:
        yield session


@contextmanager
def joined(session: Session) -> Iterator[None]:
    """Within this block, ``transaction`` on the same engine joins ``session``'s transaction."""
    token = _JOINED.set(session)
    try:
        yield
    finally:
        _JOINED.reset(token)


def alembic_config(service: str, url: str):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def wait_until_reachable(url: str, seconds: float, *, every: float = 1.0) -> None:
    """Returns once the database of ``url`` accepts a connection, trying for up to ``seconds``;
    then raises ValueError naming the database's host and port (never the URL: it may hold a
    password) and the driver's reason. SQLite answers at once (its file is checked elsewhere)."""
    import time

    from sqlalchemy import exc, pool, text
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return
    engine = create_engine(url, poolclass=pool.NullPool, connect_args={"connect_timeout": 5})
    deadline = time.monotonic() + max(0.0, seconds)
    try:
        while True:
            try:
                with engine.connect() as c:
                    c.execute(text("SELECT 1"))
                return
            except exc.OperationalError as e:
                left = deadline - time.monotonic()
                if left <= 0:
                    reason = str(e.orig or e).strip().splitlines()[0] if str(e.orig or e).strip() else type(e).__name__
                    raise ValueError(f"setting database_url: the database at {u.host or 'localhost'}:{u.port or 5432} "
                                     f"does not answer after {seconds:g} s (database_wait_seconds): {reason}") from None
                time.sleep(min(every, left))
    finally:
        engine.dispose()


def migrate(service: str, url: str, revision: str = "head") -> None:
    """Applies the service's Alembic migrations up to ``revision``."""
    from alembic import command
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(service, url), revision)


def run_migrations_online(context) -> None:
    """The body of every service's migrations/env.py."""
    from sqlalchemy import pool
    url = context.config.get_main_option("sqlalchemy.url") or os.environ["LIANXIN_DATABASE_URL"]
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def region_path_type(op):
    """The column type for a materialised region path in a migration. Paths are matched by
    prefix (subtree queries); PostgreSQL can serve ``LIKE 'prefix%'`` from a plain b-tree
    index only under the C collation."""
    import sqlalchemy as sa
    return sa.String(64, collation="C") if op.get_bind().dialect.name == "postgresql" else sa.String(64)
