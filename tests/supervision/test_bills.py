"""Deputies' bills and suggestions (议案建议) and meetings with heads of state organs (约见) over
gRPC, supervision on PostgreSQL and Kafka: an item from submission through co-signing,
registration, assignment, the four in place, the three meetings, the reply and the deputy's
rating, reopened once and rated again; steps out of order refused naming the missing step;
the lateness sweep's letter about an overdue item (time moved, never slept); a meeting from
request to follow-up done; who may see and do what."""
from __future__ import annotations

import io
import time
import uuid
from datetime import datetime, timedelta

import docx
import grpc
import pytest
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A
from lianxin.supervision.v1 import events_pb2 as ev
from lianxin.supervision.v1 import supervision_pb2 as pb
from sqlalchemy import text

from services.supervision.bills_domain import add_months
from services.supervision.letters import Letters
from shared.clock import CHINA, china_today, frozen

IA, NF, PD, FP = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED,
                  grpc.StatusCode.FAILED_PRECONDITION)
STAFF = {"role": "staff", "region": COUNTY_A}
LEAD, CO = "dept-education", "dept-finance"
LEAD_DEPT = {"role": "department", "region": COUNTY_A, "subject": LEAD}
CO_DEPT = {"role": "department", "region": COUNTY_A, "subject": CO}
TABLES = ("items", "item_co_signers", "item_departments", "item_meetings", "item_replies", "item_changes",
          "item_rules", "organ_meetings", "letters")


@pytest.fixture(scope="module")
def sv(start_service, kafka_bootstrap):
    return start_service("supervision", LIANXIN_BUS="kafka", LIANXIN_KAFKA_BOOTSTRAP=kafka_bootstrap,
                         LIANXIN_KAFKA_NAMESPACE=f"bills-{uuid.uuid4().hex[:8]}")


def deputy(name: str = "张代表", region: str = COUNTY_A) -> dict:
    return {"role": "deputy", "region": region, "subject": str(uuid.uuid4()), "name": name}


def rows(sv, sql: str) -> list:
    with sv.engine.connect() as c:
        return list(c.execute(text(sql)))


def events(sv) -> list[str]:
    return [r[0].removeprefix("lianxin.supervision.v1.") for r in rows(sv, "SELECT type FROM outbox ORDER BY seq")]


def state(sv) -> list:
    """Every row of the tables a refused call must leave alone (content, not only counts), and
    the outbox's length (the relay marks rows published meanwhile)."""
    with sv.engine.connect() as c:
        return [list(c.execute(text("SELECT count(*), max(seq) FROM outbox")))] + [
            list(c.execute(text(f"SELECT * FROM {t} ORDER BY 1"))) for t in TABLES]


def refused(sv, method: str, request, code, field: str, **who):
    before = state(sv)
    err = sv.error(method, request, **who)
    assert (err.code(), err.details().partition(":")[0]) == (code, field), err.details()
    assert state(sv) == before
    return err.details()


def submit(sv, who: dict, co_signers=(), kind=pb.ITEM_KIND_SUGGESTION) -> pb.DeputyItem:
    return sv.call("SubmitItem", pb.SubmitItemRequest(
        title="关于改善农村学校供暖条件的建议", content="部分农村学校冬季供暖不足，建议加大投入。", category="教育",
        requested_kind=kind, co_signer_ids=[c["subject"] for c in co_signers]), **who)


def assigned(sv, who: dict, deadline: str = "") -> pb.DeputyItem:
    item = submit(sv, who)
    sv.call("RegisterItem", pb.RegisterItemRequest(id=item.id, kind=pb.ITEM_KIND_SUGGESTION), **STAFF)
    return sv.call("AssignItem", pb.AssignItemRequest(id=item.id, departments=departments(), deadline=deadline),
                   **STAFF)


def departments() -> list[pb.ProjectDepartment]:
    return [pb.ProjectDepartment(department=LEAD, name="市教育局", role=pb.DEPARTMENT_ROLE_LEAD,
                                 responsible_person="王局长"),
            pb.ProjectDepartment(department=CO, name="市财政局", role=pb.DEPARTMENT_ROLE_CO, responsible_person="李红")]


def meeting(sv, item, stage, day=None, **who) -> pb.DeputyItem:
    return sv.call("RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=item.id, stage=stage, held_on=(day or china_today()).isoformat(), form=pb.MEETING_FORM_IN_PERSON,
        notes="与代表当面沟通"), **(who or LEAD_DEPT))


def test_a_bill_from_submission_to_a_second_rating(sv):
    lead = deputy("张代表")
    co = [deputy(f"联名代表{i}") for i in range(9)]
    stranger, elsewhere = deputy("未受邀代表"), dict(co[0], region=COUNTY_B)
    with_events = len(events(sv))
    item = submit(sv, lead, co, kind=pb.ITEM_KIND_BILL)
    assert (item.status, item.signers, item.submitter_name, item.requested_kind) == (
        pb.ITEM_STATUS_SUBMITTED, 1, "张代表", pb.ITEM_KIND_BILL)
    assert [c.signed for c in item.co_signers] == [False] * 9
    assert item.bill_signers_required == 10    # the region's rule shown from submission on
    # The county's rule: ten deputies sign a bill (代表十人以上联名), the submitter included.
    rules = sv.call("GetItemRules", pb.GetItemRulesRequest(region_code=COUNTY_A), **lead)
    assert (rules.bill_signers_required, rules.handling_months, rules.rehandling_months, rules.inherited) == (
        10, 3, 1, True)
    township = sv.call("GetItemRules", pb.GetItemRulesRequest(region_code=TOWNSHIP_A), **STAFF)
    assert township.bill_signers_required == 5

    # Co-signing: only the invited, with a token of the item's congress, once each.
    refused(sv, "CoSignItem", pb.CoSignItemRequest(id=item.id), NF, "id", **stranger)
    refused(sv, "CoSignItem", pb.CoSignItemRequest(id=item.id), NF, "id", **elsewhere)
    for c in co[:8]:
        item = sv.call("CoSignItem", pb.CoSignItemRequest(id=item.id), **c)
    refused(sv, "CoSignItem", pb.CoSignItemRequest(id=item.id), FP, "co_signers", **co[0])
    assert item.signers == 9 and item.co_signers[0].name == "联名代表0"
    # Nine signers are one short of a bill: refused naming the kind, nothing written.
    details = refused(sv, "RegisterItem", pb.RegisterItemRequest(id=item.id, kind=pb.ITEM_KIND_BILL), FP, "kind",
                      **STAFF)
    assert "needs 10" in details and "has 9" in details
    # Handling before registration and assignment is out of order.
    refused(sv, "AssignItem", pb.AssignItemRequest(id=item.id, departments=departments()), FP, "registration",
            **STAFF)
    item = sv.call("CoSignItem", pb.CoSignItemRequest(id=item.id), **co[8])
    item = sv.call("RegisterItem", pb.RegisterItemRequest(id=item.id, kind=pb.ITEM_KIND_BILL, note="符合议案要求"),
                   **STAFF)
    year = china_today().year
    assert (item.status, item.kind, item.signers, item.bill_signers_required, item.number) == (
        pb.ITEM_STATUS_REGISTERED, pb.ITEM_KIND_BILL, 10, 10, f"昌吉市{year}年第1号议案")
    refused(sv, "CoSignItem", pb.CoSignItemRequest(id=item.id), FP, "status", **co[0])
    refused(sv, "RegisterItem", pb.RegisterItemRequest(id=item.id, kind=pb.ITEM_KIND_SUGGESTION), FP, "status",
            **STAFF)

    # Assignment: the deadline defaults to three months from today (China days).
    item = sv.call("AssignItem", pb.AssignItemRequest(id=item.id, departments=departments()), **STAFF)
    assert (item.status, item.deadline) == (pb.ITEM_STATUS_ASSIGNED, add_months(china_today(), 3).isoformat())
    assert [(x.department, x.role) for x in item.departments] == [(LEAD, pb.DEPARTMENT_ROLE_LEAD),
                                                                  (CO, pb.DEPARTMENT_ROLE_CO)]
    # Before the four in place: no meeting, no reply.
    refused(sv, "ReplyItem", pb.ReplyItemRequest(id=item.id, reply_class=pb.REPLY_CLASS_A, text="答复"), FP,
            "four_in_place", **LEAD_DEPT)
    refused(sv, "RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=item.id, stage=pb.MEETING_STAGE_HANDLING, held_on=china_today().isoformat(),
        form=pb.MEETING_FORM_PHONE), FP, "four_in_place", **LEAD_DEPT)
    four = pb.RecordFourInPlaceRequest(id=item.id, plan="分两年改造供暖设施", measures="财政专项资金支持",
                                       target="全部农村学校达到供暖标准", time_limit=f"{year + 1}-10-31")
    # The lead department records the four in place; a co-department reads but may not.
    refused(sv, "RecordFourInPlace", four, PD, "the lead department (主办) handles the item; co-departments assist",
            **CO_DEPT)
    assert sv.call("GetItem", pb.GetItemRequest(id=item.id), **CO_DEPT).id == item.id
    # 方案见面 is on the plan, one of the four in place: not before them either.
    refused(sv, "RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=item.id, stage=pb.MEETING_STAGE_PLAN, held_on=china_today().isoformat(), form=pb.MEETING_FORM_PHONE),
        FP, "four_in_place", **LEAD_DEPT)
    item = sv.call("RecordFourInPlace", four, **LEAD_DEPT)
    assert item.status == pb.ITEM_STATUS_HANDLING and item.four_in_place.time_limit == f"{year + 1}-10-31"
    refused(sv, "RecordFourInPlace", four, FP, "four_in_place", **LEAD_DEPT)
    assert list(item.meetings_required) == [pb.MEETING_STAGE_PLAN, pb.MEETING_STAGE_HANDLING, pb.MEETING_STAGE_REPLY]
    refused(sv, "RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=item.id, stage=pb.MEETING_STAGE_HANDLING, held_on=china_today().isoformat(), form=pb.MEETING_FORM_PHONE),
        FP, "meetings", **LEAD_DEPT)
    item = meeting(sv, item, pb.MEETING_STAGE_PLAN)
    # The three meetings in order; the reply waits for the meeting on it.
    refused(sv, "RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=item.id, stage=pb.MEETING_STAGE_REPLY, held_on=china_today().isoformat(), form=pb.MEETING_FORM_PHONE),
        FP, "meetings", **LEAD_DEPT)
    item = meeting(sv, item, pb.MEETING_STAGE_HANDLING)
    refused(sv, "ReplyItem", pb.ReplyItemRequest(id=item.id, reply_class=pb.REPLY_CLASS_B, text="答复"), FP,
            "meetings", **LEAD_DEPT)
    refused(sv, "RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=item.id, stage=pb.MEETING_STAGE_HANDLING, held_on=china_today().isoformat(), form=pb.MEETING_FORM_PHONE),
        FP, "stage", **LEAD_DEPT)
    refused(sv, "RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=item.id, stage=pb.MEETING_STAGE_REPLY, held_on=(china_today() + timedelta(days=1)).isoformat(),
        form=pb.MEETING_FORM_PHONE), IA, "held_on", **LEAD_DEPT)
    item = meeting(sv, item, pb.MEETING_STAGE_REPLY)
    # The rating waits for the reply.
    refused(sv, "RateItemReply", pb.RateItemReplyRequest(id=item.id, rating=pb.REPLY_RATING_SATISFIED), FP, "reply",
            **lead)
    item = sv.call("ReplyItem", pb.ReplyItemRequest(id=item.id, reply_class=pb.REPLY_CLASS_B,
                                                    text="已列入明年预算，分两年实施。"), **LEAD_DEPT)
    assert item.status == pb.ITEM_STATUS_REPLIED and item.replies[0].reply_class == pb.REPLY_CLASS_B

    # A co-signer reads but does not rate; the submitter's unsatisfied rating reopens handling
    # once, with a new deadline a month on.
    refused(sv, "RateItemReply", pb.RateItemReplyRequest(id=item.id, rating=pb.REPLY_RATING_SATISFIED), PD,
            "the submitting deputy (领衔代表) rates the reply", **co[1])
    item = sv.call("RateItemReply", pb.RateItemReplyRequest(id=item.id, rating=pb.REPLY_RATING_UNSATISFIED,
                                                            comment="时间太长"), **lead)
    assert (item.status, item.round, item.deadline, item.final_rating) == (
        pb.ITEM_STATUS_HANDLING, 2, add_months(china_today(), 1).isoformat(), pb.REPLY_RATING_UNSPECIFIED)
    assert (item.replies[0].rating, item.replies[0].rating_comment) == (pb.REPLY_RATING_UNSATISFIED, "时间太长")
    # Round 2: no second plan meeting, and the item says so (only the meeting before the reply
    # is required); the reply again waits for its meeting.
    assert list(item.meetings_required) == [pb.MEETING_STAGE_REPLY]
    refused(sv, "RecordItemMeeting", pb.RecordItemMeetingRequest(
        id=item.id, stage=pb.MEETING_STAGE_PLAN, held_on=china_today().isoformat(), form=pb.MEETING_FORM_PHONE),
        FP, "stage", **LEAD_DEPT)
    refused(sv, "ReplyItem", pb.ReplyItemRequest(id=item.id, reply_class=pb.REPLY_CLASS_A, text="答复"), FP,
            "meetings", **LEAD_DEPT)
    item = meeting(sv, item, pb.MEETING_STAGE_REPLY, **STAFF)   # the office enters it for the department
    item = sv.call("ReplyItem", pb.ReplyItemRequest(id=item.id, reply_class=pb.REPLY_CLASS_A,
                                                    text="已调整计划，今年内完成改造。"), **LEAD_DEPT)
    item = sv.call("RateItemReply", pb.RateItemReplyRequest(id=item.id, rating=pb.REPLY_RATING_UNSATISFIED), **lead)
    assert (item.status, item.round, item.final_rating) == (pb.ITEM_STATUS_CLOSED, 2, pb.REPLY_RATING_UNSATISFIED)
    assert [(r.round, r.reply_class, r.rating) for r in item.replies] == [
        (1, pb.REPLY_CLASS_B, pb.REPLY_RATING_UNSATISFIED), (2, pb.REPLY_CLASS_A, pb.REPLY_RATING_UNSATISFIED)]
    refused(sv, "RateItemReply", pb.RateItemReplyRequest(id=item.id, rating=pb.REPLY_RATING_SATISFIED), FP, "status",
            **lead)

    # Every change kept in the history, each published.
    assert [h.action for h in item.history] == (
        ["submitted"] + ["co_signed"] * 9 + ["registered", "assigned", "four_in_place", "meeting", "meeting",
                                             "meeting", "replied", "reopened", "meeting", "replied", "closed"])
    assert item.history[-1].after == "不满意：办结"
    assert events(sv)[with_events:] == (
        ["ItemSubmitted"] + ["ItemCoSigned"] * 9 + ["ItemRegistered", "ItemAssigned", "FourInPlaceRecorded",
                                                    "ItemMeetingRecorded", "ItemMeetingRecorded", "ItemMeetingRecorded",
                                                    "ItemReplied", "ItemRated", "ItemMeetingRecorded", "ItemReplied",
                                                    "ItemRated"])
    rated = ev.ItemRated.FromString(rows(sv, "SELECT data FROM outbox WHERE type = "
                                             "'lianxin.supervision.v1.ItemRated' ORDER BY seq DESC LIMIT 1")[0][0])
    assert (rated.item.id, rated.item.final_rating, rated.change.action) == (item.id, pb.REPLY_RATING_UNSATISFIED,
                                                                            "closed")


def test_a_satisfied_rating_closes_and_the_regions_rules_apply(sv):
    # A township congress: five sign a bill by default; the county's office asks six there.
    lead = deputy("李代表", TOWNSHIP_A)
    co = [deputy(f"乡代表{i}", TOWNSHIP_A) for i in range(5)]
    item = submit(sv, lead, co, kind=pb.ITEM_KIND_BILL)
    for c in co[:4]:
        sv.call("CoSignItem", pb.CoSignItemRequest(id=item.id), **c)
    refused(sv, "SetItemRules", pb.SetItemRulesRequest(rules=pb.ItemRules(
        region_code=TOWNSHIP_A, bill_signers_required=4, handling_months=3, rehandling_months=1)), IA,
        "rules.bill_signers_required", **STAFF)
    refused(sv, "SetItemRules", pb.SetItemRulesRequest(rules=pb.ItemRules(
        region_code=TOWNSHIP_A, bill_signers_required=6, handling_months=3, rehandling_months=1)), PD,
        f"region {TOWNSHIP_A} is outside the caller's region {COUNTY_B}", role="staff", region=COUNTY_B)
    rules = sv.call("SetItemRules", pb.SetItemRulesRequest(rules=pb.ItemRules(
        region_code=TOWNSHIP_A, bill_signers_required=6, handling_months=2, rehandling_months=1)), **STAFF)
    assert (rules.bill_signers_required, rules.inherited) == (6, False)
    refused(sv, "RegisterItem", pb.RegisterItemRequest(id=item.id, kind=pb.ITEM_KIND_BILL), FP, "kind", **STAFF)
    sv.call("CoSignItem", pb.CoSignItemRequest(id=item.id), **co[4])
    township = {"role": "department", "region": TOWNSHIP_A, "subject": LEAD}
    item = sv.call("RegisterItem", pb.RegisterItemRequest(id=item.id, kind=pb.ITEM_KIND_BILL), **STAFF)
    item = sv.call("AssignItem", pb.AssignItemRequest(id=item.id, departments=departments()), **STAFF)
    assert item.deadline == add_months(china_today(), 2).isoformat()
    # The county's department of the same subject does not see the township's item.
    refused(sv, "GetItem", pb.GetItemRequest(id=item.id), NF, "id", **LEAD_DEPT)
    item = sv.call("RecordFourInPlace", pb.RecordFourInPlaceRequest(
        id=item.id, plan="方案", measures="措施", target="目标", time_limit=item.deadline), **township)
    item = meeting(sv, item, pb.MEETING_STAGE_PLAN, **township)
    item = meeting(sv, item, pb.MEETING_STAGE_HANDLING, **township)
    item = meeting(sv, item, pb.MEETING_STAGE_REPLY, **township)
    item = sv.call("ReplyItem", pb.ReplyItemRequest(id=item.id, reply_class=pb.REPLY_CLASS_A, text="已解决"),
                   **township)
    item = sv.call("RateItemReply", pb.RateItemReplyRequest(id=item.id, rating=pb.REPLY_RATING_BASICALLY_SATISFIED),
                   **lead)
    assert (item.status, item.round, item.final_rating) == (pb.ITEM_STATUS_CLOSED, 1,
                                                            pb.REPLY_RATING_BASICALLY_SATISFIED)


def test_an_overdue_item_gets_one_letter_to_its_lead_department(sv):
    due = china_today() + timedelta(days=1)
    lead = deputy("王代表")
    item = assigned(sv, lead, deadline=due.isoformat())
    sweep = Letters(sv.runtime).sweep

    def on(day):
        return frozen(datetime.combine(day, datetime.min.time()).replace(hour=12, tzinfo=CHINA))

    with on(due):
        assert sweep() == 0                      # due today is not late yet
    with on(due + timedelta(days=4)):
        assert sweep() == 1
        assert sweep() == 0                      # one letter per lateness
    letters = sv.call("ListLetters", pb.ListLettersRequest(region_code=COUNTY_A, item_id=item.id), **STAFF).letters
    assert [(x.subject_kind, x.subject_id, x.project_id, x.kind, x.days_late, x.department) for x in letters] == [
        (pb.LETTER_SUBJECT_KIND_ITEM, item.id, "", pb.LATENESS_KIND_ITEM_OVERDUE, 4, LEAD)]
    full = sv.call("GetLetter", pb.GetLetterRequest(id=letters[0].id), **LEAD_DEPT)
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(full.document)).paragraphs)
    assert f"你单位作为主办单位承办的王代表代表提出的建议“关于改善农村学校供暖条件的建议”（{item.number}）" in body
    assert f"应于{due.year}年{due.month}月{due.day}日前办结答复" in body
    # The co-department sees no letter addressed to the lead; the item's history keeps it.
    assert sv.call("ListLetters", pb.ListLettersRequest(region_code=COUNTY_A), **CO_DEPT).letters == []
    got = sv.call("GetItem", pb.GetItemRequest(id=item.id), **lead)
    assert got.history[-1].action == "letter" and got.history[-1].after.startswith(letters[0].number)
    # Handled, replied and rated unsatisfied: round 2 has its own deadline, and its own letter when late.
    sv.call("RecordFourInPlace", pb.RecordFourInPlaceRequest(id=item.id, plan="方案", measures="措施", target="目标",
                                                             time_limit=due.isoformat()), **LEAD_DEPT)
    item = meeting(sv, item, pb.MEETING_STAGE_PLAN)
    meeting(sv, item, pb.MEETING_STAGE_HANDLING)
    meeting(sv, item, pb.MEETING_STAGE_REPLY)
    sv.call("ReplyItem", pb.ReplyItemRequest(id=item.id, reply_class=pb.REPLY_CLASS_C, text="暂不具备条件"), **LEAD_DEPT)
    with on(due + timedelta(days=5)):
        assert sweep() == 0                      # replied: the deputy's rating is awaited, not the department
    item = sv.call("RateItemReply", pb.RateItemReplyRequest(id=item.id, rating=pb.REPLY_RATING_UNSATISFIED), **lead)
    again = add_months(china_today(), 1)
    assert item.deadline == again.isoformat()
    with on(again + timedelta(days=2)):
        assert sweep() == 1
        assert sweep() == 0
    letters = sv.call("ListLetters", pb.ListLettersRequest(item_id=item.id), **STAFF).letters
    assert [x.days_late for x in letters] == [2, 4]          # newest first
    # The deputy of another item may not list this one's letters.
    refused(sv, "ListLetters", pb.ListLettersRequest(region_code=COUNTY_A, item_id=item.id), PD,
            "a deputy account may not read letter (letter.read), "
            "which is granted to staff, department, committee, auditor, system", **lead)


def test_a_meeting_with_a_head_of_a_state_organ_until_the_follow_up_is_done(sv):
    me = deputy("赵代表")
    m = sv.call("RequestOrganMeeting", pb.RequestOrganMeetingRequest(
        organ="昌吉市人民政府", subject="农村饮水安全", reason="多个村反映自来水水压不足"), **me)
    assert (m.status, m.deputy_name, m.region_code) == (pb.ORGAN_MEETING_STATUS_REQUESTED, "赵代表", COUNTY_A)
    refused(sv, "RecordOrganMeeting", pb.RecordOrganMeetingRequest(id=m.id, outcome="x", follow_up="y"), FP, "arrangement",
            **STAFF)
    refused(sv, "ArrangeOrganMeeting", pb.ArrangeOrganMeetingRequest(
        id=m.id, meeting_on="2030-01-01", organ="昌吉市人民政府", head_name="刘副市长", head_post="副市长"), PD,
        "a deputy account may not manage organ meeting (organ_meeting.manage), "
        "which is granted to staff, committee, system", **me)
    today = china_today()
    later = today + timedelta(days=3)
    m = sv.call("ArrangeOrganMeeting", pb.ArrangeOrganMeetingRequest(
        id=m.id, meeting_on=later.isoformat(), organ="昌吉市人民政府", head_name="刘副市长", head_post="副市长"), **STAFF)
    assert (m.status, m.meeting_on, m.head_name, m.head_post) == (pb.ORGAN_MEETING_STATUS_ARRANGED,
                                                                  later.isoformat(), "刘副市长", "副市长")
    # Not held before its day; re-arranged to today, then recorded with the follow-up promised.
    refused(sv, "RecordOrganMeeting", pb.RecordOrganMeetingRequest(id=m.id, outcome="x", follow_up="y"), FP,
            "meeting_on", **STAFF)
    m = sv.call("ArrangeOrganMeeting", pb.ArrangeOrganMeetingRequest(
        id=m.id, meeting_on=today.isoformat(), organ="昌吉市水务局", head_name="陈局长", head_post="局长"), **STAFF)
    refused(sv, "CompleteOrganMeetingFollowUp", pb.CompleteOrganMeetingFollowUpRequest(id=m.id, result="x"), FP,
            "outcome", **STAFF)
    # A follow-up left blank is refused: only an explicit no_follow_up closes a meeting at once.
    refused(sv, "RecordOrganMeeting", pb.RecordOrganMeetingRequest(id=m.id, outcome="x", follow_up=" "), IA,
            "follow_up", **STAFF)
    refused(sv, "RecordOrganMeeting", pb.RecordOrganMeetingRequest(id=m.id, outcome="x", follow_up="y",
                                                                   no_follow_up=True), IA, "no_follow_up", **STAFF)
    m = sv.call("RecordOrganMeeting", pb.RecordOrganMeetingRequest(
        id=m.id, outcome="水务局承认管网老化", follow_up="一个月内完成增压泵站改造"), **STAFF)
    assert (m.status, m.follow_up) == (pb.ORGAN_MEETING_STATUS_HELD, "一个月内完成增压泵站改造")
    refused(sv, "ArrangeOrganMeeting", pb.ArrangeOrganMeetingRequest(
        id=m.id, meeting_on=today.isoformat(), organ="昌吉市水务局", head_name="陈局长", head_post="局长"), FP, "status",
        **STAFF)
    held = sv.call("ListOrganMeetings", pb.ListOrganMeetingsRequest(status=pb.ORGAN_MEETING_STATUS_HELD), **STAFF)
    assert m.id in [x.id for x in held.meetings]
    m = sv.call("CompleteOrganMeetingFollowUp", pb.CompleteOrganMeetingFollowUpRequest(
        id=m.id, result="增压泵站已投入使用"), **STAFF)
    assert (m.status, m.follow_up_result) == (pb.ORGAN_MEETING_STATUS_DONE, "增压泵站已投入使用")
    assert m.completed_at.seconds and m.completed_by == "clerk-test"
    refused(sv, "CompleteOrganMeetingFollowUp", pb.CompleteOrganMeetingFollowUpRequest(id=m.id, result="x"), FP,
            "status", **STAFF)
    assert sv.call("GetOrganMeeting", pb.GetOrganMeetingRequest(id=m.id), **me).status == pb.ORGAN_MEETING_STATUS_DONE
    # Another deputy, and the office of another county, do not see it.
    refused(sv, "GetOrganMeeting", pb.GetOrganMeetingRequest(id=m.id), NF, "id", **deputy("钱代表"))
    refused(sv, "GetOrganMeeting", pb.GetOrganMeetingRequest(id=m.id), NF, "id", role="staff", region=COUNTY_B)
    mine = sv.call("ListOrganMeetings", pb.ListOrganMeetingsRequest(), **me)
    assert [x.id for x in mine.meetings] == [m.id]
    assert events(sv)[-4:] == ["OrganMeetingArranged", "OrganMeetingArranged", "OrganMeetingHeld",
                               "OrganMeetingFollowedUp"]
    # A meeting that promised nothing says so (no_follow_up) and is done at once.
    n = sv.call("RequestOrganMeeting", pb.RequestOrganMeetingRequest(organ="昌吉市教育局", subject="校车", reason="校车不足"),
                **me)
    sv.call("ArrangeOrganMeeting", pb.ArrangeOrganMeetingRequest(
        id=n.id, meeting_on=today.isoformat(), organ="昌吉市教育局", head_name="李局长", head_post="局长"), **STAFF)
    n = sv.call("RecordOrganMeeting", pb.RecordOrganMeetingRequest(id=n.id, outcome="当面说明已增购校车",
                                                                   no_follow_up=True), **STAFF)
    assert (n.status, n.follow_up) == (pb.ORGAN_MEETING_STATUS_DONE, "")


def test_each_sees_only_their_own_items(sv):
    a, b, invited = deputy("甲代表"), deputy("乙代表"), deputy("丙代表")
    mine = submit(sv, a, [invited])
    # A retried submission (the same request_id) answers the first item, adding nothing.
    key = str(uuid.uuid4())
    again = [sv.call("SubmitItem", pb.SubmitItemRequest(title="重复提交", content="内容", category="教育",
                                                        request_id=key), **a) for _ in range(2)]
    assert again[0].id == again[1].id and again[0].id != mine.id
    theirs = assigned(sv, b)
    # A deputy: their own and those they were invited to co-sign, in their token's region.
    assert [x.id for x in sv.call("ListItems", pb.ListItemsRequest(), **a).items] == [mine.id, again[0].id]
    assert [x.id for x in sv.call("ListItems", pb.ListItemsRequest(), **invited).items] == [mine.id]
    # Registered before the invited deputy signed: the invitation lapses (co-signing is closed,
    # said so), but the invited deputy still sees the item, listed as invited and not signed.
    sv.call("RegisterItem", pb.RegisterItemRequest(id=mine.id, kind=pb.ITEM_KIND_SUGGESTION), **STAFF)
    refused(sv, "CoSignItem", pb.CoSignItemRequest(id=mine.id), FP, "status", **invited)
    seen = sv.call("GetItem", pb.GetItemRequest(id=mine.id), **invited)
    assert (seen.signers, [(c.deputy_id, c.signed) for c in seen.co_signers]) == (1, [(invited["subject"], False)])
    assert [x.id for x in sv.call("ListItems", pb.ListItemsRequest(), **invited).items] == [mine.id]
    refused(sv, "GetItem", pb.GetItemRequest(id=theirs.id), NF, "id", **a)
    refused(sv, "GetItem", pb.GetItemRequest(id=mine.id), NF, "id", **dict(a, region=COUNTY_B))
    # Deputies do not register, assign or handle; departments see only what is assigned to them.
    refused(sv, "RegisterItem", pb.RegisterItemRequest(id=mine.id, kind=pb.ITEM_KIND_SUGGESTION), PD,
            "a deputy account may not manage item (item.manage), which is granted to staff, committee, system", **a)
    refused(sv, "GetItem", pb.GetItemRequest(id=mine.id), NF, "id", **LEAD_DEPT)
    listed = sv.call("ListItems", pb.ListItemsRequest(region_code=COUNTY_A), **LEAD_DEPT).items
    assert theirs.id in [x.id for x in listed] and mine.id not in [x.id for x in listed]
    other_dept = {"role": "department", "region": COUNTY_A, "subject": "dept-other"}
    refused(sv, "GetItem", pb.GetItemRequest(id=theirs.id), NF, "id", **other_dept)
    refused(sv, "RecordFourInPlace", pb.RecordFourInPlaceRequest(
        id=theirs.id, plan="方案", measures="措施", target="目标", time_limit="2099-01-01"), NF, "id", **other_dept)
    # The office of another county does not see it; the prefecture's office does.
    refused(sv, "GetItem", pb.GetItemRequest(id=theirs.id), NF, "id", role="staff", region=COUNTY_B)
    refused(sv, "AssignItem", pb.AssignItemRequest(id=theirs.id, departments=departments()), NF, "id",
            role="staff", region=COUNTY_B)
    assert sv.call("GetItem", pb.GetItemRequest(id=theirs.id), role="auditor", region=PREFECTURE).id == theirs.id
    filtered = sv.call("ListItems", pb.ListItemsRequest(region_code=COUNTY_A, status=pb.ITEM_STATUS_SUBMITTED),
                       **STAFF).items
    assert again[0].id in [x.id for x in filtered] and theirs.id not in [x.id for x in filtered]
    # Bad input specific to items: the submitter among co-signers, one named twice; a past deadline.
    refused(sv, "SubmitItem", pb.SubmitItemRequest(title="t", content="c", category="教育",
                                                   co_signer_ids=[a["subject"]]), IA, "co_signer_ids[0]", **a)
    refused(sv, "SubmitItem", pb.SubmitItemRequest(title="t", content="c", category="教育",
                                                   co_signer_ids=[b["subject"], b["subject"]]),
            IA, "co_signer_ids[1]", **a)
    refused(sv, "AssignItem", pb.AssignItemRequest(id=mine.id, departments=departments(),
                                                   deadline=china_today().isoformat()), IA, "deadline", **STAFF)


def test_the_items_and_meetings_above_count_in_the_supervision_statistics(sv):
    """GetSupervisionStatistics, rolled up from this deployment's own events over Kafka, agrees
    with the items and meetings the tests above left in its database: bills and suggestions
    registered, each item's latest reply by class and whether its rating was satisfied,
    meetings with heads of state organs held."""
    year = china_today().year
    path = sv.runtime.regions.get(COUNTY_A).path
    within = f"(region_path = '{path}' OR region_path LIKE '{path}/%')"
    latest = rows(sv, f"SELECT i.kind, r.reply_class, r.rating FROM items i LEFT JOIN item_replies r ON r.item_id = i.id "
                      f"AND r.round = (SELECT max(round) FROM item_replies x WHERE x.item_id = i.id) "
                      f"WHERE i.kind > 0 AND i.year = {year} AND {within.replace('region_path', 'i.region_path')}")
    held = rows(sv, f"SELECT meeting_on FROM organ_meetings WHERE status IN ({pb.ORGAN_MEETING_STATUS_HELD}, "
                    f"{pb.ORGAN_MEETING_STATUS_DONE}) AND {within}")
    expected = (sum(k == pb.ITEM_KIND_BILL for k, _, _ in latest), sum(k == pb.ITEM_KIND_SUGGESTION for k, _, _ in latest),
                sum(c == pb.REPLY_CLASS_A for _, c, _ in latest), sum(c == pb.REPLY_CLASS_B for _, c, _ in latest),
                sum(c == pb.REPLY_CLASS_C for _, c, _ in latest),
                sum(r == pb.REPLY_RATING_SATISFIED for _, _, r in latest), sum(d.year == year for d, in held))
    assert expected[0] >= 1 and expected[2] >= 1 and expected[6] >= 1, expected   # the tests above made some

    def figures():
        t = sv.call("GetSupervisionStatistics", pb.GetSupervisionStatisticsRequest(region_code=COUNTY_A, year=year),
                    **STAFF).total
        return (t.bills_received, t.suggestions_received, t.replies_a, t.replies_b, t.replies_c, t.rated_satisfied,
                t.meetings_held)
    deadline = datetime.now().timestamp() + 60
    while figures() != expected and datetime.now().timestamp() < deadline:
        time.sleep(0.1)
    assert figures() == expected
