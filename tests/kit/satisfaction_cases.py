"""The satisfaction vote's part of the seeded world and its isolation cases (evaluation).

Evaluation learns the deputies of the world from the roster's events on the shared bus; the
projects it rates are handed to its read model as supervision's ProjectOpened events would
(``project``), each with dept-water of its region as lead, so each case can have a vote of a
year of its own. Records that a successful call uses up (an open vote a deputy has voted in,
a vote counted or published, a rectification completed, a year already voted) are made again
only once used, so the bad-input table's base requests stay valid."""
from __future__ import annotations

import uuid

from lianxin.evaluation.v1 import satisfaction_pb2 as epb
from lianxin.supervision.v1 import events_pb2 as sev
from lianxin.supervision.v1 import supervision_pb2 as spb
from sqlalchemy import text

from kit.isolation import NF, PD, Case
from kit.settings import COUNTY_A

DEPT = "dept-water"
OFFICE = {"role": "staff", "region": COUNTY_A, "subject": "clerk-eval"}


class Satisfaction:
    """The evaluation records of the world, made on demand."""

    def __init__(self, world):
        self.w = world
        self.svc = world.by_name["evaluation"]
        self.year = 2000
        self.current: dict[str, object] = {}

    def call(self, method: str, request, **who):
        return self.svc.call(method, request, **(who or OFFICE))

    def rows(self, sql: str, **params) -> list:
        with self.svc.engine.connect() as c:
            return list(c.execute(text(sql), params))

    def project(self, year: int, *, finished: bool = True) -> str:
        """A project of 652301 of ``year`` in evaluation's read model, as supervision's event brings it."""
        from services.evaluation.projects import ProjectsHandler
        rt = self.svc.runtime
        p = spb.Project(id=str(uuid.uuid4()), region_code=COUNTY_A, year=year, title=f"矩阵测评项目{year}",
                        deadline=f"{year}-12-31", progress_percent="100.00" if finished else "40.00",
                        departments=[spb.ProjectDepartment(department=DEPT, name="市水务局",
                                                           role=spb.DEPARTMENT_ROLE_LEAD)])
        with rt.transaction() as s:
            ProjectsHandler(rt.deployment).opened(s, sev.ProjectOpened(project=p), None)
        return p.id

    def next_year(self, *, finished: bool = True) -> int:
        self.year += 1
        self.project(self.year, finished=finished)
        return self.year

    def open_vote(self, *, finished: bool = True) -> epb.SatisfactionVote:
        return self.call("OpenSatisfactionVote", epb.OpenSatisfactionVoteRequest(
            region_code=COUNTY_A, year=self.next_year(finished=finished)))

    def cast_all(self, vote: epb.SatisfactionVote) -> None:
        """Every voter of ``vote`` rates every project 满意 (with a token of their own region)."""
        for dep, region in self.rows("SELECT v.deputy_id, d.region_code FROM satisfaction_voters v JOIN "
                                     "evaluation_deputies d ON d.id = v.deputy_id WHERE v.vote_id = :v "
                                     "AND NOT v.voted", v=vote.id):
            self.svc.call("CastSatisfactionBallot", epb.CastSatisfactionBallotRequest(vote_id=vote.id, ratings=[
                epb.ProjectRating(project_id=p.project_id, rating=epb.RATING_SATISFIED) for p in vote.projects]),
                role="deputy", region=region, subject=dep)

    def _status(self, vote_id: str) -> int:
        return self.rows("SELECT status FROM satisfaction_votes WHERE id = :v", v=vote_id)[0][0]

    # ---- the records each case names, made again once used up ----
    def free_year(self) -> int:
        if "year" not in self.current or self.rows("SELECT count(*) FROM satisfaction_votes WHERE year = :y",
                                                     y=self.current["year"])[0][0]:
            self.current["year"] = self.next_year()
        return self.current["year"]  # type: ignore[return-value]

    def castable(self) -> epb.SatisfactionVote:
        """An open vote where neither A1 nor A2 has voted."""
        v = self.current.get("castable")
        if v is None or self.rows("SELECT count(*) FROM satisfaction_voters WHERE vote_id = :v AND voted AND "
                                  "deputy_id IN (:a, :b)", v=v.id, a=self.w.A1.id, b=self.w.A2.id)[0][0]:
            v = self.current["castable"] = self.open_vote()
        return v  # type: ignore[return-value]

    def closable(self) -> epb.SatisfactionVote:
        """An open vote everyone has voted in."""
        v = self.current.get("closable")
        if v is None or self._status(v.id) != epb.VOTE_STATUS_OPEN:
            v = self.open_vote()
            self.cast_all(v)
            self.current["closable"] = v
        return v  # type: ignore[return-value]

    def publishable(self) -> epb.SatisfactionVote:
        v = self.current.get("publishable")
        if v is None or self._status(v.id) != epb.VOTE_STATUS_COUNTED:
            v = self.open_vote()
            self.cast_all(v)
            v = self.current["publishable"] = self.call("CloseSatisfactionVote",
                                                       epb.CloseSatisfactionVoteRequest(id=v.id))
        return v  # type: ignore[return-value]

    def published(self, *, finished: bool = True) -> epb.SatisfactionVote:
        v = self.open_vote(finished=finished)
        self.cast_all(v)
        self.call("CloseSatisfactionVote", epb.CloseSatisfactionVoteRequest(id=v.id))
        return self.call("PublishSatisfactionResult", epb.PublishSatisfactionResultRequest(id=v.id))

    def rectification(self) -> str:
        """A rectification required of dept-water (its project unfinished at year end)."""
        return self.published(finished=False).projects[0].rectification_id

    def completable(self) -> str:
        r = self.current.get("completable")
        if r is None or self.rows("SELECT status FROM rectifications WHERE id = :r", r=r)[0][0] != \
                epb.RECTIFICATION_STATUS_PLANNED:
            r = self.current["completable"] = self.rectification()
            self.call("SubmitRectificationPlan", epb.SubmitRectificationPlanRequest(
                id=r, explanation="征地延误", plan="加快施工", due_date="2099-06-30"))
        return r  # type: ignore[return-value]


def seed(w) -> None:
    """The world's evaluation records: a published vote (PUB), a rectification of dept-water
    (RECT) and an inquiry on it (INQ), and the open vote A1 and A2 read (OPEN)."""
    ev = w.EV = Satisfaction(w)
    w.EV_PUB = ev.published()
    w.EV_RECT = ev.rectification()
    w.EV_INQ = ev.call("OpenInquiry", epb.OpenInquiryRequest(
        rectification_id=w.EV_RECT, kind=epb.INQUIRY_KIND_INQUIRY, organ="市水务局", questions=["为何未完工？"],
        held_on="2025-01-10"))
    w.EV_OPEN = ev.open_vote()


def cases(*, WRITERS, READERS, DEPUTIES, DEPUTY_ROLE, DEPARTMENTS, EVERYONE, role_refused) -> dict:
    office = frozenset({"own", "parent", "auditor", "committee", "system"})
    not_managers = role_refused({"auditor"} | DEPARTMENTS | DEPUTY_ROLE)
    answerers = frozenset({"own", "parent", "system", "dept_own"})
    not_answerers = role_refused({"committee", "auditor"} | DEPUTY_ROLE)

    def rules(w, c):
        return epb.SetSatisfactionRulesRequest(rules=epb.SatisfactionRules(
            region_code=COUNTY_A, quorum_percent=50, satisfied_percent=50, acceptable_percent=50, plan_days=30))

    def cast(w, c):
        v = w.EV.castable()
        return epb.CastSatisfactionBallotRequest(vote_id=v.id, ratings=[
            epb.ProjectRating(project_id=p.project_id, rating=epb.RATING_SATISFIED) for p in v.projects])

    return {
        ("evaluation", "SetSatisfactionRules"): [Case(rules, ok=frozenset({"own", "parent", "system"}),
                                                      denied=role_refused({"committee", "auditor"} | DEPARTMENTS
                                                                          | DEPUTY_ROLE), default=PD)],
        ("evaluation", "GetSatisfactionRules"): [Case(lambda w, c: epb.GetSatisfactionRulesRequest(
            region_code=COUNTY_A), ok=office, default=PD)],
        ("evaluation", "OpenSatisfactionVote"): [Case(lambda w, c: epb.OpenSatisfactionVoteRequest(
            region_code=COUNTY_A, year=w.EV.free_year(), title="矩阵测评"), ok=WRITERS, default=PD)],
        ("evaluation", "GetSatisfactionVote"): [Case(lambda w, c: epb.GetSatisfactionVoteRequest(id=w.EV_OPEN.id),
                                                     ok=office | DEPUTIES, denied=role_refused(DEPARTMENTS))],
        ("evaluation", "ListSatisfactionVotes"): [Case(lambda w, c: epb.ListSatisfactionVotesRequest(
            region_code=COUNTY_A), ok=office | DEPUTY_ROLE, default=PD)],
        ("evaluation", "CastSatisfactionBallot"): [Case(cast, ok=DEPUTIES, denied={"deputy_elsewhere": NF},
                                                        default=PD)],
        ("evaluation", "CloseSatisfactionVote"): [Case(lambda w, c: epb.CloseSatisfactionVoteRequest(
            id=w.EV.closable().id), ok=WRITERS, denied=not_managers)],
        ("evaluation", "PublishSatisfactionResult"): [Case(lambda w, c: epb.PublishSatisfactionResultRequest(
            id=w.EV.publishable().id), ok=WRITERS, denied=not_managers)],
        ("evaluation", "GetPublicSatisfactionResult"): [Case(lambda w, c: epb.GetPublicSatisfactionResultRequest(
            region_code=COUNTY_A, year=w.EV_PUB.year), ok=EVERYONE)],
        ("evaluation", "ListRectifications"): [Case(lambda w, c: epb.ListRectificationsRequest(
            region_code=COUNTY_A), ok=READERS, default=PD)],
        ("evaluation", "GetRectification"): [Case(lambda w, c: epb.GetRectificationRequest(id=w.EV_RECT),
                                                  ok=READERS - {"dept_other"})],
        ("evaluation", "SubmitRectificationPlan"): [Case(lambda w, c: epb.SubmitRectificationPlanRequest(
            id=w.EV_RECT, explanation="当年未完工的原因", plan="整改措施", due_date="2099-06-30"),
            ok=answerers, denied=not_answerers)],
        ("evaluation", "CompleteRectification"): [Case(lambda w, c: epb.CompleteRectificationRequest(
            id=w.EV.completable(), report="已完工"), ok=answerers, denied=not_answerers)],
        ("evaluation", "OpenInquiry"): [Case(lambda w, c: epb.OpenInquiryRequest(
            rectification_id=w.EV_RECT, kind=epb.INQUIRY_KIND_INTERPELLATION, organ="市水务局",
            questions=["何时完工？"], held_on="2025-02-01"), ok=WRITERS, denied=not_managers)],
        ("evaluation", "RecordInquiryAnswers"): [Case(lambda w, c: epb.RecordInquiryAnswersRequest(
            id=w.EV_INQ.id, answers=["六月底前完工"], follow_up="跟踪"), ok=WRITERS, denied=not_managers)],
        ("evaluation", "ListInquiries"): [Case(lambda w, c: epb.ListInquiriesRequest(region_code=COUNTY_A),
                                               ok=office | DEPUTIES, default=PD)],
    }
