"""The satisfaction vote (满意度测评) over gRPC, with roster, balloting, supervision and evaluation
on real PostgreSQL and Kafka: the year's projects as supervision's events make them known, the
seed's year (20 projects: 18 rated 满意, 2 基本满意, overall 90%) by secret ballot, with one vote
each, eligible deputies only, quorum, receipts and a bulletin, and secrecy checked on the
database."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from evaluation_support import PREFECTURE_STAFF, STAFF
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE
from lianxin.evaluation.v1 import satisfaction_pb2 as pb
from lianxin.roster.v1 import roster_pb2 as rpb

from services.evaluation import demo
from shared.clock import china_today, frozen

pytestmark = pytest.mark.kafka

HUTUBI = "652323"                  # 呼图壁县: the seed's year
HUTUBI_STAFF = {"role": "staff", "region": HUTUBI}
S, B, U = pb.RATING_SATISFIED, pb.RATING_BASICALLY_SATISFIED, pb.RATING_UNSATISFIED


def test_the_years_projects_come_from_supervisions_events(world):
    a = world.project(COUNTY_A, 2031, title="城区供水管网改造")
    b = world.project(COUNTY_A, 2031, title="乡村道路硬化")
    other = world.project(COUNTY_B, 2031)
    world.known([a, b, other])
    listed = world.e.call("ListYearProjects", pb.ListYearProjectsRequest(region_code=COUNTY_A, year=2031), **STAFF)
    assert [(p.title, p.progress_percent, p.finished, p.lead_department, p.deadline) for p in listed.projects] == [
        ("乡村道路硬化", "0.00", False, "dept-housing", "2031-12-31"),
        ("城区供水管网改造", "0.00", False, "dept-housing", "2031-12-31")]
    assert listed.total_size == 2
    world.finish(a)
    world.known([a], progress="100.00")
    listed = world.e.call("ListYearProjects", pb.ListYearProjectsRequest(region_code=COUNTY_A, year=2031), **STAFF)
    assert {p.id: p.finished for p in listed.projects} == {a.id: True, b.id: False}
    # A deputy of the county sees its projects; another county's staff is refused the county.
    assert world.e.call("ListYearProjects", pb.ListYearProjectsRequest(region_code=COUNTY_A, year=2031),
                        role="deputy", region=COUNTY_A, subject="d1").total_size == 2
    e = world.e.error("ListYearProjects", pb.ListYearProjectsRequest(region_code=COUNTY_A, year=2031),
                      role="staff", region=COUNTY_B)
    assert e.code() is grpc.StatusCode.PERMISSION_DENIED


def _ballot(vote: pb.SatisfactionVote, rating_of) -> list[pb.ProjectRating]:
    return [pb.ProjectRating(project_id=p.project_id, rating=rating_of(i)) for i, p in enumerate(vote.projects)]


def test_the_seeds_year_18_satisfied_2_basically_satisfied_is_90_percent(world):
    projects = [world.project(HUTUBI, 2022, title=f"民生实事{i:02d}") for i in range(20)]
    for p in projects:
        world.finish(p)
    world.known(projects, progress="100.00")
    deputies = world.deputies(HUTUBI, rpb.LEVEL_COUNTY, 5)
    outsider = world.deputies(COUNTY_B, rpb.LEVEL_COUNTY, 1)[0]
    vote = world.e.call("OpenSatisfactionVote", pb.OpenSatisfactionVoteRequest(region_code=HUTUBI, year=2022),
                        **HUTUBI_STAFF)
    assert (vote.status, vote.eligible, vote.voted, len(vote.projects)) == (pb.VOTE_STATUS_OPEN, 5, 0, 20)
    assert vote.title == "2022年民生实事项目实施情况满意度测评"
    assert [p.title for p in vote.projects] == [f"民生实事{i:02d}" for i in range(20)]
    assert (vote.rules.quorum_percent, vote.rules.satisfied_percent, vote.rules.acceptable_percent) == (50, 50, 50)
    assert world.events()[-1] == "SatisfactionVoteOpened"
    again = world.e.error("OpenSatisfactionVote", pb.OpenSatisfactionVoteRequest(region_code=HUTUBI, year=2022),
                          **HUTUBI_STAFF)
    assert again.code() is grpc.StatusCode.ALREADY_EXISTS

    def deputy(dep):
        return {"role": "deputy", "region": dep.region_code, "subject": dep.id}

    mine = world.e.call("ListSatisfactionVotes", pb.ListSatisfactionVotesRequest(), **deputy(deputies[0]))
    assert [(v.id, v.you_may_vote, v.you_voted) for v in mine.votes] == [(vote.id, True, False)]
    # Eligible deputies only: another county's deputy neither sees nor casts in it.
    assert world.e.call("ListSatisfactionVotes", pb.ListSatisfactionVotesRequest(),
                        **deputy(outsider)).total_size == 0
    refused = world.e.error("CastSatisfactionBallot", pb.CastSatisfactionBallotRequest(
        vote_id=vote.id, ratings=_ballot(vote, lambda i: S)), **deputy(outsider))
    assert refused.code() is grpc.StatusCode.NOT_FOUND and refused.details().startswith("vote_id")

    # Every project rated once, or nothing is written.
    with world.expect_no_writes():
        short = world.e.error("CastSatisfactionBallot", pb.CastSatisfactionBallotRequest(
            vote_id=vote.id, ratings=_ballot(vote, lambda i: S)[:19]), **deputy(deputies[0]))
    assert short.code() is grpc.StatusCode.INVALID_ARGUMENT and short.details().startswith("ratings")

    # Projects 0-17: three of five 满意 (满意); 18-19: one 满意 and two 基本满意 (基本满意).
    patterns = [[S, S, S, B, U], [S, B, B, U, U]]
    receipts = []
    events_before = world.events()
    for k, dep in enumerate(deputies[:2]):
        receipts.append(world.e.call("CastSatisfactionBallot", pb.CastSatisfactionBallotRequest(
            vote_id=vote.id, ratings=_ballot(vote, lambda i: patterns[i >= 18][k])),
            **deputy(dep)).receipt_code)
    twice = world.e.error("CastSatisfactionBallot", pb.CastSatisfactionBallotRequest(
        vote_id=vote.id, ratings=_ballot(vote, lambda i: S)), **deputy(deputies[0]))
    assert twice.code() is grpc.StatusCode.FAILED_PRECONDITION and "voted already" in twice.details()
    # Quorum: 2 of 5 is not more than half; the vote stays open.
    early = world.e.error("CloseSatisfactionVote", pb.CloseSatisfactionVoteRequest(id=vote.id), **HUTUBI_STAFF)
    assert early.code() is grpc.StatusCode.FAILED_PRECONDITION and "2 of 5" in early.details()
    for k, dep in list(enumerate(deputies))[2:]:
        receipts.append(world.e.call("CastSatisfactionBallot", pb.CastSatisfactionBallotRequest(
            vote_id=vote.id, ratings=_ballot(vote, lambda i: patterns[i >= 18][k])),
            **deputy(dep)).receipt_code)
    assert world.events() == events_before      # nothing is published per cast
    assert len(set(receipts)) == 5 and all(len(r) == 16 for r in receipts)
    seen = world.e.call("GetSatisfactionVote", pb.GetSatisfactionVoteRequest(id=vote.id), **deputy(deputies[0]))
    assert (seen.voted, seen.you_voted, seen.you_may_vote, seen.satisfaction_rate) == (5, True, False, "")

    counted = world.e.call("CloseSatisfactionVote", pb.CloseSatisfactionVoteRequest(id=vote.id), **HUTUBI_STAFF)
    assert counted.status == pb.VOTE_STATUS_COUNTED
    assert (counted.satisfied_projects, counted.basically_satisfied_projects, counted.unsatisfied_projects,
            counted.satisfaction_rate) == (18, 2, 0, "90.00")
    assert [(p.satisfied, p.basically_satisfied, p.unsatisfied, p.verdict) for p in counted.projects] == \
        [(3, 1, 1, S)] * 18 + [(1, 2, 2, B)] * 2
    assert counted.projects[0].satisfied_share == "60.00"
    # The bulletin: its digest, every receipt, the anonymous ballots to recount from.
    assert hashlib.sha256(counted.bulletin.encode()).hexdigest() == counted.digest
    bulletin = json.loads(counted.bulletin)
    assert sorted(receipts) == bulletin["receipts"]
    assert len(bulletin["ballots"]) == 5 and bulletin["ballots"] == sorted(bulletin["ballots"])
    assert bulletin["counts"] == {"eligible": 5, "voted": 5, "ballots": 5}
    assert bulletin["satisfaction_rate"] == "90.00"
    assert world.events()[-1] == "SatisfactionVoteCounted"

    # Secrecy on the database: who voted and what was voted share no column but the vote's id.
    columns = {t: {r[0] for r in world.rows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :t", t=t)}
        for t in ("satisfaction_ballots", "satisfaction_receipts", "satisfaction_voters")}
    assert columns["satisfaction_ballots"] == {"id", "vote_id", "marks"}
    assert columns["satisfaction_receipts"] == {"code", "vote_id"}
    assert columns["satisfaction_voters"] == {"vote_id", "deputy_id", "name", "voted"}
    assert world.rows("SELECT count(*) FROM satisfaction_ballots WHERE vote_id = :v", v=vote.id)[0][0] == 5
    # Nor does the database itself: after the count every ballot and receipt row was written by
    # one transaction (PostgreSQL's xmin), so no transaction id follows the order of the casts.
    for table in ("satisfaction_ballots", "satisfaction_receipts"):
        assert world.rows(f"SELECT count(DISTINCT xmin::text) FROM {table} WHERE vote_id = :v", v=vote.id)[0][0] == 1

    public = pb.GetPublicSatisfactionResultRequest(region_code=HUTUBI, year=2022)
    assert world.e.error("GetPublicSatisfactionResult", public, token=None).code() is grpc.StatusCode.NOT_FOUND
    published = world.e.call("PublishSatisfactionResult", pb.PublishSatisfactionResultRequest(id=vote.id),
                             **PREFECTURE_STAFF)
    assert published.status == pb.VOTE_STATUS_PUBLISHED
    added = world.events()[-21:]
    assert added[0] == "SatisfactionResultPublished" and added[1:] == ["ProjectRated"] * 20
    shown = world.e.public("GetPublicSatisfactionResult", public)
    assert (shown.satisfaction_rate, shown.satisfied_projects, shown.digest) == ("90.00", 18, counted.digest)
    # Every project finished and none rated 不满意: nothing to rectify.
    assert world.e.call("ListRectifications", pb.ListRectificationsRequest(region_code=HUTUBI, year=2022),
                        **HUTUBI_STAFF).total_size == 0


def test_the_demo_rates_last_years_projects_and_opens_this_years_vote(world):
    deputies = world.deputies(PREFECTURE, rpb.LEVEL_PREFECTURE, 3)
    ports = {"evaluation": world.e.running.port, "supervision": world.s.running.port,
             "roster": world.r.running.port}
    line = demo.satisfaction(ports, world.e.settings.jwt_secret, PREFECTURE)
    assert "3 deputies rated, overall 66.67%, 1 rectifications" in line
    votes = world.e.call("ListSatisfactionVotes", pb.ListSatisfactionVotesRequest(region_code=PREFECTURE),
                         **PREFECTURE_STAFF).votes
    published = next(v for v in votes if v.region_code == PREFECTURE)
    assert (published.status, published.satisfied_projects, published.voted) == (pb.VOTE_STATUS_PUBLISHED, 4, 3)
    rect = world.e.call("ListRectifications", pb.ListRectificationsRequest(region_code=PREFECTURE),
                        **PREFECTURE_STAFF).rectifications
    assert [(r.title, r.status) for r in rect] == [("城区污水管网改造", pb.RECTIFICATION_STATUS_PLANNED)]
    assert world.e.call("ListInquiries", pb.ListInquiriesRequest(region_code=PREFECTURE),
                        role="deputy", region=PREFECTURE, subject=deputies[0].id).total_size == 1
    assert "already present" in demo.satisfaction(ports, world.e.settings.jwt_secret, PREFECTURE)


def test_a_year_not_begun_cannot_be_rated(world):
    """Finding: on 30 November a vote of next year was opened on projects just adopted, all at 0%,
    and publishing it opened a rectification for each. A year after the current China year is
    refused, naming the year, nothing written; the year opens from 1 January, China time."""
    ahead = china_today().year + 1
    project = world.project(HUTUBI, ahead, title="明年的民生实事")
    world.deputies(HUTUBI, rpb.LEVEL_COUNTY, 1)
    world.known([project])
    request = pb.OpenSatisfactionVoteRequest(region_code=HUTUBI, year=ahead)
    new_year = datetime(ahead - 1, 12, 31, 16, tzinfo=timezone.utc)     # 1 January 00:00 in China
    with world.expect_no_writes():
        refused = world.e.error("OpenSatisfactionVote", request, **HUTUBI_STAFF)
        with frozen(new_year - timedelta(seconds=1)):
            eve = world.e.error("OpenSatisfactionVote", request, **HUTUBI_STAFF)
    assert refused.code() is eve.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert refused.details() == f"year: {ahead} has not begun; a year's satisfaction vote is held at its end or after"
    assert eve.details() == refused.details()
    with frozen(new_year):
        opened = world.e.call("OpenSatisfactionVote", request, **HUTUBI_STAFF)
    assert (opened.year, [p.project_id for p in opened.projects]) == (ahead, [project.id])
