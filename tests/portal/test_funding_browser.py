"""The funding report in the workspace (headless Chromium): a county's clerk (阜康市) signs in,
reads the year's funds per township (allocated, spent, remaining), records a spending against a
deputy's budget with the form, sees it refused in words when it is over budget, and downloads
the report as an XLSX file that openpyxl opens. Pages are checked with axe-core and saved under
var/test-output/screenshots/funding."""
from __future__ import annotations

import io
import time
from decimal import Decimal

import openpyxl
import pytest
from kit.browser import Browser, output_dir
from kit.portal import client, hidden, open_account, portal_in_front
from kit.settings import COUNTY_B, PREFECTURE, TOWNSHIP_B
from lianxin.evaluation.v1 import funding_pb2 as fpb
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import text
from test_work_browser import check_page, press

from shared.clock import china_today

STAFF = {"role": "staff", "region": PREFECTURE}
CLERK = {"role": "staff", "region": COUNTY_B}
YEAR = china_today().year


@pytest.fixture(scope="module")
def shots():
    return output_dir("screenshots", "funding")


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    """Roster, identity and evaluation on one bus (evaluation learns deputies and venues from
    the roster's events), the real portal in front, and a staff account of 阜康市."""
    services, portal = portal_in_front(start_service, tmp_path_factory, "roster", "identity", "evaluation")
    roster, identity, evaluation = services.values()
    open_account(identity, "funding.clerk", ipb.ACCOUNT_ROLE_STAFF, COUNTY_B, name="马会计",
                 password="funding-Passw0rd-1")
    yield roster, evaluation, portal
    portal.close()


def test_the_clerk_reads_the_report_records_spending_and_downloads_it(world, shots):
    roster, e, portal = world
    d = roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=TOWNSHIP_B, name="古丽娜尔", seats=[rpb.Seat(level=rpb.LEVEL_TOWNSHIP, term="第十五届")],
        contact=rpb.Contact(phone="13912340001"))), **STAFF)
    deadline = time.monotonic() + 30
    while True:   # evaluation learns the deputy from the roster's events
        with e.engine.connect() as c:
            if c.execute(text("SELECT count(*) FROM evaluation_deputies WHERE id = :i"), {"i": d.id}).scalar_one():
                break
        assert time.monotonic() < deadline, "evaluation never learnt the deputy"
        time.sleep(0.1)
    e.call("AllocateBudgets", fpb.AllocateBudgetsRequest(region_code=COUNTY_B, year=YEAR), **CLERK)

    browser = Browser()
    try:
        drv = browser.driver
        drv.get(f"{portal.url}/signin?next=/desk/funding")
        drv.find_element(By.ID, "username").send_keys("funding.clerk")
        drv.find_element(By.ID, "password").send_keys("funding-Passw0rd-1")
        press(browser, "main form button[type=submit]")

        def township_row() -> list[str]:
            for row in drv.find_elements(By.CSS_SELECTOR, "#funding-table tbody tr"):
                cells = [c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]
                if cells[0] == "九运街镇":
                    return cells
            return []
        deadline = time.monotonic() + 30
        while township_row()[1:4] != ["1000.00", "0.00", "1000.00"]:   # the roll-up follows the events
            assert time.monotonic() < deadline, township_row()
            drv.get(f"{portal.url}/desk/funding")
        assert drv.find_element(By.TAG_NAME, "h1").text == f"阜康市{YEAR}年代表活动经费"
        check_page(browser, shots, "1-report")

        # A spending within the budget, typed in yuan.
        Select(drv.find_element(By.ID, "budget_id")).select_by_visible_text("古丽娜尔（结余 1000.00 元，共 1000.00 元）")
        drv.find_element(By.ID, "purpose").send_keys("走访选民交通费")
        drv.find_element(By.ID, "amount_yuan").send_keys("750.50")
        press(browser, "#record-spending")
        assert drv.find_element(By.ID, "spending-recorded").text == "支出已登记。"
        check_page(browser, shots, "2-recorded")
        # More than what remains: refused under the default standards, said in words.
        Select(drv.find_element(By.ID, "budget_id")).select_by_visible_text("古丽娜尔（结余 249.50 元，共 1000.00 元）")
        drv.find_element(By.ID, "purpose").send_keys("调研租车费")
        drv.find_element(By.ID, "amount_yuan").send_keys("300")
        press(browser, "#record-spending")
        assert "超出了预算结余" in drv.find_element(By.CSS_SELECTOR, ".errors").text
        check_page(browser, shots, "3-refused")
        deadline = time.monotonic() + 30
        while township_row()[1:4] != ["1000.00", "750.50", "249.50"]:
            assert time.monotonic() < deadline, township_row()
            drv.get(f"{portal.url}/desk/funding")
        # The region's own level (本级) has its row, so the rows add up to the total, column by column.
        table = [[c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]
                 for row in drv.find_elements(By.CSS_SELECTOR, "#funding-table tbody tr")]
        assert table[0][0] == "阜康市本级" and table[-1][0].startswith("阜康市")
        for column in range(1, 6):
            assert sum(Decimal(r[column]) for r in table[:-1]) == Decimal(table[-1][column]), table
        link = drv.find_element(By.ID, "funding-download").get_attribute("href")
        cookies = {c["name"]: c["value"] for c in drv.get_cookies()}
    finally:
        browser.close()

    # The download, as the browser would save it: the service's sheet, opened with openpyxl.
    with client(portal.url, cookies=cookies) as http:
        got = http.get(link)
        assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
        ws = openpyxl.load_workbook(io.BytesIO(got.content)).active
        rows = {r[1]: r for r in ws.iter_rows(values_only=True)}
        assert rows["九运街镇"][2:5] == (1000, 750.5, 249.5)
        # Without JavaScript the form posts the same; a forged post without the form's token writes nothing.
        page = http.get("/desk/funding")
        assert hidden(page.text, "csrf_token")
        refused = http.post("/desk/funding/spending", data={"budget_id": "x", "purpose": "x", "amount_yuan": "1"})
        assert refused.status_code == 403
        # A mistyped amount is refused, not read as another ("1,2,3" is not 123 元); one over a
        # trillion yuan is said to be too large. Nothing is recorded (the roll-up stays).
        for typed, said in (("1,2,3", "金额请填写数字，最多两位小数"), ("99999999999999999", "支出金额过大"),
                            ("99999999999999999999", "支出金额过大")):
            got = http.post("/desk/funding/spending", data={
                "csrf_token": hidden(page.text, "csrf_token"), "region": "", "year": str(YEAR), "budget_id": "x",
                "purpose": "走访", "amount_yuan": typed, "date": ""})
            assert got.status_code == 400 and said in got.text, typed
