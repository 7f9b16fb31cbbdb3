"""Loads the demo roster (deploy/demo/) into a roster database: deputies by the same
import path offices use, then venues, then 就近编组进家. Safe to run again: it changes
nothing the second time."""
from __future__ import annotations

import csv
from pathlib import Path

import structlog

from services.roster import domain as d
from services.roster.handlers import Roster
from services.roster.store import RosterStore
from shared.auth import Principal, Role
from shared.config import Settings
from shared.service import Runtime, build_runtime

DEMO_DIR = Path(__file__).resolve().parents[2] / "deploy" / "demo"


def load_demo(runtime: Runtime, region: str = "652300") -> dict[str, int]:
    roster = Roster(runtime)
    system = Principal(subject="demo-loader", role=Role.SYSTEM, region=region)
    report = roster.import_roster(system, region, "csv", (DEMO_DIR / "roster.csv").read_bytes(), dry_run=False)
    venues = venues_present = 0
    with open(DEMO_DIR / "venues.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            with runtime.transaction() as s:
                if RosterStore(s).venue_by_name(row["region_code"], row["name"]):
                    venues_present += 1
                    continue
            roster.create_venue(system, d.VenueDraft(
                region_code=row["region_code"], kind=d.VenueKind[row["kind"].upper()], name=row["name"],
                address=row["address"], officer_name=row["officer_name"], officer_phone=row["officer_phone"],
                days_of_month=tuple(int(x) for x in row["days_of_month"].split(";") if x),
                hours=row["hours"], specialties=tuple(x for x in row["specialties"].split(";") if x)))
            venues += 1
    placed, _ = roster.group_into_venues(system, region, dry_run=False)
    figures = {"deputies_created": report.created, "deputies_unchanged": report.unchanged,
               "row_errors": len(report.errors), "venues_created": venues, "venues_present": venues_present,
               "deputies_grouped": len(placed)}
    structlog.get_logger("roster.demo").info("demo roster loaded", **figures)
    return figures


def seed(settings: Settings) -> str:
    """The launcher's demo hook: loads the demo roster into the (migrated) roster database
    that ``settings`` name; returns one line saying what it added or found already there."""
    from services.roster.service import definition
    runtime = build_runtime(settings, definition().bus_tables)
    try:
        f = load_demo(runtime, settings.home_region)
    finally:
        runtime.transport.close()
        runtime.engine.dispose()
    if not f["deputies_created"] and not f["venues_created"]:
        return (f"demo roster already present: {f['deputies_unchanged']} deputies, {f['venues_present']} venues; "
                "nothing added")
    return f"demo roster: {f['deputies_created']} deputies and {f['venues_created']} venues added"
