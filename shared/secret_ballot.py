"""The secret ballot's mechanisms, shared by every vote of the platform: balloting's project
ballot (票决) and evaluation's year-end satisfaction vote (满意度测评). Each service keeps its
own tables and its own rules of what a ballot says and how it is counted; what makes a vote
secret, one vote each, of eligible deputies only, under quorum and verifiable is here.

- Who votes: the deputies of a region's congress (a prefecture's, a county's, a township's),
  or for a sub-district (街道), which has no congress, its deliberation deputies (温县:
  "街道按相同规定由议事代表进行票选"), serving or by-elected (代表退出和增补机制).
- One vote each: a voter row per eligible deputy, and a compare-and-set on its ``voted`` flag
  (``claim_vote``) in the transaction that puts the ballot in the box; a second cast, even a
  concurrent one, updates nothing.
- No stored link between a voter and a ballot (docs/decisions.md, "The secret ballot"): the
  voter rows say who voted; the ballot rows and the receipt rows, with random keys, no voter,
  no time, no sequence, say what was voted. Closing a vote rewrites ballots and receipts in
  random order (``rewrite_shuffled``) and vacuums the tables (``vacuum``), so no row version,
  physical order or transaction id follows the order of the casts.
- Quorum: more than ``quorum_percent`` % of all eligible (过半数 at least), in integers.
- Verifiable: each ballot gets a receipt code; the bulletin lists the receipts, the anonymous
  ballots and the counts as canonical JSON, and its SHA-256 travels in the closing event.

Plain Python and SQLAlchemy Core: no gRPC, no service's tables.
"""
from __future__ import annotations

import enum
import hashlib
import json
import random
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, Engine, delete, insert, text, update
from sqlalchemy.orm import Session

from shared.errors import FailedPrecondition, InvalidArgument
from shared.tenancy import Region, RegionKind, Tier

log = structlog.get_logger("secret_ballot")
_shuffle = random.SystemRandom().shuffle


# ---- who votes --------------------------------------------------------------------------------

class Level(enum.IntEnum):
    """The roster's seat levels (lianxin.roster.v1.Level), as its events carry them."""
    NATIONAL = 1
    PROVINCIAL = 2
    PREFECTURE = 3
    COUNTY = 4
    TOWNSHIP = 5
    DELIBERATION = 6


class DeputyStatus(enum.IntEnum):
    """The roster's statuses (lianxin.roster.v1.DeputyStatus), as its events carry them."""
    SERVING = 1
    RESIGNED = 2
    TERMINATED = 3
    BY_ELECTED = 4


# A deputy who is serving, or returned by a by-election, holds their seat; one who resigned or
# was terminated does not (代表退出和增补机制).
SEATED = (DeputyStatus.SERVING, DeputyStatus.BY_ELECTED)

ELECTORATE_LABELS = {Level.PREFECTURE: "州人大代表", Level.COUNTY: "县人大代表", Level.TOWNSHIP: "乡镇人大代表",
                     Level.DELIBERATION: "街道议事代表"}


def electorate(region: Region) -> Level:
    """Whose vote a region's is: the deputies of its own people's congress, or, for a
    sub-district (街道), its deliberation deputies."""
    if region.kind is RegionKind.SUBDISTRICT:
        return Level.DELIBERATION
    return {Tier.PREFECTURE: Level.PREFECTURE, Tier.COUNTY: Level.COUNTY, Tier.TOWNSHIP: Level.TOWNSHIP}[region.tier]


def levels_of(stored: str) -> frozenset[int]:
    """A read model's seat levels, stored as a short comma list ("4,6")."""
    return frozenset(int(x) for x in stored.split(",") if x)


def eligible(levels: frozenset[int], status: int, level: Level) -> bool:
    """A deputy votes when they hold a seat of ``level`` and are serving or by-elected."""
    return int(level) in levels and status in (int(s) for s in SEATED)


# ---- quorum -----------------------------------------------------------------------------------

MIN_QUORUM_PERCENT = 50


def check_quorum_percent(value: int, field: str) -> int:
    if not MIN_QUORUM_PERCENT <= value < 100:
        raise InvalidArgument(field, f"must be between {MIN_QUORUM_PERCENT} and 99 (present must exceed it)")
    return value


def quorum_met(present: int, eligible: int, quorum_percent: int = MIN_QUORUM_PERCENT) -> bool:
    """More than ``quorum_percent`` % of all eligible voters (integers: 2 of 4 is not more than
    half, 3 of 4 is)."""
    return eligible > 0 and present * 100 > eligible * quorum_percent


def check_quorum(present: int, eligible: int, quorum_percent: int, what: str = "present",
                 then: str = "the ballot opens") -> None:
    """FAILED_PRECONDITION unless more than ``quorum_percent`` % of ``eligible`` are ``what``."""
    if not quorum_met(present, eligible, quorum_percent):
        raise FailedPrecondition(f"{present} of {eligible} voters {what}: {then} only with more than "
                                 f"{quorum_percent}% {what} (过半数)")


# ---- receipts and the bulletin --------------------------------------------------------------

# Codes are read from a phone's screen and typed back: no 0/O, 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 16


def new_receipt_code() -> str:
    """A receipt code: 16 symbols of 32 (80 random bits)."""
    return "".join(CODE_ALPHABET[b & 31] for b in secrets.token_bytes(RECEIPT_LENGTH))


def bulletin_json(doc: Mapping[str, Any]) -> bytes:
    """The bulletin's canonical bytes: JSON with sorted keys, no spaces, UTF-8 (its SHA-256 is
    the digest the closing event publishes; anyone recomputes it from the published text)."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def digest(data: bytes) -> str:
    """SHA-256 of the bulletin's bytes, hex."""
    return hashlib.sha256(data).hexdigest()


def random_id() -> str:
    """A ballot row's key: random, so key order says nothing of the order of the casts."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))


# ---- storage: one vote each, nothing to join ----------------------------------------------------

def claim_vote(session: Session, voters: Any, *where: Any) -> bool:
    """Marks one voter row (``where`` selects it, with any condition such as being present) as
    having voted, only if it had not: True when this call marked it. The row lock makes a
    second, concurrent cast by the same voter wait, then update nothing. ``voters`` is the
    ORM class of the service's voter table, with a boolean ``voted`` column."""
    result = session.execute(update(voters).where(*where, voters.voted.is_(False)).values(voted=True)
                             .execution_options(synchronize_session=False))
    return cast(CursorResult, result).rowcount == 1


def rewrite_shuffled(session: Session, table: Any, where: Sequence[Any], rows: Iterable[Mapping[str, Any]], *,
                     fresh_id: str | None = None) -> None:
    """Deletes the rows ``where`` selects and writes ``rows`` back in random order, in the
    caller's transaction (a fresh random ``fresh_id`` key each, when named). The caller
    expunges any ORM objects of those rows first."""
    kept = [dict(r) for r in rows]
    session.execute(delete(table).where(*where))
    _shuffle(kept)
    if fresh_id:
        for r in kept:
            r[fresh_id] = random_id()
    if kept:
        session.execute(insert(table), kept)


def vacuum(engine: Engine, tables: Sequence[str]) -> None:
    """New table files without the dead row versions of the casts (PostgreSQL VACUUM FULL;
    SQLite VACUUM), outside any transaction. A failure is logged: the rows themselves no
    longer link anyone, only old versions in the files' free space might. ``tables`` are
    the service's own table names, never user input."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            if c.dialect.name == "postgresql":
                c.execute(text("VACUUM FULL " + ", ".join(tables)))
            else:
                c.execute(text("VACUUM"))
    except Exception as e:   # noqa: BLE001 - the count stands; the operator is told
        log.warning("vacuum after the count failed", error=type(e).__name__)
