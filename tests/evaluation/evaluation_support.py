"""The evaluation test world: roster, balloting, supervision and evaluation on one Kafka
namespace, and the steps its tests take often (deputies registered in the roster, projects
opened and reported on in supervision, reading evaluation's tables and outbox)."""
from __future__ import annotations

from contextlib import contextmanager

from kit.settings import COUNTY_A, PREFECTURE
from kit.world import outbox_events, rows, wait
from lianxin.balloting.v1 import balloting_pb2 as bpb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as spb
from sqlalchemy import inspect

STAFF = {"role": "staff", "region": COUNTY_A}
PREFECTURE_STAFF = {"role": "staff", "region": PREFECTURE}
LEAD = "dept-housing"


class World:
    def __init__(self, roster, balloting, supervision, evaluation):
        self.r, self.b, self.s, self.e = roster, balloting, supervision, evaluation
        self.seq = 0

    def next(self) -> int:
        self.seq += 1
        return self.seq

    # ---- evaluation's database ----
    def rows(self, sql: str, **params) -> list:
        return rows(self.e.engine, sql, **params)

    def events(self) -> list[str]:
        return outbox_events(self.e.engine, "lianxin.evaluation.v1")

    # Filled by consumers from events (evaluation's own included: the roll-up and the points read
    # the satisfaction and rectification events this module's calls publish), so they change
    # in the background whenever an earlier call's event arrives: not what a refused call wrote.
    CONSUMER_TABLES = frozenset({"inbox", "rollup_facts", "perf_sources", "perf_items", "perf_totals",
                                 "evaluation_deputies", "year_projects", "funding_venues"})

    def digest(self) -> list:
        """Every table of evaluation that calls write, row by row (the outbox by its events, not
        their relaying; the consumers' tables left out): equal before and after a refused call."""
        out = []
        for table in sorted(inspect(self.e.engine).get_table_names()):
            if table in self.CONSUMER_TABLES:
                continue
            sql = "SELECT seq, event_id FROM outbox" if table == "outbox" else f"SELECT * FROM {table}"
            out.append((table, sorted(map(repr, self.rows(sql)))))
        return out

    @contextmanager
    def expect_no_writes(self):
        before = self.digest()
        yield
        assert self.digest() == before

    # ---- the roster ----
    def deputies(self, region: str, level: int, n: int) -> list[rpb.Deputy]:
        """``n`` deputies of ``region`` with a seat of ``level``, known to evaluation on return."""
        made = [self.r.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=region, name=f"测评代表{self.next():03d}", seats=[rpb.Seat(level=level)],
            contact=rpb.Contact(phone=f"1390000{self.next():04d}"))), **PREFECTURE_STAFF) for _ in range(n)]
        ids = [d.id for d in made]
        wait(lambda: self.rows("SELECT count(*) FROM evaluation_deputies WHERE id = ANY(:ids)",
                               ids=ids)[0][0] == n if ids else True, "evaluation's roster read model")
        return made

    # ---- supervision ----
    def project(self, region: str, year: int, title: str = "", **who) -> spb.Project:
        """A project opened by the office, dept-housing its lead, one milestone."""
        return self.s.call("CreateProject", spb.CreateProjectRequest(
            region_code=region, year=year, title=title or f"民生实事{self.next()}", category="城建",
            deadline=f"{year}-12-31",
            departments=[spb.ProjectDepartment(department=LEAD, name="住建局", role=spb.DEPARTMENT_ROLE_LEAD,
                                               responsible_person="马建国")],
            milestones=[spb.MilestonePlan(title="验收交付", due_date=f"{year}-11-30", weight=1)]),
            **(who or PREFECTURE_STAFF))

    def finish(self, p: spb.Project, percent: int = 100) -> spb.Project:
        return self.s.call("ReportProgress", spb.ReportProgressRequest(
            project_id=p.id, milestone_id=p.milestones[0].id, percent=percent, evidence="已验收"),
            role="department", region=p.region_code, subject=LEAD)

    def known(self, projects, progress: str | None = None) -> None:
        """Waits until evaluation knows ``projects`` (with ``progress`` when given)."""
        ids = [p.id for p in projects]

        def seen():
            rows = self.rows("SELECT id, progress FROM year_projects WHERE id = ANY(:ids)", ids=ids)
            return len(rows) == len(ids) and (progress is None or all(str(r.progress) == progress for r in rows))
        wait(seen, "evaluation's read model of supervision's projects")

    # ---- balloting: a campaign of a township taken to its published result ----
    def published_ballot(self, region: str, year: int, deputies: list[rpb.Deputy], proposals: int = 3,
                         seats: int = 2) -> bpb.Campaign:
        """``region``'s campaign of ``year`` from the call to the published result, every
        deputy present and approving the first ``seats`` candidates."""
        ids = [d.id for d in deputies]
        wait(lambda: self._b_rows("SELECT count(*) FROM ballot_deputies WHERE id = ANY(:ids)", ids=ids)[0][0]
             == len(ids), "balloting's roster read model")
        office = PREFECTURE_STAFF
        c = self.b.call("CreateCampaign", bpb.CreateCampaignRequest(region_code=region, year=year, title="民生实事"),
                        **office)
        made = [self.b.call("RecordProposal", bpb.RecordProposalRequest(
            campaign_id=c.id, proposal=bpb.NewProposal(title=f"村道硬化{i}", category="交通", description="硬化村道",
                                                       investment_fen=(i + 1) * 100_000_000),
            proposer=bpb.Proposer(kind=bpb.PROPOSER_KIND_OFFLINE, name="群众座谈会")), **office)
            for i in range(proposals)]
        self.b.call("CloseCall", bpb.CloseCallRequest(id=c.id), **office)
        for p in made:
            self.b.call("ShortlistProposal", bpb.ShortlistProposalRequest(id=p.id, shortlisted=True), **office)
        c = self.b.call("FixCandidates", bpb.FixCandidatesRequest(
            id=c.id, seats=seats, session_date="2099-01-15",
            candidates=[bpb.CandidateEntry(proposal_id=p.id, funding_source="乡级财政", priority=i + 1)
                        for i, p in enumerate(made)]), **office)
        self.b.call("OpenSession", bpb.OpenSessionRequest(id=c.id), **office)
        for dep in deputies:
            self.b.call("CheckIn", bpb.CheckInRequest(campaign_id=c.id, deputy_id=dep.id), **office)
        c = self.b.call("OpenBallot", bpb.OpenBallotRequest(id=c.id), **office)
        marks = [bpb.Mark(proposal_id=x.proposal_id, choice=bpb.CHOICE_APPROVE if i < seats else bpb.CHOICE_OPPOSE)
                 for i, x in enumerate(c.candidates)]
        for dep in deputies:
            self.b.call("CastBallot", bpb.CastBallotRequest(campaign_id=c.id, marks=marks), role="deputy",
                        region=region, subject=dep.id)
        self.b.call("CloseBallot", bpb.CloseBallotRequest(id=c.id), **office)
        return self.b.call("PublishResult", bpb.PublishResultRequest(id=c.id), **office)

    def _b_rows(self, sql: str, **params) -> list:
        return rows(self.b.engine, sql, **params)

    def plan(self, project_id: str, year: int) -> spb.Project:
        """The office plans a project opened from a ballot: dept-housing its lead, one milestone."""
        return self.s.call("SetProjectPlan", spb.SetProjectPlanRequest(
            id=project_id,
            departments=[spb.ProjectDepartment(department=LEAD, name="镇住建办", role=spb.DEPARTMENT_ROLE_LEAD,
                                               responsible_person="马建国")],
            milestones=[spb.MilestonePlan(title="验收交付", due_date=f"{year}-11-30", weight=1)],
            budget_fen=100_000_000, deadline=f"{year}-12-31"), **PREFECTURE_STAFF)

    def s_rows(self, sql: str, **params) -> list:
        return rows(self.s.engine, sql, **params)
