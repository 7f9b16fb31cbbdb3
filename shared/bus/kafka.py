"""The bus on Apache Kafka, through kafka-python.

Producer: acks=all with retries and idempotence (kafka-python's default), so a
record is acknowledged only once every in-sync replica has it, and retries neither
duplicate nor reorder within a partition. After any delivery failure the producer
is thrown away and rebuilt: its buffered records would otherwise be delivered
later behind the relay's back (the relay re-sends them from the outbox anyway),
and an idempotent producer can be left in a fatal sequence state by an outage.

Consumer: offsets are committed only explicitly, after the consumer's database
transaction; a new group starts from the earliest record.

Namespace: an optional prefix put on every topic and consumer group on the broker (and taken
off again for the rest of the code), so separate installations or test runs can share one
cluster without reading each other's events or joining each other's groups.
"""

from __future__ import annotations

import threading
import time

import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import CommitFailedError, IllegalStateError, KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from shared.bus.transport import BusUnavailable, CommitFailed, Record, last_offsets

# A record not acknowledged within this time fails (and the relay re-sends it later).
_DELIVERY_TIMEOUT_MS = 30_000


class KafkaTransport:
    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str,
        max_block: float = 10.0,
        reconnect_backoff_max: float = 2.0,
        namespace: str = "",
        session_timeout: float = 10.0,
        heartbeat_interval: float = 3.0,
        instance_id: str = "",
    ):
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.namespace = namespace
        # How long send() may wait for topic metadata when the broker is away; the
        # library default (60 s) would stall the relay far past its flush timeout.
        self.max_block = max_block
        # The library backs off reconnects up to 30 s; a short cap means delivery
        # resumes within a couple of seconds of the broker coming back.
        self.reconnect_backoff_max = reconnect_backoff_max
        # A consumer that dies without leaving its group (kill -9, a lost host) holds its
        # partitions until the broker has heard no heartbeat for session_timeout: kafka-python's
        # 45 s default left a restarted service idle that long. With instance_id set, each
        # consumer is a static member (KIP-345, group.instance.id = "<instance_id>.<group>"): a
        # restart with the same id takes its partitions back at once, with no rebalance. An
        # instance id must be unique among the replicas of one deployment.
        self.session_timeout = session_timeout
        self.heartbeat_interval = heartbeat_interval
        self.instance_id = instance_id
        self._lock = threading.Lock()
        self._producer: KafkaProducer | None = None  # built on first send, not here
        self._futures: list = []
        self._subs: list[KafkaSubscription] = []

    def broker_name(self, name: str) -> str:
        """A topic or group name as the broker knows it."""
        return self.namespace + name

    def local_name(self, topic: str) -> str:
        return topic[len(self.namespace):] if self.namespace and topic.startswith(self.namespace) else topic

    def _new_producer(self) -> KafkaProducer:
        return KafkaProducer(
            bootstrap_servers=self.bootstrap,
            client_id=self.client_id,
            acks="all",
            retries=2**31 - 1,  # bounded in time by delivery_timeout_ms instead
            enable_idempotence=True,
            max_block_ms=int(self.max_block * 1000),
            request_timeout_ms=10_000,
            delivery_timeout_ms=_DELIVERY_TIMEOUT_MS,
            reconnect_backoff_max_ms=int(self.reconnect_backoff_max * 1000),
        )

    def _drop_producer(self) -> None:
        self._futures = []
        producer, self._producer = self._producer, None
        if producer is None:
            return

        def close() -> None:
            # close() first flushes and raises while records are pending; they fail
            # once delivery_timeout_ms passes, after which it closes cleanly. Done in
            # the background so the relay is not held up meanwhile. Should the broker
            # return first, they are delivered: duplicates, which inboxes absorb.
            try:
                producer.close(timeout=_DELIVERY_TIMEOUT_MS / 1000 + 5)
            except Exception:  # noqa: BLE001 - nothing more to do with a dead producer
                structlog.get_logger().debug("bus.kafka.producer_close_failed", exc_info=True)

        threading.Thread(target=close, name="kafka-producer-close", daemon=True).start()

    def send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        with self._lock:
            try:
                if self._producer is None:
                    self._producer = self._new_producer()
                self._futures.append(
                    self._producer.send(self.broker_name(topic), key=key, value=value, headers=list(headers))
                )
            except KafkaError as e:
                self._drop_producer()
                raise BusUnavailable(f"kafka {self.bootstrap}: {e!r}") from e

    def flush(self, timeout: float = 10.0) -> None:
        with self._lock:
            if self._producer is None:
                return
            try:
                self._producer.flush(timeout=timeout)
                failed = [f.exception for f in self._futures if f.failed()]
            except KafkaError as e:
                self._drop_producer()
                raise BusUnavailable(f"kafka {self.bootstrap}: flush: {e!r}") from e
            if failed:
                self._drop_producer()
                raise BusUnavailable(f"kafka {self.bootstrap}: {len(failed)} records failed: {failed[0]!r}")
            self._futures.clear()

    def subscribe(self, group: str, topics: list[str]) -> KafkaSubscription:
        sub = KafkaSubscription(self, group, list(topics))
        self._subs.append(sub)
        return sub

    def ensure_topics(self, names: list[str], partitions: int = 3) -> None:
        """Create topics that do not exist yet (the broker's default replication).

        The broker auto-creates topics too, but a consumer that subscribes before
        anything was published would only notice the topic at its next metadata
        refresh (minutes), so services call this at start-up.
        """
        try:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=self.client_id)
        except KafkaError as e:
            raise BusUnavailable(f"kafka {self.bootstrap}: {e!r}") from e
        try:
            for name in names:
                try:
                    admin.create_topics(
                        {self.broker_name(name): {"num_partitions": partitions, "replication_factor": -1}},
                        wait_for_metadata=True,
                    )
                except TopicAlreadyExistsError:
                    pass
        except KafkaError as e:
            raise BusUnavailable(f"kafka {self.bootstrap}: {e!r}") from e
        finally:
            admin.close()

    def close(self) -> None:
        for sub in self._subs:
            sub.close()
        self._subs.clear()
        with self._lock:
            if self._producer is not None:
                try:
                    self._producer.flush(timeout=5)
                except KafkaError:
                    pass
                self._producer.close(timeout=5)
                self._producer = None
                self._futures.clear()


class KafkaSubscription:
    def __init__(self, transport: KafkaTransport, group: str, topics: list[str]):
        self._t = transport
        self.group = group
        self.topics = topics
        self._consumer: KafkaConsumer | None = None

    def _get(self) -> KafkaConsumer:
        if self._consumer is None:
            try:
                c = KafkaConsumer(
                    bootstrap_servers=self._t.bootstrap,
                    client_id=self._t.client_id,
                    group_id=self._t.broker_name(self.group),
                    enable_auto_commit=False,  # committed after our DB commit, never before
                    auto_offset_reset="earliest",
                    reconnect_backoff_max_ms=int(self._t.reconnect_backoff_max * 1000),
                    request_timeout_ms=30_000,
                    session_timeout_ms=int(self._t.session_timeout * 1000),
                    heartbeat_interval_ms=int(self._t.heartbeat_interval * 1000),
                    group_instance_id=f"{self._t.instance_id}.{self.group}" if self._t.instance_id else None,
                )
                names = [self._t.broker_name(t) for t in self.topics]
                self._await_partitions(c, names)
                c.subscribe(names)
            except KafkaError as e:
                raise BusUnavailable(f"kafka {self._t.bootstrap}: {e!r}") from e
            self._consumer = c
        return self._consumer

    @staticmethod
    def _await_partitions(consumer: KafkaConsumer, names: list[str], patience: float = 10.0) -> None:
        """Joins the group only once the consumer's metadata knows the topics' partitions.

        A member that joins before it has seen a just-created topic is assigned nothing, and
        rejoins when the metadata arrives. A static member (group.instance.id) that leads the
        group and rejoins is told by the broker to skip the assignment (KIP-814), which
        kafka-python does not act on: it kept its empty assignment for good (seen about one
        start in six on a loaded machine). Waiting up to ``patience`` seconds for the
        partitions first closes that window; after it, the join goes ahead regardless (a
        topic the broker will only auto-create on first publish has no partitions to wait for).
        """
        deadline = time.monotonic() + patience
        for name in names:
            while not consumer.partitions_for_topic(name) and time.monotonic() < deadline:
                time.sleep(0.1)

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        try:
            batches = self._get().poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        except KafkaError as e:
            raise BusUnavailable(f"kafka {self._t.bootstrap}: {e!r}") from e
        out: list[Record] = []
        for tp, msgs in batches.items():
            for m in msgs:
                out.append(
                    Record(
                        topic=self._t.local_name(tp.topic),
                        partition=tp.partition,
                        offset=m.offset,
                        key=m.key,
                        value=m.value,
                        headers=[(n, v) for n, v in (m.headers or [])],
                    )
                )
        return out

    def commit(self, records: list[Record]) -> None:
        offsets = {
            TopicPartition(self._t.broker_name(t), p): OffsetAndMetadata(off, "", -1)
            for (t, p), off in last_offsets(records).items()
        }
        if not offsets:
            return
        try:
            self._get().commit(offsets)
        except CommitFailedError as e:
            raise CommitFailed(str(e)) from e
        except KafkaError as e:
            raise BusUnavailable(f"kafka {self._t.bootstrap}: commit: {e!r}") from e

    def seek(self, topic: str, partition: int, offset: int) -> None:
        try:
            self._get().seek(TopicPartition(self._t.broker_name(topic), partition), offset)
        except (ValueError, IllegalStateError):
            # No longer assigned here: its new owner starts from the committed offset.
            pass

    def close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close(autocommit=False)
            finally:
                self._consumer = None
