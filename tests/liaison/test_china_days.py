"""Days are China days on every database: a case raised at 23:30 China time on 11-30 and
transferred at 01:50 on 12-01 (17:50 UTC on 11-30) is dated 12-01 by the transfer register,
the statistics and ListOpinions alike, on the embedded SQLite default and on PostgreSQL."""
from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from liaison_support import COUNTY_A, LiaisonServer
from lianxin.common.v1 import common_pb2 as cpb
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.roster.v1 import events_pb2 as rev
from lianxin.roster.v1 import roster_pb2 as rpb
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.liaison.service import definition
from services.liaison.tables import OpinionRow
from shared import clock
from shared.service import start

RAISED = datetime(2026, 11, 30, 15, 30, tzinfo=timezone.utc)        # 2026-11-30 23:30 China
TRANSFERRED = datetime(2026, 11, 30, 17, 50, tzinfo=timezone.utc)   # 2026-12-01 01:50 China
VENUE = "0a6e2b1e-3333-4333-8333-000000000006"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def day_case(request, fresh_database, tmp_path_factory, settings_for):
    """One server per database kind, with one case raised and transferred across midnight."""
    tmp = tmp_path_factory.mktemp(f"days-{request.param}")
    url = f"sqlite:///{tmp / 'liaison.sqlite'}" if request.param == "sqlite" else fresh_database()
    settings = settings_for("liaison", url, tmp / "bus.sqlite")
    server = LiaisonServer(start(definition(), settings), settings, url)
    dep = server.add_deputy(COUNTY_A)
    server.feed(rev.VenueCreated(venue=rpb.Venue(id=VENUE, region_code=COUNTY_A, name="联络站", kind=2)), COUNTY_A)
    server.feed(rev.DeputyAssignedToVenue(venue_id=VENUE, deputy_id=dep.id, region_code=COUNTY_A), COUNTY_A)
    with clock.frozen(RAISED):
        code = server.submit(dep).tracking_code
    opinion = next(o for o in server.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions)
    with clock.frozen(TRANSFERRED):
        server.step("AcceptOpinion", opinion.id)
        deadline = pb.TransferOpinionRequest().deadline
        deadline.FromDatetime(TRANSFERRED + timedelta(days=10))
        server.step("TransferOpinion", opinion.id, department="dept-water", department_name="市水务局",
                    deadline=deadline)
    yield server, dep, opinion.id, code
    server.close()


def transfers(server: LiaisonServer, day_from: str, day_to: str) -> list[dict]:
    r = server.call("ExportRegister", pb.ExportRegisterRequest(
        venue_id=VENUE, register=pb.REGISTER_TRANSFERS, date_from=day_from, date_to=day_to,
        format=cpb.FILE_FORMAT_CSV))
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_the_transfer_register_lists_a_transfer_at_0150_on_its_china_day(day_case):
    server, _, _, _ = day_case
    assert transfers(server, "2026-11-30", "2026-11-30") == []
    [row] = transfers(server, "2026-12-01", "2026-12-01")
    assert (row["转办日期"], row["提出日期"]) == ("2026-12-01", "2026-11-30")
    assert len(transfers(server, "2026-11-30", "2026-12-01")) == 1
    assert transfers(server, "2026-12-02", "2026-12-31") == []


def statistics(server: LiaisonServer, day: str) -> pb.Statistics:
    return server.call("GetStatistics", pb.GetStatisticsRequest(region_code=COUNTY_A, date_from=day, date_to=day))


def test_statistics_count_each_step_on_its_china_day(day_case):
    server, _, _, _ = day_case
    deadline = time.monotonic() + 20
    while statistics(server, "2026-12-01").transferred == 0:
        assert time.monotonic() < deadline, "the transfer never reached the statistics"
        time.sleep(0.1)
    day1, day2 = (statistics(server, d) for d in ("2026-11-30", "2026-12-01"))
    assert (day1.opinions_raised, day1.transferred) == (1, 0)
    assert (day2.opinions_raised, day2.transferred) == (0, 1)


def test_list_opinions_by_raised_instant_at_china_midnight(day_case):
    server, dep, opinion_id, _ = day_case

    def raised(start: datetime | None, end: datetime | None) -> list[str]:
        req = pb.ListOpinionsRequest(deputy_id=dep.id)
        if start:
            req.raised_from.FromDatetime(start)
        if end:
            req.raised_to.FromDatetime(end)
        return [o.id for o in server.call("ListOpinions", req).opinions]

    nov30, dec1 = clock.china_day_bounds(date(2026, 11, 30), date(2026, 11, 30))
    assert raised(nov30, dec1) == [opinion_id]
    assert raised(dec1, None) == []
    # The same bounds given in China time name the same instants.
    assert raised(nov30.astimezone(clock.CHINA), dec1.astimezone(clock.CHINA)) == [opinion_id]
    got = server.call("GetOpinion", pb.GetOpinionRequest(id=opinion_id))
    assert got.raised_at.ToDatetime(tzinfo=timezone.utc) == RAISED


def test_stored_instants_are_utc_whatever_zone_the_writer_used(day_case):
    """A China-time datetime written through the ORM is stored, compared and read back as the
    same instant (SQLite keeps no offset: without the conversion it would be 8 hours off)."""
    server, _, opinion_id, _ = day_case
    with server.runtime.transaction() as s:
        s.get(OpinionRow, opinion_id).updated_at = datetime(2026, 12, 1, 2, 10, tzinfo=clock.CHINA)
    with Session(server.engine) as s:
        stored = s.execute(select(OpinionRow.updated_at).where(OpinionRow.id == opinion_id)).scalar_one()
        before_1820_utc = s.execute(select(func.count()).select_from(OpinionRow).where(
            OpinionRow.id == opinion_id,
            OpinionRow.updated_at < datetime(2026, 11, 30, 18, 20, tzinfo=timezone.utc))).scalar_one()
    assert stored == datetime(2026, 11, 30, 18, 10, tzinfo=timezone.utc) and stored.utcoffset() == timedelta(0)
    assert before_1820_utc == 1
