"""A bus in one SQLite file, for single-machine installs that run no Kafka.

Same model as Kafka, so services cannot tell the difference:
  * topics split in partitions (3 by default, fixed when a topic is first used),
    partition = crc32(key) % partitions, so one key (region) keeps its order;
  * an append-only log with per-partition offsets starting at 0;
  * consumer groups with committed offsets; a new group starts at the earliest record.

Several processes may produce and consume on the same file at once: WAL mode lets
readers run beside the single writer, and every write takes SQLite's write lock
(BEGIN IMMEDIATE) so offsets are assigned without races.

Consumer groups: rather than split partitions among members, one member at a time
holds a lease on the whole group and reads all its partitions; the others wait
(poll returns nothing) and take over when the lease is released or expires. That
is correct and simple, and a single machine gains little from parallel members.
A member that lost the lease gets CommitFailed on commit, like a Kafka member
fenced by a rebalance; its records go to the new holder from the last commit.

Records older than the retention are pruned (prune_log, run by every service's
housekeeping), the newest of each partition always kept so offsets continue.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import time
import uuid
import zlib

import structlog

from shared.bus.transport import BusUnavailable, CommitFailed, Record, last_offsets

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS topics (
        topic TEXT PRIMARY KEY,
        partitions INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS log (
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        "offset" INTEGER NOT NULL,
        key BLOB,
        value BLOB NOT NULL,
        headers TEXT NOT NULL,
        ts REAL NOT NULL,
        PRIMARY KEY (topic, partition, "offset")) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS group_offsets (
        group_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        "offset" INTEGER NOT NULL,
        PRIMARY KEY (group_id, topic, partition)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS group_leases (
        group_id TEXT PRIMARY KEY,
        member TEXT NOT NULL,
        generation INTEGER NOT NULL,
        expires REAL NOT NULL)""",
]


def partition_for(key: bytes | None, partitions: int) -> int:
    # crc32 is stable across processes and Python versions, unlike hash().
    return zlib.crc32(key or b"") % partitions


def _encode_headers(headers) -> str:
    return json.dumps([[n, base64.b64encode(v or b"").decode("ascii")] for n, v in headers or ()])


def _decode_headers(text: str) -> list[tuple[str, bytes]]:
    return [(n, base64.b64decode(v)) for n, v in json.loads(text)]


def _connect(path: str, busy_timeout: float) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves, so the
    # write lock is taken up front and never upgraded mid-transaction (deadlock-free).
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a flushed record survives power loss, matching acks=all on Kafka.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for stmt in _SCHEMA:
            conn.execute(stmt)
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    return conn


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite may already have rolled back on its own (e.g. after SQLITE_FULL);
    # a failing ROLLBACK must not hide the original error.
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


class EmbeddedTransport:
    def __init__(
        self,
        path: str,
        *,
        partitions: int = 3,
        busy_timeout: float = 5.0,
        lease_ttl: float = 10.0,
    ):
        self.path = path
        self.partitions = partitions
        self.busy_timeout = busy_timeout
        self.lease_ttl = lease_ttl
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None  # opened on first use, not here
        self._pending: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]] = []
        self._subs: list[EmbeddedSubscription] = []

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = _connect(self.path, self.busy_timeout)
        return self._conn

    def send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        # Buffered until flush, which writes the whole batch in one transaction:
        # one fsync per relay batch instead of one per record.
        with self._lock:
            self._pending.append((topic, key, value, list(headers)))

    def flush(self, timeout: float = 10.0) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    self._append(conn, batch)
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
            except sqlite3.Error as e:
                # The batch is dropped, not kept for a retry: the caller still
                # holds it (unsent outbox rows) and will send it again.
                raise BusUnavailable(f"embedded bus {self.path}: {e}") from e

    def _append(self, conn: sqlite3.Connection, batch) -> None:
        now = time.time()
        parts: dict[str, int] = {}
        next_offset: dict[tuple[str, int], int] = {}
        for topic, key, value, headers in batch:
            if topic not in parts:
                conn.execute(
                    "INSERT OR IGNORE INTO topics (topic, partitions) VALUES (?, ?)",
                    (topic, self.partitions),
                )
                parts[topic] = conn.execute(
                    "SELECT partitions FROM topics WHERE topic = ?", (topic,)
                ).fetchone()[0]
            p = partition_for(key, parts[topic])
            tp = (topic, p)
            if tp not in next_offset:
                next_offset[tp] = conn.execute(
                    'SELECT COALESCE(MAX("offset") + 1, 0) FROM log WHERE topic = ? AND partition = ?',
                    tp,
                ).fetchone()[0]
            conn.execute(
                'INSERT INTO log (topic, partition, "offset", key, value, headers, ts) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (topic, p, next_offset[tp], key, value, _encode_headers(headers), now),
            )
            next_offset[tp] += 1

    def prune_log(self, older_than_seconds: float, now: float | None = None) -> int:
        """Deletes records older than the retention, as Kafka's time-based retention does. The
        newest record of each partition always stays: offsets continue from it."""
        cutoff = (now or time.time()) - older_than_seconds
        with self._lock:   # the relay's flush uses the same connection
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    deleted = conn.execute(
                        'DELETE FROM log WHERE ts < ? AND "offset" < (SELECT MAX(l."offset") FROM log AS l '
                        "WHERE l.topic = log.topic AND l.partition = log.partition)", (cutoff,)).rowcount
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
            except sqlite3.Error as e:
                raise BusUnavailable(f"embedded bus {self.path}: {e}") from e
        return deleted

    def subscribe(self, group: str, topics: list[str]) -> EmbeddedSubscription:
        sub = EmbeddedSubscription(self, group, list(topics))
        self._subs.append(sub)
        return sub

    def close(self) -> None:
        try:
            if self._pending:
                self.flush()
        finally:
            for sub in self._subs:
                sub.close()
            self._subs.clear()
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class EmbeddedSubscription:
    """One member of a consumer group; see the module doc for how members share work."""

    def __init__(self, transport: EmbeddedTransport, group: str, topics: list[str]):
        self._t = transport
        self.group = group
        self.topics = topics
        self.member = str(uuid.uuid4())
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._generation: int | None = None  # lease generation we hold, None if not holder
        self._lease_deadline = 0.0  # local view of when our lease runs out
        self._positions: dict[tuple[str, int], int] = {}
        self._rr = 0  # rotates the first partition read, so none is starved

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = _connect(self._t.path, self._t.busy_timeout)
        return self._conn

    def _ensure_lease(self, conn: sqlite3.Connection) -> bool:
        now = time.time()
        ttl = self._t.lease_ttl
        # While our own deadline is well ahead nobody else can have taken the lease,
        # so skip the write; renew once a third of the TTL is left.
        if self._generation is not None and self._lease_deadline - now > ttl / 3:
            return True
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT member, generation, expires FROM group_leases WHERE group_id = ?",
                (self.group,),
            ).fetchone()
            if row is None:
                gen = 1
                conn.execute(
                    "INSERT INTO group_leases (group_id, member, generation, expires) VALUES (?, ?, ?, ?)",
                    (self.group, self.member, gen, now + ttl),
                )
            elif row[0] == self.member or row[2] < now:
                gen = row[1] if row[0] == self.member else row[1] + 1
                conn.execute(
                    "UPDATE group_leases SET member = ?, generation = ?, expires = ? WHERE group_id = ?",
                    (self.member, gen, now + ttl, self.group),
                )
            else:
                conn.execute("COMMIT")
                self._generation = None
                return False
            if gen != self._generation:
                # Newly (re)acquired: start from the group's committed offsets, like
                # a Kafka member after a rebalance.
                self._positions = {
                    (t, p): off
                    for t, p, off in conn.execute(
                        'SELECT topic, partition, "offset" FROM group_offsets WHERE group_id = ?',
                        (self.group,),
                    )
                    if t in self.topics
                }
                if self._generation is None and row is not None and row[0] != self.member:
                    structlog.get_logger().info(
                        "bus.embedded.lease_acquired", group=self.group, generation=gen
                    )
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        self._generation = gen
        self._lease_deadline = now + ttl
        return True

    def _fetch(self, conn: sqlite3.Connection, max_records: int) -> list[Record]:
        placeholders = ",".join("?" * len(self.topics))
        counts = dict(
            conn.execute(
                f"SELECT topic, partitions FROM topics WHERE topic IN ({placeholders})", self.topics
            ).fetchall()
        )
        tps = [(t, p) for t in self.topics if t in counts for p in range(counts[t])]
        if not tps:
            return []
        self._rr = (self._rr + 1) % len(tps)
        tps = tps[self._rr :] + tps[: self._rr]
        out: list[Record] = []
        for topic, p in tps:
            room = max_records - len(out)
            if room <= 0:
                break
            start = self._positions.get((topic, p), 0)
            rows = conn.execute(
                'SELECT "offset", key, value, headers FROM log '
                'WHERE topic = ? AND partition = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                (topic, p, start, room),
            ).fetchall()
            for off, key, value, headers in rows:
                out.append(Record(topic, p, off, key, bytes(value), _decode_headers(headers)))
            if rows:
                self._positions[(topic, p)] = rows[-1][0] + 1
        return out

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        deadline = time.monotonic() + timeout
        with self._lock:
            try:
                conn = self._connection()
                while True:
                    holder = self._ensure_lease(conn)
                    if holder:
                        records = self._fetch(conn, max_records)
                        if records:
                            return records
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return []
                    # No cross-process wake-up in SQLite: poll the file briefly.
                    time.sleep(min(0.05 if holder else 0.25, remaining))
            except sqlite3.Error as e:
                raise BusUnavailable(f"embedded bus {self._t.path}: {e}") from e

    def commit(self, records: list[Record]) -> None:
        offsets = last_offsets(records)
        if not offsets:
            return
        with self._lock:
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row = conn.execute(
                        "SELECT member, generation FROM group_leases WHERE group_id = ?", (self.group,)
                    ).fetchone()
                    if row is None or row[0] != self.member or row[1] != self._generation:
                        _rollback(conn)
                        self._generation = None
                        raise CommitFailed(f"group {self.group}: lease held by another member")
                    conn.executemany(
                        'INSERT INTO group_offsets (group_id, topic, partition, "offset") VALUES (?, ?, ?, ?) '
                        'ON CONFLICT (group_id, topic, partition) DO UPDATE SET "offset" = excluded."offset"',
                        [(self.group, t, p, off) for (t, p), off in offsets.items()],
                    )
                    now = time.time()
                    conn.execute(
                        "UPDATE group_leases SET expires = ? WHERE group_id = ?",
                        (now + self._t.lease_ttl, self.group),
                    )
                    conn.execute("COMMIT")
                    self._lease_deadline = now + self._t.lease_ttl
                except CommitFailed:
                    raise
                except BaseException:
                    _rollback(conn)
                    raise
            except sqlite3.Error as e:
                raise BusUnavailable(f"embedded bus {self._t.path}: {e}") from e

    def seek(self, topic: str, partition: int, offset: int) -> None:
        with self._lock:
            self._positions[(topic, partition)] = offset

    def close(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                if self._generation is not None:
                    # Hand the group over now rather than after the lease expires.
                    self._conn.execute(
                        "DELETE FROM group_leases WHERE group_id = ? AND member = ?",
                        (self.group, self.member),
                    )
            except sqlite3.Error:
                pass  # the lease simply expires
            finally:
                self._conn.close()
                self._conn = None
                self._generation = None
