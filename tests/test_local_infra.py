"""The test infrastructure itself: a real PostgreSQL database and a real, restartable Kafka broker."""

from __future__ import annotations

import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from sqlalchemy import create_engine, text


@pytest.mark.postgres
def test_fresh_database_is_empty_and_writable(fresh_database):
    url = fresh_database()
    assert url != fresh_database()  # every call is a new database
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar() == 0
            conn.execute(text("CREATE TABLE deputy (id serial PRIMARY KEY, name text NOT NULL)"))
            conn.execute(text("INSERT INTO deputy (name) VALUES ('阿依古丽')"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM deputy")).scalar_one() == "阿依古丽"
    finally:
        engine.dispose()


def _new_topic(bootstrap: str) -> str:
    topic = f"test.infra.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        admin.close()
    return topic


def _produce(bootstrap: str, topic: str, *values: bytes) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for v in values:
            producer.send(topic, key=b"k", value=v).get(timeout=30)
    finally:
        producer.close()


def _consume(bootstrap: str, topic: str, want: int) -> list[bytes]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-infra-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=20_000,  # stop iterating if nothing arrives for 20 s
    )
    got: list[bytes] = []
    try:
        for record in consumer:
            got.append(record.value)
            if len(got) >= want:
                break
        consumer.commit()
    finally:
        consumer.close()
    return got


@pytest.mark.kafka
def test_kafka_round_trip_with_consumer_group(kafka_bootstrap):
    topic = _new_topic(kafka_bootstrap)
    _produce(kafka_bootstrap, topic, b"one", b"two", b"three")
    # Same key, same partition: order is kept.
    assert _consume(kafka_bootstrap, topic, 3) == [b"one", b"two", b"three"]


@pytest.mark.kafka
def test_messages_survive_broker_restart(kafka_bootstrap, kafka_broker):
    topic = _new_topic(kafka_bootstrap)
    _produce(kafka_bootstrap, topic, b"before-restart")
    kafka_broker.stop()
    kafka_broker.start()
    _produce(kafka_bootstrap, topic, b"after-restart")
    assert _consume(kafka_bootstrap, topic, 2) == [b"before-restart", b"after-restart"]
