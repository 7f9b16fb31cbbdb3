"""A consumer killed with kill -9 (it never leaves its group) hands its partitions on within
seconds, not kafka-python's 45 s default: a short configurable session timeout, or at once
with static membership (KIP-345) when the restarted consumer has the same instance id."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from shared.bus.kafka import KafkaTransport

pytestmark = pytest.mark.kafka
REPO = Path(__file__).resolve().parents[2]
TOPIC = "lianxin.resume.v1"
GROUP = "liaison-directory-652301"

# A member in its own process: joins, says so once it holds partitions, then keeps polling.
MEMBER = """
import sys, time
from shared.bus.kafka import KafkaTransport
bootstrap, namespace, instance = sys.argv[1:4]
t = KafkaTransport(bootstrap, client_id="resume-test", namespace=namespace, session_timeout=6.0,
                   heartbeat_interval=1.0, instance_id=instance)
sub = t.subscribe("%s", ["%s"])
give_up = time.monotonic() + 60   # a member that never gets partitions fails the test, never hangs it
while True:
    sub.poll(timeout=0.2)
    if sub._get().assignment():
        print("assigned", flush=True)
        break
    if time.monotonic() > give_up:
        print("never assigned", flush=True)
        sys.exit(1)
while True:
    sub.poll(timeout=0.5)
""" % (GROUP, TOPIC)


def held_partitions_after_kill(kafka_bootstrap: str, instance: str) -> float:
    """Seconds from the old member's kill -9 until a new one holds partitions."""
    namespace = f"r{uuid.uuid4().hex[:10]}."
    admin = KafkaTransport(kafka_bootstrap, client_id="resume-test", namespace=namespace)
    admin.ensure_topics([TOPIC])
    admin.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    old = subprocess.Popen([sys.executable, "-c", MEMBER, kafka_bootstrap, namespace, instance],
                           cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert old.stdout.readline().strip() == "assigned"
    finally:
        old.send_signal(signal.SIGKILL)
        old.wait(timeout=10)
    killed = time.monotonic()
    t = KafkaTransport(kafka_bootstrap, client_id="resume-test", namespace=namespace, session_timeout=6.0,
                       heartbeat_interval=1.0, instance_id=instance)
    try:
        sub = t.subscribe(GROUP, [TOPIC])
        while not sub._get().assignment():
            assert time.monotonic() - killed < 40, "the dead member still holds the partitions"
            sub.poll(timeout=0.2)
        return time.monotonic() - killed
    finally:
        t.close()


def test_a_dynamic_member_takes_over_after_the_session_timeout(kafka_bootstrap):
    took = held_partitions_after_kill(kafka_bootstrap, instance="")
    assert took < 6.0 + 4.0, f"{took:.1f} s"


def test_a_static_member_restarted_under_its_instance_id_resumes_at_once(kafka_bootstrap):
    took = held_partitions_after_kill(kafka_bootstrap, instance=f"liaison-a-{uuid.uuid4().hex[:6]}")
    assert took < 3.0, f"{took:.1f} s"
