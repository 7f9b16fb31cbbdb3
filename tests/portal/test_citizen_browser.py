"""A citizen in a real browser (headless Chromium, 375 px wide, as a phone): scans a deputy's
card (the address its QR code encodes), raises an opinion, gets the tracking code, follows the
case while staff, the tier above and a department work it over gRPC, and rates the outcome.
Every page is checked with axe-core (no serious or critical WCAG 2.1 A/AA violation), hostile
text stays text, and a screenshot of each page is saved for a person to look at."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from kit.browser import Browser, output_dir, wait_replaced
from kit.settings import COUNTY_A, PREFECTURE
from lianxin.liaison.v1 import liaison_pb2 as lpb
from lianxin.roster.v1 import roster_pb2 as rpb
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "portal" / "static" / "vendor" / "axe.min.js"
HOSTILE = '<script>window.pwned = 1</script><b>加粗</b> 😀 𠀀 "引号" & <img src=x onerror="window.pwned=2">'


@pytest.fixture(scope="module")
def browser():
    b = Browser(width=375)
    yield b
    b.close()


@pytest.fixture(scope="module")
def shots():
    folder = output_dir("screenshots", "citizen")
    print(f"\nscreenshots: {folder}")
    return folder


def axe_violations(browser: Browser) -> list[dict]:
    """axe-core run in the page (injected through WebDriver, which the CSP does not govern):
    the WCAG 2.0/2.1 A and AA rules' serious and critical violations."""
    assert AXE.exists(), f"{AXE} is missing: run `make web-vendor` (make test does)"
    d = browser.driver
    d.execute_script(AXE.read_text(encoding="utf-8"))
    result = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))))"
        ".catch(e => done([{id: 'axe failed: ' + e, impact: 'critical', nodes: 0}]));")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def check_page(browser: Browser, shots: Path, name: str) -> None:
    assert axe_violations(browser) == [], name
    assert browser.driver.execute_script("return window.pwned === undefined"), f"{name}: a script ran"
    assert browser.driver.execute_script("return document.documentElement.scrollWidth") <= 375, \
        f"{name}: wider than the phone"
    browser.screenshot(shots, name)


def submit(browser: Browser) -> None:
    """Presses the page's form button and waits until the next page has replaced this one."""
    drv = browser.driver
    old = drv.find_element(By.TAG_NAME, "html")
    drv.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_replaced(drv, old)


def follow(browser: Browser, link) -> None:
    old = browser.driver.find_element(By.TAG_NAME, "html")
    link.click()
    wait_replaced(browser.driver, old)


def ts(at: datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(at)
    return t


def test_a_citizen_scans_raises_tracks_through_escalation_and_rates(platform, browser, shots):
    d = platform.deputy(name="马秀兰")
    qr = platform.roster.call("GetCardQrCode", rpb.GetCardQrCodeRequest(deputy_id=d.id, format=rpb.QR_FORMAT_SVG))
    assert qr.url == f"{platform.url}/card/{d.card_code}"
    drv = browser.driver

    # 1. The card behind the QR code.
    drv.get(qr.url)
    assert drv.find_element(By.TAG_NAME, "h1").text == "马秀兰代表"
    assert "宁边路街道代表联络站" in drv.find_element(By.CSS_SELECTOR, ".venues").text
    check_page(browser, shots, "1-card")

    # 2. 码上提: the form, with hostile text in it; the tracking code comes back.
    Select(drv.find_element(By.ID, "category")).select_by_visible_text("社区治理")
    drv.find_element(By.ID, "text").send_keys("小区路灯坏了两个月。" + HOSTILE)
    drv.find_element(By.ID, "contact_name").send_keys("王小明")
    drv.find_element(By.ID, "contact_phone").send_keys("13812345678")
    submit(browser)
    code = drv.find_element(By.ID, "tracking-code").text
    assert len(code) >= 8 and drv.find_element(By.TAG_NAME, "h1").text == "已提交"
    short = drv.find_element(By.ID, "short-link")
    assert short.text == f"{platform.url}/t/{code}"
    check_page(browser, shots, "2-submitted")
    case = platform.case(code)
    assert case.text == "小区路灯坏了两个月。" + HOSTILE.replace("𠀀", "𠀀")   # stored as typed
    assert case.contact.phone == "13812345678"

    # 3. The tracking page, through the short link.
    follow(browser, short)
    assert drv.find_element(By.ID, "case-status").text == "已提交"
    check_page(browser, shots, "3-tracking-raised")

    # 4. Staff work the case over gRPC: the county accepts and escalates (beyond its power);
    #    the prefecture takes it over and transfers it to a department, which replies; the
    #    prefecture concludes it resolved and feeds the result back.
    staff = {"role": "staff", "region": COUNTY_A, "name": "县人大办公室"}
    platform.liaison.call("AcceptOpinion", lpb.AcceptOpinionRequest(id=case.id, note="已受理"), **staff)
    platform.liaison.call("EscalateOpinion", lpb.EscalateOpinionRequest(id=case.id, reason="涉及全州路灯改造"), **staff)
    pref = {"role": "staff", "region": PREFECTURE, "name": "州人大办公室"}
    platform.liaison.call("TransferOpinion", lpb.TransferOpinionRequest(
        id=case.id, department="dept-housing", department_name="州住房和城乡建设局",
        deadline=ts(datetime.now(timezone.utc) + timedelta(days=10)), note="请办理"), **pref)
    drv.get(f"{platform.url}/t/{code}")
    assert drv.find_element(By.ID, "case-status").text == "已转交部门办理"
    steps = drv.find_element(By.CSS_SELECTOR, ".steps").text
    assert "已提交上级办理" in steps and "昌吉市" in steps and "昌吉回族自治州" in steps
    check_page(browser, shots, "4-tracking-escalated-transferred")

    platform.liaison.call("ReplyToTransfer", lpb.ReplyToTransferRequest(
        id=case.id, reply="已安排维修，三日内修复。" + HOSTILE), role="department", region=PREFECTURE,
        subject="dept-housing")
    platform.liaison.call("ConcludeOpinion", lpb.ConcludeOpinionRequest(id=case.id, resolved=True, note="已修复"),
                          **pref)
    platform.liaison.call("GiveFeedback", lpb.GiveFeedbackRequest(id=case.id, feedback="路灯已于本周修复，感谢监督。"),
                          **pref)

    # 5. The citizen finds the case again by its code (the /track form), sees the reply and
    #    the outcome, and rates it.
    drv.get(f"{platform.url}/track")
    check_page(browser, shots, "5-track-form")
    drv.find_element(By.ID, "code").send_keys(code.lower())
    submit(browser)
    assert drv.find_element(By.ID, "case-status").text == "已反馈结果"
    reply = drv.find_element(By.ID, "department-reply").text
    assert reply == "已安排维修，三日内修复。" + HOSTILE                         # shown as text, every character
    assert drv.find_elements(By.CSS_SELECTOR, "#department-reply b, #department-reply img, main script") == []
    assert drv.find_element(By.ID, "feedback").text == "路灯已于本周修复，感谢监督。"
    facts = drv.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "已解决" in facts
    check_page(browser, shots, "6-tracking-concluded")

    drv.find_element(By.CSS_SELECTOR, "input[name=rating][value='5']").click()
    drv.find_element(By.ID, "comment").send_keys("办理及时 👍")
    submit(browser)
    assert drv.find_element(By.ID, "rating").text == "5 分"
    assert "感谢您的评价" in drv.find_element(By.TAG_NAME, "main").text
    assert drv.find_elements(By.CSS_SELECTOR, "input[name=rating]") == []    # rated once
    check_page(browser, shots, "7-rated")
    assert platform.case(code).rating == 5


def test_friendly_pages_for_an_unknown_card_and_a_form_without_its_token(platform, browser, shots):
    drv = browser.driver
    drv.get(f"{platform.url}/card/ABCDEFGHJK")
    assert "没有找到这张代表名片" in drv.find_element(By.TAG_NAME, "main").text
    check_page(browser, shots, "8-card-not-found")
    d = platform.deputy(venue=False)
    drv.get(f"{platform.url}/card/{d.card_code}")
    # A page left open while its cookie was cleared (or a forged post): refused, nothing written.
    drv.delete_all_cookies()
    before = platform.liaison.count("opinions")
    Select(drv.find_element(By.ID, "category")).select_by_visible_text("其他")
    drv.find_element(By.ID, "text").send_keys("测试")
    submit(browser)
    assert "表单已过期" in drv.find_element(By.TAG_NAME, "main").text
    assert platform.liaison.count("opinions") == before
    check_page(browser, shots, "9-forbidden")


def test_with_javascript_off_a_citizen_still_raises_and_tracks_an_opinion(platform, shots):
    """The citizens' pages need no script: in a browser with JavaScript disabled the card's
    form sends, the tracking code comes back and its page opens."""
    b = Browser(width=375, javascript=False)
    try:
        drv = b.driver
        drv.get("data:text/html,<p id=x>off</p><script>document.getElementById('x').textContent='on'</script>")
        assert drv.find_element(By.ID, "x").text == "off", "JavaScript is not disabled"
        d = platform.deputy(venue=False)
        drv.get(f"{platform.url}/card/{d.card_code}")
        Select(drv.find_element(By.ID, "category")).select_by_visible_text("教育")
        drv.find_element(By.ID, "text").send_keys("学校门口缺少减速带")
        submit(b)
        code = drv.find_element(By.ID, "tracking-code").text
        follow(b, drv.find_element(By.ID, "short-link"))
        assert drv.find_element(By.ID, "case-status").text == "已提交"
        b.screenshot(shots, "10-no-javascript-tracking")
        assert platform.case(code).text == "学校门口缺少减速带"
    finally:
        b.close()
