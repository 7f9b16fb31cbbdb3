"""Every page a signed-in user can open answers odd values in its query string with a page
that says what is wrong (4xx) or with the page itself, never with a server error: "²" is a
digit to str.isdigit but not a number to int, "١٢" is a number in Arabic-Indic digits, and
the rest are what a mistyped or tampered link carries."""
from __future__ import annotations

import pytest
from kit.deputies import deputy_account
from kit.portal import client, sign_in
from kit.settings import COUNTY_A
from lianxin.identity.v1 import identity_pb2 as ipb
from starlette.routing import Route

from portal.pages import MODULES

# The query names the portal's pages read (filters, paging, choices).
NAMES = ("year", "region", "level", "page", "status", "kind", "register", "score", "days", "from", "to",
         "q", "rating", "id", "budget", "after", "before", "tab", "round", "n")
ODD = ("²", "١٢", "-1", "99999999999999999999999", "1e9", " ", "%00", "<b>")


def get_pages() -> list[str]:
    """The paths of every GET page with no parameter in its path."""
    return sorted({r.path for m in MODULES for r in m.routes
                   if isinstance(r, Route) and "GET" in (r.methods or ()) and "{" not in r.path})


@pytest.fixture(scope="module")
def signed_in(platform):
    deputy = platform.deputy(name="冯奇数")
    staff = platform.account("clerk.odd", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="奇科员",
                             password="clerk-Passw0rd-odd")
    mine = deputy_account(platform, "deputy.odd", deputy, "deputy-Passw0rd-odd")
    return {"clerk.odd": staff, "deputy.odd": mine}


@pytest.mark.parametrize("username", ["clerk.odd", "deputy.odd"])
def test_no_page_answers_an_odd_query_value_with_a_server_error(platform, signed_in, username):
    pages = get_pages()
    assert "/desk/funding" in pages and "/desk/performance" in pages      # the listing finds the pages
    failed = []
    with client(platform.url) as c:
        sign_in(c, username, signed_in[username])
        for path in pages:
            for odd in ODD:
                r = c.get(path, params={name: odd for name in NAMES})
                # 503: a service this module does not run (the page got as far as calling it).
                if r.status_code == 500:
                    failed.append(f"{path}?…={odd!r}")
    assert not failed, failed
