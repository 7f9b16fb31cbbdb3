"""The PostgreSQL pool without pre-ping: a connection the server dropped fails one
transaction, is discarded, and the next transaction gets a fresh connection."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from shared import db


def test_a_dropped_connection_fails_once_and_is_replaced(fresh_database, pg_server_url):
    engine = db.make_engine(fresh_database(), pool_size=1)
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    try:
        with engine.connect() as c:
            pid = c.scalar(text("SELECT pg_backend_pid()"))
        with admin.connect() as c:   # as a server restart or an idle timeout in between would
            assert c.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(exc.DBAPIError) as failed:
            with engine.begin() as c:
                c.execute(text("SELECT 1"))
        assert failed.value.connection_invalidated
        with engine.begin() as c:
            assert c.scalar(text("SELECT 1")) == 1
            assert c.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        engine.dispose()
        admin.dispose()
