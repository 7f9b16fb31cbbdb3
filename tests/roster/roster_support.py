"""The roster test client: a running roster server, a channel to it, tokens for any
role and region, and direct reads of its database (row counts, outbox events)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import grpc
from kit.clients import ServiceClient
from lianxin.roster.v1 import roster_pb2 as pb
from lianxin.roster.v1 import roster_pb2_grpc
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
REGIONS_FILE = REPO / "deploy" / "regions" / "demo.csv"
PREFECTURE, COUNTY_A, COUNTY_B, COUNTY_C = "652300", "652301", "652302", "652323"
TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B = "652301100", "652301101", "652302100"
OTHER_PREFECTURE, OTHER_COUNTY = "410800", "410825"


class RosterServer(ServiceClient):
    def __init__(self, running, settings, db_url: str):
        self.running = running
        self.settings = settings
        self.db_url = db_url
        self.channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
        grpc.channel_ready_future(self.channel).result(timeout=10)
        self.stub = roster_pb2_grpc.RosterServiceStub(self.channel)
        self.engine = create_engine(db_url, pool_size=2, max_overflow=2)
        self._seq = 0

    # ---- tokens ----------------------------------------------------------
    # ---- database ----------------------------------------------------------
    def outbox_types(self) -> list[str]:
        with self.engine.connect() as c:
            return list(c.execute(text("SELECT type FROM outbox ORDER BY seq")).scalars())

    def last_event(self, message_class):
        """The newest outbox row, parsed as ``message_class`` (its type must match)."""
        with self.engine.connect() as c:
            kind, data, key = c.execute(text("SELECT type, data, key FROM outbox ORDER BY seq DESC LIMIT 1")).one()
        assert kind == message_class.DESCRIPTOR.full_name, kind
        return message_class.FromString(data), key

    @contextmanager
    def expect_events(self, *types: str):
        """The block must add exactly these events (full names, in order) to the outbox."""
        before = self.count("outbox")
        yield
        added = self.outbox_types()[before:]
        assert added == [f"lianxin.roster.v1.{t}" for t in types], added

    @contextmanager
    def expect_no_writes(self, *tables: str):
        tables = tables or ("outbox", "deputies", "venues", "venue_members", "committee_links",
                            "voter_households", "contact_limits", "deputy_status_history")
        before = {t: self.count(t) for t in tables}
        yield
        after = {t: self.count(t) for t in tables}
        assert after == before

    # ---- fixtures' data ------------------------------------------------------
    def unique(self, prefix: str = "代表") -> str:
        self._seq += 1
        return f"{prefix}{self._seq}"

    def deputy_msg(self, region: str = COUNTY_A, *, name: str | None = None, levels=(pb.LEVEL_COUNTY,),
                   phone: str | None = None, specialties=("法律",), **fields) -> pb.Deputy:
        self._seq += 1
        return pb.Deputy(
            region_code=region, name=name or f"代表{self._seq}", gender=pb.GENDER_FEMALE, ethnicity="回族",
            seats=[pb.Seat(level=lv, term="第十五届", electoral_district=f"第{i + 1}选区") for i, lv in enumerate(levels)],
            work_unit="昌吉市第一中学", position="教师",
            contact=pb.Contact(phone=phone if phone is not None else f"1390000{self._seq:04d}",
                               email=f"d{self._seq}@example.cn", address="昌吉市北京南路1号"),
            specialties=list(specialties), **fields)

    def register(self, region: str = COUNTY_A, *, caller_region: str = PREFECTURE, **kw) -> pb.Deputy:
        return self.call("RegisterDeputy", pb.RegisterDeputyRequest(deputy=self.deputy_msg(region, **kw)),
                         region=caller_region)

    def venue(self, region: str = COUNTY_A, *, kind=pb.VENUE_KIND_DEPUTY_HOME, name: str | None = None,
              specialties=(), caller_region: str = PREFECTURE) -> pb.Venue:
        self._seq += 1
        v = pb.Venue(region_code=region, kind=kind, name=name or f"代表之家{self._seq}", address="人民路8号",
                     liaison_officer=pb.LiaisonOfficer(name="马联络", phone="0994-2345678"),
                     schedule=pb.ReceptionSchedule(days_of_month=[5, 25], hours="09:00-12:00", note="节假日顺延"),
                     specialties=list(specialties))
        return self.call("CreateVenue", pb.CreateVenueRequest(venue=v), region=caller_region)

    def close(self) -> None:
        self.channel.close()
        self.running.shutdown(grace=1.0)
        self.engine.dispose()


