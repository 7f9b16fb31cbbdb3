"""Page tokens are keyset cursors bound to their query (AIP-158): ListDeputies and
ListVenues over real gRPC on PostgreSQL."""
from __future__ import annotations

import csv
import io

import grpc
from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from roster_support import COUNTY_A, COUNTY_B, COUNTY_C, PREFECTURE

IA = grpc.StatusCode.INVALID_ARGUMENT


def _page(size: int, token: str = "") -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=size, page_token=token)


def _walk(roster, method: str, make, field: str, size: int = 2) -> list[str]:
    seen, token = [], ""
    while True:
        r = roster.call(method, make(_page(size, token)))
        seen += [x.id for x in getattr(r, field)]
        token = r.next_page_token
        if not token:
            return seen


def test_deputies_added_between_pages_neither_repeat_nor_skip_one(fresh_roster):
    r = fresh_roster
    # Two deputies of one name: the id breaks the tie, so the order is total.
    existing = [r.register(COUNTY_A, name=n).id for n in ("阿依古丽", "阿依古丽", "王芳", "马丽", "张伟", "李娜")]
    req = lambda page: pb.ListDeputiesRequest(region_code=COUNTY_A, page=page)   # noqa: E731
    p1 = r.call("ListDeputies", req(_page(3)))
    assert len(p1.deputies) == 3 and p1.total_size == 6
    r.register(COUNTY_A, name="艾买提")      # before and after the cursor in name order
    r.register(COUNTY_A, name="赵强")
    first, later, token = [d.id for d in p1.deputies], [], p1.next_page_token
    while token:
        p = r.call("ListDeputies", req(_page(3, token)))
        later += [d.id for d in p.deputies]
        token = p.next_page_token
    assert not set(first) & set(later) and len(later) == len(set(later))
    assert set(existing) <= set(first) | set(later)
    # A full walk lists everyone once, in the order of the unpaged listing.
    whole = [d.id for d in r.call("ListDeputies", req(_page(500))).deputies]
    assert _walk(r, "ListDeputies", req, "deputies", size=1) == whole and len(whole) == 8


def test_deputies_token_is_bound_to_its_filter(roster):
    for _ in range(3):
        roster.register(COUNTY_A, specialties=("教育",))
    token = roster.call("ListDeputies", pb.ListDeputiesRequest(specialty="教育", page=_page(1))).next_page_token
    assert token
    for other in (pb.ListDeputiesRequest(specialty="法律", page=_page(1, token)),
                  pb.ListDeputiesRequest(specialty="教育", region_code=COUNTY_A, page=_page(1, token)),
                  pb.ListDeputiesRequest(specialty="教育", name="代", page=_page(1, token))):
        e = roster.error("ListDeputies", other)
        assert e.code() == IA and e.details().startswith("page.page_token:"), e.details()
    e = roster.error("ListVenues", pb.ListVenuesRequest(page=_page(1, token)))
    assert e.code() == IA and e.details().startswith("page.page_token:")
    e = roster.error("ListDeputies", pb.ListDeputiesRequest(specialty="教育", page=_page(1, token)), region=COUNTY_A)
    assert e.code() == IA and e.details().startswith("page.page_token:")
    assert roster.call("ListDeputies", pb.ListDeputiesRequest(specialty="教育", page=_page(2, token))).deputies


def test_a_token_is_bound_to_the_filter_as_the_listing_reads_it(roster):
    """Tester's input: a token issued for name 批量 was refused with name " 批量 " or
    "批\u200b量" (which search reads as 批量), and with region_code naming the caller's own
    region (the same rows as none)."""
    for i in range(3):
        roster.register(COUNTY_A, name=f"批量{i:04d}")
    first = roster.call("ListDeputies", pb.ListDeputiesRequest(name="批量", page=_page(1)))
    assert first.next_page_token
    for same in (dict(name=" 批量 "), dict(name="批\u200b量"), dict(name="批量", region_code=PREFECTURE),
                 dict(name="　批量", region_code=PREFECTURE)):
        r = roster.call("ListDeputies", pb.ListDeputiesRequest(**same, page=_page(1, first.next_page_token)))
        assert [d.name for d in r.deputies] != [d.name for d in first.deputies] and r.deputies, same
    for other in (dict(name="批量0"), dict(name="批量", region_code=COUNTY_A)):
        e = roster.error("ListDeputies", pb.ListDeputiesRequest(**other, page=_page(1, first.next_page_token)))
        assert e.code() == IA and e.details().startswith("page.page_token:"), other
    roster.venue(COUNTY_A)
    roster.venue(COUNTY_A)
    v1 = roster.call("ListVenues", pb.ListVenuesRequest(page=_page(1)))
    assert v1.next_page_token
    assert roster.call("ListVenues", pb.ListVenuesRequest(region_code=PREFECTURE, page=_page(1, v1.next_page_token))).venues
    e = roster.error("ListVenues", pb.ListVenuesRequest(region_code=COUNTY_B, page=_page(1, v1.next_page_token)))
    assert e.code() == IA and e.details().startswith("page.page_token:")


def test_venues_page_by_cursor(fresh_roster):
    r = fresh_roster
    made = [r.venue(COUNTY_B, name=f"代表之家{i}").id for i in range(5)]
    req = lambda page: pb.ListVenuesRequest(region_code=COUNTY_B, page=page)   # noqa: E731
    p1 = r.call("ListVenues", req(_page(2)))
    assert len(p1.venues) == 2 and p1.total_size == 5
    r.venue(COUNTY_B, name="代表之家0甲")      # sorts inside the first page's range
    p2 = r.call("ListVenues", req(_page(2, p1.next_page_token)))
    assert not {v.id for v in p1.venues} & {v.id for v in p2.venues}
    whole = [v.id for v in r.call("ListVenues", req(_page(0))).venues]
    assert _walk(r, "ListVenues", req, "venues", size=1) == whole and set(made) < set(whole)
    e = r.error("ListVenues", pb.ListVenuesRequest(region_code=COUNTY_B, kind=pb.VENUE_KIND_DEPUTY_HOME,
                                                   page=_page(2, p1.next_page_token)))
    assert e.code() == IA and e.details().startswith("page.page_token:")


def test_a_page_size_above_the_maximum_is_served_as_the_maximum(fresh_roster):
    """AIP-158: page_size 100000 (the reported input) is coerced to 500, not refused; a
    negative size stays INVALID_ARGUMENT."""
    r = fresh_roster
    buf = io.StringIO()
    csv.writer(buf).writerows([["区划代码", "姓名", "代表层级", "联系电话"],
                               *[[COUNTY_C, f"翻页代表{i:03d}", "县", f"1391234{i:04d}"] for i in range(501)]])
    done = r.call("ImportRoster", pb.ImportRosterRequest(region_code=COUNTY_C, format=common_pb2.FILE_FORMAT_CSV,
                                                         content=buf.getvalue().encode()))
    assert done.created == 501, done
    req = lambda page: pb.ListDeputiesRequest(region_code=COUNTY_C, page=page)   # noqa: E731
    big = r.call("ListDeputies", req(_page(100000)))
    assert len(big.deputies) == 500 and big.total_size == 501 and big.next_page_token
    rest = r.call("ListDeputies", req(_page(100000, big.next_page_token)))
    assert len(rest.deputies) == 1 and not rest.next_page_token
    assert len({d.id for d in [*big.deputies, *rest.deputies]}) == 501
    r.venue(COUNTY_C)
    assert len(r.call("ListVenues", pb.ListVenuesRequest(page=_page(2 ** 31 - 1))).venues) == 1
    for method, request in (("ListDeputies", req(_page(-1))), ("ListVenues", pb.ListVenuesRequest(page=_page(-1)))):
        e = r.error(method, request)
        assert e.code() == IA and e.details() == "page.page_size: must not be negative", e.details()
