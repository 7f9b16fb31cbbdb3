"""Wire-level request checks every servicer shares: ids, open proto3 enums, timestamps,
page tokens, short text filters and file formats. Each failure names the request field,
so a malformed call is refused before it touches the database."""
from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp
from lianxin.common.v1 import common_pb2

from shared.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_OFFSET = 2**31 - 1   # total_size is an int32
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


def page(request_page, field: str = "page") -> tuple[int, int]:
    """Returns (limit, offset). Tokens are opaque to callers; today they carry an offset."""
    size = request_page.page_size
    if size < 0 or size > MAX_PAGE_SIZE:
        raise InvalidArgument(f"{field}.page_size", f"must be between 0 and {MAX_PAGE_SIZE}")
    offset = 0
    if request_page.page_token:
        try:
            raw = base64.urlsafe_b64decode(request_page.page_token.encode("ascii")).decode("ascii")
            kind, _, n = raw.partition(":")
            offset = int(n)
            if kind != "o" or not 0 <= offset <= MAX_OFFSET:
                raise ValueError
        except (ValueError, UnicodeError, binascii.Error):
            raise InvalidArgument(f"{field}.page_token", "is not a token this server issued") from None
    return size or DEFAULT_PAGE_SIZE, offset


def next_token(offset: int, limit: int, total: int) -> str:
    nxt = offset + limit
    return base64.urlsafe_b64encode(f"o:{nxt}".encode()).decode() if nxt < total else ""


def text_arg(value: str, field: str, max_len: int = 20) -> str:
    """A short filter argument: bounded, and no control characters (PostgreSQL refuses NUL)."""
    if len(value) > max_len:
        raise InvalidArgument(field, f"is longer than {max_len} characters")
    if any(ord(c) < 32 for c in value):
        raise InvalidArgument(field, "contains control characters")
    return value.strip()


def file_format(value: int, field: str = "format") -> str:
    if value not in FORMATS:
        raise InvalidArgument(field, "must be FILE_FORMAT_XLSX or FILE_FORMAT_CSV")
    return FORMATS[value]
