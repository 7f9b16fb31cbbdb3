"""The supervision service, as a table of contents: how work arrives and what it touches.

Arrives: SupervisionService RPCs, who may call which in access.py (no public ones): projects
(projects.py), inspections (inspections.py), reminder letters (letters.py), deputies' bills
and suggestions (bills.py, rules in bills_domain.py) and meetings with heads of state organs
(organ_meetings.py).
Consumes: lianxin.balloting.v1 ProjectAdopted, which opens a project file for each adopted
project of a region this deployment serves (adoption.py), once however often it arrives;
lianxin.evaluation.v1 RectificationOverdue, a reminder letter to the lead department of a
project late with its rectification (rectification.py);
lianxin.supervision.v1 (every deployment's, its own included): LetterEscalated sent to this
home region (letters.py: the tier above's letter), and the events the statistics count
(rollup.py).
Timers: the lateness sweep (letters.py), every lateness_sweep_interval: reminder letters to
the lead departments of late milestones, projects behind plan and bills and suggestions past
their handling deadline, firmer ones for letters unanswered past their reply-by day, the
chain to the tier above after letters_before_tier_above, and each project's standing (the
relay publishes the outbox).
Touches: its own database (tables.py: projects, their departments, tasks, milestones and
history; inspections and the problems they found; letters and their answers; items with their
co-signers, departments, meetings, replies and history; item rules; organ meetings; the
statistics' figure_* tables) and topic lianxin.supervision.v1.
Settings: SupervisionSettings (settings.py): the sweep's interval, the behind-plan margin, the
days a department has to answer a letter and the unanswered letters before the tier above.
Demo: a project of the prefecture planned and reported on, a deputy's suggestion in handling
and a meeting awaiting its follow-up, through the API (demo.py).
"""
from __future__ import annotations

from lianxin.supervision.v1 import supervision_pb2_grpc

from services.supervision import demo
from services.supervision.access import ACCESS, SERVICE_NAME
from services.supervision.adoption import adoption_consumer
from services.supervision.letters import lateness_timer, letters_from_below
from services.supervision.rectification import rectification_consumer
from services.supervision.rollup import rollup_consumer
from services.supervision.servicer import SupervisionServicer
from services.supervision.settings import SupervisionSettings
from services.supervision.tables import BUS, Base
from shared.rpc.server import GrpcEdge
from shared.service import ConsumedTopic, Demo, Runtime, ServiceDefinition, Timer

__all__ = ["SERVICE_NAME", "definition"]


def consumes(runtime: Runtime) -> list[ConsumedTopic]:
    return [adoption_consumer(runtime), rectification_consumer(runtime), letters_from_below(runtime),
            rollup_consumer(runtime)]


def timers(runtime: Runtime) -> list[Timer]:
    return [lateness_timer(runtime)]


def definition() -> ServiceDefinition:
    def edge(runtime: Runtime) -> GrpcEdge:
        servicer = SupervisionServicer(runtime)
        return GrpcEdge(
            service="supervision",
            register=[lambda server: supervision_pb2_grpc.add_SupervisionServiceServicer_to_server(servicer, server)],
            service_names=[SERVICE_NAME],
            access=[ACCESS])

    return ServiceDefinition(name="supervision", metadata=Base.metadata, bus_tables=BUS, edge=edge,
                             consumes=consumes, timers=timers, settings=SupervisionSettings,
                             demo=Demo(through_api=demo.through_api, settings=demo.SETTINGS))
