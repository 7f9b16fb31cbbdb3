"""The roster in Popolo JSON, for other systems: every person, organization, membership
and area conforms to the Popolo schemas, and says what the roster says."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft3Validator
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from roster_support import PREFECTURE, TOWNSHIP_A

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "popolo"
KINDS = {"persons": "person", "organizations": "organization", "memberships": "membership", "areas": "area"}


def validators() -> dict[str, Draft3Validator]:
    if not SCHEMAS.is_dir():
        pytest.skip("the Popolo schemas are read from ../shared/schemas, absent in this checkout")
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT3
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (doc["id"], Resource.from_contents(doc, default_specification=DRAFT3)) for doc in docs.values())
    return {kind: Draft3Validator(docs[kind], registry=registry) for kind in KINDS.values()}


def test_popolo_export_conforms_and_matches_the_roster(fresh_roster):
    r = fresh_roster
    two_seats = r.register(TOWNSHIP_A, levels=(pb.LEVEL_COUNTY, pb.LEVEL_TOWNSHIP))
    national = r.register(PREFECTURE, levels=(pb.LEVEL_NATIONAL, pb.LEVEL_PREFECTURE))
    left = r.register(TOWNSHIP_A, levels=(pb.LEVEL_TOWNSHIP,))
    r.call("ChangeDeputyStatus", pb.ChangeDeputyStatusRequest(id=left.id, status=pb.DEPUTY_STATUS_RESIGNED,
                                                              reason="工作调动"))
    out = r.call("ExportRoster", pb.ExportRosterRequest(region_code=PREFECTURE,
                                                        format=common_pb2.FILE_FORMAT_POPOLO_JSON))
    assert out.content_type == "application/json" and out.filename.endswith(".popolo.json")
    doc = json.loads(out.content)

    check = validators()
    for collection, kind in KINDS.items():
        assert doc[collection], collection
        for item in doc[collection]:
            errors = [e.message for e in check[kind].iter_errors(item)]
            assert not errors, (kind, item, errors)

    persons = {p["id"]: p for p in doc["persons"]}
    assert set(persons) == {f"person/{d.id}" for d in (two_seats, national, left)}
    assert {"type": "voice", "value": two_seats.contact.phone} in persons[f"person/{two_seats.id}"]["contact_details"]
    orgs = {o["id"]: o["name"] for o in doc["organizations"]}
    seats = {(m["person_id"], orgs[m["organization_id"]]): m for m in doc["memberships"]}
    # A township deputy's county seat is in the county's congress, the township seat in the township's.
    assert set(k for k in seats if k[0] == f"person/{two_seats.id}") == {
        (f"person/{two_seats.id}", "昌吉市人民代表大会"), (f"person/{two_seats.id}", "三工镇人民代表大会")}
    assert (f"person/{national.id}", "全国人民代表大会") in seats
    assert (f"person/{national.id}", "昌吉回族自治州人民代表大会") in seats
    assert seats[(f"person/{left.id}", "三工镇人民代表大会")]["end_date"]        # resigned: the seat ended
    assert seats[(f"person/{two_seats.id}", "三工镇人民代表大会")]["end_date"] is None
    areas = {a["id"]: a for a in doc["areas"]}
    assert areas["area/652301100"]["parent_id"] == "area/652301"
    assert areas["area/652301"]["parent_id"] == "area/652300"


def test_popolo_is_for_export_only(fresh_roster):
    err = fresh_roster.error("ImportRoster", pb.ImportRosterRequest(
        region_code=PREFECTURE, format=common_pb2.FILE_FORMAT_POPOLO_JSON, content=b"{}"))
    assert err.code().name == "INVALID_ARGUMENT" and err.details().startswith("format")
