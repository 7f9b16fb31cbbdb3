"""Fixtures for escalation across tiers: `tiers`, three liaison deployments and a township
roster as separate processes on one Kafka broker (see tiers_support.py)."""
from __future__ import annotations

import uuid

import pytest
from kafka_lock import kafka_shared
from tiers_support import COUNTY, PREFECTURE, TOWNSHIP, Liaison, Roster, base_env

from shared.bus.kafka import KafkaTransport


class Tiers:
    def __init__(self, township: Liaison, county: Liaison, prefecture: Liaison, roster: Roster, namespace: str,
                 kafka: str):
        self.township, self.county, self.prefecture, self.roster = township, county, prefecture, roster
        self.namespace, self.kafka = namespace, kafka
        self.all = (township, county, prefecture, roster)


@pytest.fixture(scope="module")
def tiers(fresh_database, kafka_bootstrap, tmp_path_factory):
    namespace = f"t{uuid.uuid4().hex[:10]}."
    env = base_env(kafka_bootstrap, namespace, uuid.uuid4().hex * 2)
    logs = tmp_path_factory.mktemp("tier-logs")
    # Each upper deployment knows the one below runs its own (delegated_regions), as deploy/tiers/ say.
    t = Tiers(Liaison(TOWNSHIP, fresh_database(), env, logs),
              Liaison(COUNTY, fresh_database(), {**env, "LIANXIN_DELEGATED_REGIONS": TOWNSHIP}, logs),
              Liaison(PREFECTURE, fresh_database(), {**env, "LIANXIN_DELEGATED_REGIONS": COUNTY}, logs),
              Roster(TOWNSHIP, fresh_database(), env, logs),
              namespace, kafka_bootstrap)
    try:
        with kafka_shared(kafka_bootstrap):   # no broker restart by another worker mid-start
            # Topics exist before anyone subscribes, so no consumer waits for a metadata refresh.
            admin = KafkaTransport(kafka_bootstrap, client_id="escalation-tests", namespace=namespace)
            admin.ensure_topics(["lianxin.liaison.v1", "lianxin.roster.v1"])
            admin.close()
            for p in t.all:
                p.launch()
            for p in t.all:
                p.wait_serving()
        yield t
    except BaseException:
        for p in t.all:
            print(f"---- {p.name} ----\n{p.tail()}")
        raise
    finally:
        for p in t.all:
            p.close()
