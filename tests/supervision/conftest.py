"""Roster, balloting and supervision in this process, over real gRPC, each on its own
PostgreSQL database, talking over the real Kafka broker (a namespace of their own per module):
balloting learns who votes from the roster's events, supervision opens project files from
balloting's ProjectAdopted, as in production.

`world` is one trio per test module. Tokens: `world.s.call("Method", request, role=..., region=...)`.
"""
from __future__ import annotations

import uuid

import pytest
from supervision_support import World


@pytest.fixture(scope="module")
def world(start_service, kafka_bootstrap):
    env = {"LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "LIANXIN_KAFKA_NAMESPACE": f"superv-{uuid.uuid4().hex[:8]}"}
    return World(start_service("roster", **env), start_service("balloting", **env),
                 start_service("supervision", **env))
