"""Amounts of money typed in the portal's forms, read one way for every form that takes them
(a project's spend and budget in yuan, a funding record in yuan, a proposal's investment in
万元): exact integer fen through Decimal, never a float.

What is read: digits with at most the unit's places after one decimal point ("1200000.50"),
optionally grouped by thousands the way an office writes them ("1,200,000.50": groups of
exactly three digits after a first group of one to three), full-width digits and punctuation
("１２３．５"), surrounding spaces and a trailing unit ("元" or "万元"). Anything else is
refused, in particular commas that are not thousands groups: "1,2,3" is a mistyped amount,
not 123 (read as 123 it would be recorded as a different amount than the person meant). An
amount with a minus sign ("-5", "－５", "−5") is refused as negative, told apart so a form can
say that no amount here is below zero rather than that it is not a number.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000            # 1 万元 = 10,000 yuan
# The largest amount any form takes: a trillion yuan (the services' own ceiling for a
# project's budget and spend, 10^14 fen); each service judges its narrower ranges itself.
MAX_FEN = 10**14
_PLAIN = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)


class AmountError(ValueError):
    """The typed text is not an amount (``too_large`` and ``negative`` False), is one above
    MAX_FEN (``too_large``) or an amount with a minus sign (``negative``)."""

    def __init__(self, raw: str, *, too_large: bool, negative: bool = False) -> None:
        said = "too large" if too_large else "negative" if negative else "not an amount"
        super().__init__(f"{said}: {raw[:40]!r}")
        self.too_large, self.negative = too_large, negative


def parse_fen(raw: str, *, fen_per_unit: int = FEN_PER_YUAN, places: int = 2) -> int:
    """Typed text in the unit (yuan: fen_per_unit 100; 万元: FEN_PER_WAN) -> integer fen, 0..MAX_FEN.

    ``places`` is the most digits allowed after the point (yuan: 2, to the fen).
    Raises AmountError: not an amount as described in the module docstring (also a plus
    sign, an exponent, two points, misplaced commas, more places), negative for an amount
    with a minus sign, or too_large above MAX_FEN.
    """
    text = unicodedata.normalize("NFKC", raw).strip()     # full-width ０-９ ， ． － to ASCII
    for unit in ("万元", "元"):
        if fen_per_unit == (FEN_PER_WAN if unit == "万元" else FEN_PER_YUAN):
            text = text.removesuffix(unit).rstrip()
    if text[:1] in ("-", "\u2212"):     # hyphen-minus (also full-width, folded) or the minus sign
        unsigned = text[1:].lstrip()
        if _PLAIN.fullmatch(unsigned) or _GROUPED.fullmatch(unsigned):
            raise AmountError(raw, too_large=False, negative=True)
    if not (_PLAIN.fullmatch(text) or _GROUPED.fullmatch(text)):
        raise AmountError(raw, too_large=False)
    if len(text.partition(".")[2]) > places:
        raise AmountError(raw, too_large=False)
    try:
        value = Decimal(text.replace(",", "")) * fen_per_unit
    except InvalidOperation:     # pragma: no cover - the patterns admit only digits
        raise AmountError(raw, too_large=False) from None
    if value > MAX_FEN:
        raise AmountError(raw, too_large=True)
    if value != value.to_integral_value():    # finer than a fen (万元 with many places)
        raise AmountError(raw, too_large=False)
    return int(value)


def yuan(fen: int) -> str:
    """Integer fen as exact yuan text with two places, as the services write it ("1000.50")."""
    return str((Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01")))
