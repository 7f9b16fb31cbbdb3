"""A service's read model of the roster's deputies, fed ONLY by the roster's events.

Balloting (who votes in a campaign) and evaluation (who rates in a satisfaction vote, whose
points are whose) each keep a table of the deputies of the regions they serve: id, region
code and path, name, seats (levels, e.g. "4,6") and status. The table is theirs; how roster
events fill it is the same and lives here. Upserts, so a redelivered event leaves the same
row; regions the deployment does not serve (delegated, or outside its tree) are passed over;
a status change (resigned, by-elected) is applied as it arrives.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lianxin.roster.v1 import events_pb2 as rev
from sqlalchemy.orm import Session

from shared.bus import Envelope
from shared.clock import now
from shared.service import EventHandler, dispatch
from shared.tenancy import Deployment


class DeputyDirectory:
    """Applies roster events to ``row_type`` (a mapped class with the columns above);
    ``fill(row, deputy)`` sets a service's own further columns (balloting's specialties)."""

    def __init__(self, deployment: Deployment, row_type: type, fill: Callable[[Any, Any], None] | None = None):
        self.deployment = deployment
        self.row_type = row_type
        self.fill = fill

    def _path(self, region_code: str) -> str | None:
        return self.deployment.served_path(region_code) if region_code in self.deployment.regions else None

    def _deputy(self, session: Session, deputy) -> None:
        path = self._path(deputy.region_code)
        if path is None or not deputy.id:
            return
        row = session.get(self.row_type, deputy.id)
        if row is None:
            row = self.row_type(id=deputy.id)
            session.add(row)
        row.region_code, row.region_path = deputy.region_code, path
        row.name = deputy.name[:50]
        row.levels = ",".join(str(int(s.level)) for s in deputy.seats)[:30]
        row.status = int(deputy.status)
        if self.fill is not None:
            self.fill(row, deputy)
        row.updated_at = now()

    def _status_changed(self, session: Session, e: rev.DeputyStatusChanged) -> None:
        if self._path(e.region_code) is None:
            return
        row = session.get(self.row_type, e.deputy_id)
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
