"""Balloting queries. Listings take the caller's scope (a region path) and filter on it in
SQL, so a missing check at the edge still cannot leak another region's campaigns."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, lazyload

from services.balloting.tables import BallotDeputyRow, BallotRulesRow, CampaignRow, ProposalRow
from shared import paging
from shared.errors import NotFound


def in_subtree(column, path: str):
    # Escape LIKE wildcards: paths are digits and '/', but the scope must never widen.
    return or_(column == path, column.like(path.replace("%", r"\%").replace("_", r"\_") + "/%", escape="\\"))


class BallotingStore:
    def __init__(self, session: Session):
        self.s = session

    # ---- rules ----
    def rules(self, codes: list[str]) -> dict[str, BallotRulesRow]:
        """The own rules of each of ``codes`` that has some."""
        rows = self.s.scalars(select(BallotRulesRow).where(BallotRulesRow.region_code.in_(codes)))
        return {r.region_code: r for r in rows}

    # ---- campaigns ----
    def campaign(self, campaign_id: str, field: str, *, for_update: bool = False, light: bool = False) -> CampaignRow:
        """The campaign; ``light``: its own columns, its steps and candidates loaded only if
        asked for (a cast reads its region and nothing else: loading 50 candidates with every
        ballot cost more than the ballot)."""
        q = select(CampaignRow).where(CampaignRow.id == campaign_id)
        if light:
            q = q.options(lazyload(CampaignRow.steps), lazyload(CampaignRow.candidates))
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("campaign", campaign_id, field)
        return row

    def campaign_of(self, region_code: str, year: int, *, for_update: bool = False) -> CampaignRow | None:
        q = select(CampaignRow).where(CampaignRow.region_code == region_code, CampaignRow.year == year)
        if for_update:
            q = q.with_for_update()
        return self.s.scalars(q).first()

    def list_campaigns(self, scope_path: str, year: int, phase: int | None, page: paging.Page,
                       above: tuple[str, ...] = ()) -> tuple[list[CampaignRow], int, str]:
        """Campaigns of the subtree at ``scope_path``, and those of the regions ``above`` it."""
        where = [or_(in_subtree(CampaignRow.region_path, scope_path), CampaignRow.region_code.in_(above))
                 if above else in_subtree(CampaignRow.region_path, scope_path)]
        if year:
            where.append(CampaignRow.year == year)
        if phase is not None:
            where.append(CampaignRow.phase == phase)
        total = self.s.scalar(select(func.count()).select_from(CampaignRow).where(*where)) or 0
        order = [(CampaignRow.region_path, paging.ASC), (CampaignRow.year, paging.ASC), (CampaignRow.id, paging.ASC)]
        rows, token = paging.take(page, list(self.s.scalars(paging.keyset(select(CampaignRow).where(*where),
                                                                          order, page))),
                                  lambda r: (r.region_path, r.year, r.id))
        return rows, total, token

    def proposal_count(self, campaign_id: str) -> int:
        return self.s.scalar(select(func.count()).select_from(ProposalRow)
                             .where(ProposalRow.campaign_id == campaign_id)) or 0

    # ---- proposals ----
    def proposal(self, proposal_id: str, field: str, *, for_update: bool = False) -> ProposalRow:
        q = select(ProposalRow).where(ProposalRow.id == proposal_id)
        if for_update:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            raise NotFound("proposal", proposal_id, field)
        return row

    def by_tracking_code(self, code: str) -> ProposalRow | None:
        return self.s.scalars(select(ProposalRow).where(ProposalRow.tracking_code == code)).first()

    def tracking_code_taken(self, code: str) -> bool:
        return self.s.scalar(select(ProposalRow.id).where(ProposalRow.tracking_code == code)) is not None

    def list_proposals(self, campaign_id: str, status: int | None,
                       page: paging.Page) -> tuple[list[ProposalRow], int, str]:
        where = [ProposalRow.campaign_id == campaign_id]
        if status is not None:
            where.append(ProposalRow.status == status)
        total = self.s.scalar(select(func.count()).select_from(ProposalRow).where(*where)) or 0
        order = [(ProposalRow.received_at, paging.ASC), (ProposalRow.id, paging.ASC)]
        rows, token = paging.take(page, list(self.s.scalars(paging.keyset(select(ProposalRow).where(*where),
                                                                          order, page))),
                                  lambda r: (r.received_at, r.id))
        return rows, total, token

    # ---- the roster's deputies (read model) ----
    def deputy(self, deputy_id: str) -> BallotDeputyRow | None:
        return self.s.get(BallotDeputyRow, deputy_id)

    def seated_deputies(self, scope_path: str, level: int, statuses: tuple[int, ...]) -> list[BallotDeputyRow]:
        """Deputies of the subtree, serving or by-elected, holding a seat of ``level`` (levels
        are a short comma list, "4,6": matched in Python, not with LIKE)."""
        rows = self.s.scalars(select(BallotDeputyRow).where(
            in_subtree(BallotDeputyRow.region_path, scope_path), BallotDeputyRow.status.in_(statuses))
            .order_by(BallotDeputyRow.name, BallotDeputyRow.id))
        return [r for r in rows if str(level) in r.levels.split(",")]
