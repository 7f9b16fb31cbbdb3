"""Funding's read model of the roster's venues (funding_venues): each venue's region and name,
as roster events tell them, so a venue's allowance (人大代表之家补助) can be drawn up
(funding.Funding.allocate). The deputies are evaluation's read model (directory.py). Fed only
by roster events: evaluation never reads the roster's database. Upserts, so a redelivered event
leaves the same row; regions this deployment does not serve are passed over.
"""
from __future__ import annotations

from lianxin.roster.v1 import events_pb2 as rev
from sqlalchemy.orm import Session

from services.evaluation.funding_tables import FundingVenueRow
from shared.clock import now
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer
from shared.tenancy import Deployment


class VenueHandler:
    def __init__(self, deployment: Deployment):
        self.deployment = deployment

    def _venue(self, s: Session, venue) -> None:
        path = self.deployment.served_path(venue.region_code) if venue.region_code in self.deployment.regions \
            else None
        if path is None or not venue.id:
            return
        row = s.get(FundingVenueRow, venue.id)
        if row is None:
            row = FundingVenueRow(id=venue.id)
            s.add(row)
        row.region_code, row.region_path, row.name, row.updated_at = venue.region_code, path, venue.name[:100], now()

    def table(self) -> dict[type, EventHandler]:
        return {
            rev.VenueCreated: lambda s, e, env: self._venue(s, e.venue),
            rev.VenueUpdated: lambda s, e, env: self._venue(s, e.venue),
        }


def venue_directory(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"evaluation-venues-{runtime.settings.home_region}",
                          VenueHandler(runtime.deployment).table())
