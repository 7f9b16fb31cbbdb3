"""Region kinds and a sub-district's deliberation deputies (街道议事代表), over real gRPC
against real PostgreSQL: the region file says what each region is, the roster publishes it
(RegionDescribed) and registers, imports and exports deliberation seats only for a 街道."""
from __future__ import annotations

import csv
import io
import json

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import events_pb2 as ev
from lianxin.roster.v1 import roster_pb2 as pb
from roster_support import COUNTY_A, PREFECTURE, REGIONS_FILE, TOWNSHIP_A
from sqlalchemy import text

from services.roster import sheets
from shared.tenancy import RegionKind, RegionTree

SUBDISTRICT = "652301001"   # 宁边路街道, in 昌吉市
DELIBERATION = pb.LEVEL_DELIBERATION


def described(server) -> dict[str, ev.RegionDescribed]:
    with server.engine.connect() as c:
        rows = c.execute(text("SELECT data FROM outbox WHERE type = 'lianxin.roster.v1.RegionDescribed' "
                              "ORDER BY seq")).scalars().all()
    return {m.code: m for m in map(ev.RegionDescribed.FromString, rows)}


def test_the_region_file_says_each_regions_kind():
    tree = RegionTree.load(REGIONS_FILE)
    assert tree.get(SUBDISTRICT).kind is RegionKind.SUBDISTRICT and not tree.get(SUBDISTRICT).has_congress
    assert tree.get(TOWNSHIP_A).kind is RegionKind.TOWN and tree.get(TOWNSHIP_A).has_congress
    assert tree.get(COUNTY_A).kind is RegionKind.CITY         # 昌吉市, a county-level city
    assert tree.get("652323").kind is RegionKind.COUNTY       # 呼图壁县
    assert tree.get(PREFECTURE).kind is RegionKind.PREFECTURE
    assert tree.get("410800").kind is RegionKind.CITY         # 焦作市, a prefecture-level city
    assert int(RegionKind.SUBDISTRICT) == common_pb2.REGION_KIND_SUBDISTRICT


def test_a_kind_that_cannot_sit_at_its_tier_is_refused(tmp_path):
    f = tmp_path / "regions.csv"
    f.write_text("code,name,tier,kind,parent\n652300,昌吉回族自治州,prefecture,州,\n"
                 "652301,昌吉市,county,镇,652300\n", encoding="utf-8")
    try:
        RegionTree.load(f)
    except ValueError as e:
        assert ":3:" in str(e) and "镇" in str(e)
    else:
        raise AssertionError("a 镇 at county tier was accepted")
    # A file without the column: the names' endings say it.
    f.write_text("code,name,tier,parent\n652300,昌吉回族自治州,prefecture,\n652301,昌吉市,county,652300\n"
                 "652301001,宁边路街道,township,652301\n", encoding="utf-8")
    assert RegionTree.load(f).get("652301001").kind is RegionKind.SUBDISTRICT


def test_the_roster_publishes_its_regions_once_and_again_when_the_file_changes(start_roster, tmp_path):
    server = start_roster()
    try:
        got = described(server)
        tree = RegionTree.load(REGIONS_FILE)
        assert set(got) == {r.code for r in tree.subtree(PREFECTURE)}     # every region it serves
        assert got[SUBDISTRICT].kind == common_pb2.REGION_KIND_SUBDISTRICT
        assert got[SUBDISTRICT].tier == common_pb2.TIER_TOWNSHIP and got[SUBDISTRICT].parent_code == COUNTY_A
        assert got[TOWNSHIP_A].kind == common_pb2.REGION_KIND_TOWN
        url, before = server.db_url, server.count("outbox")
    finally:
        server.close()
    again = start_roster(url)            # a restart with the same file publishes nothing
    try:
        assert again.count("outbox") == before
    finally:
        again.close()
    # The file renames one region: only that one is published again.
    changed = tmp_path / "regions.csv"
    changed.write_text(REGIONS_FILE.read_text(encoding="utf-8").replace("宁边路街道", "宁边路街道办"),
                       encoding="utf-8")
    third = start_roster(url, LIANXIN_REGIONS_FILE=str(changed))
    try:
        assert third.outbox_types()[before:] == ["lianxin.roster.v1.RegionDescribed"]
        event, key = third.last_event(ev.RegionDescribed)
        assert (event.code, event.name, key) == (SUBDISTRICT, "宁边路街道办", SUBDISTRICT)
        assert event.kind == common_pb2.REGION_KIND_SUBDISTRICT     # 街道办 ends in no kind: the column says it
    finally:
        third.close()


def test_a_subdistrict_registers_deliberation_deputies(roster):
    with roster.expect_events("DeputyRegistered"):
        d = roster.register(SUBDISTRICT, levels=(DELIBERATION,))
    assert [s.level for s in d.seats] == [DELIBERATION]
    event, key = roster.last_event(ev.DeputyRegistered)
    assert [s.level for s in event.deputy.seats] == [DELIBERATION] and key == SUBDISTRICT
    # A county deputy living in the 街道 may be a deliberation deputy too.
    both = roster.register(SUBDISTRICT, levels=(pb.LEVEL_COUNTY, DELIBERATION))
    assert [s.level for s in both.seats] == [pb.LEVEL_COUNTY, DELIBERATION]
    listed = roster.call("ListDeputies", pb.ListDeputiesRequest(region_code=SUBDISTRICT, level=DELIBERATION))
    assert {x.id for x in listed.deputies} == {d.id, both.id}


def test_a_deliberation_seat_outside_a_subdistrict_is_refused_and_nothing_written(roster):
    for region in (TOWNSHIP_A, COUNTY_A):
        with roster.expect_no_writes():
            err = roster.error("RegisterDeputy", pb.RegisterDeputyRequest(
                deputy=roster.deputy_msg(region, levels=(pb.LEVEL_TOWNSHIP, DELIBERATION))))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert err.details().startswith("deputy.seats[1].level:") and "街道" in err.details()
    d = roster.register(TOWNSHIP_A, levels=(pb.LEVEL_TOWNSHIP,))
    with roster.expect_no_writes():
        err = roster.error("UpdateDeputy", pb.UpdateDeputyRequest(
            deputy=pb.Deputy(id=d.id, seats=[pb.Seat(level=DELIBERATION)]), update_mask=FieldMask(paths=["seats"])))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith("deputy.seats[0].level:")
    # ...and in the 街道 the same update is taken, with its event.
    s = roster.register(SUBDISTRICT, levels=(pb.LEVEL_COUNTY,))
    with roster.expect_events("DeputyUpdated"):
        roster.call("UpdateDeputy", pb.UpdateDeputyRequest(
            deputy=pb.Deputy(id=s.id, seats=[pb.Seat(level=pb.LEVEL_COUNTY), pb.Seat(level=DELIBERATION)]),
            update_mask=FieldMask(paths=["seats"])))
    event, _ = roster.last_event(ev.DeputyUpdated)
    assert [x.level for x in event.deputy.seats] == [pb.LEVEL_COUNTY, DELIBERATION]
    assert list(event.changed_fields) == ["seats"]


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(sheets.COLUMNS)
    for row in rows:
        w.writerow([row.get(c, "") for c in sheets.COLUMNS])
    return buf.getvalue().encode()


def test_the_spreadsheet_carries_deliberation_seats(roster):
    content = _csv([
        {sheets.REGION: SUBDISTRICT, sheets.NAME: "议事甲", sheets.LEVELS: "议事代表", sheets.TERMS: "第三届",
         sheets.PHONE: "13955550001"},
        {sheets.REGION: SUBDISTRICT, sheets.NAME: "议事乙", sheets.LEVELS: "县、街道议事代表",
         sheets.TERMS: "县：第十五届；议事代表：第三届", sheets.PHONE: "13955550002"},
        {sheets.REGION: TOWNSHIP_A, sheets.NAME: "镇上的", sheets.LEVELS: "议事代表", sheets.PHONE: "13955550003"},
        {sheets.REGION: SUBDISTRICT, sheets.NAME: "只写街道", sheets.LEVELS: "街道", sheets.PHONE: "13955550004"},
    ])
    resp = roster.call("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_A, format=common_pb2.FILE_FORMAT_CSV,
                                                              content=content))
    assert resp.created == 2
    errors = {(e.row, e.column): e.reason for e in resp.errors}
    assert set(errors) == {(4, sheets.LEVELS), (5, sheets.LEVELS)}
    assert "街道" in errors[(4, sheets.LEVELS)] and "议事代表" in errors[(5, sheets.LEVELS)]
    out = roster.call("ExportRoster", pb.ExportRosterRequest(region_code=SUBDISTRICT,
                                                             format=common_pb2.FILE_FORMAT_CSV, level=DELIBERATION))
    rows = {r[sheets.NAME]: r for r in csv.DictReader(io.StringIO(out.content.decode("utf-8-sig")))}
    assert rows["议事甲"][sheets.LEVELS] == "议事代表" and rows["议事甲"][sheets.TERMS] == "第三届"
    assert rows["议事乙"][sheets.LEVELS] == "县、议事代表"
    assert rows["议事乙"][sheets.TERMS] == "第十五届、第三届"     # one per level, in 代表层级's order
    # The export imports back unchanged.
    again = roster.call("ImportRoster", pb.ImportRosterRequest(region_code=SUBDISTRICT,
                                                               format=common_pb2.FILE_FORMAT_CSV, content=out.content))
    assert (again.created, again.updated, list(again.errors)) == (0, 0, [])
    doc = json.loads(roster.call("ExportRoster", pb.ExportRosterRequest(
        region_code=SUBDISTRICT, format=common_pb2.FILE_FORMAT_POPOLO_JSON)).content)
    orgs = {o["id"]: o for o in doc["organizations"]}
    assert orgs[f"deliberation/{SUBDISTRICT}"]["name"] == "宁边路街道议事代表会议"
