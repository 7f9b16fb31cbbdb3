"""The liaison test client: a running liaison server, a channel to it, tokens for any role
and region, the roster read model filled through the directory's own handler, and direct
reads of its database (row counts, outbox events)."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from kit.clients import ServiceClient
from lianxin.liaison.v1 import events_pb2 as ev
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.liaison.v1 import liaison_pb2_grpc
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as rpb
from sqlalchemy import create_engine, text

from services.liaison.directory import DirectoryHandler
from shared.bus import Envelope

REPO = Path(__file__).resolve().parents[2]
REGIONS_FILE = REPO / "deploy" / "regions" / "demo.csv"
CARD_LIMIT = 5   # public submissions per card per hour in tests
PREFECTURE, COUNTY_A, COUNTY_B = "652300", "652301", "652302"
TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B = "652301100", "652301101", "652302100"
OTHER_COUNTY = "410825"
STEP_EVENT = "lianxin.liaison.v1.OpinionStepRecorded"
ESCALATED_EVENT = "lianxin.liaison.v1.OpinionEscalated"
WRITE_TABLES = ("opinions", "opinion_steps", "outbox")


def future(days: float = 10) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(datetime.now(timezone.utc) + timedelta(days=days))
    return t


def roster_event(message, region: str) -> Envelope:
    return Envelope.for_message(message, service="roster", home_region=PREFECTURE, region=region)


class LiaisonServer(ServiceClient):
    def __init__(self, running, settings, db_url: str):
        self.running = running
        self.runtime = running.runtime
        self.settings = settings
        self.db_url = db_url
        self.channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
        grpc.channel_ready_future(self.channel).result(timeout=10)
        self.stub = liaison_pb2_grpc.LiaisonServiceStub(self.channel)
        self.engine = create_engine(db_url, pool_size=2, max_overflow=2)
        self.directory = DirectoryHandler(self.runtime.regions, settings.home_region)
        self._seq = 0

    # ---- tokens and calls ------------------------------------------------------
    # ---- database ------------------------------------------------------------
    def outbox(self) -> list[tuple[str, bytes, str]]:
        with self.engine.connect() as c:
            return [tuple(r) for r in c.execute(text("SELECT type, data, key FROM outbox ORDER BY seq"))]

    def steps_of(self, opinion_id: str) -> list[ev.OpinionStepRecorded]:
        out = []
        for kind, data, _ in self.outbox():
            if kind == STEP_EVENT:
                e = ev.OpinionStepRecorded.FromString(data)
                if e.opinion_id == opinion_id:
                    out.append(e)
        return out

    @contextmanager
    def expect_no_writes(self, *tables: str):
        tables = tables or WRITE_TABLES
        before = {t: self.count(t) for t in tables}
        yield
        assert {t: self.count(t) for t in tables} == before

    @contextmanager
    def expect_step(self, opinion_id: str, *statuses: int, extra: tuple[str, ...] = ()):
        """The block adds one history row and one OpinionStepRecorded per status, in order."""
        steps, events = self.count("opinion_steps"), len(self.steps_of(opinion_id))
        out_before = len(self.outbox())
        yield
        assert self.count("opinion_steps") == steps + len(statuses)
        new = self.steps_of(opinion_id)[events:]
        assert [e.status for e in new] == list(statuses)
        types = [t for t, _, _ in self.outbox()[out_before:]]
        assert sorted(types) == sorted([STEP_EVENT] * len(statuses) + list(extra)), types

    # ---- the roster read model -------------------------------------------------
    def feed(self, message, region: str) -> None:
        with self.runtime.transaction() as s:
            self.directory(s, roster_event(message, region))

    def add_deputy(self, region: str = COUNTY_A, *, status: int = rpb.DEPUTY_STATUS_SERVING) -> rpb.Deputy:
        self._seq += 1
        code = uuid.uuid4().hex[:10].upper()
        d = rpb.Deputy(id=str(uuid.uuid4()), region_code=region, name=f"代表{self._seq}", status=status,
                       card_code=code)
        self.feed(rev.DeputyRegistered(deputy=d), region)
        return d

    # ---- cases ---------------------------------------------------------------
    def submit(self, deputy: rpb.Deputy, **kw) -> pb.SubmitPublicOpinionResponse:
        req = pb.SubmitPublicOpinionRequest(card_code=deputy.card_code, category="道路交通",
                                            text="路口红绿灯坏了", contact=pb.Contact(name="张三", phone="13900001111"))
        for k, v in kw.items():
            if k == "contact":
                req.contact.CopyFrom(v)
            else:
                setattr(req, k, v)
        return self.public("SubmitPublicOpinion", req)

    def record(self, deputy: rpb.Deputy | None = None, *, region: str = COUNTY_A, role: str = "staff",
               caller_region: str = PREFECTURE, **kw) -> pb.Opinion:
        req = pb.RecordOpinionRequest(channel=pb.CHANNEL_VISIT, region_code=region, category="教育",
                                      text="学校门口需要减速带", deputy_id=deputy.id if deputy else "",
                                      contact=pb.Contact(name="李四", phone="13800002222"), **kw)
        return self.call("RecordOpinion", req, role=role, region=caller_region)

    def step(self, method: str, opinion_id: str, *, role: str = "staff", region: str = PREFECTURE,
             subject: str = "clerk-test", **fields):
        request = getattr(pb, REQUESTS[method])(id=opinion_id, **fields)
        return self.call(method, request, role=role, region=region, subject=subject)

    def close(self) -> None:
        self.channel.close()
        self.running.shutdown(grace=1.0)
        self.engine.dispose()


REQUESTS = {
    "AcceptOpinion": "AcceptOpinionRequest", "RejectOpinion": "RejectOpinionRequest",
    "AnswerOpinion": "AnswerOpinionRequest", "TransferOpinion": "TransferOpinionRequest",
    "ReplyToTransfer": "ReplyToTransferRequest", "ConcludeOpinion": "ConcludeOpinionRequest",
    "EscalateOpinion": "EscalateOpinionRequest", "GiveFeedback": "GiveFeedbackRequest",
    "CloseOpinion": "CloseOpinionRequest", "GetOpinion": "GetOpinionRequest",
}

DEPT, DEPT_NAME = "dept-water", "市水务局"
OS = pb  # status names: OS.OPINION_STATUS_*

# The steps that bring a fresh (RAISED) case to each status, as (method, fields, caller).
PATHS: dict[int, list[tuple[str, dict, dict]]] = {}
_accept = ("AcceptOpinion", {}, {})
_transfer = ("TransferOpinion", {"department": DEPT, "department_name": DEPT_NAME}, {})
_reply = ("ReplyToTransfer", {"reply": "已修复"}, {"role": "department", "subject": DEPT})
_answer = ("AnswerOpinion", {"answer": "已联系有关部门"}, {})
PATHS[pb.OPINION_STATUS_RAISED] = []
PATHS[pb.OPINION_STATUS_ACCEPTED] = [_accept]
PATHS[pb.OPINION_STATUS_REJECTED] = [("RejectOpinion", {"reason": "不属于受理范围"}, {})]
PATHS[pb.OPINION_STATUS_ANSWERED] = [_accept, _answer]
PATHS[pb.OPINION_STATUS_TRANSFERRED] = [_accept, _transfer]
PATHS[pb.OPINION_STATUS_REPLIED] = [_accept, _transfer, _reply]
PATHS[pb.OPINION_STATUS_RESOLVED] = [_accept, _answer, ("ConcludeOpinion", {"resolved": True}, {})]
PATHS[pb.OPINION_STATUS_UNRESOLVED] = [_accept, _answer, ("ConcludeOpinion", {"resolved": False}, {})]
PATHS[pb.OPINION_STATUS_FEEDBACK_GIVEN] = PATHS[pb.OPINION_STATUS_RESOLVED] + [
    ("GiveFeedback", {"feedback": "已解决，谢谢"}, {})]
PATHS[pb.OPINION_STATUS_CLOSED] = PATHS[pb.OPINION_STATUS_FEEDBACK_GIVEN] + [("CloseOpinion", {}, {})]


def drive(server: LiaisonServer, opinion_id: str, status: int) -> pb.Opinion:
    """Moves a RAISED case to ``status`` along its PATHS entry (staff of the prefecture)."""
    o = server.call("GetOpinion", pb.GetOpinionRequest(id=opinion_id))
    for method, fields, caller in PATHS[status]:
        if method == "TransferOpinion":
            fields = {**fields, "deadline": future()}
        if caller.get("role") == "department":   # the department of the tier handling the case
            caller = {**caller, "region": o.handling_region}
        o = server.step(method, opinion_id, **caller, **fields)
    assert o.status == status
    return o
