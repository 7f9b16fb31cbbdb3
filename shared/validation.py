"""Checks every service's domain applies to what people type."""
from __future__ import annotations

import re

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


# ASCII digits only: full-width or other Unicode digits would make a second key for a region.
REGION_CODE = re.compile(r"^(\d{6}|\d{9})$", re.ASCII)


def region_code(code: str, field: str) -> str:
    """A GB/T 2260 code: 6 digits down to county, 9 for a township."""
    code = (code or "").strip()
    if not code:
        raise InvalidArgument(field, "is required")
    if not REGION_CODE.match(code):
        raise InvalidArgument(field, "must be a 6-digit (to county) or 9-digit (township) region code")
    return code
