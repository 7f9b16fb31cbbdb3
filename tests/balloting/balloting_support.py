"""The balloting test world: a roster and a balloting service on one Kafka namespace, and
the steps a campaign's tests take often (deputies registered in the roster, a campaign with
shortlisted proposals, waiting for balloting's read model)."""
from __future__ import annotations

from contextlib import contextmanager

from kit.settings import COUNTY_A, PREFECTURE
from kit.world import expect_events, outbox_events, rows, wait
from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.roster.v1 import roster_pb2 as rpb

# 宁边路街道, a sub-district of 昌吉市 (652301), and 三工镇, a town of it.
SUBDISTRICT, TOWN = "652301001", "652301100"
STAFF = {"role": "staff", "region": PREFECTURE}


class World:
    def __init__(self, roster, balloting):
        self.r, self.b = roster, balloting
        self.seq = 0
        self.year = 2030

    def next(self) -> int:
        self.seq += 1
        return self.seq

    def next_year(self) -> int:
        """A year no other test of the module used for a campaign (one campaign per region and year)."""
        self.year += 1
        return self.year

    # ---- the roster ----
    def deputy(self, region: str = COUNTY_A, levels=(rpb.LEVEL_COUNTY,), specialties=("法律",),
               status=rpb.DEPUTY_STATUS_SERVING, name: str | None = None) -> rpb.Deputy:
        n = self.next()
        return self.r.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=region, name=name or f"票决代表{n:03d}", gender=rpb.GENDER_MALE, ethnicity="汉族",
            seats=[rpb.Seat(level=lv, term="第十五届") for lv in levels],
            contact=rpb.Contact(phone=f"1361234{n:04d}"), specialties=list(specialties), status=status)), **STAFF)

    def change_status(self, deputy_id: str, status, reason: str = "") -> rpb.Deputy:
        return self.r.call("ChangeDeputyStatus", rpb.ChangeDeputyStatusRequest(
            id=deputy_id, status=status, reason=reason or "工作调动"), **STAFF)

    def known(self, *deputy_ids: str) -> None:
        """Waits until balloting's read model has every deputy named (from roster events)."""
        ids = "','".join(deputy_ids)
        wait(lambda: self.b_rows(f"SELECT count(*) FROM ballot_deputies WHERE id IN ('{ids}')")[0][0]
             == len(deputy_ids), "balloting's roster read model")

    def b_rows(self, sql: str, **params) -> list:
        return rows(self.b.engine, sql, **params)

    def events(self) -> list[str]:
        return outbox_events(self.b.engine, "lianxin.balloting.v1")

    def expect_events(self, *types: str):
        return expect_events(self.events, *types)

    @contextmanager
    def expect_no_writes(self):
        tables = ("outbox", "campaigns", "campaign_steps", "proposals", "proposal_reviews", "candidates",
                  "ballot_rules", "idempotency_keys")
        before = {t: self.b.count(t) for t in tables}
        yield
        assert {t: self.b.count(t) for t in tables} == before

    # ---- campaigns ----
    def campaign(self, of: str = COUNTY_A, year: int | None = None, **who) -> pb.Campaign:
        """A new campaign of region ``of``, created by ``who`` (the prefecture's office by default)."""
        year = year or self.next_year()
        return self.b.call("CreateCampaign", pb.CreateCampaignRequest(
            region_code=of, year=year, title=f"{year}年民生实事项目"), **(who or STAFF))

    def proposal(self, campaign: pb.Campaign, *, investment_fen: int = 150_000_000, **who) -> pb.Proposal:
        n = self.next()
        return self.b.call("RecordProposal", pb.RecordProposalRequest(
            campaign_id=campaign.id,
            proposal=pb.NewProposal(title=f"项目{n}", description="改造老旧小区供水管网", category="城建",
                                    investment_fen=investment_fen, supporters=n),
            proposer=pb.Proposer(kind=pb.PROPOSER_KIND_OFFLINE, name="群众座谈会")), **(who or STAFF))

    def shortlisted(self, campaign: pb.Campaign, count: int) -> list[pb.Proposal]:
        """``count`` proposals recorded, the call closed, all shortlisted."""
        proposals = [self.proposal(campaign) for _ in range(count)]
        self.b.call("CloseCall", pb.CloseCallRequest(id=campaign.id), **STAFF)
        for p in proposals:
            self.b.call("ShortlistProposal", pb.ShortlistProposalRequest(id=p.id, shortlisted=True), **STAFF)
        return proposals

    def fix(self, campaign: pb.Campaign, seats: int, proposals: list[pb.Proposal],
            session_date: str = "2099-01-15") -> pb.Campaign:
        return self.b.call("FixCandidates", pb.FixCandidatesRequest(
            id=campaign.id, seats=seats, session_date=session_date,
            candidates=[pb.CandidateEntry(proposal_id=p.id, funding_source="县级财政", land="已落实",
                                          schedule="2099年3月至10月", priority=i + 1)
                        for i, p in enumerate(proposals)]), **STAFF)

    # ---- the session ----
    def voters(self, campaign: pb.Campaign) -> list[pb.EligibleVoter]:
        out, token = [], ""
        while True:
            resp = self.b.call("ListEligibleVoters", pb.ListEligibleVotersRequest(
                campaign_id=campaign.id, page={"page_size": 500, "page_token": token}), **STAFF)
            out += list(resp.voters)
            token = resp.next_page_token
            if not token:
                return out

    def session(self, campaign: pb.Campaign, present: int | None = None) -> list[str]:
        """Opens the session and checks in the first ``present`` voters (all by default), by
        the office; returns the ids of the voters of the round, present ones first."""
        self.b.call("OpenSession", pb.OpenSessionRequest(id=campaign.id), **STAFF)
        round_voters = [v.deputy_id for v in self.voters(campaign)]
        for deputy_id in round_voters[:len(round_voters) if present is None else present]:
            self.b.call("CheckIn", pb.CheckInRequest(campaign_id=campaign.id, deputy_id=deputy_id), **STAFF)
        return round_voters

    def open_ballot(self, campaign: pb.Campaign, present: int | None = None, note: str = "") -> pb.Campaign:
        """The session opened, everyone (or ``present`` voters) checked in, the ballot opened."""
        self.session(campaign, present)
        return self.b.call("OpenBallot", pb.OpenBallotRequest(id=campaign.id, note=note), **STAFF)
