"""The roster as a Popolo document (popoloproject.com): persons, the congresses they sit in
as organizations, their seats as memberships, and the regions as areas, for systems that
speak the open data standard rather than the offices' spreadsheet."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from services.roster import domain as d
from services.roster.tables import DeputyRow
from shared.clock import china_day
from shared.tenancy import Region, RegionTree, Tier

CONTENT_TYPE = "application/json"
GENDERS = {d.Gender.MALE: "male", d.Gender.FEMALE: "female"}
TIER_OF_LEVEL = {d.Level.PREFECTURE: Tier.PREFECTURE, d.Level.COUNTY: Tier.COUNTY, d.Level.TOWNSHIP: Tier.TOWNSHIP}
# The two levels above the region tree: one organization each, with no area of ours.
ABOVE_TREE = {d.Level.NATIONAL: ("congress/national", "全国人民代表大会"),
              d.Level.PROVINCIAL: ("congress/provincial", "省级人民代表大会")}


def _congress_region(regions: RegionTree, deputy_region: str, level: d.Level) -> Region | None:
    """The region whose congress a seat at ``level`` belongs to: the deputy's own region or
    the ancestor of that level's tier."""
    code: str | None = deputy_region
    while code:
        region = regions.get(code)
        if region.tier is TIER_OF_LEVEL[level]:
            return region
        code = region.parent
    return None


def _area(region: Region) -> dict:
    return {"id": f"area/{region.code}", "name": region.name, "identifier": region.code,
            "classification": region.tier.name.lower(),
            "parent_id": f"area/{region.parent}" if region.parent else None}


def _date(t: datetime) -> str:
    return china_day(t).isoformat()


def roster_document(rows: Iterable[DeputyRow], regions: RegionTree) -> dict:
    persons: list[dict] = []
    memberships: list[dict] = []
    organizations: dict[str, dict] = {}
    areas: dict[str, dict] = {}

    def add_area(code: str | None) -> None:
        while code and f"area/{code}" not in areas:
            region = regions.get(code)
            areas[f"area/{code}"] = _area(region)
            code = region.parent

    for row in rows:
        add_area(row.region_code)
        contacts = [{"type": kind, "value": value} for kind, value in
                    (("voice", row.phone), ("email", row.email), ("address", row.address)) if value]
        persons.append({
            "id": f"person/{row.id}", "name": row.name, "gender": GENDERS.get(d.Gender(row.gender)),
            "identifiers": [{"scheme": "lianxin", "identifier": row.id}],
            "summary": " ".join(x for x in (row.work_unit, row.position) if x) or None,
            "contact_details": contacts,
        })
        status = d.DeputyStatus(row.status)
        left = row.history[-1].changed_at if not d.is_active(status) and row.history else None
        for seat in row.seats:
            level = d.Level(seat.level)
            if level in ABOVE_TREE:
                org_id, org_name = ABOVE_TREE[level]
                area_id = None
            elif level is d.Level.DELIBERATION:
                # A sub-district's deliberation deputies meet as its 议事代表会议, not a congress.
                region = regions.get(row.region_code)
                org_id, org_name, area_id = (f"deliberation/{region.code}", f"{region.name}议事代表会议",
                                             f"area/{region.code}")
            else:
                region = _congress_region(regions, row.region_code, level) or regions.get(row.region_code)
                org_id, org_name, area_id = f"congress/{region.code}", f"{region.name}人民代表大会", f"area/{region.code}"
            organizations.setdefault(org_id, {"id": org_id, "name": org_name,
                                              "classification": "deliberative assembly"
                                              if level is d.Level.DELIBERATION else "legislature",
                                              "area_id": area_id})
            memberships.append({
                "id": f"membership/{row.id}/{level.name.lower()}", "person_id": f"person/{row.id}",
                "organization_id": org_id, "role": "议事代表" if level is d.Level.DELIBERATION else "代表", "area_id": area_id,
                "label": " ".join(x for x in (seat.term, seat.electoral_district) if x) or None,
                "end_date": _date(left) if left else None,
            })
    return {"persons": persons, "organizations": sorted(organizations.values(), key=lambda o: o["id"]),
            "memberships": memberships, "areas": sorted(areas.values(), key=lambda a: a["id"])}


def write_popolo(rows: Iterable[DeputyRow], regions: RegionTree) -> bytes:
    return json.dumps(roster_document(rows, regions), ensure_ascii=False, indent=1).encode("utf-8")
