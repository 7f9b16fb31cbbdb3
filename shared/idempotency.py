"""Idempotent creates (Google AIP-155): a create RPC that carries a ``request_id`` does its
work once; a retry with the same id returns the first response and writes nothing.

The key is scoped by the caller (role, subject and region of the token; for a public call,
the client it came from), so one caller's id never reaches another caller's result. The
first response is stored, serialized, in the service's own database (table
``idempotency_keys``) in the same transaction as the effect and its outbox event: a crash
between the two cannot leave an effect without its key, nor a key without its effect.

The request is identified by a SHA-256 of the method and the request's deterministic
serialization without its request_id; the same id sent with another request is refused
(INVALID_ARGUMENT on request_id), as AIP-155 asks the request to be identical.

Two identical calls in flight at once: the first INSERTs the key and holds it until it
commits; the second's INSERT waits on the key's unique index, then finds it taken and
answers with the stored response. Should the first fail, its key rolls back with its
effect and the second does the work itself.

Keys are kept ``idempotency_retention_hours`` (default 7 days: far longer than any client's
retries) and pruned by the service's housekeeping timer.
"""
from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    bindparam,
    delete,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from shared import clock
from shared import text as canonical
from shared.db import UtcDateTime, joined
from shared.errors import FailedPrecondition, InvalidArgument

TABLE = "idempotency_keys"
CREATED_INDEX = "ix_idempotency_keys_created_at"
FIELD = "request_id"
BATCH = 5000   # rows per DELETE when pruning, as for the outbox


def _columns() -> list:
    return [
        # "<role>:<subject>@<region>", or "public:<client>": whose key it is.
        Column("scope", String(300), nullable=False),
        Column("request_id", String(36), nullable=False),
        Column("method", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        # NULL only inside the transaction that claimed the key; set before it commits.
        Column("response", LargeBinary, nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
        PrimaryKeyConstraint("scope", "request_id", name="pk_idempotency_keys"),
    ]


def idempotency_table(metadata: MetaData) -> Table:
    """Adds the table to a service's MetaData (the service's tables.py)."""
    table = Table(TABLE, metadata, *_columns())
    Index(CREATED_INDEX, table.c.created_at)
    return table


def create_idempotency_table(op) -> None:
    """For a service's Alembic migration: the same shape as idempotency_table."""
    op.create_table(TABLE, *_columns())
    op.create_index(CREATED_INDEX, TABLE, ["created_at"])


def drop_idempotency_table(op) -> None:
    op.drop_index(CREATED_INDEX, table_name=TABLE)
    op.drop_table(TABLE)


def scope_of(who) -> str:
    """Whose keys these are: a token's role, subject and region; a public caller's client."""
    if who.role.value == "public":
        return who.subject[:300]
    return f"{who.role.value}:{who.subject}@{who.region}"[:300]


def request_id(value: str, field: str = FIELD) -> str:
    """'' when absent; else the canonical UUID (lower case, hyphenated), or INVALID_ARGUMENT."""
    if not value:
        return ""
    if len(value) > 45:   # the longest form uuid.UUID reads: 'urn:uuid:' + 36
        raise InvalidArgument(field, "must be a UUID")
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        raise InvalidArgument(field, "must be a UUID") from None


def request_hash(method: str, request) -> str:
    """SHA-256 of the method and the request without its request_id, its strings in their
    canonical form (shared.text.form_of_field): a retry whose card code is typed in lower
    case, or whose phone is grouped otherwise, is the same request."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField(FIELD)
    canonical.canonical_strings(copy)
    h = hashlib.sha256(method.encode())
    h.update(b"\0")
    h.update(copy.SerializeToString(deterministic=True))
    return h.hexdigest()


def _claim_statement(table: Table, dialect: str):
    ins: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](table)
    # A taken key inserts nothing (rowcount 0) instead of raising, so the transaction stays
    # usable to read the stored response. On PostgreSQL the INSERT first waits for a
    # concurrent transaction holding the same key to commit or roll back.
    return ins.on_conflict_do_nothing(index_elements=[table.c.scope, table.c.request_id]).execution_options(
        preserve_rowcount=True)


class Idempotency:
    """The guard one service's servicers share: ``guard.run(runtime, who, method, request,
    response_type, work)``, or the ``guard.create(response_type)`` decorator on a servicer
    method."""

    def __init__(self, table: Table):
        self.table = table
        self._claims = {d: _claim_statement(table, d) for d in ("postgresql", "sqlite")}
        # Built once and run with bound parameters, so their compiled form is reused.
        t = table
        mine = (t.c.scope == bindparam("k_scope")) & (t.c.request_id == bindparam("k_id"))
        self._stored = select(t.c.request_hash, t.c.response).where(mine)
        self._save = update(t).where(mine).values(response=bindparam("k_response"))

    def run(self, runtime, who, method: str, request, response_type, work: Callable[[], object]):
        """Runs ``work()`` once per (caller, request_id); a retry gets the stored response.

        ``work`` runs inside this guard's transaction: every ``runtime.transaction()`` it opens
        joins it (shared.db.transaction), so its effect, its outbox event and the key commit
        together. Without a request_id, ``work()`` runs as it would without the guard.
        Raises INVALID_ARGUMENT (request_id) for a malformed id or the same id with another
        request, FAILED_PRECONDITION if the key is held by a call that never finished."""
        key = request_id(getattr(request, FIELD))
        if not key:
            return work()
        digest = request_hash(method, request)
        scope = scope_of(who)
        with runtime.transaction() as s:
            conn = s.connection()
            claimed = conn.execute(self._claims[conn.dialect.name], {
                "scope": scope, "request_id": key, "method": method, "request_hash": digest, "response": None,
                "created_at": clock.now()}).rowcount == 1
            if not claimed:
                row = conn.execute(self._stored, {"k_scope": scope, "k_id": key}).first()
                if row is None:   # pruned between the two statements: practically never
                    raise FailedPrecondition("request_id: the key expired; send the request with a new request_id")
                if row.request_hash != digest:
                    raise InvalidArgument(FIELD, "was already used with a different request")
                if row.response is None:
                    raise FailedPrecondition("request_id: a call with this key has not finished; retry")
                return response_type.FromString(row.response)
            with joined(s):
                response: Any = work()
            conn.execute(self._save, {"k_scope": scope, "k_id": key, "k_response": response.SerializeToString()})
            return response

    def create(self, response_type):
        """Decorator for a create RPC of a servicer that has ``self.runtime``."""
        def wrap(method):
            name = method.__name__

            @functools.wraps(method)
            def rpc(servicer, request, context):
                from shared.rpc import current_principal
                full = f"{type(request).DESCRIPTOR.full_name}:{name}"
                return self.run(servicer.runtime, current_principal(), full, request, response_type,
                                lambda: method(servicer, request, context))
            return rpc
        return wrap


def prune(engine: Engine, table: Table, retention: timedelta, *, now: datetime | None = None) -> int:
    """Deletes keys older than ``retention``, in batches; returns how many."""
    before = (now or clock.now()) - retention
    key = tuple_(table.c.scope, table.c.request_id)
    total = 0
    while True:
        with engine.begin() as conn:
            oldest = select(table.c.scope, table.c.request_id).where(table.c.created_at < before).limit(BATCH)
            deleted = conn.execute(delete(table).where(key.in_(oldest))).rowcount
        total += deleted
        if deleted < BATCH:
            return total
