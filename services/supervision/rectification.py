"""Reminder letters for late rectifications (整改逾期), from evaluation's RectificationOverdue: a
project a year-end satisfaction vote rated 不满意, or found unfinished, whose lead department
is late with its written explanation and plan, or with the rectification itself. The letter
is the lateness sweep's letter (letters.py: numbered, DOCX, kept, published as LetterIssued,
entered in the project's history), addressed to the project's lead department (主办) as
supervision knows it, once per lateness (the lateness key is unique; the inbox drops a
redelivered event). Projects this deployment does not hold or serve are passed over.
"""
from __future__ import annotations

from lianxin.evaluation.v1 import events_pb2 as eev
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.supervision import domain as d
from services.supervision import settings as supervision_settings
from services.supervision.letters import Letters
from services.supervision.tables import LetterRow, ProjectRow
from shared.bus import Envelope
from shared.clock import china_day, now
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer


class RectificationHandler:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.letters = Letters(runtime)

    def overdue(self, s: Session, e: eev.RectificationOverdue, env: Envelope) -> None:
        r = e.rectification
        if r.region_code not in self.rt.regions or not self.rt.deployment.serves(r.region_code):
            return
        project = s.get(ProjectRow, r.project_id) if r.project_id and len(r.project_id) <= 36 else None
        if project is None:
            return
        lead = next((x for x in project.departments if x.role == int(d.DepartmentRole.LEAD)), None)
        if lead is None:
            return
        due = r.plan_due if e.kind == "plan" else r.due_date
        key = f"rectification:{r.id}:{e.kind[:12]}:{due[:10]}"
        if s.scalars(select(LetterRow.id).where(LetterRow.lateness == key)).first() is not None:
            return
        late = d.Lateness(key=key, kind=d.LatenessKind.RECTIFICATION_OVERDUE, milestone_id="",
                          days_late=max(e.days_late, 0), what=e.what_is_late[:500])
        self.letters.issue_for_project(s, project, lead, late, china_day(now()),
                                       supervision_settings.of(self.rt).letter_reply_days)

    def table(self) -> dict[type, EventHandler]:
        return {eev.RectificationOverdue: self.overdue}


def rectification_consumer(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"supervision-rectification-{runtime.settings.home_region}",
                          RectificationHandler(runtime).table())
