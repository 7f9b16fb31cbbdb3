"""The overdue sweep and the application of outcomes from above, in process: one township
deployment (home 三工镇, deadline 0 days) on a fresh PostgreSQL database and an embedded bus;
outcomes are fed straight to the escalation consumer's handler."""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.liaison.v1 import liaison_pb2_grpc
from sqlalchemy import create_engine, text
from tiers_support import COUNTY, REGIONS_FILE, TOWNSHIP

from services.liaison.escalation import EscalationHandler, sweep_overdue
from services.liaison.service import definition
from shared import config
from shared.auth import issue_token
from shared.service import start

S = pb
ESCALATED_EVENT = "lianxin.liaison.v1.OpinionEscalated"
STEP_EVENT = "lianxin.liaison.v1.OpinionStepRecorded"


class Township:
    def __init__(self, url: str, bus):
        self.settings = config.load("liaison", {
            "LIANXIN_DATABASE_URL": url, "LIANXIN_PORT": "0", "LIANXIN_BUS": "embedded",
            "LIANXIN_EMBEDDED_BUS_PATH": str(bus), "LIANXIN_REGIONS_FILE": str(REGIONS_FILE),
            "LIANXIN_HOME_REGION": TOWNSHIP, "LIANXIN_DEADLINE_DAYS_TOWNSHIP": "0",
            # the timer sweeps once at start; the tests call the sweep themselves
            "LIANXIN_SWEEP_INTERVAL": "3600", "LIANXIN_GRPC_WORKERS": "4"})
        self.running = start(definition(), self.settings)
        self.runtime = self.running.runtime
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.running.port}")
        self.stub = liaison_pb2_grpc.LiaisonServiceStub(self.channel)
        self.engine = create_engine(url, pool_size=1, max_overflow=2)
        self.handler = EscalationHandler(self.runtime)

    def call(self, method: str, request):
        token = issue_token(self.settings.jwt_secret, subject="clerk", role="staff", region=TOWNSHIP)
        return getattr(self.stub, method)(request, metadata=(("authorization", f"Bearer {token}"),), timeout=10)

    def record(self) -> pb.Opinion:
        return self.call("RecordOpinion", pb.RecordOpinionRequest(
            channel=pb.CHANNEL_VISIT, region_code=TOWNSHIP, category="教育", text="学校门口需要减速带",
            contact=pb.Contact(name="李四", phone="13800002222")))

    def get(self, opinion_id: str) -> pb.Opinion:
        return self.call("GetOpinion", pb.GetOpinionRequest(id=opinion_id))

    def sql(self, statement: str, **params) -> None:
        with self.engine.begin() as c:
            c.execute(text(statement), params)

    def events(self, kind: str) -> list[bytes]:
        with self.engine.connect() as c:
            return [r[0] for r in c.execute(text("SELECT data FROM outbox WHERE type = :t ORDER BY seq"), {"t": kind})]

    def outcome(self, e: ev.EscalationOutcome):
        with self.runtime.transaction() as s:
            return self.handler.apply_outcome(s, e, str(uuid.uuid4()))

    def close(self):
        self.channel.close()
        self.running.shutdown(grace=1)
        self.engine.dispose()


@pytest.fixture(scope="module")
def township(fresh_database, tmp_path_factory):
    t = Township(fresh_database(), tmp_path_factory.mktemp("bus") / "bus.sqlite")
    yield t
    t.close()


def escalated_steps(o: pb.Opinion) -> int:
    return sum(1 for h in o.history if h.status == S.OPINION_STATUS_ESCALATED)


def outcome_for(o: pb.Opinion, *, resolved: bool = True, upper_region: str = COUNTY) -> ev.EscalationOutcome:
    at = o.updated_at
    return ev.EscalationOutcome(
        origin_opinion_id=o.id, origin_region=TOWNSHIP, upper_opinion_id=str(uuid.uuid4()), upper_region=upper_region,
        resolved=resolved, answer="市住建局已安装减速带",
        steps=[pb.CaseStep(status=S.OPINION_STATUS_ACCEPTED, actor="liaison", actor_role="system",
                           region_code=upper_region, note="升级至本级受理", at=at),
               pb.CaseStep(status=S.OPINION_STATUS_RESOLVED if resolved else S.OPINION_STATUS_UNRESOLVED,
                           actor="county-clerk", actor_role="staff", region_code=upper_region, note="已办结", at=at)])


def test_two_sweeps_at_once_escalate_each_overdue_case_exactly_once(township):
    ids = [township.record().id for _ in range(12)]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait()
        results.append(sweep_overdue(township.runtime))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 12
    for i in ids:
        o = township.get(i)
        assert o.status == S.OPINION_STATUS_ESCALATED and o.escalated_to_region == COUNTY
        assert escalated_steps(o) == 1 and o.history[-1].note.startswith("办理期限已过")
    sent = [ev.OpinionEscalated.FromString(d) for d in township.events(ESCALATED_EVENT)]
    assert sorted(e.opinion.id for e in sent if e.opinion.id in ids) == sorted(ids)
    assert all(e.to_region == COUNTY and e.opinion.contact.phone for e in sent)
    assert sweep_overdue(township.runtime) == 0


def test_the_sweep_leaves_cases_not_yet_due_and_cases_no_longer_open(township):
    later = township.record()
    township.sql("UPDATE opinions SET due_at = :t WHERE id = :i", t=datetime.now(timezone.utc) + timedelta(days=3),
                 i=later.id)
    rejected = township.record()
    township.call("RejectOpinion", pb.RejectOpinionRequest(id=rejected.id, reason="不属于受理范围"))
    sweep_overdue(township.runtime)
    assert township.get(later.id).status == S.OPINION_STATUS_RAISED
    assert township.get(rejected.id).status == S.OPINION_STATUS_REJECTED


def test_an_outcome_concludes_the_case_once_with_the_upper_tiers_steps(township):
    o = township.record()
    sweep_overdue(township.runtime)
    o = township.get(o.id)
    assert o.status == S.OPINION_STATUS_ESCALATED
    steps_before = len(township.events(STEP_EVENT))
    outcome = outcome_for(o)
    assert township.outcome(outcome) is not None
    assert township.outcome(outcome) is None        # the same outcome again (another event id)
    done = township.get(o.id)
    assert done.status == S.OPINION_STATUS_RESOLVED and done.resolved and done.answer == "市住建局已安装减速带"
    assert [(h.status, h.region_code) for h in done.history[-3:]] == [
        (S.OPINION_STATUS_ACCEPTED, COUNTY), (S.OPINION_STATUS_RESOLVED, COUNTY), (S.OPINION_STATUS_RESOLVED, TOWNSHIP)]
    new = [ev.OpinionStepRecorded.FromString(d) for d in township.events(STEP_EVENT)[steps_before:]]
    mine = [e for e in new if e.opinion_id == o.id]
    # one step event: the township's own conclusion, counted by the roll-up as an original case
    assert [(e.status, e.linked) for e in mine] == [(S.OPINION_STATUS_RESOLVED, False)]
    tracked = township.call("TrackOpinion", pb.TrackOpinionRequest(tracking_code=done.tracking_code))
    assert "昌吉市" in [s.tier_name for s in tracked.steps]


def test_outcomes_for_unknown_cases_other_tiers_or_cases_not_waiting_change_nothing(township):
    ghost = pb.Opinion(id=str(uuid.uuid4()))
    assert township.outcome(outcome_for(ghost)) is None
    o = township.record()
    sweep_overdue(township.runtime)
    o = township.get(o.id)
    assert township.outcome(outcome_for(o, upper_region="652300")) is None   # it went to the county
    assert township.get(o.id).status == S.OPINION_STATUS_ESCALATED
    waiting = township.record()                                              # never escalated
    township.sql("UPDATE opinions SET due_at = NULL WHERE id = :i", i=waiting.id)
    assert township.outcome(outcome_for(waiting)) is None
    assert township.get(waiting.id).status == S.OPINION_STATUS_RAISED


def test_after_an_unresolved_outcome_the_case_stays_at_this_tier(township):
    o = township.record()
    sweep_overdue(township.runtime)
    township.outcome(outcome_for(township.get(o.id), resolved=False))
    o = township.get(o.id)
    assert o.status == S.OPINION_STATUS_UNRESOLVED and not o.resolved and not o.HasField("due_at")
    assert sweep_overdue(township.runtime) == 0                  # its deadline no longer runs
    with pytest.raises(grpc.RpcError) as e:                      # the county has decided already
        township.call("EscalateOpinion", pb.EscalateOpinionRequest(id=o.id, reason="再次升级"))
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    fed = township.call("GiveFeedback", pb.GiveFeedbackRequest(id=o.id, feedback="县里暂无法解决，已说明原因"))
    assert fed.status == S.OPINION_STATUS_FEEDBACK_GIVEN
