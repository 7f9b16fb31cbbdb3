"""The call (征集) and screening (初选): proposals from citizens (public, with a tracking code),
deputies, departments and the office; expert and department reviews; duplicates merged; the
shortlist."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.balloting import convert
from services.balloting import domain as d
from services.balloting import settings as balloting_settings
from services.balloting.access import ACCESS
from services.balloting.store import BallotingStore
from services.balloting.tables import CampaignRow, ProposalRow, ReviewRow
from services.balloting.usecase import UseCase
from shared import paging, validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import now
from shared.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)
from shared.rpc.ratelimit import RateLimiter
from shared.service import Runtime


@dataclass(frozen=True)
class Proposer:
    kind: d.ProposerKind | None = None
    id: str = ""
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ShownProposal:
    """A proposal as one caller may see it: a citizen's name and phone only ``with_contact``."""
    row: ProposalRow
    with_contact: bool


@dataclass(frozen=True)
class Tracked:
    row: ProposalRow
    campaign: CampaignRow


@dataclass(frozen=True)
class Review:
    criterion: d.Criterion
    score: int
    opinion: str
    reviewer_kind: d.ReviewerKind | None = None
    reviewer: str = ""
    reviewer_name: str = ""


class Proposals(UseCase):
    def __init__(self, runtime: Runtime):
        super().__init__(runtime)
        per_hour = max(1, balloting_settings.of(runtime).public_proposals_per_campaign_per_hour)
        # The same token bucket as liaison's per-card limit, keyed by campaign.
        self.campaign_limiter = RateLimiter(per_hour / 60.0, burst=per_hour)

    # ---- shared ---------------------------------------------------------------------------
    def _tracking_code(self, store: BallotingStore) -> str:
        for _ in range(5):
            code = d.new_tracking_code()
            if not store.tracking_code_taken(code):
                return code
        raise RuntimeError("could not draw an unused tracking code")

    def _location(self, campaign: CampaignRow, code: str, field: str) -> str:
        """Where the project is: the campaign's region or a region within it."""
        if not code:
            return campaign.region_code
        self.regions.require(code, field)
        if not self.regions.contains(campaign.region_code, code):
            raise InvalidArgument(field, f"region {code} is not within {campaign.region_code}, the campaign's region")
        return code

    def _open(self, s: Session, store: BallotingStore, campaign: CampaignRow, p: d.NewProposal,
              proposer: Proposer, recorded_by: str) -> ProposalRow:
        assert proposer.kind is not None
        row = ProposalRow(
            id=str(uuid.uuid4()), campaign_id=campaign.id, tracking_code=self._tracking_code(store), title=p.title,
            description=p.description, category=p.category, investment_fen=p.investment_fen,
            location_region=self._location(campaign, p.location_region, "proposal.location_region"),
            proposer_kind=int(proposer.kind), proposer_id=proposer.id, proposer_name=proposer.name,
            proposer_phone=proposer.phone, supporters=p.supporters, status=int(d.ProposalStatus.RECEIVED),
            merged_into="", received_at=now(), recorded_by=recorded_by, reviews=[])
        s.add(row)
        s.flush()
        self.rt.outbox.add(s, convert.proposal_received(row, campaign.region_code), region=campaign.region_code)
        return row

    def _proposal_in_scope(self, store: BallotingStore, who: Principal, proposal_id: str, field: str, action: str,
                           *, for_update: bool = False) -> tuple[ProposalRow, CampaignRow]:
        """A proposal the request names, through its campaign: NOT_FOUND naming ``field`` when
        the campaign is outside the caller's scope."""
        ACCESS.scope(who, action)
        row = store.proposal(proposal_id, field, for_update=for_update)
        campaign = store.campaign(row.campaign_id, field, for_update=for_update)
        if not self.sees_campaign(store, who, campaign, action):
            raise NotFound("proposal", proposal_id, field)
        return row, campaign

    def shown(self, who: Principal, row: ProposalRow, campaign: CampaignRow) -> ShownProposal:
        contact = ACCESS.allows(who, "proposal.read_contact") is Scope.SUBTREE and \
            self.regions.contains(who.region, campaign.region_code)
        return ShownProposal(row, with_contact=contact)

    # ---- the call -------------------------------------------------------------------------
    def submit_public(self, who: Principal, region_code: str, year: int, p: d.NewProposal,
                      contact: d.Contact) -> str:
        """A citizen's proposal through the public call of the region's campaign of ``year``;
        returns its tracking code. An unknown call and one of a region not served here look
        the same (NOT_FOUND); a call that has closed is FAILED_PRECONDITION."""
        code = validation.region_code(region_code, "region_code")
        self.regions.require(code, "region_code")
        self.rt.deployment.require_home(code, "region_code")
        year = d.check_year(year)
        p = d.check_proposal(p)
        contact = d.check_contact(contact)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            campaign = store.campaign_of(code, year)
            if campaign is None or not self.rt.deployment.serves(campaign.region_code):
                raise NotFound("campaign", f"{code} {year}", "region_code")
            d.check_step("propose", d.Phase(campaign.phase))
            self._location(campaign, p.location_region, "proposal.location_region")
            if not self.campaign_limiter.allow(campaign.id):
                raise ResourceExhausted("too many proposals to this call; try again later")
            row = self._open(s, store, campaign, p, Proposer(d.ProposerKind.CITIZEN, "", contact.name, contact.phone),
                             recorded_by="")
            return row.tracking_code

    def track(self, tracking_code: str) -> Tracked:
        """What a tracking code shows (convert.tracked_to_proto): its own proposal only."""
        code = d.check_tracking_code(tracking_code)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = store.by_tracking_code(code)
            if row is None:
                raise NotFound("proposal", code, "tracking_code")
            return Tracked(row, store.campaign(row.campaign_id, "tracking_code"))

    def record(self, who: Principal, campaign_id: str, p: d.NewProposal, proposer: Proposer) -> ShownProposal:
        """A proposal from a deputy, a department, or gathered offline and entered by the office.
        A deputy or department records its own (the token says who); the office names the
        proposer: a citizen (name and phone, optional), a deputy of the campaign's region (by
        id), a department (by name), or an offline source (a meeting, a petition)."""
        scope = ACCESS.scope(who, "proposal.record")
        p = d.check_proposal(p)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            campaign = self.campaign_in_scope(store, who, campaign_id, "campaign_id", "proposal.record")
            d.check_step("propose", d.Phase(campaign.phase))
            if scope is Scope.OWN:
                proposer = self._own_proposer(store, who, proposer)
            else:
                proposer = self._named_proposer(store, campaign, proposer)
            row = self._open(s, store, campaign, p, proposer, recorded_by=who.subject[:100])
            return self.shown(who, row, campaign)

    def _own_proposer(self, store: BallotingStore, who: Principal, named: Proposer) -> Proposer:
        kind = d.ProposerKind.DEPUTY if who.role is Role.DEPUTY else d.ProposerKind.DEPARTMENT
        if (named.kind not in (None, kind) or (named.id and named.id != who.subject)
                or named.phone):
            raise PermissionDenied(f"proposer: a {who.role.value} records its own proposals")
        if kind is d.ProposerKind.DEPUTY:
            deputy = self.token_deputy(store, who)
            if deputy is None:   # campaign_in_scope has refused such a token already
                raise NotFound("deputy", who.subject)
            return Proposer(kind, deputy.id, deputy.name)
        return Proposer(kind, who.subject[:100], (who.name or who.subject)[:50])

    def _named_proposer(self, store: BallotingStore, campaign: CampaignRow, named: Proposer) -> Proposer:
        if named == Proposer():
            raise InvalidArgument("proposer", "say who proposed it (a citizen, a deputy, a department, offline)")
        if named.kind is None:
            raise InvalidArgument("proposer.kind", "is required")
        name = validation.text(named.name, "proposer.name", max_len=d.MAX_NAME)
        if named.kind is d.ProposerKind.CITIZEN:
            c = d.check_contact(d.Contact(named.name, named.phone), "proposer.name", "proposer.phone")
            if named.id:
                raise InvalidArgument("proposer.id", "a citizen has no id here; give a name and phone")
            return Proposer(named.kind, "", c.name, c.phone)
        if named.phone:
            raise InvalidArgument("proposer.phone", "only a citizen's phone is kept")
        if named.kind is d.ProposerKind.DEPUTY:
            if not named.id:
                raise InvalidArgument("proposer.id", "name the deputy")
            deputy = store.deputy(named.id) if len(named.id) <= 36 else None
            if deputy is None or not self.regions.contains(campaign.region_code, deputy.region_code) \
                    and not self.regions.contains(deputy.region_code, campaign.region_code):
                raise NotFound("deputy", named.id, "proposer.id")
            return Proposer(named.kind, deputy.id, deputy.name)
        if named.kind is d.ProposerKind.DEPARTMENT:
            dept = validation.text(named.id, "proposer.id", max_len=100, required=True)
            return Proposer(named.kind, dept, name or dept[:50])
        if named.id:
            raise InvalidArgument("proposer.id", "an offline proposal has no id; describe its source in the name")
        if not name:
            raise InvalidArgument("proposer.name", "say where it was gathered (a meeting, a petition ...)")
        return Proposer(named.kind, "", name)

    # ---- reading --------------------------------------------------------------------------
    def get(self, who: Principal, proposal_id: str) -> ShownProposal:
        with self.rt.transaction() as s:
            row, campaign = self._proposal_in_scope(BallotingStore(s), who, proposal_id, "id", "proposal.read")
            return self.shown(who, row, campaign)

    def list_proposals(self, who: Principal, campaign_id: str, status: d.ProposalStatus | None,
             page: paging.Page) -> tuple[list[ShownProposal], int, str]:
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            campaign = self.campaign_in_scope(store, who, campaign_id, "campaign_id", "proposal.read")
            rows, total, token = store.list_proposals(campaign.id, int(status) if status else None, page)
            return [self.shown(who, r, campaign) for r in rows], total, token

    # ---- screening ------------------------------------------------------------------------
    def review(self, who: Principal, proposal_id: str, r: Review) -> ShownProposal:
        """An expert's (a deputy with a specialty: 普惠性, 实效性) or a department's (合规性,
        可行性) score and opinion. One review per reviewer and criterion."""
        scope = ACCESS.scope(who, "proposal.review")
        score = d.check_score(r.score)
        opinion = d.text(r.opinion, "opinion", max_len=d.MAX_OPINION, required=True)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row, campaign = self._proposal_in_scope(store, who, proposal_id, "id", "proposal.review", for_update=True)
            d.check_step("review", d.Phase(campaign.phase))
            if row.status == int(d.ProposalStatus.MERGED):
                raise FailedPrecondition(f"proposal {row.id} was merged into {row.merged_into}: review that one")
            kind, reviewer, name = self._reviewer(store, who, scope, campaign, r)
            d.check_criterion(kind, r.criterion)
            if any(x.reviewer_kind == int(kind) and x.reviewer == reviewer and x.criterion == int(r.criterion)
                   for x in row.reviews):
                raise AlreadyExists("review", f"{reviewer} {r.criterion.name.lower()}", "criterion")
            review = ReviewRow(reviewer_kind=int(kind), reviewer=reviewer, reviewer_name=name,
                               criterion=int(r.criterion), score=score, opinion=opinion, at=now())
            row.reviews.append(review)
            s.flush()
            self.rt.outbox.add(s, convert.proposal_reviewed(row, campaign.region_code, review),
                               region=campaign.region_code)
            return self.shown(who, row, campaign)

    def _reviewer(self, store: BallotingStore, who: Principal, scope: Scope, campaign: CampaignRow,
                  r: Review) -> tuple[d.ReviewerKind, str, str]:
        """Who judges: a deputy or a department token judges as itself; the office entering a
        paper review names the expert deputy (by id) or the department."""
        if scope is Scope.OWN:
            if r.reviewer or r.reviewer_name or (r.reviewer_kind and
                                                  r.reviewer_kind is not self._own_kind(who)):
                raise PermissionDenied(f"reviewer: a {who.role.value} reviews as itself")
            if who.role is Role.DEPUTY:
                deputy = self.token_deputy(store, who)
                if deputy is None:
                    raise NotFound("deputy", who.subject)
                return d.ReviewerKind.EXPERT, self._expert(deputy, "id"), deputy.name
            return d.ReviewerKind.DEPARTMENT, who.subject[:100], (who.name or who.subject)[:50]
        if r.reviewer_kind is None:
            raise InvalidArgument("reviewer_kind", "is required")
        if r.reviewer_kind is d.ReviewerKind.EXPERT:
            if not r.reviewer:
                raise InvalidArgument("reviewer", "name the expert deputy (their id)")
            deputy = store.deputy(r.reviewer) if len(r.reviewer) <= 36 else None
            if deputy is None or not self.rt.deployment.serves(deputy.region_code):
                raise NotFound("deputy", r.reviewer, "reviewer")
            return d.ReviewerKind.EXPERT, self._expert(deputy, "reviewer"), deputy.name
        dept = validation.text(r.reviewer, "reviewer", max_len=100, required=True)
        name = validation.text(r.reviewer_name, "reviewer_name", max_len=d.MAX_NAME)
        return d.ReviewerKind.DEPARTMENT, dept, name or dept[:50]

    @staticmethod
    def _own_kind(who: Principal) -> d.ReviewerKind:
        return d.ReviewerKind.EXPERT if who.role is Role.DEPUTY else d.ReviewerKind.DEPARTMENT

    @staticmethod
    def _expert(deputy, field: str) -> str:
        """An expert review is by a deputy with a specialty (法律, 教育, 医疗 ...) who serves."""
        if not deputy.specialties:
            raise FailedPrecondition(f"{field}: deputy {deputy.id} has no specialty: an expert review is by a "
                                     "deputy with one")
        if deputy.status not in (int(x) for x in d.SEATED):
            raise FailedPrecondition(f"{field}: deputy {deputy.id} no longer serves")
        return deputy.id

    def merge(self, who: Principal, survivor_id: str, duplicate_ids: list[str], note: str) -> ShownProposal:
        """Duplicates of one proposal are merged into it: they stay, MERGED, pointing at the
        survivor (merged_into), and their supporters count with it."""
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        if not duplicate_ids:
            raise InvalidArgument("duplicate_ids", "name the duplicates to merge")
        if len(set(duplicate_ids)) != len(duplicate_ids):
            raise InvalidArgument("duplicate_ids", "names a proposal twice")
        if survivor_id in duplicate_ids:
            raise InvalidArgument("duplicate_ids", "names the survivor itself")
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            survivor, campaign = self._proposal_in_scope(store, who, survivor_id, "survivor_id", "proposal.screen",
                                                         for_update=True)
            d.check_step("merge", d.Phase(campaign.phase))
            if survivor.status == int(d.ProposalStatus.MERGED):
                raise FailedPrecondition(f"survivor_id: proposal {survivor.id} was merged into {survivor.merged_into}")
            duplicates = []
            for i, pid in enumerate(duplicate_ids):
                field = f"duplicate_ids[{i}]"
                dup, dup_campaign = self._proposal_in_scope(store, who, pid, field, "proposal.screen", for_update=True)
                if dup_campaign.id != campaign.id:
                    raise InvalidArgument(field, "belongs to another campaign")
                if dup.status == int(d.ProposalStatus.MERGED):
                    raise FailedPrecondition(f"{field}: proposal {dup.id} was merged into {dup.merged_into} already")
                duplicates.append(dup)
            for dup in duplicates:
                dup.status, dup.merged_into = int(d.ProposalStatus.MERGED), survivor.id
                survivor.supporters = min(d.MAX_SUPPORTERS, survivor.supporters + dup.supporters)
            self.step(s, campaign, "proposals_merged", who,
                      note or f"{len(duplicates)} merged into {survivor.tracking_code}")
            s.flush()
            self.rt.outbox.add(s, convert.proposals_merged(survivor, duplicates, campaign.region_code),
                               region=campaign.region_code)
            return self.shown(who, survivor, campaign)

    def shortlist(self, who: Principal, proposal_id: str, shortlisted: bool, note: str) -> ShownProposal:
        """初选: in the shortlist (the candidate list is chosen from it) or not."""
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row, campaign = self._proposal_in_scope(store, who, proposal_id, "id", "proposal.screen", for_update=True)
            d.check_step("shortlist", d.Phase(campaign.phase))
            if row.status == int(d.ProposalStatus.MERGED):
                raise FailedPrecondition(f"proposal {row.id} was merged into {row.merged_into}")
            row.status = int(d.ProposalStatus.SHORTLISTED if shortlisted else d.ProposalStatus.NOT_SHORTLISTED)
            self.step(s, campaign, "proposal_shortlisted" if shortlisted else "proposal_not_shortlisted", who,
                      note or row.tracking_code)
            s.flush()
            self.rt.outbox.add(s, convert.proposal_shortlisted(row, campaign.region_code, shortlisted),
                               region=campaign.region_code)
            return self.shown(who, row, campaign)
