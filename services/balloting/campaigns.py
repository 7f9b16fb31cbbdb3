"""Campaigns (one per region and year) and the steps that move them: the call closes, the
committee fixes the candidates, the ballot opens under the quarter rule; a region's ballot
rules; who votes."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from services.balloting import convert
from services.balloting import domain as d
from services.balloting.access import ACCESS
from services.balloting.store import BallotingStore
from services.balloting.tables import (
    BallotDeputyRow,
    BallotRoundRow,
    BallotRulesRow,
    BallotVoterRow,
    CampaignRow,
    CandidateRow,
)
from services.balloting.usecase import UseCase
from services.balloting.views import ShownCampaign
from shared import paging, validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import china_day, now
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound


@dataclass(frozen=True)
class Rules:
    region_code: str
    min_surplus_percent: int = d.MIN_SURPLUS_PERCENT
    inherited: bool = True
    quorum_percent: int = d.MIN_QUORUM_PERCENT
    adoption_base: d.AdoptionBase = d.AdoptionBase.ALL_ELIGIBLE
    tellers_required: bool = False


class Campaigns(UseCase):
    # ---- rules --------------------------------------------------------------------------
    def _rules(self, store: BallotingStore, code: str) -> Rules:
        """The region's own rules, else its nearest ancestor's, else the quarter."""
        chain = list(reversed(self.regions.get(code).path.split("/")))
        own = store.rules(chain)
        for c in chain:
            if c in own:
                r = own[c]
                return Rules(code, r.min_surplus_percent, c != code, r.quorum_percent, d.AdoptionBase(r.adoption_base),
                             bool(r.tellers_required))
        return Rules(code)

    def get_rules(self, who: Principal, region_code: str) -> Rules:
        ACCESS.scope(who, "rules.read")
        code = validation.region_code(region_code, "region_code")
        self.regions.require(code, "region_code")
        self.rt.deployment.require_home(code, "region_code")
        self.regions.ensure_within(who.region, code)
        with self.rt.transaction() as s:
            return self._rules(BallotingStore(s), code)

    def set_rules(self, who: Principal, region_code: str, surplus: int, quorum: int,
                  base: d.AdoptionBase | None, tellers_required: bool = False) -> Rules:
        """A region's own rules: the surplus (差额, at least the quarter: campaigns created
        afterwards take it, a campaign keeps the rules it was created under), the quorum (more
        than half present, or more) and whose half adopts a project (all eligible, or those
        present), and whether the count waits for named tellers and scrutineers (计票人, 监票人),
        which a ballot session takes when it opens."""
        ACCESS.scope(who, "rules.write")
        code = self._served_region(who, region_code, "rules.region_code")
        surplus = d.check_surplus_percent(surplus, "rules.min_surplus_percent")
        quorum = d.check_quorum_percent(quorum, "rules.quorum_percent")
        if base is None:
            raise InvalidArgument("rules.adoption_base", "is required")
        with self.rt.transaction() as s:
            row = s.get(BallotRulesRow, code)
            if row is None:
                row = BallotRulesRow(region_code=code)
                s.add(row)
            row.min_surplus_percent, row.quorum_percent, row.adoption_base = surplus, quorum, int(base)
            row.tellers_required = tellers_required
            rules = Rules(code, surplus, False, quorum, base, tellers_required)
            self.rt.outbox.add(s, convert.rules_changed(rules), region=code)
            return rules

    def shown(self, s, row: CampaignRow, who: Principal | None = None) -> ShownCampaign:
        """The campaign with its proposals count, rounds, attendance and adopted projects; for
        a deputy ``who``, whether they have voted in the latest round (their own, never another's)."""
        store = BallotingStore(s)
        rounds = tuple(s.scalars(select(BallotRoundRow).where(BallotRoundRow.campaign_id == row.id)
                                 .order_by(BallotRoundRow.number)))
        present = 0
        if rounds:
            present = s.scalar(select(func.count()).select_from(BallotVoterRow).where(
                BallotVoterRow.campaign_id == row.id, BallotVoterRow.round == rounds[-1].number,
                BallotVoterRow.present.is_(True))) or 0
        adopted = tuple(x for r in rounds if r.status == int(d.RoundStatus.CLOSED) for x in r.adopted.split(",") if x)
        voted = False
        if rounds and who is not None and who.role is Role.DEPUTY:
            voted = bool(s.scalar(select(BallotVoterRow.voted).where(
                BallotVoterRow.campaign_id == row.id, BallotVoterRow.round == rounds[-1].number,
                BallotVoterRow.deputy_id == who.subject)))
        return ShownCampaign(row, store.proposal_count(row.id), rounds, present, adopted, voted)

    # ---- campaigns ----------------------------------------------------------------------
    def create(self, who: Principal, region_code: str, year: int, title: str, surplus: int) -> ShownCampaign:
        ACCESS.scope(who, "campaign.manage")
        code = self._served_region(who, region_code, "region_code")
        year = d.check_year(year)
        title = d.line(title, "title", max_len=d.MAX_TITLE, required=True)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            floor = self._rules(store, code).min_surplus_percent
            surplus = d.check_surplus_percent(surplus or floor, "min_surplus_percent", floor)
            if store.campaign_of(code, year) is not None:
                raise AlreadyExists("campaign", f"{code} {year}", "year")
            at = now()
            row = CampaignRow(id=str(uuid.uuid4()), region_code=code, region_path=self.regions.get(code).path,
                              year=year, title=title, phase=int(d.Phase.CALL), seats=0, min_surplus_percent=surplus,
                              session_date=None, created_at=at, updated_at=at, steps=[], candidates=[])
            s.add(row)
            self.step(s, row, "created", who)
            s.flush()
            self.rt.outbox.add(s, convert.campaign_created(row, self.regions), region=code)
            return self.shown(s, row)

    def get(self, who: Principal, campaign_id: str) -> ShownCampaign:
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "id", "campaign.read")
            return self.shown(s, row, who)

    def list_campaigns(self, who: Principal, region_code: str, year: int, phase: d.Phase | None,
             page: paging.Page) -> tuple[list[ShownCampaign], int, str]:
        """Campaigns of a subtree. A deputy or department without a region_code lists those of
        the branch it stands on: its region's subtree and the regions above it (a county deputy
        living in a township votes in the county's campaign)."""
        scope = ACCESS.scope(who, "campaign.read")
        if year:
            d.check_year(year)
        if region_code:
            code = validation.region_code(region_code, "region_code")
            self.regions.require(code, "region_code")
            self.rt.deployment.require_home(code, "region_code")
            self.regions.ensure_within(who.region, code)
        else:
            code = who.region
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            if scope is Scope.OWN and who.role is Role.DEPUTY and self.token_deputy(store, who) is None:
                return [], 0, ""   # a token naming no deputy of its region owns nothing
            above: tuple[str, ...] = ()
            if scope is Scope.OWN and not region_code:
                above = tuple(self.regions.get(code).path.split("/")[:-1])
            rows, total, token = store.list_campaigns(self.regions.get(code).path, year,
                                                      int(phase) if phase else None, page, above)
            shown = [self.shown(s, r, who) for r in rows if self.rt.deployment.serves(r.region_code)]
            return shown, total, token

    def close_call(self, who: Principal, campaign_id: str, note: str) -> ShownCampaign:
        """征集 -> 初选: no more proposals; screening begins."""
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "id", "campaign.manage", for_update=True)
            d.check_step("close_call", d.Phase(row.phase))
            self.step(s, row, "call_closed", who, note, to_phase=d.Phase.SCREENING)
            return self.shown(s, row)

    def fix_candidates(self, who: Principal, campaign_id: str, seats: int, entries: list[d.CandidateEntry],
                       session_date: str, note: str) -> ShownCampaign:
        """决策: the committee's list of candidate projects (each a shortlisted proposal of the
        campaign, with funding source, land, schedule and priority), the number of projects to
        adopt and the day of the session. Fixing again before the ballot opens replaces the
        list (a proposal left out is shortlisted again). The quarter rule is checked when the
        ballot opens, and shown on the campaign meanwhile (min_candidates, surplus_met)."""
        seats = d.check_seats(seats)
        entries = d.check_candidates(entries)
        if seats > len(entries):
            raise InvalidArgument("seats", f"{seats} seats for {len(entries)} candidates: "
                                           "a ballot adopts fewer projects than it offers")
        day = d.check_day(session_date, "session_date", required=True)
        if day is not None and day < china_day(now()):
            raise InvalidArgument("session_date", "is in the past")
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "id", "campaign.manage", for_update=True)
            d.check_step("fix_candidates", d.Phase(row.phase))
            chosen = []
            for i, e in enumerate(entries):
                field = f"candidates[{i}].proposal_id"
                p = store.proposal(e.proposal_id, field, for_update=True)
                if p.campaign_id != row.id:
                    raise NotFound("proposal", e.proposal_id, field)
                if p.status not in (int(d.ProposalStatus.SHORTLISTED), int(d.ProposalStatus.CANDIDATE)):
                    raise FailedPrecondition(f"{field}: proposal {p.id} is not shortlisted "
                                             f"({d.ProposalStatus(p.status).name.lower()})")
                chosen.append(p)
            keep = {p.id for p in chosen}
            for c in row.candidates:
                if c.proposal_id not in keep:
                    c.proposal.status = int(d.ProposalStatus.SHORTLISTED)
            row.candidates.clear()
            s.flush()
            for i, (e, p) in enumerate(zip(entries, chosen)):
                p.status = int(d.ProposalStatus.CANDIDATE)
                row.candidates.append(CandidateRow(proposal_id=p.id, position=i, funding_source=e.funding_source,
                                                   land=e.land, schedule=e.schedule, priority=e.priority,
                                                   proposal=p))
            row.seats, row.session_date = seats, day
            self.step(s, row, "candidates_fixed", who, note or f"{len(chosen)} candidates for {seats} seats",
                      to_phase=d.Phase.CANDIDATES_FIXED)
            s.flush()
            self.rt.outbox.add(s, convert.candidates_fixed(row), region=row.region_code)
            return self.shown(s, row)

    # ---- who votes ------------------------------------------------------------------------
    def _voters(self, store: BallotingStore, row: CampaignRow) -> list[BallotDeputyRow]:
        """The campaign's electorate as balloting knows it now: the deputies of its congress
        (seats of the campaign region's level, deputies of its subtree) or, in a 街道, its
        deliberation deputies, serving or by-elected. A resignation or termination recorded
        before the session removes a voter; a by-election adds one back."""
        level = d.electorate(self.regions.get(row.region_code))
        return store.seated_deputies(row.region_path, int(level), tuple(int(x) for x in d.SEATED))

    def voters(self, who: Principal, campaign_id: str, page: paging.Page
               ) -> tuple[list[BallotDeputyRow], int, str, d.Level, dict[str, tuple[bool, bool]]]:
        """One page of the electorate, by name then id, and each one's (present, voted) in the
        latest round (none before a session)."""
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "campaign_id", "voters.read")
            everyone = self._voters(store, row)
            after = page.after
            if after is not None:
                if len(after) != 2 or not all(isinstance(x, str) for x in after):
                    raise page.bad_token()
                rest = [r for r in everyone if (r.name, r.id) > after]
            else:
                rest = everyone
            shown, token = paging.take(page, rest[:page.size + 1], lambda r: (r.name, r.id))
            latest = s.scalar(select(func.max(BallotRoundRow.number)).where(BallotRoundRow.campaign_id == row.id))
            attendance: dict[str, tuple[bool, bool]] = {}
            if latest is not None and shown:
                attendance = {v.deputy_id: (v.present, v.voted) for v in s.scalars(select(BallotVoterRow).where(
                    BallotVoterRow.campaign_id == row.id, BallotVoterRow.round == latest,
                    BallotVoterRow.deputy_id.in_([r.id for r in shown])))}
            return shown, len(everyone), token, d.electorate(self.regions.get(row.region_code)), attendance
