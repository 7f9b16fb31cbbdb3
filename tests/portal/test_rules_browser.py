"""规则设置 in the workspace (headless Chromium), on a real portal in front of roster, identity,
evaluation and supervision on one bus: a county's clerk opens the rules from the workspace's
menu, sets a new version of the performance rules effective next year and sees this year still
scored under the defaults and next year under the new version; a value the service refuses
(1.005 points, a negative cap) is shown next to its input naming the field, and nothing is
written; a version for this year asks for confirmation first (it re-scores the year). Only the
office opens the pages: a deputy gets 403. Pages are checked with axe-core and saved under
var/test-output/screenshots/rules."""
from __future__ import annotations

import time

import grpc
import pytest
from kit.browser import Browser, output_dir
from kit.deputies import deputy_account
from kit.portal import PortalWorld, client, hidden, portal_in_front
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE
from lianxin.evaluation.v1 import funding_pb2 as fpb
from lianxin.evaluation.v1 import performance_pb2 as ppb
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.supervision.v1 import supervision_pb2 as spb
from selenium.webdriver.common.by import By
from test_deputy_browser import sign_in
from test_work_browser import check_page, press

from shared.clock import china_today

STAFF = {"role": "staff", "region": COUNTY_A}
YEAR = china_today().year


@pytest.fixture(scope="module")
def shots():
    return output_dir("screenshots", "rules")


class World(PortalWorld):
    def versions(self) -> list[ppb.PerformanceRules]:
        return list(self.evaluation.call("ListPerformanceRules", ppb.ListPerformanceRulesRequest(
            region_code=COUNTY_A), **STAFF).versions)


@pytest.fixture(scope="module")
def world(start_service, tmp_path_factory):
    services, portal = portal_in_front(start_service, tmp_path_factory, "roster", "identity", "evaluation",
                                       "supervision")
    yield World(services, portal)
    portal.close()


@pytest.fixture(scope="module")
def deputy(world):
    """A county deputy evaluation knows (from the roster's events), with a report to
    constituents (述职) recorded today: 10 points this year under the default rules."""
    w = world
    d = w.roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=COUNTY_A, name="阿依古丽", seats=[rpb.Seat(level=rpb.LEVEL_COUNTY, term="第十八届")],
        contact=rpb.Contact(phone="13977001234"))), role="staff", region=PREFECTURE)
    deadline = time.monotonic() + 30
    while True:
        try:
            w.evaluation.call("RecordConstituentReport", ppb.RecordConstituentReportRequest(
                deputy_id=d.id, held_on=china_today().isoformat(), title="向第3选区选民述职"), **STAFF)
            return d
        except grpc.RpcError as e:     # NOT_FOUND until evaluation has the roster's event
            assert e.code() == grpc.StatusCode.NOT_FOUND and time.monotonic() < deadline, e
            time.sleep(0.1)


@pytest.fixture(scope="module")
def desk(world):
    """The county's clerk (staff of 昌吉市), signed in once in one desktop browser."""
    pw = world.account("rules.clerk", ipb.ACCOUNT_ROLE_STAFF, COUNTY_A, name="周科员", password="rules-Passw0rd-clerk")
    browser = Browser(width=1280)
    try:
        sign_in(browser, world.url, "rules.clerk", pw)
        yield browser
    finally:
        browser.close()


def _fill(drv, field: str, value: str) -> None:
    box = drv.find_element(By.ID, field)
    box.clear()
    box.send_keys(value)


def _in_force(drv, year: int) -> str:
    return drv.find_element(By.CSS_SELECTOR, f"#in-force-{year} td").text


def test_the_clerk_sets_a_new_version_of_the_performance_rules(world, deputy, desk, shots):
    w = world
    drv = desk.driver
    drv.get(f"{w.url}/desk/performance")     # a workspace page: the menu links the rules
    drv.find_element(By.ID, "nav-rules").click()
    assert drv.find_element(By.TAG_NAME, "h1").text == "规则设置"
    check_page(desk, shots, "1-index")
    drv.find_element(By.ID, "tab-performance").click()
    region = drv.find_element(By.TAG_NAME, "h1").text.removesuffix("履职积分规则")
    assert _in_force(drv, YEAR) == _in_force(drv, YEAR + 1) == "默认细则"
    assert drv.find_element(By.ID, "no-versions").is_displayed()
    # The form starts from the version in force next year, effective next year.
    assert drv.find_element(By.ID, "effective_year").get_attribute("value") == str(YEAR + 1)
    assert drv.find_element(By.ID, "points_7").get_attribute("value") == "1.00"     # 走访选民
    assert drv.find_element(By.ID, "prefilled").text.startswith(
        f"表中已填入{YEAR + 1}年适用的细则（默认细则），只需修改要调整的项目。")
    assert "已公布的排名会显示为“公布后积分已有变化”" in drv.find_element(By.ID, "rescore-note").text
    check_page(desk, shots, "2-performance")

    # A value the service refuses: shown next to its input, naming the field; nothing written.
    _fill(drv, "points_7", "1.005")
    press(desk, "#save-rules")
    said = drv.find_element(By.ID, "err-points_7").text
    assert said == "“走访选民”的每次积分：最多保留两位小数。"
    assert drv.find_element(By.ID, "points_7").get_attribute("aria-invalid") == "true"
    assert said in drv.find_element(By.CSS_SELECTOR, ".errors").text
    check_page(desk, shots, "3-refused")
    _fill(drv, "points_7", "1.5")
    _fill(drv, "cap_7", "-3")
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "err-cap_7").text.startswith("“走访选民”的年度上限：应在 0 到 ")
    assert w.versions() == []

    # Next year's version: saved as version 1; this year still under the defaults.
    _fill(drv, "cap_7", "30")
    _fill(drv, "weight_4", "1.2")
    press(desk, "#save-rules")
    done = drv.find_element(By.ID, "done").text
    assert done.startswith(f"已保存第1版，自{YEAR + 1}年起生效") and f"{YEAR + 1}年以前的年度仍按原来的细则计分" in done
    assert _in_force(drv, YEAR) == "默认细则"
    assert _in_force(drv, YEAR + 1) == f"{region}第1版"
    row = [c.text for c in drv.find_elements(By.CSS_SELECTOR, "#versions tbody tr:first-child > *")]
    assert row[:3] == [f"{region}第1版", str(YEAR + 1), "rules.clerk"] and row[3]
    [v1] = w.versions()
    assert {e.kind: e.points for e in v1.points}[ppb.WORK_KIND_VISIT] == "1.50"
    assert {e.kind: e.points for e in v1.caps}[ppb.WORK_KIND_VISIT] == "30.00"    # the others as prefilled
    assert {e.level: e.weight for e in v1.weights} == {rpb.LEVEL_COUNTY: "1.20"}
    check_page(desk, shots, "4-saved")

    # The year's ranking published (the deputy's 述职: 10 points under the defaults) ...
    w.evaluation.call("PublishRanking", ppb.PublishRankingRequest(region_code=COUNTY_A, year=YEAR), **STAFF)
    # ... then this year typed into the form still filled from next year's version: the page
    # names both versions rather than giving next year's values to this year unseen.
    assert drv.find_element(By.ID, "points_7").get_attribute("value") == "1.50"
    _fill(drv, "effective_year", str(YEAR))
    press(desk, "#save-rules")
    said = drv.find_element(By.ID, "other-year").text
    assert f"这些数值取自{YEAR + 1}年适用的{region}第1版" in said and f"{YEAR}年现在适用的是默认细则" in said
    assert "重新计算" in drv.find_element(By.ID, "confirm").text     # both asked at once, one press answers
    assert len(w.versions()) == 1
    check_page(desk, shots, "5-other-year")
    drv.find_element(By.ID, "refill").click()          # filled again from this year's version
    assert drv.find_element(By.ID, "effective_year").get_attribute("value") == str(YEAR)
    assert drv.find_element(By.ID, "points_7").get_attribute("value") == "1.00"
    assert drv.find_element(By.ID, "prefilled").text.startswith(f"表中已填入{YEAR}年适用的细则（默认细则）")
    # A version for this year (already being scored) asks first, saying what it does.
    _fill(drv, "points_13", "12")
    _fill(drv, "weight_4", "1.2")
    press(desk, "#save-rules")
    assert "重新计算" in drv.find_element(By.ID, "confirm").text and len(w.versions()) == 1
    assert not drv.find_elements(By.ID, "other-year")
    check_page(desk, shots, "5-confirm")
    press(desk, "#save-rules")
    assert "已按第2版重新计算" in drv.find_element(By.ID, "done").text
    assert _in_force(drv, YEAR) == f"{region}第2版"
    assert _in_force(drv, YEAR + 1) == f"{region}第1版"     # the newest version effective that year
    # What the page said: the year re-scored, its published ranking marked changed.
    file = w.evaluation.call("GetPerformanceFile", ppb.GetPerformanceFileRequest(deputy_id=deputy.id, year=YEAR),
                             **STAFF)
    assert file.total == "14.40" and file.items[0].rule_version == 2     # 12 points x the county's weight 1.2
    v2 = w.versions()[0]     # newest first
    assert {e.kind: e.points for e in v2.points}[ppb.WORK_KIND_VISIT] == "1.00"    # not next year's 1.50
    # A year the service refuses is refused at once, not first asked about as a year already scored.
    _fill(drv, "effective_year", "1999")
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "err-effective_year").text == "自何年起生效：应是 2000 到 2100 之间的年份。"
    assert not drv.find_elements(By.ID, "confirm") and not drv.find_elements(By.ID, "other-year")
    assert len(w.versions()) == 2
    # ?year= fills the form from that year's version, and says which.
    drv.get(f"{w.url}/desk/rules/performance?year={YEAR + 1}")
    assert drv.find_element(By.ID, "points_7").get_attribute("value") == "1.50"
    assert drv.find_element(By.ID, "prefilled").text.startswith(f"表中已填入{YEAR + 1}年适用的细则（{region}第1版）")
    drv.get(f"{w.url}/desk/performance?region={COUNTY_A}&level=4&year={YEAR}")
    assert drv.find_element(By.ID, "ranking-changed").is_displayed()


def test_the_clerk_sets_funding_standards_satisfaction_and_item_rules(world, deputy, desk, shots):
    w = world
    drv = desk.driver
    # 经费标准: the seed's defaults until the county sets its own from this year.
    drv.get(f"{w.url}/desk/rules/funding")
    assert drv.find_element(By.ID, "in-force-county").text == "1600.00"
    assert drv.find_element(By.ID, "source").text == "本区划及上级区划都没有设置，使用默认值。"
    check_page(desk, shots, "6-funding")
    # A slip of extra zeros is refused naming the service's bound per deputy and year.
    _fill(drv, "prefecture_yuan", "5,000,000")
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "err-prefecture_yuan").text == \
        "州（市）人大代表每人每年活动经费（元）：应在 0 到 100000.00 元之间。"
    _fill(drv, "prefecture_yuan", "3300")
    _fill(drv, "county_yuan", "9999999999999999")      # beyond what any form reads: the same bound named
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "err-county_yuan").text.endswith("：应在 0 到 100000.00 元之间。")
    _fill(drv, "county_yuan", "1,8,00")                  # a mistyped amount is refused, not read as 1800
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "err-county_yuan").text.startswith("县（市、区）人大代表每人每年活动经费（元）：")
    _fill(drv, "county_yuan", "1,800.50")
    drv.find_element(By.ID, "overspend-flag").click()
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "done").text == "标准已保存。"
    assert drv.find_element(By.ID, "in-force-county").text == "1800.50"
    assert drv.find_element(By.ID, "in-force-overspend").text == "登记并标记为超支"
    assert drv.find_element(By.ID, "source").text == f"本区划自{YEAR}年起执行的标准。"
    got = w.evaluation.call("GetFundingStandards", fpb.GetFundingStandardsRequest(
        region_code=COUNTY_A, year=YEAR), **STAFF)
    assert (got.county_fen, got.prefecture_fen, got.overspend) == (180050, 330000, fpb.OVERSPEND_POLICY_FLAG)
    # The year's budgets drawn up under them: the county deputy's is the new county standard.
    press(desk, "#allocate")
    assert drv.find_element(By.ID, "allocated-done").text == "已编制 1 份预算（其中新增或调整 1 份），合计 1800.50 元。"

    # 满意度测评规则: a quorum below half is the service's to refuse, in its bounds.
    drv.find_element(By.ID, "tab-satisfaction").click()
    assert drv.find_element(By.ID, "source").text == "本区划及上级区划都没有设置，使用默认值。"
    check_page(desk, shots, "7-satisfaction")
    _fill(drv, "quorum_percent", "40")
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "err-quorum_percent").text.endswith("：应在 50 到 99 之间。")
    _fill(drv, "quorum_percent", "60")
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "done").is_displayed()
    assert drv.find_element(By.ID, "source").text == "以下是本区划自己的设置。"
    assert "60%" in drv.find_element(By.ID, "in-force").text

    # 议案建议规则 (supervision): never fewer signers than the law's ten at a county.
    drv.find_element(By.ID, "tab-items").click()
    assert drv.find_element(By.ID, "bill_signers_required").get_attribute("value") == "10"
    check_page(desk, shots, "8-items")
    _fill(drv, "bill_signers_required", "5")
    press(desk, "#save-rules")
    assert "应在 10（法律规定的最低人数）到" in drv.find_element(By.ID, "err-bill_signers_required").text
    _fill(drv, "bill_signers_required", "12")
    press(desk, "#save-rules")
    assert drv.find_element(By.ID, "source").text == "以下是本区划自己的设置。"
    assert w.supervision.call("GetItemRules", spb.GetItemRulesRequest(region_code=COUNTY_A),
                              **STAFF).bill_signers_required == 12

    # Without the browser: a region beside or above the clerk's is not theirs (403, said as on every
    # page with a region chooser); a post without the form's token writes nothing.
    with client(w.url, cookies={c["name"]: c["value"] for c in drv.get_cookies()}) as http:
        for tab in ("performance", "satisfaction", "funding", "items"):
            for region in (COUNTY_B, PREFECTURE):
                got = http.get(f"/desk/rules/{tab}?region={region}")
                assert got.status_code == 403 and "所选地区不在您的管辖范围内" in got.text, (tab, region)
        # A year that is no year is the service's to refuse, named (400), never read as another.
        for tab, bad in (("performance", "²"), ("performance", "1999"), ("funding", "20266")):
            got = http.get(f"/desk/rules/{tab}?year={bad}")
            assert got.status_code == 400 and "应是 2000 到 2100 之间的年份" in got.text, (tab, bad)
        assert http.post("/desk/rules/items", data={"bill_signers_required": "20", "handling_months": "3",
                                                    "rehandling_months": "1"}).status_code == 403
    assert w.supervision.call("GetItemRules", spb.GetItemRulesRequest(region_code=COUNTY_A),
                              **STAFF).bill_signers_required == 12


def test_only_the_office_opens_the_rules(world, deputy):
    w = world
    pw = deputy_account(w, "rules.deputy", deputy, "rules-Passw0rd-deputy")
    with client(w.url) as http:
        signin = http.get("/signin")
        http.post("/signin", data={"username": "rules.deputy", "password": pw,
                                   "csrf_token": hidden(signin.text, "csrf_token")})
        token = hidden(http.get("/desk/me/performance").text, "csrf_token")
        for path in ("/desk/rules", "/desk/rules/performance", "/desk/rules/satisfaction", "/desk/rules/funding",
                     "/desk/rules/items"):
            assert http.get(path).status_code == 403, path
        assert http.post("/desk/rules/performance", data={"csrf_token": token, "effective_year": str(YEAR + 2),
                                                          "points_7": "9"}).status_code == 403
    assert all(v.effective_year != YEAR + 2 for v in w.versions())
