"""The portal against real services: roster and liaison in process on PostgreSQL, on one
embedded bus (liaison learns the roster's deputies from its events, as in production), and the
real portal as its own process in front of them, trusted as a forwarder."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from kit.clients import InProcessService
from kit.portal import PORTAL_SUBJECT, PortalProcess, free_port, portal_token_file
from kit.settings import COUNTY_A, PREFECTURE
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb


@dataclass
class Platform:
    roster: InProcessService
    liaison: InProcessService
    portal: PortalProcess
    identity: InProcessService
    seq: int = 0

    @property
    def url(self) -> str:
        return self.portal.url

    def deputy(self, *, name: str = "", pledge: str = "倾听群众呼声，为民办实事", venue: bool = True) -> rpb.Deputy:
        """A county deputy with a public card (phone and work unit shown), at a venue with a
        reception schedule, known to liaison (so its card takes opinions)."""
        self.seq += 1
        n = self.seq
        d = self.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=COUNTY_A, name=name or f"李代表{n}", gender=rpb.GENDER_FEMALE, ethnicity="汉族",
            seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届", electoral_district="第3选区")],
            work_unit="昌吉市第一中学", position="教师", contact=rpb.Contact(phone=f"1390000{n:04d}"))))
        self.roster.call("UpdateCard", rpb.UpdateCardRequest(deputy_id=d.id, card=rpb.CardSettings(
            show_work_unit=True, show_position=True, show_phone=True, pledge=pledge)))
        if venue:
            v = self.roster.call("CreateVenue", rpb.CreateVenueRequest(venue=rpb.Venue(
                region_code=COUNTY_A, kind=rpb.VENUE_KIND_LIAISON_STATION, name=f"宁边路街道代表联络站{n}",
                address="昌吉市宁边西路18号", liaison_officer=rpb.LiaisonOfficer(name="马联络", phone="0994-2345678"),
                schedule=rpb.ReceptionSchedule(days_of_month=[5, 20], hours="10:00-12:00", note="节假日顺延"))))
            self.roster.call("AssignDeputyToVenue", rpb.AssignDeputyToVenueRequest(venue_id=v.id, deputy_id=d.id))
        self.wait_known(d.id)
        return d

    def wait_known(self, deputy_id: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while True:
            with self.liaison.engine.connect() as c:
                from sqlalchemy import text
                found = c.execute(text("SELECT count(*) FROM directory_deputies WHERE id = :id"),
                                  {"id": deputy_id}).scalar_one()
            if found:
                return
            assert time.monotonic() < deadline, "the deputy never reached liaison's directory"
            time.sleep(0.1)

    def account(self, username: str, role: int, region: str, *, stands_for: str = "", name: str = "",
                password: str = "") -> str:
        """An account made through identity's API by the prefecture's staff, its one-time
        password already changed to ``password`` (returned) unless none is given, in which
        case the one-time password is returned and must be changed at the first sign-in."""
        one_time = "Initial-pw-2026-x"
        self.identity.call("CreateAccount", ipb.CreateAccountRequest(account=ipb.Account(
            username=username, display_name=name or username, role=role, region_code=region,
            stands_for=stands_for), one_time_password=one_time), role="staff", region=PREFECTURE)
        if not password:
            return one_time
        self.identity.public("ChangePassword", ipb.ChangePasswordRequest(
            username=username, current_password=one_time, new_password=password))
        return password

    def case(self, tracking_code: str) -> lpb.Opinion:
        """The opinion behind a tracking code, as the prefecture's staff see it."""
        listed = self.liaison.call("ListOpinions", lpb.ListOpinionsRequest(page={"page_size": 500}),
                                   role="staff", region=PREFECTURE)
        [o] = [o for o in listed.opinions if o.tracking_code == tracking_code]
        return o


@pytest.fixture(scope="module")
def platform(start_service, tmp_path_factory):
    bus = tmp_path_factory.mktemp("bus") / "bus.sqlite"
    folder = tmp_path_factory.mktemp("portal")
    token_file = portal_token_file(bus, folder)
    port = free_port()
    extra = {"LIANXIN_TRUSTED_FORWARDERS": PORTAL_SUBJECT, "LIANXIN_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    roster = start_service("roster", bus_path=bus, **extra)
    liaison = start_service("liaison", bus_path=bus, **extra)
    # identity signs with the key made above; sign-in limits per address are high here (every
    # test signs in from 127.0.0.1), and lockout is at its default of 5 failures.
    identity = start_service("identity", bus_path=bus, LIANXIN_IDENTITY_SIGN_IN_RATE_PER_MINUTE="100000", **extra)
    # The portal holds no secret: a wrong one proves its calls ride on identity's token alone.
    portal = PortalProcess({"roster": roster.running.port, "liaison": liaison.running.port,
                            "identity": identity.running.port},
                           folder / "portal.log", port=port, secret="not-the-deployment-secret-" * 2,
                           LIANXIN_HOME_REGION=PREFECTURE, LIANXIN_PORTAL_TOKEN_FILE=str(token_file))
    yield Platform(roster, liaison, portal, identity)
    portal.close()
