"""The regions this deployment serves, published with their kind (RegionDescribed) so other
services and deployments learn, for instance, that a 街道 has no congress and votes through its
deliberation deputies. The region file is deployment data every service loads; the roster
publishes it because it is the service the others already learn people and places from.

Runs once as the roster starts, before it serves: each served region that is new, or that the
region file now describes otherwise (a renamed region, a kind corrected), is stored and
published in one transaction; an unchanged file publishes nothing."""
from __future__ import annotations

from services.roster import convert
from services.roster.tables import DescribedRegionRow
from shared.clock import now
from shared.service import Runtime


def describe_regions(runtime: Runtime) -> int:
    """Publishes RegionDescribed for the served regions new or changed since the last start;
    returns how many."""
    published = 0
    with runtime.transaction() as s:
        stored = {r.code: r for r in s.query(DescribedRegionRow)}
        at = now()
        for region in runtime.regions.subtree(runtime.settings.home_region):
            if not runtime.deployment.serves(region.code):
                continue
            values = {"name": region.name, "tier": int(region.tier), "kind": int(region.kind),
                      "parent_code": region.parent or ""}
            row = stored.get(region.code)
            if row is not None and all(getattr(row, k) == v for k, v in values.items()):
                continue
            if row is None:
                s.add(DescribedRegionRow(code=region.code, described_at=at, **values))
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                row.described_at = at
            runtime.outbox.add(s, convert.region_described(region), region=region.code)
            published += 1
    return published
