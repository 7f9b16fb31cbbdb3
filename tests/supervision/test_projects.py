"""Project files over gRPC: opened by the office (idempotent), planned, reported on by their
departments; progress derived from milestone weights, rolled up per region and year; every
change in the history and on the bus; who sees and reports what; bad plans refused."""
from __future__ import annotations

import uuid

import grpc
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A
from lianxin.supervision.v1 import events_pb2 as ev
from lianxin.supervision.v1 import supervision_pb2 as pb
from supervision_support import CO, LEAD, STAFF, departments

IA, NF, PD, FP = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED,
                  grpc.StatusCode.FAILED_PRECONDITION)


def test_progress_is_derived_from_weights_and_every_change_is_kept(world):
    with world.expect_events("ProjectOpened"):
        p = world.project(year=2031, name="王秘书")
    assert [(x.department, x.role, x.responsible_person) for x in p.departments] == [
        (LEAD, pb.DEPARTMENT_ROLE_LEAD, "马建国"), (CO, pb.DEPARTMENT_ROLE_CO, "李红")]
    assert (p.budget_fen, p.budget_yuan, p.deadline, p.origin) == (860_000_000, "8600000.00", "2031-12-31",
                                                                    pb.PROJECT_ORIGIN_DIRECT)
    assert [m.weight for m in p.milestones] == [20, 50, 30] and p.progress_percent == "0.00"
    assert [t.title for t in p.tasks] == ["摸底选址", "拨付补助资金"]

    # The lead reports the first milestone done, the co-department half of the second:
    # (20x100 + 50x50 + 30x0) / 100 = 45.
    with world.expect_events("ProgressReported"):
        p = world.report(p, 0, 100, 150_000_000, attachments=["file:design-2031.pdf"])
    assert p.progress_percent == "20.00" and p.milestones[0].reported_by == LEAD
    assert list(p.milestones[0].attachments) == ["file:design-2031.pdf"]
    p = world.report(p, 1, 50, 300_000_000, department=CO)
    assert p.progress_percent == "45.00" and p.spent_fen == 450_000_000
    # Weights that do not divide evenly: exact decimals, never floats ((20x33) / 100 + ...).
    p = world.report(p, 2, 33)
    assert p.progress_percent == "54.90"
    last = ev.ProgressReported.FromString(world.rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.supervision.v1.ProgressReported' ORDER BY seq DESC LIMIT 1"
    )[0][0])
    assert (last.project_id, last.percent, last.progress_percent) == (p.id, 33, "54.90")
    assert (last.change.before, last.change.after) == ("验收交付使用：0%，已支出 0.00 元", "验收交付使用：33%，已支出 0.00 元")

    # The office moves a milestone and raises the budget: the reported progress stays.
    plan = [pb.MilestonePlan(id=m.id, title=m.title, due_date=m.due_date, weight=m.weight) for m in p.milestones]
    plan[1] = pb.MilestonePlan(id=p.milestones[1].id, title="完成主体施工", due_date="2031-09-30", weight=50)
    with world.expect_events("ProjectPlanChanged"):
        p = world.s.call("SetProjectPlan", pb.SetProjectPlanRequest(
            id=p.id, departments=departments(), tasks=list(p.tasks), milestones=plan, budget_fen=900_000_000,
            deadline="2031-12-31", note="施工延期一个月"), **STAFF, name="王秘书")
    assert p.progress_percent == "54.90" and p.milestones[1].due_date == "2031-09-30"
    changes = [(h.action, h.before, h.after) for h in p.history]
    assert changes[0][0] == "opened" and [c[0] for c in changes[1:4]] == ["progress"] * 3
    assert changes[4:] == [
        ("milestones", "完成选址和设计 2031-03-31 权重20；完成主体施工 2031-08-31 权重50；验收交付使用 2031-11-30 权重30",
         "完成选址和设计 2031-03-31 权重20；完成主体施工 2031-09-30 权重50；验收交付使用 2031-11-30 权重30"),
        ("budget", "8600000.00 元", "9000000.00 元"), ("note", "", "施工延期一个月")]
    assert all(h.at.seconds for h in p.history) and p.history[-1].actor_name == "王秘书"
    assert p.history[1].actor == LEAD and p.history[1].actor_role == "department"
    # A milestone with progress reported cannot be dropped from the plan.
    with world.expect_no_writes():
        err = world.s.error("SetProjectPlan", pb.SetProjectPlanRequest(
            id=p.id, departments=departments(), milestones=plan[1:], deadline="2031-12-31"), **STAFF)
    assert err.code() == FP and "完成选址和设计" in err.details()
    # The same plan again changes nothing and publishes nothing.
    with world.expect_events():
        same = world.s.call("SetProjectPlan", pb.SetProjectPlanRequest(
            id=p.id, departments=departments(), tasks=list(p.tasks), milestones=plan, budget_fen=900_000_000,
            deadline="2031-12-31"), **STAFF)
    assert len(same.history) == len(p.history)
    assert world.s.call("GetProject", pb.GetProjectRequest(id=p.id), role="auditor", region=COUNTY_A) == same


def test_a_retried_create_opens_one_project(world):
    rid = str(uuid.uuid4())
    req = pb.CreateProjectRequest(region_code=COUNTY_A, year=2032, title="社区食堂", category="民政",
                                  budget_fen=1, deadline="2032-12-31", departments=departments(), request_id=rid)
    first = world.s.call("CreateProject", req, **STAFF)
    with world.expect_no_writes():
        again = world.s.call("CreateProject", req, **STAFF)
    assert again.id == first.id and first.budget_yuan == "0.01"
    req.title = "另一个"
    assert world.s.error("CreateProject", req, **STAFF).details().startswith("request_id:")


def test_departments_see_and_report_only_their_own_projects(world):
    p = world.project(year=2033)
    # A department not on the project, the same name in another county, a deputy: not theirs.
    for who in ({"role": "department", "region": COUNTY_A, "subject": "dept-water"},
                {"role": "department", "region": COUNTY_B, "subject": LEAD}):
        assert world.s.error("GetProject", pb.GetProjectRequest(id=p.id), **who).code() == NF
        with world.expect_no_writes():
            assert world.s.error("ReportProgress", pb.ReportProgressRequest(
                project_id=p.id, milestone_id=p.milestones[0].id, percent=10), **who).code() == NF
        listed = world.s.call("ListProjects", pb.ListProjectsRequest(year=2033), **who)
        assert p.id not in {x.id for x in listed.projects}
    listed = world.s.call("ListProjects", pb.ListProjectsRequest(year=2033), role="department", region=COUNTY_A,
                          subject=CO)
    assert [x.id for x in listed.projects] == [p.id]
    # Deputies and auditors read; they do not report.
    assert world.s.call("GetProject", pb.GetProjectRequest(id=p.id), role="deputy", region=TOWNSHIP_A,
                        subject=str(uuid.uuid4())).id == p.id
    for role in ("deputy", "auditor"):
        err = world.s.error("ReportProgress", pb.ReportProgressRequest(
            project_id=p.id, milestone_id=p.milestones[0].id, percent=10), role=role, region=COUNTY_A)
        assert err.code() == PD
    # Another county's office does not see it; a township's office neither.
    for region in (COUNTY_B, TOWNSHIP_A):
        assert world.s.error("GetProject", pb.GetProjectRequest(id=p.id), role="staff", region=region).code() == NF
    # A milestone of another project is NOT_FOUND naming the field.
    other = world.project(year=2033)
    err = world.s.error("ReportProgress", pb.ReportProgressRequest(
        project_id=p.id, milestone_id=other.milestones[0].id, percent=10), role="department", region=COUNTY_A,
        subject=LEAD)
    assert err.code() == NF and err.details().startswith("milestone_id:")


def test_a_programme_rolls_up_its_projects(world):
    a = world.project(COUNTY_B, year=2034, **{"role": "staff", "region": COUNTY_B})
    b = world.project(COUNTY_B, year=2034, budget_fen=100, **{"role": "staff", "region": COUNTY_B})
    world.report(a, 0, 100, 10, region=COUNTY_B)
    for i in range(3):
        world.report(b, i, 100, 5, region=COUNTY_B)
    prog = world.s.call("GetProgramme", pb.GetProgrammeRequest(region_code=COUNTY_B, year=2034), role="staff",
                        region=PREFECTURE)
    # (20 + 100) / 2 projects = 60; one finished.
    assert (prog.projects, prog.finished, prog.progress_percent) == (2, 1, "60.00")
    assert (prog.budget_fen, prog.spent_fen) == (860_000_100, 25)
    assert {(x.project_id, x.progress_percent) for x in prog.items} == {(a.id, "20.00"), (b.id, "100.00")}
    # The prefecture's programme holds its counties'; a sibling county's office is refused.
    whole = world.s.call("GetProgramme", pb.GetProgrammeRequest(region_code=PREFECTURE, year=2034), role="staff",
                         region=PREFECTURE)
    assert whole.projects == 2 and whole.progress_percent == "60.00"
    assert world.s.error("GetProgramme", pb.GetProgrammeRequest(region_code=COUNTY_B, year=2034),
                         **STAFF).code() == PD
    assert world.s.error("GetProgramme", pb.GetProgrammeRequest(region_code=COUNTY_B, year=2034),
                         role="department", region=COUNTY_B, subject=LEAD).code() == PD


def test_bad_plans_are_refused_naming_the_field(world):
    def create(**kw):
        base = dict(region_code=COUNTY_A, year=2035, title="坏计划", category="城建", deadline="2035-12-31",
                    departments=departments())
        return pb.CreateProjectRequest(**(base | kw))

    two_leads = departments()
    two_leads[1].role = pb.DEPARTMENT_ROLE_LEAD
    twice = departments(co=LEAD)
    cases = [
        (create(departments=[]), "departments:"),
        (create(departments=two_leads), "departments[1].role:"),
        (create(departments=twice), "departments[1].department:"),
        (create(tasks=[pb.Task(title="施工", department="dept-water")]), "tasks[0].department:"),
        (create(milestones=[pb.MilestonePlan(title="完工", due_date="2036-01-01", weight=1)]),
         "milestones[0].due_date:"),
        (create(milestones=[pb.MilestonePlan(title="完工", due_date="2035-02-30", weight=1)]),
         "milestones[0].due_date:"),
        (create(milestones=[pb.MilestonePlan(title="完工", due_date="2035-06-30", weight=0)]),
         "milestones[0].weight:"),
        (create(milestones=[pb.MilestonePlan(title="完工", due_date="2035-06-30", weight=1001)]),
         "milestones[0].weight:"),
        (create(budget_fen=10**14 + 1), "budget_fen:"),
        (create(deadline="2035/12/31"), "deadline:"),
        # a mistyped year would issue letters at once: days before the project's year are refused
        (create(deadline="2034-12-31"), "deadline: is before 1 January of the project's year 2035"),
        (create(milestones=[pb.MilestonePlan(title="开工", due_date="2035-03-01", weight=1),
                            pb.MilestonePlan(title="完工", due_date="2020-01-01", weight=1)]),
         "milestones[1].due_date: is before 1 January of the project's year 2035"),
        (create(milestones=[pb.MilestonePlan(title="完工", due_date="2035-03-01", weight=1),
                            pb.MilestonePlan(title="完工", due_date="2035-06-30", weight=1)]),
         "milestones[1].title: names a milestone twice"),
        (create(region_code="652301100", departments=departments()), None),   # a township: fine
    ]
    for req, field in cases:
        if field is None:
            continue
        with world.expect_no_writes():
            err = world.s.error("CreateProject", req, **STAFF)
        assert err.code() == IA and err.details().startswith(field), (field, err.details())
    p = world.project(year=2035)
    keep = [pb.MilestonePlan(id=m.id, title=m.title, due_date=m.due_date, weight=m.weight) for m in p.milestones]
    early = keep[:1] + [pb.MilestonePlan(id=keep[1].id, title=keep[1].title, due_date="2034-12-31", weight=1)]
    with world.expect_no_writes():
        err = world.s.error("SetProjectPlan", pb.SetProjectPlanRequest(
            id=p.id, departments=departments(), milestones=early, deadline="2035-12-31"), **STAFF)
    assert err.code() == IA and err.details().startswith(
        "milestones[1].due_date: is before 1 January of the project's year 2035"), err.details()
    # a project entered late for an earlier year keeps its past milestones (late indeed)
    late_entry = world.s.call("CreateProject", create(year=2021, deadline="2021-12-31", milestones=[
        pb.MilestonePlan(title="完工", due_date="2021-06-30", weight=1)]), **STAFF)
    assert late_entry.milestones[0].due_date == "2021-06-30"
    for req, field in [
        (pb.ReportProgressRequest(project_id=p.id, milestone_id=p.milestones[0].id, percent=101), "percent:"),
        (pb.ReportProgressRequest(project_id=p.id, milestone_id=p.milestones[0].id, percent=5,
                                  attachments=["x"] * 21), "attachments:"),
        (pb.ReportProgressRequest(project_id=p.id, milestone_id=p.milestones[0].id, percent=5,
                                  spent_fen=-1), "spent_fen:")]:
        with world.expect_no_writes():
            err = world.s.error("ReportProgress", req, role="department", region=COUNTY_A, subject=LEAD)
        assert err.code() == IA and err.details().startswith(field), (field, err.details())
