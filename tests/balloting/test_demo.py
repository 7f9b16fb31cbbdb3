"""The demo hook of `make run`: the home region's campaign for next year is taken through the
API to an open ballot with the prefecture's deputies checked in, and a deputy votes in it; a
second run adds nothing."""
from __future__ import annotations

import pytest
from balloting_support import STAFF
from kit.settings import COUNTY_A, PREFECTURE
from lianxin.balloting.v1 import balloting_pb2 as pb
from lianxin.roster.v1 import roster_pb2 as rpb

from services.balloting import demo

pytestmark = pytest.mark.kafka


def test_the_demo_campaign_is_open_for_the_prefectures_deputies(world):
    w = world
    deputies = [w.deputy(PREFECTURE, levels=(rpb.LEVEL_PREFECTURE,)) for _ in range(2)] + \
        [w.deputy(COUNTY_A, levels=(rpb.LEVEL_PREFECTURE, rpb.LEVEL_COUNTY))]
    line = demo.load(w.b.running.port, w.r.running.port, w.b.settings.jwt_secret, PREFECTURE)
    assert "ballot open, 3 deputies checked in" in line
    c = w.b.call("ListCampaigns", pb.ListCampaignsRequest(region_code=PREFECTURE), **STAFF).campaigns[0]
    assert (c.phase, c.seats, len(c.candidates), c.present) == (pb.PHASE_BALLOT, 4, 5, 3)
    receipt = w.b.call("CastBallot", pb.CastBallotRequest(campaign_id=c.id, marks=[
        pb.Mark(proposal_id=x.proposal_id, choice=pb.CHOICE_APPROVE if i < 4 else pb.CHOICE_ABSTAIN)
        for i, x in enumerate(c.candidates)]), role="deputy", region=COUNTY_A, subject=deputies[2].id).receipt_code
    assert len(receipt) == 16
    assert "already present" in demo.load(w.b.running.port, w.r.running.port, w.b.settings.jwt_secret, PREFECTURE)
