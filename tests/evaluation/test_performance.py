"""Deputies' performance points over gRPC, from the other services' real events over Kafka:
roster, liaison, supervision and evaluation in this process, each on its own PostgreSQL
database. A balloting deployment that was down is played by publishing its AttendanceRecorded
late, twice, and once more under a new id.

What a user checks: each deputy's file lists every item with its source event, its points and
the rule version that gave them (a rule change between two years, and one made afterwards for a
year already scored); recomputing a year from the stored events gives the same points and
ranking (and puts right a total someone broke); ties rank 1, 1, 3; flags; the annual report
opened with python-docx says what the file says; who sees what; a year recomputed while events
are credited and its rules change finds nothing to put right.
"""
from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal

import grpc
import pytest
from docx import Document
from google.protobuf.timestamp_pb2 import Timestamp
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A
from kit.world import wait
from lianxin.balloting.v1 import events_pb2 as bev
from lianxin.evaluation.v1 import events_pb2 as eev
from lianxin.evaluation.v1 import funding_pb2 as fpb
from lianxin.evaluation.v1 import performance_pb2 as pb
from lianxin.evaluation.v1 import satisfaction_pb2 as spb_eval
from lianxin.liaison.v1 import events_pb2 as liaison_events
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import events_pb2 as sev
from lianxin.supervision.v1 import supervision_pb2 as spb
from sqlalchemy import text as sql

from services.evaluation import demo
from shared.bus import Envelope
from shared.bus.kafka import KafkaTransport
from shared.clock import frozen

STAFF = {"role": "staff", "region": COUNTY_A}
NF, PD, IA = grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT


def scalar(svc, query: str, **params):
    with svc.engine.connect() as c:
        return c.execute(sql(query), params).scalar()


def execute(svc, query: str, **params) -> None:
    with svc.engine.begin() as c:
        c.execute(sql(query), params)


@pytest.fixture(scope="module")
def world(start_service, kafka_bootstrap):
    namespace = f"perf-{uuid.uuid4().hex[:8]}"
    env = {"LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIANXIN_KAFKA_NAMESPACE": namespace}
    w = type("World", (), {})()
    w.r, w.l, w.s = start_service("roster", **env), start_service("liaison", **env), start_service("supervision", **env)
    w.e = start_service("evaluation", **env)
    w.kafka, w.namespace = kafka_bootstrap, namespace
    return w


def register(w, name: str, region: str, level: int) -> rpb.Deputy:
    return w.r.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=region, name=name, gender=rpb.GENDER_MALE, ethnicity="汉族",
        seats=[rpb.Seat(level=level, term="第十七届")], status=rpb.DEPUTY_STATUS_SERVING,
        contact=rpb.Contact(phone=f"1390000{uuid.uuid4().int % 10000:04d}"))), role="staff", region=region)


def rules(year: int, region: str = COUNTY_A, **points) -> pb.SetPerformanceRulesRequest:
    base = {k: "1" for k in pb.WorkKind.keys() if k != "WORK_KIND_UNSPECIFIED"}
    base.update({f"WORK_KIND_{k.upper()}": v for k, v in points.items() if not k.startswith("cap_")})
    caps = {f"WORK_KIND_{k[4:].upper()}": v for k, v in points.items() if k.startswith("cap_")}
    return pb.SetPerformanceRulesRequest(rules=pb.PerformanceRules(
        region_code=region, effective_year=year, inactive_days=60, term_start="2025-01-01",
        points=[pb.KindPoints(kind=pb.WorkKind.Value(k), points=v) for k, v in base.items()],
        caps=[pb.KindPoints(kind=pb.WorkKind.Value(k), points=v) for k, v in caps.items()]))


def visit(w, deputies, day: str, title: str, kind=lpb.ACTIVITY_KIND_VISIT) -> lpb.Activity:
    return w.l.call("RecordActivity", lpb.RecordActivityRequest(activity=lpb.Activity(
        region_code=COUNTY_A, kind=kind, date=day, title=title, deputy_ids=[d.id for d in deputies])), **STAFF)


def publish(w, message, *, region: str, again_as: str | None = None, env: Envelope | None = None) -> Envelope:
    """As balloting's relay would publish it (a deployment that was down, delivering late)."""
    env = env or Envelope.for_message(message, service="balloting", home_region=PREFECTURE, region=region)
    headers = [(k, again_as.encode() if again_as and k == "ce_id" else v) for k, v in env.headers()]
    t = KafkaTransport(w.kafka, client_id="perf-tests", namespace=w.namespace)
    try:
        t.send(env.topic, env.key.encode(), env.data, headers)
        t.flush(10)
    finally:
        t.close()
    return env


def _submits(w, who: dict, co_signer) -> bool:
    try:
        w.s.call("SubmitItem", spb.SubmitItemRequest(
            title="关于改善农村学校供暖条件的建议", content="部分农村学校冬季供暖不足。", category="教育",
            requested_kind=spb.ITEM_KIND_SUGGESTION, co_signer_ids=[co_signer.id]), **who)
        return True
    except grpc.RpcError as e:
        assert e.code() == NF, e.details()
        return False


def file_of(w, deputy, year: int, **who) -> pb.PerformanceFile:
    return w.e.call("GetPerformanceFile", pb.GetPerformanceFileRequest(deputy_id=deputy.id, year=year),
                    **(who or STAFF))


def snapshot(w, year: int, deputies) -> tuple:
    files = [file_of(w, d, year) for d in deputies]
    ranking = w.e.call("GetRanking", pb.GetRankingRequest(region_code=COUNTY_A, level=rpb.LEVEL_COUNTY, year=year),
                       **STAFF)
    return ([(f.total, [(i.source_event_id, i.kind, i.day, i.points, i.credited, i.rule_version_id)
                        for i in f.items]) for f in files],
            [(e.rank, e.tied, e.deputy_id, e.points) for e in ranking.entries])


def test_points_files_rankings_reproducible_with_duplicates_late_events_and_rule_changes(world):
    # Mid-2026 in China: every day recorded below has passed; the deputy's answer falls on 2026-07-01.
    with frozen(datetime(2026, 7, 1, 4, tzinfo=timezone.utc)):
        points_flow(world)


def points_flow(w):
    a, b, c, quiet = (register(w, n, COUNTY_A, rpb.LEVEL_COUNTY) for n in ("艾力·积分", "白雪", "陈晨", "丁静"))
    stranger = register(w, "外县代表", COUNTY_B, rpb.LEVEL_COUNTY)
    wait(lambda: w.e.count("evaluation_deputies") >= 5, "evaluation's roster read model")

    # Rules: 2025 under v1, 2026 under v2 (a visit is worth more, capped at 5 a year).
    v1 = w.e.call("SetPerformanceRules", rules(2025, visit="1", session_attended="10", ballot_cast="2"), **STAFF)
    v2 = w.e.call("SetPerformanceRules", rules(2026, visit="2", cap_visit="5", inspection_joined="4",
                                               opinion_answered="3", constituent_report="6"), **STAFF)
    assert (v1.number, v2.number, v2.effective_year) == (1, 2, 2026) and not v2.defaults

    # Work recorded in liaison and supervision, its events over Kafka.
    visit(w, [a, b], "2025-06-01", "走访东街社区选民")
    for day in ("2026-03-09", "2026-03-02", "2026-04-20"):
        visit(w, [a], day, f"走访选民（{day}）")
    visit(w, [b, c], "2026-05-05", "代表小组学习会", kind=lpb.ACTIVITY_KIND_MEETING)
    opinion = w.l.call("RecordOpinion", lpb.RecordOpinionRequest(
        channel=lpb.CHANNEL_VISIT, region_code=COUNTY_A, category="道路交通", text="路灯不亮", deputy_id=a.id), **STAFF)
    w.l.call("AcceptOpinion", lpb.AcceptOpinionRequest(id=opinion.id), **STAFF)
    w.l.call("AnswerOpinion", lpb.AnswerOpinionRequest(id=opinion.id, answer="已联系路灯所"),
             role="deputy", region=COUNTY_A, subject=a.id)
    insp = w.s.call("ScheduleInspection", spb.ScheduleInspectionRequest(
        region_code=COUNTY_A, title="农村道路建设视察", scheduled_on="2026-06-10",
        participants=[spb.Participant(deputy_id=a.id, name=a.name), spb.Participant(name="王主任")]), **STAFF)
    w.s.call("RecordInspection", spb.RecordInspectionRequest(id=insp.id, held_on="2026-06-10"), **STAFF)
    # A suggestion a submits and b co-signs, registered by the office; a's meeting with a head
    # of a state organ (约见), held today.
    deputy_a, deputy_b = ({"role": "deputy", "region": COUNTY_A, "subject": x.id} for x in (a, b))
    wait(lambda: _submits(w, deputy_a, b), "supervision to know the deputies")
    item = w.s.call("ListItems", spb.ListItemsRequest(region_code=COUNTY_A, year=2026), **STAFF).items[0]
    w.s.call("CoSignItem", spb.CoSignItemRequest(id=item.id), **deputy_b)
    w.s.call("RegisterItem", spb.RegisterItemRequest(id=item.id, kind=spb.ITEM_KIND_SUGGESTION), **STAFF)
    meeting = w.s.call("RequestOrganMeeting", spb.RequestOrganMeetingRequest(
        organ="昌吉市人民政府", subject="农村饮水安全", reason="多个村反映水压不足"), **deputy_a)
    w.s.call("ArrangeOrganMeeting", spb.ArrangeOrganMeetingRequest(
        id=meeting.id, meeting_on="2026-07-01", organ="昌吉市水务局", head_name="陈局长", head_post="局长"), **STAFF)
    w.s.call("RecordOrganMeeting", spb.RecordOrganMeetingRequest(id=meeting.id, outcome="改造增压泵站",
                                                                     no_follow_up=True), **STAFF)
    report = w.e.call("RecordConstituentReport", pb.RecordConstituentReportRequest(
        deputy_id=a.id, held_on="2026-01-20", title="向第3选区选民述职"), **STAFF)
    assert report.kind == pb.WORK_KIND_CONSTITUENT_REPORT and report.credited == "6.00"

    wait(lambda: len(file_of(w, a, 2026).items) == 8,
         "a's 2026 items (3 visits, answer, inspection, suggestion, meeting, report)")
    # The ballot of 2025 arrives late (its deployment was down), twice, and re-published.
    late = bev.AttendanceRecorded(campaign_id=str(uuid.uuid4()), region_code=COUNTY_A, year=2025, round=1,
                                  session_date="2025-01-15", present_deputy_ids=sorted([a.id, b.id, c.id]),
                                  voted_deputy_ids=sorted([a.id, b.id]))
    env = publish(w, late, region=COUNTY_A)
    publish(w, late, region=COUNTY_A, env=env)
    republished = str(uuid.uuid4())
    publish(w, late, region=COUNTY_A, env=env, again_as=republished)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM perf_sources WHERE type LIKE '%AttendanceRecorded'") == 2,
         "both ids of the attendance stored")

    fa25, fa26 = file_of(w, a, 2025), file_of(w, a, 2026)
    # 2025: a visit (1) + the session (10) + the ballot (2), under v1, the session once.
    assert sorted((i.kind, i.day, i.points, i.rule_version_id) for i in fa25.items) == [
        (pb.WORK_KIND_SESSION_ATTENDED, "2025-01-15", "10.00", v1.id),
        (pb.WORK_KIND_VISIT, "2025-06-01", "1.00", v1.id),
        (pb.WORK_KIND_BALLOT_CAST, "2025-01-15", "2.00", v1.id)]
    # Its source: the smaller of the two ids it came under, whatever the order they arrived in.
    assert fa25.total == "13.00" and {min(env.id, republished)} == {
        i.source_event_id for i in fa25.items if i.day == "2025-01-15"}
    # 2026 under v2: visits credited in day order up to the cap of 5 (2 + 2 + 1).
    visits = [(i.day, i.points, i.credited) for i in fa26.items if i.kind == pb.WORK_KIND_VISIT]
    assert visits == [("2026-03-02", "2.00", "2.00"), ("2026-03-09", "2.00", "2.00"), ("2026-04-20", "2.00", "1.00")]
    kinds = {k.kind: (k.count, k.points) for k in fa26.kinds}
    assert kinds == {pb.WORK_KIND_VISIT: (3, "5.00"), pb.WORK_KIND_INSPECTION_JOINED: (1, "4.00"),
                     pb.WORK_KIND_OPINION_ANSWERED: (1, "3.00"), pb.WORK_KIND_CONSTITUENT_REPORT: (1, "6.00"),
                     pb.WORK_KIND_SUGGESTION_SUBMITTED: (1, "1.00"), pb.WORK_KIND_ORGAN_HEAD_MEETING: (1, "1.00")}
    assert fa26.total == "20.00" and {i.rule_version_id for i in fa26.items} == {v2.id}
    fb26 = file_of(w, b, 2026)
    assert [(i.kind, i.day, i.source_type) for i in fb26.items if i.kind == pb.WORK_KIND_CO_SIGNED] == [
        (pb.WORK_KIND_CO_SIGNED, "2026-07-01", "lianxin.supervision.v1.ItemRegistered")]
    meeting_item = next(i for i in fa26.items if i.kind == pb.WORK_KIND_ORGAN_HEAD_MEETING)
    assert meeting_item.title == "约见昌吉市水务局局长陈局长：农村饮水安全"
    assert all(i.source_event_id and i.source_type.startswith("lianxin.") for i in fa26.items)
    inspection = next(i for i in fa26.items if i.kind == pb.WORK_KIND_INSPECTION_JOINED)
    assert inspection.source_type == "lianxin.supervision.v1.InspectionRecorded" and inspection.title == "农村道路建设视察"

    # Ranking 2025: a 13, b 13 (visit, session, ballot), c 10, quiet 0: ranks 1, 1, 3, 4.
    r25 = w.e.call("GetRanking", pb.GetRankingRequest(region_code=COUNTY_A, level=rpb.LEVEL_COUNTY, year=2025),
                   **STAFF)
    got = [(e.deputy_id, e.rank, e.tied, e.points) for e in r25.entries]
    assert sorted(got[:2]) == sorted([(a.id, 1, True, "13.00"), (b.id, 1, True, "13.00")])
    assert got[2:] == [(c.id, 3, False, "10.00"), (quiet.id, 4, False, "0.00")]
    assert stranger.id not in {e.deputy_id for e in r25.entries}

    # Recomputing each year from the stored events gives the same, changing nothing.
    before = {y: snapshot(w, y, (a, b, c)) for y in (2025, 2026)}
    for y in (2025, 2026):
        got = w.e.call("RecomputePerformance", pb.RecomputePerformanceRequest(region_code=COUNTY_A, year=y), **STAFF)
        assert got.changed == 0 and got.sources > 0, (y, got)
        assert snapshot(w, y, (a, b, c)) == before[y]
    # A total someone broke is found and put right.
    execute(w.e, "UPDATE perf_totals SET points = points + 700 WHERE deputy_id = :d AND year = 2026", d=c.id)
    got = w.e.call("RecomputePerformance", pb.RecomputePerformanceRequest(region_code=COUNTY_A, year=2026), **STAFF)
    assert got.changed == 1 and snapshot(w, 2026, (a, b, c)) == before[2026]

    # A rule change made afterwards for 2026 re-scores 2026 only; recomputation agrees.
    v3 = w.e.call("SetPerformanceRules", rules(2026, visit="3", cap_visit="5", inspection_joined="4",
                                               opinion_answered="3", constituent_report="6"), **STAFF)
    fa26 = file_of(w, a, 2026)
    assert {i.rule_version_id for i in fa26.items} == {v3.id} and fa26.total == "20.00"   # 3 + 2 capped at 5
    assert [i.credited for i in fa26.items if i.kind == pb.WORK_KIND_VISIT] == ["3.00", "2.00", "0.00"]
    assert snapshot(w, 2025, (a, b, c)) == before[2025]
    after = snapshot(w, 2026, (a, b, c))
    assert w.e.call("RecomputePerformance", pb.RecomputePerformanceRequest(region_code=COUNTY_A, year=2026),
                    **STAFF).changed == 0
    assert snapshot(w, 2026, (a, b, c)) == after
    in_force = w.e.call("GetPerformanceRules", pb.GetPerformanceRulesRequest(region_code=TOWNSHIP_A, year=2025),
                        **STAFF)
    assert in_force.id == v1.id    # inherited down the tree
    assert [v.number for v in w.e.call("ListPerformanceRules", pb.ListPerformanceRulesRequest(
        region_code=COUNTY_A), **STAFF).versions] == [3, 2, 1]

    # Flags as of the end of 2026: quiet did nothing and never reported; b and c never reported.
    flags = w.e.call("ListPerformanceFlags", pb.ListPerformanceFlagsRequest(region_code=COUNTY_A,
                                                                           as_of="2026-06-30"), **STAFF)
    got_flags = {f.deputy_id: list(f.flags) for f in flags.deputies}
    assert got_flags[quiet.id] == [pb.PERFORMANCE_FLAG_INACTIVE, pb.PERFORMANCE_FLAG_NO_REPORT_THIS_TERM]
    assert got_flags[b.id] == [pb.PERFORMANCE_FLAG_NO_REPORT_THIS_TERM]    # met on 2026-05-05, within 60 days
    assert a.id not in got_flags
    later = {f.deputy_id: list(f.flags) for f in w.e.call("ListPerformanceFlags", pb.ListPerformanceFlagsRequest(
        region_code=COUNTY_A, as_of="2026-08-30"), **STAFF).deputies}
    assert later[b.id] == [pb.PERFORMANCE_FLAG_INACTIVE, pb.PERFORMANCE_FLAG_NO_REPORT_THIS_TERM]
    assert later[a.id] == [pb.PERFORMANCE_FLAG_INACTIVE]     # last work 2026-07-01, more than 60 days back

    # The annual report: the file's items by kind, with days and counts, in Chinese.
    doc_msg = w.e.call("GetAnnualReport", pb.GetAnnualReportRequest(deputy_id=a.id, year=2026),
                       role="deputy", region=COUNTY_A, subject=a.id)
    assert doc_msg.filename == f"{a.name}-2026年度履职报告.docx"
    doc = Document(io.BytesIO(doc_msg.document))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == f"{a.name}代表2026年度履职情况报告"
    assert f"2026年，本人履职记录共8项，按履职量化考评细则计{fa26.total}分。" in text
    rows = [[c_.text for c_ in r.cells] for r in doc.tables[0].rows]
    assert rows[0] == ["履职类别", "次数", "积分"] and rows[-1] == ["合计", "8", fa26.total]
    assert {r[0]: (r[1], r[2]) for r in rows[1:-1]} == {
        "提出建议、批评和意见": ("1", "1.00"), "参加视察、调研和执法检查": ("1", "4.00"), "走访选民": ("3", "5.00"),
        "答复群众意见": ("1", "3.00"), "约见国家机关负责人": ("1", "1.00"), "向原选区选民述职": ("1", "6.00")}
    assert "（三）走访选民（3次）" in text and "2026年3月2日　走访选民（2026-03-02）" in text
    assert "2026年1月20日　向第3选区选民述职" in text and "2026年6月10日　农村道路建设视察" in text


def test_an_inspection_credits_its_deputies_by_id_and_old_ones_by_a_name_of_one_deputy(world):
    """Two deputies of one name who joined an inspection are each credited, by id (by name,
    neither could be); a participant named without an id, though a deputy bears the name, an
    id the directory does not know and a deputy of another county earn nothing; the event
    delivered again changes nothing. An inspection published before ids were kept (names
    only) still credits the one deputy a name matches, and neither of two sharing a name."""
    w = world
    twin1, twin2 = (register(w, "同名视察", COUNTY_A, rpb.LEVEL_COUNTY) for _ in range(2))
    lone, far = register(w, "独名视察", COUNTY_A, rpb.LEVEL_COUNTY), register(w, "外县视察", COUNTY_B, rpb.LEVEL_COUNTY)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM evaluation_deputies WHERE name LIKE '%视察'") == 4, "the read model")
    insp = w.s.call("ScheduleInspection", spb.ScheduleInspectionRequest(
        region_code=COUNTY_A, title="河道治理执法检查", scheduled_on="2022-08-20", participants=[
            spb.Participant(deputy_id=twin1.id, name=twin1.name), spb.Participant(deputy_id=twin2.id, name=twin2.name),
            spb.Participant(name=lone.name), spb.Participant(deputy_id=far.id, name=far.name),
            spb.Participant(deputy_id=str(uuid.uuid4()), name="不明代表"), spb.Participant(name="水利局专家")]),
        **STAFF)
    held = w.s.call("RecordInspection", spb.RecordInspectionRequest(id=insp.id, held_on="2022-08-20"), **STAFF)
    assert list(held.participant_names) == ["同名视察", "同名视察", "独名视察", "外县视察", "不明代表", "水利局专家"]
    assert [p.deputy_id for p in held.participants][:2] == [twin1.id, twin2.id]
    for twin in (twin1, twin2):
        f = wait(lambda t=twin: (f := file_of(w, t, 2022)).items and f, "the inspection in a twin's file")
        assert [(i.kind, i.day, i.title, i.points) for i in f.items] == [
            (pb.WORK_KIND_INSPECTION_JOINED, "2022-08-20", "河道治理执法检查", "5.00")]
    source = scalar(w.e, "SELECT resolved FROM perf_sources WHERE event_id = :e", e=f.items[0].source_event_id)
    assert sorted(source.split(",")) == sorted([twin1.id, twin2.id])
    assert not file_of(w, lone, 2022).items
    assert not file_of(w, far, 2022, role="staff", region=COUNTY_B).items

    # The same event again (a redelivery), then one published before ids were kept.
    mine = "SELECT count(*) FROM perf_items WHERE deputy_id IN (:a, :b, :c, :d)"
    ids = {"a": twin1.id, "b": twin2.id, "c": lone.id, "d": far.id}
    assert scalar(w.e, mine, **ids) == 2
    event_id = f.items[0].source_event_id
    stored = scalar(w.e, "SELECT data FROM perf_sources WHERE event_id = :e", e=event_id)
    again = replace(Envelope.for_message(sev.InspectionRecorded(), service="supervision", home_region=PREFECTURE,
                                         region=COUNTY_A), id=event_id, data=bytes(stored))
    publish(w, None, region=COUNTY_A, env=again)
    old = spb.Inspection(id=str(uuid.uuid4()), region_code=COUNTY_A, title="旧日视察", held_on="2022-09-01",
                         status=spb.INSPECTION_STATUS_HELD, participant_names=["同名视察", "独名视察", "水利局专家"])
    old_env = publish(w, sev.InspectionRecorded(inspection=old), region=COUNTY_A,
                      env=Envelope.for_message(sev.InspectionRecorded(inspection=old), service="supervision",
                                               home_region=PREFECTURE, region=COUNTY_A))
    wait(lambda: len(file_of(w, lone, 2022).items) == 1, "the old inspection in the lone deputy's file")
    assert [i.source_event_id for i in file_of(w, lone, 2022).items] == [old_env.id]
    assert scalar(w.e, mine, **ids) == 3
    assert [len(file_of(w, t, 2022).items) for t in (twin1, twin2)] == [1, 1]
    assert w.e.call("RecomputePerformance", pb.RecomputePerformanceRequest(region_code=COUNTY_A, year=2022),
                    **STAFF).changed == 0


def test_a_deputy_the_roster_tells_of_after_the_inspection_is_credited_then(world):
    """The roster's event of a deputy reaches evaluation after an inspection that named them (a
    roster deployment that was down): nothing is credited while evaluation does not know them;
    once it does, the inspection (by id, and an old one by name) is in their file in the
    inspection's year, with the points a deputy known on arrival got; so is one the roster moves
    into the inspection's county afterwards. The roster's event again
    (under a new id) and the inspections' again change nothing; recomputing finds nothing."""
    w = world
    known = register(w, "早知视察代表", COUNTY_A, rpb.LEVEL_COUNTY)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM evaluation_deputies WHERE id = :d", d=known.id), "the read model")
    late = rpb.Deputy(id=str(uuid.uuid4()), region_code=COUNTY_A, name="迟报视察代表", gender=rpb.GENDER_FEMALE,
                      seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十七届")], status=rpb.DEPUTY_STATUS_SERVING)

    def inspection(title: str, held_on: str, **who) -> Envelope:
        insp = spb.Inspection(id=str(uuid.uuid4()), region_code=COUNTY_A, title=title, held_on=held_on,
                              status=spb.INSPECTION_STATUS_HELD, **who)
        return publish(w, None, region=COUNTY_A, env=Envelope.for_message(
            sev.InspectionRecorded(inspection=insp), service="supervision", home_region=PREFECTURE, region=COUNTY_A))

    by_id = inspection("迟到代表视察", "2019-04-10", participants=[
        spb.Participant(deputy_id=known.id, name=known.name), spb.Participant(deputy_id=late.id, name=late.name),
        spb.Participant(name="水利局专家")])
    by_name = inspection("旧日迟到视察", "2019-05-20", participant_names=[late.name, "水利局专家"])
    wait(lambda: scalar(w.e, "SELECT count(*) FROM perf_sources WHERE event_id IN (:a, :b)",
                        a=by_id.id, b=by_name.id) == 2, "both inspections stored")
    on_arrival = file_of(w, known, 2019).items
    assert [(i.source_event_id, i.day) for i in on_arrival] == [(by_id.id, "2019-04-10")]
    mine = "SELECT count(*) FROM perf_items WHERE deputy_id = :d"
    assert scalar(w.e, mine, d=late.id) == 0
    resolved = "SELECT resolved FROM perf_sources WHERE event_id = :e"
    assert (scalar(w.e, resolved, e=by_id.id), scalar(w.e, resolved, e=by_name.id)) == (known.id, "")

    roster_event = publish(w, None, region=COUNTY_A, env=Envelope.for_message(
        rev.DeputyRegistered(deputy=late), service="roster", home_region=PREFECTURE, region=COUNTY_A))
    wait(lambda: scalar(w.e, mine, d=late.id) == 2, "the late deputy's inspections")
    f = file_of(w, late, 2019)
    assert [(i.kind, i.source_event_id, i.day, i.title) for i in f.items] == [
        (pb.WORK_KIND_INSPECTION_JOINED, by_id.id, "2019-04-10", "迟到代表视察"),
        (pb.WORK_KIND_INSPECTION_JOINED, by_name.id, "2019-05-20", "旧日迟到视察")]
    assert f.items[0].points == on_arrival[0].points and f.items[0].rule_version_id == on_arrival[0].rule_version_id
    assert f.total == str(sum(Decimal(i.credited) for i in f.items)) != "0.00"
    assert sorted(scalar(w.e, resolved, e=by_id.id).split(",")) == sorted([known.id, late.id])
    assert scalar(w.e, resolved, e=by_name.id) == late.id

    # A deputy of another county, named by id, earns nothing there until the roster moves them
    # into the inspection's county.
    mover = register(w, "移入视察代表", COUNTY_B, rpb.LEVEL_COUNTY)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM evaluation_deputies WHERE id = :d", d=mover.id), "the read model")
    moved_to = inspection("移入前视察", "2019-07-01", participants=[spb.Participant(deputy_id=mover.id, name=mover.name)])
    wait(lambda: scalar(w.e, "SELECT count(*) FROM perf_sources WHERE event_id = :e", e=moved_to.id), "stored")
    assert scalar(w.e, mine, d=mover.id) == 0
    moved = rpb.Deputy()
    moved.CopyFrom(mover)
    moved.region_code = COUNTY_A
    publish(w, None, region=COUNTY_A, env=Envelope.for_message(
        rev.DeputyUpdated(deputy=moved, changed_fields=["region_code"]), service="roster", home_region=PREFECTURE,
        region=COUNTY_A))
    wait(lambda: scalar(w.e, mine, d=mover.id) == 1, "the moved deputy's inspection")
    assert [(i.source_event_id, i.day) for i in file_of(w, mover, 2019).items] == [(moved_to.id, "2019-07-01")]

    # Each event again: the roster's under a new id (its handler runs), the inspections' as
    # they were; then one more inspection after them on the same partition, to know they passed.
    again = str(uuid.uuid4())
    publish(w, None, region=COUNTY_A, env=roster_event, again_as=again)
    publish(w, None, region=COUNTY_A, env=by_id)
    publish(w, None, region=COUNTY_A, env=by_name)
    inspection("迟到之后视察", "2019-06-01", participants=[spb.Participant(deputy_id=known.id, name=known.name)])
    wait(lambda: len(file_of(w, known, 2019).items) == 2, "the inspection after the redeliveries")
    wait(lambda: scalar(w.e, "SELECT count(*) FROM inbox WHERE event_id = :i AND consumer LIKE :c",
                        i=again, c="evaluation-directory%"), "the roster's event again")
    assert file_of(w, late, 2019) == f and scalar(w.e, mine, d=late.id) == 2
    assert scalar(w.e, resolved, e=by_name.id) == late.id
    assert w.e.call("RecomputePerformance", pb.RecomputePerformanceRequest(region_code=COUNTY_A, year=2019),
                    **STAFF).changed == 0


def test_who_sees_what(world):
    w = world
    d1, d2 = register(w, "甲代表", COUNTY_A, rpb.LEVEL_COUNTY), register(w, "乙代表", COUNTY_A, rpb.LEVEL_COUNTY)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM evaluation_deputies WHERE id IN (:a, :b)", a=d1.id, b=d2.id) == 2,
         "the read model")
    me = {"role": "deputy", "region": COUNTY_A, "subject": d1.id}
    assert file_of(w, d1, 2026, **me).deputy_id == d1.id
    assert w.e.error("GetPerformanceFile", pb.GetPerformanceFileRequest(deputy_id=d2.id, year=2026), **me).code() == NF
    assert w.e.error("GetAnnualReport", pb.GetAnnualReportRequest(deputy_id=d2.id, year=2026), **me).code() == NF
    other_county = {"role": "staff", "region": COUNTY_B}
    assert w.e.error("GetPerformanceFile", pb.GetPerformanceFileRequest(deputy_id=d1.id, year=2026),
                     **other_county).code() == NF
    assert w.e.error("GetRanking", pb.GetRankingRequest(region_code=COUNTY_A, level=rpb.LEVEL_COUNTY, year=2031),
                     **other_county).code() == PD
    # A ranking is the deputies' to read once published (by its region or one above it).
    ranking = pb.GetRankingRequest(region_code=COUNTY_A, level=rpb.LEVEL_COUNTY, year=2031)
    assert w.e.error("GetRanking", ranking, **me).code() == NF
    assert not w.e.call("GetRanking", ranking, **STAFF).published
    assert w.e.error("PublishRanking", pb.PublishRankingRequest(region_code=COUNTY_A, year=2031), **me).code() == PD
    w.e.call("PublishRanking", pb.PublishRankingRequest(region_code=PREFECTURE, year=2031),
             role="staff", region=PREFECTURE)
    shown = w.e.call("GetRanking", ranking, **me)
    assert shown.published and {d1.id, d2.id} <= {e.deputy_id for e in shown.entries}
    assert w.e.error("ListPerformanceFlags", pb.ListPerformanceFlagsRequest(region_code=COUNTY_A), **me).code() == PD
    assert w.e.error("SetPerformanceRules", rules(2031), **me).code() == PD
    assert w.e.error("SetPerformanceRules", rules(2031, region=COUNTY_A), **other_county).code() == PD
    assert w.e.error("RecomputePerformance", pb.RecomputePerformanceRequest(region_code=COUNTY_A, year=2031),
                     **me).code() == PD
    # Bad rules are refused naming the entry, and write nothing.
    before = w.e.count("perf_rules")
    missing = rules(2031)
    del missing.rules.points[0]
    err = w.e.error("SetPerformanceRules", missing, **STAFF)
    assert err.code() == IA and err.details().startswith("rules.points")
    twice = rules(2031)
    twice.rules.caps.extend([pb.KindPoints(kind=pb.WORK_KIND_VISIT, points="1")] * 2)
    assert w.e.error("SetPerformanceRules", twice, **STAFF).details().startswith("rules.caps[1].kind")
    # validate_only: refused as a save would be (a year before 2000 too), and a good version answered
    # as it would be saved (number 0), writing nothing.
    early = rules(1999)
    early.validate_only = True
    assert w.e.error("SetPerformanceRules", early, **STAFF).details().startswith("rules.effective_year")
    missing.validate_only = True
    assert w.e.error("SetPerformanceRules", missing, **STAFF).details().startswith("rules.points")
    checked = rules(2031, visit="7")
    checked.validate_only = True
    shown = w.e.call("SetPerformanceRules", checked, **STAFF)
    assert (shown.number, shown.id, shown.effective_year) == (0, "", 2031)
    assert {e.kind: e.points for e in shown.points}[pb.WORK_KIND_VISIT] == "7.00"
    future = pb.RecordConstituentReportRequest(deputy_id=d1.id, held_on=(date.today().replace(year=2099)).isoformat())
    assert w.e.error("RecordConstituentReport", future, **STAFF).details().startswith("held_on")
    assert w.e.count("perf_rules") == before
    assert Decimal(w.e.call("GetPerformanceRules", pb.GetPerformanceRulesRequest(region_code=COUNTY_B, year=2031),
                            **other_county).points[0].points) >= 0


def test_the_demo_sets_rules_records_a_report_and_publishes_the_rankings(world):
    w = world
    ports = {"evaluation": w.e.running.port, "roster": w.r.running.port}
    line = demo.performance(ports, w.e.settings.jwt_secret, PREFECTURE)
    year = date.today().year
    assert line.startswith(f"demo performance: rules of {PREFECTURE} from {year - 1}, rankings of {year - 1} and "
                           f"{year} published, ") and "points" in line, line
    rules_now = w.e.call("GetPerformanceRules", pb.GetPerformanceRulesRequest(region_code=PREFECTURE, year=year),
                         role="staff", region=PREFECTURE)
    assert (rules_now.number, rules_now.defaults, rules_now.term_start) == (1, False, f"{year - 1}-01-01")
    ranking = w.e.call("GetRanking", pb.GetRankingRequest(region_code=PREFECTURE, level=rpb.LEVEL_COUNTY, year=year),
                       role="staff", region=PREFECTURE)
    assert ranking.published
    assert "already present" in demo.performance(ports, w.e.settings.jwt_secret, PREFECTURE)


def test_items_recorded_at_once_for_one_deputy_add_up(world):
    """Eight reports to constituents recorded at once for one deputy: each transaction credits
    the deputy's year in turn, so the total is every item's points, as recomputation finds."""
    w = world
    d = register(w, "并发代表", COUNTY_A, rpb.LEVEL_COUNTY)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM evaluation_deputies WHERE id = :d", d=d.id) == 1, "the read model")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: w.e.call("RecordConstituentReport", pb.RecordConstituentReportRequest(
            deputy_id=d.id, held_on=f"2024-03-{n + 1:02d}", title=f"第{n + 1}次述职"), **STAFF), range(8)))
    f = file_of(w, d, 2024)
    assert len(f.items) == 8 and {i.rule_version_id for i in f.items} == {"default"}
    assert f.total == "80.00" == str(sum(Decimal(i.credited) for i in f.items))
    assert w.e.call("RecomputePerformance", pb.RecomputePerformanceRequest(region_code=COUNTY_A, year=2024),
                    **STAFF).changed == 0


def test_a_satisfaction_vote_counts_in_its_own_year_though_counted_in_the_next(world):
    """The satisfaction vote of 2023 (2023's projects, 2023's duty) counted on 2024-01-10: the
    deputy's ballot is 2023 work, in the 2023 file and ranking, and recomputing both years from
    the stored event agrees."""
    w = world
    d = register(w, "测评代表", COUNTY_A, rpb.LEVEL_COUNTY)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM evaluation_deputies WHERE id = :d", d=d.id) == 1, "the read model")
    counted = eev.SatisfactionVoteCounted(vote=spb_eval.SatisfactionVote(
        id=str(uuid.uuid4()), region_code=COUNTY_A, year=2023, title="2023年民生实事项目满意度测评",
        closed_at=Timestamp(seconds=int(datetime(2024, 1, 10, 4, tzinfo=timezone.utc).timestamp()))),
        voters=[d.id])
    env = Envelope.for_message(counted, service="evaluation", home_region=PREFECTURE, region=COUNTY_A)
    publish(w, counted, region=COUNTY_A, env=env)
    f23 = wait(lambda: (f := file_of(w, d, 2023)).items and f, "the vote in the 2023 file")
    assert [(i.kind, i.day, i.source_event_id) for i in f23.items] == [
        (pb.WORK_KIND_SATISFACTION_VOTE_CAST, "2024-01-10", env.id)]
    assert not file_of(w, d, 2024).items
    r23 = w.e.call("GetRanking", pb.GetRankingRequest(region_code=COUNTY_A, level=rpb.LEVEL_COUNTY, year=2023),
                   **STAFF)
    assert {e.deputy_id: e.points for e in r23.entries}[d.id] == f23.total != "0.00"
    for year in (2023, 2024):
        assert w.e.call("RecomputePerformance", pb.RecomputePerformanceRequest(region_code=COUNTY_A, year=year),
                        **STAFF).changed == 0, year
    assert file_of(w, d, 2023).items == f23.items and not file_of(w, d, 2024).items


def test_a_published_ranking_keeps_its_points_says_when_they_changed_and_rolls_up(world):
    """Published rankings are kept as published: a rule change afterwards leaves them as they
    were, saying the live points differ now, until published again. The prefecture's roll-up
    counts the county's deputies per points band and flag, once, though the publication's
    event arrives again and the ranking is published a second time."""
    w = world
    county = {"role": "staff", "region": COUNTY_B}
    x, y = register(w, "徐积分", COUNTY_B, rpb.LEVEL_COUNTY), register(w, "杨积分", COUNTY_B, rpb.LEVEL_COUNTY)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM evaluation_deputies WHERE id IN (:a, :b)", a=x.id, b=y.id) == 2,
         "the read model")
    first = rules(2024, region=COUNTY_B, visit="10")
    first.rules.term_start = "2024-01-01"
    w.e.call("SetPerformanceRules", first, **county)
    for deputies, day in (([x, y], "2024-03-01"), ([x], "2024-04-01")):
        w.l.call("RecordActivity", lpb.RecordActivityRequest(activity=lpb.Activity(
            region_code=COUNTY_B, kind=lpb.ACTIVITY_KIND_VISIT, date=day, title=f"走访选民（{day}）",
            deputy_ids=[d.id for d in deputies])), **county)
    wait(lambda: file_of(w, x, 2024, **county).total == "20.00", "x's visits scored")
    wait(lambda: file_of(w, y, 2024, **county).total == "10.00", "y's visit scored")

    request = pb.GetRankingRequest(region_code=COUNTY_B, level=rpb.LEVEL_COUNTY, year=2024)
    published = w.e.call("PublishRanking", pb.PublishRankingRequest(region_code=COUNTY_B, year=2024), **county)
    assert published.levels >= 1 and published.published_at.seconds > 0
    shown = w.e.call("GetRanking", request, **county)
    points = {e.deputy_id: (e.points, e.rank) for e in shown.entries}
    assert (points[x.id], points[y.id]) == (("20.00", 1), ("10.00", 2))
    assert shown.published and not shown.changed_since_publication
    assert shown.published_at == published.published_at and shown.published_by

    # The roll-up: every deputy ranked counted once in its band; flags as the county's list says.
    def bands_of(entries) -> dict[str, int]:
        out = dict.fromkeys(("0", "1_9", "10_19", "20_49", "50_plus"), 0)
        for e in entries:
            p = Decimal(e.points)
            out["0" if p == 0 else "1_9" if p < 10 else "10_19" if p < 20 else "20_49" if p < 50 else "50_plus"] += 1
        return out
    flagged = w.e.call("ListPerformanceFlags", pb.ListPerformanceFlagsRequest(region_code=COUNTY_B,
                                                                              as_of="2024-12-31"), **county)
    ranked = {e.deputy_id for e in shown.entries}
    inactive = sum(1 for f in flagged.deputies if f.deputy_id in ranked and pb.PERFORMANCE_FLAG_INACTIVE in f.flags)

    def rolled(expected: dict[str, int]):
        r = w.e.call("GetRollup", fpb.GetRollupRequest(region_code=PREFECTURE, year=2024), role="staff",
                     region=PREFECTURE)
        c = {x.region_code: dict(x.counters) for x in r.regions}.get(COUNTY_B, {})
        got = {band: c.get(f"points_l4_{band}", 0) for band in expected}
        return c if got == expected else None
    c = wait(lambda: rolled(bands_of(shown.entries)), "the ranking's bands in the prefecture's roll-up")
    assert c["flagged_l4_inactive"] == inactive >= 2
    assert sum(c[f"points_l4_{b}"] for b in ("0", "1_9", "10_19", "20_49", "50_plus")) == len(shown.entries)

    # The year's rules changed afterwards: the published ranking stays, and says it differs now.
    again = rules(2024, region=COUNTY_B, visit="25")
    again.rules.term_start = "2024-01-01"
    w.e.call("SetPerformanceRules", again, **county)
    assert file_of(w, x, 2024, **county).total == "50.00"
    kept = w.e.call("GetRanking", request, **county)
    assert {e.deputy_id: e.points for e in kept.entries}[x.id] == "20.00"
    assert kept.changed_since_publication and kept.published_at == published.published_at
    mine = w.e.call("GetRanking", request, role="deputy", region=COUNTY_B, subject=y.id)
    assert {e.deputy_id: e.points for e in mine.entries}[y.id] == "10.00" and mine.changed_since_publication

    # Published again: the new points, nothing to note; the roll-up's counts replaced, not added.
    w.e.call("PublishRanking", pb.PublishRankingRequest(region_code=COUNTY_B, year=2024), **county)
    now_shown = w.e.call("GetRanking", request, **county)
    assert {e.deputy_id: e.points for e in now_shown.entries}[x.id] == "50.00"
    assert not now_shown.changed_since_publication and now_shown.published_at.seconds >= published.published_at.seconds
    expected = bands_of(now_shown.entries)
    assert expected["50_plus"] >= 1
    c = wait(lambda: rolled(expected), "the republished bands in the roll-up")
    assert sum(c[f"points_l4_{b}"] for b in expected) == len(now_shown.entries)
    # The publication's event once more (redelivered under a new id): nothing added.
    counts = eev.RankingRegionCounts(region_code=COUNTY_B, bands=[expected[b] for b in expected],
                                     flagged_inactive=c["flagged_l4_inactive"],
                                     flagged_no_report=c["flagged_l4_no_report"])
    resent = eev.RankingPublished(region_code=COUNTY_B, year=2024, level=rpb.LEVEL_COUNTY, regions=[counts])
    env = Envelope.for_message(resent, service="evaluation", home_region=PREFECTURE, region=COUNTY_B)
    publish(w, resent, region=COUNTY_B, env=env)
    again_as = str(uuid.uuid4())
    publish(w, resent, region=COUNTY_B, env=env, again_as=again_as)
    wait(lambda: scalar(w.e, "SELECT count(*) FROM inbox WHERE event_id = :i AND consumer LIKE :c",
                        i=again_as, c="evaluation-rollup%"), "the resent event in the roll-up")
    assert rolled(expected) == c


def test_a_recompute_while_events_are_credited_loses_and_doubles_nothing(world):
    """A year recomputed again and again while the consumer credits a few hundred events from
    Kafka (some delivered a second time under a new id), reports to constituents are recorded
    over gRPC and the year's rules change: every recompute finds the kept points right (0
    differences) and, once all is in, each deputy's file holds each piece of work once with the
    points the rules in force give (caps included)."""
    w = world
    county = {"role": "staff", "region": COUNTY_B}
    deputies = [register(w, f"并行代表{n}", COUNTY_B, rpb.LEVEL_COUNTY) for n in range(4)]
    ids = {d.id for d in deputies}
    wait(lambda: scalar(w.e, "SELECT count(*) FROM evaluation_deputies WHERE id = ANY(:ids)", ids=list(ids)) == 4,
         "the read model")
    w.e.call("SetPerformanceRules", rules(2021, region=COUNTY_B, visit="1", cap_visit="10"), **county)

    kinds = (lpb.ACTIVITY_KIND_VISIT, lpb.ACTIVITY_KIND_RECEPTION, lpb.ACTIVITY_KIND_MEETING)
    envelopes, sources_of = [], {}
    for n in range(200):
        present = [deputies[n % 4].id] + ([deputies[(n + 1) % 4].id] if n % 3 == 0 else [])
        act = lpb.Activity(id=str(uuid.uuid4()), region_code=COUNTY_B, kind=kinds[n % 3],
                           date=f"2021-{n % 12 + 1:02d}-{n % 28 + 1:02d}", title=f"活动{n}", deputy_ids=present)
        message = liaison_events.ActivityRecorded(activity=act)
        sent = [Envelope.for_message(message, service="liaison", home_region=PREFECTURE, region=COUNTY_B)
                for _ in range(2 if n % 10 == 0 else 1)]     # every tenth once more under a new id
        envelopes += sent
        sources_of[act.id] = (act, min(e.id for e in sent))
    reports = 8
    t = KafkaTransport(w.kafka, client_id="perf-tests", namespace=w.namespace)
    try:
        for e in envelopes:
            t.send(e.topic, e.key.encode(), e.data, e.headers())
        t.flush(10)
    finally:
        t.close()

    def record(n: int) -> None:
        w.e.call("RecordConstituentReport", pb.RecordConstituentReportRequest(
            deputy_id=deputies[n % 4].id, held_on=f"2021-11-{n + 1:02d}", title=f"第{n + 1}次述职"), **county)

    recompute = pb.RecomputePerformanceRequest(region_code=COUNTY_B, year=2021)
    expected_sources = len(envelopes) + reports
    seen: list[pb.RecomputePerformanceResponse] = []

    def stored() -> int:
        return scalar(w.e, "SELECT count(*) FROM perf_sources WHERE year = 2021 AND region_code = :r", r=COUNTY_B)

    with ThreadPoolExecutor(max_workers=3) as pool:
        recorded = pool.map(record, range(reports))
        while not seen or seen[-1].sources < expected_sources:
            # Each recompute holds the year's events back while it runs: one after every 20
            # or so stored, so the consumer keeps going.
            if seen:
                wait(lambda: stored() >= min(seen[-1].sources + 20, expected_sources), "the events stored")
            seen.append(w.e.call("RecomputePerformance", recompute, **county))
            assert seen[-1].changed == 0, seen[-1]
            if len(seen) == 1:      # the year's rules change while events arrive
                v2 = w.e.call("SetPerformanceRules", rules(2021, region=COUNTY_B, visit="2", cap_visit="15",
                                                      reception="3", cap_reception="30", activity="1",
                                                      constituent_report="5", cap_constituent_report="20"), **county)
        list(recorded)
    assert seen[0].sources < expected_sources, "no recompute ran while events arrived"
    assert w.e.call("RecomputePerformance", recompute, **county).changed == 0

    points = {pb.WORK_KIND_VISIT: (2, 15), pb.WORK_KIND_RECEPTION: (3, 30), pb.WORK_KIND_ACTIVITY: (1, None),
              pb.WORK_KIND_CONSTITUENT_REPORT: (5, 20)}
    kind_of = {lpb.ACTIVITY_KIND_VISIT: pb.WORK_KIND_VISIT, lpb.ACTIVITY_KIND_RECEPTION: pb.WORK_KIND_RECEPTION,
               lpb.ACTIVITY_KIND_MEETING: pb.WORK_KIND_ACTIVITY}
    for d in deputies:
        f = file_of(w, d, 2021, **county)
        work = {(act.id, kind_of[act.kind], source) for act, source in sources_of.values() if d.id in act.deputy_ids}
        assert sorted((i.title, i.kind, i.source_event_id) for i in f.items if i.kind != pb.WORK_KIND_CONSTITUENT_REPORT) \
            == sorted((sources_of[a][0].title, k, s) for a, k, s in work)
        counts = {k: sum(1 for _, kind, _ in work if kind == k) for k in points}
        counts[pb.WORK_KIND_CONSTITUENT_REPORT] = sum(1 for n in range(reports) if n % 4 == deputies.index(d))
        want = sum(min(n * p, cap) if cap else n * p for k, (p, cap) in points.items() for n in [counts[k]])
        assert f.total == f"{want}.00" == str(sum(Decimal(i.credited) for i in f.items))
        assert {i.rule_version_id for i in f.items} == {v2.id}
