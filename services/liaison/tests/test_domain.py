from datetime import datetime, timezone

import pytest

from services.liaison import domain as d
from shared.errors import FailedPrecondition, InvalidArgument


def test_a_case_follows_its_life_and_refuses_steps_out_of_order():
    d.check_step(d.Step.ACCEPT, d.Status.RAISED)
    d.check_step(d.Step.TRANSFER, d.Status.ACCEPTED)
    d.check_step(d.Step.REPLY, d.Status.TRANSFERRED)
    d.check_step(d.Step.CONCLUDE, d.Status.REPLIED)
    d.check_step(d.Step.FEEDBACK, d.Status.RESOLVED)
    d.check_step(d.Step.RATE, d.Status.FEEDBACK_GIVEN)
    d.check_step(d.Step.CLOSE, d.Status.FEEDBACK_GIVEN)
    with pytest.raises(FailedPrecondition, match="cannot reply a case that is accepted"):
        d.check_step(d.Step.REPLY, d.Status.ACCEPTED)
    with pytest.raises(FailedPrecondition):
        d.check_step(d.Step.CLOSE, d.Status.RESOLVED)    # the citizen hears the result first
    with pytest.raises(FailedPrecondition):
        d.check_step(d.Step.ESCALATE, d.Status.RESOLVED)
    with pytest.raises(FailedPrecondition):
        d.check_step(d.Step.OUTCOME, d.Status.TRANSFERRED)


def test_every_status_but_closed_has_a_way_forward():
    reachable_from = {s for froms in d.ALLOWED_FROM.values() for s in froms}
    assert set(d.Status) - reachable_from == set()   # closed can still be rated


def test_text_rules_name_the_field():
    with pytest.raises(InvalidArgument, match="^text: is required"):
        d.text("  ", "text", max_len=10, required=True)
    with pytest.raises(InvalidArgument, match="longer than 10"):
        d.text("x" * 11, "text", max_len=10)
    assert d.text("路灯坏了\n请修", "text", max_len=100) == "路灯坏了\n请修"
    with pytest.raises(InvalidArgument, match="contact.phone"):
        d.check_contact(d.Contact("李", "call me"))
    with pytest.raises(InvalidArgument, match="rating"):
        d.check_rating(6)


def test_tracking_codes_are_distinct_and_readable():
    codes = {d.new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 12 and set(c) <= set(d.TRACKING_ALPHABET) for c in codes)


def test_deadlines_per_tier():
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert d.due_at(t, "township").day == 16
    assert d.due_at(t, "county", {"county": 7}).day == 8
