"""Keyset page tokens (Google AIP-158), one mechanism for every list RPC.

A listing is ordered by a total order ending in a unique column (e.g. region path, name,
id). A page token carries the sort key of the last row served and a digest of the query
that issued it: the request without its ``page`` field, its strings in canonical form and
the filters the listing resolves (a region scope) as resolved, and the caller. The next page is
"the rows after that key", so rows added or removed meanwhile neither repeat a row on two
pages nor skip one that existed before. A token reused with another filter, another
list RPC or another caller is INVALID_ARGUMENT ``page.page_token``; ``page_size`` may
change between pages.

A token is opaque to clients: url-safe base64 of a small JSON document and a checksum.
The checksum catches damaged or hand-made tokens; it is not a secret signature, and needs
not be: a token's values only ever become bound parameters of a query that still filters
by the caller's scope, so a forged token can reorder nothing and reveal nothing.

Use: ``p = paging.page(request, who)`` in the servicer; in the store
``paging.keyset(select(...), [(col, DESC), ...], p)`` then ``paging.take(p, rows, key)``.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import and_, bindparam, or_, tuple_

from shared.errors import InvalidArgument
from shared.text import canonical_strings

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_TOKEN = 2000          # characters; a token this server issues is a few hundred at most
ASC, DESC = False, True
_VERSION = 1


@dataclass(frozen=True)
class Page:
    """One page of a listing: how many rows, after which sort key (None: the first page),
    and the query digest the next token carries."""
    size: int
    after: tuple | None
    query: str
    field: str = "page"

    def bad_token(self, reason: str = "is not a token this server issued") -> InvalidArgument:
        return InvalidArgument(f"{self.field}.page_token", reason)


def _digest(request, who, field: str, resolved: Mapping[str, object]) -> str:
    """The query a token is bound to: the request without ``field``, its strings in their
    canonical form (shared.text.form_of_field: " 批量 " and "批\u200b量" are the name filter
    批量), the fields named in ``resolved`` replaced by what the listing resolved them to,
    and the caller."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField(field)
    for name in resolved:
        copy.ClearField(name)
    canonical_strings(copy)
    h = hashlib.sha256(type(request).DESCRIPTOR.full_name.encode())
    h.update(b"\0")
    h.update(copy.SerializeToString(deterministic=True))
    if resolved:
        h.update(b"\0" + json.dumps({k: str(v) for k, v in resolved.items()}, sort_keys=True,
                                    ensure_ascii=False).encode())
    if who is not None:
        h.update(f"\0{who.role.value}:{who.subject}@{who.region}".encode())
    return h.hexdigest()[:24]


def _checksum(body: bytes) -> str:
    return hashlib.sha256(b"lianxin-page-token\0" + body).hexdigest()[:16]


def _encode_value(v):
    if isinstance(v, datetime):
        return ["t", v.isoformat()]
    if isinstance(v, date):
        return ["d", v.isoformat()]
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise TypeError(f"a sort key value must be str, int, date or datetime, not {type(v).__name__}")
    return ["i" if isinstance(v, int) else "s", v]


def _decode_value(item):
    kind, v = item
    if kind == "s" and isinstance(v, str):
        return v
    if kind == "i" and isinstance(v, int) and not isinstance(v, bool):
        return v
    if kind == "t" and isinstance(v, str):
        return datetime.fromisoformat(v)
    if kind == "d" and isinstance(v, str):
        return date.fromisoformat(v)
    raise ValueError(kind)


def page(request, who=None, field: str = "page", resolved: Mapping[str, object] | None = None) -> Page:
    """The page a list request asks for. ``request`` is the whole list request (its filter
    fields, in canonical form, bind the token), ``who`` the caller. ``resolved``: request
    fields by the value the listing resolved them to (``{"region_code": scope path}``), so
    that filters that select the same rows (a region_code omitted, or naming the caller's
    own region) take the same tokens. A ``page_size`` of 0 is the default (50),
    one above 500 is served as 500 (AIP-158: coerced to the maximum, not refused).
    INVALID_ARGUMENT names ``page.page_size`` (negative) or ``page.page_token`` (damaged,
    or issued for another query)."""
    p = getattr(request, field)
    size = p.page_size
    if size < 0:
        raise InvalidArgument(f"{field}.page_size", "must not be negative")
    size = min(size, MAX_PAGE_SIZE)
    query = _digest(request, who, field, resolved or {})
    spec = Page(size or DEFAULT_PAGE_SIZE, None, query, field)
    token = p.page_token
    if not token:
        return spec
    try:
        if len(token) > MAX_TOKEN:
            raise ValueError("long")
        raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
        body, _, check = raw.rpartition(b".")
        if not body or _checksum(body) != check.decode("ascii"):
            raise ValueError("checksum")
        doc = json.loads(body)
        if not isinstance(doc, dict) or doc.get("v") != _VERSION or not isinstance(doc.get("k"), list):
            raise ValueError("shape")
        after = tuple(_decode_value(x) for x in doc["k"])
        issued_for = doc.get("q")
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise spec.bad_token() from None
    if issued_for != query:
        raise spec.bad_token("was issued for another query: send the same filters as the first page, or no token")
    return Page(spec.size, after, query, field)


def token(p: Page, key: tuple) -> str:
    body = json.dumps({"v": _VERSION, "q": p.query, "k": [_encode_value(v) for v in key]},
                      separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(body + b"." + _checksum(body).encode()).decode("ascii").rstrip("=")


def keyset(query, order: Sequence[tuple], p: Page):
    """``query`` ordered by ``order`` ((column, ASC|DESC) ..., the last column unique),
    starting after the page's sort key, one row more than the page (to know if another
    follows). A token whose key does not fit this order is INVALID_ARGUMENT."""
    columns = [c for c, _ in order]
    query = query.order_by(*[c.desc() if desc else c.asc() for c, desc in order]).limit(p.size + 1)
    if p.after is None:
        return query
    if len(p.after) != len(order):
        raise p.bad_token()
    for c, v in zip(columns, p.after):
        try:   # a TypeDecorator (e.g. shared.db.UtcDateTime) answers for its impl
            expected = getattr(c.type, "impl_instance", c.type).python_type
        except NotImplementedError:
            expected = type(v)
        if type(v) is not expected or (isinstance(v, str) and "\x00" in v):
            raise p.bad_token()
    values = [bindparam(None, v, type_=c.type) for c, v in zip(columns, p.after)]
    directions = {desc for _, desc in order}
    if len(directions) == 1:
        # One direction: a row-value comparison, which an index on the columns serves.
        after = tuple_(*columns) < tuple_(*values) if DESC in directions else tuple_(*columns) > tuple_(*values)
        return query.where(after)
    terms = []
    for i, (c, desc) in enumerate(order):
        equal = [columns[j] == values[j] for j in range(i)]
        terms.append(and_(*equal, c < values[i] if desc else c > values[i]))
    return query.where(or_(*terms))


Row = TypeVar("Row")


def take(p: Page, rows: list[Row], key: Callable[[Row], tuple]) -> tuple[list[Row], str]:
    """The page's rows (fetched by ``keyset``: at most one more than the page) and the
    token of the next page, '' after the last."""
    if len(rows) <= p.size:
        return rows, ""
    rows = rows[:p.size]
    return rows, token(p, key(rows[-1]))
