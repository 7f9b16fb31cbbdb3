"""A rectification's history (rectification_steps): every explanation and plan as submitted
(rectifications.py) and the lead department it was addressed to once its project's plan named
one (projects.py). Kept apart so that both can write it."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.evaluation import domain as d
from services.evaluation.satisfaction_tables import RectificationStepRow
from shared.clock import now


def history(s: Session, rect_id: str) -> list[RectificationStepRow]:
    """A rectification's steps, oldest first."""
    return list(s.scalars(select(RectificationStepRow).where(RectificationStepRow.rectification_id == rect_id)
                          .order_by(RectificationStepRow.seq)))


def add_step(s: Session, rect_id: str, kind: d.RectificationStepKind, **fields) -> RectificationStepRow:
    """Appends a step to a rectification's history (under the rectification's row lock)."""
    seq = (s.scalar(select(func.max(RectificationStepRow.seq)).where(
        RectificationStepRow.rectification_id == rect_id)) or 0) + 1
    row = RectificationStepRow(rectification_id=rect_id, seq=seq, kind=int(kind), at=now(), **fields)
    s.add(row)
    return row
