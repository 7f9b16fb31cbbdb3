"""What the portal's tests share: a browser-like HTTP client, the form fields of a page, and
a page's weight with everything it loads."""
from __future__ import annotations

import html
import re

import httpx

BUDGET = 100 * 1024   # the citizen pages' weight: HTML + CSS + JS, no images


def client(base: str, **kw) -> httpx.Client:
    """A client that keeps its cookies, like one browser (one device)."""
    return httpx.Client(base_url=base, timeout=30, follow_redirects=False, **kw)


def hidden(page: str, name: str) -> str:
    m = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert m, f"no hidden field {name}"
    return html.unescape(m.group(1))


def opinion_form(page: str, **fields: str) -> dict[str, str]:
    """The card page's form as a browser would post it."""
    return {"csrf_token": hidden(page, "csrf_token"), "request_id": hidden(page, "request_id"),
            "category": "道路交通", "text": "村口路灯坏了", "contact_name": "", "contact_phone": ""} | fields


def tracking_code(page: str) -> str:
    m = re.search(r'id="tracking-code">([^<]+)<', page)
    assert m, page[-2000:]
    return m.group(1)


def weight(c: httpx.Client, path: str) -> tuple[int, list[str]]:
    """Bytes of the page and of every stylesheet and script it loads, and what it loads."""
    r = c.get(path)
    assert r.status_code == 200, r.text[-1000:]
    total = len(r.content)
    assets = re.findall(r'<link[^>]+href="([^"]+)"', r.text) + re.findall(r'<script[^>]+src="([^"]+)"', r.text)
    for a in assets:
        got = c.get(a)
        assert got.status_code == 200, a
        total += len(got.content)
    return total, assets
