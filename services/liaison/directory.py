"""The liaison service's read model of the roster: deputies (with their card codes),
venues and who belongs to which venue.

Fed ONLY by roster events on lianxin.roster.v1: deployments never read each other's
databases. Upserts, so a redelivered or reordered-within-a-key event leaves the same rows.
Regions outside this deployment's home subtree are ignored.
"""
from __future__ import annotations

from datetime import datetime

from lianxin.roster.v1 import events_pb2 as rev
from sqlalchemy import Index, Integer, String, Text, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.liaison import domain as d
from services.liaison.tables import Base
from shared.bus import Envelope
from shared.clock import now
from shared.db import UtcDateTime
from shared.service import ConsumedTopic, EventHandler, Runtime, dispatch, event_consumer
from shared.tenancy import Deployment, RegionTree

# The roster statuses in which a deputy takes work (lianxin.roster.v1.DeputyStatus).
ACTIVE_STATUSES = (int(d.DeputyStatus.SERVING), int(d.DeputyStatus.BY_ELECTED))


class DirectoryDeputyRow(Base):
    __tablename__ = "directory_deputies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(50), default="")
    card_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_directory_deputies_region_path", "region_path"),)


class DirectoryVenueRow(Base):
    __tablename__ = "directory_venues"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[int] = mapped_column(Integer, default=0)
    days_of_month: Mapped[str] = mapped_column(Text, default="")   # "5,25"
    hours: Mapped[str] = mapped_column(String(50), default="")
    __table_args__ = (Index("ix_directory_venues_region_path", "region_path"),)


class DirectoryVenueMemberRow(Base):
    __tablename__ = "directory_venue_members"
    venue_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deputy_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    __table_args__ = (Index("ix_directory_venue_members_deputy", "deputy_id"),)


class DirectoryHandler:
    """Applies one roster event to the read model; callable as a consumer handler.

    Only regions this deployment serves are kept: roster events from every deployment share
    the topic (and its key is the region), so those of another prefecture, and of a region
    below that runs its own deployment (``delegated``), are passed over."""

    def __init__(self, regions: RegionTree, home_region: str, delegated: tuple[str, ...] = ()):
        self.home_region = home_region
        self.deployment = Deployment.of(regions, home_region, delegated)

    def _deputy(self, session: Session, deputy) -> None:
        path = self.deployment.served_path(deputy.region_code)
        if path is None or not deputy.id:
            return
        row = session.get(DirectoryDeputyRow, deputy.id)
        if row is None:
            row = DirectoryDeputyRow(id=deputy.id)
            session.add(row)
        row.region_code, row.region_path = deputy.region_code, path
        row.name = deputy.name
        if deputy.card_code:
            row.card_code = deputy.card_code
        elif row.card_code is None:
            row.card_code = f"-{deputy.id}"[:16]
        row.status = int(deputy.status)
        row.updated_at = now()

    def _venue(self, session: Session, venue) -> None:
        path = self.deployment.served_path(venue.region_code)
        if path is None or not venue.id:
            return
        row = session.get(DirectoryVenueRow, venue.id)
        if row is None:
            row = DirectoryVenueRow(id=venue.id)
            session.add(row)
        row.region_code, row.region_path = venue.region_code, path
        row.name = venue.name
        row.kind = int(venue.kind)
        row.days_of_month = ",".join(str(d) for d in venue.schedule.days_of_month)
        row.hours = venue.schedule.hours

    def _status_changed(self, session: Session, e: rev.DeputyStatusChanged) -> None:
        if self.deployment.served_path(e.region_code) is None:
            return
        row = session.get(DirectoryDeputyRow, e.deputy_id)
        if row is not None:
            row.status = int(e.to_status)
            row.updated_at = now()

    def _assigned(self, session: Session, e: rev.DeputyAssignedToVenue) -> None:
        if self.deployment.served_path(e.region_code) is None or not (e.venue_id and e.deputy_id):
            return
        if session.get(DirectoryVenueMemberRow, (e.venue_id, e.deputy_id)) is None:
            session.add(DirectoryVenueMemberRow(venue_id=e.venue_id, deputy_id=e.deputy_id))

    def _removed(self, session: Session, e: rev.DeputyRemovedFromVenue) -> None:
        if self.deployment.served_path(e.region_code) is None:
            return
        session.execute(delete(DirectoryVenueMemberRow).where(
            DirectoryVenueMemberRow.venue_id == e.venue_id,
            DirectoryVenueMemberRow.deputy_id == e.deputy_id))

    def table(self) -> dict[type, EventHandler]:
        """The roster events this read model applies; other roster events are not part of it."""
        return {
            rev.DeputyRegistered: lambda s, e, env: self._deputy(s, e.deputy),
            rev.DeputyUpdated: lambda s, e, env: self._deputy(s, e.deputy),
            rev.DeputyStatusChanged: lambda s, e, env: self._status_changed(s, e),
            rev.VenueCreated: lambda s, e, env: self._venue(s, e.venue),
            rev.VenueUpdated: lambda s, e, env: self._venue(s, e.venue),
            rev.DeputyAssignedToVenue: lambda s, e, env: self._assigned(s, e),
            rev.DeputyRemovedFromVenue: lambda s, e, env: self._removed(s, e),
        }

    def __call__(self, session: Session, env: Envelope) -> None:
        """Applies one envelope (tests and benchmarks feed the read model directly)."""
        dispatch(self.table(), session, env)


def roster_directory(runtime: Runtime) -> ConsumedTopic:
    home = runtime.settings.home_region
    return event_consumer(f"liaison-directory-{home}",
                          DirectoryHandler(runtime.regions, home, runtime.deployment.delegated).table())

