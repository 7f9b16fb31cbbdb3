"""A deputy on a phone (headless Chromium, 375 px wide): signs in and lands on their workspace,
sees their accepted case and answers it (码上答); keeps their card and a voter household; then
records a visit while the phone is offline (Chrome's network emulation): the record waits in
the "待发送" list, also after the page is opened again without a network (the service worker's
copy), and once the phone is online it is sent, and written exactly once (liaison's own
listing says so). Without JavaScript the same form posts as a plain form. Every page is checked
with axe-core and saved as a screenshot under var/test-output/screenshots/deputy."""
from __future__ import annotations

import json
import time

import pytest
from kit.browser import Browser, output_dir, wait_replaced
from kit.deputies import deputy_account
from kit.portal import client, opinion_form, tracking_code
from kit.settings import COUNTY_A, PREFECTURE
from lianxin.common.v1 import common_pb2
from lianxin.liaison.v1 import liaison_pb2 as lpb
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_work_browser import check_page, press

OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
CACHE = "lianxin-deputy-v1"


@pytest.fixture(scope="module")
def shots():
    folder = output_dir("screenshots", "deputy")
    print(f"\nscreenshots: {folder}")
    return folder


def activities(platform, deputy_id: str, title: str) -> list[lpb.Activity]:
    listed = platform.liaison.call("ListActivities", lpb.ListActivitiesRequest(
        region_code=COUNTY_A, page=common_pb2.PageRequest(page_size=500)), role="staff", region=PREFECTURE)
    return [a for a in listed.activities if deputy_id in a.deputy_ids and a.title == title]


def sign_in(browser: Browser, url: str, username: str, password: str) -> None:
    drv = browser.driver
    drv.get(f"{url}/signin")
    drv.find_element(By.ID, "username").send_keys(username)
    drv.find_element(By.ID, "password").send_keys(password)
    press(browser, "main form button[type=submit]")


def served(platform, route: str) -> int:
    """How many times the portal has answered GET ``route`` (its request log)."""
    lines = platform.portal.log_path.read_text(encoding="utf-8").splitlines()
    return sum(1 for x in lines if '"event": "page"' in x and f'"route": "{route}"' in x and '"method": "GET"' in x)


def offline(drv, on: bool, sessions: dict[str, str]) -> None:
    """The page's network, and the service worker's, off or on. The worker is a target of its
    own, which the page's emulation does not reach: attached once (``sessions``: target id ->
    session id), as DevTools' "Offline" in its Application panel does; the same session turns
    it on again (conditions are per session)."""
    conditions = OFFLINE if on else ONLINE
    drv.execute_cdp_cmd("Network.enable", {})
    drv.execute_cdp_cmd("Network.emulateNetworkConditions", conditions)
    for t in drv.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]:
        if t["type"] != "service_worker":
            continue
        if t["targetId"] not in sessions:
            sessions[t["targetId"]] = drv.execute_cdp_cmd("Target.attachToTarget", {
                "targetId": t["targetId"], "flatten": False})["sessionId"]
        for method, params in (("Network.enable", {}), ("Network.emulateNetworkConditions", conditions)):
            drv.execute_cdp_cmd("Target.sendMessageToTarget", {"sessionId": sessions[t["targetId"]], "message": json.dumps(
                {"id": int(time.monotonic() * 1000), "method": method, "params": params})})
    assert sessions, "no service worker to take offline"


def kept_page(drv) -> str:
    """The service worker's copy of the record page ("" when there is none)."""
    return drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"caches.open('{CACHE}').then(c => c.match('/desk/me/record')).then(r => r ? r.text() : '').then(done)")


def stored(drv, key: str) -> list:
    return drv.execute_script(f"return JSON.parse(localStorage.getItem('{key}') || '[]')")


def test_a_deputy_answers_a_case_and_records_a_visit_offline(platform, shots):
    deputy = platform.deputy(name="努尔古丽")
    password = deputy_account(platform, "deputy.phone", deputy, "deputy-Passw0rd-phone")
    with client(platform.url) as citizen:
        card = citizen.get(f"/card/{deputy.card_code}")
        code = tracking_code(citizen.post(f"/card/{deputy.card_code}", data=opinion_form(
            card.text, category="社区治理", text="小区门口的路灯坏了<b>两周</b>")).text)
    case = platform.case(code)
    platform.liaison.call("AcceptOpinion", lpb.AcceptOpinionRequest(id=case.id), role="staff", region=COUNTY_A)

    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, platform.url, "deputy.phone", password)
        assert drv.current_url == f"{platform.url}/desk/me"
        assert code in drv.find_element(By.ID, "waiting-cases").text
        # The record page is kept for offline use from the first page after signing in.
        WebDriverWait(drv, 30).until(lambda d: f'data-deputy="{deputy.id}"' in kept_page(d))
        check_page(phone, shots, "1-home")
        # 码上答 on the phone.
        link = drv.find_element(By.LINK_TEXT, code)
        old = drv.find_element(By.TAG_NAME, "html")
        link.click()
        wait_replaced(drv, old)
        assert drv.find_element(By.ID, "case-text").text == "小区门口的路灯坏了<b>两周</b>"
        check_page(phone, shots, "2-case-accepted")
        drv.find_element(By.ID, "answer-answer").send_keys("已联系物业，本周内修好。")
        press(phone, "#form-answer button[type=submit]")
        assert drv.find_element(By.ID, "case-status").text == "代表已答复"
        check_page(phone, shots, "3-case-answered")

        # My card and a voter household.
        drv.get(f"{platform.url}/desk/me/card")
        assert drv.find_element(By.ID, "public-card").text.replace("\n", "") == f"{platform.url}/card/{deputy.card_code}"
        # The long address wraps inside the card's box (its padding kept), not past it.
        assert drv.execute_script(
            "const a = document.getElementById('public-card'), box = a.closest('section');"
            "return a.getBoundingClientRect().right <= box.getBoundingClientRect().right"
            " - parseFloat(getComputedStyle(box).paddingRight) + 0.5"), "the card's address runs past its box"
        assert drv.execute_script("return document.getElementById('qr').naturalWidth") > 0
        check_page(phone, shots, "4-card")
        drv.find_element(By.ID, "show_phone").click()
        press(phone, "#card-form button[type=submit]")
        assert drv.find_element(By.ID, "done").text == "名片设置已保存。"
        drv.get(f"{platform.url}/desk/me/households")
        drv.find_element(By.ID, "household_head").send_keys("马大爷")
        drv.find_element(By.ID, "address").send_keys("三工镇下营村5组")
        press(phone, "#household-form button[type=submit]")
        assert "马大爷" in drv.find_element(By.ID, "households").text
        check_page(phone, shots, "5-households")

        # The record page, online: the service worker takes it and keeps a copy.
        drv.get(f"{platform.url}/desk/me/record")
        assert drv.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.serviceWorker.ready.then(r => done(r.scope))") == f"{platform.url}/desk/me/"
        assert f'data-deputy="{deputy.id}"' in kept_page(drv)
        assert drv.find_element(By.ID, "outbox").is_displayed()
        check_page(phone, shots, "6-record")

        # Offline: the record waits on the phone.
        workers: dict[str, str] = {}
        offline(drv, True, workers)
        title = '离线走访<img src=x onerror="window.pwned=1">下营村'   # hostile text stays text, in the queue too
        drv.find_element(By.ID, "title").send_keys(title)
        drv.find_element(By.ID, "people_reached").send_keys("5")
        drv.find_element(By.ID, "notes").send_keys("了解到灌溉渠堵塞")
        drv.find_element(By.ID, "record-submit").click()
        WebDriverWait(drv, 15).until(lambda d: title in d.find_element(By.ID, "waiting").text)
        status = drv.find_element(By.ID, "outbox-status").text
        assert "记录已保存在本机" in status, status
        [queued] = stored(drv, "lianxin.deputy.queue.v1")
        assert queued["fields"]["title"] == title and len(queued["id"]) == 36
        assert drv.find_element(By.ID, "title").get_attribute("value") == ""   # ready for the next one
        assert drv.execute_script("return document.querySelector('input[name=request_id]').value") != queued["id"]
        check_page(phone, shots, "7-record-waiting-offline")
        time.sleep(1)
        assert activities(platform, deputy.id, title) == []
        # Opened again without a network: the page (the service worker's copy), and the record still waiting.
        pages = served(platform, "/desk/me/record")
        assert pages >= 1, "the portal's request log is not read as expected"
        drv.refresh()
        WebDriverWait(drv, 15).until(lambda d: title in d.find_element(By.ID, "waiting").text)
        assert [r["id"] for r in stored(drv, "lianxin.deputy.queue.v1")] == [queued["id"]]
        assert served(platform, "/desk/me/record") == pages, "the page came from the network"
        assert activities(platform, deputy.id, title) == []

        # Online again: sent, once.
        offline(drv, False, workers)
        WebDriverWait(drv, 60).until(lambda d: title in d.find_element(By.ID, "sent-here").text)
        assert "没有待发送的记录" in drv.find_element(By.ID, "waiting").text
        assert stored(drv, "lianxin.deputy.queue.v1") == []
        [sent] = activities(platform, deputy.id, title)
        assert sent.people_reached == 5 and sent.notes == "了解到灌溉渠堵塞" and list(sent.deputy_ids) == [deputy.id]
        assert stored(drv, "lianxin.deputy.sent.v1")[0]["activity_id"] == sent.id
        check_page(phone, shots, "8-record-sent")
        # The page opened again sends nothing more; its own listing shows the record.
        drv.refresh()
        WebDriverWait(drv, 15).until(lambda d: title in d.find_element(By.ID, "records").text)
        time.sleep(1)
        assert len(activities(platform, deputy.id, title)) == 1
        assert drv.execute_script("return window.pwned === undefined")
    finally:
        phone.close()


def test_without_javascript_the_record_form_posts(platform, shots):
    deputy = platform.deputy(name="古丽巴哈尔")
    password = deputy_account(platform, "deputy.nojs", deputy, "deputy-Passw0rd-nojs")
    phone = Browser(width=375, javascript=False)
    try:
        drv = phone.driver
        sign_in(phone, platform.url, "deputy.nojs", password)
        drv.get(f"{platform.url}/desk/me/record")
        assert not drv.find_element(By.ID, "outbox").is_displayed()    # the queue needs the script
        drv.find_element(By.ID, "title").send_keys("入户走访")
        drv.find_element(By.ID, "people_reached").send_keys("3")
        press(phone, "#record-submit")
        assert "已记录：入户走访" in drv.find_element(By.ID, "sent").text
        assert "入户走访" in drv.find_element(By.ID, "records").text
        phone.screenshot(shots, "9-record-without-javascript")
    finally:
        phone.close()
    assert len(activities(platform, deputy.id, "入户走访")) == 1


def test_a_record_queued_when_the_session_has_ended_waits_for_its_deputys_next_sign_in(platform, shots):
    deputy, colleague = platform.deputy(name="哈力木"), platform.deputy(name="周建华")
    password = deputy_account(platform, "deputy.expired", deputy, "deputy-Passw0rd-expired")
    colleague_pw = deputy_account(platform, "deputy.colleague", colleague, "deputy-Passw0rd-colleague")
    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, platform.url, "deputy.expired", password)
        drv.get(f"{platform.url}/desk/me/record")
        drv.execute_async_script("const done = arguments[arguments.length - 1];"
                                 "navigator.serviceWorker.ready.then(() => done(true))")
        workers: dict[str, str] = {}
        offline(drv, True, workers)
        title = "接待前走访"
        drv.find_element(By.ID, "title").send_keys(title)
        drv.find_element(By.ID, "record-submit").click()
        WebDriverWait(drv, 15).until(lambda d: title in d.find_element(By.ID, "waiting").text)
        # Meanwhile the session ends and the CSRF cookie the page was made with is gone.
        drv.delete_cookie("lx_session")
        drv.delete_cookie("lx_csrf")
        offline(drv, False, workers)
        WebDriverWait(drv, 60).until(lambda d: d.find_element(By.ID, "outbox-signin").is_displayed())
        assert "请重新登录" in drv.find_element(By.ID, "outbox-status").text
        assert title in drv.find_element(By.ID, "waiting").text and len(stored(drv, "lianxin.deputy.queue.v1")) == 1
        check_page(phone, shots, "10-record-waiting-signed-out")
        assert activities(platform, deputy.id, title) == []
        # Another deputy signs in on this phone (the page's own link): the record is not theirs
        # to send, nor to read; it stays.
        press(phone, "#outbox-signin a")
        assert "/signin?next=%2Fdesk%2Fme%2Frecord" in drv.current_url
        drv.find_element(By.ID, "username").send_keys("deputy.colleague")
        drv.find_element(By.ID, "password").send_keys(colleague_pw)
        press(phone, "main form button[type=submit]")
        assert drv.current_url == f"{platform.url}/desk/me/record"
        WebDriverWait(drv, 15).until(lambda d: "本机另有 1 条其他代表账号保存的记录" in d.find_element(By.ID, "waiting").text)
        time.sleep(2)
        assert title not in drv.find_element(By.ID, "waiting").text
        assert len(stored(drv, "lianxin.deputy.queue.v1")) == 1 and activities(platform, deputy.id, title) == []
        assert activities(platform, colleague.id, title) == []
        check_page(phone, shots, "11-record-another-deputys-waiting")
        WebDriverWait(drv, 30).until(lambda d: f'data-deputy="{colleague.id}"' in kept_page(d))
        press(phone, "#signout")
        # Its own deputy signs in again: the kept page is theirs again, and the record goes.
        sign_in(phone, platform.url, "deputy.expired", password)
        WebDriverWait(drv, 30).until(lambda d: f'data-deputy="{deputy.id}"' in kept_page(d))
        drv.get(f"{platform.url}/desk/me/record")
        WebDriverWait(drv, 60).until(lambda d: title in d.find_element(By.ID, "sent-here").text)
        assert stored(drv, "lianxin.deputy.queue.v1") == []
    finally:
        phone.close()
    assert len(activities(platform, deputy.id, title)) == 1


def test_a_record_liaison_refuses_stays_with_the_reason_until_corrected_or_deleted(platform, shots):
    deputy = platform.deputy(name="王建国")
    password = deputy_account(platform, "deputy.refused", deputy, "deputy-Passw0rd-refused")
    phone = Browser(width=375)
    try:
        drv = phone.driver
        sign_in(phone, platform.url, "deputy.refused", password)
        drv.get(f"{platform.url}/desk/me/record")
        # A reception needs its venue: the form lets it through, liaison does not.
        drv.find_element(By.CSS_SELECTOR, "input[name=kind][value='2']").click()
        drv.find_element(By.ID, "title").send_keys("没选站点的接待")
        drv.find_element(By.ID, "record-submit").click()
        WebDriverWait(drv, 30).until(lambda d: "未能发送" in d.find_element(By.ID, "waiting").text)
        item = drv.find_element(By.CSS_SELECTOR, "#waiting li.refused")
        assert "没选站点的接待" in item.text and "接待选民时请选择代表之家或联络站" in item.text
        check_page(phone, shots, "12-record-refused")
        # Corrected: back in the form (a new request_id), the venue chosen, sent.
        [queued] = stored(drv, "lianxin.deputy.queue.v1")
        item.find_element(By.XPATH, ".//button[text()='修改后重新发送']").click()
        assert drv.find_element(By.ID, "title").get_attribute("value") == "没选站点的接待"
        assert drv.find_element(By.CSS_SELECTOR, "input[name=kind][value='2']").is_selected()
        assert drv.execute_script("return document.querySelector('input[name=request_id]').value") != queued["id"]
        assert stored(drv, "lianxin.deputy.queue.v1") == []
        Select(drv.find_element(By.ID, "venue_id")).select_by_index(1)
        drv.find_element(By.ID, "record-submit").click()
        WebDriverWait(drv, 30).until(lambda d: "没选站点的接待" in d.find_element(By.ID, "sent-here").text)
        # Another refused one, deleted.
        drv.find_element(By.CSS_SELECTOR, "input[name=kind][value='2']").click()
        drv.find_element(By.ID, "title").send_keys("不要了")
        drv.find_element(By.ID, "record-submit").click()
        WebDriverWait(drv, 30).until(lambda d: "未能发送" in d.find_element(By.ID, "waiting").text)
        drv.find_element(By.XPATH, "//ul[@id='waiting']//button[text()='删除这条记录']").click()
        WebDriverWait(drv, 10).until(lambda d: "没有待发送的记录" in d.find_element(By.ID, "waiting").text)
        assert stored(drv, "lianxin.deputy.queue.v1") == []
    finally:
        phone.close()
    [held] = activities(platform, deputy.id, "没选站点的接待")
    assert held.kind == lpb.ACTIVITY_KIND_RECEPTION and held.venue_id
    assert activities(platform, deputy.id, "不要了") == []
