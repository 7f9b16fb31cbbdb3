"""Evaluation's demo data for `make run`, through the API like any caller once the services
serve: one function per area, each returning one line.

The satisfaction vote (satisfaction): last year's livelihood projects of the home region opened
and reported on in supervision, rated by the deputies of its congress, counted and published,
with the rectification that follows (planned by its department and questioned in a 询问);
and this year's vote left open, so the demo deputy can rate on a phone. Runs once: an
evaluation that already holds a vote of the home region is left alone.

Deputies' performance (performance): the home region's rules (the defaults, as its own first
version), a report to constituents (述职) by the roster's first deputy (the demo deputy), and
this year's rankings published; the points themselves come from the demo's events (liaison's
visits and receptions, the satisfaction vote's voters). Runs once: a home region with rules of
its own is left alone."""
from __future__ import annotations

import time
from collections.abc import Mapping

import grpc
from lianxin.evaluation.v1 import evaluation_pb2_grpc
from lianxin.evaluation.v1 import funding_pb2 as fpb
from lianxin.evaluation.v1 import performance_pb2 as ppb
from lianxin.evaluation.v1 import satisfaction_pb2 as pb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.roster.v1 import roster_pb2_grpc
from lianxin.supervision.v1 import supervision_pb2 as spb
from lianxin.supervision.v1 import supervision_pb2_grpc

from services.evaluation import scoring
from shared.auth import issue_token
from shared.clock import china_today
from shared.config import Settings


def funding(port: int, secret: str, region: str) -> str:
    """Activity funding (经费): this year's budgets of the home subtree drawn up under the seed's
    standards (昌吉市 with a venue allowance of its own, overspending flagged), and a few spendings:
    a deputy's visit costs, two days' subsidy, a venue's furniture. Once: a year already drawn up
    is left alone. Evaluation learns the demo roster from its events, so the budgets are drawn
    up again until their number stops growing."""
    office = (("authorization", "Bearer " + issue_token(secret, subject="demo-office", role="staff", region=region,
                                                        name="演示办公室")),)
    year = china_today().year
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        e = evaluation_pb2_grpc.EvaluationServiceStub(channel)
        present = e.ListBudgets(fpb.ListBudgetsRequest(region_code=region, year=year), metadata=office, timeout=10)
        if present.total_size:
            return f"demo funding: {present.total_size} budgets of {year} already present; nothing added"
        county = "652301"      # 昌吉市 in the demo tree
        if county != region:
            try:
                e.SetFundingStandards(fpb.SetFundingStandardsRequest(standards=fpb.FundingStandards(
                    region_code=county, from_year=year, prefecture_fen=330_000, county_fen=160_000,
                    township_fen=100_000, daily_subsidy_fen=15_000, venue_allowance_fen=500_000,
                    overspend=fpb.OVERSPEND_POLICY_FLAG)), metadata=office, timeout=10)
            except grpc.RpcError:
                pass   # 昌吉市 is not served here (delegated, or another home): the defaults hold
        count, steady, deadline = -1, 0, time.monotonic() + 30
        while steady < 3 and time.monotonic() < deadline:
            got = e.AllocateBudgets(fpb.AllocateBudgetsRequest(region_code=region, year=year), metadata=office,
                                    timeout=30)
            steady = steady + 1 if got.budgets == count and count > 0 else 0
            count = got.budgets
            time.sleep(0.5)
        budgets = list(e.ListBudgets(fpb.ListBudgetsRequest(region_code=region, year=year,
                                                            page={"page_size": 500}), metadata=office,
                                     timeout=10).budgets)
        deputies = [b for b in budgets if b.kind == fpb.FUND_KIND_DEPUTY_ACTIVITY]
        venues = [b for b in budgets if b.kind == fpb.FUND_KIND_VENUE_ALLOWANCE and b.allocated_fen]
        day = f"{year}-01-01"     # a day of the year never after today
        spent = []
        for b, fen, days, purpose in [*((b, 80_000, 0, "走访选民交通费") for b in deputies[:3]),
                                      *((b, 0, 2, "参加视察误工补贴") for b in deputies[3:4]),
                                      *((b, 300_000, 0, "代表之家桌椅购置") for b in venues[:1])]:
            spent.append(e.RecordSpending(fpb.RecordSpendingRequest(spending=fpb.Spending(
                budget_id=b.id, date=day, purpose=purpose, amount_fen=fen, subsidy_days=days)),
                metadata=office, timeout=10))
    total = sum(b.allocated_fen for b in budgets)
    return (f"demo funding: {len(budgets)} budgets of {year} drawn up ({total // 100} yuan), "
            f"{len(spent)} spendings recorded")


def through_api(settings: Settings, ports: Mapping[str, int]) -> str:
    """The launcher's demo hook, once evaluation (with roster and supervision) serves."""
    lines = [satisfaction(ports, settings.jwt_secret, settings.home_region),
             performance(ports, settings.jwt_secret, settings.home_region),
             funding(ports["evaluation"], settings.jwt_secret, settings.home_region)]
    return "\n".join(lines)


# ---- the satisfaction vote ----------------------------------------------------------------------

LEAD = "dept-housing"
# (title, category, progress at year end)
PROJECTS = [
    ("城区道路畅通提质工程", "交通", 100), ("农村饮水安全巩固提升", "水利", 100), ("中小学校食堂改造", "教育", 100),
    ("社区卫生服务站标准化建设", "医疗", 100), ("农贸市场升级改造", "商贸", 100), ("城区污水管网改造", "城建", 70),
]
S, B, U = pb.RATING_SATISFIED, pb.RATING_BASICALLY_SATISFIED, pb.RATING_UNSATISFIED


def _rating(project: int, k: int) -> int:
    """Deputy ``k``'s rating of project ``project``: four 满意, one 基本满意, one 不满意 (the
    unfinished one, which therefore also needs rectifying)."""
    if project < 4:
        return B if k % 5 == 4 else S
    if project == 4:
        return S if k % 3 == 0 else B
    return B if k % 3 == 0 else U


def _retry(call, timeout: float):
    """``call()`` until evaluation has learnt what it needs from the events (FAILED_PRECONDITION)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except grpc.RpcError as e:
            if e.code() is not grpc.StatusCode.FAILED_PRECONDITION or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def satisfaction(ports: Mapping[str, int], secret: str, region: str, timeout: float = 60.0) -> str:
    def md(role: str, subject: str, in_region: str = region, name: str = ""):
        return (("authorization", "Bearer " + issue_token(secret, subject=subject, role=role, region=in_region,
                                                          name=name)),)
    office = md("staff", "demo-office", name="演示办公室")
    dept = md("department", LEAD, name="州住房和城乡建设局")
    year = china_today().year - 1
    with grpc.insecure_channel(f"127.0.0.1:{ports['evaluation']}") as ec, \
            grpc.insecure_channel(f"127.0.0.1:{ports['supervision']}") as sc, \
            grpc.insecure_channel(f"127.0.0.1:{ports['roster']}") as rc:
        e = evaluation_pb2_grpc.EvaluationServiceStub(ec)
        s = supervision_pb2_grpc.SupervisionServiceStub(sc)
        roster = roster_pb2_grpc.RosterServiceStub(rc)
        present = [v for v in e.ListSatisfactionVotes(pb.ListSatisfactionVotesRequest(
            region_code=region, page={"page_size": 500}), metadata=office, timeout=10).votes
            if v.region_code == region]
        if present:
            return f"demo satisfaction votes already present: {len(present)}; nothing added"
        for title, category, percent in PROJECTS:
            p = s.CreateProject(spb.CreateProjectRequest(
                region_code=region, year=year, title=title, category=category, deadline=f"{year}-12-31",
                budget_fen=5_000_000 * 100,
                departments=[spb.ProjectDepartment(department=LEAD, name="州住建局", role=spb.DEPARTMENT_ROLE_LEAD,
                                                   responsible_person="马建国")],
                milestones=[spb.MilestonePlan(title="竣工验收", due_date=f"{year}-11-30", weight=1)]),
                metadata=office, timeout=10)
            s.ReportProgress(spb.ReportProgressRequest(project_id=p.id, milestone_id=p.milestones[0].id,
                                                       percent=percent, evidence="竣工验收资料已上传"),
                             metadata=dept, timeout=10)
        deadline = time.monotonic() + timeout
        while e.ListYearProjects(pb.ListYearProjectsRequest(region_code=region, year=year), metadata=office,
                                 timeout=10).total_size < len(PROJECTS) and time.monotonic() < deadline:
            time.sleep(0.5)
        vote = _retry(lambda: e.OpenSatisfactionVote(pb.OpenSatisfactionVoteRequest(region_code=region, year=year),
                                                     metadata=office, timeout=10), timeout)
        voters = roster.ListDeputies(rpb.ListDeputiesRequest(region_code=region, level=rpb.LEVEL_PREFECTURE,
                                                             status=rpb.DEPUTY_STATUS_SERVING,
                                                             page={"page_size": 500}),
                                     metadata=office, timeout=10).deputies
        cast = 0
        for k, dep in enumerate(voters):
            try:
                e.CastSatisfactionBallot(pb.CastSatisfactionBallotRequest(vote_id=vote.id, ratings=[
                    pb.ProjectRating(project_id=p.project_id, rating=_rating(PROJECTS.index(
                        next(x for x in PROJECTS if x[0] == p.title)), k)) for p in vote.projects]),
                    metadata=md("deputy", dep.id, dep.region_code), timeout=10)
                cast += 1
            except grpc.RpcError:   # a deputy evaluation has not learnt of: not a voter of this vote
                continue
        e.CloseSatisfactionVote(pb.CloseSatisfactionVoteRequest(id=vote.id), metadata=office, timeout=10)
        vote = e.PublishSatisfactionResult(pb.PublishSatisfactionResultRequest(id=vote.id), metadata=office,
                                           timeout=10)
        rects = {p.title: p.rectification_id for p in vote.projects if p.rectification_id}
        sewer = rects.get("城区污水管网改造")
        if sewer:
            e.SubmitRectificationPlan(pb.SubmitRectificationPlanRequest(
                id=sewer, explanation="受征地拆迁影响，管网铺设晚于计划三个月，群众出行受影响。",
                plan="调整施工组织，增加作业面，年底前完成剩余管网铺设并验收。",
                due_date=china_today().replace(month=12, day=31).isoformat()), metadata=dept, timeout=10)
            inquiry = e.OpenInquiry(pb.OpenInquiryRequest(
                rectification_id=sewer, kind=pb.INQUIRY_KIND_INQUIRY, organ="州住房和城乡建设局",
                questions=["污水管网改造当年未完成，原因是什么？", "下一步如何整改，何时完成？"],
                held_on=china_today().isoformat()), metadata=office, timeout=10)
            e.RecordInquiryAnswers(pb.RecordInquiryAnswersRequest(
                id=inquiry.id, answers=["征地拆迁延误，施工组织不力。", "增加作业面，年底前完成并验收。"],
                follow_up="常委会将听取整改情况报告。"), metadata=office, timeout=10)
        this_year = ""
        try:
            now_vote = e.OpenSatisfactionVote(pb.OpenSatisfactionVoteRequest(region_code=region,
                                                                             year=china_today().year),
                                              metadata=office, timeout=10)
            this_year = f"; {now_vote.title} open ({len(now_vote.projects)} projects)"
        except grpc.RpcError:   # no project of this year is known yet
            pass
        return (f"demo satisfaction vote: {vote.title}, {cast} deputies rated, overall "
                f"{vote.satisfaction_rate}%, {len(rects)} rectifications{this_year}")


# ---- deputies' performance ----------------------------------------------------------------------

def performance(ports: Mapping[str, int], secret: str, region: str, timeout: float = 60.0) -> str:
    office = (("authorization", "Bearer " + issue_token(secret, subject="demo-office", role="staff", region=region,
                                                        name="演示办公室")),)
    year = china_today().year
    with grpc.insecure_channel(f"127.0.0.1:{ports['evaluation']}") as ec, \
            grpc.insecure_channel(f"127.0.0.1:{ports['roster']}") as rc:
        e = evaluation_pb2_grpc.EvaluationServiceStub(ec)
        roster = roster_pb2_grpc.RosterServiceStub(rc)
        if e.ListPerformanceRules(ppb.ListPerformanceRulesRequest(region_code=region), metadata=office,
                                  timeout=10).versions:
            return "demo performance rules already present; nothing added"
        rules = scoring.DEFAULT_RULES
        e.SetPerformanceRules(ppb.SetPerformanceRulesRequest(rules=ppb.PerformanceRules(
            region_code=region, effective_year=year - 1, inactive_days=rules.inactive_days,
            term_start=f"{year - 1}-01-01",
            points=[ppb.KindPoints(kind=int(k), points=str(v)) for k, v in rules.points.items()],
            caps=[ppb.KindPoints(kind=int(k), points=str(v)) for k, v in rules.caps.items()])),
            metadata=office, timeout=10)
        listed = roster.ListDeputies(rpb.ListDeputiesRequest(page={"page_size": 1}), metadata=office, timeout=10)
        line = ""
        if listed.deputies:
            deputy = listed.deputies[0]
            deadline = time.monotonic() + timeout
            while True:   # evaluation learns the deputy from the roster's events, a moment later
                try:
                    e.RecordConstituentReport(ppb.RecordConstituentReportRequest(
                        deputy_id=deputy.id, held_on=china_today().isoformat(), title="向原选区选民述职"),
                        metadata=office, timeout=10)
                    break
                except grpc.RpcError as err:
                    if err.code() is not grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            f = e.GetPerformanceFile(ppb.GetPerformanceFileRequest(deputy_id=deputy.id, year=year), metadata=office,
                                     timeout=10)
            line = f", {deputy.name}'s file: {len(f.items)} items, {f.total} points"
        e.PublishRanking(ppb.PublishRankingRequest(region_code=region, year=year), metadata=office, timeout=10)
        e.PublishRanking(ppb.PublishRankingRequest(region_code=region, year=year - 1), metadata=office, timeout=10)
    return f"demo performance: rules of {region} from {year - 1}, rankings of {year - 1} and {year} published{line}"
