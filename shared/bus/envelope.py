"""One event as it travels: CloudEvents attributes plus the protobuf payload.

The wire form follows the CloudEvents Kafka protocol binding in binary mode: the
payload is the record value untouched, and the attributes ride in ``ce_*`` headers,
so consumers can route and de-duplicate without parsing the payload.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from shared import clock

SPECVERSION = "1.0"
CONTENT_TYPE = "application/protobuf"


def topic_for(service: str) -> str:
    """Each service publishes on one topic, versioned with its proto package."""
    return f"lianxin.{service}.v1"


def topic_of_event(message_class) -> str:
    """The topic an event class travels on: that of the service whose proto package
    (``lianxin.<service>.v1``) declares it. ValueError for a class outside such a package."""
    package = message_class.DESCRIPTOR.file.package
    parts = package.split(".")
    if len(parts) != 3 or parts[0] != "lianxin" or parts[2] != "v1":
        raise ValueError(f"{message_class.DESCRIPTOR.full_name} is not in a lianxin.<service>.v1 package")
    return topic_for(parts[1])


def source_for(service: str, home_region: str) -> str:
    return f"/lianxin/{service}/{home_region}"


def format_time(t: datetime) -> str:
    """RFC 3339 in UTC with a literal Z, which every CloudEvents SDK parses."""
    if t.tzinfo is None:
        raise ValueError("event time must be timezone-aware")
    return t.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(s: str) -> datetime:
    # fromisoformat accepts the trailing Z from Python 3.11 on.
    t = datetime.fromisoformat(s)
    if t.tzinfo is None:
        raise ValueError(f"ce_time without an offset: {s!r}")
    return t.astimezone(timezone.utc)


@dataclass(frozen=True)
class Envelope:
    id: str  # uuid4 string; consumers de-duplicate on it
    type: str  # protobuf full name of the payload
    source: str  # "/lianxin/<service>/<home region>"
    subject: str  # region code the event concerns
    time: datetime  # tz-aware UTC
    topic: str
    key: str  # region code: Kafka keeps per-key order, so per-region order
    data: bytes  # serialized protobuf

    @classmethod
    def for_message(
        cls, message, *, service: str, home_region: str, region: str, time: datetime | None = None
    ) -> Envelope:
        """A fresh envelope for ``message`` published by ``service`` about ``region``."""
        return cls(
            id=str(uuid.uuid4()),
            type=message.DESCRIPTOR.full_name,
            source=source_for(service, home_region),
            subject=region,
            time=(time or clock.now()).astimezone(timezone.utc),
            topic=topic_for(service),
            key=region,
            data=message.SerializeToString(),
        )

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("ce_specversion", SPECVERSION.encode()),
            ("ce_id", self.id.encode()),
            ("ce_type", self.type.encode()),
            ("ce_source", self.source.encode()),
            ("ce_subject", self.subject.encode()),
            ("ce_time", format_time(self.time).encode()),
            ("content-type", CONTENT_TYPE.encode()),
        ]

    @classmethod
    def from_headers(
        cls,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: Iterable[tuple[str, bytes | None]] | None,
    ) -> Envelope:
        """Rebuild an envelope from a record; ValueError if it is not a CloudEvent of ours."""
        h: dict[str, str] = {}
        for name, raw in headers or ():
            # Header names are case-insensitive in the binding; values are UTF-8 text.
            h[name.lower()] = (raw or b"").decode("utf-8")
        missing = [n for n in ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time") if n not in h]
        if missing:
            raise ValueError(f"record on {topic} is missing CloudEvents headers {missing}")
        if h["ce_specversion"] != SPECVERSION:
            raise ValueError(f"unsupported CloudEvents specversion {h['ce_specversion']!r}")
        ctype = h.get("content-type", CONTENT_TYPE)
        if ctype.split(";")[0].strip() != CONTENT_TYPE:
            raise ValueError(f"unexpected content-type {ctype!r}")
        key_text = key.decode("utf-8") if key is not None else ""
        return cls(
            id=h["ce_id"],
            type=h["ce_type"],
            source=h["ce_source"],
            subject=h.get("ce_subject", key_text),
            time=parse_time(h["ce_time"]),
            topic=topic,
            key=key_text,
            data=bytes(value or b""),
        )

    def unpack(self, message_class):
        """Parse the payload as ``message_class``; ValueError if the event is of another type."""
        expected = message_class.DESCRIPTOR.full_name
        if self.type != expected:
            raise ValueError(f"event {self.id} is {self.type}, not {expected}")
        message = message_class()
        message.ParseFromString(self.data)
        return message
