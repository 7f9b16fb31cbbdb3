"""Roster and balloting in this process, over real gRPC, each on its own PostgreSQL database,
talking over the real Kafka broker (a namespace of their own per module): balloting learns
who votes from the roster's events, as in production.

`world` is one pair per test module; `start_world(**extra)` starts another pair (e.g. with a
lower public limit). Tokens: `world.b.call("Method", request, role=..., region=...)`.
"""
from __future__ import annotations

import uuid

import pytest
from balloting_support import World


@pytest.fixture(scope="session")
def start_world(start_service, kafka_bootstrap):
    def make(**extra: str) -> World:
        env = {"LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap,
               "LIANXIN_KAFKA_NAMESPACE": f"ballot-{uuid.uuid4().hex[:8]}"} | extra
        roster = start_service("roster", **env)
        balloting = start_service("balloting", **env)
        return World(roster, balloting)
    return make


@pytest.fixture(scope="module")
def world(start_world):
    return start_world()
