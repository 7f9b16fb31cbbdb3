"""Escalation township -> county -> prefecture and the outcome back down, across three
deployments running as separate processes with separate databases, sharing only Kafka."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from kafka import KafkaConsumer, TopicPartition
from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb
from tiers_support import COUNTY, NAMES, PREFECTURE, TOWNSHIP, S, eventually

from shared.bus.kafka import KafkaTransport

pytestmark = pytest.mark.kafka

ANSWER = "州交通运输局已将该路段纳入今年大修计划"
REPLY = "已于本月完成路面修复"
DEPT = "dept-jt-652300"


def in_days(days: float) -> Timestamp:
    t = Timestamp()
    t.FromSeconds(int(time.time() + days * 86400))
    return t


def raise_case(tiers, deputy_name: str) -> tuple[str, str]:
    """A citizen scans the deputy's card at the township: (tracking code, township case id)."""
    deputy = tiers.roster.register(deputy_name)
    req = pb.SubmitPublicOpinionRequest(card_code=deputy.card_code, category="道路交通", text="三工镇到市区的路坑洼不平",
                                        contact=pb.Contact(name="马秀兰", phone="13899991234"))
    # The township learns the card from the roster's events, through Kafka.
    code = eventually(lambda: tiers.township.call("SubmitPublicOpinion", req, token=False).tracking_code,
                      what="the township to learn the deputy's card")
    case = [o for o in tiers.township.cases() if o.deputy_id == deputy.id]
    assert len(case) == 1
    return code, case[0].id


def climb(tiers, township_id: str) -> tuple[pb.Opinion, pb.Opinion]:
    """Waits for the sweeps to carry the case up: (county's linked case, prefecture's)."""
    county = eventually(lambda: tiers.county.linked_to(township_id), what="the county's linked case")
    assert len(county) == 1
    county = county[0]
    assert county.origin_region == TOWNSHIP and county.handling_region == COUNTY
    prefecture = eventually(lambda: tiers.prefecture.linked_to(county.id), what="the prefecture's linked case")
    assert len(prefecture) == 1
    return tiers.county.get(county.id), prefecture[0]


def resolve_at_prefecture(tiers, case: pb.Opinion) -> None:
    p = tiers.prefecture
    assert case.status == S.OPINION_STATUS_ACCEPTED and case.origin_region == COUNTY
    assert case.contact.phone == "13899991234"          # the contact climbed with the case
    p.call("AnswerOpinion", pb.AnswerOpinionRequest(id=case.id, answer=ANSWER))
    p.call("TransferOpinion", pb.TransferOpinionRequest(id=case.id, department=DEPT, department_name="州交通运输局",
                                                        deadline=in_days(10)))
    p.call("ReplyToTransfer", pb.ReplyToTransferRequest(id=case.id, reply=REPLY), role="department", subject=DEPT)
    done = p.call("ConcludeOpinion", pb.ConcludeOpinionRequest(id=case.id, resolved=True, note="已办结"))
    assert done.status == S.OPINION_STATUS_RESOLVED


def outcome_reaches_citizen(tiers, code: str) -> pb.TrackedOpinion:
    track = pb.TrackOpinionRequest(tracking_code=code)
    tracked = eventually(lambda: (t := tiers.township.call("TrackOpinion", track, token=False)).status
                         == S.OPINION_STATUS_RESOLVED and t, what="the outcome to reach the township")
    assert tracked.resolved
    assert ANSWER in tracked.answer and REPLY in tracked.answer
    tiers_seen = [s.tier_name for s in tracked.steps]
    assert {NAMES[TOWNSHIP], NAMES[COUNTY], NAMES[PREFECTURE]} <= set(tiers_seen)
    # in order: raised and escalated at the township, taken up by the county, then the prefecture,
    # concluded at the prefecture, and the outcome recorded at the county and the township
    assert tiers_seen[0] == NAMES[TOWNSHIP] and tiers_seen[-1] == NAMES[TOWNSHIP]
    assert tiers_seen.index(NAMES[COUNTY]) < tiers_seen.index(NAMES[PREFECTURE])
    statuses = [s.status for s in tracked.steps]
    assert statuses[0] == S.OPINION_STATUS_RAISED and statuses[-1] == S.OPINION_STATUS_RESOLVED
    assert statuses.count(S.OPINION_STATUS_ESCALATED) == 2
    return tracked


def finish_with_citizen(tiers, code: str, township_id: str) -> None:
    t = tiers.township
    t.call("GiveFeedback", pb.GiveFeedbackRequest(id=township_id, feedback="州里已修好道路，请您查看"))
    rated = t.call("RateOpinion", pb.RateOpinionRequest(tracking_code=code, rating=5, comment="很满意"), token=False)
    assert rated.rating == 5
    closed = t.call("CloseOpinion", pb.CloseOpinionRequest(id=township_id))
    assert closed.status == S.OPINION_STATUS_CLOSED


def figures(deployment, region: str) -> tuple[int, int, int, int]:
    """(raised, escalated, resolved, ratings) for the region's subtree, yesterday to tomorrow."""
    today = datetime.now(timezone(timedelta(hours=8))).date()
    s = deployment.call("GetStatistics", pb.GetStatisticsRequest(
        region_code=region, date_from=str(today - timedelta(days=1)), date_to=str(today + timedelta(days=1))))
    return s.opinions_raised, s.escalated, s.resolved, s.ratings


def test_a_case_climbs_two_tiers_and_its_outcome_comes_back_to_the_citizen(tiers):
    before = {name: figures(getattr(tiers, name), region)
              for name, region in (("township", TOWNSHIP), ("county", COUNTY), ("prefecture", PREFECTURE))}
    code, township_id = raise_case(tiers, "阿依古丽")
    county, prefecture = climb(tiers, township_id)
    # the county's case carries the township's history and noted the escalation, then climbed on
    assert county.status == S.OPINION_STATUS_ESCALATED and county.escalated_to_region == PREFECTURE
    assert [h.region_code for h in county.history[:2]] == [TOWNSHIP, TOWNSHIP]
    assert any(h.status == S.OPINION_STATUS_ACCEPTED and h.region_code == COUNTY for h in county.history)
    township_case = tiers.township.get(township_id)
    assert township_case.status == S.OPINION_STATUS_ESCALATED and township_case.escalated_to_region == COUNTY

    resolve_at_prefecture(tiers, prefecture)
    outcome_reaches_citizen(tiers, code)
    county = tiers.county.get(county.id)
    assert county.status == S.OPINION_STATUS_RESOLVED and county.resolved
    finish_with_citizen(tiers, code, township_id)
    # one case per tier; the township's case counted as raised and resolved once (the roll-up
    # of the prefecture counts every tier's unlinked steps)
    assert tiers.county.scalar("SELECT count(*) FROM opinions WHERE origin_opinion_id = :o", o=township_id) == 1
    # Every tier's figures roll up from the events, never from another deployment's database:
    # the one opinion counts once as raised, escalated (its linked cases do not count again),
    # resolved and rated, at the township, its county and the prefecture alike.
    for name, region in (("township", TOWNSHIP), ("county", COUNTY), ("prefecture", PREFECTURE)):
        deployment = getattr(tiers, name)
        expected = tuple(b + 1 for b in before[name])
        eventually(lambda: figures(deployment, region) == expected, what=f"the {name}'s figures to roll up")


def test_upper_tiers_neither_know_nor_accept_a_delegated_townships_card(tiers):
    """The county and the prefecture read the township roster's events on the shared bus, but
    the township runs its own deployment: the card is NOT_FOUND there, and no case opens where
    the township's staff would never see it."""
    code, _ = raise_case(tiers, "古丽娜尔")
    deputy_id = tiers.township.scalar("SELECT deputy_id FROM opinions WHERE tracking_code = :c", c=code)
    card = tiers.township.scalar("SELECT card_code FROM directory_deputies WHERE id = :i", i=deputy_id)
    read = "SELECT count(*) FROM inbox WHERE consumer = :g"
    seen_below = tiers.township.scalar(read, g=f"liaison-directory-{TOWNSHIP}")
    req = pb.SubmitPublicOpinionRequest(card_code=card, category="道路交通", text="路灯坏了")
    for upper in (tiers.county, tiers.prefecture):
        eventually(lambda: upper.scalar(read, g=f"liaison-directory-{upper.region}") >= seen_below,
                   what=f"{upper.name} to read the roster events")
        assert upper.scalar("SELECT count(*) FROM directory_deputies WHERE id = :i", i=deputy_id) == 0
        with pytest.raises(grpc.RpcError) as e:
            upper.call("SubmitPublicOpinion", req, token=False)
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as e:
            upper.call("RecordOpinion", pb.RecordOpinionRequest(channel=pb.CHANNEL_VISIT, region_code=TOWNSHIP,
                                                                category="教育", text="学校门口需要减速带"))
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and e.value.details().startswith("region_code:")


def test_a_deployment_down_while_events_wait_loses_nothing(tiers):
    tiers.county.stop()
    try:
        code, township_id = raise_case(tiers, "热依汗")
        eventually(lambda: tiers.township.get(township_id).status == S.OPINION_STATUS_ESCALATED,
                   what="the township to escalate")
        time.sleep(1.0)   # the event waits on Kafka for the county
    finally:
        tiers.county.start()
    county, prefecture = climb(tiers, township_id)
    resolve_at_prefecture(tiers, prefecture)
    # now the township is down while the outcome travels to it
    tiers.township.stop()
    try:
        eventually(lambda: tiers.county.get(county.id).status == S.OPINION_STATUS_RESOLVED,
                   what="the county to apply the prefecture's outcome")
        time.sleep(0.5)
    finally:
        tiers.township.start()
    outcome_reaches_citizen(tiers, code)
    finish_with_citizen(tiers, code, township_id)
    assert len(tiers.county.linked_to(township_id)) == 1
    assert len(tiers.prefecture.linked_to(county.id)) == 1


def _records_of(tiers, event_type: str, match) -> list:
    """The records of one event type on the run's liaison topic that ``match`` their payload:
    every record up to the topic's end offsets as they are now, however slow the broker is to
    answer (an idle timeout alone returns nothing when a loaded machine is slow to fetch)."""
    topic = f"{tiers.namespace}lianxin.liaison.v1"
    c = KafkaConsumer(bootstrap_servers=tiers.kafka, group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(c.partitions_for_topic(topic) or ())]
        assert partitions, f"topic {topic} has no partitions"
        c.assign(partitions)
        c.seek_to_beginning(*partitions)
        end = c.end_offsets(partitions)
        out = []
        deadline = time.monotonic() + 60
        while any(c.position(tp) < end[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"could not read {topic} to its end offsets {end}"
            for records in c.poll(timeout_ms=1000).values():
                for m in records:
                    headers = dict(m.headers or [])
                    if headers.get("ce_type", b"").decode() == event_type and match(m.value):
                        out.append(m)
        return out
    finally:
        c.close()


def _send_again(tiers, record, *, new_id: str | None = None) -> None:
    headers = [(k, new_id.encode() if new_id and k == "ce_id" else v) for k, v in record.headers]
    t = KafkaTransport(tiers.kafka, client_id="escalation-tests", namespace=tiers.namespace)
    try:
        t.send("lianxin.liaison.v1", record.key, record.value, headers)
        t.flush(10)
    finally:
        t.close()


def test_events_delivered_twice_open_one_case_and_apply_one_outcome(tiers):
    code, township_id = raise_case(tiers, "古丽娜")
    county, prefecture = climb(tiers, township_id)

    escalated = _records_of(tiers, "lianxin.liaison.v1.OpinionEscalated",
                            lambda v: ev.OpinionEscalated.FromString(v).opinion.id == township_id)
    assert len(escalated) == 1
    again = str(uuid.uuid4())
    _send_again(tiers, escalated[0])                 # the same record, same ce_id
    _send_again(tiers, escalated[0], new_id=again)   # re-published: a new ce_id
    eventually(lambda: tiers.county.scalar(
        "SELECT count(*) FROM inbox WHERE event_id = :e AND consumer = :g", e=again,
        g=f"liaison-escalation-{COUNTY}"), what="the county to consume the copy")
    assert len(tiers.county.linked_to(township_id)) == 1

    resolve_at_prefecture(tiers, prefecture)
    outcome_reaches_citizen(tiers, code)
    steps = len(tiers.township.get(township_id).history)
    outcomes = _records_of(tiers, "lianxin.liaison.v1.EscalationOutcome",
                           lambda v: ev.EscalationOutcome.FromString(v).origin_opinion_id == township_id)
    assert len(outcomes) == 1
    again = str(uuid.uuid4())
    _send_again(tiers, outcomes[0])
    _send_again(tiers, outcomes[0], new_id=again)
    eventually(lambda: tiers.township.scalar(
        "SELECT count(*) FROM inbox WHERE event_id = :e AND consumer = :g", e=again,
        g=f"liaison-escalation-{TOWNSHIP}"), what="the township to consume the copy")
    o = tiers.township.get(township_id)
    assert o.status == S.OPINION_STATUS_RESOLVED and len(o.history) == steps


def test_the_citizens_tracking_page_on_the_portal_follows_the_case_up_two_tiers_and_back(tiers, tmp_path):
    """The township's web portal in front of the township's roster and liaison: the citizen
    raises the case on the card page, and the tracking page shows it climb to the county and
    the prefecture, the answer and the department's reply from there, the outcome, and takes
    the rating, all from the township's own deployment."""
    from kit.portal import PortalProcess, client, hidden, opinion_form, tracking_code

    portal = PortalProcess({"roster": tiers.roster.port, "liaison": tiers.township.port}, tmp_path / "portal.log",
                           secret=tiers.township.secret, LIANXIN_HOME_REGION=TOWNSHIP, LIANXIN_HS256_TOKENS="on")
    try:
        deputy = tiers.roster.register("努尔古丽")
        with client(portal.url) as c:
            form = opinion_form(c.get(f"/card/{deputy.card_code}").text, text="三工镇到市区的路坑洼不平",
                                contact_name="马秀兰", contact_phone="13899991234")

            def raised():   # the township learns the card from the roster's events, through Kafka
                r = c.post(f"/card/{deputy.card_code}", data=form)
                return tracking_code(r.text) if r.status_code == 200 else None
            code = eventually(raised, what="the township to take opinions through the card")
            [township_id] = [o.id for o in tiers.township.cases() if o.deputy_id == deputy.id]
            county, prefecture = climb(tiers, township_id)
            resolve_at_prefecture(tiers, prefecture)
            outcome_reaches_citizen(tiers, code)
            page = c.get(f"/t/{code}").text
            assert 'id="case-status">已解决<' in page and "办理结果</dt><dd>已解决" in page
            assert ANSWER in page and REPLY in page
            steps = page[page.index('<ol class="steps">'):page.index("</ol>")]
            assert steps.count("已提交上级办理") == 2
            for tier in (NAMES[TOWNSHIP], NAMES[COUNTY], NAMES[PREFECTURE]):
                assert f'<span class="tier">{tier}</span>' in steps
            assert 'name="rating"' not in page        # rated once the result has been fed back
            tiers.township.call("GiveFeedback", pb.GiveFeedbackRequest(id=township_id, feedback="州里已修好道路"))
            page = c.get(f"/t/{code}").text
            r = c.post(f"/t/{code}/rating", data={"csrf_token": hidden(page, "csrf_token"), "rating": "4"})
            assert r.status_code == 303 and 'id="rating">4 分' in c.get(r.headers["location"]).text
        assert tiers.township.get(township_id).rating == 4
    finally:
        portal.close()
