"""What the relay and consumers need from a message bus, whichever one it is.

Two implementations exist: Kafka (shared.bus.kafka) and an embedded SQLite log
(shared.bus.embedded) for single-machine installs. Both give topics split in
partitions, per-key order, offsets and consumer groups with committed offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class BusUnavailable(Exception):
    """The bus could not accept or confirm records now; the caller should retry later."""


class CommitFailed(Exception):
    """The group moved on (rebalance, lost lease) before this member could commit.

    Harmless with an inbox: the records will be delivered again to whoever owns
    them now, and the inbox turns the repeat into a no-op.
    """


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class Subscription(Protocol):
    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]: ...

    def commit(self, records: list[Record]) -> None:
        """Commit offset+1 of the last given record per (topic, partition)."""

    def seek(self, topic: str, partition: int, offset: int) -> None:
        """Make the next poll start at ``offset`` in that partition (redelivery after a failure)."""

    def close(self) -> None: ...


class Transport(Protocol):
    def send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None: ...

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every record sent so far is durably acknowledged.

        Raises BusUnavailable if any was not; those records may or may not have
        been stored, so the caller must send them again (at least once).
        """

    def subscribe(self, group: str, topics: list[str]) -> Subscription: ...

    def close(self) -> None: ...


def last_offsets(records: list[Record]) -> dict[tuple[str, int], int]:
    """The next offset to read per (topic, partition) once ``records`` are done."""
    nxt: dict[tuple[str, int], int] = {}
    for r in records:
        tp = (r.topic, r.partition)
        nxt[tp] = max(nxt.get(tp, -1), r.offset + 1)
    return nxt
