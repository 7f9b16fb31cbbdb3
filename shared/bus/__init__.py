"""Events between services: transactional outbox, relay, idempotent consumers.

Only composition roots import this; domain code stays free of it. The Kafka and
embedded transports are not imported here (see shared.bus.factory), so importing
the package loads no bus client.
"""

from shared.bus.consumer import Consumer, Handler
from shared.bus.envelope import Envelope
from shared.bus.factory import make_transport
from shared.bus.outbox import Outbox
from shared.bus.relay import Relay
from shared.bus.schema import BusTables, bus_tables, create_bus_tables, drop_bus_tables
from shared.bus.transport import BusUnavailable, CommitFailed, Record, Subscription, Transport

__all__ = [
    "BusTables",
    "BusUnavailable",
    "CommitFailed",
    "Consumer",
    "Envelope",
    "Handler",
    "Outbox",
    "Record",
    "Relay",
    "Subscription",
    "Transport",
    "bus_tables",
    "create_bus_tables",
    "drop_bus_tables",
    "make_transport",
]
