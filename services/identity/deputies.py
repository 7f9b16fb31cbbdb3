"""Identity's read model of the roster's deputies: enough to resolve the deputy an account
stands for (``stands_for``) inside the caller's scope -- that it exists, is serving, and lies
within the account's region.

Fed ONLY by roster events on lianxin.roster.v1 (deployments and services never read each
other's databases). Upserts, so a redelivered event leaves the same row. Regions this
deployment does not serve (another prefecture's, a delegated region's) are passed over.
"""
from __future__ import annotations

from datetime import datetime

from lianxin.roster.v1 import events_pb2 as rev
from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.identity.tables import Base
from shared.bus import Envelope
from shared.clock import now
from shared.db import UtcDateTime
from shared.service import ConsumedTopic, EventHandler, Runtime, dispatch, event_consumer
from shared.tenancy import Deployment, RegionTree

# The roster statuses in which a deputy serves (lianxin.roster.v1.DeputyStatus: SERVING,
# BY_ELECTED); a resigned or terminated deputy gets no new account.
SERVING_STATUSES = (1, 4)


class DeputyRow(Base):
    __tablename__ = "roster_deputies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_roster_deputies_region_path", "region_path"),)


class DeputiesHandler:
    """Applies one roster event to the read model; callable as a consumer handler."""

    def __init__(self, regions: RegionTree, home_region: str, delegated: tuple[str, ...] = ()):
        self.deployment = Deployment.of(regions, home_region, delegated)

    def _deputy(self, session: Session, deputy) -> None:
        path = self.deployment.served_path(deputy.region_code)
        if path is None or not deputy.id:
            return
        row = session.get(DeputyRow, deputy.id)
        if row is None:
            row = DeputyRow(id=deputy.id)
            session.add(row)
        row.region_code, row.region_path = deputy.region_code, path
        row.status, row.updated_at = int(deputy.status), now()

    def _status_changed(self, session: Session, e: rev.DeputyStatusChanged) -> None:
        if self.deployment.served_path(e.region_code) is None:
            return
        row = session.get(DeputyRow, e.deputy_id)
        if row is not None:
            row.status, row.updated_at = int(e.to_status), now()

    def table(self) -> dict[type, EventHandler]:
        """The roster events this read model applies; other roster events are not part of it."""
        return {
            rev.DeputyRegistered: lambda s, e, env: self._deputy(s, e.deputy),
            rev.DeputyUpdated: lambda s, e, env: self._deputy(s, e.deputy),
            rev.DeputyStatusChanged: lambda s, e, env: self._status_changed(s, e),
        }

    def __call__(self, session: Session, env: Envelope) -> None:
        dispatch(self.table(), session, env)


def roster_deputies(runtime: Runtime) -> ConsumedTopic:
    home = runtime.settings.home_region
    return event_consumer(f"identity-deputies-{home}",
                          DeputiesHandler(runtime.regions, home, runtime.deployment.delegated).table())
