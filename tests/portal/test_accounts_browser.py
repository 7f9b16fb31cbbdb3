"""Account management in a real browser (headless Chromium): a county's staff open the
accounts page from the workspace links, pick a deputy by name and open their account, see
its one-time password once, lock it with a reason, import a sheet with a bad row and see the
row error, and read the audit trail; on a phone too. Every page is checked with axe-core and
saved as a screenshot; the inbox's new filters are checked on the way."""
from __future__ import annotations

import io
import time
from pathlib import Path

import grpc
import openpyxl
import pytest
from kit.browser import Browser, output_dir, wait_replaced
from kit.settings import COUNTY_A, TOWNSHIP_A
from lianxin.identity.v1 import identity_pb2 as ipb
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from test_work_browser import check_page, press, sign_in


@pytest.fixture(scope="module")
def shots():
    folder = output_dir("screenshots", "accounts")
    print(f"\nscreenshots: {folder}")
    return folder


def test_staff_manage_accounts_in_the_browser(platform, shots, tmp_path: Path):
    deputy = platform.deputy(name="阿依古丽")
    password = platform.account("clerk.ab", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="严科员",
                                password="clerk-Passw0rd-ab")
    # Identity learns the roster's deputies from its events: wait until it has this one.
    deadline = time.monotonic() + 30
    while True:
        try:
            platform.identity.call("CreateAccount", ipb.CreateAccountRequest(account=ipb.Account(
                username="probe.ab", display_name="探针", role=ipb.ACCOUNT_ROLE_COMMITTEE, region_code=COUNTY_A,
                stands_for=deputy.id), one_time_password="Initial-pw-2026-x"), role="staff", region=COUNTY_A)
            break
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.NOT_FOUND and time.monotonic() < deadline, e
            time.sleep(0.2)
    browser = Browser(width=1024)
    try:
        drv = browser.driver
        sign_in(browser, platform.url, "clerk.ab", password)
        # The inbox's filters, with the venue of the deputy among the choices.
        drv.get(f"{platform.url}/desk/cases")
        venues = [o.text for o in Select(drv.find_element(By.ID, "venue")).options]
        assert any(v.startswith("宁边路街道代表联络站") for v in venues)
        Select(drv.find_element(By.ID, "deadline")).select_by_value("transfer_due7")
        press(browser, "form.filters button[type=submit]")
        assert "deadline=transfer_due7" in drv.current_url
        check_page(browser, shots, "1-inbox-filters")
        old = drv.find_element(By.TAG_NAME, "html")
        drv.find_element(By.ID, "nav-accounts").click()
        wait_replaced(drv, old)
        assert "clerk.ab" in drv.find_element(By.ID, "accounts").text
        check_page(browser, shots, "2-accounts")
        # Open a deputy's account: find the deputy by name, pick them, submit.
        drv.get(f"{platform.url}/desk/accounts/new")
        drv.find_element(By.ID, "deputy_name").send_keys("阿依古丽")
        press(browser, "#deputy-search button[type=submit]")
        check_page(browser, shots, "3-new-account")
        drv.find_element(By.ID, "username").send_keys("ayiguli")
        drv.find_element(By.ID, "display_name").send_keys("阿依古丽")
        Select(drv.find_element(By.ID, "role")).select_by_value("deputy")
        Select(drv.find_element(By.ID, "deputy_id")).select_by_value(deputy.id)
        press(browser, "#form-new button[type=submit]")
        assert drv.find_element(By.ID, "done").text == "账号已开设。"
        one_time = drv.find_element(By.ID, "one-time-password").text
        assert len(one_time) == 12
        assert drv.find_element(By.ID, "stands-for").text == f"阿依古丽（{deputy.id}）"
        check_page(browser, shots, "4-account-created")
        # A refresh shows the page again without the password and without sending the form again
        # (no "confirm form resubmission": the answer was a redirect).
        drv.refresh()
        assert not drv.find_elements(By.ID, "one-time-password")
        assert drv.find_element(By.ID, "done").text == "账号已开设。"
        # Lock it, with a reason.
        drv.find_element(By.ID, "lock-reason").send_keys("代表请假")
        press(browser, "#form-lock button[type=submit]")
        assert drv.find_element(By.ID, "account-status").text.startswith("已锁定")
        assert one_time not in drv.page_source
        check_page(browser, shots, "5-account-locked")
        # Import a sheet with one good and one bad row.
        book = openpyxl.Workbook()
        book.active.append(["用户名", "姓名", "角色", "区划代码", "代表或部门", "初始密码"])
        book.active.append(["town.ab", "窦科员", "工作人员", TOWNSHIP_A, "", ""])
        book.active.append(["town.ab2", "章科员", "门卫", TOWNSHIP_A, "", ""])
        sheet = tmp_path / "账号.xlsx"
        buf = io.BytesIO()
        book.save(buf)
        sheet.write_bytes(buf.getvalue())
        drv.get(f"{platform.url}/desk/accounts/import")
        check_page(browser, shots, "6-import-form")
        drv.find_element(By.ID, "file").send_keys(str(sheet))
        press(browser, "#form-import button[type=submit]")
        assert "新开设 1 个" in drv.find_element(By.ID, "import-counts").text
        assert "角色" in drv.find_element(By.ID, "row-errors").text
        assert "town.ab" in drv.find_element(By.ID, "created").text
        check_page(browser, shots, "7-import-result")
        drv.get(f"{platform.url}/desk/accounts/audit")
        assert "锁定账号" in drv.find_element(By.ID, "events").text
        check_page(browser, shots, "8-audit")
    finally:
        browser.close()
    phone = Browser(width=375)
    try:
        sign_in(phone, platform.url, "clerk.ab", password)
        phone.driver.get(f"{platform.url}/desk/accounts")
        check_page(phone, shots, "9-accounts-phone")
    finally:
        phone.close()
