"""Requests that do not decode: which field, and why.

gRPC's Python server answers a request it cannot deserialize with INTERNAL ("Exception
deserializing request!"), naming nothing. The commonest cause is not a broken client but an
integrating system that sends a string field in a legacy encoding (GBK or GB18030 bytes of
"张三" where proto3 requires UTF-8). The edge (shared.rpc.server) decodes tolerantly and,
after authenticating the caller, refuses such a request with INVALID_ARGUMENT naming the
field found here, e.g. ``deputy.contact.address: is not UTF-8 text``.
"""
from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from shared.errors import InvalidArgument


@dataclass(frozen=True)
class Undecodable:
    """What the tolerant deserializer hands on instead of a message."""
    data: bytes


def tolerant(deserialize):
    """``deserialize`` (a message class's FromString), returning Undecodable instead of raising."""
    def decode(data: bytes):
        try:
            return deserialize(data)
        except Exception:
            return Undecodable(data)
    return decode


def input_type(method: str) -> Descriptor | None:
    """The request type of ``/package.Service/Method``, if the default pool knows it."""
    try:
        return descriptor_pool.Default().FindMethodByName(method.strip("/").replace("/", ".")).input_type
    except KeyError:
        return None


class _Malformed(Exception):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _Malformed
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _bad_field(descriptor: Descriptor, data: bytes, prefix: str) -> tuple[str, str] | None:
    """(field path, problem) of the first string that is not UTF-8 or the first message field
    that does not parse; None if every field decodes. _Malformed: the bytes are no message."""
    seen: dict[int, int] = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _varint(data, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length, pos = _varint(data, pos)
            chunk, pos = data[pos:pos + length], pos + length
            if len(chunk) < length:
                raise _Malformed
            f = descriptor.fields_by_number.get(number)
            if f is None:
                continue
            name = prefix + f.name
            if f.is_repeated and f.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE):
                name = f"{name}[{seen.get(number, 0)}]"
                seen[number] = seen.get(number, 0) + 1
            if f.type == FieldDescriptor.TYPE_STRING:
                try:
                    chunk.decode("utf-8")
                except UnicodeDecodeError:
                    return name, "is not UTF-8 text (strings are sent as UTF-8, not GBK or GB18030)"
            elif f.type == FieldDescriptor.TYPE_MESSAGE and f.message_type is not None:
                try:
                    found = _bad_field(f.message_type, chunk, name + ".")
                except _Malformed:
                    return name, "is not a valid message"
                if found:
                    return found
        else:
            raise _Malformed
        if pos > len(data):
            raise _Malformed
    return None


def refusal(method: str, request: Undecodable) -> InvalidArgument:
    """The INVALID_ARGUMENT for a request of ``method`` that did not decode: naming the field
    at fault where the bytes tell, else the request as a whole."""
    descriptor = input_type(method)
    if descriptor is not None:
        try:
            found = _bad_field(descriptor, request.data, "")
        except _Malformed:
            found = None
        if found:
            return InvalidArgument(*found)
    kind = descriptor.full_name if descriptor is not None else "request"
    return InvalidArgument("request", f"is not a valid {kind} message")
