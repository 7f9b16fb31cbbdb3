"""The platform's request cases, shared by the isolation matrix and the bad-input table:
the seeded world (every service started, records in county 652301 (昌吉市) and its sibling
652302 (阜康市)), the callers around those records, and per RPC one or more ``Case``: how to
build a valid request from the world and who is answered what.

A new RPC adds its ``Case`` here (tests/isolation fails until it does); the bad-input table
(tests/bad_input) mutates that same request field by field, so it needs no second request,
only its entry in tests/bad_input's SPECS.
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import replace
from datetime import datetime, timezone

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp
from lianxin.balloting.v1 import balloting_pb2 as bpb
from lianxin.common.v1 import common_pb2
from lianxin.evaluation.v1 import satisfaction_pb2 as epb
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as spb

from kit import funding_cases, performance_cases, satisfaction_cases
from kit.isolation import NF, PD, SERVICES, Caller, Case, callers
from kit.settings import COUNTY_A, COUNTY_B, OTHER_COUNTY, OTHER_PREFECTURE, PREFECTURE, TOWNSHIP_A, TOWNSHIP_A2
from services.roster import sheets
from services.supervision.letters import Letters
from shared.clock import china_today, frozen

OUTSIDE = "999999"          # a well-formed code that is not in the region tree
DEPT = "dept-water"         # a department of 652301 (the cases are transferred to it)
SEEDER = {"role": "staff", "region": PREFECTURE, "subject": "clerk-seed"}

CALLERS = callers(own=COUNTY_A, child=TOWNSHIP_A, parent=PREFECTURE, sibling=COUNTY_B,
                  other_prefecture=OTHER_PREFECTURE, other_county=OTHER_COUNTY, outside=OUTSIDE,
                  department=DEPT, own_deputy="@A1", other_deputy="@A2")
BY_NAME = {c.name: c for c in CALLERS}
# Valid tokens of regions the deployment serves (home 652300); the others are refused on
# every RPC by the kit's rule (Caller.served).
VALID = frozenset(c.name for c in CALLERS if c.token == "valid" and c.served)
EVERYONE = VALID | {"public"}

# Callers grouped as the cases use them (the records named are 652301's).
WRITERS = frozenset({"own", "parent", "committee", "system"})
READERS = WRITERS | {"auditor", "dept_own", "dept_other", "deputy_own", "deputy_other"}
CONTACT_READERS = frozenset({"own", "parent", "auditor", "committee", "system"})
NOT_WRITERS = frozenset({"auditor", "dept_own", "dept_other", "dept_elsewhere", "deputy_own", "deputy_other",
                         "deputy_elsewhere"})
DEPARTMENTS = frozenset({"dept_own", "dept_other", "dept_elsewhere"})
DEPUTIES = frozenset({"deputy_own", "deputy_other"})
# The own deputy's id in a 652302 token: the deputy role, but no deputy of that region, so it
# owns nothing (the roster and liaison resolve the deputy inside the token's region).
ELSEWHERE = "deputy_elsewhere"
DEPUTY_ROLE = DEPUTIES | {ELSEWHERE}


def role_refused(names) -> dict:
    return {n: PD for n in names}


# ---- the seeded world -------------------------------------------------------------------

class World:
    def __init__(self, roster, liaison, others):
        self.roster, self.liaison, self.others = roster, liaison, others
        self.by_name = {"roster": roster, "liaison": liaison, **others}
        self.seq = 0
        self.year = 2000

    def next(self) -> int:
        self.seq += 1
        return self.seq

    def r(self, method: str, request, **who):
        return self.roster.call(method, request, **(who or SEEDER))

    def l(self, method: str, request, **who):
        return self.liaison.call(method, request, **(who or SEEDER))

    def i(self, method: str, request, **who):
        return self.by_name["identity"].call(method, request, **(who or SEEDER))

    # identity
    def account(self, region: str = COUNTY_A, *, password: str = "matrix-First-pass") -> ipb.Account:
        """A department account of ``region`` (made by the prefecture's office), with a
        one-time password."""
        return self.i("CreateAccount", ipb.CreateAccountRequest(account=ipb.Account(
            username=f"matrix.{self.next()}", display_name="矩阵账号", role=ipb.ACCOUNT_ROLE_DEPARTMENT,
            region_code=region, stands_for="水务局"), one_time_password=password))

    def signed_in(self) -> ipb.SignInResponse:
        """A fresh account that changed its one-time password: its tokens."""
        a = self.account()
        return self.by_name["identity"].public("ChangePassword", ipb.ChangePasswordRequest(
            username=a.username, current_password="matrix-First-pass", new_password="matrix-Own-pass-2"))

    def locked(self) -> str:
        a = self.account()
        return self.i("LockAccount", ipb.LockAccountRequest(id=a.id, reason="矩阵")).id

    # roster
    def deputy(self, region: str = COUNTY_A) -> rpb.Deputy:
        n = self.next()
        return self.r("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=region, name=f"矩阵代表{n}", gender=rpb.GENDER_FEMALE, ethnicity="回族",
            seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十五届", electoral_district="第1选区")],
            contact=rpb.Contact(phone=f"1370000{n:04d}", address="北京南路1号"), specialties=["农业"])))

    def venue(self, region: str) -> rpb.Venue:
        n = self.next()
        return self.r("CreateVenue", rpb.CreateVenueRequest(venue=rpb.Venue(
            region_code=region, kind=rpb.VENUE_KIND_DEPUTY_HOME, name=f"矩阵代表之家{n}", address="人民路8号",
            schedule=rpb.ReceptionSchedule(days_of_month=[5, 25], hours="09:00-12:00"))))

    def assigned(self) -> str:
        d = self.deputy()
        self.r("AssignDeputyToVenue", rpb.AssignDeputyToVenueRequest(venue_id=self.VA.id, deputy_id=d.id))
        return d.id

    def linked(self) -> tuple[str, str]:
        m, d = self.deputy(), self.deputy()
        self.r("LinkCommitteeMember", rpb.LinkCommitteeMemberRequest(committee_member_id=m.id, deputy_id=d.id))
        return m.id, d.id

    def household(self) -> str:
        return self.r("AddVoterHousehold", rpb.AddVoterHouseholdRequest(household=rpb.VoterHousehold(
            deputy_id=self.A1.id, household_head=f"户主{self.next()}"))).id

    # balloting
    def next_year(self) -> int:
        """A year of its own for a new campaign (one per region and year)."""
        self.year += 1
        return self.year

    def b(self, method: str, request, **who):
        return self.by_name["balloting"].call(method, request, **(who or SEEDER))

    def campaign(self, phase: int = bpb.PHASE_CALL, region: str = COUNTY_A, proposals: int = 0) -> bpb.Campaign:
        """A new campaign of ``region`` (a year of its own) brought to ``phase``, with
        ``proposals`` recorded (shortlisted once screening begins)."""
        c = self.b("CreateCampaign", bpb.CreateCampaignRequest(region_code=region, year=self.next_year(),
                                                               title="矩阵实事"))
        made = [self.proposal(c) for _ in range(proposals)]
        if phase == bpb.PHASE_CALL:
            return c
        c = self.b("CloseCall", bpb.CloseCallRequest(id=c.id))
        if phase == bpb.PHASE_SCREENING:
            return c
        for p in made:
            self.b("ShortlistProposal", bpb.ShortlistProposalRequest(id=p.id, shortlisted=True))
        return self.fix(c, made)

    def fix(self, c: bpb.Campaign, proposals) -> bpb.Campaign:
        return self.b("FixCandidates", bpb.FixCandidatesRequest(
            id=c.id, seats=len(proposals) - 1, session_date="2099-01-15",
            candidates=[bpb.CandidateEntry(proposal_id=p.id, funding_source="财政") for p in proposals]))

    def proposal(self, c: bpb.Campaign) -> bpb.Proposal:
        return self.b("RecordProposal", bpb.RecordProposalRequest(
            campaign_id=c.id, proposal=bpb.NewProposal(title=f"矩阵项目{self.next()}", category="教育"),
            proposer=bpb.Proposer(kind=bpb.PROPOSER_KIND_CITIZEN, name="王五", phone="13800003333")))

    def screened(self) -> str:
        """A fresh proposal of the campaign in screening."""
        return self.POOL.pop().id

    def balloted(self, stage: str = "ballot", region: str = TOWNSHIP_A2) -> bpb.Campaign:
        """A campaign of its own in 榆树沟镇 (whose one township deputy, T1, votes) taken through
        its session to ``stage``: "session" (open, T1 checked in), "ballot" (open) or "counted"."""
        c = self.campaign(bpb.PHASE_CANDIDATES_FIXED, region=region, proposals=5)
        c = self.b("OpenSession", bpb.OpenSessionRequest(id=c.id))
        self.b("CheckIn", bpb.CheckInRequest(campaign_id=c.id, deputy_id=self.T1.id))
        if stage == "session":
            return c
        c = self.b("OpenBallot", bpb.OpenBallotRequest(id=c.id))
        if stage == "ballot":
            return c
        return self.b("CloseBallot", bpb.CloseBallotRequest(id=c.id))

    def marks(self, c: bpb.Campaign) -> list:
        """A valid ballot of ``c``: approving one candidate, opposing the rest."""
        return [bpb.Mark(proposal_id=x.proposal_id, choice=bpb.CHOICE_APPROVE if i == 0 else bpb.CHOICE_OPPOSE)
                for i, x in enumerate(c.candidates)]

    # supervision
    def sv(self, method: str, request, **who):
        return self.by_name["supervision"].call(method, request, **(who or SEEDER))

    def project(self, region: str = COUNTY_A, department: str = DEPT) -> spb.Project:
        """A project of ``region`` opened by the office, ``department`` its lead, two milestones."""
        return self.sv("CreateProject", spb.CreateProjectRequest(
            region_code=region, year=2030, title=f"矩阵实事{self.next()}", category="城建", deadline="2030-12-31",
            departments=[spb.ProjectDepartment(department=department, name="市水务局", role=spb.DEPARTMENT_ROLE_LEAD,
                                               responsible_person="张三")],
            milestones=[spb.MilestonePlan(title="开工", due_date="2030-04-01", weight=1),
                        spb.MilestonePlan(title="完工", due_date="2030-10-01", weight=2)]))

    def letter(self) -> spb.Letter:
        """A fresh reminder letter to dept-water of 652301, issued today (so it can be answered
        today): a new project of 2020 whose milestone is long overdue, swept."""
        p = self.sv("CreateProject", spb.CreateProjectRequest(
            region_code=COUNTY_A, year=2020, title=f"矩阵实事{self.next()}", category="城建", deadline="2020-12-31",
            departments=[spb.ProjectDepartment(department=DEPT, name="市水务局", role=spb.DEPARTMENT_ROLE_LEAD,
                                               responsible_person="张三")],
            milestones=[spb.MilestonePlan(title="完工", due_date="2020-10-01", weight=1)]))
        Letters(self.others["supervision"].runtime).sweep()
        return next(x for x in self.sv("ListLetters", spb.ListLettersRequest(project_id=p.id)).letters
                    if x.milestone_id)

    def inspection(self, region: str = COUNTY_A) -> spb.Inspection:
        """An inspection of ``region`` (of project SA when 652301's), scheduled by the prefecture's office."""
        return self.sv("ScheduleInspection", spb.ScheduleInspectionRequest(
            region_code=region, project_id=self.SA.id if region == COUNTY_A else "", title=f"矩阵督导{self.next()}",
            scheduled_on="2030-05-01", participants=[spb.Participant(deputy_id=self.A1.id, name=self.A1.name)]))

    def held(self) -> spb.Inspection:
        """A fresh inspection of 652301 recorded as held, with one open problem."""
        i = self.inspection()
        with frozen(datetime(2030, 5, 2, 4, tzinfo=timezone.utc)):   # held that day: not a day to come
            return self.sv("RecordInspection", spb.RecordInspectionRequest(id=i.id, held_on="2030-05-02",
                                                                           problems=["用地手续未办结"]))

    # supervision: deputies' bills and suggestions, meetings with heads of state organs
    def item(self, step: str = "submitted") -> spb.DeputyItem:
        """A suggestion of 652301 submitted by A1 with A2 invited, brought to ``step``:
        "submitted", "signed" (A2 co-signed), "registered", "assigned" (dept-water the lead),
        "handling" (four in place and the plan meeting), "met" (the three meetings), "replied"."""
        a1 = {"role": "deputy", "region": COUNTY_A, "subject": self.A1.id, "name": "矩阵代表"}
        a2 = {"role": "deputy", "region": COUNTY_A, "subject": self.A2.id, "name": "矩阵联名"}
        item = self.sv("SubmitItem", spb.SubmitItemRequest(title=f"矩阵建议{self.next()}", content="建议内容",
                                                           category="教育", co_signer_ids=[self.A2.id]), **a1)
        steps = ["submitted", "signed", "registered", "assigned", "handling", "met", "replied"]
        at = steps.index(step)
        if at >= 1:
            item = self.sv("CoSignItem", spb.CoSignItemRequest(id=item.id), **a2)
        if at >= 2:
            item = self.sv("RegisterItem", spb.RegisterItemRequest(id=item.id, kind=spb.ITEM_KIND_SUGGESTION))
        if at >= 3:
            item = self.sv("AssignItem", spb.AssignItemRequest(id=item.id, departments=[spb.ProjectDepartment(
                department=DEPT, name="市水务局", role=spb.DEPARTMENT_ROLE_LEAD, responsible_person="张三")]))
        today = china_today().isoformat()
        if at >= 4:
            item = self.sv("RecordFourInPlace", spb.RecordFourInPlaceRequest(
                id=item.id, plan="方案", measures="措施", target="目标", time_limit="2099-12-31"))
            item = self.item_meeting(item, spb.MEETING_STAGE_PLAN, today)
        if at >= 5:
            item = self.item_meeting(item, spb.MEETING_STAGE_HANDLING, today)
            item = self.item_meeting(item, spb.MEETING_STAGE_REPLY, today)
        if at >= 6:
            item = self.sv("ReplyItem", spb.ReplyItemRequest(id=item.id, reply_class=spb.REPLY_CLASS_A, text="已解决"))
        return item

    def item_meeting(self, item: spb.DeputyItem, stage: int, day: str) -> spb.DeputyItem:
        return self.sv("RecordItemMeeting", spb.RecordItemMeetingRequest(
            id=item.id, stage=stage, held_on=day, form=spb.MEETING_FORM_IN_PERSON))

    def organ_meeting(self, step: str = "requested") -> spb.OrganMeeting:
        """A1's request to meet a head of 昌吉市人民政府, brought to ``step``: "requested",
        "arranged" (for a past day), "held" (a follow-up promised)."""
        m = self.sv("RequestOrganMeeting", spb.RequestOrganMeetingRequest(
            organ="昌吉市人民政府", subject=f"矩阵约见{self.next()}", reason="群众反映强烈"),
            role="deputy", region=COUNTY_A, subject=self.A1.id)
        if step in ("arranged", "held"):
            m = self.sv("ArrangeOrganMeeting", spb.ArrangeOrganMeetingRequest(
                id=m.id, meeting_on="2025-06-01", organ="昌吉市人民政府", head_name="刘副市长", head_post="副市长"))
        if step == "held":
            m = self.sv("RecordOrganMeeting", spb.RecordOrganMeetingRequest(id=m.id, outcome="当面答复",
                                                                            follow_up="一个月内回复"))
        return m

    # liaison
    def case(self, status: int = lpb.OPINION_STATUS_RAISED, deputy: str | None = None,
             region: str = COUNTY_A) -> lpb.Opinion:
        """A new case of ``region`` raised to ``deputy`` (A1), brought to ``status`` by that
        county's staff."""
        staff = {"role": "staff", "region": region}
        o = self.l("RecordOpinion", lpb.RecordOpinionRequest(
            channel=lpb.CHANNEL_VISIT, region_code=region, category="教育", text=f"矩阵意见{self.next()}",
            deputy_id=deputy or self.A1.id, contact=lpb.Contact(name="李四", phone="13800002222")), **staff)
        if status == lpb.OPINION_STATUS_RAISED:
            return o
        if status == lpb.OPINION_STATUS_FEEDBACK_GIVEN:
            self.l("RejectOpinion", lpb.RejectOpinionRequest(id=o.id, reason="不属于受理范围"), **staff)
            return self.l("GiveFeedback", lpb.GiveFeedbackRequest(id=o.id, feedback="已告知"), **staff)
        o = self.l("AcceptOpinion", lpb.AcceptOpinionRequest(id=o.id), **staff)
        if status == lpb.OPINION_STATUS_ANSWERED:
            return self.l("AnswerOpinion", lpb.AnswerOpinionRequest(id=o.id, answer="已答复"), **staff)
        if status == lpb.OPINION_STATUS_TRANSFERRED:
            return self.l("TransferOpinion", lpb.TransferOpinionRequest(
                id=o.id, department=DEPT, department_name="市水务局", deadline=_future()), **staff)
        return o


def _future() -> Timestamp:
    t = Timestamp()
    t.FromSeconds(int(time.time()) + 10 * 86400)
    return t


def _roster_csv(name: str) -> bytes:
    buf = io.StringIO()
    row = {sheets.REGION: COUNTY_A, sheets.NAME: name, sheets.GENDER: "男", sheets.ETHNICITY: "汉族",
           sheets.LEVELS: "县", sheets.PHONE: "13700009999"}
    csv.writer(buf).writerows([sheets.COLUMNS, [row.get(c, "") for c in sheets.COLUMNS]])
    return buf.getvalue().encode()


def _wait(predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def seed_world(start_service, tmp_path_factory) -> World:
    """Every service of the platform started (roster and liaison on one bus, as in
    production) and the records the cases name: deputies A1, A2 of 652301 and B1 of 652302,
    a venue in each, a committee link, a household, cases, activities and an account."""
    bus = tmp_path_factory.mktemp("matrix-bus") / "bus.sqlite"
    extra = {"LIANXIN_PUBLIC_SUBMISSIONS_PER_CARD_PER_HOUR": "100000"}
    roster = start_service("roster", bus_path=bus, **extra)
    liaison = start_service("liaison", bus_path=bus, **extra)
    # balloting and evaluation learn deputies (evaluation venues too) from the roster's events, as liaison does.
    others = {s.name: start_service(s.name, bus_path=bus if s.name in ("balloting", "evaluation") else None)
              for s in SERVICES if s.name not in ("roster", "liaison")}
    w = World(roster, liaison, others)
    w.A1, w.A2, w.B1 = w.deputy(), w.deputy(), w.deputy(COUNTY_B)
    w.VA, w.VB = w.venue(COUNTY_A), w.venue(COUNTY_B)
    w.r("AssignDeputyToVenue", rpb.AssignDeputyToVenueRequest(venue_id=w.VA.id, deputy_id=w.A1.id))
    w.r("AssignDeputyToVenue", rpb.AssignDeputyToVenueRequest(venue_id=w.VB.id, deputy_id=w.B1.id))
    w.r("LinkCommitteeMember", rpb.LinkCommitteeMemberRequest(committee_member_id=w.A1.id, deputy_id=w.A2.id))
    # Every OK cell that adds a household or a link stays within the limits.
    w.r("SetContactLimits", rpb.SetContactLimitsRequest(limits=rpb.ContactLimits(
        region_code=COUNTY_A, deputies_per_committee_member=100, households_per_deputy=100)))
    w.household()
    # liaison learns deputies and venues from roster's events, as in production
    _wait(lambda: liaison.count("directory_deputies") >= 3 and liaison.count("directory_venue_members") >= 2,
          "liaison's roster read model")
    w.OT = w.case(lpb.OPINION_STATUS_TRANSFERRED)               # A1's case, at dept-water of 652301
    w.OA2 = w.case(deputy=w.A2.id)                              # A2's case
    w.OB = w.case(deputy=w.B1.id, region=COUNTY_B)              # 652302's case
    w.ACT_A = w.l("RecordActivity", lpb.RecordActivityRequest(activity=lpb.Activity(
        region_code=COUNTY_A, kind=lpb.ACTIVITY_KIND_VISIT, date="2026-01-05", title="走访",
        deputy_ids=[w.A1.id])), role="staff", region=COUNTY_A)
    w.ACT_B = w.l("RecordActivity", lpb.RecordActivityRequest(activity=lpb.Activity(
        venue_id=w.VB.id, kind=lpb.ACTIVITY_KIND_RECEPTION, date="2026-01-05", title="接待日")),
        role="staff", region=COUNTY_B)
    w.ACC_A = w.account(COUNTY_A)
    _wait(lambda: others["balloting"].count("ballot_deputies") >= 3, "balloting's roster read model")
    w.CA = w.campaign()                                          # 652301's call, open
    w.PA = w.proposal(w.CA)                                      # a citizen's proposal to it
    w.CB = w.campaign(region=COUNTY_B)
    w.PB = w.proposal(w.CB)
    w.CS = w.campaign(bpb.PHASE_SCREENING, proposals=120)        # screening: proposals to review
    w.POOL = list(w.b("ListProposals", bpb.ListProposalsRequest(campaign_id=w.CS.id,
                                                                 page=common_pb2.PageRequest(page_size=500))).proposals)
    w.CF = w.campaign(bpb.PHASE_CANDIDATES_FIXED, proposals=5)   # the committee's list, fixed
    w.CF_PROPOSALS = [c.proposal_id for c in w.CF.candidates]
    # 榆树沟镇's one township deputy votes in the campaigns taken through their session there.
    w.T1 = w.r("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=TOWNSHIP_A2, name="矩阵乡代表", seats=[rpb.Seat(level=rpb.LEVEL_TOWNSHIP)],
        contact=rpb.Contact(phone="13700001234"))))
    extra = [w.deputy() for _ in range(4)]                      # 652301's voters given paper ballots
    _wait(lambda: others["balloting"].count("ballot_deputies") >= 8, "balloting's roster read model")
    # 652301's ballot, open: A1, A2 and four more checked in; the four take paper ballots (one
    # now, so that paper ballots can be entered whatever the order of the cells).
    w.CV = w.campaign(bpb.PHASE_CANDIDATES_FIXED, proposals=5)
    w.b("OpenSession", bpb.OpenSessionRequest(id=w.CV.id))
    for d in [w.A1, w.A2, *extra]:
        w.b("CheckIn", bpb.CheckInRequest(campaign_id=w.CV.id, deputy_id=d.id))
    w.CV = w.b("OpenBallot", bpb.OpenBallotRequest(id=w.CV.id))
    w.b("IssuePaperBallot", bpb.IssuePaperBallotRequest(campaign_id=w.CV.id, deputy_id=extra[3].id))
    w.PAPER_POOL = [d.id for d in extra[:3]]
    w.CPUB = w.balloted("counted")                 # counted, then published
    w.CPUB = w.b("PublishResult", bpb.PublishResultRequest(id=w.CPUB.id))
    # Projects of 652301 with dept-water as lead: one to read, one to plan, one to report on;
    # one of 652302 with a department of its own.
    w.SA, w.SP, w.SR = w.project(), w.project(), w.project()
    w.SB = w.project(COUNTY_B, department="dept-b")
    # Inspections of 652301: one scheduled (IS), one held with an open problem (IH).
    w.IS, w.IH = w.inspection(), w.held()
    # The lateness sweep a month after the projects' first milestones were due: reminder
    # letters to dept-water of 652301 (LA is one) and to dept-b of 652302.
    with frozen(datetime(2030, 5, 1, 4, tzinfo=timezone.utc)):
        Letters(others["supervision"].runtime).sweep()
    w.LA = w.sv("ListLetters", spb.ListLettersRequest(region_code=COUNTY_A)).letters[0]
    _wait(lambda: others["evaluation"].count("evaluation_deputies") >= 7, "evaluation's roster read model")
    satisfaction_cases.seed(w)
    # A1's suggestion with A2 co-signing, assigned to dept-water (IT); A1's meeting request (OM).
    w.IT, w.OM = w.item("assigned"), w.organ_meeting()
    return w


def resolve(caller: Caller, w: World) -> Caller:
    subjects = {"@A1": w.A1.id, "@A2": w.A2.id}
    return replace(caller, subject=subjects.get(caller.subject, caller.subject))


# ---- the cases: one or more per RPC ------------------------------------------------------

def update_deputy(w, c):
    return rpb.UpdateDeputyRequest(deputy=rpb.Deputy(id=w.A2.id, position=f"职务{w.next()}"),
                                   update_mask=FieldMask(paths=["position"]))


ROSTER_ACT_ON_RECORD = dict(ok=WRITERS, denied=role_refused(NOT_WRITERS), default=NF)

CASES: dict[tuple[str, str], list[Case]] = {
    # ---- roster ----
    ("roster", "GetServiceInfo"): [Case(lambda w, c: common_pb2.GetServiceInfoRequest(), ok=VALID)],
    ("roster", "RegisterDeputy"): [Case(lambda w, c: rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=COUNTY_A, name=f"新代表{w.next()}", seats=[rpb.Seat(level=rpb.LEVEL_COUNTY)])),
        ok=WRITERS, default=PD)],
    ("roster", "GetDeputy"): [Case(lambda w, c: rpb.GetDeputyRequest(id=w.A1.id), ok=READERS)],
    ("roster", "UpdateDeputy"): [Case(update_deputy, **ROSTER_ACT_ON_RECORD)],
    ("roster", "ChangeDeputyStatus"): [Case(lambda w, c: rpb.ChangeDeputyStatusRequest(
        id=w.deputy().id, status=rpb.DEPUTY_STATUS_RESIGNED, reason="辞职"), **ROSTER_ACT_ON_RECORD)],
    ("roster", "ListDeputies"): [
        Case(lambda w, c: rpb.ListDeputiesRequest(region_code=COUNTY_A), ok=READERS, default=PD, label="652301"),
        Case(lambda w, c: rpb.ListDeputiesRequest(page=common_pb2.PageRequest(page_size=200)),
             ok=VALID, default=PD, label="own region")],
    ("roster", "CreateVenue"): [Case(lambda w, c: rpb.CreateVenueRequest(venue=rpb.Venue(
        region_code=COUNTY_A, kind=rpb.VENUE_KIND_DEPUTY_HOME, name=f"新的家{w.next()}")), ok=WRITERS, default=PD)],
    ("roster", "GetVenue"): [Case(lambda w, c: rpb.GetVenueRequest(id=w.VA.id), ok=READERS)],
    ("roster", "UpdateVenue"): [Case(lambda w, c: rpb.UpdateVenueRequest(
        venue=rpb.Venue(id=w.VA.id, address=f"人民路{w.next()}号"), update_mask=FieldMask(paths=["address"])),
        **ROSTER_ACT_ON_RECORD)],
    ("roster", "ListVenues"): [
        Case(lambda w, c: rpb.ListVenuesRequest(region_code=COUNTY_A), ok=READERS, default=PD, label="652301"),
        Case(lambda w, c: rpb.ListVenuesRequest(), ok=VALID, default=PD, label="own region")],
    ("roster", "AssignDeputyToVenue"): [Case(lambda w, c: rpb.AssignDeputyToVenueRequest(
        venue_id=w.VA.id, deputy_id=w.deputy().id), **ROSTER_ACT_ON_RECORD)],
    ("roster", "RemoveDeputyFromVenue"): [Case(lambda w, c: rpb.RemoveDeputyFromVenueRequest(
        venue_id=w.VA.id, deputy_id=w.assigned()), **ROSTER_ACT_ON_RECORD)],
    ("roster", "ListDeputyVenues"): [Case(lambda w, c: rpb.ListDeputyVenuesRequest(deputy_id=w.A1.id), ok=READERS)],
    ("roster", "GroupDeputiesIntoVenues"): [Case(lambda w, c: rpb.GroupDeputiesIntoVenuesRequest(
        region_code=COUNTY_A, dry_run=True), ok=WRITERS, default=PD)],
    ("roster", "LinkCommitteeMember"): [Case(lambda w, c: rpb.LinkCommitteeMemberRequest(
        committee_member_id=w.deputy().id, deputy_id=w.deputy().id), **ROSTER_ACT_ON_RECORD)],
    ("roster", "UnlinkCommitteeMember"): [Case(lambda w, c: rpb.UnlinkCommitteeMemberRequest(
        **dict(zip(("committee_member_id", "deputy_id"), w.linked()))), **ROSTER_ACT_ON_RECORD)],
    ("roster", "ListCommitteeLinks"): [Case(lambda w, c: rpb.ListCommitteeLinksRequest(
        committee_member_id=w.A1.id), ok=READERS)],
    # households: the office's, and the deputy's own (another deputy sees the record, not this)
    ("roster", "AddVoterHousehold"): [Case(lambda w, c: rpb.AddVoterHouseholdRequest(household=rpb.VoterHousehold(
        deputy_id=w.A1.id, household_head=f"户主{w.next()}")), ok=WRITERS | {"deputy_own"},
        denied=role_refused(NOT_WRITERS - {"deputy_own", ELSEWHERE}))],
    ("roster", "RemoveVoterHousehold"): [Case(lambda w, c: rpb.RemoveVoterHouseholdRequest(id=w.household()),
                                              ok=WRITERS | {"deputy_own"},
                                              denied=role_refused(NOT_WRITERS - {"deputy_own", ELSEWHERE}))],
    ("roster", "ListVoterHouseholds"): [Case(lambda w, c: rpb.ListVoterHouseholdsRequest(deputy_id=w.A1.id),
                                             ok=CONTACT_READERS | {"deputy_own"},
                                             denied=role_refused(DEPARTMENTS | {"deputy_other"}))],
    ("roster", "GetContactLimits"): [Case(lambda w, c: rpb.GetContactLimitsRequest(region_code=COUNTY_A),
                                          ok=READERS, default=PD)],
    # an office setting: not the committee's
    ("roster", "SetContactLimits"): [Case(lambda w, c: rpb.SetContactLimitsRequest(limits=rpb.ContactLimits(
        region_code=COUNTY_A, deputies_per_committee_member=100, households_per_deputy=100)),
        ok=frozenset({"own", "parent", "system"}), default=PD)],
    ("roster", "UpdateCard"): [Case(lambda w, c: rpb.UpdateCardRequest(deputy_id=w.A1.id, card=rpb.CardSettings(
        show_phone=False, pledge=f"承诺{w.next()}")), ok=WRITERS | {"deputy_own"},
        denied=role_refused(NOT_WRITERS - {"deputy_own", ELSEWHERE}))],
    ("roster", "GetPublicCard"): [Case(lambda w, c: rpb.GetPublicCardRequest(card_code=w.A1.card_code), ok=EVERYONE)],
    ("roster", "GetCardQrCode"): [Case(lambda w, c: rpb.GetCardQrCodeRequest(deputy_id=w.A1.id,
                                                                            format=rpb.QR_FORMAT_SVG),
                                       ok=CONTACT_READERS | {"dept_own", "dept_other", "deputy_own"},
                                       denied={"deputy_other": PD})],
    ("roster", "ImportRoster"): [Case(lambda w, c: rpb.ImportRosterRequest(
        region_code=COUNTY_A, format=common_pb2.FILE_FORMAT_CSV, content=_roster_csv("导入代表"), dry_run=True),
        ok=WRITERS, default=PD)],
    ("roster", "ExportRoster"): [Case(lambda w, c: rpb.ExportRosterRequest(
        region_code=COUNTY_A, format=common_pb2.FILE_FORMAT_CSV), ok=CONTACT_READERS, default=PD)],
}

CASE_STEP = dict(ok=WRITERS, denied=role_refused(NOT_WRITERS), default=NF)
CASES |= {
    # ---- liaison ----
    ("liaison", "GetServiceInfo"): [Case(lambda w, c: common_pb2.GetServiceInfoRequest(), ok=VALID)],
    ("liaison", "SubmitPublicOpinion"): [Case(lambda w, c: lpb.SubmitPublicOpinionRequest(
        card_code=w.A1.card_code, category="道路交通", text="村口路灯坏了"), ok=EVERYONE)],
    ("liaison", "RecordOpinion"): [Case(lambda w, c: lpb.RecordOpinionRequest(
        channel=lpb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="减速带", deputy_id=w.A1.id),
        ok=frozenset({"own", "parent", "system", "deputy_own"}), default=PD)],
    ("liaison", "GetOpinion"): [Case(lambda w, c: lpb.GetOpinionRequest(id=w.OT.id),
                                     ok=CONTACT_READERS | {"dept_own", "deputy_own"})],
    ("liaison", "ListOpinions"): [
        Case(lambda w, c: lpb.ListOpinionsRequest(region_code=COUNTY_A), ok=READERS, default=PD, label="652301"),
        Case(lambda w, c: lpb.ListOpinionsRequest(page=common_pb2.PageRequest(page_size=200)),
             ok=VALID, default=PD, label="own scope"),
        # A venue filter names a venue, resolved in the caller's region (a deputy's or a
        # department's list is their own cases already, whatever the venue).
        Case(lambda w, c: lpb.ListOpinionsRequest(venue_id=w.VA.id), ok=READERS | {"dept_elsewhere", ELSEWHERE},
             default=NF, label="venue of 652301")],
    ("liaison", "AcceptOpinion"): [Case(lambda w, c: lpb.AcceptOpinionRequest(id=w.case().id), **CASE_STEP)],
    ("liaison", "RejectOpinion"): [Case(lambda w, c: lpb.RejectOpinionRequest(id=w.case().id, reason="r"),
                                        **CASE_STEP)],
    ("liaison", "AnswerOpinion"): [Case(lambda w, c: lpb.AnswerOpinionRequest(
        id=w.case(lpb.OPINION_STATUS_ACCEPTED).id, answer="我来答"), ok=frozenset({"own", "parent", "deputy_own"}),
        denied=role_refused({"committee", "auditor", "system"} | DEPARTMENTS))],
    ("liaison", "TransferOpinion"): [Case(lambda w, c: lpb.TransferOpinionRequest(
        id=w.case(lpb.OPINION_STATUS_ACCEPTED).id, department=DEPT, department_name="市水务局", deadline=_future()),
        **CASE_STEP)],
    # only that department of that region (or a system); other roles are refused before any lookup
    ("liaison", "ReplyToTransfer"): [Case(lambda w, c: lpb.ReplyToTransferRequest(
        id=w.case(lpb.OPINION_STATUS_TRANSFERRED).id, reply="已修复"), ok=frozenset({"dept_own", "system"}),
        denied={"dept_other": NF, "dept_elsewhere": NF}, default=PD)],
    ("liaison", "ConcludeOpinion"): [Case(lambda w, c: lpb.ConcludeOpinionRequest(
        id=w.case(lpb.OPINION_STATUS_ANSWERED).id, resolved=True), **CASE_STEP)],
    ("liaison", "EscalateOpinion"): [Case(lambda w, c: lpb.EscalateOpinionRequest(
        id=w.case(lpb.OPINION_STATUS_ACCEPTED).id, reason="超出本级职权"), **CASE_STEP)],
    ("liaison", "GiveFeedback"): [Case(lambda w, c: lpb.GiveFeedbackRequest(
        id=w.l("RejectOpinion", lpb.RejectOpinionRequest(id=w.case().id, reason="r"),
               role="staff", region=COUNTY_A).id, feedback="已告知"), **CASE_STEP)],
    ("liaison", "CloseOpinion"): [Case(lambda w, c: lpb.CloseOpinionRequest(
        id=w.case(lpb.OPINION_STATUS_FEEDBACK_GIVEN).id), **CASE_STEP)],
    ("liaison", "TrackOpinion"): [Case(lambda w, c: lpb.TrackOpinionRequest(tracking_code=w.OT.tracking_code),
                                       ok=EVERYONE)],
    ("liaison", "RateOpinion"): [Case(lambda w, c: lpb.RateOpinionRequest(
        tracking_code=w.case(lpb.OPINION_STATUS_FEEDBACK_GIVEN).tracking_code, rating=4), ok=EVERYONE)],
    ("liaison", "RecordActivity"): [Case(lambda w, c: lpb.RecordActivityRequest(activity=lpb.Activity(
        region_code=COUNTY_A, kind=lpb.ACTIVITY_KIND_VISIT, date="2026-01-06", title="走访",
        deputy_ids=[w.A1.id])), ok=WRITERS | {"deputy_own"}, default=PD)],
    ("liaison", "GetActivity"): [Case(lambda w, c: lpb.GetActivityRequest(id=w.ACT_A.id),
                                      ok=CONTACT_READERS | DEPUTIES, denied=role_refused(DEPARTMENTS))],
    ("liaison", "ListActivities"): [Case(lambda w, c: lpb.ListActivitiesRequest(region_code=COUNTY_A),
                                         ok=CONTACT_READERS | DEPUTIES, default=PD),
                                    # narrowed to a deputy: resolved in the caller's region
                                    Case(lambda w, c: lpb.ListActivitiesRequest(deputy_id=w.A1.id),
                                         ok=CONTACT_READERS | DEPUTIES, denied=role_refused(DEPARTMENTS),
                                         label="one deputy's")],
    ("liaison", "ExportRegister"): [Case(lambda w, c: lpb.ExportRegisterRequest(
        venue_id=w.VA.id, register=lpb.REGISTER_RECEPTIONS, format=common_pb2.FILE_FORMAT_CSV),
        ok=CONTACT_READERS, denied=role_refused(DEPARTMENTS | DEPUTY_ROLE))],
    ("liaison", "GetStatistics"): [Case(lambda w, c: lpb.GetStatisticsRequest(
        region_code=COUNTY_A, date_from="2026-01-01", date_to="2026-12-31"), ok=CONTACT_READERS, default=PD)],
}
# ---- identity: the session RPCs are public; accounts are the offices' (staff) and read by auditors
OFFICE = frozenset({"own", "parent"})
ACCOUNT_READERS = OFFICE | {"auditor"}
NOT_OFFICE = frozenset({"committee", "system"}) | DEPARTMENTS | DEPUTY_ROLE
ACT_ON_ACCOUNT = dict(ok=OFFICE, denied=role_refused(NOT_OFFICE | {"auditor"}), default=NF)
CASES |= {
    ("identity", "GetServiceInfo"): [Case(lambda w, c: common_pb2.GetServiceInfoRequest(), ok=VALID)],
    ("identity", "SignIn"): [Case(lambda w, c: ipb.SignInRequest(
        username=w.ACC_A.username, password="matrix-First-pass"), ok=EVERYONE)],
    ("identity", "ChangePassword"): [Case(lambda w, c: ipb.ChangePasswordRequest(
        username=w.account().username, current_password="matrix-First-pass", new_password="matrix-Own-pass-2"),
        ok=EVERYONE)],
    ("identity", "RefreshToken"): [Case(lambda w, c: ipb.RefreshTokenRequest(
        refresh_token=w.signed_in().refresh_token), ok=EVERYONE)],
    ("identity", "SignOut"): [Case(lambda w, c: ipb.SignOutRequest(refresh_token=w.signed_in().refresh_token),
                                   ok=EVERYONE)],
    ("identity", "GetJwks"): [Case(lambda w, c: ipb.GetJwksRequest(), ok=EVERYONE)],
    ("identity", "CreateAccount"): [Case(lambda w, c: ipb.CreateAccountRequest(account=ipb.Account(
        username=f"made.{w.next()}", display_name="新账号", role=ipb.ACCOUNT_ROLE_DEPARTMENT, region_code=COUNTY_A,
        stands_for="水务局"), one_time_password="matrix-First-pass"), ok=OFFICE, default=PD)],
    ("identity", "ImportAccounts"): [Case(lambda w, c: ipb.ImportAccountsRequest(
        region_code=COUNTY_A, format=common_pb2.FILE_FORMAT_CSV, dry_run=True,
        content=f"用户名,姓名,角色\nimported.{w.next()},导入,部门\n".encode()), ok=OFFICE, default=PD)],
    ("identity", "GetAccount"): [Case(lambda w, c: ipb.GetAccountRequest(id=w.ACC_A.id), ok=ACCOUNT_READERS,
                                      denied=role_refused(NOT_OFFICE))],
    ("identity", "ListAccounts"): [Case(lambda w, c: ipb.ListAccountsRequest(region_code=COUNTY_A),
                                        ok=ACCOUNT_READERS, default=PD)],
    ("identity", "ResetPassword"): [Case(lambda w, c: ipb.ResetPasswordRequest(
        id=w.account().id, one_time_password="office-Reset-pass"), **ACT_ON_ACCOUNT)],
    ("identity", "LockAccount"): [Case(lambda w, c: ipb.LockAccountRequest(id=w.account().id, reason="r"),
                                       **ACT_ON_ACCOUNT)],
    ("identity", "UnlockAccount"): [Case(lambda w, c: ipb.UnlockAccountRequest(id=w.locked()), **ACT_ON_ACCOUNT)],
    ("identity", "DisableAccount"): [Case(lambda w, c: ipb.DisableAccountRequest(id=w.account().id, reason="r"),
                                          **ACT_ON_ACCOUNT)],
    ("identity", "LinkExternalSubject"): [Case(lambda w, c: ipb.LinkExternalSubjectRequest(
        id=w.account().id, external_issuer="https://sso.example.gov.cn/realms/652301",
        external_subject=f"sso-{w.next()}"), **ACT_ON_ACCOUNT)],
    ("identity", "ListAuditEvents"): [Case(lambda w, c: ipb.ListAuditEventsRequest(region_code=COUNTY_A),
                                           ok=ACCOUNT_READERS, default=PD)],
}
# ---- balloting ----
# Campaigns and proposals of 652301 (CA, PA); a deputy or department reads and proposes to the
# campaigns of the branch it stands on, as itself. A builder seeds a fresh record for a caller
# that will succeed, so each OK cell takes its step on a record in the right phase.
CAMPAIGN_READERS = READERS   # office, committee, systems, auditors; deputies and departments of the branch
OWN_PROPOSERS = frozenset({"dept_own", "dept_other", "deputy_own", "deputy_other"})
BALLOT_MANAGE = dict(ok=WRITERS, denied=role_refused(NOT_WRITERS), default=NF)
TELLERS = frozenset({"own", "parent", "committee"})   # 计票人: the office's and the committee's
REVIEWERS = frozenset({"own", "parent", "committee"}) | OWN_PROPOSERS


def _review(w, c):
    pid = w.screened()
    if c.role == "deputy":
        return bpb.ReviewProposalRequest(id=pid, criterion=bpb.CRITERION_PUBLIC_BENEFIT, score=80, opinion="好")
    if c.role == "department":
        return bpb.ReviewProposalRequest(id=pid, criterion=bpb.CRITERION_COMPLIANCE, score=80, opinion="合规")
    return bpb.ReviewProposalRequest(id=pid, criterion=bpb.CRITERION_COMPLIANCE, score=80, opinion="合规",
                                     reviewer_kind=bpb.REVIEWER_KIND_DEPARTMENT, reviewer="财政局")


def _record(w, c):
    office = c.role in ("staff", "committee", "system", "auditor")
    return bpb.RecordProposalRequest(
        campaign_id=w.CA.id, proposal=bpb.NewProposal(title=f"提议{w.next()}", category="教育"),
        proposer=bpb.Proposer(kind=bpb.PROPOSER_KIND_OFFLINE, name="座谈会") if office else None)


def _balloted(stage: str):
    """A campaign taken through its session to ``stage`` for a caller that will succeed; the
    shared open ballot (CV) else."""
    def build(w, c):
        return w.balloted(stage).id if c.name in WRITERS else w.CV.id
    return build


def _fresh(phase: int, proposals: int = 0):
    """A campaign in ``phase`` of its own for a caller that will succeed; the shared one else."""
    def build(w, c):
        return w.campaign(phase, proposals=proposals).id if c.name in WRITERS else w.CA.id
    return build


CASES |= {
    ("balloting", "GetServiceInfo"): [Case(lambda w, c: common_pb2.GetServiceInfoRequest(), ok=VALID)],
    ("balloting", "GetBallotRules"): [Case(lambda w, c: bpb.GetBallotRulesRequest(region_code=COUNTY_A),
                                           ok=frozenset({"own", "parent", "auditor", "committee", "system"}),
                                           default=PD)],
    ("balloting", "SetBallotRules"): [Case(lambda w, c: bpb.SetBallotRulesRequest(rules=bpb.BallotRules(
        region_code=COUNTY_A, min_surplus_percent=25, quorum_percent=50,
        adoption_base=bpb.ADOPTION_BASE_ALL_ELIGIBLE)), ok=frozenset({"own", "parent", "system"}), default=PD)],
    ("balloting", "CreateCampaign"): [Case(lambda w, c: bpb.CreateCampaignRequest(
        region_code=COUNTY_A, year=w.next_year(), title="新实事"),
        ok=WRITERS, default=PD)],
    ("balloting", "GetCampaign"): [Case(lambda w, c: bpb.GetCampaignRequest(id=w.CA.id), ok=CAMPAIGN_READERS)],
    ("balloting", "ListCampaigns"): [Case(lambda w, c: bpb.ListCampaignsRequest(region_code=COUNTY_A),
                                          ok=CAMPAIGN_READERS, default=PD)],
    ("balloting", "CloseCall"): [Case(lambda w, c: bpb.CloseCallRequest(id=_fresh(bpb.PHASE_CALL)(w, c)),
                                      **BALLOT_MANAGE)],
    ("balloting", "FixCandidates"): [Case(lambda w, c: bpb.FixCandidatesRequest(
        id=w.CF.id, seats=4, session_date="2099-01-15",
        candidates=[bpb.CandidateEntry(proposal_id=p, funding_source="财政") for p in w.CF_PROPOSALS]),
        **BALLOT_MANAGE)],
    ("balloting", "OpenBallot"): [Case(lambda w, c: bpb.OpenBallotRequest(
        id=_balloted("session")(w, c)), **BALLOT_MANAGE)],
    ("balloting", "OpenSession"): [Case(lambda w, c: bpb.OpenSessionRequest(
        id=_fresh(bpb.PHASE_CANDIDATES_FIXED, proposals=5)(w, c)), **BALLOT_MANAGE)],
    ("balloting", "CheckIn"): [Case(lambda w, c: bpb.CheckInRequest(
        campaign_id=w.CV.id, deputy_id="" if c.role == "deputy" else w.A1.id),
        ok=frozenset({"own", "parent", "committee"}) | DEPUTIES,
        denied=role_refused({"auditor", "system"} | DEPARTMENTS))],
    ("balloting", "NameTellers"): [Case(lambda w, c: bpb.NameTellersRequest(
        campaign_id=w.CV.id, tellers=["王计票", "张计票"], scrutineers=["李监票"]), **BALLOT_MANAGE)],
    ("balloting", "CastBallot"): [Case(lambda w, c: bpb.CastBallotRequest(campaign_id=w.CV.id, marks=w.marks(w.CV)),
                                       ok=DEPUTIES, denied=role_refused(TELLERS | {"child", "sibling", "auditor",
                                                                                  "system"} | DEPARTMENTS))],
    ("balloting", "IssuePaperBallot"): [Case(lambda w, c: bpb.IssuePaperBallotRequest(
        campaign_id=w.CV.id, deputy_id=w.PAPER_POOL.pop() if c.name in TELLERS else w.A2.id),
        ok=TELLERS, denied=role_refused({"auditor", "system"} | DEPARTMENTS | DEPUTY_ROLE))],
    ("balloting", "EnterPaperBallot"): [Case(lambda w, c: bpb.EnterPaperBallotRequest(
        campaign_id=w.CV.id, marks=w.marks(w.CV)),
        ok=TELLERS, denied=role_refused({"auditor", "system"} | DEPARTMENTS | DEPUTY_ROLE))],
    ("balloting", "CloseBallot"): [Case(lambda w, c: bpb.CloseBallotRequest(id=_balloted("ballot")(w, c)),
                                        **BALLOT_MANAGE)],
    ("balloting", "PublishResult"): [Case(lambda w, c: bpb.PublishResultRequest(
        id=_balloted("counted")(w, c)), **BALLOT_MANAGE)],
    ("balloting", "GetPublicResult"): [Case(lambda w, c: bpb.GetPublicResultRequest(
        region_code=w.CPUB.region_code, year=w.CPUB.year), ok=EVERYONE)],
    ("balloting", "GetStatistics"): [Case(lambda w, c: bpb.GetStatisticsRequest(
        region_code=COUNTY_A, year_from=2000, year_to=2100),
        ok=frozenset({"own", "parent", "auditor", "committee", "system"}), default=PD)],
    ("balloting", "SubmitPublicProposal"): [Case(lambda w, c: bpb.SubmitPublicProposalRequest(
        region_code=COUNTY_A, year=w.CA.year, proposal=bpb.NewProposal(title="公开征集", category="教育")),
        ok=EVERYONE)],
    ("balloting", "TrackProposal"): [Case(lambda w, c: bpb.TrackProposalRequest(tracking_code=w.PA.tracking_code),
                                          ok=EVERYONE)],
    ("balloting", "RecordProposal"): [Case(_record, ok=WRITERS | OWN_PROPOSERS, denied={"auditor": PD})],
    ("balloting", "GetProposal"): [Case(lambda w, c: bpb.GetProposalRequest(id=w.PA.id), ok=CAMPAIGN_READERS)],
    ("balloting", "ListProposals"): [Case(lambda w, c: bpb.ListProposalsRequest(campaign_id=w.CA.id),
                                          ok=CAMPAIGN_READERS)],
    ("balloting", "ReviewProposal"): [Case(_review, ok=REVIEWERS, denied={"auditor": PD, "system": PD})],
    ("balloting", "MergeProposals"): [Case(lambda w, c: bpb.MergeProposalsRequest(
        survivor_id=w.screened(), duplicate_ids=[w.screened()]), **BALLOT_MANAGE)],
    ("balloting", "ShortlistProposal"): [Case(lambda w, c: bpb.ShortlistProposalRequest(
        id=w.screened(), shortlisted=True), **BALLOT_MANAGE)],
    ("balloting", "ListEligibleVoters"): [Case(lambda w, c: bpb.ListEligibleVotersRequest(campaign_id=w.CA.id),
                                               ok=frozenset({"own", "parent", "auditor", "committee", "system"}),
                                               denied=role_refused(DEPARTMENTS | DEPUTY_ROLE))],
}
# ---- supervision ----
# Projects of 652301 (SA, SP, SR) led by dept-water (the matrix's own department): the office
# manages them in its subtree, deputies of the branch and auditors read them, the department
# reads and reports on its own; a programme is not a department's to read.
PROJECT_READERS = READERS - {"dept_other"}


def _plan(w, c) -> spb.SetProjectPlanRequest:
    return spb.SetProjectPlanRequest(
        id=w.SP.id, deadline="2030-12-31", note="矩阵调整",
        departments=[spb.ProjectDepartment(department=DEPT, name="市水务局", role=spb.DEPARTMENT_ROLE_LEAD,
                                           responsible_person="张三")],
        tasks=[spb.Task(title="施工", department=DEPT)],
        milestones=[spb.MilestonePlan(id=m.id, title=m.title, due_date=m.due_date, weight=m.weight)
                    for m in w.SP.milestones])


CASES |= {
    ("supervision", "GetServiceInfo"): [Case(lambda w, c: common_pb2.GetServiceInfoRequest(), ok=VALID)],
    ("supervision", "CreateProject"): [Case(lambda w, c: spb.CreateProjectRequest(
        region_code=COUNTY_A, year=2030, title="矩阵新实事", category="城建", description="说明",
        budget_fen=100, deadline="2030-12-31",
        departments=[spb.ProjectDepartment(department=DEPT, name="市水务局", role=spb.DEPARTMENT_ROLE_LEAD,
                                           responsible_person="张三")],
        tasks=[spb.Task(title="施工", department=DEPT)],
        milestones=[spb.MilestonePlan(title="完工", due_date="2030-10-01", weight=1)]), ok=WRITERS, default=PD)],
    ("supervision", "GetProject"): [Case(lambda w, c: spb.GetProjectRequest(id=w.SA.id), ok=PROJECT_READERS)],
    ("supervision", "ListProjects"): [Case(lambda w, c: spb.ListProjectsRequest(region_code=COUNTY_A, year=2030),
                                           ok=READERS, default=PD)],
    ("supervision", "SetProjectPlan"): [Case(_plan, ok=WRITERS, denied=role_refused(NOT_WRITERS))],
    ("supervision", "ReportProgress"): [Case(lambda w, c: spb.ReportProgressRequest(
        project_id=w.SR.id, milestone_id=w.SR.milestones[0].id, percent=40, spent_fen=100, evidence="照片",
        attachments=["file:matrix.jpg"]),
        ok=frozenset({"own", "parent", "system", "dept_own"}),
        denied=role_refused({"committee", "auditor"} | DEPUTY_ROLE))],
    ("supervision", "GetProgramme"): [Case(lambda w, c: spb.GetProgrammeRequest(region_code=COUNTY_A, year=2030),
                                           ok=frozenset({"own", "parent", "auditor", "committee", "system"}) | DEPUTIES,
                                           default=PD)],
}
# Inspections of 652301 (IS scheduled, IH held): the office manages them in its subtree, a
# deputy schedules in their own region and records only what they scheduled (PERMISSION_DENIED
# on the office's), deputies of the branch and auditors read; departments have no part.
LETTER_ANSWERERS = frozenset({"own", "parent", "system", "dept_own"})
INSPECTION_READERS = frozenset({"own", "parent", "auditor", "committee", "system"}) | DEPUTIES
INSPECTION_STEP = dict(ok=WRITERS, denied=role_refused({"auditor"} | DEPARTMENTS | DEPUTIES))


def _solve(w, c) -> spb.SolveProblemRequest:
    i = w.held() if c.name in WRITERS else w.IH
    return spb.SolveProblemRequest(inspection_id=i.id, problem_id=i.problems[0].id, solution="已办结")


CASES |= {
    ("supervision", "ScheduleInspection"): [Case(lambda w, c: spb.ScheduleInspectionRequest(
        region_code=COUNTY_A, project_id=w.SA.id, title="矩阵督导", scheduled_on="2030-05-01",
        participants=[spb.Participant(deputy_id=w.A1.id, name=w.A1.name), spb.Participant(name="李四")]),
        ok=WRITERS | DEPUTIES, default=PD)],
    ("supervision", "RecordInspection"): [Case(lambda w, c: spb.RecordInspectionRequest(
        id=w.inspection().id if c.name in WRITERS else w.IS.id, held_on="2025-05-02",   # a day gone by
        participants=[spb.Participant(deputy_id=w.A2.id, name=w.A2.name)],
        findings="进度滞后", problems=["用地手续未办结"]), **INSPECTION_STEP)],
    ("supervision", "SolveProblem"): [Case(_solve, **INSPECTION_STEP)],
    ("supervision", "GetInspection"): [Case(lambda w, c: spb.GetInspectionRequest(id=w.IH.id), ok=INSPECTION_READERS,
                                            denied=role_refused(DEPARTMENTS))],
    ("supervision", "ListInspections"): [Case(lambda w, c: spb.ListInspectionsRequest(region_code=COUNTY_A),
                                              ok=INSPECTION_READERS, default=PD)],
    ("supervision", "ListLetters"): [Case(lambda w, c: spb.ListLettersRequest(region_code=COUNTY_A),
                                          ok=frozenset({"own", "parent", "auditor", "committee", "system", "dept_own",
                                                        "dept_other"}), default=PD)],
    ("supervision", "GetLetter"): [Case(lambda w, c: spb.GetLetterRequest(id=w.LA.id),
                                        ok=frozenset({"own", "parent", "auditor", "committee", "system", "dept_own"}),
                                        denied=role_refused(DEPUTY_ROLE))],
    # A department answers its own letters; the office enters an answer made on paper.
    ("supervision", "AnswerLetter"): [Case(lambda w, c: spb.AnswerLetterRequest(
        id=w.letter().id if c.name in LETTER_ANSWERERS else w.LA.id, answer="已整改", answered_on=""),
        ok=LETTER_ANSWERERS, denied=role_refused({"committee", "auditor"} | DEPUTY_ROLE))],
    ("supervision", "GetSupervisionStatistics"): [Case(lambda w, c: spb.GetSupervisionStatisticsRequest(
        region_code=COUNTY_A, year=2030), ok=frozenset({"own", "parent", "auditor", "committee", "system"}),
        default=PD)],
    ("supervision", "GetInspectionCounts"): [Case(lambda w, c: spb.GetInspectionCountsRequest(
        region_code=COUNTY_A, year=2030), ok=frozenset({"own", "parent", "auditor", "committee", "system"}),
        default=PD)],
}
# ---- evaluation ----
CASES |= {
    ("evaluation", "GetServiceInfo"): [Case(lambda w, c: common_pb2.GetServiceInfoRequest(), ok=VALID)],
}
# ---- evaluation: the satisfaction vote (满意度测评) ----
CASES |= {
    ("evaluation", "ListYearProjects"): [Case(lambda w, c: epb.ListYearProjectsRequest(region_code=COUNTY_A,
                                                                                      year=2030),
                                              ok=frozenset({"own", "parent", "auditor", "committee", "system"})
                                              | DEPUTIES, default=PD)],
}
CASES |= satisfaction_cases.cases(WRITERS=WRITERS, READERS=READERS, DEPUTIES=DEPUTIES, DEPUTY_ROLE=DEPUTY_ROLE,
                                  DEPARTMENTS=DEPARTMENTS, EVERYONE=EVERYONE, role_refused=role_refused)
# Deputies' bills and suggestions of 652301 (A1's, A2 co-signing, dept-water the lead): the
# office registers and assigns in its subtree; the lead department (or the office, or a system)
# handles; A1 rates; the deputies and the department read theirs. A step on a fresh item each
# time (a step done is done).
ITEM_READERS = frozenset({"own", "parent", "auditor", "committee", "system", "dept_own"}) | DEPUTIES
ITEM_MANAGE = dict(ok=WRITERS, denied=role_refused({"auditor"} | DEPARTMENTS | DEPUTY_ROLE))
ITEM_HANDLE = dict(ok=frozenset({"own", "parent", "system", "dept_own"}),
                   denied=role_refused({"auditor", "committee"} | DEPUTY_ROLE))
ANOTHER_DEPUTY = "7c1f4a52-0d4e-4c3b-9a51-5b0e2f7d9a11"   # invited: a deputy supervision has not met


CASES |= {
    ("supervision", "SubmitItem"): [Case(lambda w, c: spb.SubmitItemRequest(
        title="矩阵建议", content="建议内容", category="教育", requested_kind=spb.ITEM_KIND_SUGGESTION,
        co_signer_ids=[ANOTHER_DEPUTY]), ok=DEPUTY_ROLE, default=PD)],
    ("supervision", "CoSignItem"): [Case(lambda w, c: spb.CoSignItemRequest(
        id=w.item().id if c.name == "deputy_other" else w.IT.id), ok=frozenset({"deputy_other"}), default=PD,
        denied={"deputy_elsewhere": NF})],
    ("supervision", "RegisterItem"): [Case(lambda w, c: spb.RegisterItemRequest(
        id=w.item("signed").id if c.name in WRITERS else w.IT.id, kind=spb.ITEM_KIND_SUGGESTION, note="矩阵立案"),
        **ITEM_MANAGE)],
    ("supervision", "AssignItem"): [Case(lambda w, c: spb.AssignItemRequest(
        id=w.item("registered").id if c.name in WRITERS else w.IT.id, deadline="2099-12-31",
        departments=[spb.ProjectDepartment(department=DEPT, name="市水务局", role=spb.DEPARTMENT_ROLE_LEAD,
                                           responsible_person="张三")]), **ITEM_MANAGE)],
    ("supervision", "RecordFourInPlace"): [Case(lambda w, c: spb.RecordFourInPlaceRequest(
        id=w.item("assigned").id if c.name in ITEM_HANDLE["ok"] else w.IT.id, plan="方案", measures="措施",
        target="目标", time_limit="2099-12-31"), **ITEM_HANDLE)],
    ("supervision", "RecordItemMeeting"): [Case(lambda w, c: spb.RecordItemMeetingRequest(
        id=w.item("handling").id if c.name in ITEM_HANDLE["ok"] else w.IT.id, stage=spb.MEETING_STAGE_HANDLING,
        held_on="2026-01-05", form=spb.MEETING_FORM_SYMPOSIUM, notes="座谈"), **ITEM_HANDLE)],
    ("supervision", "ReplyItem"): [Case(lambda w, c: spb.ReplyItemRequest(
        id=w.item("met").id if c.name in ITEM_HANDLE["ok"] else w.IT.id, reply_class=spb.REPLY_CLASS_B,
        text="列入明年计划"), **ITEM_HANDLE)],
    ("supervision", "RateItemReply"): [Case(lambda w, c: spb.RateItemReplyRequest(
        id=w.item("replied").id if c.name in DEPUTIES else w.IT.id, rating=spb.REPLY_RATING_SATISFIED,
        comment="满意"), ok=frozenset({"deputy_own"}), default=PD, denied={"deputy_elsewhere": NF})],
    ("supervision", "GetItem"): [Case(lambda w, c: spb.GetItemRequest(id=w.IT.id), ok=ITEM_READERS)],
    ("supervision", "ListItems"): [Case(lambda w, c: spb.ListItemsRequest(region_code=COUNTY_A, year=2026),
                                        ok=ITEM_READERS | {"dept_other"}, default=PD)],
    ("supervision", "GetItemRules"): [Case(lambda w, c: spb.GetItemRulesRequest(region_code=COUNTY_A),
                                           ok=frozenset({"own", "parent", "auditor", "committee", "system"}) | DEPUTIES,
                                           default=PD)],
    ("supervision", "SetItemRules"): [Case(lambda w, c: spb.SetItemRulesRequest(rules=spb.ItemRules(
        region_code=COUNTY_A, bill_signers_required=10, handling_months=3, rehandling_months=1)),
        ok=frozenset({"own", "parent", "committee"}), default=PD)],
    # Meetings with heads of state organs (约见): A1's (OM); the office arranges, records and
    # follows up in its subtree; A1 reads their own.
    ("supervision", "RequestOrganMeeting"): [Case(lambda w, c: spb.RequestOrganMeetingRequest(
        organ="昌吉市人民政府", subject="矩阵约见", reason="群众反映强烈"), ok=DEPUTY_ROLE, default=PD)],
    ("supervision", "ArrangeOrganMeeting"): [Case(lambda w, c: spb.ArrangeOrganMeetingRequest(
        id=w.organ_meeting().id if c.name in WRITERS else w.OM.id, meeting_on="2025-06-01", organ="昌吉市人民政府",
        head_name="刘副市长", head_post="副市长"), **ITEM_MANAGE)],
    ("supervision", "RecordOrganMeeting"): [Case(lambda w, c: spb.RecordOrganMeetingRequest(
        id=w.organ_meeting("arranged").id if c.name in WRITERS else w.OM.id, outcome="当面答复",
        follow_up="一个月内回复"), **ITEM_MANAGE)],
    ("supervision", "CompleteOrganMeetingFollowUp"): [Case(lambda w, c: spb.CompleteOrganMeetingFollowUpRequest(
        id=w.organ_meeting("held").id if c.name in WRITERS else w.OM.id, result="已回复代表"), **ITEM_MANAGE)],
    ("supervision", "GetOrganMeeting"): [Case(lambda w, c: spb.GetOrganMeetingRequest(id=w.OM.id),
                                              ok=frozenset({"own", "parent", "auditor", "committee", "system",
                                                            "deputy_own"}),
                                              denied=role_refused(DEPARTMENTS))],
    ("supervision", "ListOrganMeetings"): [Case(lambda w, c: spb.ListOrganMeetingsRequest(region_code=COUNTY_A),
                                                ok=frozenset({"own", "parent", "auditor", "committee", "system"})
                                                | DEPUTIES, default=PD)],
}
CASES |= performance_cases.cases(DEPARTMENTS=DEPARTMENTS, DEPUTY_ROLE=DEPUTY_ROLE, role_refused=role_refused)
CASES |= funding_cases.cases(DEPUTIES=DEPUTIES, DEPUTY_ROLE=DEPUTY_ROLE, DEPARTMENTS=DEPARTMENTS,
                              role_refused=role_refused)
# The services whose domain is still to come describe themselves to any token holder.
CASES |= {(s.name, "GetServiceInfo"): [Case(lambda w, c: common_pb2.GetServiceInfoRequest(), ok=VALID)]
          for s in SERVICES if s.name not in ("roster", "liaison", "identity", "balloting", "supervision",
                                              "evaluation")}

