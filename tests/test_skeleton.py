"""The skeleton every service follows: numbers come from the generated code, consumers are
tables keyed by event class (their topics and types derived from the classes), and no
service names a topic or an enum number by hand."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from lianxin.balloting.v1 import balloting_pb2 as bpb
from lianxin.common.v1 import common_pb2
from lianxin.evaluation.v1 import performance_pb2 as perf_pb
from lianxin.liaison.v1 import events_pb2 as lev
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as spb

import services
from services.balloting import domain as bd
from services.evaluation import domain as ed
from services.evaluation import scoring as sc
from services.liaison import domain as ld
from services.roster import domain as rd
from services.supervision import bills_domain as sbd
from services.supervision import domain as sd
from shared.bus import Envelope
from shared.bus.envelope import topic_of_event
from shared.service import event_consumer
from shared.tenancy import RegionKind, Tier

ROOT = Path(__file__).resolve().parent.parent

# Each domain enum and the generated enum (with its value prefix) it must agree with.
ENUMS = [(rd.Level, rpb.Level, "LEVEL_"), (rd.Gender, rpb.Gender, "GENDER_"),
         (rd.DeputyStatus, rpb.DeputyStatus, "DEPUTY_STATUS_"), (rd.VenueKind, rpb.VenueKind, "VENUE_KIND_"),
         (ld.Channel, lpb.Channel, "CHANNEL_"),
         (ld.ActivityKind, lpb.ActivityKind, "ACTIVITY_KIND_"), (ld.DeputyStatus, rpb.DeputyStatus, "DEPUTY_STATUS_"),
         (ld.Status, lpb.OpinionStatus, "OPINION_STATUS_"),
         (bd.Phase, bpb.Phase, "PHASE_"), (bd.ProposerKind, bpb.ProposerKind, "PROPOSER_KIND_"),
         (bd.ProposalStatus, bpb.ProposalStatus, "PROPOSAL_STATUS_"), (bd.Criterion, bpb.Criterion, "CRITERION_"),
         (bd.ReviewerKind, bpb.ReviewerKind, "REVIEWER_KIND_"), (bd.Level, rpb.Level, "LEVEL_"),
         (bd.DeputyStatus, rpb.DeputyStatus, "DEPUTY_STATUS_"),
         (ed.DepartmentRole, spb.DepartmentRole, "DEPARTMENT_ROLE_"),
         (Tier, common_pb2.Tier, "TIER_"), (RegionKind, common_pb2.RegionKind, "REGION_KIND_"),
         (sd.ProjectOrigin, spb.ProjectOrigin, "PROJECT_ORIGIN_"), (sd.DepartmentRole, spb.DepartmentRole, "DEPARTMENT_ROLE_"),
         (sd.InspectionStatus, spb.InspectionStatus, "INSPECTION_STATUS_"),
         (sd.ProblemStatus, spb.ProblemStatus, "PROBLEM_STATUS_"), (sd.LatenessKind, spb.LatenessKind, "LATENESS_KIND_"),
         (sbd.ItemKind, spb.ItemKind, "ITEM_KIND_"), (sbd.ItemStatus, spb.ItemStatus, "ITEM_STATUS_"),
         (sbd.MeetingStage, spb.MeetingStage, "MEETING_STAGE_"), (sbd.MeetingForm, spb.MeetingForm, "MEETING_FORM_"),
         (sbd.ReplyClass, spb.ReplyClass, "REPLY_CLASS_"), (sbd.ReplyRating, spb.ReplyRating, "REPLY_RATING_"),
         (sbd.OrganMeetingStatus, spb.OrganMeetingStatus, "ORGAN_MEETING_STATUS_"),
         (sc.WorkKind, perf_pb.WorkKind, "WORK_KIND_"), (sc.Level, rpb.Level, "LEVEL_"),
         (sc.Flag, perf_pb.PerformanceFlag, "PERFORMANCE_FLAG_"), (sc.ActivityKind, lpb.ActivityKind, "ACTIVITY_KIND_"),
         (sc.OpinionStatus, lpb.OpinionStatus, "OPINION_STATUS_"), (sc.ItemKind, spb.ItemKind, "ITEM_KIND_"),
         (sd.ProjectStandingKind, spb.ProjectStandingKind, "PROJECT_STANDING_KIND_")]


@pytest.mark.parametrize("domain_enum, proto_enum, prefix", ENUMS, ids=lambda x: getattr(x, "__name__", ""))
def test_domain_enums_are_the_generated_enums(domain_enum, proto_enum, prefix):
    generated = {name.removeprefix(prefix): number for name, number in proto_enum.items()
                 if name != f"{prefix}UNSPECIFIED"}
    ours = {m.name: m.value for m in domain_enum if m.name != "UNSPECIFIED"}
    assert ours == generated


def test_a_consumer_table_derives_topics_and_types_and_hands_over_unpacked_events():
    seen = []
    consumed = event_consumer("g", {
        rev.DeputyRegistered: lambda session, e, env: seen.append(("registered", e.deputy.name, env.id)),
        lev.OpinionEscalated: lambda session, e, env: seen.append(("escalated", e.to_region, env.id)),
    })
    assert consumed.topics == ["lianxin.liaison.v1", "lianxin.roster.v1"]
    assert consumed.types == {"lianxin.roster.v1.DeputyRegistered", "lianxin.liaison.v1.OpinionEscalated"}
    registered = Envelope.for_message(rev.DeputyRegistered(deputy=rpb.Deputy(name="阿依古丽·示例")),
                                      service="roster", home_region="652300", region="652301")
    other = Envelope.for_message(rev.VenueCreated(), service="roster", home_region="652300", region="652301")
    consumed.handler(None, registered)
    consumed.handler(None, other)   # not in the table: passed over
    assert seen == [("registered", "阿依古丽·示例", registered.id)]
    assert topic_of_event(lev.ActivityRecorded) == "lianxin.liaison.v1"


SOURCES = sorted(p for name in services.NAMES for p in (ROOT / "services" / name).glob("*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_service_module_spells_a_topic_or_copies_an_enum_number(source):
    text = source.read_text(encoding="utf-8")
    assert not re.search(r"""["']lianxin\.\w+\.v1["']""", text), "topics come from topic_for / topic_of_event"
    # A module-level name bound to bare numbers with a comment naming a proto enum is a copy.
    copies = re.findall(r"^[A-Z_, ]+ = [0-9][0-9, ]*\s*#.*(?:Kind|Status|lianxin\.)", text, re.M)
    assert copies == []


# Who may import the generated protobuf code (lianxin.*_pb2, *_pb2_grpc) in a service package:
# the edge (service.py registers the servicer, servicer.py and its *_rpcs.py mixins, convert.py
# or a convert/ package, access.py naming its gRPC service from the descriptor, demo.py calling
# the API as a client) and the consumer tables: a module that builds one (calls event_consumer)
# may import events_pb2 modules, whose classes key the table and whose decoded events it reads.
# Everything else (use cases, domain, store) takes and returns domain values and rows; the
# events it writes to the outbox are built by convert.
EDGE_MODULES = {"service.py", "servicer.py", "convert.py", "access.py", "demo.py"}


def _generated_imports(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n.startswith("lianxin.") and re.search(r"_pb2(_grpc)?$", n)]


def _builds_consumer_table(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) == "event_consumer"
               for n in ast.walk(tree))


MODULES = sorted(p for name in services.NAMES for p in (ROOT / "services" / name).rglob("*.py")
                 if "tests" not in p.relative_to(ROOT / "services" / name).parts
                 and "migrations" not in p.relative_to(ROOT / "services" / name).parts)


@pytest.mark.parametrize("source", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_edge_and_consumer_tables_import_generated_protobuf(source):
    rel = source.relative_to(ROOT).as_posix()
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = _generated_imports(tree)
    if source.name in EDGE_MODULES or source.name.endswith("_rpcs.py") or source.parent.name == "convert":
        return
    if _builds_consumer_table(tree):
        imported = [n for n in imported if not n.endswith(".events_pb2")]
    assert imported == [], (f"{rel} imports {imported}: build and read messages in convert "
                            "(consumer tables may import events_pb2)")
