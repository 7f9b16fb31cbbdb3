"""The performance rules as plain functions: versions in force per year and region, caps in
day order whatever the arrival order, weights per level, competition ranking with ties, flags,
and the rules staff enter refused entry by entry."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.evaluation import scoring as sc
from shared.errors import InvalidArgument

K = sc.WorkKind


def item(n: int, deputy: str, kind: K, day: date, level: sc.Level = sc.Level.COUNTY) -> sc.Item:
    return sc.Item(key=f"k{n}", deputy_id=deputy, kind=kind, day=day, region_code="652301", level=level,
                   source_event_id=f"e{n:04d}", source_type="t")


def version(vid: str, region: str, number: int, year: int, **changes) -> sc.RuleVersion:
    return sc.RuleVersion(id=vid, region_code=region, number=number, effective_year=year,
                          rules=replace(sc.DEFAULT_RULES, **changes))


def test_the_version_in_force_is_the_nearest_regions_newest_for_the_year():
    prefecture = version("p1", "652300", 1, 2026)
    county_2027 = version("c1", "652301", 1, 2027)
    county_2027b = version("c2", "652301", 2, 2027)
    county_2029 = version("c3", "652301", 3, 2029)
    versions = [prefecture, county_2027, county_2027b, county_2029]
    path = ["652301001", "652301", "652300"]
    assert sc.in_force(versions, path, 2025) is sc.DEFAULT_VERSION
    assert sc.in_force(versions, path, 2026) is prefecture
    assert sc.in_force(versions, path, 2027) is county_2027b   # a later version for the same year wins
    assert sc.in_force(versions, path, 2028) is county_2027b
    assert sc.in_force(versions, path, 2030) is county_2029
    assert sc.in_force(versions, ["652302", "652300"], 2030) is prefecture


def test_caps_are_credited_in_day_order_whatever_the_arrival_order():
    v = version("v", "652300", 1, 2026, caps={K.VISIT: Decimal("2.5")})
    days = [date(2027, 3, d) for d in (5, 1, 9, 2)]
    items = [item(i, "d1", K.VISIT, day) for i, day in enumerate(days)]
    items.append(item(9, "d1", K.RECEPTION, date(2027, 1, 1)))
    results = []
    for _ in range(5):
        random.shuffle(items)
        scored = sc.credit(items, lambda it: v)
        results.append(sorted((s.item.day, s.credited) for s in scored if s.item.kind is K.VISIT))
        assert sc.totals(scored) == {"d1": Decimal("4.50")}   # visits capped at 2.5, reception 2
    assert all(r == results[0] for r in results)
    assert results[0] == [(date(2027, 3, 1), Decimal("1.00")), (date(2027, 3, 2), Decimal("1.00")),
                          (date(2027, 3, 5), Decimal("0.50")), (date(2027, 3, 9), Decimal("0.00"))]


def test_weights_per_level_and_caps_per_year_and_version():
    v26 = version("a", "652300", 1, 2026, weights={sc.Level.PREFECTURE: Decimal("1.5")})
    v27 = version("b", "652300", 2, 2027, points={**sc.DEFAULT_RULES.points, K.SESSION_ATTENDED: Decimal(20)})
    items = [item(1, "d1", K.SESSION_ATTENDED, date(2026, 1, 10), sc.Level.PREFECTURE),
             item(2, "d1", K.SESSION_ATTENDED, date(2027, 1, 10), sc.Level.PREFECTURE),
             item(3, "d2", K.SESSION_ATTENDED, date(2026, 1, 10), sc.Level.TOWNSHIP)]
    scored = {s.item.key: s for s in sc.credit(items, lambda it: v26 if it.year == 2026 else v27)}
    assert scored["k1"].points == Decimal("15.00") and scored["k1"].rule_version_id == "a"
    assert scored["k2"].points == Decimal("20.00") and scored["k2"].rule_version_id == "b"
    assert scored["k3"].points == Decimal("10.00")


def test_competition_ranking_shows_ties():
    ranked = sc.rank([("a", "甲", Decimal(5)), ("b", "乙", Decimal(9)), ("c", "丙", Decimal(9)),
                      ("d", "丁", Decimal(1)), ("e", "戊", Decimal(5)), ("f", "己", Decimal(5))])
    assert [(r.deputy_id, r.rank, r.tied) for r in ranked] == [
        ("c", 1, True), ("b", 1, True), ("f", 3, True), ("e", 3, True), ("a", 3, True), ("d", 6, False)]
    assert sc.rank([]) == []


def test_flags_at_their_boundaries():
    rules = replace(sc.DEFAULT_RULES, inactive_days=30, term_start=date(2026, 1, 1))
    as_of = date(2027, 6, 30)
    assert sc.flags_for(date(2027, 6, 1), date(2026, 1, 1), rules, as_of) == []          # 30th day back
    assert sc.flags_for(date(2027, 5, 31), date(2025, 12, 31), rules, as_of) == [sc.Flag.INACTIVE,
                                                                                 sc.Flag.NO_REPORT_THIS_TERM]
    assert sc.flags_for(None, None, rules, as_of) == [sc.Flag.INACTIVE, sc.Flag.NO_REPORT_THIS_TERM]


def test_rules_as_entered_are_refused_entry_by_entry():
    points = [(int(k), "1") for k in sc.KINDS]
    ok = sc.check_rules(points, [(int(K.VISIT), "20")], [(int(sc.Level.COUNTY), "1.25")], 90, date(2026, 1, 1))
    assert ok.points_of(K.VISIT, sc.Level.COUNTY) == Decimal("1.25") and ok.caps == {K.VISIT: Decimal(20)}
    visit = int(K.VISIT) - 1      # its index in ``points``

    def with_visit(text: str) -> list:
        return [(k, text if k == int(K.VISIT) else v) for k, v in points]
    day = date(2026, 1, 1)
    bad = [
        ((with_visit("abc"), [], [], 90, day), f"rules.points[{visit}].points"),
        ((with_visit("0.125"), [], [], 90, day), f"rules.points[{visit}].points"),
        ((with_visit("-1"), [], [], 90, day), f"rules.points[{visit}].points"),
        ((with_visit("NaN"), [], [], 90, day), f"rules.points[{visit}].points"),
        (([p for p in points if p[0] != int(K.VISIT)], [], [], 90, day), "rules.points"),
        ((points + [(99, "1")], [], [], 90, day), f"rules.points[{len(points)}].kind"),
        ((points + [(int(K.VISIT), "1")], [], [], 90, day), f"rules.points[{len(points)}].kind"),
        ((points, [(int(K.VISIT), "100001")], [], 90, day), "rules.caps[0].points"),
        ((points, [], [(9, "1")], 90, day), "rules.weights[0].level"),
        ((points, [], [(int(sc.Level.COUNTY), "11")], 90, day), "rules.weights[0].weight"),
        ((points, [], [], 0, day), "rules.inactive_days"),
        ((points, [], [], 90, None), "rules.term_start"),
    ]
    for args, field in bad:
        with pytest.raises(InvalidArgument) as e:
            sc.check_rules(*args)
        assert str(e.value.field) == field, (args, e.value)
