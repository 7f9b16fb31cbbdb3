"""Supervision across two deployments sharing nothing but Kafka: a county (昌吉市, 652301) runs
its own, and the prefecture's (昌吉回族自治州, 652300) delegates it. The county's letters left
unanswered go to the prefecture as an event, whose supervision issues its own numbered letter
(once, also when the event comes twice); the prefecture's statistics are the county's events
rolled up (a redelivered one counted once), never the county's database. Time is moved with
shared.clock (never slept)."""
from __future__ import annotations

import io
import uuid
from datetime import datetime

import docx
import pytest
from kafka_lock import kafka_shared
from kit.settings import COUNTY_A, PREFECTURE, TOWNSHIP_A
from lianxin.supervision.v1 import events_pb2 as ev
from lianxin.supervision.v1 import supervision_pb2 as pb
from sqlalchemy import text
from supervision_support import LEAD, departments, wait

from services.supervision.letters import Letters
from shared.bus.kafka import KafkaTransport
from shared.clock import CHINA, frozen

pytestmark = pytest.mark.kafka
COUNTY_STAFF = {"role": "staff", "region": COUNTY_A}
PREFECTURE_STAFF = {"role": "staff", "region": PREFECTURE}
DEPT = {"role": "department", "region": COUNTY_A, "subject": LEAD}
YEAR = 2033


def on(day: str):
    return frozen(datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=CHINA))


@pytest.fixture(scope="module")
def tiers(start_service, kafka_bootstrap):
    namespace = f"st-{uuid.uuid4().hex[:8]}"
    # The timers stay out of the way (the test sweeps with the clock moved).
    env = {"LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIANXIN_KAFKA_NAMESPACE": namespace,
           "LIANXIN_LATENESS_SWEEP_INTERVAL": "3600"}
    with kafka_shared(kafka_bootstrap):
        admin = KafkaTransport(kafka_bootstrap, client_id="supervision-tiers-tests", namespace=namespace)
        admin.ensure_topics(["lianxin.supervision.v1", "lianxin.balloting.v1"])
        admin.close()
        county = start_service("supervision", LIANXIN_HOME_REGION=COUNTY_A, LIANXIN_LETTERS_BEFORE_TIER_ABOVE="2",
                               **env)
        prefecture = start_service("supervision", LIANXIN_HOME_REGION=PREFECTURE,
                                   LIANXIN_DELEGATED_REGIONS=COUNTY_A, **env)
    return county, prefecture


def rows(service, sql: str, **params) -> list:
    with service.engine.begin() as c:
        return list(c.execute(text(sql), params))


def project(county, region: str, milestones: list[tuple[str, str]]) -> pb.Project:
    return county.call("CreateProject", pb.CreateProjectRequest(
        region_code=region, year=YEAR, title=f"城区道路畅通提质工程{region[-3:]}{len(milestones)}", category="交通",
        budget_fen=500_000_000, deadline=f"{YEAR}-12-31", departments=departments(),
        milestones=[pb.MilestonePlan(title=t, due_date=due, weight=1) for t, due in milestones]),
        role="staff", region=region)


def statistics(service, of: str, **who) -> pb.SupervisionStatistics:
    return service.call("GetSupervisionStatistics", pb.GetSupervisionStatisticsRequest(region_code=of, year=YEAR),
                        **who)


def resend(service, event_type: str, *, copy: bool) -> str:
    """Sends the first ``event_type`` of ``service``'s outbox again: the same event (its relay
    marks it unsent) and, with ``copy``, also under a new event id (as if published again).
    Returns the id the consumers will see last."""
    with service.engine.begin() as c:
        first = c.execute(text("SELECT event_id FROM outbox WHERE type = :t ORDER BY seq LIMIT 1"),
                          {"t": f"lianxin.supervision.v1.{event_type}"}).scalar_one()
        c.execute(text("UPDATE outbox SET sent_at = NULL WHERE event_id = :e"), {"e": first})
        if not copy:
            return first
        new = str(uuid.uuid4())
        c.execute(text("INSERT INTO outbox (event_id, topic, key, type, source, subject, time, data) "
                       "SELECT :new, topic, key, type, source, subject, time, data FROM outbox WHERE event_id = :old"),
                  {"new": new, "old": first})
        return new


def test_a_countys_unanswered_letters_reach_the_prefecture_and_its_statistics(tiers):
    county, prefecture = tiers
    late = project(county, COUNTY_A, [("完成征迁", f"{YEAR}-03-15"), ("完成管网改造", f"{YEAR}-03-31"),
                                      ("完成路面铺设", f"{YEAR}-09-30")])
    project(county, TOWNSHIP_A, [("完成设计", f"{YEAR}-12-01")])                   # on schedule
    done = project(county, TOWNSHIP_A, [("安装路灯", f"{YEAR}-03-01")])
    county.call("ReportProgress", pb.ReportProgressRequest(project_id=done.id, milestone_id=done.milestones[0].id,
                                                           percent=100, evidence="已验收"), **COUNTY_STAFF)
    # The prefecture takes no project of its delegated county.
    err = prefecture.error("CreateProject", pb.CreateProjectRequest(
        region_code=COUNTY_A, year=YEAR, title="州级代建", departments=departments(),
        milestones=[pb.MilestonePlan(title="完工", due_date=f"{YEAR}-06-01", weight=1)]), **PREFECTURE_STAFF)
    assert err.code().name == "INVALID_ARGUMENT" and err.details().startswith("region_code:")

    sweep = Letters(county.runtime).sweep
    with on(f"{YEAR}-04-05"):
        assert sweep() == 2      # the two overdue milestones (behind plan waits: their letters say it)
    first = {x.milestone_id: x for x in county.call("ListLetters", pb.ListLettersRequest(project_id=late.id),
                                                    **COUNTY_STAFF).letters}
    milestone, earlier = first[late.milestones[1].id], first[late.milestones[0].id]
    with on(f"{YEAR}-04-08"):
        county.call("AnswerLetter", pb.AnswerLetterRequest(id=earlier.id, answer="已调整施工计划"), **DEPT)
    # An inspection held with two problems found, one solved.
    i = county.call("ScheduleInspection", pb.ScheduleInspectionRequest(
        region_code=COUNTY_A, project_id=late.id, title="集中督导", scheduled_on=f"{YEAR}-04-20",
        participants=[pb.Participant(name="张代表")]), **COUNTY_STAFF)
    with on(f"{YEAR}-04-20"):
        i = county.call("RecordInspection", pb.RecordInspectionRequest(
            id=i.id, held_on=f"{YEAR}-04-20", findings="管网改造滞后", problems=["征迁未完成", "施工扰民"]),
            **COUNTY_STAFF)
    with on(f"{YEAR}-04-21"):
        county.call("SolveProblem", pb.SolveProblemRequest(inspection_id=i.id, problem_id=i.problems[0].id,
                                                           solution="征迁已完成"), **COUNTY_STAFF)

    with on(f"{YEAR}-04-16"):
        assert sweep() == 1      # 督办函 for the unanswered milestone letter; the answered chain stops
    # Two unanswered (letters_before_tier_above=2): the chain goes up as an event, and the
    # prefecture's supervision writes its own letter, in its own series.
    with on(f"{YEAR}-04-27"):
        assert sweep() == 1
        second = max((x for x in county.call("ListLetters", pb.ListLettersRequest(project_id=late.id),
                                             **COUNTY_STAFF).letters if x.chain == milestone.chain),
                     key=lambda x: x.level)
        assert (second.level, second.title, second.escalated_to) == (2, "督办函", PREFECTURE)
        escalated = ev.LetterEscalated.FromString(rows(
            county, "SELECT data FROM outbox WHERE type = 'lianxin.supervision.v1.LetterEscalated'")[0][0])
        assert (escalated.from_region, escalated.to_region, [x.number for x in escalated.letters]) == (
            COUNTY_A, PREFECTURE, [milestone.number, second.number])

        def upper() -> list[pb.Letter]:
            return list(prefecture.call("ListLetters", pb.ListLettersRequest(region_code=PREFECTURE),
                                        **PREFECTURE_STAFF).letters)
        up = wait(upper, "the prefecture's letter")[0]
    assert (up.title, up.number, up.issuer, up.region_code, up.origin_region, up.origin_number, up.reply_by,
            up.subject_text, up.subject_region, up.subject_id, up.project_id) == (
        "提级督办函", "昌吉回族自治州人大常委会督办函〔2033〕1号", "昌吉回族自治州人大常委会", PREFECTURE, COUNTY_A,
        second.number, f"{YEAR}-05-07", f"{YEAR}年民生实事项目“{late.title}”", COUNTY_A, late.id, "")
    full = prefecture.call("GetLetter", pb.GetLetterRequest(id=up.id), **PREFECTURE_STAFF)
    body = "\n".join(x.text for x in docx.Document(io.BytesIO(full.document)).paragraphs)
    assert body.startswith(f"提级督办函\n{up.number}\n市住建局：\n昌吉市人大常委会就昌吉市{YEAR}年民生实事项目“{late.title}”"
                           f"先后2次向你单位发函督办（{milestone.number}、{second.number}）")
    assert body.endswith(f"昌吉回族自治州人大常委会\n{YEAR}年4月27日")
    # The event again, and a copy under a new id: still one letter up there.
    copy = resend(county, "LetterEscalated", copy=True)
    wait(lambda: rows(prefecture, "SELECT count(*) FROM inbox WHERE event_id = :e AND consumer LIKE '%letters%'",
                      e=copy)[0][0], "the copy handled by the prefecture")
    assert len(upper()) == 1
    # The prefecture holds nothing of the county's projects.
    assert rows(prefecture, "SELECT count(*) FROM projects")[0][0] == 0

    # Statistics at the prefecture, from the county's events and its own.
    def rolled_up() -> pb.SupervisionStatistics | None:
        s = statistics(prefecture, PREFECTURE, **PREFECTURE_STAFF)
        return s if (s.total.letters_issued, s.total.problems_solved, s.total.projects_finished) == (4, 1, 1) else None
    s = wait(rolled_up, "the county's figures in the prefecture's statistics")
    child = next(c for c in s.children if c.region_code == COUNTY_A)
    figures = ("projects", "projects_on_schedule", "projects_late", "projects_finished", "milestones_late",
               "letters_issued", "letters_answered", "letters_from_above", "inspections_held", "problems_found",
               "problems_solved")
    assert [getattr(child, f) for f in figures] == [3, 1, 1, 1, 2, 3, 1, 0, 1, 2, 1]
    assert [getattr(s.own, f) for f in figures] == [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0]
    assert (s.total.letters_issued, s.total.letters_from_above, child.region_name) == (4, 1, "昌吉市")
    # The county's own roll-up agrees, its township in its children.
    own = wait(lambda: (x := statistics(county, COUNTY_A, **COUNTY_STAFF)).total.problems_solved == 1 and x,
               "the county's own statistics")
    assert [getattr(own.total, f) for f in figures] == [3, 1, 1, 1, 2, 3, 1, 0, 1, 2, 1]
    township = next(c for c in own.children if c.region_code == TOWNSHIP_A)
    assert (township.projects, township.projects_on_schedule, township.projects_finished) == (2, 1, 1)

    # LetterAnswered delivered again (same event id): counted once. A later event on the same
    # key (the second problem solved) shows it has been through.
    resend(county, "LetterAnswered", copy=False)
    with on(f"{YEAR}-04-28"):
        county.call("SolveProblem", pb.SolveProblemRequest(inspection_id=i.id, problem_id=i.problems[1].id,
                                                           solution="已错峰施工"), **COUNTY_STAFF)
    s = wait(lambda: (x := statistics(prefecture, PREFECTURE, **PREFECTURE_STAFF)).total.problems_solved == 2 and x,
             "the second solution counted")
    assert (s.total.letters_answered, s.total.letters_issued) == (1, 4)
