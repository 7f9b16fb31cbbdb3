"""The lateness sweep, its chains of reminder letters (提醒督办函 → 督办函 → 再次督办函 → the tier
above's 提级督办函), and the departments' answers.

On its own schedule (``lateness_sweep_interval``) the sweep, in every project and deputy's
bill or suggestion (item, bills.py) this deployment serves:
- finds the milestones past their due day, the projects behind plan (domain.overdue,
  domain.behind_plan) and the items past their handling deadline (bills.overdue_items), and
  issues one numbered letter per lateness to the lead department (主办) (a project behind plan
  only once its overdue milestones' letters are answered: their letters say it is late
  already, domain.letters_due): the subject,
  what is late and by how much, a reply-by day, signed with the issuing standing
  committee's name, rendered as DOCX (python-docx) for staff to print and send;
- follows each letter left unanswered past its reply-by day with a firmer one (the next level
  of the same chain, to the same department), until ``letters_before_tier_above`` letters of
  the chain went unanswered: then the chain goes to the tier above. When this deployment
  serves the tier above too (a township's project in a county's deployment), it issues that
  tier's letter itself; otherwise it publishes LetterEscalated and the deployment serving the
  parent region (letters_from_below, its consumer) issues and keeps a letter of its own,
  numbered in its own series and signed by its own standing committee;
- records how each project stands (on schedule, late, finished, and its overdue milestones)
  and publishes ProjectStanding when that changed, for the statistics (rollup.py).
Each letter is kept (letters), published (LetterIssued) and entered in its subject's history.
A late rectification (rectification.py) gets its first letter from an event instead.
A department answers a letter addressed to it (AnswerLetter; the office may enter an answer
made on paper): the answer's text and day are kept, LetterAnswered published, and no firmer
letter follows in that chain.

No lateness gets two letters of one level, also with two replicas sweeping at once and on
redelivery: on PostgreSQL the sweep and the consumer run under one transaction-scoped
advisory lock (a second sweep finds it taken and stops; the consumer waits for it, so the
numbering never collides), each letter's ``lateness`` key is unique (the chain's key, then
"<chain>#<level>", and "above:<region below>:<chain>" for the tier above's), and the
consumer's inbox drops an event already handled. Time comes from shared.clock (the sweep's
"today" is a China day), so tests move it instead of sleeping.

The sweep reads set-based: one query each for the served projects, their lead departments,
their milestones and the lateness keys already lettered, and loads nothing else unless a
letter goes out (bench/supervision_sweep.py measures it beside a bare SQL query).
Letters of the tier above are not followed up by the sweep (that tier's office follows them).
"""
from __future__ import annotations

import io
import uuid
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import structlog
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from lianxin.supervision.v1 import events_pb2 as ev
from sqlalchemy import and_, bindparam, case, exists, func, not_, or_, select, update
from sqlalchemy.orm import Session, aliased, defer

from services.supervision import bills, convert
from services.supervision import domain as d
from services.supervision import settings as supervision_settings
from services.supervision.access import ACCESS
from services.supervision.projects import Projects
from services.supervision.store import SupervisionStore, in_subtree
from services.supervision.tables import (
    ItemChangeRow,
    ItemRow,
    LetterRow,
    MilestoneRow,
    ProjectChangeRow,
    ProjectDepartmentRow,
    ProjectRow,
)
from shared import paging
from shared.access import Scope
from shared.auth import Principal, Role
from shared.bus import Envelope
from shared.bus.envelope import source_for
from shared.clock import china_day, now
from shared.db import table_of
from shared.errors import NotFound
from shared.service import ConsumedTopic, EventHandler, Runtime, Timer, event_consumer

LOCK = zlib.crc32(b"lianxin.supervision.lateness-sweep")
SWEEP_ACTOR, SWEEP_NAME = "supervision", "督办提醒"
# Latenesses the sweep finds afresh each time: their chains go on only while they persist.
PERSISTING = frozenset({int(d.LatenessKind.MILESTONE_OVERDUE), int(d.LatenessKind.BEHIND_PLAN),
                        int(d.LatenessKind.ITEM_OVERDUE)})


def render(title: str, number: str, addressee: str, body: Sequence[str], issuer: str, day: date) -> bytes:
    """The letter as a DOCX document: title, number, addressee, body, issuer and day."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(title)
    run.bold, run.font.size = True, Pt(22)
    numbered = doc.add_paragraph(number)
    numbered.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{addressee}：")
    for text in body:
        doc.add_paragraph(text)
    doc.add_paragraph("特此函告。")
    for text in (issuer, d.day_text(day)):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Subject:
    """What a letter is about: a project or a deputy's item (bills.py), its id, its region
    (the addressed department's) and how the letter names it."""
    kind: str            # "project" or "item"
    id: str
    region_code: str
    described: str       # e.g. 2031年民生实事项目“…” / 张三代表提出的建议“…”


def project_subject(project_id: str, title: str, year: int, region_code: str) -> Subject:
    return Subject("project", project_id, region_code, f"{year}年民生实事项目“{title}”")


def _served(regions, deployment, column):
    """The SQL condition: ``column`` (a region path) lies in this deployment's served area."""
    cond = in_subtree(column, regions.get(deployment.home).path)
    for code in deployment.delegated:
        cond = and_(cond, not_(in_subtree(column, regions.get(code).path)))
    return cond


class Letters:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.projects = Projects(runtime)
        self.log = structlog.get_logger("supervision.letters")

    # ---- the sweep ---------------------------------------------------------------------------
    def sweep(self) -> int:
        """One pass over the served projects; returns the letters issued (0 when another
        sweep holds the lock); chains sent to the tier above count as one letter each."""
        today = china_day(now())
        cfg = supervision_settings.of(self.rt)
        with self.rt.transaction() as s:
            if not self._lock(s, wait=False):
                return 0
            current: set[str] = set()
            issued = self._first_letters(s, today, cfg, current)
            issued += self._item_letters(s, today, cfg, current)
            issued += self._follow_ups(s, today, cfg, current)
        if issued:
            self.log.info("supervision.letters_issued", count=issued)
        return issued

    def _lock(self, s: Session, *, wait: bool) -> bool:
        if s.get_bind().dialect.name != "postgresql":
            return True
        if wait:
            s.execute(select(func.pg_advisory_xact_lock(LOCK)))
            return True
        return bool(s.scalar(select(func.pg_try_advisory_xact_lock(LOCK))))

    def _first_letters(self, s: Session, today: date, cfg, current: set[str]) -> int:
        """First letters for new latenesses, and each project's standing; ``current``
        receives the key of every lateness found today. Set-based: the projects' milestones
        summed in one GROUP BY, the overdue milestones in one query, the letters known for
        today's latenesses in one more; rows are loaded only for what gets a letter."""
        served = _served(self.regions, self.rt.deployment, ProjectRow.region_path)
        m = MilestoneRow
        passed = m.due_date < today
        sums = s.execute(
            select(ProjectRow.id, ProjectRow.region_code, ProjectRow.year, ProjectRow.title, ProjectRow.standing,
                   ProjectRow.milestones_late, func.coalesce(func.sum(m.weight), 0),
                   func.coalesce(func.sum(m.weight * m.percent), 0),
                   func.coalesce(func.sum(case((passed, m.weight), else_=0)), 0), func.max(case((passed, m.due_date))),
                   func.coalesce(func.sum(case((and_(passed, m.percent < 100), 1), else_=0)), 0))
            .select_from(ProjectRow).outerjoin(m, m.project_id == ProjectRow.id).where(served)
            .group_by(ProjectRow.id)).all()
        if not sums:
            return 0
        late: dict[str, list[d.Lateness]] = defaultdict(list)
        for pid, mid, title, due, weight, percent in s.execute(
                select(m.project_id, m.id, m.title, m.due_date, m.weight, m.percent)
                .join(ProjectRow, ProjectRow.id == m.project_id).where(served, passed, m.percent < 100)
                .order_by(m.project_id, m.position)):
            x = d.overdue(d.MilestoneState(mid, title, due, weight, percent), today)
            if x is not None:
                late[pid].append(x)
        projects: dict[str, Subject] = {}
        changed: list[dict] = []
        standings: list[tuple[object, str]] = []
        for pid, region, year, title, was, was_late, weight, weighted, weight_due, last_due, n_overdue in sums:
            plan = d.PlanSums(int(weight), int(weighted), int(weight_due), last_due, int(n_overdue))
            behind = d.behind_plan(pid, plan, today, cfg.behind_plan_margin)
            if behind is not None:
                late[pid].append(behind)
            standing, overdue = d.standing(plan, behind)
            if (int(standing), overdue) != (was, was_late):
                changed.append({"b_id": pid, "b_standing": int(standing), "b_late": overdue})
                standings.append((ev.ProjectStanding(project_id=pid, region_code=region, year=year,
                                                     standing=int(standing), milestones_late=overdue), region))
            if pid in late:
                projects[pid] = project_subject(pid, title, year, region)
        self.rt.outbox.add_many(s, standings)
        if changed:
            t = table_of(ProjectRow)
            s.connection().execute(update(t).where(t.c.id == bindparam("b_id"))
                                   .values(standing=bindparam("b_standing"), milestones_late=bindparam("b_late")),
                                   changed)
        keys = [x.key for xs in late.values() for x in xs]
        current.update(keys)
        # The first letters of the served area's chains, read whole: cheaper than naming
        # thousands of keys in an IN list, and bounded by the letters ever sent here.
        known = set(s.scalars(select(LetterRow.lateness).where(
            LetterRow.level == 1, LetterRow.origin_region == "",
            _served(self.regions, self.rt.deployment, LetterRow.region_path))))
        fresh = {pid: [x for x in xs if x.key not in known] for pid, xs in late.items()}
        behind_fresh = [pid for pid, xs in fresh.items() if any(x.kind is d.LatenessKind.BEHIND_PLAN for x in xs)]
        if behind_fresh:
            # behind plan is lettered only once the overdue milestones' chains are answered
            # (domain.letters_due): the chains answered in the served area, read whole
            answered = set(s.scalars(select(LetterRow.chain).distinct().where(
                LetterRow.answered_on.is_not(None), LetterRow.origin_region == "",
                _served(self.regions, self.rt.deployment, LetterRow.region_path))))
            for pid in behind_fresh:
                wanted = {x.key for x in d.letters_due(late[pid], answered)}
                fresh[pid] = [x for x in fresh[pid] if x.key in wanted]
        fresh = {pid: xs for pid, xs in fresh.items() if xs}
        if not fresh:
            return 0
        leads = {pid: (dept, name) for pid, dept, name in s.execute(
            select(ProjectDepartmentRow.project_id, ProjectDepartmentRow.department, ProjectDepartmentRow.name)
            .where(ProjectDepartmentRow.project_id.in_(list(fresh)),
                   ProjectDepartmentRow.role == int(d.DepartmentRole.LEAD)))}
        issued = 0
        for pid in sorted(fresh, key=lambda x: (projects[x].region_code, x)):
            lead = leads.get(pid)
            if lead is None:
                continue   # no lead department named yet: nobody to write to
            for x in fresh[pid]:
                self._issue(s, projects[pid], projects[pid].region_code, department=lead, level=1, key=x.key,
                            chain=x.key, kind=x.kind, milestone_id=x.milestone_id, days_late=x.days_late,
                            what=x.what, today=today, reply_days=cfg.letter_reply_days)
                issued += 1
        return issued

    def _item_letters(self, s: Session, today: date, cfg, current: set[str]) -> int:
        """First letters for deputies' bills and suggestions past their handling deadline."""
        home = self.regions.get(self.rt.deployment.home).path
        issued = 0
        for o in bills.overdue_items(s, home, today, self.rt.deployment.serves):
            current.add(o.lateness.key)
            if s.scalar(select(LetterRow.id).where(LetterRow.lateness == o.lateness.key)) is not None:
                continue
            x = o.lateness
            self._issue(s, Subject("item", o.item.id, o.item.region_code, bills.described(o.item)),
                        o.item.region_code, department=(o.lead.department, o.lead.name), level=1, key=x.key,
                        chain=x.key, kind=x.kind, milestone_id="", days_late=x.days_late, what=x.what, today=today,
                        reply_days=cfg.letter_reply_days)
            issued += 1
        return issued

    def issue_for_project(self, s: Session, project: ProjectRow, lead, late: d.Lateness, today: date,
                          reply_days: int) -> LetterRow:
        """A first letter about ``project`` to its lead department for a lateness found
        elsewhere (rectification.py); the caller has checked the key is new."""
        return self._issue(s, project_subject(project.id, project.title, project.year, project.region_code),
                           project.region_code, department=(lead.department, lead.name), level=1, key=late.key,
                           chain=late.key, kind=late.kind, milestone_id=late.milestone_id, days_late=late.days_late,
                           what=late.what, today=today, reply_days=reply_days)

    def _follow_ups(self, s: Session, today: date, cfg, current: set[str]) -> int:
        """Unanswered letters past their reply-by day, the last of their chain, in a chain no
        letter of which is answered, whose lateness persists (in ``current``: a milestone
        since done, replanned, or a project behind plan as of a later due day, which has a
        chain of its own, is followed no more): a firmer letter, or the chain to the tier above."""
        later, answered = aliased(LetterRow), aliased(LetterRow)
        due = list(s.scalars(select(LetterRow).where(
            LetterRow.origin_region == "", LetterRow.answered_on.is_(None), LetterRow.escalated_to == "",
            LetterRow.reply_by < today, _served(self.regions, self.rt.deployment, LetterRow.region_path),
            ~exists().where(later.follows_id == LetterRow.id),
            ~exists().where(answered.chain == LetterRow.chain, answered.answered_on.is_not(None)))
            .options(defer(LetterRow.document)).order_by(LetterRow.issued_at, LetterRow.id)))
        issued = 0
        for prev in due:
            if prev.kind in PERSISTING and prev.chain not in current:
                continue
            subject = Subject(prev.subject_kind, prev.subject_id, prev.subject_region or prev.region_code,
                              prev.subject_text or "民生实事项目")
            if prev.level < cfg.letters_before_tier_above:
                self._issue(s, subject, prev.region_code, department=(prev.department, prev.department_name),
                            level=prev.level + 1, key=f"{prev.chain}#{prev.level + 1}", chain=prev.chain,
                            kind=d.LatenessKind(prev.kind), milestone_id=prev.milestone_id,
                            days_late=prev.days_late + (today - china_day(prev.issued_at)).days,
                            what=prev.what_is_late, today=today, reply_days=cfg.letter_reply_days, previous=prev)
                issued += 1
            elif self._to_tier_above(s, prev, today, cfg):
                issued += 1
        return issued

    def _to_tier_above(self, s: Session, last: LetterRow, today: date, cfg) -> bool:
        parent = self.regions.get(last.region_code).parent
        if not parent:
            return False   # the top of the tree: no tier above; its office takes it from here
        last.escalated_to = parent
        chain = list(s.scalars(select(LetterRow).where(LetterRow.chain == last.chain, LetterRow.origin_region == "")
                               .options(defer(LetterRow.document)).order_by(LetterRow.level)))
        self._history(s, last.subject_kind, last.subject_id, f"{last.number}等{len(chain)}件督办函逾期未复，"
                                                             f"提请{self.regions.get(parent).name}人大常委会督办")
        if self.rt.deployment.serves(parent):
            self.issue_from_above(s, parent, last.region_code, chain, today, cfg.letter_reply_days)
        else:
            s.flush()
            self.rt.outbox.add(s, ev.LetterEscalated(
                from_region=last.region_code, to_region=parent, letters=[convert.letter_to_proto(x) for x in chain]),
                region=parent)
        return True

    # ---- issuing -----------------------------------------------------------------------------
    def _next_number(self, s: Session, region_code: str, year: int) -> tuple[int, str, str]:
        issuer = f"{self.regions.get(region_code).name}人大常委会"
        seq = (s.scalar(select(func.max(LetterRow.seq)).where(LetterRow.region_code == region_code,
                                                              LetterRow.year == year)) or 0) + 1
        return seq, d.letter_number(issuer, year, seq), issuer

    def _issue(self, s: Session, subject: Subject, region_code: str, *, department: tuple[str, str], level: int,
               key: str, chain: str, kind: d.LatenessKind, milestone_id: str, days_late: int, what: str,
               today: date, reply_days: int, previous: LetterRow | None = None) -> LetterRow:
        seq, number, issuer = self._next_number(s, region_code, today.year)
        reply_by = today + timedelta(days=reply_days)
        body = [f"你单位作为主办单位承办的{subject.described}，{what}。"]
        if previous is not None:
            body.append(f"本委员会已于{d.day_text(china_day(previous.issued_at))}以{previous.number}函告你单位，"
                        f"要求于{d.day_text(previous.reply_by)}前书面回复，截至{d.day_text(today)}未收到回复。")
        body.append(d.letter_request(level, reply_by))
        row = self._row(s, key=key, chain=chain, region_code=region_code, seq=seq, number=number, issuer=issuer,
                        subject=subject, department=department, level=level, title=d.letter_title(level),
                        kind=kind, milestone_id=milestone_id, days_late=days_late, what=what, reply_by=reply_by,
                        today=today, body=body, follows_id=previous.id if previous else "")
        self._history(s, subject.kind, subject.id, f"{row.number}（{row.title}）：{what}")
        return row

    def issue_from_above(self, s: Session, region_code: str, from_region: str, chain: Sequence, today: date,
                         reply_days: int) -> LetterRow | None:
        """The tier above's letter (提级督办函) for a chain of ``chain`` letters (rows or
        protos, first to last) that went unanswered at ``from_region``: numbered in
        ``region_code``'s series and signed by its standing committee; once per chain."""
        first, last = chain[0], chain[-1]
        key = f"above:{from_region}:{first.chain}"
        if s.scalar(select(LetterRow.id).where(LetterRow.lateness == key)) is not None:
            return None
        seq, number, issuer = self._next_number(s, region_code, today.year)
        reply_by = today + timedelta(days=reply_days)
        below = self.regions.get(from_region).name
        subject_region = last.subject_region if last.subject_region in self.regions else from_region
        numbers = "、".join(x.number for x in chain)
        # a row's kind is its text, an event's letter carries the enum
        kind = last.subject_kind if isinstance(last.subject_kind, str) else convert.subject_kind(last.subject_kind)
        described = last.subject_text or "民生实事项目"
        body = [f"{below}人大常委会就{self.regions.get(subject_region).name}{described}"
                f"先后{len(chain)}次向你单位发函督办（{numbers}）：{first.what_is_late}。"
                f"你单位均未在规定期限内书面回复。",
                d.letter_request(1, reply_by, from_above=True)]
        subject = Subject(kind, last.subject_id, subject_region, described)
        row = self._row(s, key=key, chain=key, region_code=region_code, seq=seq, number=number, issuer=issuer,
                        subject=subject,
                        department=(last.department, last.department_name), level=1,
                        title=d.letter_title(1, from_above=True), kind=d.LatenessKind(last.kind),
                        milestone_id=last.milestone_id, days_late=last.days_late, what=first.what_is_late,
                        reply_by=reply_by, today=today, body=body, follows_id="",
                        origin=(from_region, last.id, last.number))
        self._history(s, subject.kind, subject.id, f"{row.number}（{row.title}，{issuer}）")
        return row

    def _row(self, s: Session, *, key: str, chain: str, region_code: str, seq: int, number: str, issuer: str,
             subject: Subject, department: tuple[str, str], level: int, title: str, kind: d.LatenessKind,
             milestone_id: str, days_late: int, what: str, reply_by: date, today: date, body: list[str],
             follows_id: str, origin: tuple[str, str, str] = ("", "", "")) -> LetterRow:
        # A project held here is linked (its history, its deletion); one the tier below holds is not.
        local = subject.kind == "project" and s.get(ProjectRow, subject.id) is not None
        row = LetterRow(id=str(uuid.uuid4()), lateness=key, chain=chain, region_code=region_code,
                        region_path=self.regions.get(region_code).path, year=today.year, seq=seq, number=number,
                        subject_kind=subject.kind, subject_id=subject.id, project_id=subject.id if local else None,
                        milestone_id=milestone_id, department=department[0],
                        department_name=department[1], kind=int(kind), days_late=days_late, what_is_late=what,
                        reply_by=reply_by, issuer=issuer, issued_at=now(), level=level, title=title,
                        follows_id=follows_id, subject_text=subject.described, subject_region=subject.region_code,
                        answer="", answered_on=None, answered_by="", answered_at=None, escalated_to="",
                        origin_region=origin[0], origin_letter_id=origin[1], origin_number=origin[2],
                        document=render(title, number, department[1], body, issuer, today))
        s.add(row)
        s.flush()
        self.rt.outbox.add(s, convert.letter_issued(row), region=region_code)
        return row

    def _history(self, s: Session, kind: str, subject_id: str, after: str, who: Principal | None = None,
                 action: str = "letter") -> None:
        """Keeps a letter's step in its subject's history, when the subject is held here."""
        at = now()
        actor = dict(actor=who.subject[:100] if who else SWEEP_ACTOR, actor_role=who.role.value if who else "system",
                     actor_name=who.name[:50] if who else SWEEP_NAME, at=at)
        if kind == "project" and s.get(ProjectRow, subject_id) is not None:
            s.add(ProjectChangeRow(project_id=subject_id, action=action, before="", after=after, **actor))
            s.execute(update(ProjectRow).where(ProjectRow.id == subject_id).values(updated_at=at))
        elif kind == "item" and s.get(ItemRow, subject_id) is not None:
            s.add(ItemChangeRow(item_id=subject_id, action=action, before="", after=after, **actor))
            s.execute(update(ItemRow).where(ItemRow.id == subject_id).values(updated_at=at))

    # ---- answering ---------------------------------------------------------------------------
    def answer(self, who: Principal, letter_id: str, text: str, answered_on: str) -> LetterRow:
        """The addressed department's answer (or the office entering one made on paper): its
        text and day (today, China, unless given; not before the letter, not after today). The
        chain's firmer letters stop. Errors: NOT_FOUND naming id for a letter the caller may
        not answer; FAILED_PRECONDITION when answered already; INVALID_ARGUMENT naming answer
        or answered_on."""
        ACCESS.scope(who, "letter.answer")
        text = d.text(text, "answer", max_len=d.MAX_ANSWER, required=True)
        day = d.check_day(answered_on, "answered_on", required=False)
        with self.rt.transaction() as s:
            row = s.scalars(select(LetterRow).where(LetterRow.id == letter_id).with_for_update()).first()
            if row is None or not self._sees(who, row, "letter.answer"):
                raise NotFound("letter", letter_id, "id")
            today = china_day(now())
            day = d.check_answer_day(day or today, china_day(row.issued_at), today)
            d.check_answerable(row.answered_on is not None)
            row.answer, row.answered_on, row.answered_by, row.answered_at = text, day, who.subject[:100], now()
            self._history(s, row.subject_kind, row.subject_id, f"{row.number}：{text}", who, action="letter_answer")
            s.flush()
            self.rt.outbox.add(s, ev.LetterAnswered(letter=convert.letter_to_proto(row)), region=row.region_code)
            return row

    # ---- reading ------------------------------------------------------------------------------
    def _sees(self, who: Principal, row: LetterRow, action: str = "letter.read") -> bool:
        scope = ACCESS.allows(who, action)
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN and who.role is Role.DEPARTMENT:
            return row.department == who.subject and (row.subject_region or row.region_code) == who.region
        return False

    def get(self, who: Principal, letter_id: str) -> LetterRow:
        ACCESS.scope(who, "letter.read")
        with self.rt.transaction() as s:
            row = s.get(LetterRow, letter_id)
            if row is None or not self._sees(who, row):
                raise NotFound("letter", letter_id, "id")
            return row

    def list_letters(self, who: Principal, region_code: str, project_id: str,
                     page: paging.Page, item_id: str = "") -> tuple[list[LetterRow], int, str]:
        """Letters of a region's subtree (newest first), of one project or item if named; a
        department's own letters only."""
        ACCESS.scope(who, "letter.read")
        code = self.projects._region_filter(who, region_code)
        with self.rt.transaction() as s:
            where = [in_subtree(LetterRow.region_path, self.regions.get(code).path)]
            if project_id:
                self.projects.in_scope(SupervisionStore(s), who, project_id, "project_id", "project.read")
                where.append(LetterRow.project_id == project_id)
            if item_id:
                bills.Items(self.rt).in_scope(s, who, item_id, "item_id", "item.read")
                where += [LetterRow.subject_kind == "item", LetterRow.subject_id == item_id]
            if who.role is Role.DEPARTMENT:
                where += [LetterRow.department == who.subject,
                          or_(LetterRow.subject_region == who.region,
                              and_(LetterRow.subject_region == "", LetterRow.region_code == who.region))]
            total = s.scalar(select(func.count()).select_from(LetterRow).where(*where)) or 0
            order = [(LetterRow.issued_at, paging.DESC), (LetterRow.id, paging.DESC)]
            listing = select(LetterRow).where(*where).options(defer(LetterRow.document))   # GetLetter sends it
            rows, token = paging.take(page, list(s.scalars(paging.keyset(listing, order, page))),
                                      lambda r: (r.issued_at, r.id))
            return rows, total, token


class FromBelowHandler:
    """Consumer handler for LetterEscalated: a chain of unanswered letters of the tier below,
    sent to this deployment's home region; it issues this tier's own letter, once."""

    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.letters = Letters(runtime)
        self.home = runtime.settings.home_region
        self.own_source = source_for(runtime.settings.service, self.home)
        self.log = structlog.get_logger("supervision.letters")

    def escalated(self, s: Session, e: ev.LetterEscalated, env: Envelope) -> None:
        regions = self.rt.regions
        if env.source == self.own_source or e.to_region != self.home or not e.letters:
            return
        if e.from_region not in regions or regions.get(e.from_region).parent != self.home:
            self.log.warning("letters.escalation_refused", event_id=env.id, from_region=e.from_region,
                             reason="not a region directly below this deployment's home")
            return
        self.letters._lock(s, wait=True)
        row = self.letters.issue_from_above(s, self.home, e.from_region, list(e.letters), china_day(now()),
                                            supervision_settings.of(self.rt).letter_reply_days)
        if row is not None:
            self.log.info("letters.from_below", event_id=env.id, from_region=e.from_region, letter=row.number)

    def table(self) -> dict[type, EventHandler]:
        return {ev.LetterEscalated: self.escalated}


def letters_from_below(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"supervision-letters-{runtime.settings.home_region}", FromBelowHandler(runtime).table())


def lateness_timer(runtime: Runtime) -> Timer:
    return Timer(name="lateness-sweep", every_seconds=supervision_settings.of(runtime).lateness_sweep_interval,
                 run=Letters(runtime).sweep)
