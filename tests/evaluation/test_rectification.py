"""What follows a published vote: a project rated 不满意 and one unfinished at year end require
rectification (整改) from their lead department, tracked to completion with reminders past
their days; staff record an interpellation (质询) on one; bad input writes nothing."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import grpc
import pytest
from evaluation_support import LEAD, wait
from lianxin.evaluation.v1 import satisfaction_pb2 as pb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as spb

from services.evaluation.rectifications import Rectifications
from shared.clock import china_today, frozen

pytestmark = pytest.mark.kafka

MANAS = "652324"                   # 玛纳斯县
STAFF = {"role": "staff", "region": MANAS}
DEPT = {"role": "department", "region": MANAS, "subject": LEAD}
U, S = pb.RATING_UNSATISFIED, pb.RATING_SATISFIED


def test_unsatisfied_and_unfinished_projects_are_rectified_with_reminders_and_inquiries(world):
    done, bad, late = (world.project(MANAS, 2023, title=t) for t in ("A 供暖改造", "B 农贸市场", "C 污水管网"))
    world.finish(done)
    world.finish(bad)
    world.finish(late, percent=60)
    world.known([done, bad])
    world.known([done, bad], progress="100.00")
    world.known([late], progress="60.00")
    deputies = world.deputies(MANAS, rpb.LEVEL_COUNTY, 3)
    # The region's own thresholds: 满意 needs more than two thirds.
    rules = world.e.call("SetSatisfactionRules", pb.SetSatisfactionRulesRequest(rules=pb.SatisfactionRules(
        region_code=MANAS, quorum_percent=60, satisfied_percent=66, acceptable_percent=50, plan_days=20)), **STAFF)
    assert rules.inherited_from == MANAS
    township = world.e.call("GetSatisfactionRules", pb.GetSatisfactionRulesRequest(region_code="652324100"),
                            **STAFF)
    assert (township.satisfied_percent, township.inherited_from) == (66, MANAS)
    vote = world.e.call("OpenSatisfactionVote", pb.OpenSatisfactionVoteRequest(
        region_code=MANAS, year=2023, title="玛纳斯县2023年民生实事满意度测评"), **STAFF)
    assert [(p.title, p.finished) for p in vote.projects] == [("A 供暖改造", True), ("B 农贸市场", True),
                                                              ("C 污水管网", False)]
    for dep in deputies:
        world.e.call("CastSatisfactionBallot", pb.CastSatisfactionBallotRequest(vote_id=vote.id, ratings=[
            pb.ProjectRating(project_id=vote.projects[0].project_id, rating=S),
            pb.ProjectRating(project_id=vote.projects[1].project_id, rating=U),
            pb.ProjectRating(project_id=vote.projects[2].project_id, rating=S)]),
            role="deputy", region=MANAS, subject=dep.id)
    world.e.call("CloseSatisfactionVote", pb.CloseSatisfactionVoteRequest(id=vote.id), **STAFF)
    published = world.e.call("PublishSatisfactionResult", pb.PublishSatisfactionResultRequest(id=vote.id), **STAFF)
    assert published.satisfaction_rate == "66.67"
    assert [p.verdict for p in published.projects] == [S, U, S]
    listed = world.e.call("ListRectifications", pb.ListRectificationsRequest(region_code=MANAS, year=2023),
                          **STAFF).rectifications
    assert sorted((r.title, r.verdict, r.unfinished, r.department, r.status) for r in listed) == [
        ("B 农贸市场", U, False, LEAD, pb.RECTIFICATION_STATUS_REQUIRED),
        ("C 污水管网", S, True, LEAD, pb.RECTIFICATION_STATUS_REQUIRED)]
    assert {p.rectification_id for p in published.projects} == {"", *(r.id for r in listed)}
    plan_due = china_today() + timedelta(days=20)
    assert {r.plan_due for r in listed} == {plan_due.isoformat()}
    assert world.events()[-2:] == ["RectificationRequired", "RectificationRequired"]
    market = next(r for r in listed if r.title == "B 农贸市场")
    sewer = next(r for r in listed if r.title == "C 污水管网")

    # The department answers its own; another department sees nothing of it.
    assert world.e.call("ListRectifications", pb.ListRectificationsRequest(region_code=MANAS),
                        role="department", region=MANAS, subject="dept-other").total_size == 0
    hidden = world.e.error("GetRectification", pb.GetRectificationRequest(id=market.id),
                           role="department", region=MANAS, subject="dept-other")
    assert hidden.code() is grpc.StatusCode.NOT_FOUND
    with world.expect_no_writes():
        blank = world.e.error("SubmitRectificationPlan", pb.SubmitRectificationPlanRequest(
            id=market.id, explanation="  ", plan="整改", due_date="2099-01-01"), **DEPT)
        past = world.e.error("SubmitRectificationPlan", pb.SubmitRectificationPlanRequest(
            id=market.id, explanation="说明", plan="整改", due_date="2001-01-01"), **DEPT)
    assert blank.code() is grpc.StatusCode.INVALID_ARGUMENT and blank.details().startswith("explanation")
    assert past.code() is grpc.StatusCode.INVALID_ARGUMENT and past.details().startswith("due_date")
    planned = world.e.call("SubmitRectificationPlan", pb.SubmitRectificationPlanRequest(
        id=market.id, explanation="市场摊位设计不合理，群众反映强烈。", plan="重新规划摊位，增设停车位。",
        due_date=(china_today() + timedelta(days=90)).isoformat()), **DEPT)
    assert planned.status == pb.RECTIFICATION_STATUS_PLANNED
    # A plan edited later replaces it on the rectification; each version stays in its history.
    revised = world.e.call("SubmitRectificationPlan", pb.SubmitRectificationPlanRequest(
        id=market.id, explanation="市场摊位设计不合理。", plan="重新规划摊位，增设停车位和公厕。",
        due_date=(china_today() + timedelta(days=120)).isoformat()), **STAFF, name="李干事")
    assert (revised.plan, len(revised.history)) == ("重新规划摊位，增设停车位和公厕。", 2)
    # The same plan sent again (a retry, a form posted twice) is no third version and no event.
    with world.expect_no_writes():
        again = world.e.call("SubmitRectificationPlan", pb.SubmitRectificationPlanRequest(
            id=market.id, explanation="市场摊位设计不合理。", plan="重新规划摊位，增设停车位和公厕。",
            due_date=(china_today() + timedelta(days=120)).isoformat()), **STAFF, name="李干事")
    assert len(again.history) == 2
    shown = world.e.call("GetRectification", pb.GetRectificationRequest(id=market.id), **DEPT)
    assert [(x.kind, x.by_role, x.by_name, x.explanation, x.plan, x.due_date) for x in shown.history] == [
        (pb.RECTIFICATION_STEP_KIND_PLAN_SUBMITTED, "department", "", "市场摊位设计不合理，群众反映强烈。",
         "重新规划摊位，增设停车位。", (china_today() + timedelta(days=90)).isoformat()),
        (pb.RECTIFICATION_STEP_KIND_PLAN_SUBMITTED, "staff", "李干事", "市场摊位设计不合理。",
         "重新规划摊位，增设停车位和公厕。", (china_today() + timedelta(days=120)).isoformat())]
    assert shown.history[0].by_subject == LEAD and shown.history[0].at.seconds <= shown.history[1].at.seconds
    assert not world.e.call("ListRectifications", pb.ListRectificationsRequest(region_code=MANAS, year=2023),
                            **STAFF).rectifications[0].history

    # Reminders: one event per lateness, the sewer's plan past its day, the market's rectification past its own.
    sweep = Rectifications(world.e.runtime)
    before = world.events()
    day = datetime.combine(plan_due + timedelta(days=3), datetime.min.time(), tzinfo=timezone.utc)
    with frozen(day):
        assert sweep.sweep() == 1
        assert sweep.sweep() == 0
    assert world.events()[len(before):] == ["RectificationOverdue"]
    with frozen(day + timedelta(days=100)):
        assert sweep.sweep() == 1
    assert world.e.call("GetRectification", pb.GetRectificationRequest(id=sewer.id), **STAFF).reminders == 1

    # 质询 on the sewer: the organ, the questions, then the answers and the follow-up. The record
    # is of a meeting held: a day after today is refused, naming the field, nothing written.
    before = world.digest()
    ahead = world.e.error("OpenInquiry", pb.OpenInquiryRequest(
        rectification_id=sewer.id, kind=pb.INQUIRY_KIND_INTERPELLATION, organ="县住房和城乡建设局",
        questions=["何时完工？"], held_on=(china_today() + timedelta(days=1)).isoformat()), **STAFF)
    assert ahead.code() is grpc.StatusCode.INVALID_ARGUMENT and ahead.details().startswith("held_on:")
    assert world.digest() == before
    inquiry = world.e.call("OpenInquiry", pb.OpenInquiryRequest(
        rectification_id=sewer.id, kind=pb.INQUIRY_KIND_INTERPELLATION, organ="县住房和城乡建设局",
        questions=["污水管网为何当年未完工？", "何时完工？"], held_on=china_today().isoformat()), **STAFF)
    assert (inquiry.status, inquiry.title, list(inquiry.questions)) == (
        pb.INQUIRY_STATUS_OPEN, "C 污水管网", ["污水管网为何当年未完工？", "何时完工？"])
    answered = world.e.call("RecordInquiryAnswers", pb.RecordInquiryAnswersRequest(
        id=inquiry.id, answers=["征地拆迁延误。", "2034年6月底前完工。"], follow_up="常委会6月听取专项报告", close=True),
        **STAFF)
    assert answered.status == pb.INQUIRY_STATUS_CLOSED and answered.follow_up == "常委会6月听取专项报告"
    listed = world.e.call("ListInquiries", pb.ListInquiriesRequest(region_code=MANAS, rectification_id=sewer.id),
                          role="deputy", region=MANAS, subject=deputies[0].id)
    assert [i.id for i in listed.inquiries] == [inquiry.id]
    refused = world.e.error("OpenInquiry", pb.OpenInquiryRequest(
        rectification_id=sewer.id, kind=pb.INQUIRY_KIND_INQUIRY, organ="县住建局", questions=["?"],
        held_on=china_today().isoformat()), **DEPT)
    assert refused.code() is grpc.StatusCode.PERMISSION_DENIED

    # Completion after the plan, then nothing more.
    early = world.e.error("CompleteRectification", pb.CompleteRectificationRequest(id=sewer.id, report="完工"),
                          **DEPT)
    assert early.code() is grpc.StatusCode.FAILED_PRECONDITION
    done_ = world.e.call("CompleteRectification", pb.CompleteRectificationRequest(
        id=market.id, report="摊位已重新规划，新增停车位120个。"), **STAFF)
    assert done_.status == pb.RECTIFICATION_STATUS_RECTIFIED and done_.report.startswith("摊位")
    assert world.events()[-1] == "RectificationCompleted"


def test_the_chain_from_ballot_to_rating_to_rectification_runs_by_events(world):
    """§7: balloting adopts projects → supervision opens and follows them → evaluation rates
    them → the unsatisfied project's rectification is tracked, and its lateness becomes a
    supervision letter, all by events over Kafka."""
    township, year = "652325100", 2015       # 奇台镇
    staff = {"role": "staff", "region": township}
    deputies = world.deputies(township, rpb.LEVEL_TOWNSHIP, 3)
    dept = {"role": "department", "region": township, "subject": LEAD}
    campaign = world.published_ballot(township, year, deputies)
    adopted = list(campaign.adopted)
    opened = wait(lambda: (r := world.s_rows("SELECT id, proposal_id, title FROM projects WHERE campaign_id = :c",
                                             c=campaign.id)) and len(r) == 2 and r, "supervision's project files")
    first, second = sorted(opened, key=lambda r: adopted.index(r.proposal_id))
    # The first is planned and done; the second, as adopted, has no plan and no lead department yet.
    world.finish(world.plan(first.id, year))
    world.known([first], progress="100.00")
    world.known([second])
    vote = world.e.call("OpenSatisfactionVote", pb.OpenSatisfactionVoteRequest(region_code=township, year=year),
                        **staff)
    assert vote.eligible == 3 and {p.project_id for p in vote.projects} == {first.id, second.id}
    bad = second.id
    for dep in deputies:
        world.e.call("CastSatisfactionBallot", pb.CastSatisfactionBallotRequest(vote_id=vote.id, ratings=[
            pb.ProjectRating(project_id=p.project_id, rating=U if p.project_id == bad else S)
            for p in vote.projects]), role="deputy", region=township, subject=dep.id)
    world.e.call("CloseSatisfactionVote", pb.CloseSatisfactionVoteRequest(id=vote.id), **staff)
    published = world.e.call("PublishSatisfactionResult", pb.PublishSatisfactionResultRequest(id=vote.id), **staff)
    assert published.satisfaction_rate == "50.00"
    rect = next(p.rectification_id for p in published.projects if p.project_id == bad)
    # Opened with no one to answer it: no department sees it until the project's plan names one.
    assert rect and world.e.call("GetRectification", pb.GetRectificationRequest(id=rect), **staff).department == ""
    assert world.e.error("GetRectification", pb.GetRectificationRequest(id=rect), **dept).code() is \
        grpc.StatusCode.NOT_FOUND
    assert world.e.call("ListRectifications", pb.ListRectificationsRequest(region_code=township), **dept).total_size == 0
    world.plan(bad, year)
    addressed = wait(lambda: (r := world.e.call("GetRectification", pb.GetRectificationRequest(id=rect), **staff))
                     .department == LEAD and r, "the rectification addressed to the lead department")
    assert [(x.kind, x.department, x.department_name) for x in addressed.history] == [
        (pb.RECTIFICATION_STEP_KIND_DEPARTMENT_ASSIGNED, LEAD, "镇住建办")]
    assert world.e.call("GetRectification", pb.GetRectificationRequest(id=rect), **dept).department_name == "镇住建办"
    assert [r.id for r in world.e.call("ListRectifications", pb.ListRectificationsRequest(region_code=township),
                                       **dept).rectifications] == [rect]

    # Its explanation and plan come late: a reminder by event, a letter from supervision.
    due = date.fromisoformat(world.e.call("GetRectification", pb.GetRectificationRequest(id=rect), **staff).plan_due)
    with frozen(datetime.combine(due + timedelta(days=2), datetime.min.time(), tzinfo=timezone.utc)):
        assert Rectifications(world.e.runtime).sweep() == 1
    letters = wait(lambda: world.s.call("ListLetters", spb.ListLettersRequest(region_code=township, project_id=bad),
                                        **staff).letters, "supervision's reminder letter")
    assert [(x.kind, x.department) for x in letters] == [(spb.LATENESS_KIND_RECTIFICATION_OVERDUE, LEAD)]
    assert "不满意" in letters[0].what_is_late and "已逾期2天" in letters[0].what_is_late
    world.e.call("SubmitRectificationPlan", pb.SubmitRectificationPlanRequest(
        id=rect, explanation="施工质量问题", plan="返工整改", due_date="2099-03-31"), **dept)
    done = world.e.call("CompleteRectification", pb.CompleteRectificationRequest(id=rect, report="返工完成，已验收"),
                        **dept)
    assert done.status == pb.RECTIFICATION_STATUS_RECTIFIED
