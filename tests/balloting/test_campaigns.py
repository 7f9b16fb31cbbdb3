"""A balloting campaign over real gRPC, PostgreSQL and Kafka, as a county's office runs it:
the public call (citizens with a tracking code, deputies, departments, proposals entered
from offline), screening (expert and department reviews, duplicates merged, the shortlist),
the committee's candidate list, and the ballot opening only under the quarter rule. Every
step out of phase is FAILED_PRECONDITION and writes nothing; every step names who and when.
"""
from __future__ import annotations

import uuid

import grpc
import pytest
from balloting_support import STAFF, SUBDISTRICT, TOWN
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A
from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.balloting.v1 import events_pb2 as ev
from lianxin.roster.v1 import roster_pb2 as rpb

from services.balloting import domain as d

pytestmark = pytest.mark.kafka

FP = grpc.StatusCode.FAILED_PRECONDITION
IA = grpc.StatusCode.INVALID_ARGUMENT


# ---- the quarter rule, in numbers --------------------------------------------------------

@pytest.mark.parametrize("seats, candidates, passes", [
    (30, 40, True), (80, 105, True), (32, 43, True),      # 温县's three years: county, townships, sub-districts
    (10, 12, False), (10, 13, True),                       # the boundary: ⌈10 × 1.25⌉ = 13
    (4, 5, True), (4, 4, False), (1, 2, True), (1, 1, False), (3, 3, False), (3, 4, True)])
def test_the_quarter_rule(seats, candidates, passes):
    assert d.surplus_met(seats, candidates) is passes
    if not passes:
        with pytest.raises(d.FailedPrecondition, match=f"at least {d.min_candidates(seats)}"):
            d.check_surplus(seats, candidates, d.MIN_SURPLUS_PERCENT)


def test_a_region_may_demand_more_never_less():
    assert d.min_candidates(10, 30) == 13 and d.min_candidates(10, 40) == 14 and d.min_candidates(30, 50) == 45
    with pytest.raises(d.InvalidArgument, match="min_surplus_percent"):
        d.check_surplus_percent(20, "min_surplus_percent")


# ---- a whole campaign, call to ballot -----------------------------------------------------

def test_a_county_campaign_from_the_call_to_the_ballot(world):
    w = world
    expert = w.deputy(COUNTY_A, specialties=("教育",))
    voters = [w.deputy(COUNTY_A) for _ in range(3)]
    w.known(expert.id, *(v.id for v in voters))
    year = w.next_year()
    with w.expect_events("CampaignCreated"):
        c = w.campaign(COUNTY_A, year, role="staff", region=COUNTY_A, subject="clerk-a", name="王文书")
    assert (c.phase, c.region_code, c.year, c.min_surplus_percent) == (pb.PHASE_CALL, COUNTY_A, year, 25)
    assert c.steps[0].action == "created" and c.steps[0].actor == "clerk-a" and c.steps[0].actor_name == "王文书"
    assert c.steps[0].at.seconds > 0

    # 征集: a citizen through the public call, with no account; a tracking code comes back.
    with w.expect_events("ProposalReceived"):
        sub = w.b.public("SubmitPublicProposal", pb.SubmitPublicProposalRequest(
            region_code=COUNTY_A, year=year, contact_name="张三", contact_phone="13800001111",
            proposal=pb.NewProposal(title="北京南路加装路灯", description="夜间无照明，老人出行不便", category="交通",
                                    investment_fen=1_234_567_89, location_region=TOWN, supporters=37)))
    assert len(sub.tracking_code) == 12 and sub.status == pb.PROPOSAL_STATUS_RECEIVED
    tracked = w.b.public("TrackProposal", pb.TrackProposalRequest(tracking_code=sub.tracking_code.lower()))
    assert (tracked.title, tracked.status, tracked.campaign_phase, tracked.region_name, tracked.year) == (
        "北京南路加装路灯", pb.PROPOSAL_STATUS_RECEIVED, pb.PHASE_CALL, "昌吉市", year)
    event = ev.ProposalReceived.FromString(w.b_rows("SELECT data FROM outbox ORDER BY seq DESC LIMIT 1")[0][0])
    assert event.proposal.proposer.name == "" and event.proposal.proposer.phone == ""   # no citizen's contact

    # ...a deputy proposes as themself, a department as itself, the office enters an offline one.
    mine = w.b.call("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=pb.NewProposal(
        title="三工镇卫生院扩建", category="医疗", investment_fen=8_000_000_00)), role="deputy", region=COUNTY_A,
        subject=voters[0].id)
    assert (mine.proposer.kind, mine.proposer.id, mine.proposer.name) == (
        pb.PROPOSER_KIND_DEPUTY, voters[0].id, voters[0].name)
    dept = w.b.call("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=pb.NewProposal(
        title="农村公路提质", category="交通", investment_fen=25_000_000_00)), role="department", region=COUNTY_A,
        subject="交通运输局", name="交通运输局")
    assert (dept.proposer.kind, dept.proposer.id) == (pb.PROPOSER_KIND_DEPARTMENT, "交通运输局")
    offline = w.proposal(c)
    dup1, dup2 = w.proposal(c), w.proposal(c)

    # The office sees the citizen's name and phone; an auditor and a deputy do not.
    got = w.b.call("ListProposals", pb.ListProposalsRequest(campaign_id=c.id), **STAFF)
    assert got.total_size == 6
    citizen = next(p for p in got.proposals if p.tracking_code == sub.tracking_code)
    assert (citizen.proposer.name, citizen.proposer.phone) == ("张三", "13800001111")
    assert citizen.investment_fen == 123456789 and citizen.location_region == TOWN and citizen.supporters == 37
    for who in ({"role": "auditor", "region": COUNTY_A}, {"role": "deputy", "region": COUNTY_A,
                                                          "subject": voters[1].id}):
        seen = w.b.call("GetProposal", pb.GetProposalRequest(id=citizen.id), **who)
        assert (seen.proposer.name, seen.proposer.phone) == ("", "")

    # Steps out of phase: no review while the call is open; no proposal once it closed.
    with w.expect_no_writes():
        err = w.b.error("ReviewProposal", pb.ReviewProposalRequest(
            id=offline.id, criterion=pb.CRITERION_PUBLIC_BENEFIT, score=80, opinion="好"),
            role="deputy", region=COUNTY_A, subject=expert.id)
    assert err.code() == FP and "screening" in err.details()
    with w.expect_events("CampaignPhaseChanged"):
        c = w.b.call("CloseCall", pb.CloseCallRequest(id=c.id, note="征集结束"), role="committee", region=COUNTY_A,
                     subject="member-1", name="李主任")
    assert c.phase == pb.PHASE_SCREENING
    assert (c.steps[-1].action, c.steps[-1].actor, c.steps[-1].actor_name, c.steps[-1].note) == (
        "call_closed", "member-1", "李主任", "征集结束")
    with w.expect_no_writes():
        err = w.b.error("SubmitPublicProposal", pb.SubmitPublicProposalRequest(
            region_code=COUNTY_A, year=year, proposal=pb.NewProposal(title="迟到的建议", category="教育")), token=None)
    assert err.code() == FP and "call" in err.details()
    with w.expect_no_writes():
        assert w.b.error("CloseCall", pb.CloseCallRequest(id=c.id), **STAFF).code() == FP

    # 初选: an expert deputy (with a specialty) and a department each judge their criteria.
    with w.expect_events("ProposalReviewed", "ProposalReviewed"):
        w.b.call("ReviewProposal", pb.ReviewProposalRequest(
            id=citizen.id, criterion=pb.CRITERION_PUBLIC_BENEFIT, score=90, opinion="惠及沿线三千户居民"),
            role="deputy", region=COUNTY_A, subject=expert.id)
        reviewed = w.b.call("ReviewProposal", pb.ReviewProposalRequest(
            id=citizen.id, criterion=pb.CRITERION_FEASIBILITY, score=75, opinion="电力接入可行"),
            role="department", region=COUNTY_A, subject="财政局", name="财政局")
    assert [(r.reviewer_kind, r.reviewer, r.criterion, r.score) for r in reviewed.reviews] == [
        (pb.REVIEWER_KIND_EXPERT, expert.id, pb.CRITERION_PUBLIC_BENEFIT, 90),
        (pb.REVIEWER_KIND_DEPARTMENT, "财政局", pb.CRITERION_FEASIBILITY, 75)]
    # A department does not judge 普惠性; an expert judges a criterion once; a deputy without a
    # specialty is no expert.
    with w.expect_no_writes():
        err = w.b.error("ReviewProposal", pb.ReviewProposalRequest(
            id=citizen.id, criterion=pb.CRITERION_PUBLIC_BENEFIT, score=50, opinion="x"),
            role="department", region=COUNTY_A, subject="财政局")
        assert err.code() == IA and err.details().startswith("criterion:")
        err = w.b.error("ReviewProposal", pb.ReviewProposalRequest(
            id=citizen.id, criterion=pb.CRITERION_PUBLIC_BENEFIT, score=10, opinion="改主意了"),
            role="deputy", region=COUNTY_A, subject=expert.id)
        assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    plain = w.deputy(COUNTY_A, specialties=())
    w.known(plain.id)
    with w.expect_no_writes():
        err = w.b.error("ReviewProposal", pb.ReviewProposalRequest(
            id=citizen.id, criterion=pb.CRITERION_EFFECTIVENESS, score=60, opinion="x"),
            role="deputy", region=COUNTY_A, subject=plain.id)
    assert err.code() == FP and "specialty" in err.details()
    # The office enters a paper review, naming the department.
    w.b.call("ReviewProposal", pb.ReviewProposalRequest(
        id=dept.id, criterion=pb.CRITERION_COMPLIANCE, score=88, opinion="符合规划", reviewer_kind=pb.REVIEWER_KIND_DEPARTMENT,
        reviewer="自然资源局"), **STAFF)

    # Duplicates merged: they stay, pointing at the survivor, whose supporters add theirs.
    with w.expect_events("ProposalsMerged"):
        survivor = w.b.call("MergeProposals", pb.MergeProposalsRequest(
            survivor_id=offline.id, duplicate_ids=[dup1.id, dup2.id], note="同一路段"), **STAFF)
    assert survivor.supporters == offline.supporters + dup1.supporters + dup2.supporters
    merged = w.b.call("GetProposal", pb.GetProposalRequest(id=dup1.id), **STAFF)
    assert (merged.status, merged.merged_into) == (pb.PROPOSAL_STATUS_MERGED, offline.id)
    with w.expect_no_writes():
        err = w.b.error("ShortlistProposal", pb.ShortlistProposalRequest(id=dup2.id, shortlisted=True), **STAFF)
    assert err.code() == FP and "merged" in err.details()

    # The shortlist, then the committee's list: 4 candidates for 4 seats is no differential ballot.
    short = [citizen, mine, dept, survivor]
    with w.expect_events(*["ProposalShortlisted"] * 4):
        for p in short:
            w.b.call("ShortlistProposal", pb.ShortlistProposalRequest(id=p.id, shortlisted=True), **STAFF)
    assert w.b.public("TrackProposal", pb.TrackProposalRequest(tracking_code=sub.tracking_code)).status == \
        pb.PROPOSAL_STATUS_SHORTLISTED
    with w.expect_no_writes():   # a candidate must be shortlisted
        err = w.b.error("FixCandidates", pb.FixCandidatesRequest(
            id=c.id, seats=1, session_date="2099-01-15",
            candidates=[pb.CandidateEntry(proposal_id=dup1.id, funding_source="县级财政")]), **STAFF)
    assert err.code() == FP and err.details().startswith("candidates[0].proposal_id:")
    with w.expect_events("CampaignPhaseChanged", "CandidatesFixed"):
        c = w.fix(c, 4, short)
    assert (c.phase, c.seats, c.min_candidates, c.surplus_met, c.session_date) == (
        pb.PHASE_CANDIDATES_FIXED, 4, 5, False, "2099-01-15")
    assert [x.priority for x in c.candidates] == [1, 2, 3, 4] and c.candidates[0].funding_source == "县级财政"
    assert c.candidates[0].title == "北京南路加装路灯" and c.candidates[0].investment_fen == 123456789
    fixed = ev.CandidatesFixed.FromString(w.b_rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.balloting.v1.CandidatesFixed'")[-1][0])
    assert (fixed.seats, len(fixed.candidates), fixed.region_code) == (4, 4, COUNTY_A)
    for method, request in (("OpenSession", pb.OpenSessionRequest(id=c.id)), ("OpenBallot", pb.OpenBallotRequest(
            id=c.id))):   # neither the session nor the ballot opens
        with w.expect_no_writes():
            err = w.b.error(method, request, **STAFF)
        assert err.code() == FP and "at least 5" in err.details()
    # Three seats of four candidates: ⌈3 × 1.25⌉ = 4, the ballot opens.
    c = w.fix(c, 3, short)
    assert (c.min_candidates, c.surplus_met) == (4, True)
    with w.expect_events("CampaignPhaseChanged"):   # the session itself publishes nothing
        c = w.open_ballot(c, note="第十五届人大常委会第二次会议")
    assert c.phase == pb.PHASE_BALLOT and [s.action for s in c.steps] == [
        "created", "call_closed", "proposals_merged", *["proposal_shortlisted"] * 4, "candidates_fixed",
        "candidates_fixed", "session_opened", "ballot_opened"]
    assert w.b.public("TrackProposal", pb.TrackProposalRequest(tracking_code=sub.tracking_code)).campaign_phase == \
        pb.PHASE_BALLOT
    # Once the ballot is open the list is fixed.
    with w.expect_no_writes():
        assert w.b.error("FixCandidates", pb.FixCandidatesRequest(
            id=c.id, seats=1, session_date="2099-01-15",
            candidates=[pb.CandidateEntry(proposal_id=citizen.id, funding_source="x")]), **STAFF).code() == FP


@pytest.mark.parametrize("seats, count, region, level", [
    (30, 40, COUNTY_A, rpb.LEVEL_COUNTY),            # the county's 30 of 40
    (80, 105, TOWNSHIP_A, rpb.LEVEL_TOWNSHIP),       # the townships' 80 of 105 (in one town here)
    (32, 43, SUBDISTRICT, rpb.LEVEL_DELIBERATION),   # the sub-districts' 32 of 43, by 议事代表
])
def test_the_seeds_ballots_open(world, seats, count, region, level):
    w = world
    voter = w.deputy(region, levels=(level,))
    w.known(voter.id)
    c = w.campaign(region)
    proposals = w.shortlisted(c, count)
    c = w.fix(c, seats, proposals)
    assert c.surplus_met and c.min_candidates <= count
    assert w.open_ballot(c).phase == pb.PHASE_BALLOT


def test_ten_seats_need_thirteen_candidates_and_a_region_may_ask_more(world):
    w = world
    w.known(w.deputy(COUNTY_A).id)
    c = w.campaign(COUNTY_A)
    proposals = w.shortlisted(c, 14)
    c = w.fix(c, 10, proposals[:12])
    with w.expect_no_writes():
        err = w.b.error("OpenSession", pb.OpenSessionRequest(id=c.id), **STAFF)
    assert err.code() == FP and "12 candidates for 10 seats" in err.details() and "at least 13" in err.details()
    c = w.fix(c, 10, proposals[:13])
    assert w.open_ballot(c).phase == pb.PHASE_BALLOT

    # 阜康市 demands 差额 of 40%: its campaigns need 14 for 10 seats; a campaign may not ask less.
    w.known(w.deputy(COUNTY_B).id)
    rules = w.b.call("SetBallotRules", pb.SetBallotRulesRequest(rules=pb.BallotRules(
        region_code=COUNTY_B, min_surplus_percent=40, quorum_percent=50,
        adoption_base=pb.ADOPTION_BASE_ALL_ELIGIBLE)), **STAFF)
    assert (rules.min_surplus_percent, rules.inherited) == (40, False)
    below = w.b.call("GetBallotRules", pb.GetBallotRulesRequest(region_code="652302100"), **STAFF)
    assert (below.min_surplus_percent, below.inherited) == (40, True)
    with w.expect_no_writes():
        err = w.b.error("SetBallotRules", pb.SetBallotRulesRequest(rules=pb.BallotRules(
            region_code=COUNTY_B, min_surplus_percent=20, quorum_percent=50,
            adoption_base=pb.ADOPTION_BASE_ALL_ELIGIBLE)), **STAFF)
    assert err.code() == IA and err.details().startswith("rules.min_surplus_percent:")
    with w.expect_no_writes():
        err = w.b.error("CreateCampaign", pb.CreateCampaignRequest(
            region_code=COUNTY_B, year=w.next_year(), title="t", min_surplus_percent=30), **STAFF)
    assert err.code() == IA and err.details().startswith("min_surplus_percent:")
    b = w.campaign(COUNTY_B)
    assert b.min_surplus_percent == 40
    proposals = w.shortlisted(b, 14)
    b = w.fix(b, 10, proposals[:13])
    assert (b.min_candidates, b.surplus_met) == (14, False)
    assert w.b.error("OpenSession", pb.OpenSessionRequest(id=b.id), **STAFF).code() == FP
    b = w.fix(b, 10, proposals)
    assert w.open_ballot(b).phase == pb.PHASE_BALLOT


def test_one_campaign_per_region_and_year_and_retries_create_once(world):
    w = world
    year = w.next_year()
    key = str(uuid.uuid4())
    request = pb.CreateCampaignRequest(region_code=TOWNSHIP_A, year=year, title="三工镇民生实事", request_id=key)
    first = w.b.call("CreateCampaign", request, **STAFF)
    with w.expect_no_writes():
        assert w.b.call("CreateCampaign", request, **STAFF) == first
        err = w.b.error("CreateCampaign", pb.CreateCampaignRequest(region_code=TOWNSHIP_A, year=year, title="again"),
                        **STAFF)
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS and err.details().startswith("year:")
    submit = pb.SubmitPublicProposalRequest(region_code=TOWNSHIP_A, year=year, request_id=str(uuid.uuid4()),
                                            proposal=pb.NewProposal(title="村口修桥", category="交通"))
    code = w.b.public("SubmitPublicProposal", submit).tracking_code
    with w.expect_no_writes():
        assert w.b.public("SubmitPublicProposal", submit).tracking_code == code


def test_bad_input_names_the_field_and_writes_nothing(world):
    w = world
    c = w.campaign(COUNTY_A)
    good = pb.NewProposal(title="t", category="教育")
    offline = pb.Proposer(kind=pb.PROPOSER_KIND_OFFLINE, name="座谈会")
    cases = [
        ("CreateCampaign", pb.CreateCampaignRequest(region_code=COUNTY_A, year=1999, title="t"), "year"),
        ("CreateCampaign", pb.CreateCampaignRequest(region_code=COUNTY_A, year=2040), "title"),
        ("CreateCampaign", pb.CreateCampaignRequest(region_code="65230", year=2040, title="t"), "region_code"),
        ("CreateCampaign", pb.CreateCampaignRequest(region_code="410825", year=2040, title="t"), "region_code"),
        ("RecordProposal", pb.RecordProposalRequest(campaign_id="nope", proposal=good), "campaign_id"),
        ("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=good), "proposer"),
        ("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=pb.NewProposal(
            title="t", category="教育", investment_fen=-1), proposer=offline),
         "proposal.investment_fen"),
        ("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=pb.NewProposal(
            title="t", category="教育", investment_fen=10**15), proposer=offline),
         "proposal.investment_fen"),
        ("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=pb.NewProposal(category="教育"),
                                                    proposer=offline),
         "proposal.title"),
        ("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=pb.NewProposal(
            title="t", category="教育", location_region=COUNTY_B),
            proposer=pb.Proposer(kind=pb.PROPOSER_KIND_OFFLINE, name="座谈会")), "proposal.location_region"),
        ("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=good, proposer=pb.Proposer(
            kind=pb.PROPOSER_KIND_CITIZEN, phone="打电话")), "proposer.phone"),
        ("RecordProposal", pb.RecordProposalRequest(campaign_id=c.id, proposal=good, proposer=pb.Proposer(
            kind=9)), "proposer.kind"),
        ("SubmitPublicProposal", pb.SubmitPublicProposalRequest(region_code=COUNTY_A, year=c.year, proposal=pb.NewProposal(
            title="t", category="教育", supporters=-3)), "proposal.supporters"),
        ("SubmitPublicProposal", pb.SubmitPublicProposalRequest(region_code=COUNTY_A, year=c.year, proposal=good,
                                                                request_id="not-a-uuid"), "request_id"),
        ("TrackProposal", pb.TrackProposalRequest(tracking_code="0O1I"), "tracking_code"),
        ("FixCandidates", pb.FixCandidatesRequest(id=c.id, seats=1, session_date="2099-02-30", candidates=[
            pb.CandidateEntry(proposal_id=str(uuid.uuid4()), funding_source="x")]), "session_date"),
        ("FixCandidates", pb.FixCandidatesRequest(id=c.id, seats=0, session_date="2099-02-03", candidates=[
            pb.CandidateEntry(proposal_id=str(uuid.uuid4()), funding_source="x")]), "seats"),
        ("FixCandidates", pb.FixCandidatesRequest(id=c.id, seats=1, session_date="2099-02-03", candidates=[
            pb.CandidateEntry(proposal_id=str(uuid.uuid4()))]), "candidates[0].funding_source"),
        ("ReviewProposal", pb.ReviewProposalRequest(id=str(uuid.uuid4()), criterion=pb.CRITERION_COMPLIANCE,
                                                    score=101, opinion="x"), "score"),
        ("ListProposals", pb.ListProposalsRequest(campaign_id=c.id, page={"page_size": -1}), "page.page_size"),
        ("SetBallotRules", pb.SetBallotRulesRequest(rules=pb.BallotRules(
            region_code=COUNTY_A, min_surplus_percent=500, quorum_percent=50,
            adoption_base=pb.ADOPTION_BASE_ALL_ELIGIBLE)), "rules.min_surplus_percent"),
        ("SetBallotRules", pb.SetBallotRulesRequest(rules=pb.BallotRules(
            region_code=COUNTY_A, min_surplus_percent=25, quorum_percent=40,
            adoption_base=pb.ADOPTION_BASE_ALL_ELIGIBLE)), "rules.quorum_percent"),
    ]
    for method, request, field in cases:
        with w.expect_no_writes():
            who = {"token": None} if method in ("SubmitPublicProposal", "TrackProposal") else STAFF
            err = w.b.error(method, request, **who)
        assert err.code() == IA, (method, field, err.code(), err.details())
        assert err.details().startswith(f"{field}:"), (method, field, err.details())


def test_scope_a_township_clerk_and_a_citizen_see_only_theirs(world):
    w = world
    c = w.campaign(COUNTY_A)
    # A township's clerk is below the county: the county's campaign is not theirs.
    err = w.b.error("GetCampaign", pb.GetCampaignRequest(id=c.id), role="staff", region=TOWNSHIP_A)
    assert err.code() == grpc.StatusCode.NOT_FOUND and err.details().startswith("id:")
    err = w.b.error("CreateCampaign", pb.CreateCampaignRequest(region_code=COUNTY_A, year=2040, title="t"),
                    role="staff", region=COUNTY_B)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    # An unknown call looks like one of a region not served here.
    err = w.b.error("SubmitPublicProposal", pb.SubmitPublicProposalRequest(
        region_code=COUNTY_B, year=2100, proposal=pb.NewProposal(title="t", category="x")),
        token=None)
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = w.b.error("TrackProposal", pb.TrackProposalRequest(tracking_code="ABCDEFGHJKLM"), token=None)
    assert err.code() == grpc.StatusCode.NOT_FOUND
    listed = w.b.call("ListCampaigns", pb.ListCampaignsRequest(region_code=COUNTY_A, year=c.year),
                      role="auditor", region=PREFECTURE)
    assert [x.id for x in listed.campaigns] == [c.id]


def test_the_public_call_is_rate_limited_per_campaign(start_world):
    w = start_world(LIANXIN_PUBLIC_PROPOSALS_PER_CAMPAIGN_PER_HOUR="3")
    c = w.campaign(COUNTY_A)
    other = w.campaign(COUNTY_B)

    def submit(campaign):
        return pb.SubmitPublicProposalRequest(region_code=campaign.region_code, year=campaign.year,
                                              proposal=pb.NewProposal(title="修路", category="交通"))
    for _ in range(3):
        w.b.public("SubmitPublicProposal", submit(c))
    with w.expect_no_writes():
        err = w.b.error("SubmitPublicProposal", submit(c), token=None)
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert w.b.public("SubmitPublicProposal", submit(other)).tracking_code   # another call is not affected
