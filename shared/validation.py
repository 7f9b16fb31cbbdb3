"""Checks every service's domain applies to what people type.

Every value is first brought to its canonical form (``shared.text``: one form per kind of
field), then checked, so that limits, duplicate keys and searches see what is stored."""
from __future__ import annotations

import re
from collections.abc import Callable

from shared import text as canonical
from shared.errors import InvalidArgument


def text(value: str, field: str, *, max_len: int, required: bool = False, multiline: bool = False,
         form: Callable[[str], str] | None = None) -> str:
    """``value`` in its canonical ``form`` (default: ``shared.text.text`` where ``multiline``,
    else ``shared.text.line``), or InvalidArgument naming ``field``: required and empty,
    longer than ``max_len`` characters, or holding control characters (line breaks and tabs
    only where ``multiline``)."""
    form = form or (canonical.text if multiline else canonical.line)
    value = form(value or "")
    if required and not value:
        raise InvalidArgument(field, "is required")
    if len(value) > max_len:
        raise InvalidArgument(field, f"is longer than {max_len} characters")
    allowed = "\n\t" if multiline else ""
    if any((ord(c) < 32 or 0x7f <= ord(c) < 0xa0) and c not in allowed for c in value):
        raise InvalidArgument(field, "contains control characters")
    return value


# ASCII digits only after canonical.code: full-width digits are folded to ASCII first, and
# any other digit (Arabic-Indic, ...) would make a second key for a region.
REGION_CODE = re.compile(r"^(\d{6}|\d{9})$", re.ASCII)


def region_code(code: str, field: str) -> str:
    """A GB/T 2260 code: 6 digits down to county, 9 for a township."""
    code = canonical.code(code)
    if not code:
        raise InvalidArgument(field, "is required")
    if not REGION_CODE.match(code):
        raise InvalidArgument(field, "must be a 6-digit (to county) or 9-digit (township) region code")
    return code
