"""Statistics of livelihood projects per region and year, rolled up from the balloting events
of every deployment (a county's and its townships' reach the prefecture on the same topic):
proposals received, shortlisted, candidates, adopted and their total investment.

One row per campaign (campaign_figures), kept from its own events: ProposalReceived counts a
proposal once (the inbox drops a redelivery), ProposalShortlisted keeps each proposal's last
state (figure_shortlist), CandidatesFixed sets the candidates, ResultPublished the adopted
projects and their investment. A query sums the rows of a region's subtree and years. A
region the tree does not know is kept by its code and counted at the top only when asked for
exactly (never silently dropped).
"""
from __future__ import annotations

from dataclasses import dataclass

from lianxin.balloting.v1 import events_pb2 as bev
from sqlalchemy import BigInteger, Boolean, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.balloting import domain as d
from services.balloting.access import ACCESS
from services.balloting.store import in_subtree
from services.balloting.tables import Base
from services.balloting.usecase import UseCase
from shared import validation
from shared.auth import Principal
from shared.bus import Envelope
from shared.errors import InvalidArgument
from shared.service import ConsumedTopic, EventHandler, Runtime, dispatch, event_consumer
from shared.tenancy import RegionTree


class CampaignFigureRow(Base):
    """One campaign's figures, from balloting events of every deployment."""
    __tablename__ = "campaign_figures"
    campaign_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    shortlisted: Mapped[int] = mapped_column(Integer, default=0)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    adopted: Mapped[int] = mapped_column(Integer, default=0)
    investment_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_campaign_figures_region_path_year", "region_path", "year"),)


class FigureShortlistRow(Base):
    """Each proposal's last shortlist decision, so the shortlisted count follows changes of mind."""
    __tablename__ = "figure_shortlist"
    proposal_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(36), index=True)
    shortlisted: Mapped[bool] = mapped_column(Boolean)


@dataclass(frozen=True)
class Figures:
    region_code: str
    year_from: int
    year_to: int
    campaigns: int = 0
    received: int = 0
    shortlisted: int = 0
    candidates: int = 0
    adopted: int = 0
    investment_fen: int = 0


class RollupHandler:
    def __init__(self, regions: RegionTree):
        self.regions = regions

    def _row(self, s: Session, campaign_id: str, region_code: str, year: int) -> CampaignFigureRow:
        row = s.get(CampaignFigureRow, campaign_id)
        if row is None:
            path = self.regions.get(region_code).path if region_code in self.regions else region_code
            row = CampaignFigureRow(campaign_id=campaign_id, region_code=region_code, region_path=path, year=year,
                                    received=0, shortlisted=0, candidates=0, adopted=0, investment_fen=0)
            s.add(row)
            s.flush()
        elif year and not row.year:
            row.year = year
        return row

    def created(self, s: Session, e: bev.CampaignCreated) -> None:
        self._row(s, e.campaign.id, e.campaign.region_code, e.campaign.year)

    def received(self, s: Session, e: bev.ProposalReceived) -> None:
        self._row(s, e.proposal.campaign_id, e.region_code, 0).received += 1

    def shortlisted(self, s: Session, e: bev.ProposalShortlisted) -> None:
        row = self._row(s, e.campaign_id, e.region_code, 0)
        mark = s.get(FigureShortlistRow, e.proposal_id)
        if mark is None:
            s.add(FigureShortlistRow(proposal_id=e.proposal_id, campaign_id=e.campaign_id, shortlisted=e.shortlisted))
        else:
            mark.shortlisted = e.shortlisted
        s.flush()
        row.shortlisted = s.scalar(select(func.count()).select_from(FigureShortlistRow).where(
            FigureShortlistRow.campaign_id == e.campaign_id, FigureShortlistRow.shortlisted.is_(True))) or 0

    def fixed(self, s: Session, e: bev.CandidatesFixed) -> None:
        self._row(s, e.campaign_id, e.region_code, e.year).candidates = len(e.candidates)

    def published(self, s: Session, e: bev.ResultPublished) -> None:
        row = self._row(s, e.campaign_id, e.region_code, e.year)
        row.adopted = len(e.adopted)
        row.investment_fen = sum(c.investment_fen for c in e.adopted)

    def table(self) -> dict[type, EventHandler]:
        return {
            bev.CampaignCreated: lambda s, e, env: self.created(s, e),
            bev.ProposalReceived: lambda s, e, env: self.received(s, e),
            bev.ProposalShortlisted: lambda s, e, env: self.shortlisted(s, e),
            bev.CandidatesFixed: lambda s, e, env: self.fixed(s, e),
            bev.ResultPublished: lambda s, e, env: self.published(s, e),
        }

    def __call__(self, session: Session, env: Envelope) -> None:
        dispatch(self.table(), session, env)


def rollup_consumer(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"balloting-rollup-{runtime.settings.home_region}", RollupHandler(runtime.regions).table())


def figures(s: Session, path: str, region_code: str, year_from: int, year_to: int) -> Figures:
    """The sums over the campaigns of the subtree at ``path`` and the years given."""
    c = CampaignFigureRow
    row = s.execute(select(func.count(), func.coalesce(func.sum(c.received), 0),
                           func.coalesce(func.sum(c.shortlisted), 0), func.coalesce(func.sum(c.candidates), 0),
                           func.coalesce(func.sum(c.adopted), 0), func.coalesce(func.sum(c.investment_fen), 0))
                    .where(in_subtree(c.region_path, path), c.year >= year_from, c.year <= year_to)).one()
    return Figures(region_code, year_from, year_to, *(int(x) for x in row))


class Statistics(UseCase):
    def get(self, who: Principal, region_code: str, year_from: int, year_to: int) -> Figures:
        """The figures of a region's subtree (the caller's region by default) and years, as
        rolled up from every tier's events (a delegated subtree's included: they arrive here)."""
        ACCESS.scope(who, "statistics.read")
        year_from = d.check_year(year_from, "year_from")
        year_to = d.check_year(year_to, "year_to")
        if year_to < year_from:
            raise InvalidArgument("year_to", "is before year_from")
        if region_code:
            code = validation.region_code(region_code, "region_code")
            self.regions.require(code, "region_code")
            self.rt.deployment.require_home(code, "region_code")
            self.regions.ensure_within(who.region, code)
        else:
            code = who.region
        with self.rt.transaction() as s:
            return figures(s, self.regions.get(code).path, code, year_from, year_to)
