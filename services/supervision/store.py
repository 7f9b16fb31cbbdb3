"""Supervision queries. Listings take the caller's scope (a region path, and for a department
its subject and region) and filter on it in SQL, so a missing check at the edge still cannot
leak another region's or another department's projects."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.supervision.tables import InspectionRow, ProjectDepartmentRow, ProjectRow
from shared import paging
from shared.errors import NotFound


def in_subtree(column, path: str):
    # Escape LIKE wildcards: paths are digits and '/', but the scope must never widen.
    return or_(column == path, column.like(path.replace("%", r"\%").replace("_", r"\_") + "/%", escape="\\"))


class SupervisionStore:
    def __init__(self, session: Session):
        self.s = session

    def project(self, project_id: str, field: str, *, for_update: bool = False) -> ProjectRow:
        q = select(ProjectRow).where(ProjectRow.id == project_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("project", project_id, field)
        return row

    def by_proposal(self, proposal_id: str) -> ProjectRow | None:
        return self.s.scalars(select(ProjectRow).where(ProjectRow.proposal_id == proposal_id)).first()

    def _where(self, scope_path: str, year: int, department: tuple[str, str] | None) -> list:
        where = [in_subtree(ProjectRow.region_path, scope_path)]
        if year:
            where.append(ProjectRow.year == year)
        if department is not None:
            subject, region = department
            where.append(ProjectRow.region_code == region)
            where.append(ProjectRow.id.in_(select(ProjectDepartmentRow.project_id)
                                           .where(ProjectDepartmentRow.department == subject)))
        return where

    def list_projects(self, scope_path: str, year: int, page: paging.Page,
                      department: tuple[str, str] | None = None) -> tuple[list[ProjectRow], int, str]:
        """Projects of the subtree at ``scope_path`` (of ``year`` unless 0); ``department``
        (subject, region): only those where that department is lead or co-department."""
        where = self._where(scope_path, year, department)
        total = self.s.scalar(select(func.count()).select_from(ProjectRow).where(*where)) or 0
        order = [(ProjectRow.region_path, paging.ASC), (ProjectRow.year, paging.ASC), (ProjectRow.id, paging.ASC)]
        rows, token = paging.take(page, list(self.s.scalars(paging.keyset(select(ProjectRow).where(*where),
                                                                          order, page))),
                                  lambda r: (r.region_path, r.year, r.id))
        return rows, total, token

    def programme(self, scope_path: str, year: int) -> list[ProjectRow]:
        return list(self.s.scalars(select(ProjectRow).where(*self._where(scope_path, year, None))
                                   .order_by(ProjectRow.region_path, ProjectRow.title, ProjectRow.id)))

    # ---- inspections ----
    def inspection(self, inspection_id: str, field: str, *, for_update: bool = False) -> InspectionRow:
        q = select(InspectionRow).where(InspectionRow.id == inspection_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("inspection", inspection_id, field)
        return row

    def list_inspections(self, scope_path: str, project_id: str,
                         page: paging.Page) -> tuple[list[InspectionRow], int, str]:
        where = [in_subtree(InspectionRow.region_path, scope_path)]
        if project_id:
            where.append(InspectionRow.project_id == project_id)
        total = self.s.scalar(select(func.count()).select_from(InspectionRow).where(*where)) or 0
        order = [(InspectionRow.region_path, paging.ASC), (InspectionRow.scheduled_on, paging.ASC),
                 (InspectionRow.id, paging.ASC)]
        rows, token = paging.take(page, list(self.s.scalars(paging.keyset(select(InspectionRow).where(*where),
                                                                          order, page))),
                                  lambda r: (r.region_path, r.scheduled_on, r.id))
        return rows, total, token

    def inspections_of(self, scope_path: str) -> list[InspectionRow]:
        return list(self.s.scalars(select(InspectionRow).where(in_subtree(InspectionRow.region_path, scope_path))))
