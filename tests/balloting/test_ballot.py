"""The ballot session over real gRPC, PostgreSQL and Kafka: attendance and quorum, secret
casting with receipts, over-filled ballots (refused online, invalid on paper), double votes refused (also two at once),
paper ballots and a vote found void, a tie and its run-off, publication with a bulletin whose
receipts, recount and digest anyone can check, and the database, the events and the log lines
after a session holding nothing that links a voter to a choice.
"""
from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from balloting_support import STAFF, wait
from kit.settings import COUNTY_A, COUNTY_B, TOWNSHIP_A
from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.balloting.v1 import events_pb2 as ev
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as rpb

pytestmark = pytest.mark.kafka
FP = grpc.StatusCode.FAILED_PRECONDITION
CHOICES = {"A": pb.CHOICE_APPROVE, "O": pb.CHOICE_OPPOSE, "X": pb.CHOICE_ABSTAIN}


def ballot(c: pb.Campaign, letters: str, round_: int = -1) -> list[pb.Mark]:
    """Marks for the candidates of the campaign's round (the latest by default), one letter each."""
    ids = list(c.rounds[round_].candidate_ids) if c.rounds else [x.proposal_id for x in c.candidates]
    return [pb.Mark(proposal_id=p, choice=CHOICES[x]) for p, x in zip(ids, letters)]


def cast(w, c, deputy_id: str, letters: str, round_: int = -1, region: str = COUNTY_A) -> str:
    return w.b.call("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=ballot(c, letters, round_)),
                    role="deputy", region=region, subject=deputy_id).receipt_code


def campaign(w, region: str, voters: int, candidates: int, seats: int, level=rpb.LEVEL_COUNTY):
    """A campaign of a region with ``voters`` new deputies (the region's only ones of that
    level: use a region no other test of the module votes in) and its candidates fixed."""
    deputies = [w.deputy(region, levels=(level,)) for _ in range(voters)]
    w.known(*(d.id for d in deputies))
    c = w.campaign(region)
    c = w.fix(c, seats, w.shortlisted(c, candidates))
    return c, [d.id for d in deputies]


def get(w, c) -> pb.Campaign:
    return w.b.call("GetCampaign", pb.GetCampaignRequest(id=c.id), **STAFF)


def recount(bulletin: dict) -> tuple[list[dict], int, int]:
    """The tally of the bulletin's valid ballots, and the valid and invalid counts, from its marks."""
    seats = bulletin["seats"]
    valid = [b for b in bulletin["ballots"] if b.count("A") <= seats]
    tally = [{"proposal_id": c["proposal_id"], "approve": sum(b[i] == "A" for b in valid),
              "oppose": sum(b[i] == "O" for b in valid), "abstain": sum(b[i] == "X" for b in valid)}
             for i, c in enumerate(bulletin["candidates"])]
    return tally, len(valid), len(bulletin["ballots"]) - len(valid)


def test_a_whole_ballot_quorum_receipts_bulletin_and_publication(world, capfd):
    w = world
    c, voters = campaign(w, COUNTY_B, voters=5, candidates=5, seats=3)
    c = w.b.call("OpenSession", pb.OpenSessionRequest(id=c.id, note="第二次会议"), **STAFF)
    assert (c.rounds[0].number, c.rounds[0].status, c.rounds[0].eligible) == (1, pb.ROUND_STATUS_ATTENDANCE, 5)
    assert c.rounds[0].quorum_percent == 50 and c.rounds[0].adoption_base == pb.ADOPTION_BASE_ALL_ELIGIBLE

    # Attendance: a deputy checks in themself, the office checks in others. Two of five is no quorum.
    a = w.b.call("CheckIn", pb.CheckInRequest(campaign_id=c.id), role="deputy", region=COUNTY_B, subject=voters[0])
    assert (a.deputy_id, a.present, a.present_count, a.eligible) == (voters[0], True, 1, 5)
    w.b.call("CheckIn", pb.CheckInRequest(campaign_id=c.id, deputy_id=voters[1]), **STAFF)
    with w.expect_no_writes():
        err = w.b.error("OpenBallot", pb.OpenBallotRequest(id=c.id), **STAFF)
    assert err.code() == FP and "2 of 5" in err.details()
    # A vote before the ballot opens is refused.
    err = w.b.error("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=ballot(c, "AAAOO")),
                    role="deputy", region=COUNTY_B, subject=voters[0])
    assert err.code() == FP
    for v in voters[2:4]:
        w.b.call("CheckIn", pb.CheckInRequest(campaign_id=c.id, deputy_id=v), **STAFF)
    c = w.b.call("OpenBallot", pb.OpenBallotRequest(id=c.id), **STAFF)
    assert c.phase == pb.PHASE_BALLOT and c.rounds[0].status == pb.ROUND_STATUS_VOTING and c.present == 4

    # Casting: four present voters vote online; the fifth is not checked in.
    capfd.readouterr()
    receipts = [cast(w, c, voters[0], "AAAOO", region=COUNTY_B), cast(w, c, voters[1], "AAOAO", region=COUNTY_B),
                cast(w, c, voters[2], "AAAOX", region=COUNTY_B)]
    # Four approvals for three seats online: refused, naming the limit; nothing is cast and the
    # deputy has not voted, so they correct it and vote.
    with w.expect_no_writes():
        err = w.b.error("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=ballot(c, "AAAAO")),
                        role="deputy", region=COUNTY_B, subject=voters[3])
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details().startswith("marks: approves 4 candidates; approve at most 3"), err.details()
    over = cast(w, c, voters[3], "AOOOO", region=COUNTY_B)
    logged = capfd.readouterr().out
    assert "CastBallot" in logged
    for candidate in c.candidates:   # the log lines of the casts carry no choice
        assert candidate.proposal_id not in logged
    assert "APPROVE" not in logged and "AAAOO" not in logged
    assert len(set(receipts + [over])) == 4 and all(len(r) == 16 for r in receipts)
    for who, why in ((voters[0], "voted already"), (voters[4], "check in")):
        with w.expect_no_writes():
            err = w.b.error("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=ballot(c, "AOOOO")),
                            role="deputy", region=COUNTY_B, subject=who)
        assert err.code() == FP and why in err.details()
    stranger = w.deputy(COUNTY_B)   # registered after the ballot opened: not a voter of it
    w.known(stranger.id)
    err = w.b.error("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=ballot(c, "AOOOO")),
                    role="deputy", region=COUNTY_B, subject=stranger.id)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED and "not among the voters" in err.details()
    err = w.b.error("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=ballot(c, "AOO")),
                    role="deputy", region=COUNTY_B, subject=voters[3])
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith("marks:")

    # The count: more than half of all five (3) adopts; highest approvals first, up to 3 seats.
    with w.expect_events("BallotClosed", "AttendanceRecorded"):
        c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    r = c.rounds[0]
    assert r.status == pb.ROUND_STATUS_CLOSED
    assert (r.eligible, r.present, r.issued, r.returned, r.valid, r.invalid) == (5, 4, 4, 4, 4, 0)
    ids = list(r.candidate_ids)
    assert [(t.approve, t.oppose, t.abstain) for t in r.tally] == [(4, 0, 0), (3, 1, 0), (2, 2, 0), (1, 3, 0),
                                                                    (0, 3, 1)]
    assert list(r.adopted) == ids[:2] and list(c.adopted) == ids[:2] and not r.runoff
    closed = ev.BallotClosed.FromString(w.b_rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.balloting.v1.BallotClosed' ORDER BY seq DESC LIMIT 1")[0][0])
    assert closed.round.bulletin_digest == r.bulletin_digest and len(r.bulletin_digest) == 64
    # Who attended and who voted (deputies' performance files), sorted ids: never how.
    attended = ev.AttendanceRecorded.FromString(w.b_rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.balloting.v1.AttendanceRecorded' ORDER BY seq DESC LIMIT 1")[0][0])
    assert (attended.campaign_id, attended.round, attended.year) == (c.id, 1, c.year)
    assert list(attended.present_deputy_ids) == list(attended.voted_deputy_ids) == sorted(voters[:4])

    # Nothing is public before publication; then the result and its bulletin are everyone's.
    assert w.b.error("GetPublicResult", pb.GetPublicResultRequest(region_code=COUNTY_B, year=c.year),
                     token=None).code() == grpc.StatusCode.NOT_FOUND
    with w.expect_events("CampaignPhaseChanged", "ProjectAdopted", "ProjectAdopted", "ResultPublished"):
        c = w.b.call("PublishResult", pb.PublishResultRequest(id=c.id), **STAFF)
    assert c.phase == pb.PHASE_PUBLISHED
    adopted = [ev.ProjectAdopted.FromString(x[0]) for x in w.b_rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.balloting.v1.ProjectAdopted' ORDER BY seq")][-2:]
    assert [(p.proposal_id, p.funding_source, p.region_code, p.year) for p in adopted] == [
        (ids[0], "县级财政", COUNTY_B, c.year), (ids[1], "县级财政", COUNTY_B, c.year)]
    assert all(p.investment_fen == 150_000_000 and p.schedule and p.title for p in adopted)
    result = w.b.public("GetPublicResult", pb.GetPublicResultRequest(region_code=COUNTY_B, year=c.year))
    assert [x.proposal_id for x in result.adopted] == ids[:2] and result.region_name == "阜康市"
    text = result.rounds[0].bulletin
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == closed.round.bulletin_digest   # untouched
    bulletin = json.loads(text)
    assert set(receipts + [over]) == set(bulletin["receipts"])             # each voter finds their code
    assert bulletin["ballots"] == sorted(["AAAOO", "AAOAO", "AAAOX", "AOOOO"])
    tally, valid, invalid = recount(bulletin)                               # anyone recounts
    assert tally == bulletin["tally"] and (valid, invalid) == (r.valid, r.invalid)
    assert [t["approve"] for t in tally] == [t.approve for t in r.tally]
    # The receipt says nothing of the marks: no field of the bulletin pairs a code with a ballot.
    assert all(isinstance(x, str) for x in bulletin["receipts"]) and all(isinstance(x, str)
                                                                          for x in bulletin["ballots"])

    # The database after the session: who voted and what was voted share no key, column, time
    # or transaction; the ballots' physical order was rewritten at the close.
    cols = {t: {x[0] for x in w.b_rows("SELECT column_name FROM information_schema.columns WHERE table_name = :t",
                                       t=t)} for t in ("ballots", "ballot_receipts", "ballot_voters")}
    assert cols["ballots"] == {"id", "campaign_id", "round", "marks", "valid"}
    assert cols["ballot_receipts"] == {"code", "campaign_id", "round"}
    assert "deputy_id" in cols["ballot_voters"] and not cols["ballot_voters"] & {"marks", "code", "ballot_id"}
    fks = w.b_rows("SELECT tc.table_name FROM information_schema.table_constraints tc WHERE tc.constraint_type = "
                   "'FOREIGN KEY' AND tc.table_name IN ('ballots', 'ballot_receipts', 'ballot_voters')")
    assert fks == []
    xmins = w.b_rows("SELECT DISTINCT xmin::text FROM ballots WHERE campaign_id = :c UNION "
                     "SELECT DISTINCT xmin::text FROM ballot_receipts WHERE campaign_id = :c UNION "
                     "SELECT DISTINCT xmin::text FROM ballot_voters WHERE campaign_id = :c", c=c.id)
    assert len(xmins) == 1   # one rewrite at the close: no transaction of a cast is left
    assert {x[0] for x in w.b_rows("SELECT deputy_id FROM ballot_voters WHERE campaign_id = :c AND voted",
                                   c=c.id)} == set(voters[:4])
    # No event carries a ballot or a receipt.
    for (data,) in w.b_rows("SELECT data FROM outbox"):
        assert not any(code.encode() in bytes(data) for code in receipts)
        assert b"AAAOO" not in bytes(data)


def test_two_casts_at_once_by_one_voter_count_once(world):
    w = world
    c, voters = campaign(w, TOWNSHIP_A, voters=3, candidates=5, seats=4, level=rpb.LEVEL_TOWNSHIP)
    w.open_ballot(c)
    c = get(w, c)
    results: list[object] = []

    def go():
        try:
            results.append(cast(w, c, voters[0], "AOOOO", region=TOWNSHIP_A))
        except grpc.RpcError as e:
            results.append(e)
    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(x, str) for x in results) == 1
    refused = [x for x in results if not isinstance(x, str)]
    assert all(x.code() == FP and "voted already" in x.details() for x in refused)
    assert w.b_rows("SELECT count(*) FROM ballots WHERE campaign_id = :c", c=c.id)[0][0] == 1


def test_paper_ballots_and_a_void_vote_held_again(world):
    """Paper ballots: entered only where some were issued; more returned than issued (here also
    more than voters present) voids the round, held again from a new session with the tellers
    and scrutineers of the void round; more returned than issued voids it also with no more
    than voters present (收回的选票多于发出的选票); the third round counts with the same tellers."""
    w = world
    region = "652302100"   # 九运街镇: its rules make the count wait for the tellers
    w.b.call("SetBallotRules", pb.SetBallotRulesRequest(rules=pb.BallotRules(
        region_code=region, min_surplus_percent=25, quorum_percent=50, adoption_base=pb.ADOPTION_BASE_ALL_ELIGIBLE,
        tellers_required=True)), **STAFF)
    c, voters = campaign(w, region, voters=4, candidates=5, seats=4, level=rpb.LEVEL_TOWNSHIP)
    w.open_ballot(c)
    c = get(w, c)
    teller = {"role": "committee", "region": region}

    def enter(*letters: str) -> list[pb.EnterPaperBallotResponse]:
        return [w.b.call("EnterPaperBallot", pb.EnterPaperBallotRequest(campaign_id=c.id, marks=ballot(c, x)),
                         **teller) for x in letters]

    def no_paper_issued(number: int) -> None:
        with w.expect_no_writes():
            err = w.b.error("EnterPaperBallot", pb.EnterPaperBallotRequest(campaign_id=c.id, marks=ballot(c, "AOOOO")),
                            **teller)
        assert err.code() == FP and err.details().startswith(f"no paper ballot was issued in round {number}")
        assert "IssuePaperBallot" in err.details()

    # No paper ballot handed out yet: none can be entered.
    no_paper_issued(1)
    c = w.b.call("NameTellers", pb.NameTellersRequest(campaign_id=c.id, tellers=["王计票"], scrutineers=["李监票"]),
                 **STAFF)
    # Two take paper ballots from the tellers; they can no longer vote online.
    for v in voters[:2]:
        a = w.b.call("IssuePaperBallot", pb.IssuePaperBallotRequest(campaign_id=c.id, deputy_id=v), **STAFF)
        assert a.present
    err = w.b.error("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=ballot(c, "AOOOO")),
                    role="deputy", region=region, subject=voters[0])
    assert err.code() == FP and "voted already" in err.details()
    assert w.b.error("IssuePaperBallot", pb.IssuePaperBallotRequest(campaign_id=c.id, deputy_id=voters[0]),
                     **STAFF).code() == FP
    cast(w, c, voters[2], "AAOOO", region=region)
    cast(w, c, voters[3], "AOAOO", region=region)
    # An over-filled paper ballot is entered as marked and counted invalid (废票).
    assert [(e.valid, e.returned) for e in enter("AAAAA", "OOOOA", "AOAOA")] == [(False, 1), (True, 2), (True, 3)]
    # Five ballots returned, four issued and four voters present: the vote is void and is held again.
    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    r = c.rounds[0]
    assert r.status == pb.ROUND_STATUS_VOID and c.phase == pb.PHASE_CANDIDATES_FIXED and not c.adopted
    assert (r.present, r.issued, r.returned, r.valid, r.invalid) == (4, 4, 5, 4, 1)
    assert (c.steps[-1].action, c.steps[-1].note) == ("ballot_void", "round 1: 5 ballots returned, 4 issued, 4 present")
    assert w.b.error("PublishResult", pb.PublishResultRequest(id=c.id), **STAFF).code() == FP

    # The vote held again: the void round's tellers stand in the new one.
    c = w.open_ballot(c)
    assert [x.number for x in c.rounds] == [1, 2] and c.rounds[1].status == pb.ROUND_STATUS_VOTING
    assert (list(c.rounds[1].tellers), list(c.rounds[1].scrutineers)) == (["王计票"], ["李监票"])
    no_paper_issued(2)
    w.b.call("IssuePaperBallot", pb.IssuePaperBallotRequest(campaign_id=c.id, deputy_id=voters[0]), **STAFF)
    cast(w, c, voters[1], "AOOOO", region=region)
    cast(w, c, voters[2], "AOOOO", region=region)
    # Two paper ballots back for the one issued: four returned, no more than the four present,
    # but one more than the three issued: void all the same (收回的选票多于发出的选票).
    assert [e.returned for e in enter("AOOOO", "OAOOO")] == [1, 2]
    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)   # the tellers stand: it counts
    r = c.rounds[1]
    assert r.status == pb.ROUND_STATUS_VOID and c.phase == pb.PHASE_CANDIDATES_FIXED
    assert (r.present, r.issued, r.returned) == (4, 3, 4)
    assert c.steps[-1].note == "round 2: 4 ballots returned, 3 issued, 4 present"
    bulletin = json.loads(w.b_rows("SELECT bulletin FROM ballot_rounds WHERE campaign_id = :c AND number = 2",
                                   c=c.id)[0][0])
    assert (bulletin["status"], bulletin["counts"]["issued"], bulletin["tellers"]) == ("void", 3, ["王计票"])

    # The third round is counted with the same tellers, never named again.
    c = w.open_ballot(c)
    for v in voters:
        cast(w, c, v, "AAOOO", region=region)
    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    r = c.rounds[2]
    assert r.status == pb.ROUND_STATUS_CLOSED and (list(r.tellers), list(r.scrutineers)) == (["王计票"], ["李监票"])
    assert list(c.adopted) == list(r.candidate_ids)[:2]
    assert [x.action for x in c.steps].count("tellers_named") == 1


def test_a_tie_at_the_last_seat_goes_to_a_runoff(world):
    w = world
    region = "652302101"   # 滋泥泉子镇
    c, voters = campaign(w, region, voters=5, candidates=3, seats=2, level=rpb.LEVEL_TOWNSHIP)
    w.open_ballot(c)
    c = get(w, c)
    for v, letters in zip(voters, ("AAO", "AAO", "AOA", "AOA", "OAA")):
        cast(w, c, v, letters, region=region)
    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    ids = list(c.rounds[0].candidate_ids)
    assert list(c.rounds[0].adopted) == ids[:1] and list(c.rounds[0].runoff) == ids[1:]   # 3 and 3 for one seat
    assert c.phase == pb.PHASE_BALLOT and len(c.rounds) == 2
    run = c.rounds[1]
    assert (run.status, list(run.candidate_ids), run.seats) == (pb.ROUND_STATUS_ATTENDANCE, ids[1:], 1)
    assert w.b.error("PublishResult", pb.PublishResultRequest(id=c.id), **STAFF).code() == FP   # pending
    c = w.b.call("OpenBallot", pb.OpenBallotRequest(id=c.id), **STAFF)   # attendance carried over
    for v, letters in zip(voters, ("AO", "AO", "AO", "OA", "OA")):
        cast(w, c, v, letters, region=region)
    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    assert list(c.rounds[1].adopted) == ids[1:2] and list(c.adopted) == [ids[0], ids[1]]
    c = w.b.call("PublishResult", pb.PublishResultRequest(id=c.id), **STAFF)
    result = w.b.public("GetPublicResult", pb.GetPublicResultRequest(region_code=region, year=c.year))
    assert [x.proposal_id for x in result.adopted] == [ids[0], ids[1]] and len(result.rounds) == 2


def test_500_voters_casting_at_once_are_each_counted_once(world):
    """500 deputies of 呼图壁镇 vote at once over gRPC: 500 receipts, 500 ballots in the box and
    in the bulletin, each voter marked once, none lost."""
    w = world
    region = "652323100"   # 呼图壁镇
    rows = "\n".join(f"{region},千人代表{i:03d},男,汉族,乡,第十八届,1390{i:07d}" for i in range(500))
    sheet = f"区划代码,姓名,性别,民族,代表层级,届次,联系电话\n{rows}\n".encode()
    imported = w.r.call("ImportRoster", rpb.ImportRosterRequest(
        region_code=region, format=common_pb2.FILE_FORMAT_CSV, content=sheet), **STAFF)
    assert imported.created == 500, imported.errors[:3]
    c = w.campaign(region)
    c = w.fix(c, 4, w.shortlisted(c, 5))
    wait(lambda: len(w.voters(c)) == 500, "the 500 deputies in balloting's read model", timeout=120)
    voters = w.session(c)
    c = w.b.call("OpenBallot", pb.OpenBallotRequest(id=c.id), **STAFF)
    letters = ["AAOOO", "OAAXO", "XXXXX", "AAAAO", "OOOOA"]
    with ThreadPoolExecutor(max_workers=32) as pool:
        receipts = list(pool.map(lambda iv: cast(w, c, iv[1], letters[iv[0] % 5], region=region),
                                 enumerate(voters)))
    assert len(set(receipts)) == 500
    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    r = c.rounds[0]
    assert (r.eligible, r.present, r.issued, r.returned, r.valid, r.invalid) == (500, 500, 500, 500, 500, 0)
    assert [t.approve for t in r.tally] == [200, 300, 200, 100, 100]
    c = w.b.call("PublishResult", pb.PublishResultRequest(id=c.id), **STAFF)
    bulletin = json.loads(w.b.public("GetPublicResult", pb.GetPublicResultRequest(
        region_code=region, year=c.year)).rounds[0].bulletin)
    assert set(bulletin["receipts"]) == set(receipts) and len(bulletin["ballots"]) == 500
    assert w.b_rows("SELECT count(*) FROM ballot_voters WHERE campaign_id = :c AND voted", c=c.id)[0][0] == 500


def test_a_regions_rules_raise_the_quorum_and_count_half_of_those_present(world):
    """大丰镇's rules: more than 60% present to open, and more than half of those present adopts
    (instead of half of all eligible): 3 approvals of 5 present adopt with 7 eligible."""
    w = world
    region = "652323101"   # 大丰镇
    w.b.call("SetBallotRules", pb.SetBallotRulesRequest(rules=pb.BallotRules(
        region_code=region, min_surplus_percent=25, quorum_percent=60, adoption_base=pb.ADOPTION_BASE_PRESENT)),
        **STAFF)
    c, voters = campaign(w, region, voters=7, candidates=2, seats=1, level=rpb.LEVEL_TOWNSHIP)
    w.session(c, present=4)
    err = w.b.error("OpenBallot", pb.OpenBallotRequest(id=c.id), **STAFF)
    assert err.code() == FP and "4 of 7" in err.details() and "60%" in err.details()   # 400 > 420 is false
    present = [v.deputy_id for v in w.voters(c)]
    w.b.call("CheckIn", pb.CheckInRequest(campaign_id=c.id, deputy_id=present[4]), **STAFF)
    c = w.b.call("OpenBallot", pb.OpenBallotRequest(id=c.id), **STAFF)
    assert (c.rounds[0].quorum_percent, c.rounds[0].adoption_base) == (60, pb.ADOPTION_BASE_PRESENT)
    for v, letters in zip(present[:5], ("AO", "AO", "AO", "OA", "OA")):
        cast(w, c, v, letters, region=region)
    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    ids = list(c.rounds[0].candidate_ids)
    assert list(c.adopted) == ids[:1]            # 3 > 5 / 2; of all 7 it would not be (3 > 3.5 is false)
    bulletin = json.loads(c.rounds[0].bulletin_digest and w.b_rows(
        "SELECT bulletin FROM ballot_rounds WHERE campaign_id = :c", c=c.id)[0][0])
    assert (bulletin["adoption_base"], bulletin["base"]) == ("present", 5)


def test_tellers_and_scrutineers_are_named_before_the_count(world):
    """计票人 and 监票人: 雀尔沟镇's rules say the count waits for them. Named (who and when in the
    campaign's steps, a TellersNamed event), they stand in the round and the bulletin; bad names
    are refused naming the field and write nothing; after the count nobody is named any more."""
    w = world
    region = "652323102"   # 雀尔沟镇
    rules = w.b.call("SetBallotRules", pb.SetBallotRulesRequest(rules=pb.BallotRules(
        region_code=region, min_surplus_percent=25, quorum_percent=50, adoption_base=pb.ADOPTION_BASE_ALL_ELIGIBLE,
        tellers_required=True)), **STAFF)
    assert rules.tellers_required
    c, voters = campaign(w, region, voters=3, candidates=2, seats=1, level=rpb.LEVEL_TOWNSHIP)
    c = w.open_ballot(c)
    assert c.rounds[0].tellers_required and not c.rounds[0].tellers
    for v in voters:
        cast(w, c, v, "AO", region=region)
    with w.expect_no_writes():
        err = w.b.error("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    assert err.code() == FP and "计票人" in err.details() and "监票人" in err.details()

    bad = [(pb.NameTellersRequest(campaign_id=c.id, tellers=["王计票"]), "scrutineers"),
           (pb.NameTellersRequest(campaign_id=c.id, tellers=["王计票", "王计票"], scrutineers=["李监票"]),
            "tellers[1]"),
           (pb.NameTellersRequest(campaign_id=c.id, tellers=[" "], scrutineers=["李监票"]), "tellers[0]"),
           (pb.NameTellersRequest(campaign_id=c.id, tellers=["王计票"], scrutineers=[f"监{i}" for i in range(21)]),
            "scrutineers")]
    for request, field in bad:
        with w.expect_no_writes():
            err = w.b.error("NameTellers", request, **STAFF)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith(f"{field}:"), err.details()

    with w.expect_events("TellersNamed"):
        c = w.b.call("NameTellers", pb.NameTellersRequest(campaign_id=c.id, tellers=["王计票", "张计票"],
                                                          scrutineers=["李监票"]),
                     role="staff", region=region, subject="clerk-tellers", name="赵书记员")
    assert list(c.rounds[0].tellers) == ["王计票", "张计票"] and list(c.rounds[0].scrutineers) == ["李监票"]
    step = c.steps[-1]
    assert (step.action, step.actor, step.actor_name) == ("tellers_named", "clerk-tellers", "赵书记员")
    assert step.at.seconds > 0 and "王计票" in step.note
    sent = ev.TellersNamed.FromString(w.b_rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.balloting.v1.TellersNamed' ORDER BY seq DESC")[0][0])
    assert (sent.campaign_id, sent.round, list(sent.scrutineers)) == (c.id, 1, ["李监票"])

    c = w.b.call("CloseBallot", pb.CloseBallotRequest(id=c.id), **STAFF)
    bulletin = json.loads(w.b_rows("SELECT bulletin FROM ballot_rounds WHERE campaign_id = :c", c=c.id)[0][0])
    assert (bulletin["tellers"], bulletin["scrutineers"]) == (["王计票", "张计票"], ["李监票"])
    assert hashlib.sha256(json.dumps(bulletin, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest() == c.rounds[0].bulletin_digest
    err = w.b.error("NameTellers", pb.NameTellersRequest(campaign_id=c.id, tellers=["王"], scrutineers=["李"]),
                    **STAFF)
    assert err.code() == FP

    # Without the rule (the default) the count does not wait for them.
    other, others = campaign(w, "652324100", voters=3, candidates=2, seats=1, level=rpb.LEVEL_TOWNSHIP)
    other = w.open_ballot(other)
    assert not other.rounds[0].tellers_required
    assert w.b.call("CloseBallot", pb.CloseBallotRequest(id=other.id), **STAFF).rounds[0].status == \
        pb.ROUND_STATUS_CLOSED
