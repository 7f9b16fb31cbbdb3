"""Inspections (督导调研) over gRPC: scheduled by the office or a deputy, recorded once as held
with participants, findings and problems, each problem tracked to solved; the inspection kept
in its project's history; counts per region and year; who may do what; bad input refused."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import grpc
import pytest
from alembic import command
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A, TOWNSHIP_A2
from kit.world import wait
from lianxin.supervision.v1 import events_pb2 as ev
from lianxin.supervision.v1 import supervision_pb2 as pb
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from sqlalchemy.orm import Session
from supervision_support import STAFF

from services.supervision import convert
from services.supervision.tables import InspectionRow
from shared import db
from shared.clock import CHINA, frozen

IA, NF, PD, FP = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED,
                  grpc.StatusCode.FAILED_PRECONDITION)


# Deputies' roster ids (supervision takes them as given: evaluation credits the ones its roster
# directory knows); two deputies may bear one name.
ZHANG, ZHANG2, LI = (str(uuid.uuid4()) for _ in range(3))


def on(day: str):
    """Noon of a China day, frozen for the block."""
    return frozen(datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=CHINA))


def person(name: str, deputy_id: str = "") -> pb.Participant:
    return pb.Participant(deputy_id=deputy_id, name=name)


ZHANG_AND_WANG = (person("张代表", ZHANG), person("王主任"))


def schedule(world, of=COUNTY_A, project_id="", day="2036-05-10", participants=ZHANG_AND_WANG, **who):
    return world.s.call("ScheduleInspection", pb.ScheduleInspectionRequest(
        region_code=of, project_id=project_id, title="民生实事项目集中督导", scheduled_on=day,
        participants=list(participants)), **(who or STAFF))


def people(i: pb.Inspection) -> list[tuple[str, str]]:
    return [(p.deputy_id, p.name) for p in i.participants]


def test_an_inspection_finds_problems_and_each_is_tracked_to_solved(world):
    project = world.project(year=2036)
    with world.expect_events("InspectionScheduled"):
        i = schedule(world, project_id=project.id)
    assert (i.status, i.project_id, people(i), list(i.participant_names)) == (
        pb.INSPECTION_STATUS_SCHEDULED, project.id, [(ZHANG, "张代表"), ("", "王主任")], ["张代表", "王主任"])
    # Recorded as held on a day to come is refused naming held_on, nothing written (it would
    # count as held, and credit its deputies, in a year not begun); scheduling one is fine.
    with on("2036-05-10"), world.expect_no_writes():
        err = world.s.error("RecordInspection", pb.RecordInspectionRequest(
            id=i.id, held_on="2036-05-11", problems=["施工扰民"]), **STAFF)
    assert err.code() == IA and err.details() == "held_on: is after today: record an inspection once held"
    # Solving before it is held is out of order; so is recording it twice.
    with on("2036-05-11"), world.expect_events("InspectionRecorded"):
        i = world.s.call("RecordInspection", pb.RecordInspectionRequest(
            id=i.id, held_on="2036-05-11", findings="施工进度滞后于计划",
            problems=["项目用地手续未办结", "施工扰民引发矛盾纠纷", "补助资金拨付慢"]), **STAFF)
    assert (i.status, i.held_on, i.findings) == (pb.INSPECTION_STATUS_HELD, "2036-05-11", "施工进度滞后于计划")
    assert [p.status for p in i.problems] == [pb.PROBLEM_STATUS_OPEN] * 3
    # The event names the deputy by id (what evaluation credits), the official by name only.
    recorded = ev.InspectionRecorded.FromString(world.rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.supervision.v1.InspectionRecorded' ORDER BY seq DESC LIMIT 1")[0][0])
    assert people(recorded.inspection) == [(ZHANG, "张代表"), ("", "王主任")]
    assert list(recorded.inspection.participant_names) == ["张代表", "王主任"]
    with on("2036-05-12"), world.expect_no_writes():
        assert world.s.error("RecordInspection", pb.RecordInspectionRequest(
            id=i.id, held_on="2036-05-12"), **STAFF).code() == FP
    with world.expect_events("ProblemSolved"):
        i = world.s.call("SolveProblem", pb.SolveProblemRequest(
            inspection_id=i.id, problem_id=i.problems[0].id, solution="自然资源局已办结用地手续"), **STAFF)
    assert (i.problems[0].status, i.problems[0].solution) == (pb.PROBLEM_STATUS_SOLVED, "自然资源局已办结用地手续")
    assert i.problems[0].solved_at.seconds and i.problems[1].status == pb.PROBLEM_STATUS_OPEN
    solved = ev.ProblemSolved.FromString(world.rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.supervision.v1.ProblemSolved' ORDER BY seq DESC LIMIT 1")[0][0])
    assert (solved.inspection_id, solved.problem.id) == (i.id, i.problems[0].id)
    with world.expect_no_writes():
        assert world.s.error("SolveProblem", pb.SolveProblemRequest(
            inspection_id=i.id, problem_id=i.problems[0].id, solution="再次"), **STAFF).code() == FP
    other = schedule(world)
    err = world.s.error("SolveProblem", pb.SolveProblemRequest(
        inspection_id=other.id, problem_id=i.problems[1].id, solution="x"), **STAFF)
    assert err.code() == NF and err.details().startswith("problem_id:")
    # The project's history keeps the inspection; the project lists its inspections.
    p = world.s.call("GetProject", pb.GetProjectRequest(id=project.id), **STAFF)
    assert (p.history[-1].action, p.history[-1].after) == ("inspection", "民生实事项目集中督导（2036-05-11）：发现问题 3 个")
    listed = world.s.call("ListInspections", pb.ListInspectionsRequest(project_id=project.id), **STAFF)
    assert [x.id for x in listed.inspections] == [i.id]


def test_deputies_schedule_and_record_their_own_inspections(world):
    deputy, colleague = str(uuid.uuid4()), str(uuid.uuid4())
    mine = {"role": "deputy", "region": TOWNSHIP_A, "subject": deputy, "name": "张代表"}
    i = schedule(world, TOWNSHIP_A, **mine)
    assert (i.created_by, i.created_role, i.created_name) == (deputy, "deputy", "张代表")
    # A deputy schedules in their own region's subtree only: not in the county above them; a
    # county's deputy may in one of its townships.
    assert world.s.error("ScheduleInspection", pb.ScheduleInspectionRequest(
        region_code=COUNTY_A, title="督导", scheduled_on="2036-06-01"), **mine).code() == PD
    below = world.s.call("ScheduleInspection", pb.ScheduleInspectionRequest(
        region_code=TOWNSHIP_A2, title="督导", scheduled_on="2036-06-01"), role="deputy", region=COUNTY_A,
        subject=colleague)
    assert (below.region_code, below.created_by) == (TOWNSHIP_A2, colleague)
    # Another deputy of the branch reads it but may not record it; one of another county does not see it.
    other = {"role": "deputy", "region": COUNTY_A, "subject": colleague}
    assert world.s.call("GetInspection", pb.GetInspectionRequest(id=i.id), **other).id == i.id
    with on("2036-05-10"), world.expect_no_writes():
        assert world.s.error("RecordInspection", pb.RecordInspectionRequest(
            id=i.id, held_on="2036-05-10"), **other).code() == PD
    elsewhere = {"role": "deputy", "region": COUNTY_B, "subject": deputy}
    assert world.s.error("GetInspection", pb.GetInspectionRequest(id=i.id), **elsewhere).code() == NF
    with on("2036-05-10"):
        assert world.s.error("RecordInspection", pb.RecordInspectionRequest(
            id=i.id, held_on="2036-05-10"), **elsewhere).code() == NF
    # Departments have no part in inspections (yet).
    assert world.s.error("GetInspection", pb.GetInspectionRequest(id=i.id), role="department", region=TOWNSHIP_A,
                         subject="dept-housing").code() == PD
    with on("2036-05-10"):
        i = world.s.call("RecordInspection", pb.RecordInspectionRequest(
            id=i.id, held_on="2036-05-10", participants=[person("张代表", deputy), person("张代表", ZHANG2),
                                                         person("李代表", LI), person("水利专家")],
            problems=["路灯不亮"]), **mine)
    # Two deputies of one name are two participants, told apart by id.
    assert people(i) == [(deputy, "张代表"), (ZHANG2, "张代表"), (LI, "李代表"), ("", "水利专家")]
    assert i.recorded_by == deputy
    i = world.s.call("SolveProblem", pb.SolveProblemRequest(
        inspection_id=i.id, problem_id=i.problems[0].id, solution="已修复"), **mine)
    assert i.problems[0].solved_by == deputy


def test_counts_per_region_and_year(world):
    year = 2037
    county = {"role": "staff", "region": COUNTY_B}

    def held(region, problems, solved, day=f"{year}-04-01"):
        i = schedule(world, region, day=day, **county)
        with on(day):       # held, and solved, the day it was found: counted in the same year
            i = world.s.call("RecordInspection", pb.RecordInspectionRequest(
                id=i.id, held_on=day, problems=[f"问题{n}" for n in range(problems)]), **county)
            for p in i.problems[:solved]:
                world.s.call("SolveProblem", pb.SolveProblemRequest(inspection_id=i.id, problem_id=p.id,
                                                                    solution="已解决"), **county)

    township = "652302100"
    held(COUNTY_B, 3, 2)
    held(COUNTY_B, 1, 1)
    held(township, 2, 0)
    held(COUNTY_B, 5, 5, day=f"{year + 1}-01-02")           # another year
    schedule(world, township, day=f"{year}-12-01", **county)  # scheduled, not held yet
    c = world.s.call("GetInspectionCounts", pb.GetInspectionCountsRequest(region_code=COUNTY_B, year=year),
                     role="auditor", region=COUNTY_B)
    figures = lambda f: (f.held, f.scheduled, f.problems_found, f.problems_solved)  # noqa: E731
    assert figures(c.own) == (2, 0, 4, 3)
    assert figures(c.total) == (3, 1, 6, 3)
    by_child = {f.region_code: figures(f) for f in c.children}
    assert by_child[township] == (1, 1, 2, 0)
    whole = world.s.call("GetInspectionCounts", pb.GetInspectionCountsRequest(region_code=PREFECTURE, year=year),
                         role="staff", region=PREFECTURE)
    assert figures(next(f for f in whole.children if f.region_code == COUNTY_B)) == (3, 1, 6, 3)
    assert world.s.error("GetInspectionCounts", pb.GetInspectionCountsRequest(region_code=COUNTY_B, year=year),
                         **STAFF).code() == PD
    assert world.s.error("GetInspectionCounts", pb.GetInspectionCountsRequest(region_code=COUNTY_A, year=year),
                         role="deputy", region=COUNTY_A).code() == PD


def test_a_problem_counts_as_solved_in_the_year_it_was_solved_in_both_figures(world):
    """Found at an inspection on 20 December, solved on 10 January: GetInspectionCounts and
    GetSupervisionStatistics (rolled up from the events over Kafka) both count it found in the
    first year and solved in the second, the rule of an annual work report."""
    first, second = world.next_year(), world.next_year()
    county = {"role": "staff", "region": COUNTY_B}
    i = schedule(world, COUNTY_B, day=f"{first}-12-20", **county)
    with on(f"{first}-12-20"):
        i = world.s.call("RecordInspection", pb.RecordInspectionRequest(
            id=i.id, held_on=f"{first}-12-20", problems=["冬季停工未报备", "资金拨付滞后"]), **county)
    with on(f"{second}-01-10"):
        world.s.call("SolveProblem", pb.SolveProblemRequest(inspection_id=i.id, problem_id=i.problems[0].id,
                                                            solution="已补办报备手续"), **county)

    def counted(year: int) -> tuple[int, int, int]:
        f = world.s.call("GetInspectionCounts", pb.GetInspectionCountsRequest(region_code=COUNTY_B, year=year),
                         **county).total
        return f.held, f.problems_found, f.problems_solved

    def rolled(year: int) -> tuple[int, int, int]:
        f = world.s.call("GetSupervisionStatistics", pb.GetSupervisionStatisticsRequest(
            region_code=COUNTY_B, year=year), **county).total
        return f.inspections_held, f.problems_found, f.problems_solved

    assert (counted(first), counted(second)) == ((1, 2, 0), (0, 0, 1))
    wait(lambda: rolled(second) == (0, 0, 1), "the solution rolled up in the second year")
    assert (rolled(first), rolled(second)) == ((1, 2, 0), (0, 0, 1))


def test_bad_inspections_are_refused_naming_the_field(world):
    theirs = world.project(COUNTY_B, year=2036, role="staff", region=COUNTY_B)
    county = world.project(year=2036)
    for req, code, field in [
        (pb.ScheduleInspectionRequest(region_code=COUNTY_A, project_id=theirs.id, title="督导", scheduled_on="2036-05-01"),
         NF, "project_id:"),
        (pb.ScheduleInspectionRequest(region_code=TOWNSHIP_A2, project_id=county.id, title="督导",
                                      scheduled_on="2036-05-01"), IA, "project_id:"),
        (pb.ScheduleInspectionRequest(region_code=COUNTY_A, title="督导", scheduled_on="2036-05-01",
                                      participants=[person("张三"), person("张三")]), IA, "participants[1].name:"),
        (pb.ScheduleInspectionRequest(region_code=COUNTY_A, title="督导", scheduled_on="2036-05-01",
                                      participants=[person("张三", LI), person("李四", LI)]), IA,
         "participants[1].deputy_id:"),
        (pb.ScheduleInspectionRequest(region_code=COUNTY_A, title="督导", scheduled_on="2036-05-01",
                                      participants=[person("张三", "张三")]), IA, "participants[0].deputy_id:"),
        (pb.ScheduleInspectionRequest(region_code=COUNTY_A, title="督导", scheduled_on="2036-05-01",
                                      participants=[person("", LI)]), IA, "participants[0].name:"),
        (pb.ScheduleInspectionRequest(region_code=COUNTY_A, title="督导", scheduled_on="明天"), IA, "scheduled_on:"),
    ]:
        with world.expect_no_writes():
            err = world.s.error("ScheduleInspection", req, **STAFF)
        assert err.code() == code and err.details().startswith(field), err.details()
    bare = schedule(world, participants=())
    with on("2036-05-10"), world.expect_no_writes():
        err = world.s.error("RecordInspection", pb.RecordInspectionRequest(id=bare.id, held_on="2036-05-10"), **STAFF)
    assert err.code() == IA and err.details().startswith("participants:")
    with on("2036-05-10"), world.expect_no_writes():
        err = world.s.error("RecordInspection", pb.RecordInspectionRequest(
            id=bare.id, held_on="2036-05-10", participants=[person("张三")], problems=["有", ""]), **STAFF)
    assert err.code() == IA and err.details().startswith("problems[1]:")


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_inspections_named_before_ids_were_kept_read_as_written(backend, fresh_database, tmp_path):
    """An inspection stored with its participants' names only (supervision_0006) reads the same
    after the upgrade: the names, in order, and no ids (its events keep carrying the names only,
    which evaluation matches to deputies as before); downgrading gives the names back."""
    url = fresh_database() if backend == "postgresql" else f"sqlite:///{tmp_path}/legacy.sqlite"
    db.migrate("supervision", url, "supervision_0006")
    at = datetime(2026, 3, 1, 2, tzinfo=timezone.utc)
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            c.execute(sql("INSERT INTO inspections (id, region_code, region_path, title, scheduled_on, held_on, status,"
                          " participants, findings, created_by, created_role, created_name, recorded_by, created_at,"
                          " updated_at) VALUES ('i-1', :r, :p, '督导', :d, :d, 2, :who, '', 'staff-1', 'staff', '', "
                          "'staff-1', :at, :at)"),
                      {"r": COUNTY_A, "p": f"652300/{COUNTY_A}", "d": date(2026, 2, 27), "who": "张代表\n王主任",
                       "at": at})
        db.migrate("supervision", url)
        with Session(engine) as s:
            i = convert.inspection_to_proto(s.get(InspectionRow, "i-1"))
        assert list(i.participant_names) == ["张代表", "王主任"] and not i.participants
        command.downgrade(db.alembic_config("supervision", url), "supervision_0006")
        with engine.connect() as c:
            assert c.execute(sql("SELECT participants FROM inspections")).scalar() == "张代表\n王主任"
    finally:
        engine.dispose()
