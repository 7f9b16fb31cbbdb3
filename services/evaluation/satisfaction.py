"""The year-end satisfaction vote on livelihood projects (满意度测评): a region's rules, the vote
opened on the region's projects of the year with its electorate fixed, secret ballots with
receipts, the count under quorum with its bulletin, and publication, which requires the
rectifications (rectifications.py).

Secrecy, one vote each, eligibility, quorum, receipts and the bulletin are balloting's,
through the shared module (shared/secret_ballot.py): who voted is satisfaction_voters, what
was voted satisfaction_ballots and satisfaction_receipts, with nothing to join them; the count
rewrites those in random order and vacuums them. Nothing here logs or publishes a ballot's
ratings per cast.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from services.evaluation import domain as d
from services.evaluation.access import ACCESS
from services.evaluation.convert import satisfaction as convert
from services.evaluation.projects import YearProjects
from services.evaluation.satisfaction_tables import (
    RectificationRow,
    SatisfactionBallotRow,
    SatisfactionReceiptRow,
    SatisfactionRulesRow,
    SatisfactionVoteRow,
    SatisfactionVoterRow,
    VoteProjectRow,
)
from services.evaluation.store import EvaluationStore, in_subtree
from services.evaluation.tables import DeputyRow, ProjectRow
from shared import paging, secret_ballot, validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import china_day, china_today, now
from shared.errors import AlreadyExists, FailedPrecondition, NotFound, PermissionDenied
from shared.service import Runtime


@dataclass(frozen=True)
class ShownRules:
    region_code: str
    rules: d.Rules
    inherited_from: str


@dataclass(frozen=True)
class ShownVote:
    """A vote as the caller sees it: the row, ballots in, and the calling deputy's part."""
    row: SatisfactionVoteRow
    voted: int
    you_may_vote: bool = False
    you_voted: bool = False
    rectifications: dict[str, str] | None = None     # project id -> rectification id
    with_bulletin: bool = True


class Satisfaction:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.projects = YearProjects(runtime)

    # ---- rules --------------------------------------------------------------------------------
    def _rules(self, s: Session, code: str) -> tuple[d.Rules, str]:
        """The rules of ``code``: its own, or the nearest region's above it that set any."""
        at: str | None = code
        while at:
            row = s.get(SatisfactionRulesRow, at)
            if row is not None:
                return d.Rules(row.quorum_percent, row.satisfied_percent, row.acceptable_percent, row.plan_days), at
            at = self.regions.get(at).parent
        return d.DEFAULT_RULES, ""

    def get_rules(self, who: Principal, region_code: str) -> ShownRules:
        ACCESS.scope(who, "rules.read")
        code = self.projects.region_filter(who, region_code)
        with self.rt.transaction() as s:
            rules, source = self._rules(s, code)
            return ShownRules(code, rules, source)

    def set_rules(self, who: Principal, region_code: str, rules: d.Rules) -> ShownRules:
        """A region's rules, from now on for the votes it opens (an open vote keeps its own)."""
        ACCESS.scope(who, "rules.manage")
        code = validation.region_code(region_code, "rules.region_code")
        self.regions.require(code, "rules.region_code")
        self.rt.deployment.require_served(code, "rules.region_code")
        self.regions.ensure_within(who.region, code)
        d.check_rules(rules)
        with self.rt.transaction() as s:
            row = s.get(SatisfactionRulesRow, code, with_for_update=True)
            if row is None:
                row = SatisfactionRulesRow(region_code=code)
                s.add(row)
            row.quorum_percent, row.satisfied_percent = rules.quorum_percent, rules.satisfied_percent
            row.acceptable_percent, row.plan_days, row.updated_at = rules.acceptable_percent, rules.plan_days, now()
            return ShownRules(code, rules, code)

    # ---- scope ----------------------------------------------------------------------------------
    def token_deputy(self, store: EvaluationStore, who: Principal) -> DeputyRow | None:
        """The deputy a deputy token stands for: its subject, lying within its region."""
        if who.role is not Role.DEPUTY or len(who.subject) > 36:
            return None
        row = store.deputy(who.subject)
        return row if row is not None and self.regions.contains(who.region, row.region_code) else None

    def _voter(self, s: Session, vote_id: str, deputy_id: str) -> SatisfactionVoterRow | None:
        return s.get(SatisfactionVoterRow, (vote_id, deputy_id))

    def vote_in_scope(self, s: Session, who: Principal, vote_id: str, field: str, action: str, *,
                      for_update: bool = False) -> SatisfactionVoteRow:
        """The vote a request names, for ``action``: in the caller's subtree, or for a deputy
        one they are a voter of; NOT_FOUND naming ``field`` otherwise."""
        scope = ACCESS.scope(who, action)
        q = select(SatisfactionVoteRow).where(SatisfactionVoteRow.id == vote_id)
        row = s.scalars(q.with_for_update() if for_update else q).first()
        if row is not None:
            if scope is Scope.SUBTREE and self.regions.contains(who.region, row.region_code):
                return row
            if scope is Scope.OWN and self.token_deputy(EvaluationStore(s), who) is not None \
                    and self._voter(s, row.id, who.subject) is not None:
                return row
        raise NotFound("vote", vote_id, field)

    def shown(self, s: Session, who: Principal | None, row: SatisfactionVoteRow, *,
              with_bulletin: bool = True) -> ShownVote:
        voted = s.scalar(select(func.count()).select_from(SatisfactionVoterRow).where(
            SatisfactionVoterRow.vote_id == row.id, SatisfactionVoterRow.voted.is_(True))) or 0
        mine = self._voter(s, row.id, who.subject) if who is not None and who.role is Role.DEPUTY \
            and len(who.subject) <= 36 else None
        rect = {r.project_id: r.id for r in s.scalars(select(RectificationRow).where(RectificationRow.vote_id == row.id))}
        return ShownVote(row, voted, you_may_vote=bool(mine and not mine.voted and row.status == int(d.VoteStatus.OPEN)),
                         you_voted=bool(mine and mine.voted), rectifications=rect, with_bulletin=with_bulletin)

    # ---- opening --------------------------------------------------------------------------------
    def open(self, who: Principal, region_code: str, year: int, title: str) -> ShownVote:
        """Opens a region's vote of ``year`` on its own projects of that year (by title), with
        its electorate fixed as evaluation knows it now: the deputies of the region's congress
        (or a 街道's deliberation deputies), serving or by-elected. One vote per region and
        year (ALREADY_EXISTS); no projects or no voters: FAILED_PRECONDITION. A year after
        the current China year: FAILED_PRECONDITION "year: ... has not begun" (the vote rates
        what a year delivered, at its end or after: the seed's 年底满意度测评; a year not begun
        has every project unfinished, and publishing would require a rectification of each)."""
        ACCESS.scope(who, "vote.manage")
        code = validation.region_code(region_code, "region_code")
        self.regions.require(code, "region_code")
        self.rt.deployment.require_served(code, "region_code")
        self.regions.ensure_within(who.region, code)
        year = d.check_year(year)
        if year > china_today().year:
            raise FailedPrecondition(f"year: {year} has not begun; a year's satisfaction vote is held at its end "
                                     "or after")
        title = d.line(title, "title", max_len=d.MAX_TITLE) or f"{year}年民生实事项目实施情况满意度测评"
        region = self.regions.get(code)
        with self.rt.transaction() as s:
            store = EvaluationStore(s)
            if s.scalars(select(SatisfactionVoteRow.id).where(SatisfactionVoteRow.region_code == code,
                                                              SatisfactionVoteRow.year == year)).first():
                raise AlreadyExists("vote", f"{code} {year}", "year")
            projects = store.year_projects(code, year)
            if not projects:
                raise FailedPrecondition(f"no livelihood projects of {code} in {year} are known: nothing to rate")
            level = secret_ballot.electorate(region)
            voters = store.seated_deputies(region.path, int(level), tuple(int(x) for x in secret_ballot.SEATED))
            if not voters:
                raise FailedPrecondition(f"no {secret_ballot.ELECTORATE_LABELS[level]} of {code} serve: "
                                         "nobody could rate")
            rules, _ = self._rules(s, code)
            row = SatisfactionVoteRow(
                id=str(uuid.uuid4()), region_code=code, region_path=region.path, year=year, title=title,
                status=int(d.VoteStatus.OPEN), eligible=len(voters), quorum_percent=rules.quorum_percent,
                satisfied_percent=rules.satisfied_percent, acceptable_percent=rules.acceptable_percent,
                plan_days=rules.plan_days, rate="", bulletin="", digest="", opened_by=who.subject[:100],
                opened_at=now(), closed_at=None, published_at=None)
            row.projects = [VoteProjectRow(position=i, project_id=p.id, title=p.title, finished=p.progress >= d.FINISHED,
                                           satisfied=0, basically=0, unsatisfied=0, verdict=0)
                            for i, p in enumerate(projects)]
            s.add(row)
            s.flush()
            s.add_all(SatisfactionVoterRow(vote_id=row.id, deputy_id=v.id, name=v.name, voted=False) for v in voters)
            s.flush()
            shown = self.shown(s, who, row, with_bulletin=False)
            self.rt.outbox.add(s, convert.vote_opened(shown), region=code)
            return shown

    # ---- reading --------------------------------------------------------------------------------
    def get(self, who: Principal, vote_id: str) -> ShownVote:
        with self.rt.transaction() as s:
            return self.shown(s, who, self.vote_in_scope(s, who, vote_id, "id", "vote.read"))

    def list_votes(self, who: Principal, region_code: str, page: paging.Page) -> tuple[list[ShownVote], int, str]:
        """Votes newest year first: a subtree's for the office; for a deputy, those they are a
        voter of."""
        scope = ACCESS.scope(who, "vote.read")
        with self.rt.transaction() as s:
            if scope is Scope.OWN:
                dep = self.token_deputy(EvaluationStore(s), who)
                mine = select(SatisfactionVoterRow.vote_id).where(
                    SatisfactionVoterRow.deputy_id == (dep.id if dep else ""))
                where = [SatisfactionVoteRow.id.in_(mine)]
            else:
                code = self.projects.region_filter(who, region_code)
                where = [in_subtree(SatisfactionVoteRow.region_path, self.regions.get(code).path)]
            total = s.scalar(select(func.count()).select_from(SatisfactionVoteRow).where(*where)) or 0
            order = [(SatisfactionVoteRow.year, paging.DESC), (SatisfactionVoteRow.id, paging.ASC)]
            rows, token = paging.take(page, list(s.scalars(paging.keyset(select(SatisfactionVoteRow).where(*where),
                                                                         order, page))),
                                      lambda r: (r.year, r.id))
            return [self.shown(s, who, r, with_bulletin=False) for r in rows], total, token

    def public_result(self, region_code: str, year: int) -> ShownVote:
        """The published result of a region's vote of ``year``; before publication: NOT_FOUND."""
        code = validation.region_code(region_code, "region_code")
        self.regions.require(code, "region_code")
        self.rt.deployment.require_home(code, "region_code")
        year = d.check_year(year)
        with self.rt.transaction() as s:
            row = s.scalars(select(SatisfactionVoteRow).where(SatisfactionVoteRow.region_code == code,
                                                              SatisfactionVoteRow.year == year)).first()
            if row is None or row.status != int(d.VoteStatus.PUBLISHED) or not self.rt.deployment.serves(code):
                raise NotFound("result", f"{code} {year}", "region_code")
            return self.shown(s, None, row)

    # ---- casting ----------------------------------------------------------------------------------
    def cast(self, who: Principal, vote_id: str, ratings: list[tuple[str, d.Rating]]) -> str:
        """A deputy's ballot: every project rated once, once, while the vote is open; returns
        the receipt code. Refusals speak of the caller alone (not a voter, voted already)."""
        ACCESS.scope(who, "vote.cast")
        with self.rt.transaction() as s:
            row = self.vote_in_scope(s, who, vote_id, "vote_id", "vote.cast")
            if row.status != int(d.VoteStatus.OPEN):
                raise FailedPrecondition("the vote is closed")
            marks = d.ballot_marks(ratings, [p.project_id for p in row.projects])
            # One vote each: a second cast, even a concurrent one, marks nothing.
            if not secret_ballot.claim_vote(s, SatisfactionVoterRow, SatisfactionVoterRow.vote_id == row.id,
                                            SatisfactionVoterRow.deputy_id == who.subject):
                if self._voter(s, row.id, who.subject) is None:
                    raise PermissionDenied("you are not among the voters of this vote")
                raise FailedPrecondition("you have voted already")
            s.add(SatisfactionBallotRow(id=secret_ballot.random_id(), vote_id=row.id, marks=marks))
            code = secret_ballot.new_receipt_code()
            s.add(SatisfactionReceiptRow(code=code, vote_id=row.id))
            return code

    # ---- the count --------------------------------------------------------------------------------
    def close(self, who: Principal, vote_id: str) -> ShownVote:
        """Counts the vote: only with more than the quorum of the eligible having voted
        (FAILED_PRECONDITION otherwise: the vote stays open). Each project's verdict by the
        rules fixed when it opened; the overall rate; the bulletin and its SHA-256, published
        in SatisfactionVoteCounted with who voted (never what)."""
        with self.rt.transaction() as s:
            row = self.vote_in_scope(s, who, vote_id, "id", "vote.manage", for_update=True)
            if row.status != int(d.VoteStatus.OPEN):
                raise FailedPrecondition("the vote has been counted already")
            voters = list(s.scalars(select(SatisfactionVoterRow).where(SatisfactionVoterRow.vote_id == row.id)))
            voted = sorted(v.deputy_id for v in voters if v.voted)
            secret_ballot.check_quorum(len(voted), row.eligible, row.quorum_percent, what="voted",
                                       then="the vote is counted")
            ballots = list(s.scalars(select(SatisfactionBallotRow).where(SatisfactionBallotRow.vote_id == row.id)))
            receipts = list(s.scalars(select(SatisfactionReceiptRow.code).where(
                SatisfactionReceiptRow.vote_id == row.id)))
            rules = d.Rules(row.quorum_percent, row.satisfied_percent, row.acceptable_percent, row.plan_days)
            marks = [b.marks for b in ballots]
            tallies = d.tally(marks, len(row.projects))
            verdicts = []
            for p, t in zip(row.projects, tallies, strict=True):
                p.satisfied, p.basically, p.unsatisfied = t.satisfied, t.basically, t.unsatisfied
                v = d.verdict(t.satisfied, t.basically, len(marks), rules)
                p.verdict = int(v)
                verdicts.append(v)
            row.rate = d.percent_text(d.satisfaction_rate(verdicts))
            doc = {
                "vote_id": row.id, "region_code": row.region_code, "year": row.year, "title": row.title,
                "projects": [{"project_id": p.project_id, "title": p.title, "finished": p.finished,
                              "satisfied": p.satisfied, "basically_satisfied": p.basically,
                              "unsatisfied": p.unsatisfied, "verdict": d.Rating(p.verdict).name.lower()}
                             for p in row.projects],
                "counts": {"eligible": row.eligible, "voted": len(voted), "ballots": len(marks)},
                "rules": {"quorum_percent": row.quorum_percent, "satisfied_percent": row.satisfied_percent,
                          "acceptable_percent": row.acceptable_percent},
                "satisfaction_rate": row.rate, "receipts": sorted(receipts), "ballots": sorted(marks)}
            data = secret_ballot.bulletin_json(doc)
            row.bulletin, row.digest = data.decode("utf-8"), secret_ballot.digest(data)
            row.status, row.closed_at = int(d.VoteStatus.COUNTED), now()
            self._rewrite(s, row.id, ballots, receipts, voters)
            s.flush()
            shown = self.shown(s, who, row)
            self.rt.outbox.add(s, convert.vote_counted(shown, voted), region=row.region_code)
        secret_ballot.vacuum(self.rt.engine, ("satisfaction_ballots", "satisfaction_receipts", "satisfaction_voters"))
        return shown

    def _rewrite(self, s: Session, vote_id: str, ballots: list[SatisfactionBallotRow], receipts: list[str],
                 voters: list[SatisfactionVoterRow]) -> None:
        """Ballots and receipts written again in random order, voters in deputy order, in this
        one transaction: no physical order or transaction id follows the order of the casts."""
        kept = [{"vote_id": vote_id, "marks": b.marks} for b in ballots]
        voter_rows = sorted((v.deputy_id, v.name, v.voted) for v in voters)
        for b in ballots:
            s.expunge(b)
        for v in voters:
            s.expunge(v)
        secret_ballot.rewrite_shuffled(s, SatisfactionBallotRow, [SatisfactionBallotRow.vote_id == vote_id], kept,
                                       fresh_id="id")
        secret_ballot.rewrite_shuffled(s, SatisfactionReceiptRow, [SatisfactionReceiptRow.vote_id == vote_id],
                                       [{"code": c, "vote_id": vote_id} for c in receipts])
        s.execute(delete(SatisfactionVoterRow).where(SatisfactionVoterRow.vote_id == vote_id))
        if voter_rows:
            s.execute(insert(SatisfactionVoterRow), [{"vote_id": vote_id, "deputy_id": dep, "name": name,
                                                      "voted": voted} for dep, name, voted in voter_rows])

    # ---- publication ------------------------------------------------------------------------------
    def publish(self, who: Principal, vote_id: str) -> ShownVote:
        """公开: the counted result is published (a public query and events, one ProjectRated
        per project), and each project rated 不满意 or unfinished at year end requires a
        rectification from its lead department, its explanation and plan due ``plan_days``
        China days from today."""
        with self.rt.transaction() as s:
            row = self.vote_in_scope(s, who, vote_id, "id", "vote.manage", for_update=True)
            if row.status != int(d.VoteStatus.COUNTED):
                raise FailedPrecondition("count the vote (CloseSatisfactionVote) before publishing it"
                                         if row.status == int(d.VoteStatus.OPEN) else "the result is published already")
            at = now()
            row.status, row.published_at = int(d.VoteStatus.PUBLISHED), at
            due = china_day(at) + timedelta(days=row.plan_days)
            required = []
            for p in row.projects:
                if not d.needs_rectification(d.Rating(p.verdict), p.finished):
                    continue
                project = s.get(ProjectRow, p.project_id)
                r = RectificationRow(
                    id=str(uuid.uuid4()), vote_id=row.id, project_id=p.project_id, region_code=row.region_code,
                    region_path=row.region_path, year=row.year, title=p.title, verdict=p.verdict,
                    unfinished=not p.finished, department=project.lead_department if project else "",
                    department_name=project.lead_department_name if project else "",
                    status=int(d.RectificationStatus.REQUIRED), plan_due=due, explanation="", plan="", due_date=None,
                    report="", reminders="", submitted_at=None, completed_at=None, created_at=at, updated_at=at)
                s.add(r)
                required.append(r)
            s.flush()
            shown = self.shown(s, who, row)
            self.rt.outbox.add(s, convert.result_published(shown), region=row.region_code)
            for p in row.projects:
                self.rt.outbox.add(s, convert.project_rated(shown, p), region=row.region_code)
            for r in required:
                self.rt.outbox.add(s, convert.rectification_required(r), region=row.region_code)
            return shown
