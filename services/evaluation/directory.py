"""Evaluation's read model of the roster: each deputy's region, name, seats (levels) and status,
as roster events tell them (evaluation_deputies). Fed ONLY by roster events: evaluation never
reads the roster's database. Who rates in a satisfaction vote is computed from it, as
balloting computes its electorate (shared.secret_ballot.electorate); the performance points
know their deputies from it. Upserts, so a redelivered event leaves the same row; regions this
deployment does not serve are passed over.
"""
from __future__ import annotations

from lianxin.roster.v1 import events_pb2 as rev
from sqlalchemy.orm import Session

from services.evaluation.tables import DeputyRow
from shared.clock import now
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer
from shared.tenancy import Deployment


class DirectoryHandler:
    def __init__(self, deployment: Deployment):
        self.deployment = deployment

    def _path(self, region_code: str) -> str | None:
        return self.deployment.served_path(region_code) if region_code in self.deployment.regions else None

    def _deputy(self, session: Session, deputy) -> None:
        path = self._path(deputy.region_code)
        if path is None or not deputy.id:
            return
        row = session.get(DeputyRow, deputy.id)
        if row is None:
            row = DeputyRow(id=deputy.id)
            session.add(row)
        row.region_code, row.region_path = deputy.region_code, path
        row.name = deputy.name[:50]
        row.levels = ",".join(str(int(s.level)) for s in deputy.seats)[:30]
        row.status = int(deputy.status)
        row.updated_at = now()

    def _status_changed(self, session: Session, e: rev.DeputyStatusChanged) -> None:
        if self._path(e.region_code) is None:
            return
        row = session.get(DeputyRow, e.deputy_id)
        if row is not None:
            row.status = int(e.to_status)
            row.updated_at = now()

    def table(self) -> dict[type, EventHandler]:
        return {
            rev.DeputyRegistered: lambda s, e, env: self._deputy(s, e.deputy),
            rev.DeputyUpdated: lambda s, e, env: self._deputy(s, e.deputy),
            rev.DeputyStatusChanged: lambda s, e, env: self._status_changed(s, e),
        }


def roster_directory(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"evaluation-directory-{runtime.settings.home_region}",
                          DirectoryHandler(runtime.deployment).table())
