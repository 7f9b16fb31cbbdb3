"""The one reading of an amount typed in a portal form (portal.money.parse_fen): what an
office writes is read to the fen, a mistyped amount is refused rather than read as another
amount, and an amount too large is told apart from one that is not an amount."""
from __future__ import annotations

import pytest

from portal.money import FEN_PER_WAN, MAX_FEN, AmountError, parse_fen


@pytest.mark.parametrize(("typed", "fen"), [
    ("1200000.50", 120_000_050), ("1,200,000.50", 120_000_050), ("1,234.5", 123_450), ("800", 80_000),
    ("１２３．５０", 12_350), ("１，２３４", 123_400), (" 100元 ", 10_000), ("0", 0), ("0.01", 1),
    ("1000000000000", MAX_FEN),
])
def test_an_amount_as_an_office_writes_it_is_read_to_the_fen(typed, fen):
    assert parse_fen(typed) == fen


@pytest.mark.parametrize("typed", ["1,2,3", "12,34", "1,2345", ",123", "123,", "1.234", "+5", "1e3", "abc",
                                   "", "1..2", "1.2.3", "NaN", "Infinity", "12 34", "1,234.567", "1万", "-", "-abc",
                                   "--5", "-1,2,3"])
def test_a_mistyped_amount_is_refused_not_read_as_another(typed):
    with pytest.raises(AmountError) as refused:
        parse_fen(typed)
    assert not refused.value.too_large and not refused.value.negative


@pytest.mark.parametrize("typed", ["-5", " -1,200.50 ", "－１２", "\u22125", "- 5", "-0.5元"])
def test_an_amount_with_a_minus_sign_is_refused_as_negative(typed):
    with pytest.raises(AmountError) as refused:
        parse_fen(typed)
    assert refused.value.negative and not refused.value.too_large


@pytest.mark.parametrize("typed", ["99999999999999999", "1000000000000.01", "9" * 200])
def test_an_amount_above_a_trillion_yuan_is_too_large(typed):
    with pytest.raises(AmountError) as refused:
        parse_fen(typed)
    assert refused.value.too_large


def test_wan_yuan_take_places_down_to_the_fen():
    assert parse_fen("12.5", fen_per_unit=FEN_PER_WAN, places=6) == 12_500_000
    assert parse_fen("1,200万元", fen_per_unit=FEN_PER_WAN, places=6) == 1_200_000_000
    with pytest.raises(AmountError):
        parse_fen("0.0000001", fen_per_unit=FEN_PER_WAN, places=6)
    with pytest.raises(AmountError):
        parse_fen("1,2", fen_per_unit=FEN_PER_WAN, places=6)
