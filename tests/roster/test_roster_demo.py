"""The demo roster as `make run` loads it: plausible people, no 街道 congress, and 就近编组进家
that spreads the deputies over the venues instead of piling them into one workstation."""
from __future__ import annotations

import csv

from lianxin.roster.v1 import roster_pb2 as pb

from services.roster.demo import DEMO_DIR, load_demo, seed

# Given-name endings that are, in the demo's setting, a woman's name (马红霞, 阿依古丽 ...).
FEMALE_ENDINGS = ("霞", "艳", "芳", "娟", "丽", "静", "兰", "梅", "燕", "娜", "古丽", "阿依")
MALE_ENDINGS = ("强", "军", "伟", "杰", "磊", "国", "庆", "明", "哈力克", "买买提")


def _rows():
    with open(DEMO_DIR / "roster.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_demo_deputy_has_a_plausible_gender():
    wrong = [(r["姓名"], r["性别"]) for r in _rows()
             if (r["姓名"].endswith(FEMALE_ENDINGS) and r["性别"] != "女")
             or (r["姓名"].endswith(MALE_ENDINGS) and r["性别"] != "男")]
    assert wrong == []


def test_no_demo_deputy_sits_in_a_subdistrict_congress():
    """A 街道 has a 人大工委, not a people's congress: its deputies are the county's."""
    subdistricts = {"652301001", "652302001"}
    for r in _rows():
        if r["区划代码"] in subdistricts:
            assert r["代表层级"] == "县", r["姓名"]
    with open(DEMO_DIR / "venues.csv", encoding="utf-8", newline="") as f:
        names = [v["name"] for v in csv.DictReader(f) if v["region_code"] in subdistricts]
    assert names and not any("人大代表之家" in n or "人民代表大会" in n for n in names)


def test_grouping_the_demo_roster_spreads_deputies_and_the_medical_workstation_takes_doctors(fresh_roster):
    figures = load_demo(fresh_roster.running.runtime)
    assert figures["row_errors"] == 0 and figures["deputies_created"] == len(_rows())
    venues = fresh_roster.call("ListVenues", pb.ListVenuesRequest(page={"page_size": 100})).venues
    total = sum(v.deputy_count for v in venues)
    assert total == figures["deputies_grouped"] == len(_rows())   # everyone has a venue
    # No venue holds more than a sixth of the deputies (the reported pile-up was 33 of 59).
    assert max(v.deputy_count for v in venues) <= total // 6, [(v.name, v.deputy_count) for v in venues]
    workstations = [v for v in venues if v.kind == pb.VENUE_KIND_PROFESSIONAL_WORKSTATION]
    assert workstations
    for ws in workstations:
        members = fresh_roster.call("ListDeputies", pb.ListDeputiesRequest(
            region_code="652300", venue_id=ws.id, page={"page_size": 100})).deputies
        assert len(members) == ws.deputy_count
        for dep in members:
            assert set(dep.specialties) & set(ws.specialties), (ws.name, dep.name, list(dep.specialties))
    # Loading again changes nothing.
    again = load_demo(fresh_roster.running.runtime)
    assert again["deputies_created"] == 0 and again["venues_created"] == 0 and again["deputies_grouped"] == 0


def test_the_demo_skips_and_reports_the_rows_of_a_delegated_county(start_roster):
    """`make run` with LIANXIN_DELEGATED_REGIONS=652302: the demo loads the rest of the
    prefecture, leaves 阜康市's deputies and venues to its own deployment and says so in its
    one line (it used to stop the launcher with a traceback)."""
    server = start_roster(LIANXIN_DELEGATED_REGIONS="652302")
    try:
        line = seed(server.settings)
        in_county = [r for r in _rows() if r["区划代码"].startswith("652302")]
        with open(DEMO_DIR / "venues.csv", encoding="utf-8", newline="") as f:
            county_venues = [v for v in csv.DictReader(f) if v["region_code"].startswith("652302")]
        assert in_county and county_venues
        assert line.startswith(f"demo roster: {len(_rows()) - len(in_county)} deputies and "), line
        assert f"; {len(in_county)} deputies and {len(county_venues)} venues skipped" in line, line
        assert "delegated_regions 652302" in line, line
        deputies = server.call("ListDeputies", pb.ListDeputiesRequest(page={"page_size": 100})).deputies
        venues = server.call("ListVenues", pb.ListVenuesRequest(page={"page_size": 100})).venues
        assert len(deputies) == len(_rows()) - len(in_county)
        assert not [d.region_code for d in deputies if d.region_code.startswith("652302")]
        assert not [v.region_code for v in venues if v.region_code.startswith("652302")]
        assert seed(server.settings).startswith("demo roster already present")
    finally:
        server.close()
