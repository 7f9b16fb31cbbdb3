"""Loads the demo roster (deploy/demo/) into a roster database: deputies by the same
import path offices use, then venues, then 就近编组进家. Safe to run again: it changes
nothing the second time."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import structlog

from services.roster import domain as d
from services.roster.handlers import Roster
from services.roster.store import RosterStore
from shared.auth import Principal, Role
from shared.config import Settings
from shared.service import Runtime, build_runtime

DEMO_DIR = Path(__file__).resolve().parents[2] / "deploy" / "demo"


def served_rows(text: str, runtime: Runtime) -> tuple[str, int]:
    """The demo roster CSV without the rows of regions this deployment does not serve
    (outside home, or in delegated_regions), and how many were left out."""
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("区划代码")
    body = [r for r in rows[1:] if r]
    kept = [r for r in body if runtime.deployment.serves(r[column].strip())]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([rows[0], *kept])
    return out.getvalue(), len(body) - len(kept)


def load_demo(runtime: Runtime, region: str = "652300") -> dict[str, int]:
    roster = Roster(runtime)
    system = Principal(subject="demo-loader", role=Role.SYSTEM, region=region)
    content, deputies_skipped = served_rows((DEMO_DIR / "roster.csv").read_text(encoding="utf-8"), runtime)
    report = roster.import_roster(system, region, "csv", content.encode("utf-8"), dry_run=False)
    venues = venues_present = venues_skipped = 0
    with open(DEMO_DIR / "venues.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if not runtime.deployment.serves(row["region_code"]):
                # Outside home, or in a subtree that runs its own deployment (delegated_regions):
                # not this deployment's to create, as the import refuses its deputies' rows.
                venues_skipped += 1
                continue
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
               "deputies_skipped": deputies_skipped, "row_errors": len(report.errors),
               "venues_created": venues, "venues_present": venues_present, "venues_skipped": venues_skipped,
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
    skipped = ""
    if f["deputies_skipped"] or f["venues_skipped"]:
        skipped = (f"; {f['deputies_skipped']} deputies and {f['venues_skipped']} venues skipped: their regions "
                   f"are not served here (outside {settings.home_region} or in delegated_regions "
                   f"{', '.join(settings.delegated_regions) or 'none'})")
    if not f["deputies_created"] and not f["venues_created"]:
        return (f"demo roster already present: {f['deputies_unchanged']} deputies, {f['venues_present']} venues; "
                f"nothing added{skipped}")
    return f"demo roster: {f['deputies_created']} deputies and {f['venues_created']} venues added{skipped}"
