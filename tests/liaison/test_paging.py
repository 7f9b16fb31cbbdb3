"""Page tokens are keyset cursors bound to their query (AIP-158): ListOpinions and
ListActivities over real gRPC on PostgreSQL."""
from __future__ import annotations

import base64
import uuid

import grpc
from liaison_support import COUNTY_A, COUNTY_B, PREFECTURE, LiaisonServer
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as pb

from services.liaison.service import definition
from shared import paging
from shared.auth import Principal, Role
from shared.service import start

IA = grpc.StatusCode.INVALID_ARGUMENT


def _page(size: int, token: str = "") -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=size, page_token=token)


def test_a_new_opinion_between_pages_neither_repeats_nor_skips_one(liaison):
    """The reported input: page 1 (size 5), a new public opinion, page 2."""
    dep = liaison.add_deputy(COUNTY_A)
    existing = [liaison.record(dep).id for _ in range(8)]
    q = dict(deputy_id=dep.id)
    p1 = liaison.call("ListOpinions", pb.ListOpinionsRequest(**q, page=_page(5)))
    assert len(p1.opinions) == 5 and p1.next_page_token and p1.total_size == 8
    liaison.submit(dep, text="翻页时新来的意见")
    p2 = liaison.call("ListOpinions", pb.ListOpinionsRequest(**q, page=_page(5, p1.next_page_token)))
    first, second = [o.id for o in p1.opinions], [o.id for o in p2.opinions]
    assert not set(first) & set(second)
    assert set(first) | set(second) == set(existing)
    assert not p2.next_page_token
    # Newest first, ties broken by id: the order the pages followed.
    raised = [(o.raised_at.ToNanoseconds(), o.id) for o in [*p1.opinions, *p2.opinions]]
    assert raised == sorted(raised, reverse=True)


def test_walking_every_page_lists_every_opinion_once(liaison):
    dep = liaison.add_deputy(COUNTY_B)
    made = {liaison.record(dep, region=COUNTY_B).id for _ in range(7)}
    seen, token, size = [], "", 1
    while True:
        r = liaison.call("ListOpinions", pb.ListOpinionsRequest(region_code=COUNTY_B, deputy_id=dep.id,
                                                                page=_page(size, token)))
        seen += [o.id for o in r.opinions]
        token, size = r.next_page_token, size + 1       # page_size may change between pages
        if not token:
            break
    assert len(seen) == len(made) and set(seen) == made


def test_a_token_reused_with_another_filter_is_refused(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    for _ in range(3):
        liaison.record(dep)
    token = liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, page=_page(1))).next_page_token
    assert token
    for other in (pb.ListOpinionsRequest(deputy_id=dep.id, status=pb.OPINION_STATUS_RAISED, page=_page(1, token)),
                  pb.ListOpinionsRequest(page=_page(1, token)),
                  pb.ListOpinionsRequest(deputy_id=dep.id, region_code=COUNTY_A, page=_page(1, token))):
        e = liaison.error("ListOpinions", other)
        assert e.code() == IA and e.details().startswith("page.page_token:"), e.details()
    # ... by another caller, or on another list RPC.
    e = liaison.error("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, page=_page(1, token)),
                      subject="clerk-other")
    assert e.code() == IA and e.details().startswith("page.page_token:")
    e = liaison.error("ListActivities", pb.ListActivitiesRequest(page=_page(1, token)))
    assert e.code() == IA and e.details().startswith("page.page_token:")
    # The same filter goes on.
    assert liaison.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, page=_page(1, token))).opinions


def test_damaged_or_forged_tokens_are_invalid_argument_never_internal(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    for _ in range(2):
        liaison.record(dep)
    req = pb.ListOpinionsRequest(deputy_id=dep.id, page=_page(1))
    token = liaison.call("ListOpinions", req).next_page_token
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    who = Principal("clerk-test", Role.STAFF, PREFECTURE)
    bound = paging.page(req, who)
    forged = [
        flipped, token[:-3], "garbage!", base64.urlsafe_b64encode(b"o:5").decode(), "令牌", "A" * 5000,
        paging.token(bound, (1, 2)),                       # right query, wrong types
        paging.token(bound, ("x",)),                       # wrong length
        paging.token(bound, ("2026-01-01", "\x00")),       # NUL for PostgreSQL
    ]
    for t in forged:
        e = liaison.error("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, page=_page(1, t)))
        assert e.code() == IA and e.details().startswith("page.page_token:"), (t, e.details())


def test_activities_page_by_cursor_while_activities_are_recorded(liaison):
    def record(day: str, title: str) -> str:
        return liaison.call("RecordActivity", pb.RecordActivityRequest(activity=pb.Activity(
            region_code=COUNTY_B, kind=pb.ACTIVITY_KIND_MEETING, date=day, title=title))).id

    before = [record(f"2026-02-{d:02d}", f"会议{d}") for d in (1, 2, 2, 2, 3, 4)]
    q = dict(region_code=COUNTY_B, date_from="2026-02-01", date_to="2026-02-28")
    p1 = liaison.call("ListActivities", pb.ListActivitiesRequest(**q, page=_page(3)))
    assert len(p1.activities) == 3 and p1.total_size == 6
    record("2026-02-02", "翻页时新记的会议")                  # sorts inside the first page's range
    record("2026-02-05", "翻页时新记的最新会议")
    p2 = liaison.call("ListActivities", pb.ListActivitiesRequest(**q, page=_page(3, p1.next_page_token)))
    first, second = [a.id for a in p1.activities], [a.id for a in p2.activities]
    assert not set(first) & set(second) and set(first) | set(second) == set(before)
    e = liaison.error("ListActivities", pb.ListActivitiesRequest(region_code=COUNTY_B, page=_page(3, p1.next_page_token)))
    assert e.code() == IA and e.details().startswith("page.page_token:")
    # The caller's own region named or not is one listing: the token serves both.
    own = liaison.call("ListActivities", pb.ListActivitiesRequest(page=_page(2)))
    assert own.next_page_token
    assert liaison.call("ListActivities", pb.ListActivitiesRequest(
        region_code=PREFECTURE, page=_page(2, own.next_page_token))).activities


def test_cursors_and_retries_on_the_embedded_sqlite_default(tmp_path, settings_for):
    """The same keyset condition and idempotency key on SQLite (the `make run` default)."""
    url = f"sqlite:///{tmp_path / 'liaison.sqlite'}"
    settings = settings_for("liaison", url, tmp_path / "bus.sqlite")
    server = LiaisonServer(start(definition(), settings), settings, url)
    try:
        dep = server.add_deputy(COUNTY_A)
        made = [server.record(dep).id for _ in range(5)]
        key = str(uuid.uuid4())
        assert server.record(dep, request_id=key) == server.record(dep, request_id=key)
        p1 = server.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, page=_page(4)))
        server.submit(dep)
        p2 = server.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id, page=_page(4, p1.next_page_token)))
        first, second = [o.id for o in p1.opinions], [o.id for o in p2.opinions]
        assert not set(first) & set(second) and len(first) + len(second) == 6
        assert set(made) < set(first) | set(second) and not p2.next_page_token
    finally:
        server.close()
