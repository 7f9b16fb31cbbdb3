"""The bad-input table: every RPC of every service (from the proto descriptors), each field of
its valid request (the isolation Case's, tests/kit/cases.py) broken as its type and name call
for (tests/kit/bad_input.py), on the real services (gRPC over sockets, PostgreSQL, roster and
liaison on one bus). Each bad request must be refused with INVALID_ARGUMENT (NOT_FOUND for a
well-formed id of no record) naming the field, and write nothing: no row added to, removed
from or changed in any table of the service's database, its outbox included. An RPC without a Spec here
fails, so a new RPC cannot escape; each valid request is finally sent as it is and answered
OK, so every bad request differed from a good one in the broken field alone.

Specific inputs from field reports that no field type predicts (reception hours that end
before they start, a committee member linked to themself, files) stay in the services' own
bad-input tests.
"""
from __future__ import annotations

import time

import grpc
import pytest
from kit.bad_input import (
    PREFERRED_CALLERS,
    Spec,
    changed,
    generate,
    table_state,
    unused_exemptions,
)
from kit.cases import BY_NAME, CASES, World, resolve, seed_world
from kit.isolation import OK, SERVICES, descriptor_methods, metadata, method_descriptor

SERVICE_BY_NAME = {s.name: s for s in SERVICES}

# ---- what the field types cannot know, per RPC ------------------------------------------------

OUTPUT_ONLY = "output only: the server sets it and ignores what a request sends (AIP-203)"
RESOURCE_OUTPUT = {
    "lianxin.roster.v1.Deputy.card_code": OUTPUT_ONLY,
    "lianxin.roster.v1.Deputy.status_history": OUTPUT_ONLY,
    "lianxin.roster.v1.Deputy.created_at": OUTPUT_ONLY,
    "lianxin.roster.v1.Deputy.updated_at": OUTPUT_ONLY,
    "lianxin.roster.v1.Venue.deputy_count": OUTPUT_ONLY,
    "lianxin.roster.v1.Venue.created_at": OUTPUT_ONLY,
    "lianxin.roster.v1.ContactLimits.inherited": OUTPUT_ONLY,
    "lianxin.liaison.v1.Activity.recorded_by": OUTPUT_ONLY,
    "lianxin.liaison.v1.Activity.on_schedule": OUTPUT_ONLY,
    "lianxin.liaison.v1.Activity.created_at": OUTPUT_ONLY,
    "lianxin.liaison.v1.Activity.recorder_name": OUTPUT_ONLY,
    "lianxin.identity.v1.Account.status": OUTPUT_ONLY,
    "lianxin.identity.v1.Account.must_change_password": OUTPUT_ONLY,
    "lianxin.identity.v1.Account.locked_until": OUTPUT_ONLY,
    "lianxin.identity.v1.Account.created_at": OUTPUT_ONLY,
    "lianxin.identity.v1.Account.last_sign_in_at": OUTPUT_ONLY,
    "lianxin.identity.v1.Account.created_by": OUTPUT_ONLY,
    "lianxin.balloting.v1.BallotRules.inherited": OUTPUT_ONLY,
    "lianxin.evaluation.v1.FundingStandards.inherited": OUTPUT_ONLY,
    "lianxin.evaluation.v1.FundingStandards.source_region": OUTPUT_ONLY,
    **{f"lianxin.evaluation.v1.Spending.{name}": OUTPUT_ONLY
       for name in ("amount_yuan", "over_fen", "flagged", "recorded_by", "recorded_by_name", "recorded_at",
                    "budget_kind", "holder_name", "region_code", "over_yuan")},
}
CREATED_ID = "output only on a create: the server names the new record"


# Supervision holds no roster: an inspection's participant is taken as the deputy the id names,
# and evaluation credits only ids its directory knows as deputies of the inspection's branch.
UNCHECKED_PARTICIPANT = ("deputies are the roster's: a participant's id no deputy of the inspection's branch holds "
                         "earns nothing where points are counted")


def spec(**kw) -> Spec:
    exempt = {**RESOURCE_OUTPUT, **kw.pop("exempt", {})}
    return Spec(exempt=exempt, **kw)


REGION_DEFAULT = "empty is the caller's own region"
THIS_YEAR = "0 is this year (China)"
CLEARED = "an update may clear it: the field is optional"
SPECS: dict[tuple[str, str], Spec] = {
    # ---- roster
    ("roster", "RegisterDeputy"): spec(exempt={"deputy.id": CREATED_ID}),
    ("roster", "GetDeputy"): spec(),
    ("roster", "UpdateDeputy"): spec(optional={"deputy.position": CLEARED}),
    ("roster", "ChangeDeputyStatus"): spec(),
    ("roster", "ListDeputies"): spec(optional={"region_code": REGION_DEFAULT}),
    ("roster", "CreateVenue"): spec(exempt={"venue.id": CREATED_ID}),
    ("roster", "GetVenue"): spec(),
    ("roster", "UpdateVenue"): spec(optional={"venue.address": CLEARED}),
    ("roster", "ListVenues"): spec(optional={"region_code": REGION_DEFAULT}),
    ("roster", "AssignDeputyToVenue"): spec(),
    ("roster", "RemoveDeputyFromVenue"): spec(),
    ("roster", "ListDeputyVenues"): spec(),
    ("roster", "GroupDeputiesIntoVenues"): spec(optional={"region_code": REGION_DEFAULT}),
    ("roster", "LinkCommitteeMember"): spec(),
    ("roster", "UnlinkCommitteeMember"): spec(),
    ("roster", "ListCommitteeLinks"): spec(),
    ("roster", "AddVoterHousehold"): spec(exempt={"household.id": CREATED_ID}),
    ("roster", "RemoveVoterHousehold"): spec(),
    ("roster", "ListVoterHouseholds"): spec(),
    ("roster", "GetContactLimits"): spec(),
    ("roster", "SetContactLimits"): spec(),
    ("roster", "UpdateCard"): spec(optional={"card.pledge": "a deputy may withdraw the pledge"}),
    ("roster", "GetPublicCard"): spec(),
    ("roster", "GetCardQrCode"): spec(),
    ("roster", "ImportRoster"): spec(),
    ("roster", "ExportRoster"): spec(optional={"region_code": REGION_DEFAULT}),
    # ---- liaison
    ("liaison", "SubmitPublicOpinion"): spec(),
    ("liaison", "RecordOpinion"): spec(optional={
        "deputy_id": "an opinion may be raised to the office itself (a hotline call) or at a venue"}),
    ("liaison", "GetOpinion"): spec(),
    ("liaison", "ListOpinions"): spec(optional={"region_code": REGION_DEFAULT}),
    ("liaison", "AcceptOpinion"): spec(),
    ("liaison", "RejectOpinion"): spec(),
    ("liaison", "AnswerOpinion"): spec(),
    ("liaison", "TransferOpinion"): spec(),
    ("liaison", "ReplyToTransfer"): spec(),
    ("liaison", "ConcludeOpinion"): spec(),
    ("liaison", "EscalateOpinion"): spec(),
    ("liaison", "GiveFeedback"): spec(),
    ("liaison", "CloseOpinion"): spec(),
    ("liaison", "TrackOpinion"): spec(),
    ("liaison", "RateOpinion"): spec(),
    ("liaison", "RecordActivity"): spec(exempt={"activity.id": CREATED_ID}, optional={
        "activity.deputy_ids": "an office may record a meeting or campaign without naming who came; "
                               "a deputy's own record names the deputy"}),
    ("liaison", "GetActivity"): spec(),
    ("liaison", "ListActivities"): spec(optional={"region_code": REGION_DEFAULT}),
    ("liaison", "ExportRegister"): spec(),
    ("liaison", "GetStatistics"): spec(optional={"region_code": REGION_DEFAULT}),
    # ---- balloting
    ("balloting", "GetBallotRules"): spec(),
    ("balloting", "SetBallotRules"): spec(),
    ("balloting", "CreateCampaign"): spec(),
    ("balloting", "GetCampaign"): spec(),
    ("balloting", "ListCampaigns"): spec(optional={"region_code": REGION_DEFAULT}),
    ("balloting", "CloseCall"): spec(),
    ("balloting", "FixCandidates"): spec(),
    ("balloting", "OpenBallot"): spec(),
    ("balloting", "SubmitPublicProposal"): spec(),
    ("balloting", "TrackProposal"): spec(),
    ("balloting", "RecordProposal"): spec(exempt={
        "proposer.id: unknown": "an offline proposal names no one: any id is INVALID_ARGUMENT, not NOT_FOUND"}),
    ("balloting", "GetProposal"): spec(),
    ("balloting", "ListProposals"): spec(),
    ("balloting", "ReviewProposal"): spec(),
    ("balloting", "MergeProposals"): spec(),
    ("balloting", "ShortlistProposal"): spec(),
    ("balloting", "ListEligibleVoters"): spec(),
    ("balloting", "OpenSession"): spec(),
    ("balloting", "CheckIn"): spec(),
    ("balloting", "NameTellers"): spec(),
    ("balloting", "CastBallot"): spec(),
    ("balloting", "IssuePaperBallot"): spec(),
    ("balloting", "EnterPaperBallot"): spec(),
    ("balloting", "CloseBallot"): spec(),
    ("balloting", "PublishResult"): spec(),
    ("balloting", "GetPublicResult"): spec(),
    ("balloting", "GetStatistics"): spec(optional={"region_code": REGION_DEFAULT}),
    # ---- supervision
    ("supervision", "CreateProject"): spec(optional={"description": "a project may have no description",
                                                     "tasks": "the task list may come later",
                                                     "milestones": "the plan may come later"}),
    ("supervision", "GetProject"): spec(),
    ("supervision", "ListProjects"): spec(optional={"region_code": REGION_DEFAULT}),
    ("supervision", "SetProjectPlan"): spec(optional={
        "note": "a change may go without a note", "tasks": "a plan may have no task list (yet)",
        "milestones": "a plan may have no milestones (yet)",
        "milestones[0].id": "empty names a new milestone; an id keeps an existing one"}),
    ("supervision", "ReportProgress"): spec(optional={"evidence": "a report may go without notes",
                                                      "attachments": "a report may go without attachments"}),
    ("supervision", "GetProgramme"): spec(optional={"region_code": REGION_DEFAULT}),
    ("supervision", "ScheduleInspection"): spec(optional={
        "project_id": "an inspection may cover no one project",
        "participants": "who takes part may be named when it is recorded",
        "participants[0].deputy_id": "empty: not a deputy (an expert, an official), named only"},
        exempt={"participants[0].deputy_id: unknown": UNCHECKED_PARTICIPANT}),
    ("supervision", "RecordInspection"): spec(optional={
        "participants": "empty keeps those named when it was scheduled",
        "participants[0].deputy_id": "empty: not a deputy (an expert, an official), named only",
        "findings": "an inspection may record no findings beyond its problems",
        "problems": "an inspection may find no problem"},
        exempt={"participants[0].deputy_id: unknown": UNCHECKED_PARTICIPANT}),
    ("supervision", "SolveProblem"): spec(),
    ("supervision", "GetInspection"): spec(),
    ("supervision", "ListInspections"): spec(optional={"region_code": REGION_DEFAULT}),
    ("supervision", "GetInspectionCounts"): spec(optional={"region_code": REGION_DEFAULT}),
    ("supervision", "ListLetters"): spec(optional={"region_code": REGION_DEFAULT}),
    ("supervision", "GetLetter"): spec(),
    ("supervision", "SubmitItem"): spec(
        optional={"requested_kind": "the deputy may leave the kind to the office",
                  "co_signer_ids": "a suggestion needs no co-signer"},
        exempt={"co_signer_ids[0]: unknown": "deputies are the roster's: an invitation of an id no deputy holds "
                                                "is never signed, and counts for nothing"}),
    ("supervision", "CoSignItem"): spec(caller="deputy_other"),
    ("supervision", "RegisterItem"): spec(optional={"note": "a registration may go without a note"}),
    ("supervision", "AssignItem"): spec(optional={"deadline": "empty: the region's handling months from today"}),
    ("supervision", "RecordFourInPlace"): spec(),
    ("supervision", "RecordItemMeeting"): spec(optional={"notes": "a meeting may be recorded without notes"}),
    ("supervision", "ReplyItem"): spec(),
    ("supervision", "RateItemReply"): spec(optional={"comment": "a rating may go without a comment"}),
    ("supervision", "GetItem"): spec(),
    ("supervision", "ListItems"): spec(optional={"region_code": REGION_DEFAULT}),
    ("supervision", "GetItemRules"): spec(optional={"region_code": REGION_DEFAULT}),
    ("supervision", "SetItemRules"): spec(),
    ("supervision", "RequestOrganMeeting"): spec(),
    ("supervision", "ArrangeOrganMeeting"): spec(),
    ("supervision", "RecordOrganMeeting"): spec(),
    ("supervision", "CompleteOrganMeetingFollowUp"): spec(),
    ("supervision", "GetOrganMeeting"): spec(),
    ("supervision", "ListOrganMeetings"): spec(optional={"region_code": REGION_DEFAULT}),
    # ---- evaluation: the satisfaction vote
    ("evaluation", "ListYearProjects"): spec(optional={"region_code": REGION_DEFAULT}),
    ("evaluation", "SetSatisfactionRules"): spec(exempt={"rules.inherited_from": "output only"}),
    ("evaluation", "GetSatisfactionRules"): spec(optional={"region_code": REGION_DEFAULT}),
    ("evaluation", "OpenSatisfactionVote"): spec(optional={"title": "empty takes the year's usual title"}),
    ("evaluation", "GetSatisfactionVote"): spec(),
    ("evaluation", "ListSatisfactionVotes"): spec(optional={"region_code": REGION_DEFAULT}),
    ("evaluation", "CastSatisfactionBallot"): spec(caller="deputy_own"),
    ("evaluation", "CloseSatisfactionVote"): spec(),
    ("evaluation", "PublishSatisfactionResult"): spec(),
    ("evaluation", "GetPublicSatisfactionResult"): spec(),
    ("evaluation", "ListRectifications"): spec(optional={"region_code": REGION_DEFAULT,
                                                         "year": "0 lists every year"}),
    ("evaluation", "GetRectification"): spec(),
    ("evaluation", "SubmitRectificationPlan"): spec(),
    ("evaluation", "CompleteRectification"): spec(),
    ("evaluation", "OpenInquiry"): spec(),
    ("evaluation", "RecordInquiryAnswers"): spec(optional={"follow_up": "the follow-up may come later"}),
    ("evaluation", "ListInquiries"): spec(optional={"region_code": REGION_DEFAULT,
                                                    "rectification_id": "empty lists every inquiry"}),
    # ---- evaluation: deputies' performance
    ("evaluation", "SetPerformanceRules"): spec(
        optional={"rules.caps": "a kind without a cap is not capped",
                  "rules.weights": "a level without a weight weighs 1"},
        exempt={"rules.id": OUTPUT_ONLY, "rules.number": OUTPUT_ONLY, "rules.created_by": OUTPUT_ONLY,
                "rules.created_at": OUTPUT_ONLY}),
    ("evaluation", "GetPerformanceRules"): spec(optional={"region_code": REGION_DEFAULT}),
    ("evaluation", "ListPerformanceRules"): spec(optional={"region_code": REGION_DEFAULT}),
    ("evaluation", "GetPerformanceFile"): spec(),
    ("evaluation", "GetAnnualReport"): spec(),
    ("evaluation", "GetRanking"): spec(optional={"region_code": REGION_DEFAULT}),
    ("evaluation", "PublishRanking"): spec(optional={"region_code": REGION_DEFAULT}),
    ("evaluation", "ListPerformanceFlags"): spec(optional={"region_code": REGION_DEFAULT,
                                                           "as_of": "empty is today"}),
    ("evaluation", "RecordConstituentReport"): spec(optional={"title": "empty takes 向原选区选民述职"}),
    ("evaluation", "RecomputePerformance"): spec(optional={"region_code": REGION_DEFAULT}),
    # ---- evaluation: activity funding and the roll-up
    ("evaluation", "GetFundingStandards"): spec(optional={"region_code": REGION_DEFAULT, "year": THIS_YEAR}),
    ("evaluation", "SetFundingStandards"): spec(),
    ("evaluation", "AllocateBudgets"): spec(),
    ("evaluation", "ListBudgets"): spec(optional={"region_code": REGION_DEFAULT, "year": THIS_YEAR,
                                                  "kind": "UNSPECIFIED lists both kinds of budget"}),
    ("evaluation", "GetBudget"): spec(),
    ("evaluation", "RecordSpending"): spec(exempt={"spending.id": CREATED_ID}),
    ("evaluation", "ListSpending"): spec(optional={"region_code": REGION_DEFAULT, "year": THIS_YEAR,
                                                   "budget_id": "empty lists every budget's spending"}),
    ("evaluation", "GetFundingReport"): spec(optional={"region_code": REGION_DEFAULT, "year": THIS_YEAR}),
    ("evaluation", "ExportFundingReport"): spec(optional={"region_code": REGION_DEFAULT, "year": THIS_YEAR}),
    ("evaluation", "GetRollup"): spec(optional={"region_code": REGION_DEFAULT, "year": THIS_YEAR}),
    ("supervision", "AnswerLetter"): spec(optional={"answered_on": "empty: the day it is recorded (today, China)"}),
    ("supervision", "GetSupervisionStatistics"): spec(optional={"region_code": REGION_DEFAULT}),
    # ---- identity
    ("identity", "SignIn"): spec(),
    ("identity", "ChangePassword"): spec(),
    ("identity", "RefreshToken"): spec(),
    ("identity", "SignOut"): spec(),
    ("identity", "CreateAccount"): spec(exempt={"account.id": CREATED_ID}),
    ("identity", "ImportAccounts"): spec(optional={"region_code": REGION_DEFAULT}),
    ("identity", "GetAccount"): spec(),
    ("identity", "ListAccounts"): spec(optional={"region_code": REGION_DEFAULT}),
    ("identity", "ResetPassword"): spec(),
    ("identity", "LockAccount"): spec(),
    ("identity", "UnlockAccount"): spec(),
    ("identity", "DisableAccount"): spec(),
    ("identity", "ListAuditEvents"): spec(optional={"region_code": REGION_DEFAULT}),
    ("identity", "LinkExternalSubject"): spec(),
}


def rpcs() -> list[tuple[str, str]]:
    """Every RPC of every service whose request has a field (one without has nothing to break)."""
    out = []
    for s in SERVICES:
        for _, method in descriptor_methods(s.pb2):
            if method_descriptor(s.pb2, s.full_name, method).input_type.fields:
                out.append((s.name, method))
    return out


RPCS = rpcs()
COUNTS: dict[tuple[str, str], int] = {}   # bad requests sent per RPC, reported at the end


def test_every_rpc_with_a_request_field_has_a_spec():
    missing = [f"{s}.{m}" for s, m in RPCS if (s, m) not in SPECS]
    assert not missing, f"RPCs without a bad-input Spec (tests/bad_input/test_bad_input_matrix.py): {missing}"
    stale = [f"{s}.{m}" for s, m in SPECS if (s, m) not in RPCS]
    assert not stale, f"Specs of RPCs that do not exist: {stale}"


# ---- the running world -------------------------------------------------------------------

class Bases:
    """Per RPC: the caller and the valid request the bad ones are made from, built from the
    world once (a refused request changes nothing, so one serves every case of the RPC)."""

    def __init__(self, world: World):
        self.world = world
        self.built: dict[tuple[str, str], tuple] = {}

    def caller(self, service: str, method: str):
        s = SPECS[(service, method)]
        case = CASES[(service, method)][s.case]
        name = s.caller or next((c for c in PREFERRED_CALLERS if c in case.ok), "")
        assert name, f"{service}.{method}: no caller of {PREFERRED_CALLERS} is answered OK; set Spec.caller"
        return resolve(BY_NAME[name], self.world)

    def get(self, service: str, method: str):
        if (service, method) not in self.built:
            who = self.caller(service, method)
            request = CASES[(service, method)][SPECS[(service, method)].case].request(self.world, who)
            self.built[(service, method)] = (who, request)
        return self.built[(service, method)]


def settle(world: World, timeout: float = 30.0) -> None:
    """Waits until every outbox row is relayed and the consumers are done: no table of any
    service changes for a while."""
    engines = [s.engine for s in world.by_name.values()]
    deadline = time.monotonic() + timeout
    last, stable = None, 0
    while stable < 3:
        assert time.monotonic() < deadline, "the services did not settle"
        now = [table_state(e) for e in engines]
        stable = stable + 1 if now == last else 0
        last = now
        time.sleep(0.15)


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory) -> World:
    return seed_world(start_service, tmp_path_factory)


@pytest.fixture(scope="module")
def bases(world) -> Bases:
    b = Bases(world)
    for service, method in RPCS:
        if (service, method) in SPECS and (service, method) in CASES:
            b.get(service, method)
    settle(world)
    return b


def _send(world: World, service: str, method: str, payload: bytes, who) -> tuple[grpc.StatusCode, str]:
    """Sends a serialized request; (status, details)."""
    server = world.by_name[service]
    rpc = server.channel.unary_unary(f"/{SERVICE_BY_NAME[service].full_name}/{method}",
                                     request_serializer=bytes, response_deserializer=bytes)
    try:
        rpc(payload, metadata=metadata(who, server.settings.jwt_secret), timeout=30)
    except grpc.RpcError as e:
        return e.code(), e.details() or ""
    return grpc.StatusCode.OK, ""


@pytest.mark.parametrize("service,method", RPCS, ids=[f"{s}.{m}" for s, m in RPCS])
def test_bad_requests_are_refused_naming_the_field_and_write_nothing(world, bases, service, method):
    assert (service, method) in SPECS, f"{service}.{method} has no bad-input Spec"
    assert (service, method) in CASES, f"{service}.{method} has no isolation Case (tests/kit/cases.py)"
    who, base = bases.get(service, method)
    cases = generate(base, SPECS[(service, method)])
    COUNTS[(service, method)] = len(cases)
    assert cases, f"{service}.{method}: no bad request derived from its fields"
    engine = world.by_name[service].engine
    failures = []
    state = table_state(engine)
    for case in cases:
        payload = case.payload(base)
        before = state   # what the last case left (nothing, unless it failed)
        got, details = _send(world, service, method, payload, who)
        state = table_state(engine)
        written = changed(before, state)
        if got != case.code or not case.names_field(details):
            failures.append(f"{case.label}: {got.name} ({details[:200]}), expected {case.code.name} naming "
                            f"{' or '.join(case.named or (case.path,))}")
        if written:
            failures.append(f"{case.label}: wrote {written}")
        if got == OK:   # the base may have been used up: build a fresh one
            bases.built.pop((service, method), None)
            who, base = bases.get(service, method)
            settle(world)
            state = table_state(engine)
    assert not failures, f"{service}.{method}, {len(failures)} of {len(cases)} bad requests:\n" + "\n".join(failures)


@pytest.mark.parametrize("service,method", RPCS, ids=[f"{s}.{m}" for s, m in RPCS])
def test_specs_name_only_fields_that_exist(bases, service, method):
    _, base = bases.get(service, method)
    s = SPECS[(service, method)]
    own = Spec(caller=s.caller, case=s.case, optional=s.optional,
               exempt={k: v for k, v in s.exempt.items() if k not in RESOURCE_OUTPUT})
    assert not unused_exemptions(base, own)


def test_the_valid_requests_are_answered(world, bases):
    """Sent last: each valid request as it is is OK, so each bad one failed for its broken field."""
    refused, wrote = [], {}
    for service, method in RPCS:
        who, base = bases.get(service, method)
        before = table_state(world.by_name[service].engine)
        got, details = _send(world, service, method, base.SerializeToString(), who)
        wrote[(service, method)] = changed(before, table_state(world.by_name[service].engine))
        if got != OK:
            refused.append(f"{service}.{method}: {got.name} {details}")
    assert not refused
    # The check of "nothing written" sees writes: new rows, and a change to a row in place.
    was, _, now, _ = wrote[("roster", "RegisterDeputy")]["deputies"].split()   # "n -> n+1 rows"
    assert int(now) == int(was) + 1
    assert wrote[("roster", "UpdateDeputy")]["deputies"] == "rows changed"
    assert wrote[("liaison", "RecordOpinion")] and wrote[("identity", "CreateAccount")]



def test_how_many_bad_requests_each_service_got():
    """The table's size per service (shown with ``pytest -rP``); every RPC that ran had some."""
    per_service: dict[str, int] = {}
    for (service, _), n in COUNTS.items():
        per_service[service] = per_service.get(service, 0) + n
    print("bad requests per service:", ", ".join(f"{s} {n}" for s, n in per_service.items()),
          f"(total {sum(per_service.values())} over {len(COUNTS)} RPCs)")
    assert all(COUNTS.values())


def test_the_kit_derives_each_kind_of_case_from_the_field_types():
    """Without servers: what the kit makes of a list request with every kind of field."""
    from kit.bad_input import INVALID, NOT_FOUND
    from lianxin.liaison.v1 import liaison_pb2 as lpb

    base = lpb.ListOpinionsRequest(region_code="652301", status=lpb.OPINION_STATUS_RAISED,
                                   deputy_id="7c9e6679-7425-40de-944b-e07fc1f90ae7")
    made = {c.label: c for c in generate(base, Spec(optional={"status": "a filter"}))}
    for label in ("deputy_id: not a UUID", "deputy_id: empty", "region_code: not in the region tree",
                  "region_code: empty", "status: unknown number", "raised_from: after 9999-12-31",
                  "raised_to: nanos negative", "page.page_size: negative size", "page.page_token: forged token",
                  "department: NUL", "department: control character", "department: 10000 characters"):
        assert made[label].code == INVALID, label
    assert made["deputy_id: unknown"].code == NOT_FOUND
    assert "status: UNSPECIFIED" not in made                     # optional: UNSPECIFIED is no filter
    assert made["deputy_id: not a UUID"].names_field("deputy_id: is not a valid id")
    assert not made["deputy_id: not a UUID"].names_field("region_code: is required")


def test_an_undecodable_request_tells_a_caller_without_a_token_nothing(world):
    """The edge authenticates before it looks at what did not decode."""
    server = world.by_name["roster"]
    rpc = server.channel.unary_unary("/lianxin.roster.v1.RosterService/GetDeputy",
                                     request_serializer=bytes, response_deserializer=bytes)
    gbk_id = b"\x0a\x04" + "张三".encode("gbk")
    for md, code in (((), grpc.StatusCode.UNAUTHENTICATED),
                     (server.md("staff", "652301"), grpc.StatusCode.INVALID_ARGUMENT)):
        try:
            rpc(gbk_id, metadata=md, timeout=30)
        except grpc.RpcError as e:
            assert e.code() == code, e.details()
            assert ("id: is not UTF-8" in e.details()) == (code == grpc.StatusCode.INVALID_ARGUMENT)
        else:
            raise AssertionError("an undecodable request was answered")
