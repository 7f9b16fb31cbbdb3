"""Text checks every service's domain applies to what people type."""
from __future__ import annotations

from shared.errors import InvalidArgument


def text(value: str, field: str, *, max_len: int, required: bool = False, multiline: bool = False) -> str:
    """Trimmed ``value``, or InvalidArgument naming ``field``: required and empty, longer than
    ``max_len``, or holding control characters (line breaks and tabs only where ``multiline``)."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidArgument(field, "is required")
    if len(value) > max_len:
        raise InvalidArgument(field, f"is longer than {max_len} characters")
    allowed = "\n\t" if multiline else ""
    if any(ord(c) < 32 and c not in allowed for c in value):
        raise InvalidArgument(field, "contains control characters")
    return value
