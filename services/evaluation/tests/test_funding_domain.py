"""Activity funding's rules: the seed's standards, versions by year and region, a deputy's
budget from their seats, and spending within, over (refused or flagged) and by the day."""
from datetime import date

import pytest

from services.evaluation import funding_domain as f
from shared.errors import FailedPrecondition, InvalidArgument


def test_the_seed_standards_are_the_defaults():
    s = f.DEFAULTS
    assert (f.yuan(s.prefecture_fen), f.yuan(s.county_fen), f.yuan(s.township_fen)) == ("3300.00", "1600.00", "1000.00")
    assert f.yuan(s.daily_subsidy_fen) == "150.00"
    assert s.overspend is f.OverspendPolicy.REFUSE and s.inherited


def test_the_nearest_region_s_latest_version_in_force_wins():
    pref = f.Standards(prefecture_fen=350_000, region_code="652300", from_year=2024, inherited=False)
    county = f.Standards(county_fen=180_000, region_code="652301", from_year=2027, inherited=False)
    chain = ["652301", "652300"]
    assert f.effective([pref, county], chain, 2023) == f.DEFAULTS
    in_2026 = f.effective([pref, county], chain, 2026)
    assert in_2026.region_code == "652300" and in_2026.prefecture_fen == 350_000 and in_2026.inherited
    in_2027 = f.effective([pref, county], chain, 2027)
    assert in_2027.region_code == "652301" and in_2027.county_fen == 180_000 and not in_2027.inherited
    later = f.Standards(county_fen=190_000, region_code="652301", from_year=2029, inherited=False)
    assert f.effective([county, later], chain, 2028).county_fen == 180_000
    assert f.effective([county, later], chain, 2030).county_fen == 190_000


def test_a_deputy_is_budgeted_by_each_funded_congress_once():
    P, C, T = f.SeatLevel.PREFECTURE, f.SeatLevel.COUNTY, f.SeatLevel.TOWNSHIP
    assert f.deputy_allocation([P], f.DEFAULTS) == 330_000
    assert f.deputy_allocation([C, T, T], f.DEFAULTS) == 260_000
    assert f.deputy_allocation([f.SeatLevel.NATIONAL, f.SeatLevel.DELIBERATION], f.DEFAULTS) == 0
    assert f.funded_levels([T, 1, C]) == [C, T]


def test_spending_within_over_refused_and_flagged():
    assert f.draw(160_000, 100_000, 60_000, f.OverspendPolicy.REFUSE, "x") == f.Draw(60_000, 0, False)
    with pytest.raises(FailedPrecondition) as refused:
        f.draw(160_000, 100_000, 60_001, f.OverspendPolicy.REFUSE, "张三 2026")
    assert "张三 2026" in str(refused.value) and "by 0.01 yuan" in str(refused.value)
    assert f.draw(160_000, 100_000, 70_000, f.OverspendPolicy.FLAG, "x") == f.Draw(70_000, 10_000, True)
    # Already over: everything more is over.
    assert f.draw(160_000, 170_000, 5_000, f.OverspendPolicy.FLAG, "x").over_fen == 5_000
    assert f.subsidy(3, f.DEFAULTS) == 45_000


def test_spending_input_is_checked_naming_the_field():
    assert f.check_spending(0, 2, " 误工补贴 ", f.FundKind.DEPUTY_ACTIVITY) == (0, 2, "误工补贴")
    for args, field in [((0, 0, "x", f.FundKind.DEPUTY_ACTIVITY), "spending.amount_fen"),
                        ((-1, 0, "x", f.FundKind.DEPUTY_ACTIVITY), "spending.amount_fen"),
                        ((5, 1, "x", f.FundKind.DEPUTY_ACTIVITY), "spending.amount_fen"),
                        ((0, 1, "x", f.FundKind.VENUE_ALLOWANCE), "spending.subsidy_days"),
                        ((0, 367, "x", f.FundKind.DEPUTY_ACTIVITY), "spending.subsidy_days"),
                        ((5, 0, " ", f.FundKind.DEPUTY_ACTIVITY), "spending.purpose")]:
        with pytest.raises(InvalidArgument) as e:
            f.check_spending(*args)
        assert e.value.field == field
    today = date(2026, 6, 1)
    assert f.check_day("２０２６-05-31", "spending.date", today=today, year=2026) == date(2026, 5, 31)
    for value in ("2026-06-02", "2025-12-31", "31/05/2026", ""):
        with pytest.raises(InvalidArgument):
            f.check_day(value, "spending.date", today=today, year=2026)


def test_money_is_exact():
    assert f.yuan(1) == "0.01" and f.yuan(-5_000) == "-50.00" and f.yuan(10**15 + 7) == "10000000000000.07"
    assert str(f.yuan_decimal(330_001)) == "3300.01"
    assert f.Figures(allocated_fen=100, spent_fen=130).remaining_fen == -30
    with pytest.raises(InvalidArgument) as e:
        f.check_standards(f.Standards(county_fen=-1))
    assert e.value.field == "standards.county_fen"


def test_standards_have_bounds_a_slip_cannot_pass():
    """5,000,000 yuan a deputy a year is refused naming the bound (100,000 yuan); a venue may get more."""
    f.check_standards(f.Standards(prefecture_fen=10_000_000, daily_subsidy_fen=100_000, venue_allowance_fen=50_000_000))
    for name, fen in (("prefecture_fen", 500_000_000), ("township_fen", 10_000_001), ("daily_subsidy_fen", 100_001)):
        with pytest.raises(InvalidArgument) as e:
            f.check_standards(f.Standards(**{name: fen}))
        assert e.value.field == f"standards.{name}"
    with pytest.raises(InvalidArgument) as e:
        f.check_standards(f.Standards(county_fen=500_000_000))
    assert str(e.value).endswith("must be between 0 and 10000000 fen (100000.00 yuan)")
