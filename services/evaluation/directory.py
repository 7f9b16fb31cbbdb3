"""Evaluation's read model of the roster: each deputy's region, name, seats (levels) and status,
as roster events tell them (evaluation_deputies), through shared.deputy_directory. Fed ONLY by
roster events: evaluation never reads the roster's database. Who rates in a satisfaction vote
is computed from it, as balloting computes its electorate (shared.secret_ballot.electorate);
the performance points know their deputies from it.
"""
from __future__ import annotations

from services.evaluation.tables import DeputyRow
from shared.deputy_directory import DeputyDirectory
from shared.service import ConsumedTopic, Runtime, event_consumer


def roster_directory(runtime: Runtime) -> ConsumedTopic:
    return event_consumer(f"evaluation-directory-{runtime.settings.home_region}",
                          DeputyDirectory(runtime.deployment, DeputyRow).table())
