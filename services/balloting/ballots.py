"""The ballot session (票决): the electorate taken when the session opens and brought up to date
as the ballot opens, attendance, the ballot opening under quorum, secret casting with receipts (online) and paper ballots entered
by tellers, the count with its bulletin, run-offs, a void vote held again, and publication.

Secrecy is designed in docs/decisions.md ("The secret ballot"): who voted and what was voted
are separate records with nothing to join them; closing a round rewrites the ballots in random
order and vacuums the tables, so no row version, physical order or transaction id ties a
ballot to its voter afterwards. Nothing here logs or publishes a ballot's marks per cast.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from services.balloting import convert
from services.balloting import domain as d
from services.balloting.access import ACCESS
from services.balloting.campaigns import Campaigns
from services.balloting.store import BallotingStore
from services.balloting.tables import BallotRoundRow, BallotRow, BallotVoterRow, CampaignRow, ReceiptRow
from services.balloting.views import ShownCampaign
from shared import secret_ballot, validation
from shared.access import Scope
from shared.auth import Principal
from shared.clock import now
from shared.errors import FailedPrecondition, NotFound, PermissionDenied


@dataclass(frozen=True)
class Attendance:
    campaign_id: str
    round: int
    deputy_id: str
    present: bool
    present_count: int
    eligible: int


@dataclass(frozen=True)
class Published:
    campaign: CampaignRow
    rounds: list[BallotRoundRow]


class Ballots(Campaigns):
    # ---- rounds -------------------------------------------------------------------------
    @staticmethod
    def current_round(session: Session, campaign_id: str, *, for_update: bool = False) -> BallotRoundRow | None:
        q = select(BallotRoundRow).where(BallotRoundRow.campaign_id == campaign_id) \
            .order_by(BallotRoundRow.number.desc()).limit(1)
        if for_update:
            q = q.with_for_update()
        return session.scalars(q).first()

    def _round(self, session: Session, campaign: CampaignRow, *statuses: d.RoundStatus,
               for_update: bool = False) -> BallotRoundRow:
        row = self.current_round(session, campaign.id, for_update=for_update)
        if row is None or d.RoundStatus(row.status) not in statuses:
            wanted = " or ".join(s.name.lower() for s in statuses)
            now_ = d.RoundStatus(row.status).name.lower() if row else "no session"
            raise FailedPrecondition(f"the ballot session must be in {wanted}; it is {now_}")
        return row

    @staticmethod
    def _voter_count(session: Session, r: BallotRoundRow) -> int:
        """The round's electorate as its voter rows stand (应到)."""
        return len(session.scalars(select(BallotVoterRow.deputy_id).where(
            BallotVoterRow.campaign_id == r.campaign_id, BallotVoterRow.round == r.number)).all())

    @staticmethod
    def present_count(session: Session, r: BallotRoundRow) -> int:
        return len(session.scalars(select(BallotVoterRow.deputy_id).where(
            BallotVoterRow.campaign_id == r.campaign_id, BallotVoterRow.round == r.number,
            BallotVoterRow.present.is_(True))).all())

    def open_session(self, who: Principal, campaign_id: str, note: str) -> ShownCampaign:
        """The session opens: the electorate is fixed as balloting knows it now (the deputies
        serving or by-elected), with the region's quorum and adoption rules; attendance begins.
        A vote held again after a void round keeps that round's tellers and scrutineers (named
        for the campaign's ballot, as a run-off keeps them): the re-held round is counted
        without naming them again, and NameTellers still replaces them."""
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "id", "ballot.manage", for_update=True)
            d.check_step("open_session", d.Phase(row.phase))
            last = self.current_round(s, row.id)
            if last is not None and d.RoundStatus(last.status) in (d.RoundStatus.ATTENDANCE, d.RoundStatus.VOTING):
                raise FailedPrecondition(f"the session of round {last.number} is open already")
            d.check_surplus(row.seats, len(row.candidates), row.min_surplus_percent)
            voters = self._voters(store, row)
            if not voters:
                level = d.electorate(self.regions.get(row.region_code))
                raise FailedPrecondition(f"no {d.ELECTORATE_LABELS[level]} of {row.region_code} serve: "
                                         "nobody could vote")
            rules = self._rules(store, row.region_code)
            number = (last.number if last else 0) + 1
            s.add(BallotRoundRow(
                campaign_id=row.id, number=number, status=int(d.RoundStatus.ATTENDANCE), seats=row.seats,
                candidates=",".join(c.proposal_id for c in row.candidates), eligible=len(voters),
                quorum_percent=rules.quorum_percent, adoption_base=int(rules.adoption_base), paper_issued=0,
                paper_returned=0, adopted="", runoff="", bulletin="", digest="",
                tellers=last.tellers if last else "", scrutineers=last.scrutineers if last else "",
                tellers_required=rules.tellers_required, opened_at=now(), closed_at=None))
            s.add_all(BallotVoterRow(campaign_id=row.id, round=number, deputy_id=v.id, name=v.name, present=False,
                                     checked_in_by="", voted=False) for v in voters)
            self.step(s, row, "session_opened", who, note or f"round {number}: {len(voters)} voters")
            s.flush()
            return self.shown(s, row)

    def check_in(self, who: Principal, campaign_id: str, deputy_id: str) -> Attendance:
        """Attendance: a deputy checks themself in, or the office checks a deputy in. A deputy
        who is not a voter of the round is told so about themself only."""
        scope = ACCESS.scope(who, "ballot.attend")
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            campaign = self.campaign_in_scope(store, who, campaign_id, "campaign_id", "ballot.attend", light=True)
            r = self._round(s, campaign, d.RoundStatus.ATTENDANCE, d.RoundStatus.VOTING)
            if scope is Scope.OWN:
                if deputy_id and deputy_id != who.subject:
                    raise PermissionDenied("deputy_id: a deputy checks in themself")
                deputy_id = who.subject
            elif not deputy_id:
                validation.text(deputy_id, "deputy_id", max_len=36, required=True)
            voter = s.get(BallotVoterRow, (campaign.id, r.number, deputy_id), with_for_update=True)
            if r.status == int(d.RoundStatus.ATTENDANCE):
                voter = self._serving_at_check_in(store, campaign, r, deputy_id, voter)
            if voter is None:
                if scope is Scope.OWN:
                    raise PermissionDenied("you are not among the voters of this ballot")
                raise NotFound("voter", deputy_id, "deputy_id")
            if not voter.present:
                voter.present, voter.checked_in_by = True, who.subject[:100]
            s.flush()
            return Attendance(campaign.id, r.number, deputy_id, True, self.present_count(s, r), r.eligible)

    def _serving_at_check_in(self, store: BallotingStore, campaign: CampaignRow, r: BallotRoundRow, deputy_id: str,
                             voter: BallotVoterRow | None) -> BallotVoterRow | None:
        """While attendance is taken, the electorate follows the roster as OpenBallot will
        (_serving_on_the_day): a deputy by-elected since the session opened joins the round
        when checked in; one who no longer serves is not checked in (FAILED_PRECONDITION)."""
        dep = store.deputy(deputy_id) if len(deputy_id) <= 36 else None
        level = d.electorate(self.regions.get(campaign.region_code))
        serving = dep is not None and self.regions.contains(campaign.region_code, dep.region_code) and d.eligible(
            frozenset(int(x) for x in dep.levels.split(",") if x), dep.status, level)
        if voter is not None and not serving:
            raise FailedPrecondition(f"deputy_id: {deputy_id} no longer serves")
        if voter is None and serving and dep is not None:
            voter = BallotVoterRow(campaign_id=campaign.id, round=r.number, deputy_id=dep.id, name=dep.name,
                                   present=False, checked_in_by="", voted=False)
            store.s.add(voter)
            # The round's 应到 (eligible) counts them from now on: quorum and the bulletin rest on
            # it. The round is locked for this rare write only, so two deputies joining at once
            # each count the other's committed row.
            store.s.flush()
            store.s.refresh(r, with_for_update=True)
            r.eligible = self._voter_count(store.s, r)
        return voter

    def open_ballot(self, who: Principal, campaign_id: str, note: str) -> ShownCampaign:
        """The ballot opens only with more than the quorum present (过半数, or the region's more)
        and, in the first round, under the quarter rule."""
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "id", "campaign.manage", for_update=True)
            phase = d.Phase(row.phase)
            r = self.current_round(s, row.id, for_update=True)
            runoff = phase is d.Phase.BALLOT and r is not None and r.status == int(d.RoundStatus.ATTENDANCE)
            if not runoff:
                d.check_step("open_ballot", phase)
                d.check_surplus(row.seats, len(row.candidates), row.min_surplus_percent)
            if r is None or r.status != int(d.RoundStatus.ATTENDANCE):
                raise FailedPrecondition("open the session first (OpenSession): deputies check in before the ballot")
            changed = "" if runoff else self._serving_on_the_day(store, row, r)
            d.check_quorum(self.present_count(s, r), r.eligible, r.quorum_percent)
            r.status = int(d.RoundStatus.VOTING)
            self.step(s, row, "ballot_opened", who, note or f"round {r.number}{changed}",
                      to_phase=d.Phase.BALLOT)
            return self.shown(s, row)

    def _serving_on_the_day(self, store: BallotingStore, row: CampaignRow, r: BallotRoundRow) -> str:
        """Issue 8 §2: a campaign is voted by the deputies serving on the day of the ballot. The
        round's electorate, fixed when the session opened, is brought up to the read model's
        state as the ballot opens: a deputy who resigned or was terminated since leaves it (a
        check-in with them), one by-elected since joins it (and checks in like anyone). Nobody
        has voted yet, so nothing is undone; once the ballot is open the electorate, which the
        quorum and the adoption base rest on, no longer moves (docs/decisions.md). Returns a
        note for the step ('' when nothing changed)."""
        s = store.s
        now_serving = {v.id: v for v in self._voters(store, row)}
        rows = list(s.scalars(select(BallotVoterRow).where(BallotVoterRow.campaign_id == row.id,
                                                           BallotVoterRow.round == r.number)))
        left = [v for v in rows if v.deputy_id not in now_serving]
        joined = [v for k, v in now_serving.items() if k not in {x.deputy_id for x in rows}]
        if not left and not joined:
            # Those by-elected since the session opened may have joined already at check-in;
            # the count stands as it is then.
            r.eligible = len(rows)
            return ""
        for v in left:
            s.delete(v)
        s.add_all(BallotVoterRow(campaign_id=row.id, round=r.number, deputy_id=v.id, name=v.name, present=False,
                                 checked_in_by="", voted=False) for v in joined)
        r.eligible = len(now_serving)
        s.flush()
        # The campaign's history is read by the office: the note is in Chinese, as the names are.
        return f"；应到代表更新为{r.eligible}人（{len(left)}人已不在任，{len(joined)}人新补选）"

    # ---- tellers and scrutineers --------------------------------------------------------------
    def name_tellers(self, who: Principal, campaign_id: str, tellers: list[str], scrutineers: list[str],
                     note: str) -> ShownCampaign:
        """计票人 and 监票人 of the current round, named while the session sits (attendance or
        voting), before the count: the Electoral Law's tellers and scrutineers, whom the
        region's rules may require before CloseBallot counts. Named again, the new names
        replace the old; each naming is a campaign step (who, when) and a TellersNamed event.
        A run-off of the same sitting keeps them, and so does a vote held again after a void
        round (open_session)."""
        tellers = d.check_names(tellers, "tellers")
        scrutineers = d.check_names(scrutineers, "scrutineers")
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "campaign_id", "ballot.manage", for_update=True)
            r = self._round(s, row, d.RoundStatus.ATTENDANCE, d.RoundStatus.VOTING, for_update=True)
            r.tellers, r.scrutineers = "\n".join(tellers), "\n".join(scrutineers)
            step = self.step(s, row, "tellers_named", who, note or f"第{r.number}轮：计票人 "
                             f"{'、'.join(tellers)}；监票人 {'、'.join(scrutineers)}")
            s.flush()
            self.rt.outbox.add(s, convert.tellers_named(row, r, step), region=row.region_code)
            return self.shown(s, row)

    # ---- casting --------------------------------------------------------------------------
    def _box(self, session: Session, r: BallotRoundRow, marks: list[d.Mark]) -> str:
        """Puts one ballot and its receipt in the box; returns the receipt code."""
        letters = d.ballot_marks(marks, r.candidates.split(","))
        session.add(BallotRow(id=str(uuid.uuid4()), campaign_id=r.campaign_id, round=r.number, marks=letters,
                              valid=d.valid_ballot(letters, r.seats)))
        code = d.new_receipt_code()
        session.add(ReceiptRow(code=code, campaign_id=r.campaign_id, round=r.number))
        return code

    def cast(self, who: Principal, campaign_id: str, marks: list[d.Mark]) -> str:
        """A deputy's online ballot: once, while present; returns the receipt code. Refusals
        speak of the caller alone (not a voter, not checked in, voted already). A ballot
        approving more candidates than the seats is refused (INVALID_ARGUMENT ``marks: ...
        approve at most N``, d.check_not_overfilled) and the deputy has not voted: they cast
        again. Only a paper ballot, which cannot be taken back, is kept as void (废票)."""
        ACCESS.scope(who, "ballot.cast")
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            campaign = self.campaign_in_scope(store, who, campaign_id, "campaign_id", "ballot.cast", light=True)
            r = self._round(s, campaign, d.RoundStatus.VOTING)
            # A malformed or over-filled ballot marks nobody as voted.
            d.check_not_overfilled(d.ballot_marks(marks, r.candidates.split(",")), r.seats)
            key = (BallotVoterRow.campaign_id == campaign.id, BallotVoterRow.round == r.number,
                   BallotVoterRow.deputy_id == who.subject)
            # One vote each (shared.secret_ballot.claim_vote): a second cast, even a concurrent one, marks nothing.
            marked = secret_ballot.claim_vote(s, BallotVoterRow, *key, BallotVoterRow.present.is_(True))
            if not marked:
                voter = s.scalars(select(BallotVoterRow).where(*key)).first()
                if voter is None:
                    raise PermissionDenied("you are not among the voters of this ballot")
                if not voter.present:
                    raise FailedPrecondition("check in before you vote")
                raise FailedPrecondition("you have voted already")
            return self._box(s, r, marks)

    def issue_paper(self, who: Principal, campaign_id: str, deputy_id: str) -> Attendance:
        """A teller hands a paper ballot to a present deputy who has not voted: the deputy now
        counts as having voted (no online ballot after it), and the ballots issued grow by one."""
        ACCESS.scope(who, "ballot.tell")
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            campaign = self.campaign_in_scope(store, who, campaign_id, "campaign_id", "ballot.tell", light=True)
            r = self._round(s, campaign, d.RoundStatus.VOTING, for_update=True)
            voter = s.get(BallotVoterRow, (campaign.id, r.number, deputy_id), with_for_update=True)
            if voter is None:
                raise NotFound("voter", deputy_id, "deputy_id")
            if not voter.present:
                raise FailedPrecondition(f"deputy_id: {deputy_id} has not checked in")
            if voter.voted:
                raise FailedPrecondition(f"deputy_id: {deputy_id} has voted already")
            voter.voted = True
            r.paper_issued += 1
            s.flush()
            return Attendance(campaign.id, r.number, deputy_id, True, self.present_count(s, r), r.eligible)

    def enter_paper(self, who: Principal, campaign_id: str, marks: list[d.Mark]) -> tuple[bool, int]:
        """A teller (计票人) enters one returned paper ballot as marked; an over-filled one is
        kept as invalid. Returns (valid, paper ballots returned so far).

        Paper ballots come back only where they were handed out: in a round where no paper
        ballot was issued (IssuePaperBallot) an entry is refused (FAILED_PRECONDITION), a
        teller's slip that would otherwise void the round. Once papers were issued the box is
        entered as it is found: entries beyond the papers issued are taken, and the count then
        finds the round void (收回的选票多于发出的选票，选举无效: close_ballot)."""
        ACCESS.scope(who, "ballot.tell")
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            campaign = self.campaign_in_scope(store, who, campaign_id, "campaign_id", "ballot.tell", light=True)
            r = self._round(s, campaign, d.RoundStatus.VOTING, for_update=True)
            letters = d.ballot_marks(marks, r.candidates.split(","))
            if r.paper_issued == 0:
                raise FailedPrecondition(f"no paper ballot was issued in round {r.number}: a teller issues one to "
                                         "each deputy voting on paper (IssuePaperBallot) before entering returned ones")
            self._box(s, r, marks)
            r.paper_returned += 1
            return d.valid_ballot(letters, r.seats), r.paper_returned

    # ---- the count ------------------------------------------------------------------------
    def close_ballot(self, who: Principal, campaign_id: str, note: str) -> ShownCampaign:
        """Counts the round. More ballots returned than issued (the online ballots cast and the
        paper ones handed out; never more than the voters present): the vote is void and is
        held again (a new session), the Electoral Law's 收回的选票多于发出的选票则选举无效 (and
        so 多于投票人数的无效). Otherwise the tally adopts, highest approvals first, the
        candidates approved by more than half of all eligible (or of those present, as the
        region's rules say); a tie at the last seat opens a run-off round among the tied. The
        bulletin and its SHA-256 are stored and published in BallotClosed."""
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "id", "campaign.manage", for_update=True)
            d.check_step("close_ballot", d.Phase(row.phase))
            r = self._round(s, row, d.RoundStatus.VOTING, for_update=True)
            if r.tellers_required and not (r.tellers and r.scrutineers):
                raise FailedPrecondition("name the tellers (计票人) and scrutineers (监票人) before the count "
                                         "(NameTellers): the region's rules require them")
            candidates = r.candidates.split(",")
            ballots = list(s.scalars(select(BallotRow).where(BallotRow.campaign_id == row.id,
                                                             BallotRow.round == r.number)))
            receipts = list(s.scalars(select(ReceiptRow.code).where(ReceiptRow.campaign_id == row.id,
                                                                    ReceiptRow.round == r.number)))
            voters = list(s.scalars(select(BallotVoterRow).where(BallotVoterRow.campaign_id == row.id,
                                                                 BallotVoterRow.round == r.number)))
            present = sum(1 for v in voters if v.present)
            online = sum(1 for v in voters if v.voted) - r.paper_issued
            returned = len(ballots)
            valid = [b.marks for b in ballots if b.valid]
            counts = {"eligible": r.eligible, "present": present, "issued": online + r.paper_issued,
                      "returned": returned, "valid": len(valid), "invalid": returned - len(valid)}
            base = r.eligible if r.adoption_base == int(d.AdoptionBase.ALL_ELIGIBLE) else present
            void = returned > counts["issued"] or returned > present
            outcome = d.adopt(d.tally(candidates, valid), r.seats, base) if not void else \
                d.Outcome(tuple(d.tally(candidates, valid)), (), (), 0)
            titles = {c.proposal_id: c.proposal.title for c in row.candidates}
            doc = {
                "campaign_id": row.id, "region_code": row.region_code, "year": row.year, "round": r.number,
                "status": "void" if void else "closed", "seats": r.seats,
                "candidates": [{"proposal_id": p, "title": titles.get(p, "")} for p in candidates],
                "counts": counts, "adoption_base": d.AdoptionBase(r.adoption_base).name.lower(), "base": base,
                "receipts": sorted(receipts), "ballots": sorted(b.marks for b in ballots),
                "tally": [{"proposal_id": t.proposal_id, "approve": t.approve, "oppose": t.oppose,
                           "abstain": t.abstain} for t in outcome.tallies],
                "adopted": list(outcome.adopted), "runoff": list(outcome.runoff),
                "runoff_seats": outcome.runoff_seats,
                "tellers": d.names(r.tellers), "scrutineers": d.names(r.scrutineers)}
            data = d.bulletin_json(doc)
            r.bulletin, r.digest = data.decode("utf-8"), d.digest(data)
            r.status = int(d.RoundStatus.VOID if void else d.RoundStatus.CLOSED)
            r.adopted, r.runoff, r.closed_at = ",".join(outcome.adopted), ",".join(outcome.runoff), now()
            self._rewrite(s, row.id, r.number, ballots, receipts, voters)
            if void:
                # 选举无效，应当重新进行投票: back to the fixed list, for a new session.
                self.step(s, row, "ballot_void", who, note or f"round {r.number}: {returned} ballots returned, "
                          f"{counts['issued']} issued, {present} present", to_phase=d.Phase.CANDIDATES_FIXED)
            else:
                self.step(s, row, "ballot_closed", who, note or f"round {r.number}")
                if outcome.runoff:
                    self._runoff(s, r, voters, outcome)
            s.flush()
            self.rt.outbox.add(s, convert.ballot_closed(row, r), region=row.region_code)
            self.rt.outbox.add(s, convert.attendance_recorded(row, r, voters), region=row.region_code)
            shown = self.shown(s, row)
        self._vacuum()
        return shown

    def _runoff(self, s: Session, r: BallotRoundRow, voters: list[BallotVoterRow], outcome: d.Outcome) -> None:
        """另行投票: a round among the tied candidates for the seats left, the same voters with
        their attendance; it opens with OpenBallot."""
        number = r.number + 1
        s.add(BallotRoundRow(
            campaign_id=r.campaign_id, number=number, status=int(d.RoundStatus.ATTENDANCE),
            seats=outcome.runoff_seats, candidates=",".join(outcome.runoff), eligible=r.eligible,
            quorum_percent=r.quorum_percent, adoption_base=r.adoption_base, paper_issued=0, paper_returned=0,
            adopted="", runoff="", bulletin="", digest="", tellers=r.tellers, scrutineers=r.scrutineers,
            tellers_required=r.tellers_required, opened_at=now(), closed_at=None))
        s.add_all(BallotVoterRow(campaign_id=r.campaign_id, round=number, deputy_id=v.deputy_id, name=v.name,
                                 present=v.present, checked_in_by=v.checked_in_by, voted=False) for v in voters)

    def _rewrite(self, s: Session, campaign_id: str, number: int, ballots: list[BallotRow], receipts: list[str],
                 voters: list[BallotVoterRow]) -> None:
        """The round's ballots and receipts written again in random order, and its voters in
        deputy order, in this one transaction: no physical order or transaction id is left
        that follows the order of the casts (docs/decisions.md)."""
        kept = [{"campaign_id": campaign_id, "round": number, "marks": b.marks, "valid": b.valid} for b in ballots]
        voter_rows = sorted((v.deputy_id, v.name, v.present, v.checked_in_by, v.voted) for v in voters)
        for b in ballots:
            s.expunge(b)
        for v in voters:
            s.expunge(v)
        secret_ballot.rewrite_shuffled(s, BallotRow, [BallotRow.campaign_id == campaign_id, BallotRow.round == number],
                                       kept, fresh_id="id")
        secret_ballot.rewrite_shuffled(s, ReceiptRow, [ReceiptRow.campaign_id == campaign_id,
                                                       ReceiptRow.round == number],
                                       [{"code": c, "campaign_id": campaign_id, "round": number} for c in receipts])
        # Voters in deputy order: who voted is public; the order they voted in is not kept.
        s.execute(delete(BallotVoterRow).where(BallotVoterRow.campaign_id == campaign_id,
                                               BallotVoterRow.round == number))
        if voter_rows:
            s.execute(insert(BallotVoterRow), [
                {"campaign_id": campaign_id, "round": number, "deputy_id": dep, "name": name, "present": present,
                 "checked_in_by": by, "voted": voted} for dep, name, present, by, voted in voter_rows])

    def _vacuum(self) -> None:
        """New table files without the dead row versions of the casts (shared.secret_ballot.vacuum)."""
        secret_ballot.vacuum(self.rt.engine, ("ballots", "ballot_receipts", "ballot_voters"))

    # ---- publication ------------------------------------------------------------------------
    def publish(self, who: Principal, campaign_id: str, note: str) -> ShownCampaign:
        """公示: the counted result is published; each adopted project is handed on by event
        with what supervision needs."""
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            store = BallotingStore(s)
            row = self.campaign_in_scope(store, who, campaign_id, "id", "campaign.manage", for_update=True)
            d.check_step("publish", d.Phase(row.phase))
            r = self.current_round(s, row.id)
            if r is None or r.status != int(d.RoundStatus.CLOSED):
                raise FailedPrecondition("the ballot has not been counted (CloseBallot), or a run-off is pending")
            adopted = self.adopted(s, row.id)
            self.step(s, row, "result_published", who, note or f"{len(adopted)} projects adopted",
                      to_phase=d.Phase.PUBLISHED)
            by_id = {c.proposal_id: c for c in row.candidates}
            for pid in adopted:
                self.rt.outbox.add(s, convert.project_adopted(row, by_id[pid]), region=row.region_code)
            self.rt.outbox.add(s, convert.result_published(row, [by_id[p] for p in adopted]), region=row.region_code)
            return self.shown(s, row)

    @staticmethod
    def adopted(s: Session, campaign_id: str) -> list[str]:
        """The adopted projects over the rounds (a run-off's after the first round's)."""
        rounds = s.scalars(select(BallotRoundRow).where(BallotRoundRow.campaign_id == campaign_id,
                                                        BallotRoundRow.status == int(d.RoundStatus.CLOSED))
                           .order_by(BallotRoundRow.number))
        out: list[str] = []
        for r in rounds:
            out += [x for x in r.adopted.split(",") if x]
        return out

    def rounds(self, s: Session, campaign_id: str) -> list[BallotRoundRow]:
        return list(s.scalars(select(BallotRoundRow).where(BallotRoundRow.campaign_id == campaign_id)
                              .order_by(BallotRoundRow.number)))

    def public_result(self, region_code: str, year: int) -> Published:
        """The published result of a region's campaign of ``year``; before publication (or for
        a region not served here) there is none: NOT_FOUND."""
        code = validation.region_code(region_code, "region_code")
        self.regions.require(code, "region_code")
        self.rt.deployment.require_home(code, "region_code")
        year = d.check_year(year)
        with self.rt.transaction() as s:
            row = BallotingStore(s).campaign_of(code, year)
            if row is None or row.phase != int(d.Phase.PUBLISHED) or not self.rt.deployment.serves(row.region_code):
                raise NotFound("result", f"{code} {year}", "region_code")
            return Published(row, self.rounds(s, row.id))


