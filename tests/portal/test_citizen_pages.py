"""The citizens' pages over HTTP, against the real portal and real services: what the card
page shows, raising an opinion (once, however often the form is sent), the security a
government site is held to (CSRF, cookies, CSP, escaping of hostile text), friendly 404 and
429 pages, and the 100 KB budget."""
from __future__ import annotations

import re
import time
import uuid

import pytest
from kit.portal import BUDGET, PortalProcess, client, free_port, hidden, opinion_form, tracking_code, weight
from lianxin.roster.v1 import roster_pb2 as rpb

from shared.config import DEV_JWT_SECRET


def test_the_card_page_shows_what_the_deputy_chose_and_where_they_receive_citizens(platform):
    d = platform.deputy(name="古丽娜尔·示例")
    with client(platform.url) as c:
        r = c.get(f"/card/{d.card_code}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="zh-CN">' in page and "<h1 id=\"card-name\">古丽娜尔·示例代表</h1>" in page
    assert "县（市、区）人大代表" in page and "昌吉市" in page          # level and region names
    assert "昌吉市第一中学" in page and d.contact.phone in page         # shown: the deputy chose so
    assert "倾听群众呼声，为民办实事" in page
    assert "宁边路街道代表联络站" in page and "昌吉市宁边西路18号" in page
    assert "每月5日、20日 10:00-12:00" in page and "节假日顺延" in page
    assert "0994-2345678" not in page                                  # the liaison officer's phone is not public
    # The form: every field labelled, the CSRF token and the idempotency key in it.
    for field in ("category", "text", "contact_name", "contact_phone"):
        assert f'<label for="{field}">' in page and f'id="{field}"' in page
    assert uuid.UUID(hidden(page, "request_id")) and len(hidden(page, "csrf_token")) >= 22

    # Hidden again: the page follows the card settings at once.
    platform.roster.call("UpdateCard", rpb.UpdateCardRequest(deputy_id=d.id, card=rpb.CardSettings(pledge="")))
    with client(platform.url) as c:
        page = c.get(f"/card/{d.card_code.lower()}").text
    assert d.contact.phone not in page and "昌吉市第一中学" not in page and "履职承诺" not in page


def test_raising_an_opinion_returns_its_tracking_code_and_a_short_link_and_a_double_submit_creates_once(platform):
    d = platform.deputy()
    before = platform.liaison.count("opinions")
    with client(platform.url) as c:
        page = c.get(f"/card/{d.card_code}").text
        form = opinion_form(page, category="教育", text="希望学校增设课后托管服务", contact_name="张三",
                            contact_phone="13700001111")
        first = c.post(f"/card/{d.card_code}", data=form)
        again = c.post(f"/card/{d.card_code}", data=form)      # the button pressed twice, or a retry
    assert first.status_code == 200, first.text[-2000:]
    code = tracking_code(first.text)
    assert tracking_code(again.text) == code
    assert f'href="/t/{code}">{platform.url}/t/{code}</a>' in first.text
    assert platform.liaison.count("opinions") == before + 1
    case = platform.case(code)
    assert (case.category, case.text, case.contact.name, case.contact.phone) == (
        "教育", "希望学校增设课后托管服务", "张三", "13700001111")
    # A new form is a new request: a second opinion.
    with client(platform.url) as c:
        page = c.get(f"/card/{d.card_code}").text
        other = c.post(f"/card/{d.card_code}", data=opinion_form(page))
    assert tracking_code(other.text) != code and platform.liaison.count("opinions") == before + 2


@pytest.mark.parametrize("tamper", ["no token", "wrong token", "no cookie", "cross-site"])
def test_a_post_without_a_valid_csrf_token_is_refused_and_writes_nothing(platform, tamper):
    d = platform.deputy(venue=False)
    before = platform.liaison.count("opinions")
    with client(platform.url) as c:
        form = opinion_form(c.get(f"/card/{d.card_code}").text)
        headers = {}
        if tamper == "no token":
            del form["csrf_token"]
        elif tamper == "wrong token":
            form["csrf_token"] = "A" * 32
        elif tamper == "no cookie":
            c.cookies.clear()
        else:
            headers["sec-fetch-site"] = "cross-site"
        r = c.post(f"/card/{d.card_code}", data=form, headers=headers)
    assert r.status_code == 403 and "表单已过期或不是从本站提交的" in r.text
    assert platform.liaison.count("opinions") == before


def test_every_page_carries_a_strict_csp_and_cookies_are_httponly_and_samesite(platform):
    d = platform.deputy(venue=False)
    with client(platform.url) as c:
        for path in ("/", "/track", f"/card/{d.card_code}", "/card/NOSUCHCARD", "/static/portal.css"):
            r = c.get(path)
            csp = r.headers["content-security-policy"]
            for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                              "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"):
                assert directive in csp, (path, csp)
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "same-origin"
        r = client(platform.url).get(f"/card/{d.card_code}")
    cookies = {v.split("=", 1)[0]: v.lower() for v in r.headers.get_list("set-cookie")}
    assert set(cookies) == {"lx_device", "lx_csrf"}
    assert "httponly" in cookies["lx_device"] and "samesite=lax" in cookies["lx_device"]
    assert "httponly" in cookies["lx_csrf"] and "samesite=strict" in cookies["lx_csrf"]
    assert all("secure" not in v for v in cookies.values())     # plain http here: a Secure cookie would be lost
    assert r.headers["cache-control"] == "no-store"


def test_behind_a_trusted_tls_proxy_cookies_are_secure(platform, tmp_path):
    """With the proxy's address in portal_trusted_proxies, its X-Forwarded-Proto: https marks
    the cookies Secure; from anyone else the header changes nothing."""
    backends = {"roster": platform.roster.running.port, "liaison": platform.liaison.running.port}
    secret = platform.roster.settings.jwt_secret
    trusting = PortalProcess(backends, tmp_path / "trusting.log", secret=secret,
                             LIANXIN_PORTAL_TRUSTED_PROXIES="127.0.0.1")
    untrusting = PortalProcess(backends, tmp_path / "untrusting.log", secret=secret)
    try:
        for portal, secure in ((trusting, True), (untrusting, False)):
            r = client(portal.url).get("/track", headers={"x-forwarded-proto": "https",
                                                          "x-forwarded-for": "203.0.113.7"})
            assert r.status_code == 200
            flags = [v.lower() for v in r.headers.get_list("set-cookie")]
            assert len(flags) == 2 and all(("; secure" in v) is secure for v in flags), flags
            assert ("strict-transport-security" in r.headers) is secure
    finally:
        trusting.close()
        untrusting.close()


HOSTILE = ('<script>alert("x")</script><img src=x onerror=alert(1)><b>粗体</b> "引号" & \'单引号\' '
           '😀👨‍👩‍👧 𠀀𪚥 <!-- -->')


def test_hostile_text_renders_as_text_and_a_long_text_comes_back_with_the_fields_problem(platform):
    d = platform.deputy(pledge=HOSTILE)
    with client(platform.url) as c:
        page = c.get(f"/card/{d.card_code}").text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>粗体" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page and "😀👨‍👩‍👧 𠀀𪚥" in page
        # 40,000 characters of hostile text: refused by liaison, shown back as typed (escaped).
        long_text = (HOSTILE * 400)[:40000]
        before = platform.liaison.count("opinions")
        r = c.post(f"/card/{d.card_code}", data=opinion_form(page, text=long_text, contact_name="<i>王</i>"))
    assert r.status_code == 400 and platform.liaison.count("opinions") == before
    assert '<div class="errors" role="alert"><ul><li>请检查填写的内容：请填写问题描述，最多 2000 字。</li>' in r.text
    assert "<script>alert" not in r.text and "<img src=x" not in r.text and 'value="&lt;i&gt;王&lt;/i&gt;"' in r.text
    assert r.text.count("&lt;script&gt;") >= 400


def test_unknown_codes_and_pages_are_friendly_404s_in_chinese(platform):
    with client(platform.url) as c:
        for path, message in (("/card/ABCDEFGHJK", "没有找到这张代表名片"), ("/card/x", "没有找到这张代表名片"),
                              ("/t/ABCDEFGHJKMN", "没有找到这个查询码对应的意见"), ("/t/%3Cscript%3E", "没有找到这个查询码"),
                              ("/no/such/page", "您访问的页面不存在")):
            r = c.get(path)
            assert r.status_code == 404 and message in r.text and '<html lang="zh-CN">' in r.text, path
            assert "<script" not in r.text


def test_the_track_form_leads_to_the_case_page(platform):
    d = platform.deputy(venue=False)
    with client(platform.url) as c:
        code = tracking_code(c.post(f"/card/{d.card_code}", data=opinion_form(c.get(f"/card/{d.card_code}").text)).text)
        r = c.get("/track", params={"code": " " + code.lower() + " "})
        assert r.status_code == 303 and r.headers["location"] == f"/t/{code.lower()}"
        page = c.get(r.headers["location"]).text
    assert tracking_code(page) == code and "已提交" in page


def test_rate_limits_count_each_citizens_device_not_the_portal(platform):
    """Every citizen reaches the services through the portal's one address; the limits still
    stop one phone hammering (per device: burst 20) and leave the next phone alone."""
    d = platform.deputy(venue=False)
    with client(platform.url) as hammering:
        # The bucket refills one call a second, so on a slow machine it takes a few more than 20.
        responses = []
        while len(responses) < 100 and (not responses or responses[-1].status_code != 429):
            responses.append(hammering.get(f"/card/{d.card_code}"))
    refused = responses[-1]
    assert responses[0].status_code == 200 and 20 <= len(responses) < 100
    assert refused.status_code == 429 and "您的操作太频繁了" in refused.text and refused.headers["retry-after"] == "60"
    with client(platform.url) as neighbour:
        assert neighbour.get(f"/card/{d.card_code}").status_code == 200


def test_the_citizens_pages_weigh_under_100_kb_and_need_no_javascript(platform):
    d = platform.deputy()
    with client(platform.url) as c:
        page = c.get(f"/card/{d.card_code}").text
        submitted = c.post(f"/card/{d.card_code}", data=opinion_form(page))
        code = tracking_code(submitted.text)
        weights = {path: weight(c, path) for path in ("/", f"/card/{d.card_code}", "/track", f"/t/{code}")}
        # The page a POST returns: its HTML and the stylesheet it shares with the others.
        assets = re.findall(r'<link[^>]+href="([^"]+)"', submitted.text)
        weights["POST /card (submitted)"] = (len(submitted.content) + sum(len(c.get(a).content) for a in assets),
                                             assets)
    for path, (size, assets) in weights.items():
        assert size <= BUDGET, f"{path}: {size} bytes"
        assert not any(a.endswith(".js") for a in assets), f"{path} loads a script: {assets}"
    print("citizen page weights (bytes, HTML + CSS + JS):", {p: s for p, (s, _) in weights.items()})


def test_a_staff_token_is_not_needed_and_the_portal_names_the_citizen(platform):
    """The services see the portal's calls as public calls of the citizen (its token subject is
    a trusted forwarder): the opinion is raised through the QR channel, not as the portal."""
    d = platform.deputy(venue=False)
    with client(platform.url) as c:
        code = tracking_code(c.post(f"/card/{d.card_code}", data=opinion_form(c.get(f"/card/{d.card_code}").text)).text)
    case = platform.case(code)
    assert case.channel == 1 and case.history[0].actor_role == "public"
    assert case.deputy_id == d.id


def test_a_service_that_is_down_shows_the_busy_page(tmp_path):
    """Nothing listens where the portal looks for the services: a 503 page saying what
    happened, after the call's timeout, never a stack trace."""
    portal = PortalProcess({"roster": free_port(), "liaison": free_port()}, tmp_path / "portal.log",
                           secret=DEV_JWT_SECRET, LIANXIN_PORTAL_CALL_TIMEOUT="2")
    try:
        with client(portal.url) as c:
            r = c.get("/card/ABCDEFGHJK")
            assert r.status_code == 503 and "系统繁忙" in r.text and "Traceback" not in r.text
            assert c.get("/t/ABCDEFGHJKMN").status_code == 503
    finally:
        portal.close()


def test_a_refused_field_shows_the_form_again_in_chinese_keeping_what_was_typed_and_its_request_id(platform):
    d = platform.deputy(venue=False)
    before = platform.liaison.count("opinions")
    with client(platform.url) as c:
        page = c.get(f"/card/{d.card_code}").text
        form = opinion_form(page, text="路灯坏了", contact_phone="电话：一三九")
        r = c.post(f"/card/{d.card_code}", data=form)
        assert r.status_code == 400 and platform.liaison.count("opinions") == before
        assert "请检查填写的内容：联系电话只能包含数字、+、- 和空格，最多 20 位。" in r.text
        assert ">路灯坏了</textarea>" in r.text and 'value="电话：一三九"' in r.text
        assert hidden(r.text, "request_id") == form["request_id"]
        fixed = c.post(f"/card/{d.card_code}", data=form | {"contact_phone": "0994-2345678"})
    assert fixed.status_code == 200 and tracking_code(fixed.text)
    assert platform.liaison.count("opinions") == before + 1


def test_the_rating_form_appears_once_the_result_is_fed_back_and_a_second_rating_changes_nothing(platform):
    from lianxin.liaison.v1 import liaison_pb2 as lpb
    d = platform.deputy(venue=False)
    with client(platform.url) as c:
        code = tracking_code(c.post(f"/card/{d.card_code}", data=opinion_form(c.get(f"/card/{d.card_code}").text)).text)
        case = platform.case(code)
        page = c.get(f"/t/{code}").text
        assert 'name="rating"' not in page                        # nothing to rate yet
        # A rating posted before there is anything to rate: back to the case page, nothing written.
        forged = c.post(f"/t/{code}/rating", data={"csrf_token": c.cookies["lx_csrf"], "rating": "1"})
        assert forged.status_code == 303 and platform.case(code).rating == 0
        early = c.get(forged.headers["location"]).text           # and the page says why
        assert "办理结果反馈给您之后才能评价" in early and 'name="rating"' not in early
        for method, req in (("AcceptOpinion", lpb.AcceptOpinionRequest(id=case.id)),
                            ("AnswerOpinion", lpb.AnswerOpinionRequest(id=case.id, answer="已联系供电所")),
                            ("ConcludeOpinion", lpb.ConcludeOpinionRequest(id=case.id, resolved=False, note="待改造")),
                            ("GiveFeedback", lpb.GiveFeedbackRequest(id=case.id, feedback="已列入明年计划"))):
            platform.liaison.call(method, req, role="staff", region="652301")
        page = c.get(f"/t/{code}").text
        assert "办理结果</dt><dd>未解决" in page and 'name="rating"' in page and "已联系供电所" in page
        form = {"csrf_token": hidden(page, "csrf_token"), "rating": "2", "comment": "希望尽快"}
        first = c.post(f"/t/{code}/rating", data=form)
        again = c.post(f"/t/{code}/rating", data=form | {"rating": "5"})
        assert first.status_code == again.status_code == 303
        shown = c.get(first.headers["location"]).text
        twice = c.get(again.headers["location"]).text            # the second is said to be refused
    assert "感谢您的评价" in shown and 'id="rating">2 分' in shown and 'name="rating"' not in shown
    assert "已经评价过了" in twice and 'id="rating">2 分' in twice and "感谢您的评价" not in twice
    assert platform.case(code).rating == 2


def test_the_portal_logs_one_line_per_page_without_the_codes_in_it(platform):
    """The log names the route (/t/{code}), its status and duration: never a tracking code,
    which is the citizen's key to the case, nor what the citizen wrote. Every line is JSON."""
    import json
    d = platform.deputy(venue=False)
    with client(platform.url) as c:
        code = tracking_code(c.post(f"/card/{d.card_code}", data=opinion_form(
            c.get(f"/card/{d.card_code}").text, text="隐私内容不进日志")).text)
        assert c.get(f"/t/{code}").status_code == 200
    expected = {("GET", "/card/{code}", 200), ("POST", "/card/{code}", 200), ("GET", "/t/{code}", 200)}
    deadline = time.monotonic() + 10
    while True:   # the line is written as the response ends: a moment after the client has it
        # With JSON logs on, every line is one JSON object (uvicorn's own lines too).
        text = platform.portal.log_path.read_text(encoding="utf-8")
        lines = [json.loads(x) for x in text[:text.rfind("\n") + 1].splitlines()]   # whole lines only
        pages = {(x["method"], x["route"], x["status"]) for x in lines if x.get("event") == "page"}
        if expected <= pages or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert expected <= pages
    text = platform.portal.log_path.read_text(encoding="utf-8")
    assert code not in text and d.card_code not in text and "隐私内容不进日志" not in text


def test_a_body_too_large_or_of_unknown_length_is_refused_unread(platform):
    d = platform.deputy(venue=False)
    before = platform.liaison.count("opinions")
    with client(platform.url) as c:
        form = opinion_form(c.get(f"/card/{d.card_code}").text)
        huge = c.post(f"/card/{d.card_code}", data=form | {"padding": "x" * 1_100_000})
        chunked = c.post(f"/card/{d.card_code}", content=iter([b"category=a&text=b"]),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413 and "提交的内容太长了" in huge.text
    assert chunked.status_code == 413
    assert platform.liaison.count("opinions") == before


def test_the_vendored_scripts_are_served_by_the_portal_and_no_page_loads_anything_from_elsewhere(platform):
    """htmx, ECharts and axe-core come from their npm packages (make web-vendor) and are served
    by the portal itself; no template names another host (no CDN at run time)."""
    from pathlib import Path
    with client(platform.url) as c:
        for name, marker in (("htmx.min.js", b"htmx"), ("echarts.min.js", b"echarts"), ("axe.min.js", b"axe")):
            r = c.get(f"/static/vendor/{name}")
            assert r.status_code == 200 and marker in r.content[:200_000], name
            assert "javascript" in r.headers["content-type"]
    templates = Path(__file__).resolve().parents[2] / "portal" / "templates"
    for t in templates.rglob("*.html"):
        text = t.read_text(encoding="utf-8")
        assert not re.search(r'(src|href|action)="(https?:)?//', text), f"{t.name} names another host"
