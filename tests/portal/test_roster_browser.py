"""The roster in a real browser (headless Chromium): a county's staff sign in, search the
roster for a deputy, open their page, download their QR code as a PNG file, save the card's
settings and add them to a venue, check an import, and open the venues, a grouping proposal
and the forms to register a deputy and create a venue; axe-core finds no WCAG 2.1 A/AA
violation on any of these pages, none scrolls sideways, and each is saved as a screenshot."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from kit.browser import Browser, output_dir, wait_replaced
from kit.settings import COUNTY_A
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from selenium.webdriver.common.by import By

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "portal" / "static" / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def shots():
    folder = output_dir("screenshots", "roster")
    print(f"\nscreenshots: {folder}")
    return folder


def check_page(browser: Browser, shots: Path, name: str) -> None:
    """No WCAG 2.1 A/AA violation of any impact (axe-core), no sideways scrolling, a screenshot."""
    assert AXE.exists(), f"{AXE} is missing: run `make web-vendor` (make test does)"
    d = browser.driver
    d.execute_script(AXE.read_text(encoding="utf-8"))
    found = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))))"
        ".catch(e => done([{id: 'axe failed: ' + e, impact: 'critical', nodes: []}]));")
    assert found == [], name
    assert d.execute_script("return document.documentElement.scrollWidth") <= browser.width, f"{name}: too wide"
    browser.screenshot(shots, name)


def follow(browser: Browser, by: str, value: str) -> None:
    """Clicks a link or button and waits for the next page."""
    drv = browser.driver
    old = drv.find_element(By.TAG_NAME, "html")
    drv.find_element(by, value).click()
    wait_replaced(drv, old)


def downloaded(folder: Path, suffix: str, seconds: float = 30) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"nothing ending in {suffix} was downloaded to {folder}: {list(folder.iterdir())}")


def test_staff_search_a_deputy_open_their_page_and_download_the_qr_code(platform, shots, tmp_path):
    password = platform.account("roster.browser", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="名册管理员",
                                password="roster-Passw0rd-b")
    deputy = platform.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=COUNTY_A, name="努尔古丽", gender=rpb.GENDER_FEMALE, ethnicity="维吾尔族",
        seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届", electoral_district="第5选区")],
        work_unit="昌吉市第二中学", position="<b>教师</b>", contact=rpb.Contact(phone="13900001111"))))
    platform.roster.call("CreateVenue", rpb.CreateVenueRequest(venue=rpb.Venue(
        region_code=COUNTY_A, kind=rpb.VENUE_KIND_DEPUTY_HOME, name="浏览器测试代表之家",
        schedule=rpb.ReceptionSchedule(days_of_month=[8], hours="09:00-11:30"))))
    browser = Browser(width=1024)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    try:
        drv = browser.driver
        drv.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        drv.get(f"{platform.url}/desk/roster")
        assert "/signin?next=%2Fdesk%2Froster" in drv.current_url
        drv.find_element(By.ID, "username").send_keys("roster.browser")
        drv.find_element(By.ID, "password").send_keys(password)
        follow(browser, By.CSS_SELECTOR, "main form button[type=submit]")
        assert drv.current_url.endswith("/desk/roster")
        check_page(browser, shots, "1-roster")
        # Search by part of the name.
        drv.find_element(By.ID, "name").send_keys("古丽")
        follow(browser, By.ID, "search")
        rows = drv.find_element(By.ID, "deputies").text
        assert "努尔古丽" in rows and "昌吉市" in rows and "县（市、区）人大代表" in rows
        check_page(browser, shots, "2-roster-search")
        follow(browser, By.LINK_TEXT, "努尔古丽")
        assert drv.find_element(By.ID, "deputy-name").text == "努尔古丽代表"
        assert "<b>教师</b>" in drv.find_element(By.TAG_NAME, "main").text      # as text, not bold
        assert drv.find_element(By.ID, "card-code-value").text == deputy.card_code
        check_page(browser, shots, "3-deputy")
        # The QR code as a file, named after the deputy and the card code.
        drv.find_element(By.ID, "qr-png").click()
        png = downloaded(downloads, ".png")
        assert png.name == f"努尔古丽-二维码-{deputy.card_code}.png"
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        # Card settings: show the phone; the deputy's page says it is saved.
        box = drv.find_element(By.CSS_SELECTOR, "#form-card input[name=show_phone]")
        assert not box.is_selected()
        box.click()
        follow(browser, By.CSS_SELECTOR, "#form-card button[type=submit]")
        assert drv.find_element(By.ID, "done").text == "名片设置已保存。"
        check_page(browser, shots, "4-deputy-card-saved")
        # Into the venue, from the deputy's page.
        from selenium.webdriver.support.ui import Select
        Select(drv.find_element(By.ID, "venue_id")).select_by_visible_text("浏览器测试代表之家（人大代表之家）")
        follow(browser, By.CSS_SELECTOR, "#form-assign button[type=submit]")
        assert "浏览器测试代表之家" in drv.find_element(By.ID, "deputy-venues").text
        # The public card, as a citizen sees it, shows the phone now.
        follow(browser, By.ID, "public-card")
        assert "13900001111" in drv.find_element(By.TAG_NAME, "main").text
        # An import checked first: the page lists the bad row's row, column and problem.
        sheet = tmp_path / "名册.csv"
        sheet.write_text("区划代码,姓名,代表层级,联系电话\r\n"
                         f"{COUNTY_A},浏览器导入甲,县,13911112222\r\n"
                         f"{COUNTY_A},浏览器导入乙,县,不是电话\r\n", encoding="utf-8")
        drv.get(f"{platform.url}/desk/roster/import")
        check_page(browser, shots, "5-import")
        drv.find_element(By.ID, "file").send_keys(str(sheet))
        follow(browser, By.ID, "import-check")
        assert drv.find_element(By.ID, "dry-run").text == "这是检查结果，名册没有任何改动。"
        [error] = drv.find_elements(By.CSS_SELECTOR, "#row-errors tbody tr")
        row, column, problem = (td.text for td in error.find_elements(By.TAG_NAME, "td"))
        assert (row, column) == ("3", "联系电话") and problem
        assert drv.find_element(By.ID, "n-created").text == "1"
        check_page(browser, shots, "6-import-checked")
        drv.get(f"{platform.url}/desk/venues")
        check_page(browser, shots, "7-venues")
        follow(browser, By.LINK_TEXT, "浏览器测试代表之家")
        assert "努尔古丽" in drv.find_element(By.ID, "members").text
        assert "每月8日 09:00-11:30" in drv.find_element(By.ID, "venue-schedule").text
        check_page(browser, shots, "8-venue")
        platform.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
            region_code=COUNTY_A, name="热依拉", seats=[rpb.Seat(level=rpb.LEVEL_COUNTY)])))
        drv.get(f"{platform.url}/desk/venues/group")
        follow(browser, By.ID, "group-preview")
        assert drv.find_element(By.ID, "dry-run").text == "这是方案，还没有编入任何代表。"
        assert "热依拉 昌吉市 浏览器测试代表之家" in drv.find_element(By.ID, "assignments").text
        check_page(browser, shots, "9-group-proposal")
        for path, name in (("/desk/roster/new", "10-register-form"), ("/desk/venues/new", "11-venue-form")):
            drv.get(f"{platform.url}{path}")
            check_page(browser, shots, name)
    finally:
        browser.close()
