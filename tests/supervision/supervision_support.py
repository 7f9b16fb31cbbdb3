"""The supervision test world: roster, balloting and supervision on one Kafka namespace, and
the steps its tests take often (a project opened by the office, a ballot taken to publication
in balloting, reading supervision's outbox)."""
from __future__ import annotations

from contextlib import contextmanager

from kit.settings import COUNTY_A, PREFECTURE
from kit.world import expect_events, outbox_events, rows, wait
from lianxin.balloting.v1 import balloting_pb2 as bpb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as pb

STAFF = {"role": "staff", "region": COUNTY_A}
PREFECTURE_STAFF = {"role": "staff", "region": PREFECTURE}
LEAD, CO = "dept-housing", "dept-finance"
TABLES = ("outbox", "projects", "project_departments", "project_tasks", "milestones", "project_changes",
          "idempotency_keys", "inspections", "inspection_participants", "inspection_problems")


def departments(lead: str = LEAD, co: str = CO) -> list[pb.ProjectDepartment]:
    return [pb.ProjectDepartment(department=lead, name="市住建局", role=pb.DEPARTMENT_ROLE_LEAD,
                                 responsible_person="马建国"),
            pb.ProjectDepartment(department=co, name="市财政局", role=pb.DEPARTMENT_ROLE_CO,
                                 responsible_person="李红")]


class World:
    def __init__(self, roster, balloting, supervision):
        self.r, self.b, self.s = roster, balloting, supervision
        self.seq = 0
        self.year = 2040

    def next(self) -> int:
        self.seq += 1
        return self.seq

    def next_year(self) -> int:
        self.year += 1
        return self.year

    # ---- supervision ----
    def rows(self, sql: str, **params) -> list:
        return rows(self.s.engine, sql, **params)

    def events(self) -> list[str]:
        return outbox_events(self.s.engine, "lianxin.supervision.v1")

    def expect_events(self, *types: str):
        """The events the block publishes, in order; the sweep's ProjectStanding (which a timer
        sweep may publish too) only when asked for."""
        return expect_events(self.events, *types, unless_asked=("ProjectStanding",))

    @contextmanager
    def expect_no_writes(self):
        before = {t: self.s.count(t) for t in TABLES}
        history = self.rows("SELECT count(*), coalesce(max(id), 0) FROM project_changes")
        states = self.rows("SELECT status, held_on, updated_at FROM inspections ORDER BY id")
        problems = self.rows("SELECT status, solution FROM inspection_problems ORDER BY id")
        yield
        assert {t: self.s.count(t) for t in TABLES} == before
        assert self.rows("SELECT count(*), coalesce(max(id), 0) FROM project_changes") == history
        assert self.rows("SELECT status, held_on, updated_at FROM inspections ORDER BY id") == states
        assert self.rows("SELECT status, solution FROM inspection_problems ORDER BY id") == problems

    def project(self, of: str = COUNTY_A, year: int = 2031, *, budget_fen: int = 860_000_000,
                deadline: str = "", milestones=None, **who) -> pb.Project:
        """A project the office opens directly: lead dept-housing, co dept-finance, three
        milestones weighted 20/50/30 unless ``milestones`` says otherwise."""
        if milestones is None:
            milestones = [pb.MilestonePlan(title="完成选址和设计", due_date=f"{year}-03-31", weight=20),
                          pb.MilestonePlan(title="完成主体施工", due_date=f"{year}-08-31", weight=50),
                          pb.MilestonePlan(title="验收交付使用", due_date=f"{year}-11-30", weight=30)]
        return self.s.call("CreateProject", pb.CreateProjectRequest(
            region_code=of, year=year, title=f"老旧小区加装电梯{self.next()}", category="城建",
            description="为老旧小区加装电梯", budget_fen=budget_fen, deadline=deadline or f"{year}-12-31",
            departments=departments(), tasks=[pb.Task(title="摸底选址", department=LEAD),
                                              pb.Task(title="拨付补助资金", department=CO)],
            milestones=milestones), **(who or STAFF))

    def report(self, project: pb.Project, index: int, percent: int, spent_fen: int = 0, *,
               department: str = LEAD, region: str = COUNTY_A, **kw) -> pb.Project:
        return self.s.call("ReportProgress", pb.ReportProgressRequest(
            project_id=project.id, milestone_id=project.milestones[index].id, percent=percent, spent_fen=spent_fen,
            evidence=kw.pop("evidence", "现场照片已上传"), attachments=kw.pop("attachments", [])),
            role="department", region=region, subject=department, **kw)

    # ---- a ballot in balloting, to publication ----
    def published_ballot(self, region: str, proposals: int = 3, seats: int = 2) -> tuple[bpb.Campaign, list]:
        """A campaign of ``region`` (a township: its one township deputy votes) taken from the
        call to the published result, the first ``seats`` candidates approved; returns the
        campaign and its proposals."""
        deputy = self.r.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=region, name=f"督办乡代表{self.next()}", seats=[rpb.Seat(level=rpb.LEVEL_TOWNSHIP)],
            contact=rpb.Contact(phone=f"1370000{self.next():04d}"))), **PREFECTURE_STAFF)
        wait(lambda: self.b.count("ballot_deputies") >= 1 and self._b_rows(
            "SELECT count(*) FROM ballot_deputies WHERE id = :i", i=deputy.id)[0][0], "balloting's roster read model")
        c = self.b.call("CreateCampaign", bpb.CreateCampaignRequest(region_code=region, year=self.next_year(),
                                                                    title="民生实事"), **PREFECTURE_STAFF)
        made = [self.b.call("RecordProposal", bpb.RecordProposalRequest(
            campaign_id=c.id, proposal=bpb.NewProposal(title=f"村道硬化{i}", category="交通",
                                                       description="硬化村道三公里", investment_fen=(i + 1) * 100_000_000),
            proposer=bpb.Proposer(kind=bpb.PROPOSER_KIND_OFFLINE, name="群众座谈会")), **PREFECTURE_STAFF)
            for i in range(proposals)]
        self.b.call("CloseCall", bpb.CloseCallRequest(id=c.id), **PREFECTURE_STAFF)
        for p in made:
            self.b.call("ShortlistProposal", bpb.ShortlistProposalRequest(id=p.id, shortlisted=True),
                        **PREFECTURE_STAFF)
        c = self.b.call("FixCandidates", bpb.FixCandidatesRequest(
            id=c.id, seats=seats, session_date="2099-01-15",
            candidates=[bpb.CandidateEntry(proposal_id=p.id, funding_source="乡级财政", land="已落实",
                                           schedule="当年3月至10月", priority=i + 1) for i, p in enumerate(made)]),
            **PREFECTURE_STAFF)
        self.b.call("OpenSession", bpb.OpenSessionRequest(id=c.id), **PREFECTURE_STAFF)
        self.b.call("CheckIn", bpb.CheckInRequest(campaign_id=c.id, deputy_id=deputy.id), **PREFECTURE_STAFF)
        c = self.b.call("OpenBallot", bpb.OpenBallotRequest(id=c.id), **PREFECTURE_STAFF)
        marks = [bpb.Mark(proposal_id=x.proposal_id, choice=bpb.CHOICE_APPROVE if i < seats else bpb.CHOICE_OPPOSE)
                 for i, x in enumerate(c.candidates)]
        self.b.call("CastBallot", bpb.CastBallotRequest(campaign_id=c.id, marks=marks), role="deputy", region=region,
                    subject=deputy.id)
        self.b.call("CloseBallot", bpb.CloseBallotRequest(id=c.id), **PREFECTURE_STAFF)
        c = self.b.call("PublishResult", bpb.PublishResultRequest(id=c.id), **PREFECTURE_STAFF)
        return c, made

    def _b_rows(self, sql: str, **params) -> list:
        return rows(self.b.engine, sql, **params)
