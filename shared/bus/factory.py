"""Choosing the bus at a service's composition root, from its configuration."""

from __future__ import annotations

from shared.bus.transport import Transport


def make_transport(kind: str, *, kafka_bootstrap: str, embedded_path: str, client_id: str,
                   kafka_namespace: str = "", kafka_options: dict | None = None) -> Transport:
    """``kafka_options``: session_timeout, heartbeat_interval (seconds), instance_id."""
    # Imports are local so that an embedded install never loads kafka-python.
    if kind == "kafka":
        from shared.bus.kafka import KafkaTransport

        return KafkaTransport(kafka_bootstrap, client_id=client_id, namespace=kafka_namespace,
                              **(kafka_options or {}))
    if kind == "embedded":
        from shared.bus.embedded import EmbeddedTransport

        return EmbeddedTransport(embedded_path)
    raise ValueError(f"unknown bus kind {kind!r}; expected 'kafka' or 'embedded'")
