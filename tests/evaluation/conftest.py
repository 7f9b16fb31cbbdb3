"""Roster, balloting, supervision and evaluation in this process, over real gRPC, each on its own
PostgreSQL database, talking over the real Kafka broker (a namespace of their own per module):
evaluation learns its deputies from the roster's events and the year's projects from
supervision's, as in production.

`world` is one set of services per test module (evaluation_support.World).
"""
from __future__ import annotations

import uuid

import pytest
from evaluation_support import World


@pytest.fixture(scope="module")
def world(start_service, kafka_bootstrap):
    env = {"LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "LIANXIN_KAFKA_NAMESPACE": f"eval-{uuid.uuid4().hex[:8]}"}
    return World(start_service("roster", **env), start_service("balloting", **env),
                 start_service("supervision", **env), start_service("evaluation", **env))
