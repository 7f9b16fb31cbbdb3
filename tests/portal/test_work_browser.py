"""Staff and a department officer in a real browser (headless Chromium): the county's staff
sign in, find a citizen's case in the inbox, accept it and transfer it to a department with
a deadline; the department's officer signs in on a phone, sees only that case and replies;
staff see the reply. Every page is checked with axe-core and saved as a screenshot."""
from __future__ import annotations

from pathlib import Path

import pytest
from kit.browser import Browser, output_dir, wait_replaced
from kit.portal import client, opinion_form, tracking_code
from kit.settings import COUNTY_A
from lianxin.identity.v1 import identity_pb2 as ipb
from selenium.webdriver.common.by import By

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "portal" / "static" / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def shots():
    folder = output_dir("screenshots", "work")
    print(f"\nscreenshots: {folder}")
    return folder


def check_page(browser: Browser, shots: Path, name: str) -> None:
    """No serious or critical WCAG 2.1 A/AA violation (axe-core), no sideways scrolling, and a
    screenshot."""
    assert AXE.exists(), f"{AXE} is missing: run `make web-vendor` (make test does)"
    d = browser.driver
    d.execute_script(AXE.read_text(encoding="utf-8"))
    found = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))))"
        ".catch(e => done([{id: 'axe failed: ' + e, impact: 'critical', nodes: 0}]));")
    assert [v for v in found if v["impact"] in ("serious", "critical")] == [], name
    assert d.execute_script("return document.documentElement.scrollWidth") <= browser.width, f"{name}: too wide"
    browser.screenshot(shots, name)


def press(browser: Browser, selector: str) -> None:
    """Clicks a submit button and waits for the next page."""
    drv = browser.driver
    old = drv.find_element(By.TAG_NAME, "html")
    drv.find_element(By.CSS_SELECTOR, selector).click()
    wait_replaced(drv, old)


def sign_in(browser: Browser, url: str, username: str, password: str) -> None:
    drv = browser.driver
    drv.get(f"{url}/desk/cases")                       # not signed in: on to the sign-in page
    assert "/signin?next=" in drv.current_url
    drv.find_element(By.ID, "username").send_keys(username)
    drv.find_element(By.ID, "password").send_keys(password)
    press(browser, "main form button[type=submit]")


def test_staff_accept_and_transfer_and_the_department_replies(platform, shots):
    deputy = platform.deputy(name="古丽娜")
    clerk = platform.account("clerk.b", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="李科员", password="clerk-Passw0rd-b")
    water = platform.account("water.b", ipb.ACCOUNT_ROLE_DEPARTMENT, COUNTY_A, stands_for="dept-water-b",
                             name="市水务局", password="water-Passw0rd-b")
    with client(platform.url) as citizen:
        card = citizen.get(f"/card/{deputy.card_code}")
        code = tracking_code(citizen.post(f"/card/{deputy.card_code}", data=opinion_form(
            card.text, category="生态环境", text="小区自来水发黄已一周。<b>请尽快</b>")).text)

    staff = Browser(width=1024)
    try:
        drv = staff.driver
        sign_in(staff, platform.url, "clerk.b", clerk)
        check_page(staff, shots, "1-staff-signed-in")
        assert "李科员" in drv.find_element(By.ID, "signed-in-as").text
        # The inbox, filtered to cases just raised; the citizen's case is there.
        drv.get(f"{platform.url}/desk/cases?status=1")
        rows = drv.find_element(By.ID, "cases").text
        assert code in rows and "小区自来水发黄已一周。<b>请尽快</b>"[:30] in rows
        check_page(staff, shots, "2-inbox-raised")
        link = drv.find_element(By.LINK_TEXT, code)
        old = drv.find_element(By.TAG_NAME, "html")
        link.click()
        wait_replaced(drv, old)
        assert drv.find_element(By.ID, "case-status").text == "已提交"
        assert drv.find_element(By.ID, "case-text").text == "小区自来水发黄已一周。<b>请尽快</b>"
        check_page(staff, shots, "3-case-raised")
        # Accept.
        drv.find_element(By.ID, "accept-note").send_keys("已受理，转水务部门")
        press(staff, "#form-accept button[type=submit]")
        assert drv.find_element(By.ID, "case-status").text == "已受理"
        assert drv.find_element(By.ID, "done").text == "已完成：受理。"
        check_page(staff, shots, "4-case-accepted")
        # Transfer to the water department, with the deadline the form proposes.
        drv.find_element(By.ID, "transfer-department").send_keys("dept-water-b")
        drv.find_element(By.ID, "transfer-department_name").send_keys("市水务局")
        press(staff, "#form-transfer button[type=submit]")
        assert drv.find_element(By.ID, "case-status").text == "已转交部门办理"
        assert drv.find_element(By.ID, "transfer").text == "市水务局"
        check_page(staff, shots, "5-case-transferred")
        case_url = drv.current_url.split("?")[0]
    finally:
        staff.close()

    phone = Browser(width=375)
    try:
        drv = phone.driver
        drv.get(f"{platform.url}/signin")
        check_page(phone, shots, "6-signin-phone")
        sign_in(phone, platform.url, "water.b", water)
        assert code in drv.find_element(By.ID, "cases").text
        check_page(phone, shots, "7-department-inbox")
        drv.get(case_url)
        assert [f.get_attribute("id") for f in drv.find_elements(By.CSS_SELECTOR, "main form")] == ["form-reply"]
        drv.find_element(By.ID, "reply-reply").send_keys("已更换老旧管道，水质已检测合格。")
        press(phone, "#form-reply button[type=submit]")
        assert drv.find_element(By.ID, "case-status").text == "部门已答复"
        assert drv.find_element(By.ID, "department-reply").text == "已更换老旧管道，水质已检测合格。"
        check_page(phone, shots, "8-department-replied")
        # Sign out: the workspace is closed again.
        press(phone, "#signout")
        assert drv.find_element(By.ID, "signed-out").text == "您已退出登录。"
        drv.get(case_url)
        assert "/signin?next=" in drv.current_url
    finally:
        phone.close()
    assert platform.case(code).transfer.reply == "已更换老旧管道，水质已检测合格。"
