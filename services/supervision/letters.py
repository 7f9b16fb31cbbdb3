"""The lateness sweep and its reminder letters (提醒督办函).

On its own schedule (``lateness_sweep_interval``) the sweep finds, in every project this
deployment serves, the milestones past their due day and the projects behind plan
(domain.lateness), and the deputies' bills and suggestions past their handling deadline
(bills.overdue_items), and issues one numbered letter per lateness to the lead department
(主办): the project, what is late and by how much, a reply-by day, signed with the
issuing standing committee's name, rendered as DOCX (python-docx) for staff to print and send.
Each letter is kept (letters), published (LetterIssued) and entered in the project's history.

No lateness gets two letters, also with two replicas sweeping at once: on PostgreSQL a sweep
runs under a transaction-scoped advisory lock (a second sweep finds it taken and stops), and
the lateness key is unique, so even a sweep that slipped past the lock could not commit a
second letter for it. Time comes from shared.clock (the sweep's "today" is a China day), so
tests move it instead of sleeping.

Not built yet: firmer follow-up letters for unanswered ones, the letter from the tier above
after a configurable number, and recording a department's answer.
"""
from __future__ import annotations

import io
import uuid
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import structlog
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.supervision import bills, convert
from services.supervision import domain as d
from services.supervision import settings as supervision_settings
from services.supervision.access import ACCESS
from services.supervision.projects import Projects
from services.supervision.store import SupervisionStore, in_subtree
from services.supervision.tables import LetterRow, ProjectRow
from shared import paging
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import china_day, now
from shared.errors import NotFound
from shared.service import Runtime, Timer

LOCK = zlib.crc32(b"lianxin.supervision.lateness-sweep")


@dataclass(frozen=True)
class Subject:
    """What a letter is about, generically: a project or a deputy's item (bills.py), where it
    stands (the issuing region), how the letter names it, and its lead department (主办)."""
    kind: str                    # "project" or "item"
    id: str
    region_code: str
    region_path: str
    described: str               # e.g. 2031年民生实事项目“…” / 张三代表提出的建议“…”
    department: str
    department_name: str


def project_subject(project: ProjectRow, lead) -> Subject:
    return Subject("project", project.id, project.region_code, project.region_path,
                   f"{project.year}年民生实事项目“{project.title}”", lead.department, lead.name)


def render(letter: LetterRow, described: str, today: date) -> bytes:
    """The letter as a DOCX document: title, number, addressee, body, issuer and day."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("提醒督办函")
    run.bold, run.font.size = True, Pt(22)
    number = doc.add_paragraph(letter.number)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{letter.department_name}：")
    doc.add_paragraph(
        f"你单位作为主办单位承办的{described}，{letter.what_is_late}。"
        f"请接函后认真研究，采取有力措施加快推进，并于{d.day_text(letter.reply_by)}前将整改落实情况书面回复本委员会。")
    doc.add_paragraph("特此函告。")
    for text in (letter.issuer, d.day_text(today)):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


class Letters:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions
        self.projects = Projects(runtime)

    # ---- the sweep ---------------------------------------------------------------------------
    def sweep(self) -> int:
        """One pass over the served projects; returns the letters issued (0 when another
        sweep holds the lock)."""
        today = china_day(now())
        cfg = supervision_settings.of(self.rt)
        issued = 0
        with self.rt.transaction() as s:
            if s.get_bind().dialect.name == "postgresql" and not s.scalar(select(func.pg_try_advisory_xact_lock(LOCK))):
                return 0
            home = self.regions.get(self.rt.settings.home_region).path
            known = set(s.scalars(select(LetterRow.lateness)))
            for project in s.scalars(select(ProjectRow).where(in_subtree(ProjectRow.region_path, home))
                                     .order_by(ProjectRow.region_path, ProjectRow.id)):
                if not self.rt.deployment.serves(project.region_code):
                    continue
                lead = next((x for x in project.departments if x.role == int(d.DepartmentRole.LEAD)), None)
                if lead is None:
                    continue
                states = [d.MilestoneState(m.id, m.title, m.due_date, m.weight, m.percent) for m in project.milestones]
                for late in d.lateness(project.id, states, today, cfg.behind_plan_margin):
                    if late.key in known:
                        continue
                    self._issue(s, project, lead, late, today, cfg.letter_reply_days)
                    known.add(late.key)
                    issued += 1
            # Deputies' bills and suggestions past their handling deadline (bills.py).
            for o in bills.overdue_items(s, home, today, self.rt.deployment.serves):
                if o.lateness.key in known:
                    continue
                subject = Subject("item", o.item.id, o.item.region_code, o.item.region_path, bills.described(o.item),
                                  o.lead.department, o.lead.name)
                letter = self._issue_about(s, subject, o.lateness, today, cfg.letter_reply_days)
                bills.change(o.item, "letter", None, "", f"{letter.number}：{o.lateness.what}")
                known.add(o.lateness.key)
                issued += 1
        if issued:
            structlog.get_logger().info("supervision.letters_issued", count=issued)
        return issued

    def _issue(self, s: Session, project: ProjectRow, lead, late: d.Lateness, today: date, reply_days: int) -> None:
        """A letter about a project to its lead department, entered in the project's history."""
        letter = self._issue_about(s, project_subject(project, lead), late, today, reply_days)
        self.projects.change(project, "letter", None, "", f"{letter.number}：{late.what}")
        project.history[-1].actor, project.history[-1].actor_name = "supervision", "督办提醒"

    def _issue_about(self, s: Session, subject: Subject, late: d.Lateness, today: date,
                     reply_days: int) -> LetterRow:
        """A letter about any subject (a project or an item): numbered, rendered, kept, published."""
        region = self.regions.get(subject.region_code)
        issuer = f"{region.name}人大常委会"
        seq = (s.scalar(select(func.max(LetterRow.seq)).where(LetterRow.region_code == subject.region_code,
                                                              LetterRow.year == today.year)) or 0) + 1
        row = LetterRow(id=str(uuid.uuid4()), lateness=late.key, region_code=subject.region_code,
                        region_path=subject.region_path, year=today.year, seq=seq,
                        number=d.letter_number(issuer, today.year, seq), subject_kind=subject.kind,
                        subject_id=subject.id, project_id=subject.id if subject.kind == "project" else None,
                        milestone_id=late.milestone_id, department=subject.department,
                        department_name=subject.department_name,
                        kind=int(late.kind), days_late=late.days_late, what_is_late=late.what,
                        reply_by=today + timedelta(days=reply_days), issuer=issuer, issued_at=now(), document=b"")
        row.document = render(row, subject.described, today)
        s.add(row)
        s.flush()
        self.rt.outbox.add(s, convert.letter_issued(row), region=row.region_code)
        return row

    # ---- reading ------------------------------------------------------------------------------
    def _sees(self, who: Principal, row: LetterRow) -> bool:
        scope = ACCESS.allows(who, "letter.read")
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN and who.role is Role.DEPARTMENT:
            return row.department == who.subject and row.region_code == who.region
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
                where += [LetterRow.department == who.subject, LetterRow.region_code == who.region]
            total = s.scalar(select(func.count()).select_from(LetterRow).where(*where)) or 0
            order = [(LetterRow.issued_at, paging.DESC), (LetterRow.id, paging.DESC)]
            rows, token = paging.take(page, list(s.scalars(paging.keyset(select(LetterRow).where(*where), order,
                                                                         page))),
                                      lambda r: (r.issued_at, r.id))
            return rows, total, token


def lateness_timer(runtime: Runtime) -> Timer:
    return Timer(name="lateness-sweep", every_seconds=supervision_settings.of(runtime).lateness_sweep_interval,
                 run=Letters(runtime).sweep)
