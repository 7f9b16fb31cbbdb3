"""Evaluation's read model of the roster: each deputy's region, name, seats (levels) and status,
as roster events tell them (evaluation_deputies), through shared.deputy_directory. Fed ONLY by
roster events: evaluation never reads the roster's database. Who rates in a satisfaction vote
is computed from it, as balloting computes its electorate (shared.secret_ballot.electorate);
the performance points know their deputies from it.

A deputy it learns, or whose region or name changes, may be one an inspection already stored
named but could not credit (the roster's event came after the inspection's): in the same
transaction as the upsert, the performance points read those inspections again and credit
them (Performance.learned).
"""
from __future__ import annotations

from lianxin.roster.v1 import events_pb2 as rev

from services.evaluation.performance import Performance
from services.evaluation.tables import DeputyRow
from shared.deputy_directory import DeputyDirectory
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer


def roster_directory(runtime: Runtime) -> ConsumedTopic:
    table = DeputyDirectory(runtime.deployment, DeputyRow).table()
    performance = Performance(runtime)

    def and_credit(upsert: EventHandler) -> EventHandler:
        def handle(s, e, env) -> None:
            def seen() -> tuple[str, str] | None:
                row = s.get(DeputyRow, e.deputy.id) if e.deputy.id else None
                return None if row is None else (row.region_path, row.name)
            before = seen()
            upsert(s, e, env)
            after = seen()
            if after is not None and after != before:
                performance.learned(s, e.deputy.id, after[1])
        return handle

    for cls in (rev.DeputyRegistered, rev.DeputyUpdated):
        table[cls] = and_credit(table[cls])
    return event_consumer(f"evaluation-directory-{runtime.settings.home_region}", table)
