"""The satisfaction vote's rules without I/O: verdicts at their thresholds' boundaries, the
overall rate as an exact Decimal, and what a ballot must hold."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.evaluation import domain as d
from shared.errors import InvalidArgument, NotFound

R = d.Rating


@pytest.mark.parametrize("satisfied, basically, ballots, expected", [
    (11, 0, 20, R.SATISFIED),                 # more than half of 20 is 11
    (10, 10, 20, R.BASICALLY_SATISFIED),      # exactly half is not more than half
    (10, 1, 20, R.BASICALLY_SATISFIED),       # 满意 + 基本满意 = 11 of 20
    (5, 5, 20, R.UNSATISFIED),                # 10 of 20: not more than half
    (0, 0, 0, R.UNSATISFIED),                 # no ballot rates nothing
])
def test_verdict_at_the_default_boundaries(satisfied, basically, ballots, expected):
    assert d.verdict(satisfied, basically, ballots, d.DEFAULT_RULES) is expected


def test_verdict_under_a_regions_own_thresholds():
    strict = d.Rules(satisfied_percent=66, acceptable_percent=60)
    assert d.verdict(14, 0, 21, strict) is R.SATISFIED             # 1400 > 1386
    assert d.verdict(13, 0, 20, strict) is R.BASICALLY_SATISFIED   # 1300 < 1320, but > 1200
    assert d.verdict(12, 0, 20, strict) is R.UNSATISFIED           # 1200 is not more than 60%


def test_the_seeds_rate_is_exact():
    rate = d.satisfaction_rate([R.SATISFIED] * 18 + [R.BASICALLY_SATISFIED] * 2)
    assert rate == Decimal(90) and d.percent_text(rate) == "90.00"
    assert d.percent_text(d.satisfaction_rate([R.SATISFIED, R.UNSATISFIED, R.UNSATISFIED])) == "33.33"
    assert d.satisfaction_rate([]) == 0


def test_a_ballot_rates_every_project_once():
    assert d.ballot_marks([("b", R.UNSATISFIED), ("a", R.SATISFIED)], ["a", "b"]) == "SU"
    with pytest.raises(InvalidArgument, match="ratings"):
        d.ballot_marks([("a", R.SATISFIED)], ["a", "b"])
    with pytest.raises(InvalidArgument, match=r"ratings\[1\].project_id"):
        d.ballot_marks([("a", R.SATISFIED), ("a", R.SATISFIED)], ["a", "b"])
    with pytest.raises(NotFound, match=r"ratings\[0\].project_id"):
        d.ballot_marks([("c", R.SATISFIED)], ["a", "b"])
    # More ratings than projects: refused where the first project comes again, naming it.
    with pytest.raises(InvalidArgument, match=r"ratings\[1\].project_id: rates project a a second time"):
        d.ballot_marks([("a", R.SATISFIED)] * 3, ["a", "b"])


def test_rules_are_checked_field_by_field():
    with pytest.raises(InvalidArgument, match="rules.quorum_percent"):
        d.check_rules(d.Rules(quorum_percent=40))
    with pytest.raises(InvalidArgument, match="rules.satisfied_percent"):
        d.check_rules(d.Rules(satisfied_percent=100))
    with pytest.raises(InvalidArgument, match="rules.plan_days"):
        d.check_rules(d.Rules(plan_days=0))
