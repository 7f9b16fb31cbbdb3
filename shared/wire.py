"""Wire-level request checks every servicer shares: ids, open proto3 enums, timestamps,
short text filters and file formats (page tokens are shared.paging's). Each failure names
the request field, so a malformed call is refused before it touches the database."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp
from lianxin.common.v1 import common_pb2

from shared import text as canonical
from shared import validation
from shared.errors import InvalidArgument

# Timestamps a request may carry: 0001-01-01 .. 9999-12-31 is what datetime can hold.
_MIN_SECONDS, _MAX_SECONDS = -62135596800, 253402300799
FORMATS = {common_pb2.FILE_FORMAT_XLSX: "xlsx", common_pb2.FILE_FORMAT_CSV: "csv"}


def require_id(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        raise InvalidArgument(field, "is not a valid id") from None


def optional_id(value: str, field: str) -> str:
    return require_id(value, field) if value else ""


def enum_value(kind, value: int, field: str, *, required: bool):
    """Proto3 enums are open: a caller can send any int. Unknown values are refused here."""
    if value == 0:
        if required:
            raise InvalidArgument(field, "is required")
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidArgument(field, f"unknown value {value}") from None


def timestamp(message, name: str, field: str, *, required: bool) -> datetime | None:
    if not message.HasField(name):
        if required:
            raise InvalidArgument(field, "is required")
        return None
    t = getattr(message, name)
    if not (_MIN_SECONDS <= t.seconds <= _MAX_SECONDS) or not 0 <= t.nanos < 1_000_000_000:
        raise InvalidArgument(field, "is out of range")
    return t.ToDatetime(tzinfo=timezone.utc)


def ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    t = Timestamp()
    t.FromDatetime(value)
    return t


def text_arg(value: str, field: str, max_len: int = 20, form: Callable[[str], str] = canonical.line) -> str:
    """A short filter argument in the canonical ``form`` its column is stored in
    (shared.text), so a search finds what was stored whatever the keyboard: bounded, and
    no control characters (PostgreSQL refuses NUL)."""
    return validation.text(value, field, max_len=max_len, form=form)


def file_format(value: int, field: str = "format") -> str:
    if value not in FORMATS:
        raise InvalidArgument(field, "must be FILE_FORMAT_XLSX or FILE_FORMAT_CSV")
    return FORMATS[value]
