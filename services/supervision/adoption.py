"""Project files opened from balloting's ProjectAdopted events: the adopted project's title,
category, description, investment (the budget, integer fen), funding source, schedule and
location arrive with the event, so nobody re-types them. The deadline is the end of the
campaign's year (a livelihood project is the year's promise: 当年实施、年底测评); the office
then sets departments, tasks and milestones (SetProjectPlan).

Only projects of regions this deployment serves open here (a county's own deployment opens
its county's). Redelivery opens nothing twice: the inbox drops an event already handled, and
the proposal id is unique among projects, checked before the insert.
"""
from __future__ import annotations

from datetime import date

from lianxin.balloting.v1 import events_pb2 as bev
from sqlalchemy.orm import Session

from services.supervision import domain as d
from services.supervision.projects import Opening, Projects
from services.supervision.store import SupervisionStore
from shared.bus import Envelope
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer


class AdoptionHandler:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.projects = Projects(runtime)

    def adopted(self, s: Session, e: bev.ProjectAdopted, env: Envelope) -> None:
        if not e.proposal_id or e.region_code not in self.rt.regions or not self.rt.deployment.serves(e.region_code):
            return
        if SupervisionStore(s).by_proposal(e.proposal_id) is not None:
            return
        year = e.year if 2000 <= e.year <= 2100 else date.today().year
        self.projects.open(s, Opening(
            region_code=e.region_code, year=year, title=e.title[:d.MAX_TITLE], category=e.category[:d.MAX_CATEGORY],
            description=e.description[:d.MAX_DESCRIPTION],
            budget_fen=min(max(e.investment_fen, 0), d.MAX_FEN), deadline=date(year, 12, 31),
            origin=d.ProjectOrigin.BALLOT, campaign_id=e.campaign_id[:36], proposal_id=e.proposal_id[:36],
            funding_source=e.funding_source[:200], schedule=e.schedule[:200],
            location_region=e.location_region[:9]), None)

    def table(self) -> dict[type, EventHandler]:
        return {bev.ProjectAdopted: self.adopted}


def adoption_consumer(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"supervision-adoption-{runtime.settings.home_region}", AdoptionHandler(runtime).table())
