"""Creating twice by retrying creates once (AIP-155 request_id): SubmitPublicOpinion,
RecordOpinion and RecordActivity over real gRPC on PostgreSQL."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import grpc
import pytest
from liaison_support import COUNTY_A
from lianxin.liaison.v1 import liaison_pb2 as pb

from shared import clock
from shared.service import housekeeping

IA = grpc.StatusCode.INVALID_ARGUMENT


def _raised(liaison, region: str = COUNTY_A) -> int:
    s = liaison.call("GetStatistics", pb.GetStatisticsRequest(region_code=region, date_from="2025-01-01",
                                                              date_to="2035-12-31"))
    return s.opinions_raised


def _wait_raised(liaison, at_least: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while (n := _raised(liaison)) < at_least:
        assert time.monotonic() < deadline, f"statistics stayed at {n} raised"
        time.sleep(0.05)
    return n


def test_public_submission_sent_twice_with_one_request_id_opens_one_case(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    raised = _raised(liaison)
    opinions, outbox = liaison.count("opinions"), liaison.count("outbox")
    key = str(uuid.uuid4())
    first = liaison.submit(dep, request_id=key)
    again = liaison.submit(dep, request_id=key)
    assert again == first and first.tracking_code
    assert liaison.count("opinions") == opinions + 1
    assert liaison.count("outbox") == outbox + 1          # one OpinionStepRecorded, not two
    assert len(liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions) == 1
    # A later, different submission is counted; the retry never was.
    liaison.submit(dep, request_id=str(uuid.uuid4()), text="另一件事")
    assert _wait_raised(liaison, raised + 2) == raised + 2
    time.sleep(0.3)
    assert _raised(liaison) == raised + 2


def test_the_same_request_id_with_another_request_is_refused(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    key = str(uuid.uuid4())
    liaison.submit(dep, request_id=key)
    with liaison.expect_no_writes():
        e = liaison.error("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(
            card_code=dep.card_code, category="道路交通", text="完全不同的内容", request_id=key), token=None)
    assert e.code() == IA and e.details().startswith("request_id:")


def test_a_retry_typed_in_another_canonical_spelling_is_the_same_request(liaison):
    """Tester's input: the same request_id with the card code in lower case (the same card)
    was refused as a different request. The fingerprint compares the canonical forms."""
    dep = liaison.add_deputy(COUNTY_A)
    key = str(uuid.uuid4())
    first = liaison.submit(dep, request_id=key, contact=pb.Contact(name="阿依古丽·示例", phone="13912345678"))
    with liaison.expect_no_writes():
        again = liaison.public("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(
            card_code=dep.card_code.lower(), category="\u3000道路交通", text="路口红绿灯坏了", request_id=key.upper(),
            contact=pb.Contact(name="阿依古丽•示例", phone="+86 139 1234 5678")))
    assert again == first


@pytest.mark.parametrize("bad", ["abc", "12345678-1234-1234-1234-1234567890123", "x" * 100, "\x00"])
def test_a_request_id_that_is_not_a_uuid_is_refused(liaison, bad):
    dep = liaison.add_deputy(COUNTY_A)
    with liaison.expect_no_writes():
        e = liaison.error("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(
            card_code=dep.card_code, category="道路交通", text="路灯", request_id=bad), token=None)
    assert e.code() == IA and e.details().startswith("request_id:")
    with liaison.expect_no_writes():
        e = liaison.error("RecordOpinion", pb.RecordOpinionRequest(
            channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="减速带", request_id=bad))
    assert e.code() == IA and e.details().startswith("request_id:")


def test_upper_case_and_lower_case_of_one_uuid_are_one_key(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    key = uuid.uuid4()
    first = liaison.submit(dep, request_id=str(key).upper())
    assert liaison.submit(dep, request_id=str(key)) == first


def test_recorded_opinion_sent_twice_is_recorded_once(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    opinions, steps = liaison.count("opinions"), liaison.count("opinion_steps")
    key = str(uuid.uuid4())
    first = liaison.record(dep, request_id=key)
    again = liaison.record(dep, request_id=key)
    assert again == first
    assert liaison.count("opinions") == opinions + 1 and liaison.count("opinion_steps") == steps + 1
    assert len(liaison.steps_of(first.id)) == 1
    # Another caller's key with the same value is another key: nobody reads another's result.
    other = liaison.record(dep, request_id=key, caller_region=COUNTY_A)
    assert other.id != first.id
    assert liaison.count("opinions") == opinions + 2


def test_a_failed_create_keeps_no_key_and_its_retry_does_the_work(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    key = str(uuid.uuid4())
    before = liaison.count("idempotency_keys")
    e = liaison.error("RecordOpinion", pb.RecordOpinionRequest(
        channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="", deputy_id=dep.id, request_id=key))
    assert e.code() == IA and e.details().startswith("text:")
    assert liaison.count("idempotency_keys") == before
    r = liaison.record(dep, request_id=key)
    assert r.id and liaison.count("idempotency_keys") == before + 1


def test_concurrent_identical_submissions_open_one_case(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    opinions, outbox = liaison.count("opinions"), liaison.count("outbox")
    key = str(uuid.uuid4())
    results, errors = [], []
    start = threading.Barrier(6)

    def send():
        start.wait()
        try:
            results.append(liaison.submit(dep, request_id=key).tracking_code)
        except grpc.RpcError as e:
            errors.append(e.code())

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 6 and len(set(results)) == 1
    assert liaison.count("opinions") == opinions + 1
    assert liaison.count("outbox") == outbox + 1


def test_activity_recorded_twice_is_recorded_once(liaison):
    key = str(uuid.uuid4())
    req = pb.RecordActivityRequest(activity=pb.Activity(
        region_code=COUNTY_A, kind=pb.ACTIVITY_KIND_MEETING, date="2026-01-05", title="代表座谈会",
        people_reached=12), request_id=key)
    before, outbox = liaison.count("activities"), liaison.count("outbox")
    first = liaison.call("RecordActivity", req)
    again = liaison.call("RecordActivity", req)
    assert again == first
    assert liaison.count("activities") == before + 1 and liaison.count("outbox") == outbox + 1


def test_keys_are_pruned_by_housekeeping_after_their_retention(liaison):
    """The housekeeping timer keeps keys idempotency_retention_hours (default 7 days: any
    retry comes long before), then drops them."""
    assert liaison.settings.idempotency_retention_hours == 168.0
    dep = liaison.add_deputy(COUNTY_A)
    liaison.submit(dep, request_id=str(uuid.uuid4()))
    n = liaison.count("idempotency_keys")
    assert n >= 1
    housekeeping(liaison.runtime).run()
    assert liaison.count("idempotency_keys") == n
    week = timedelta(hours=liaison.settings.idempotency_retention_hours)
    with clock.frozen(clock.now() + week + timedelta(minutes=1)):
        housekeeping(liaison.runtime).run()
    assert liaison.count("idempotency_keys") == 0
