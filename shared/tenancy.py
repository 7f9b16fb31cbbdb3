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


class RegionKind(enum.IntEnum):
    """What a region is within its tier (GB/T 2260 names it so); numbers match
    lianxin.common.v1.RegionKind. The kind decides who speaks for the region: a sub-district
    (街道) is an office of the county with no people's congress of its own, its voice being its
    deliberation deputies (议事代表); every other kind has a congress."""
    PREFECTURE = 1    # 州, 地区, 盟
    CITY = 2          # 市 (a prefecture-level or a county-level city)
    COUNTY = 3        # 县, 自治县, 旗
    DISTRICT = 4      # 区 (a city's district)
    TOWNSHIP = 5      # 乡, 民族乡, 苏木
    TOWN = 6          # 镇
    SUBDISTRICT = 7   # 街道


# The label a region file writes in its kind column (and the names' own endings).
KIND_LABELS = {RegionKind.PREFECTURE: "州", RegionKind.CITY: "市", RegionKind.COUNTY: "县",
               RegionKind.DISTRICT: "区", RegionKind.TOWNSHIP: "乡", RegionKind.TOWN: "镇",
               RegionKind.SUBDISTRICT: "街道"}
# The tiers each kind may sit at: a city is a prefecture (焦作市) or a county (昌吉市).
KIND_TIERS = {RegionKind.PREFECTURE: {Tier.PREFECTURE}, RegionKind.CITY: {Tier.PREFECTURE, Tier.COUNTY},
              RegionKind.COUNTY: {Tier.COUNTY}, RegionKind.DISTRICT: {Tier.COUNTY},
              RegionKind.TOWNSHIP: {Tier.TOWNSHIP}, RegionKind.TOWN: {Tier.TOWNSHIP},
              RegionKind.SUBDISTRICT: {Tier.TOWNSHIP}}
_TIER_KIND = {Tier.PREFECTURE: RegionKind.PREFECTURE, Tier.COUNTY: RegionKind.COUNTY, Tier.TOWNSHIP: RegionKind.TOWN}
# Name endings, longest first, for a region file without a kind column.
_KIND_ENDINGS = (("街道", RegionKind.SUBDISTRICT), ("苏木", RegionKind.TOWNSHIP), ("地区", RegionKind.PREFECTURE),
                 ("镇", RegionKind.TOWN), ("乡", RegionKind.TOWNSHIP), ("区", RegionKind.DISTRICT),
                 ("县", RegionKind.COUNTY), ("旗", RegionKind.COUNTY), ("市", RegionKind.CITY),
                 ("州", RegionKind.PREFECTURE), ("盟", RegionKind.PREFECTURE))


def region_kind(label: str, name: str, tier: Tier) -> RegionKind:
    """The kind a region file gives (its Chinese label, 街道, or the English name,
    subdistrict), else the one its name ends with (三工镇: 镇), else its tier's usual one (州,
    县, 镇). ValueError for an unknown label or a kind that cannot sit at ``tier`` (a 镇 is a
    township, never a county)."""
    label = label.strip()
    kind: RegionKind | None = None
    if label:
        by_label = {v: k for k, v in KIND_LABELS.items()}
        kind = by_label.get(label) or RegionKind.__members__.get(label.upper())
        if kind is None:
            raise ValueError(f"unknown region kind {label!r} (use {', '.join(KIND_LABELS.values())})")
    else:
        kind = next((k for ending, k in _KIND_ENDINGS if name.endswith(ending) and tier in KIND_TIERS[k]),
                    _TIER_KIND[tier])
    if tier not in KIND_TIERS[kind]:
        raise ValueError(f"region {name!r}: a {KIND_LABELS[kind]} is not a {tier.name.lower()}")
    return kind


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    tier: Tier
    parent: str | None
    path: str
    kind: RegionKind = RegionKind.COUNTY

    @property
    def has_congress(self) -> bool:
        """Whether the region elects a people's congress: every kind but a sub-district (街道),
        which has its county's working committee (人大工委) and deliberation deputies instead."""
        return self.kind is not RegionKind.SUBDISTRICT


class RegionTree:
    def __init__(self, regions: dict[str, Region]):
        self._regions = regions
        self._children: dict[str, list[str]] = {}
        for r in regions.values():
            if r.parent:
                self._children.setdefault(r.parent, []).append(r.code)

    @classmethod
    def load(cls, path: str | Path) -> RegionTree:
        rows = {}
        with open(path, encoding="utf-8", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), start=2):
                code = row["code"].strip()
                if code in rows:
                    raise ValueError(f"{path}:{n}: region {code} appears twice")
                name, tier = row["name"].strip(), Tier[row["tier"].strip().upper()]
                try:
                    kind = region_kind(row.get("kind") or "", name, tier)
                except ValueError as e:
                    raise ValueError(f"{path}:{n}: {e}") from None
                rows[code] = (name, tier, row["parent"].strip() or None, kind)
        regions: dict[str, Region] = {}

        def build(code: str, seen: tuple[str, ...] = ()) -> Region:
            if code in regions:
                return regions[code]
            if code in seen:
                raise ValueError(f"{path}: region {code} is its own ancestor")
            name, tier, parent, kind = rows[code]
            if parent and parent not in rows:
                raise ValueError(f"{path}: region {code} names unknown parent {parent}")
            prefix = build(parent, seen + (code,)).path + "/" if parent else ""
            regions[code] = Region(code, name, tier, parent, prefix + code, kind)
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


@dataclass(frozen=True)
class Deployment:
    """The regions one deployment serves: its home region's subtree, less the subtrees of the
    regions below it that run their own deployment (``delegated_regions``). Work for a
    delegated subtree is neither accepted nor served here; its figures still arrive as events.
    """
    regions: RegionTree
    home: str
    delegated: tuple[str, ...] = ()

    @classmethod
    def of(cls, regions: RegionTree, home: str, delegated: tuple[str, ...] | list[str] = ()) -> Deployment:
        """Checks the setting against the tree; ValueError names the bad code and why."""
        if home not in regions:
            raise ValueError(f"home_region {home} is not in the region tree")
        codes = tuple(dict.fromkeys(c.strip() for c in delegated if c.strip()))
        for code in codes:
            if code not in regions:
                raise ValueError(f"delegated_regions: {code} is not in the region tree")
            if code == home or not regions.contains(home, code):
                raise ValueError(f"delegated_regions: {code} is not below home_region {home}: "
                                 f"only regions under this deployment's home can run their own deployment")
        return cls(regions, home, codes)

    def serves(self, code: str) -> bool:
        """True when ``code`` is in the home subtree and not in a delegated one."""
        return self.regions.contains(self.home, code) and not any(
            self.regions.contains(d, code) for d in self.delegated)

    def served_path(self, code: str) -> str | None:
        """The materialised path of ``code`` when this deployment serves it, else None: what a
        read model fed by the shared roster topic keeps, and what it passes over."""
        return self.regions.get(code).path if self.serves(code) else None

    def delegated_to(self, code: str) -> str | None:
        """The delegated region whose deployment serves ``code``, if any."""
        return next((d for d in self.delegated if self.regions.contains(d, code)), None)

    def check_caller(self, region: str) -> None:
        """A token's region (the edge asks before any RPC, public ones included): this
        deployment answers only callers of the area it serves. PermissionDenied, naming the
        region, for a region outside home_region (another prefecture, a code not in the tree,
        and a region above home too: deployments exchange work as events, never as calls to
        each other's APIs, so an upper tier reads its own deployment) and for one in a
        delegated subtree (its own deployment answers it)."""
        owner = self.delegated_to(region)
        if owner is not None:
            raise PermissionDenied(f"token region {region} is served by the deployment of {owner}, not this one")
        if not self.regions.contains(self.home, region):
            raise PermissionDenied(f"token region {region} is not served by this deployment (home {self.home})")

    def require_home(self, code: str, field: str) -> None:
        """A region a request names to read: INVALID_ARGUMENT naming ``field`` unless it lies
        within home_region. A delegated subtree may be read: what this deployment holds of it
        (cases escalated from it, its rolled-up figures) arrives here as events."""
        if not self.regions.contains(self.home, code):
            raise InvalidArgument(field, f"region {code} is not served by this deployment (home {self.home})")

    def refuse_delegated(self, code: str, field: str) -> None:
        """A region a write names: INVALID_ARGUMENT when a deployment below serves it."""
        owner = self.delegated_to(code)
        if owner is not None:
            raise InvalidArgument(field, f"region {code} is served by the deployment of {owner}, not this one")

    def require_served(self, code: str, field: str) -> None:
        """A region a write names: INVALID_ARGUMENT when it is another deployment's."""
        owner = self.delegated_to(code)
        if owner is not None:
            raise InvalidArgument(field, f"region {code} is served by the deployment of {owner}, not this one")
        if not self.regions.contains(self.home, code):
            raise InvalidArgument(field, f"region {code} is not served by this deployment (home {self.home})")
