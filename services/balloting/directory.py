"""Balloting's read model of the roster: each deputy's region, name, seats (levels),
specialties and status, as roster events tell them (ballot_deputies), through the shared
shared.deputy_directory.DeputyDirectory.

Fed ONLY by roster events on the roster's topic: balloting never reads the roster's database.
Who votes in a campaign is computed from it (campaigns.Campaigns.voters): the deputies of
the campaign's congress, or a 街道's deliberation deputies, who serve or were by-elected when
asked. A status change is applied as it arrives, so a resignation or a by-election recorded
before the session counts at the session.
"""
from __future__ import annotations

from services.balloting.tables import BallotDeputyRow
from shared.deputy_directory import DeputyDirectory
from shared.service import ConsumedTopic, Runtime, event_consumer
from shared.tenancy import Deployment


def _specialties(row: BallotDeputyRow, deputy) -> None:
    row.specialties = ",".join(deputy.specialties)


def deputy_directory(deployment: Deployment) -> DeputyDirectory:
    """Applies one roster event to ballot_deputies; callable as a consumer handler."""
    return DeputyDirectory(deployment, BallotDeputyRow, _specialties)


def roster_directory(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"balloting-directory-{runtime.settings.home_region}",
                          deputy_directory(runtime.deployment).table())
