"""The region tree (GB/T 2260 codes) and subtree checks.

Every tenant-owned row carries its region code and the region's materialised path
(e.g. ``652300/652301/652301100``) so a subtree is one indexed prefix match.
"""
from __future__ import annotations

import csv
import enum
from dataclasses import dataclass
from pathlib import Path

from shared.errors import InvalidArgument, NotFound, PermissionDenied


class Tier(enum.IntEnum):
    """Numbers match lianxin.common.v1.Tier."""
    PREFECTURE = 1
    COUNTY = 2
    TOWNSHIP = 3


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    tier: Tier
    parent: str | None
    path: str


class RegionTree:
    def __init__(self, regions: dict[str, Region]):
        self._regions = regions
        self._children: dict[str, list[str]] = {}
        for r in regions.values():
            if r.parent:
                self._children.setdefault(r.parent, []).append(r.code)

    @classmethod
    def load(cls, path: str | Path) -> "RegionTree":
        rows = {}
        with open(path, encoding="utf-8", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), start=2):
                code = row["code"].strip()
                if code in rows:
                    raise ValueError(f"{path}:{n}: region {code} appears twice")
                rows[code] = (row["name"].strip(), Tier[row["tier"].strip().upper()], row["parent"].strip() or None)
        regions: dict[str, Region] = {}

        def build(code: str, seen: tuple[str, ...] = ()) -> Region:
            if code in regions:
                return regions[code]
            if code in seen:
                raise ValueError(f"{path}: region {code} is its own ancestor")
            name, tier, parent = rows[code]
            if parent and parent not in rows:
                raise ValueError(f"{path}: region {code} names unknown parent {parent}")
            prefix = build(parent, seen + (code,)).path + "/" if parent else ""
            regions[code] = Region(code, name, tier, parent, prefix + code)
            return regions[code]

        for code in rows:
            build(code)
        return cls(regions)

    def __contains__(self, code: str) -> bool:
        return code in self._regions

    def __len__(self) -> int:
        return len(self._regions)

    def get(self, code: str) -> Region:
        try:
            return self._regions[code]
        except KeyError:
            raise NotFound("region", code) from None

    def require(self, code: str, field: str) -> Region:
        """A region named in a request: unknown codes are the caller's mistake."""
        if code not in self._regions:
            raise InvalidArgument(field, f"unknown region code {code!r}")
        return self._regions[code]

    def contains(self, ancestor: str, code: str) -> bool:
        """True when ``code`` is ``ancestor`` or lies below it."""
        a, r = self._regions.get(ancestor), self._regions.get(code)
        if a is None or r is None:
            return False
        return r.path == a.path or r.path.startswith(a.path + "/")

    def ensure_within(self, scope: str, code: str) -> None:
        """Fails closed: an unknown region, or one outside the caller's subtree, is denied."""
        if not self.contains(scope, code):
            raise PermissionDenied(f"region {code} is outside the caller's region {scope}")

    def children(self, code: str) -> list[Region]:
        return [self._regions[c] for c in sorted(self._children.get(code, ()))]

    def subtree(self, code: str) -> list[Region]:
        root = self.get(code)
        return [r for r in self._regions.values() if r.path == root.path or r.path.startswith(root.path + "/")]
