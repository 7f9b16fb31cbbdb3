"""Balloting's read model of the roster: each deputy's region, name, seats (levels),
specialties and status, as roster events tell them (ballot_deputies).

Fed ONLY by roster events on the roster's topic: balloting never reads the roster's database.
Who votes in a campaign is computed from it (campaigns.Campaigns.voters): the deputies of
the campaign's congress, or a 街道's deliberation deputies, who serve or were by-elected when
asked. A status change is applied as it arrives, so a resignation or a by-election recorded
before the session counts at the session. Upserts, so a redelivered event leaves the same row;
regions this deployment does not serve are passed over.
"""
from __future__ import annotations

from lianxin.roster.v1 import events_pb2 as rev
from sqlalchemy.orm import Session

from services.balloting.tables import BallotDeputyRow
from shared.bus import Envelope
from shared.clock import now
from shared.service import ConsumedTopic, EventHandler, Runtime, dispatch, event_consumer
from shared.tenancy import Deployment


class DirectoryHandler:
    """Applies one roster event to ballot_deputies; callable as a consumer handler."""

    def __init__(self, deployment: Deployment):
        self.deployment = deployment

    def _deputy(self, session: Session, deputy) -> None:
        path = self.deployment.served_path(deputy.region_code) if deputy.region_code in self.deployment.regions \
            else None
        if path is None or not deputy.id:
            return
        row = session.get(BallotDeputyRow, deputy.id)
        if row is None:
            row = BallotDeputyRow(id=deputy.id)
            session.add(row)
        row.region_code, row.region_path = deputy.region_code, path
        row.name = deputy.name[:50]
        row.levels = ",".join(str(int(s.level)) for s in deputy.seats)
        row.specialties = ",".join(deputy.specialties)
        row.status = int(deputy.status)
        row.updated_at = now()

    def _status_changed(self, session: Session, e: rev.DeputyStatusChanged) -> None:
        if e.region_code not in self.deployment.regions or self.deployment.served_path(e.region_code) is None:
            return
        row = session.get(BallotDeputyRow, e.deputy_id)
        if row is not None:
            row.status = int(e.to_status)
            row.updated_at = now()

    def table(self) -> dict[type, EventHandler]:
        """The roster events this read model applies; other roster events are not part of it."""
        return {
            rev.DeputyRegistered: lambda s, e, env: self._deputy(s, e.deputy),
            rev.DeputyUpdated: lambda s, e, env: self._deputy(s, e.deputy),
            rev.DeputyStatusChanged: lambda s, e, env: self._status_changed(s, e),
        }

    def __call__(self, session: Session, env: Envelope) -> None:
        dispatch(self.table(), session, env)


def roster_directory(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"balloting-directory-{runtime.settings.home_region}",
                          DirectoryHandler(runtime.deployment).table())
