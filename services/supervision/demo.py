"""Demo supervision for `make run`: one livelihood project of the prefecture opened by the
office through the API like any caller, with its lead and co-department, a task list, three
milestones (the first due a month ago) and the lead department's report on the first, so the
project's derived progress has something to show. Runs once: a supervision that already holds
a project of the home region is left alone. (Projects adopted by the demo ballot open here by
themselves once that ballot is counted and published.)"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import grpc
from lianxin.supervision.v1 import supervision_pb2 as pb
from lianxin.supervision.v1 import supervision_pb2_grpc

from shared.auth import issue_token
from shared.clock import china_today
from shared.config import Settings

LEAD, CO = "dept-housing", "dept-finance"


def load(port: int, secret: str, region: str) -> str:
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
            region_code=region, year=today.year, title="城区老旧小区加装电梯", category="城建",
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
        return f"demo project: {p.title} of {region}, progress {p.progress_percent}% (project {p.id})"


def through_api(settings: Settings, ports: Mapping[str, int]) -> str:
    """The launcher's demo hook, once supervision serves."""
    return load(ports["supervision"], settings.jwt_secret, settings.home_region)
