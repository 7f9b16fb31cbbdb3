"""Demo supervision for `make run`: one livelihood project of the prefecture opened by the
office through the API like any caller, with its lead and co-department, a task list, three
milestones (the first due a month ago) and the lead department's report on the first, so the
project's derived progress has something to show, and the sweep's reminder letter for the
overdue milestone shortly after (SETTINGS); a deputy's suggestion in handling (assigned,
the meeting on the plan and the four in place recorded), a meeting with a head of a state
organ awaiting its follow-up, and an inspection of the project held yesterday with two
deputies (by roster id) and the lead department's responsible person (by name). Runs once: a supervision that already holds
a project of the home region is left alone. (Projects adopted by the demo ballot open here by
themselves once that ballot is counted and published.)"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import grpc
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.roster.v1 import roster_pb2_grpc
from lianxin.supervision.v1 import supervision_pb2 as pb
from lianxin.supervision.v1 import supervision_pb2_grpc

from shared.auth import issue_token
from shared.clock import china_today
from shared.config import Settings

LEAD, CO = "dept-housing", "dept-finance"
EDUCATION = "dept-education"
# Demo deputies' subjects (roster ids in a real deployment; fixed so a demo token can be made).
DEPUTY, CO_SIGNER = "5d0c3a9e-1c1e-4d55-9a8e-2f3a6b7c8d01", "5d0c3a9e-1c1e-4d55-9a8e-2f3a6b7c8d02"
# Under `make run` the lateness sweep runs every 15 s (unless set otherwise), so the demo
# project's overdue milestone has its reminder letter on the supervision board moments after
# the project opens, not at the next five-minute sweep.
SETTINGS = {"LIANXIN_SUPERVISION_LATENESS_SWEEP_INTERVAL": "15"}


@dataclass(frozen=True)
class DemoDeputy:
    id: str
    name: str
    region_code: str


def load(port: int, secret: str, region: str, deputies: tuple[DemoDeputy, ...] = ()) -> str:
    office = (("authorization", "Bearer " + issue_token(secret, subject="demo-office", role="staff", region=region,
                                                        name="演示办公室")),)
    lead = (("authorization", "Bearer " + issue_token(secret, subject=LEAD, role="department", region=region,
                                                      name="州住房和城乡建设局")),)
    today = china_today()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        s = supervision_pb2_grpc.SupervisionServiceStub(channel)
        present = s.ListProjects(pb.ListProjectsRequest(region_code=region), metadata=office, timeout=10)
        if present.total_size:
            return f"demo projects already present: {present.total_size}; nothing added"
        deadline = today.replace(month=12, day=31)
        if deadline < today + timedelta(days=90):
            deadline = deadline.replace(year=deadline.year + 1)
        days = [today - timedelta(days=30), today + timedelta(days=30), deadline]
        p = s.CreateProject(pb.CreateProjectRequest(
            region_code=region, year=days[0].year, title="城区老旧小区加装电梯", category="城建",
            description="为城区老旧小区加装电梯，方便老年人上下楼。", budget_fen=8_600_000 * 100,
            deadline=deadline.isoformat(),
            departments=[pb.ProjectDepartment(department=LEAD, name="州住建局", role=pb.DEPARTMENT_ROLE_LEAD,
                                              responsible_person="马建国"),
                         pb.ProjectDepartment(department=CO, name="州财政局", role=pb.DEPARTMENT_ROLE_CO,
                                              responsible_person="李红")],
            tasks=[pb.Task(title="摸底选定加装小区", department=LEAD), pb.Task(title="拨付补助资金", department=CO)],
            milestones=[pb.MilestonePlan(title="完成选址和设计", due_date=days[0].isoformat(), weight=20),
                        pb.MilestonePlan(title="完成主体施工", due_date=days[1].isoformat(), weight=50),
                        pb.MilestonePlan(title="验收交付使用", due_date=days[2].isoformat(), weight=30)]),
            metadata=office, timeout=10)
        p = s.ReportProgress(pb.ReportProgressRequest(
            project_id=p.id, milestone_id=p.milestones[0].id, percent=60, spent_fen=1_200_000 * 100,
            evidence="已完成12个小区中7个的选址和设计。"), metadata=lead, timeout=10)
        if not deputies:
            deputies = (DemoDeputy(DEPUTY, "演示代表", region), DemoDeputy(CO_SIGNER, "演示联名代表", region))
        try:
            item, meeting = _bills(s, secret, office, deputies)
        except grpc.RpcError as e:   # the project stands; only the bills demo is missing
            return (f"demo project: {p.title} of {region}, progress {p.progress_percent}% (project {p.id}); "
                    f"bills demo not loaded: {e.details()}")
        line = (f"demo project: {p.title} of {region}, progress {p.progress_percent}% (project {p.id}); "
                f"demo suggestion {item.number} in handling; a meeting with {meeting.head_post} awaiting its follow-up")
        try:
            held = _inspection(s, office, p, deputies)
        except grpc.RpcError as e:   # the rest stands; only the inspection is missing
            return f"{line}; inspection demo not loaded: {e.details()}"
        deputies_there = sum(1 for x in held.participants if x.deputy_id)
        return f"{line}; an inspection held with {deputies_there} deputies and {len(held.problems)} problem found"


def _inspection(s, office, project: pb.Project, deputies: tuple[DemoDeputy, ...]) -> pb.Inspection:
    """The office's inspection of the demo project, held yesterday, with the first two deputies
    (by their roster ids: each earns an inspection's points in evaluation) and the lead
    department's responsible person (by name only: not a deputy, no points); one problem found."""
    day = (china_today() - timedelta(days=1)).isoformat()
    people = [pb.Participant(deputy_id=x.id, name=x.name) for x in deputies[:2]] + [pb.Participant(name="马建国")]
    i = s.ScheduleInspection(pb.ScheduleInspectionRequest(
        region_code=project.region_code, project_id=project.id, title="老旧小区加装电梯项目视察", scheduled_on=day,
        participants=people), metadata=office, timeout=10)
    return s.RecordInspection(pb.RecordInspectionRequest(
        id=i.id, held_on=day, findings="已完成选址的小区正在办理施工手续，居民总体支持。",
        problems=["个别小区低层住户意见尚未统一"]), metadata=office, timeout=10)


def _bills(s, secret: str, office, deputies: tuple[DemoDeputy, ...]) -> tuple[pb.DeputyItem, pb.OrganMeeting]:
    """The first deputy's suggestion (the second co-signing, when there is one), registered,
    assigned to the education bureau of the deputy's region with the meeting on the plan and
    the four in place recorded (handling); and the deputy's meeting with a vice-governor, held,
    its follow-up pending."""
    first = deputies[0]

    def token(subject: str, role: str, name: str):
        return (("authorization", "Bearer " + issue_token(secret, subject=subject, role=role,
                                                          region=first.region_code, name=name)),)
    deputy = token(first.id, "deputy", first.name)
    others = [x for x in deputies[1:] if x.region_code == first.region_code and x.id != first.id][:1]
    education = token(EDUCATION, "department", "教育局")
    today = china_today()
    item = s.SubmitItem(pb.SubmitItemRequest(
        title="关于改善农村学校冬季供暖条件的建议", category="教育", co_signer_ids=[x.id for x in others],
        content="部分农村学校冬季供暖设施老化，室温达不到标准，建议列入改造计划并加大资金投入。"),
        metadata=deputy, timeout=10)
    for x in others:
        s.CoSignItem(pb.CoSignItemRequest(id=item.id), metadata=token(x.id, "deputy", x.name), timeout=10)
    s.RegisterItem(pb.RegisterItemRequest(id=item.id, kind=pb.ITEM_KIND_SUGGESTION), metadata=office, timeout=10)
    s.AssignItem(pb.AssignItemRequest(id=item.id, departments=[
        pb.ProjectDepartment(department=EDUCATION, name="教育局", role=pb.DEPARTMENT_ROLE_LEAD,
                             responsible_person="周明"),
        pb.ProjectDepartment(department=CO, name="财政局", role=pb.DEPARTMENT_ROLE_CO, responsible_person="李红")]),
        metadata=office, timeout=10)
    item = s.RecordFourInPlace(pb.RecordFourInPlaceRequest(
        id=item.id, plan="分两年完成农村学校供暖设施改造", measures="州县两级财政安排专项资金",
        target="农村学校冬季室温全部达标", time_limit=(today + timedelta(days=80)).isoformat()),
        metadata=education, timeout=10)
    s.RecordItemMeeting(pb.RecordItemMeetingRequest(id=item.id, stage=pb.MEETING_STAGE_PLAN,
                                                    held_on=today.isoformat(), form=pb.MEETING_FORM_IN_PERSON,
                                                    notes="就办理方案当面听取代表意见"), metadata=education, timeout=10)
    m = s.RequestOrganMeeting(pb.RequestOrganMeetingRequest(
        organ="人民政府", subject="农村饮水安全", reason="多个村反映自来水水压不足，夏季经常停水"),
        metadata=deputy, timeout=10)
    s.ArrangeOrganMeeting(pb.ArrangeOrganMeetingRequest(id=m.id, meeting_on=today.isoformat(), organ="人民政府",
                                                        head_name="刘建华", head_post="副州长"),
                          metadata=office, timeout=10)
    m = s.RecordOrganMeeting(pb.RecordOrganMeetingRequest(
        id=m.id, outcome="副州长听取意见，责成州水利局牵头解决", follow_up="一个月内完成增压泵站改造并回复代表"),
        metadata=office, timeout=10)
    return item, m


def roster_deputies(port: int, secret: str, region: str) -> tuple[DemoDeputy, ...]:
    """The roster's first deputy (the one the identity demo opens the ``demo-deputy`` account
    for) and the others of that deputy's region, so the demo suggestion is theirs in the portal."""
    md = (("authorization", "Bearer " + issue_token(secret, subject="demo-office", role="staff", region=region)),)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        roster = roster_pb2_grpc.RosterServiceStub(channel)
        listed = roster.ListDeputies(rpb.ListDeputiesRequest(page={"page_size": 1}), metadata=md, timeout=10)
        if not listed.deputies:
            return ()
        first = listed.deputies[0]
        same = roster.ListDeputies(rpb.ListDeputiesRequest(region_code=first.region_code, page={"page_size": 5}),
                                   metadata=md, timeout=10)
        return tuple(DemoDeputy(x.id, x.name, x.region_code)
                     for x in [first, *[y for y in same.deputies if y.id != first.id]])


def through_api(settings: Settings, ports: Mapping[str, int]) -> str:
    """The launcher's demo hook, once supervision serves (with the roster's deputies when the
    roster serves too, else two deputies of its own making)."""
    deputies: tuple[DemoDeputy, ...] = ()
    if "roster" in ports:
        try:
            deputies = roster_deputies(ports["roster"], settings.jwt_secret, settings.home_region)
        except grpc.RpcError:
            deputies = ()
    return load(ports["supervision"], settings.jwt_secret, settings.home_region, deputies)
