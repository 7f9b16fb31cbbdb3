"""The liaison activities test client: a running test servicer (the activity mixin only),
tokens for any role and region, direct writes to its read models (directory_*, opinions:
those arrive by events the tests do not exercise here) and events sent onto its bus."""
from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import grpc
from kit.clients import ServiceClient
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.liaison.v1 import liaison_pb2_grpc
from sqlalchemy import create_engine, text

from shared.bus import Envelope
from shared.bus.embedded import EmbeddedTransport

REPO = Path(__file__).resolve().parents[2]
REGIONS_FILE = REPO / "deploy" / "regions" / "demo.csv"
PREFECTURE, COUNTY_A, COUNTY_B = "652300", "652301", "652302"
TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B = "652301100", "652301101", "652302100"
OTHER_PREFECTURE, OTHER_COUNTY = "410800", "410825"


class LiaisonServer(ServiceClient):
    def __init__(self, running, settings, db_url: str, bus_path: str):
        self.running = running
        self.settings = settings
        self.db_url = db_url
        self.bus_path = bus_path
        self.channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
        grpc.channel_ready_future(self.channel).result(timeout=10)
        self.stub = liaison_pb2_grpc.LiaisonServiceStub(self.channel)
        self.engine = create_engine(db_url, pool_size=2, max_overflow=2)
        self._seq = 0

    # ---- calls -------------------------------------------------------------------
    # ---- database -----------------------------------------------------------------
    @contextmanager
    def expect_no_writes(self):
        tables = ("outbox", "activities", "activity_deputies", "activity_opinions")
        before = {t: self.count(t) for t in tables}
        yield
        assert {t: self.count(t) for t in tables} == before

    def last_event(self, message_class):
        with self.engine.connect() as c:
            kind, data, key = c.execute(text("SELECT type, data, key FROM outbox ORDER BY seq DESC LIMIT 1")).one()
        assert kind == message_class.DESCRIPTOR.full_name, kind
        return message_class.FromString(data), key

    def _insert(self, table: str, **values) -> None:
        cols = ", ".join(values)
        params = ", ".join(f":{k}" for k in values)
        with self.engine.begin() as c:
            c.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({params})"), values)

    def _path(self, code: str) -> str:
        return self.running.runtime.regions.get(code).path

    def deputy(self, region: str = COUNTY_A, name: str | None = None, status: int = 1) -> str:
        self._seq += 1
        did = str(uuid.uuid4())
        self._insert("directory_deputies", id=did, region_code=region, region_path=self._path(region),
                     name=name or f"代表{self._seq}", card_code=f"CARD{self._seq:08d}", status=status,
                     updated_at=datetime.now(timezone.utc))
        return did

    def venue(self, region: str = COUNTY_A, name: str | None = None, days: str = "5,25",
              members: tuple[str, ...] = ()) -> str:
        self._seq += 1
        vid = str(uuid.uuid4())
        self._insert("directory_venues", id=vid, region_code=region, region_path=self._path(region),
                     name=name or f"代表之家{self._seq}", kind=1, days_of_month=days, hours="09:00-12:00")
        for m in members:
            self._insert("directory_venue_members", venue_id=vid, deputy_id=m)
        return vid

    def opinion(self, region: str = COUNTY_A, *, text_: str = "路灯坏了", category: str = "道路交通",
                deputy_id: str = "", venue_id: str = "", activity_id: str = "", status: int = 1,
                raised_at: datetime | None = None, transfer: dict | None = None) -> str:
        """An opinion row as the opinion core stores it; ``transfer`` adds a department, a
        TRANSFERRED step (at=transfer['at']) and optionally a reply."""
        self._seq += 1
        oid = str(uuid.uuid4())
        raised_at = raised_at or datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
        t = transfer or {}
        self._insert(
            "opinions", id=oid, tracking_code=f"TRK{self._seq:09d}", region_code=region,
            region_path=self._path(region), handling_region=region, channel=1, category=category, text=text_,
            deputy_id=deputy_id, venue_id=venue_id, contact_name="", contact_phone="", status=status, answer="",
            transfer_department=t.get("department", ""), transfer_department_name=t.get("name", ""),
            transfer_deadline=t.get("deadline"), transfer_reply=t.get("reply", ""),
            transfer_replied_at=t.get("replied_at"), resolved=None, feedback="", rating=0, rating_comment="",
            raised_at=raised_at, updated_at=raised_at, due_at=None, resolved_at=None, origin_opinion_id="",
            origin_region="", escalated_to_region="", activity_id=activity_id)
        self._insert("opinion_steps", opinion_id=oid, status=1, actor="citizen", actor_role="public",
                     region_code=region, note="", at=raised_at)
        if transfer:
            self._insert("opinion_steps", opinion_id=oid, status=5, actor="clerk", actor_role="staff",
                         region_code=region, note="", at=t["at"])
        return oid

    # ---- bus ------------------------------------------------------------------------
    def send(self, *envelopes: Envelope) -> None:
        """Puts envelopes on this deployment's bus as another deployment's relay would."""
        transport = EmbeddedTransport(self.bus_path)
        try:
            for env in envelopes:
                transport.send(env.topic, env.key.encode(), env.data, env.headers())
            transport.flush()
        finally:
            transport.close()

    def handled(self, event_id: str) -> bool:
        with self.engine.connect() as c:
            return c.execute(text("SELECT 1 FROM inbox WHERE consumer = :g AND event_id = :e"),
                             {"g": f"liaison-rollup-{self.settings.home_region}", "e": event_id}).first() is not None

    def wait_handled(self, *event_ids: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not all(self.handled(e) for e in event_ids):
            assert time.monotonic() < deadline, f"events not consumed within {timeout}s"
            time.sleep(0.05)

    def statistics(self, region: str, date_from: str = "2026-01-01", date_to: str = "2026-12-31",
                   caller: str = "") -> pb.Statistics:
        """The figures as staff of ``caller`` (default: the deployment's home region) see them."""
        return self.call("GetStatistics", pb.GetStatisticsRequest(region_code=region, date_from=date_from,
                                                                  date_to=date_to),
                         region=caller or self.settings.home_region)

    def close(self) -> None:
        self.channel.close()
        self.running.shutdown(grace=1.0)
        self.engine.dispose()


def envelope(message, region: str, *, home: str, time_: datetime | None = None) -> Envelope:
    return Envelope.for_message(message, service="liaison", home_region=home, region=region, time=time_)
