"""The bad-input table as a kit: for every RPC of every service (read from the proto
descriptors, as the isolation matrix is, so a new RPC cannot escape), the malformed requests
its fields' types and names call for, each made from one valid request by breaking one
field, each with the status the caller must get and the field the refusal must name.

What is generated, per field of the request and of the messages it holds (the valid request
comes from the RPC's isolation ``Case``, tests/kit/cases.py):

- an id (a string named ``id`` or ``*_id``; each element of ``*_ids``): not a UUID, and
  empty where the valid request has one: INVALID_ARGUMENT; a well-formed UUID of no record:
  NOT_FOUND. ``request_id`` (AIP-155) only: not a UUID.
- a region code (``region_code``): malformed (5 digits, letters, 10 digits, Arabic-Indic
  digits), not in the region tree (999999), and empty where the valid request has one.
- an enum: a number the enum does not have, and UNSPECIFIED where the valid request has a value.
- a Timestamp: after 9999-12-31, before 0001-01-01, nanos outside 0..999999999.
- a page (lianxin.common.v1.PageRequest): page_size negative, page_token garbage, and a
  well-formed token issued for another query (a forged one).
- a FieldMask: a path the resource does not have.
- every string: longer than any limit the platform declares (``LONG`` characters), with NUL,
  with a control character, in GBK bytes rather than UTF-8 (on the wire); where the valid
  request has one, empty and blank (spaces, the ideographic space, a zero-width space).
- a message (a repeated field) the valid request sets: absent (empty).
- every integer: negative, and the largest its type holds.
- bytes the valid request has (a file's content): empty.
- every repeated field the valid request fills, and every list of strings (not ids) or
  integers: ``MANY`` elements.

Each expects INVALID_ARGUMENT (NOT_FOUND for a well-formed unknown id) whose details start
with the field's path and ": " (``shared.errors``: ``field: problem``), e.g.
``deputy.seats[0].level: unknown value 6``. A field inside the resource of an update request
is also added to its FieldMask (else the server rightly ignores it), and the refusal may then
name the mask instead (a field that may not be updated). The tests also check that nothing
was written (``table_state``: rows and their content in every table of the service's database,
before and after).

A service plugs in with one ``Spec`` per RPC (an RPC without one fails), naming what the
types cannot know: fields where empty or UNSPECIFIED is a valid value (``optional``, with the
reason) and cases not to generate (``exempt``: a path, a field's full name such as
``lianxin.roster.v1.Deputy.card_code``, or either followed by ": <kind>", with the reason).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import grpc
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from sqlalchemy import inspect, text

from shared import paging

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
LONG = 10_000          # characters: above every limit the services declare (the longest is 2000)
MANY = 1_000           # elements of a repeated field
MAX_DEPTH = 4
NOT_A_UUID = "not-a-uuid"
BAD_REGIONS = {"5 digits": "12345", "letters": "abcdef", "10 digits": "6523011001",
               "Arabic-Indic digits": "٦٥٢٣٠١", "not in the region tree": "999999"}
_MAX_SECONDS, _MIN_SECONDS = 253402300799, -62135596800   # 9999-12-31T23:59:59Z, 0001-01-01T00:00:00Z
# A string field's text in GBK, not UTF-8, as a legacy system sends it: set as a placeholder
# of the same length in UTF-8 (6 bytes) and swapped in the serialized request.
_PLACEHOLDER, _GBK = "\ue000\ue001", "张三李".encode("gbk")
PAGE_REQUEST = "lianxin.common.v1.PageRequest"
TIMESTAMP = "google.protobuf.Timestamp"
FIELD_MASK = "google.protobuf.FieldMask"
_WIDE = {FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64}
_INTEGERS = {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT32,
             FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED32, FieldDescriptor.TYPE_SFIXED64}


@dataclass(frozen=True)
class Spec:
    """How one RPC plugs into the bad-input table.

    ``caller``: the isolation caller (tests/kit/cases.py) the bad requests come from; empty:
    the first of ``PREFERRED_CALLERS`` its Case answers OK. ``case``: which of the RPC's
    isolation Cases gives the valid request. ``optional``: path -> why empty or UNSPECIFIED
    is valid there. ``exempt``: path, field full name, or either + ": <kind>" -> why that
    case is not made."""
    caller: str = ""
    case: int = 0
    optional: Mapping[str, str] = field(default_factory=dict)
    exempt: Mapping[str, str] = field(default_factory=dict)


PREFERRED_CALLERS = ("own", "parent", "system", "dept_own", "deputy_own", "public")


@dataclass(frozen=True)
class BadCase:
    """One bad request: ``apply`` breaks a copy of the valid request in place."""
    path: str                          # the field, as the refusal names it
    kind: str                          # what is wrong with it
    apply: Callable[[Any], None]
    code: grpc.StatusCode = INVALID
    named: tuple[str, ...] = ()        # the fields the refusal may name (default: path)
    within: bool = False               # an element or member of the field may be named instead
    raw: bool = False                  # the field's UTF-8 is swapped for GBK bytes on the wire

    @property
    def label(self) -> str:
        return f"{self.path}: {self.kind}"

    def request(self, base):
        copy = type(base)()
        copy.CopyFrom(base)
        self.apply(copy)
        return copy

    def payload(self, base) -> bytes:
        """The bad request as it goes on the wire."""
        data = self.request(base).SerializeToString()
        return data.replace(_PLACEHOLDER.encode(), _GBK) if self.raw else data

    def names_field(self, details: str) -> bool:
        """Whether a refusal's details name the field (``field: problem``)."""
        named = details.partition(": ")[0]
        fields = self.named or (self.path,)
        if named in fields:
            return True
        return self.within and any(named.startswith(f + "[") or named.startswith(f + ".") for f in fields)


# ---- walking a request -------------------------------------------------------------------

Step = str | int   # a field name, or an index into a repeated field


def _resolve(message, steps: tuple[Step, ...]):
    """The message or repeated container at ``steps`` (created on the way: a mutation sets it)."""
    for s in steps:
        message = message[s] if isinstance(s, int) else getattr(message, s)
    return message


def _present(message, steps: tuple[Step, ...], f: FieldDescriptor) -> bool:
    """Whether the valid request sets the field at ``steps`` + ``f`` (without creating anything)."""
    for s in steps:
        if isinstance(s, int):
            if s >= len(message):
                return False
            message = message[s]
        else:
            if not message.DESCRIPTOR.fields_by_name[s].is_repeated and not message.HasField(s):
                return False
            message = getattr(message, s)
    if f.is_repeated:
        return len(getattr(message, f.name)) > 0
    if f.type == FieldDescriptor.TYPE_MESSAGE:
        return message.HasField(f.name)
    return getattr(message, f.name) != f.default_value


def _is_id(name: str) -> bool:
    return (name == "id" or name.endswith("_id")) and name != "request_id"


def _setter(steps: tuple[Step, ...], name: str, value, index: int | None = None) -> Callable[[Any], None]:
    def apply(m) -> None:
        parent = _resolve(m, steps)
        if index is None:
            setattr(parent, name, value)
            return
        items = getattr(parent, name)
        if index < len(items):
            items[index] = value
        else:
            items.append(value)
    return apply


def _clearer(steps: tuple[Step, ...], name: str) -> Callable[[Any], None]:
    def apply(m) -> None:
        _resolve(m, steps).ClearField(name)
    return apply


def _timestamp_setter(steps: tuple[Step, ...], seconds: int | None, nanos: int) -> Callable[[Any], None]:
    def apply(m) -> None:
        t = _resolve(m, steps)
        if seconds is not None:
            t.seconds = seconds
        elif not t.seconds:
            t.seconds = int(datetime.now(timezone.utc).timestamp()) + 86400
        t.nanos = nanos
    return apply


def forged_page_token() -> str:
    """A token in the server's own format, with a valid checksum, issued for no query the
    caller sent (what a client that edits tokens makes)."""
    p = paging.Page(size=10, after=None, query="0" * 24)
    return paging.token(p, ("x",))


class _Walker:
    def __init__(self, base, spec: Spec):
        self.base = base
        self.spec = spec
        self.out: list[BadCase] = []
        self.mask = next((f.name for f in base.DESCRIPTOR.fields
                          if f.type == FieldDescriptor.TYPE_MESSAGE and f.message_type.full_name == FIELD_MASK
                          and not f.is_repeated), None)

    def exempt(self, path: str, f: FieldDescriptor, kind: str = "") -> bool:
        keys = {path, f.full_name} | ({f"{path}: {kind}", f"{f.full_name}: {kind}"} if kind else set())
        return any(k in self.spec.exempt for k in keys)

    def add(self, path: str, f: FieldDescriptor, kind: str, apply: Callable[[Any], None], steps: tuple[Step, ...],
            code: grpc.StatusCode = INVALID, within: bool = False, raw: bool = False) -> None:
        if self.exempt(path, f, kind):
            return
        named: tuple[str, ...] = (path,)
        top = str(steps[1]) if len(steps) > 1 else ""
        if self.mask and top and steps[0] != self.mask and top != "id" and \
                self.base.DESCRIPTOR.fields_by_name[str(steps[0])].type == FieldDescriptor.TYPE_MESSAGE:
            # a field of the resource in an update request (not its id, which names the
            # record): put it in the mask
            inner, mask = apply, self.mask

            def apply(m, inner=inner, top=top, mask=mask) -> None:
                inner(m)
                paths = getattr(m, mask).paths
                if top not in paths:
                    paths.append(top)
            named = (path, mask)
        self.out.append(BadCase(path, kind, apply, code, named, within, raw))

    def walk(self, descriptor: Descriptor, steps: tuple[Step, ...], prefix: str, depth: int) -> None:
        for f in descriptor.fields:
            path = f"{prefix}{f.name}"
            if self.exempt(path, f):
                continue
            present = _present(self.base, steps, f)
            if f.type == FieldDescriptor.TYPE_MESSAGE:
                if f.message_type.GetOptions().map_entry:
                    continue
                self.message(f, steps, path, present, depth)
            elif f.is_repeated:
                self.repeated_scalar(f, steps, path, present)
            else:
                self.scalar(f, steps, path, present, lambda v, f=f: _setter(steps, f.name, v))

    # ---- messages
    def message(self, f: FieldDescriptor, steps, path: str, present: bool, depth: int) -> None:
        name = f.message_type.full_name
        here = steps + (f.name,)
        if present and path not in self.spec.optional:
            self.add(path, f, "empty" if f.is_repeated else "absent", _clearer(steps, f.name), here)
        if f.is_repeated:
            if not present:
                return   # no valid element to break or to repeat
            self.many(f, steps, path)
            if depth < MAX_DEPTH:
                self.walk(f.message_type, here + (0,), f"{path}[0].", depth + 1)
            return
        if name == TIMESTAMP:
            for kind, seconds, nanos in (("after 9999-12-31", _MAX_SECONDS + 1, 0),
                                         ("before 0001-01-01", _MIN_SECONDS - 1, 0),
                                         ("nanos negative", None, -1), ("nanos of a whole second", None, 10 ** 9)):
                self.add(path, f, kind, _timestamp_setter(here, seconds, nanos), here)
        elif name == FIELD_MASK:
            self.add(path, f, "unknown path",
                     lambda m: getattr(m, f.name).paths.append("no_such_field"), ())
        elif name == PAGE_REQUEST:
            for kind, sub, value in (("negative size", "page_size", -1), ("garbage token", "page_token", "garbage!!"),
                                     ("forged token", "page_token", forged_page_token())):
                self.add(f"{path}.{sub}", f, kind, _setter(here, sub, value), here)
        elif depth < MAX_DEPTH and not name.startswith("google.protobuf."):
            self.walk(f.message_type, here, f"{path}.", depth + 1)

    # ---- repeated scalars
    def many(self, f: FieldDescriptor, steps, path: str) -> None:
        def apply(m) -> None:
            items = getattr(_resolve(m, steps), f.name)
            if not len(items):   # a list of distinct made-up values
                if f.type == FieldDescriptor.TYPE_STRING:
                    items.extend(f"项{i}" for i in range(MANY))
                else:
                    items.extend(range(1, MANY + 1))
                return
            first = items[0]
            for i in range(MANY - len(items)):
                if f.type == FieldDescriptor.TYPE_MESSAGE:
                    items.add().CopyFrom(first)
                elif f.type == FieldDescriptor.TYPE_STRING and not _is_id(f.name.removesuffix("s")):
                    items.append(f"{first}{i}")
                else:
                    items.append(first)
        self.add(path, f, f"{MANY} elements", apply, steps + (f.name,), within=True)

    def repeated_scalar(self, f: FieldDescriptor, steps, path: str, present: bool) -> None:
        if present or (f.type == FieldDescriptor.TYPE_STRING and not f.name.endswith("_ids")) or f.type in _INTEGERS:
            self.many(f, steps, path)
        if present:
            if path not in self.spec.optional:
                self.add(path, f, "empty", _clearer(steps, f.name), steps + (f.name,))
        index = 0
        element = f"{path}[{index}]"
        if f.type == FieldDescriptor.TYPE_STRING and f.name.endswith("_ids"):
            self.add(element, f, "not a UUID", _setter(steps, f.name, NOT_A_UUID, index), steps + (f.name,))
            self.add(element, f, "unknown", _setter(steps, f.name, str(uuid.uuid4()), index), steps + (f.name,),
                     code=NOT_FOUND)
        self.scalar(f, steps, element, False, lambda v: _setter(steps, f.name, v, index))

    # ---- scalars
    def scalar(self, f: FieldDescriptor, steps, path: str, present: bool,
               setter: Callable[[Any], Callable[[Any], None]]) -> None:
        at = steps + (f.name,)
        optional = path in self.spec.optional
        if f.type == FieldDescriptor.TYPE_STRING:
            if _is_id(f.name) or f.name == "request_id":
                self.add(path, f, "not a UUID", setter(NOT_A_UUID), at)
            if _is_id(f.name):
                if present and not optional:
                    self.add(path, f, "empty", setter(""), at)
                self.add(path, f, "unknown", setter(str(uuid.uuid4())), at, code=NOT_FOUND)
            if f.name == "region_code":
                for kind, value in BAD_REGIONS.items():
                    self.add(path, f, kind, setter(value), at)
            if present and not optional and not _is_id(f.name):
                self.add(path, f, "empty", setter(""), at)
                self.add(path, f, "blank", setter(" \u3000\u200b"), at)
            self.add(path, f, f"{LONG} characters", setter("长" * LONG), at)
            self.add(path, f, "NUL", setter("a\x00b"), at)
            self.add(path, f, "control character", setter("a\x07b"), at)
            self.add(path, f, "GBK bytes", setter(_PLACEHOLDER), at, raw=True)
        elif f.type == FieldDescriptor.TYPE_ENUM:
            top = max(v.number for v in f.enum_type.values)
            self.add(path, f, "unknown number", setter(top + 1), at)
            if present and not optional:
                self.add(path, f, "UNSPECIFIED", setter(0), at)
        elif f.type in _INTEGERS:
            self.add(path, f, "negative", setter(-1), at)
            self.add(path, f, "largest", setter(2 ** 63 - 1 if f.type in _WIDE else 2 ** 31 - 1), at)
        elif f.type == FieldDescriptor.TYPE_BYTES and present and not optional:
            self.add(path, f, "empty", setter(b""), at)


def generate(base, spec: Spec) -> list[BadCase]:
    """Every bad request the fields of ``base`` (a valid request) call for, as the module doc says."""
    w = _Walker(base, spec)
    w.walk(base.DESCRIPTOR, (), "", 0)
    return w.out


def unused_exemptions(base, spec: Spec) -> list[str]:
    """Keys of ``spec.optional`` and ``spec.exempt`` that match no field or case of the
    request (a renamed field leaves a stale exemption behind)."""
    everything = generate(base, Spec(caller=spec.caller, case=spec.case))
    paths = {c.path for c in everything}
    full_names: set[str] = set()

    def names(d: Descriptor, depth: int) -> None:
        for f in d.fields:
            full_names.add(f.full_name)
            if f.type == FieldDescriptor.TYPE_MESSAGE and depth < MAX_DEPTH and \
                    not f.message_type.full_name.startswith("google.protobuf."):
                names(f.message_type, depth + 1)
    names(base.DESCRIPTOR, 0)
    kinds = {c.kind for c in everything}
    fields = paths | full_names
    stale = [k for k in spec.optional if k not in paths]
    for k in spec.exempt:
        thing, _, kind = k.partition(": ")
        if thing not in fields or (kind and kind not in kinds):
            stale.append(k)
    return stale


# ---- nothing written ----------------------------------------------------------------------

_TABLES: dict[int, list[str]] = {}


def table_state(engine) -> dict[str, tuple[int, str]]:
    """Per table of the database (one query): its rows and a digest of their content. A
    refused request adds, removes and changes none."""
    key = id(engine)
    if key not in _TABLES:
        _TABLES[key] = sorted(t for t in inspect(engine).get_table_names() if t != "alembic_version")
    tables = _TABLES[key]
    if not tables:
        return {}
    sql = " UNION ALL ".join(
        f"SELECT '{t}', count(*), coalesce(md5(string_agg(r::text, '|' ORDER BY r::text)), '') FROM \"{t}\" r"
        for t in tables)
    with engine.connect() as c:
        return {t: (n, digest) for t, n, digest in c.execute(text(sql)).all()}


def changed(before: Mapping[str, tuple[int, str]], after: Mapping[str, tuple[int, str]]) -> dict[str, str]:
    """The tables a request wrote: their row counts before and after, or 'rows changed'."""
    out = {}
    for t, (n, digest) in after.items():
        was, was_digest = before.get(t, (0, ""))
        if (n, digest) != (was, was_digest):
            out[t] = f"{was} -> {n} rows" if n != was else "rows changed"
    return out
