"""The evaluation service (评), as a table of contents: how work arrives and what it touches.

Arrives: EvaluationService RPCs, who may call which in access.py (GetPublicSatisfactionResult
open to the public): the year's projects (projects.py); the satisfaction vote (satisfaction.py);
rectifications and inquiries (rectifications.py); deputies' performance: rules, files,
rankings, flags, annual reports (performance.py); activity funding (funding.py); the roll-up (rollup.py).
Consumes: lianxin.roster.v1 deputy events into its read model of the roster (directory.py),
from which it knows who rates; lianxin.supervision.v1 project events (ProjectOpened,
ProjectPlanChanged, ProgressReported) into its read model of the year's projects (projects.py);
the events of deputies' work (liaison ActivityRecorded and OpinionStepRecorded, balloting
AttendanceRecorded, supervision InspectionRecorded, its own SatisfactionVoteCounted and
ConstituentReportRecorded) into their performance files (performance_events.py); lianxin.roster.v1
venue events into funding's venues (funding_directory.py); lianxin.evaluation.v1 (every tier's, its
own included) into the roll-up's facts (rollup.py).
Timers: the rectification sweep (rectifications.py), every rectification_sweep_interval: one
RectificationOverdue per lateness (the relay publishes the outbox).
Touches: its own database (tables.py and each area's *_tables.py) and topic lianxin.evaluation.v1.
Settings: EvaluationSettings (settings.py).
Demo: demo.py, through the API.
"""
from __future__ import annotations

from lianxin.evaluation.v1 import evaluation_pb2_grpc

from services.evaluation import demo
from services.evaluation import funding_tables as _funding_tables  # noqa: F401 - its tables on Base
from services.evaluation import performance_tables as _performance_tables  # noqa: F401 - its tables on Base
from services.evaluation import satisfaction_tables as _satisfaction_tables  # noqa: F401 - its tables on Base
from services.evaluation.access import ACCESS, SERVICE_NAME
from services.evaluation.directory import roster_directory
from services.evaluation.funding_directory import venue_directory
from services.evaluation.performance_events import performance_consumer
from services.evaluation.projects import projects_consumer
from services.evaluation.rectifications import reminder_timer
from services.evaluation.rollup import rollup_consumer
from services.evaluation.servicer import EvaluationServicer
from services.evaluation.settings import EvaluationSettings
from services.evaluation.tables import BUS, Base
from shared.rpc.server import GrpcEdge
from shared.service import ConsumedTopic, Demo, Runtime, ServiceDefinition, Timer

__all__ = ["SERVICE_NAME", "definition"]


def consumes(runtime: Runtime) -> list[ConsumedTopic]:
    return [roster_directory(runtime), projects_consumer(runtime), performance_consumer(runtime),
            venue_directory(runtime), rollup_consumer(runtime)]


def timers(runtime: Runtime) -> list[Timer]:
    return [reminder_timer(runtime)]


def definition() -> ServiceDefinition:
    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = EvaluationServicer(runtime)
        return GrpcEdge(
            service="evaluation",
            register=[lambda server: evaluation_pb2_grpc.add_EvaluationServiceServicer_to_server(servicer, server)],
            service_names=[SERVICE_NAME],
            access=[ACCESS])

    return ServiceDefinition(name="evaluation", metadata=Base.metadata, bus_tables=BUS, edge=edge,
                             consumes=consumes, timers=timers, settings=EvaluationSettings,
                             demo=Demo(through_api=demo.through_api, needs=frozenset({"roster", "supervision"})))
