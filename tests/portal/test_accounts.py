"""Account management at /desk/accounts over HTTP against the real identity, roster and
liaison services: a county's staff list their subtree's accounts, open accounts for their
townships and for their own deputies and departments (not for their own tier's staff: those
come from the prefecture), pick a deputy from the roster, import a sheet and see its row
errors in the page, reset a password (shown once), lock, unlock and disable, and read the
audit trail; an auditor only reads; another county's account is a 404; a deputy has no such
page; every form needs its CSRF token."""
from __future__ import annotations

import io
import re
import time

import grpc
import openpyxl
import pytest
from kit.portal import client, hidden, sign_in
from kit.settings import COUNTY_A, COUNTY_B, PREFECTURE, TOWNSHIP_A
from lianxin.identity.v1 import identity_pb2 as ipb

STAFF, DEPUTY, DEPARTMENT, AUDITOR = (ipb.ACCOUNT_ROLE_STAFF, ipb.ACCOUNT_ROLE_DEPUTY, ipb.ACCOUNT_ROLE_DEPARTMENT,
                                      ipb.ACCOUNT_ROLE_AUDITOR)



def one_time_shown(page: str) -> str:
    m = re.search(r'id="one-time-password">([^<]+)<', page)
    assert m, page[-2000:]
    return m.group(1)


def account_id(page: str) -> str:
    m = re.search(r'action="/desk/accounts/([0-9a-f-]{36})/reset"', page)
    assert m, page[-2000:]
    return m.group(1)


@pytest.fixture(scope="module")
def county_clerk(platform):
    """A county staff account (made by the prefecture's staff), signed in."""
    password = platform.account("clerk.acc", STAFF, COUNTY_A, name="孙科员", password="clerk-Passw0rd-acc")
    c = client(platform.url)
    sign_in(c, "clerk.acc", password)
    yield c
    c.close()


def create(c, **fields: str):
    """The new-account form posted; a success is followed (303) to the account's page."""
    form = c.get("/desk/accounts/new")
    assert form.status_code == 200, form.text[-1500:]
    r = c.post("/desk/accounts/new", data={"csrf_token": hidden(form.text, "csrf_token"),
                                           "request_id": hidden(form.text, "request_id"), "region_code": COUNTY_A}
               | fields)
    if r.status_code == 303:
        assert "one-time-password" not in r.text
        r = c.get(r.headers["location"])
    return r


def test_the_list_shows_the_subtree_only(platform, county_clerk):
    platform.account("other.acc", STAFF, COUNTY_B, name="周科员")
    platform.account("town.list", STAFF, TOWNSHIP_A, name="吴科员")
    page = county_clerk.get("/desk/accounts")
    assert page.status_code == 200, page.text[-1500:]
    assert "账号管理" in page.text and "clerk.acc" in page.text and "town.list" in page.text
    assert "other.acc" not in page.text
    only_town = county_clerk.get(f"/desk/accounts?region={TOWNSHIP_A}")
    assert "town.list" in only_town.text and "clerk.acc" not in only_town.text
    # A region outside the county is refused with a sentence, not a listing.
    outside = county_clerk.get(f"/desk/accounts?region={COUNTY_B}")
    assert outside.status_code == 400 and "管辖范围" in outside.text


def test_a_county_opens_a_township_staff_account_and_its_one_time_password_signs_in_once(platform, county_clerk):
    r = create(county_clerk, username="town.staff", display_name="郑科员", role="staff", region_code=TOWNSHIP_A)
    assert r.status_code == 200, r.text[-1500:]
    assert "账号已开设" in r.text and "人大工作人员" in r.text and TOWNSHIP_A in r.text
    one_time = one_time_shown(r.text)
    assert len(one_time) == 12 and r.headers["cache-control"] == "no-store"
    # Shown once (Post/Redirect/Get, the password held in the session): a refresh of the page the
    # form led to, or the account's page opened again, neither repeats it nor sends the form again.
    assert r.url.path == f"/desk/accounts/{account_id(r.text)}" and "done=created" in str(r.url)
    refreshed = county_clerk.get(str(r.url))
    assert refreshed.status_code == 200 and one_time not in refreshed.text and "账号已开设" in refreshed.text
    again = county_clerk.get(f"/desk/accounts/{account_id(r.text)}")
    assert again.status_code == 200 and one_time not in again.text and "待修改初始密码" in again.text
    with client(platform.url) as holder:
        form = holder.get("/signin")
        first = holder.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"), "username": "town.staff",
                                             "password": one_time})
        assert first.status_code == 200 and "首次登录须把初始密码改为您自己的密码" in first.text


def test_the_own_tier_staff_come_from_above_but_its_departments_and_deputies_from_here(platform, county_clerk):
    colleague = create(county_clerk, username="colleague.a", display_name="冯科员", role="staff")
    assert colleague.status_code == 403 and "由上级人大工作人员开设" in colleague.text
    auditor = create(county_clerk, username="auditor.a", display_name="陈审计", role="auditor")
    assert auditor.status_code == 403
    dept = create(county_clerk, username="water.acc", display_name="水务局", role="department", department="水务局")
    assert dept.status_code == 200 and "承办部门" in dept.text, dept.text[-1500:]
    # A department account names its department; a staff account names nothing.
    nameless = create(county_clerk, username="roads.acc", display_name="交通局", role="department")
    assert nameless.status_code == 400 and "部门账号须填写部门名称" in nameless.text
    # Bad input names the field in Chinese and keeps what was typed.
    bad = create(county_clerk, username="X", display_name="某人", role="department", department="交通局")
    assert bad.status_code == 400 and "用户名须为 3 到 50 位" in bad.text and 'value="某人"' in bad.text
    outside = create(county_clerk, username="b.dept", display_name="某局", role="department", department="某局",
                     region_code=COUNTY_B)
    assert outside.status_code in (400, 403) and "管辖范围" in outside.text


def test_the_deputy_picker_offers_the_rosters_deputies_and_makes_their_account(platform, county_clerk):
    deputy = platform.deputy(name="马玉兰")
    picker = county_clerk.get("/desk/accounts/new", params={"deputy_name": "马玉兰"})
    assert picker.status_code == 200
    assert f'<option value="{deputy.id}">马玉兰（{COUNTY_A}）</option>' in picker.text
    # The region is chosen by name from the user's subtree (a pre-filled text field made typing append).
    assert '<select id="region_code" name="region_code" required>' in picker.text
    assert re.search(rf'<option value="{COUNTY_A}" selected>[^<]*（{COUNTY_A}）</option>', picker.text)
    assert f'<option value="{TOWNSHIP_A}">' in picker.text and f'<option value="{COUNTY_B}"' not in picker.text
    # Identity learns the roster's deputies from its events: the account waits until it has.
    deadline = time.monotonic() + 30
    while True:
        r = create(county_clerk, username="ma.yulan", display_name="马玉兰", role="deputy", deputy_id=deputy.id)
        if r.status_code != 400 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200, r.text[-1500:]
    assert deputy.id in r.text and "人大代表" in r.text
    assert 'id="created-by">孙科员<' in r.text          # the opener by name, not by login
    # The list names the deputy an account stands for, not the roster's id.
    listed = county_clerk.get("/desk/accounts")
    row = re.search(r'<tr data-id="[^"]+"><td><a [^>]+>ma\.yulan</a>.*?</tr>', listed.text).group(0)
    assert deputy.id not in row and '<td class="text">马玉兰</td>' in row
    second = create(county_clerk, username="ma.yulan2", display_name="马玉兰", role="deputy", deputy_id=deputy.id)
    assert second.status_code == 409 and "这名代表已有同一角色的账号" in second.text


def test_reset_lock_unlock_disable_and_the_audit_trail(platform, county_clerk):
    password = platform.account("town.clerk2", STAFF, TOWNSHIP_A, name="褚科员", password="town-Passw0rd-two")
    listed = county_clerk.get(f"/desk/accounts?region={TOWNSHIP_A}&role={STAFF}")
    m = re.search(r'href="/desk/accounts/([0-9a-f-]{36})">town\.clerk2<', listed.text)
    assert m, listed.text[-2000:]
    aid = m.group(1)
    page = county_clerk.get(f"/desk/accounts/{aid}")
    token = hidden(page.text, "csrf_token")
    assert 'id="form-lock"' in page.text and 'id="form-unlock"' not in page.text
    # Without its token a form changes nothing.
    assert county_clerk.post(f"/desk/accounts/{aid}/lock", data={"reason": "x"}).status_code == 403
    no_reason = county_clerk.post(f"/desk/accounts/{aid}/lock", data={"csrf_token": token, "reason": ""})
    assert no_reason.status_code == 400 and "请填写理由" in no_reason.text
    locked = county_clerk.post(f"/desk/accounts/{aid}/lock", data={"csrf_token": token, "reason": "调离岗位"})
    assert locked.status_code == 303
    page = county_clerk.get(locked.headers["location"])
    assert "账号已锁定" in page.text and 'id="form-unlock"' in page.text
    assert re.search(r'id="account-status">已锁定', page.text)
    with client(platform.url) as holder:
        form = holder.get("/signin")
        refused = holder.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"),
                                               "username": "town.clerk2", "password": password})
        assert refused.status_code == 403 and "账号已被锁定" in refused.text
    twice = county_clerk.post(f"/desk/accounts/{aid}/lock", data={"csrf_token": token, "reason": "again"})
    assert twice.status_code == 409 and "账号状态已变化" in twice.text
    assert county_clerk.post(f"/desk/accounts/{aid}/unlock", data={"csrf_token": token}).status_code == 303
    reset = county_clerk.post(f"/desk/accounts/{aid}/reset", data={"csrf_token": token})
    assert reset.status_code == 303 and reset.headers["location"] == f"/desk/accounts/{aid}?done=reset"
    reset = county_clerk.get(reset.headers["location"])
    assert reset.status_code == 200 and "密码已重置" in reset.text
    one_time = one_time_shown(reset.text)
    assert one_time not in county_clerk.get(f"/desk/accounts/{aid}?done=reset").text
    with client(platform.url) as holder:
        form = holder.get("/signin")
        old = holder.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"),
                                           "username": "town.clerk2", "password": password})
        assert old.status_code == 401
        new = holder.post("/signin", data={"csrf_token": hidden(form.text, "csrf_token"),
                                           "username": "town.clerk2", "password": one_time})
        assert new.status_code == 200 and "首次登录" in new.text
    disabled = county_clerk.post(f"/desk/accounts/{aid}/disable", data={"csrf_token": token, "reason": "离职"})
    assert disabled.status_code == 303
    page = county_clerk.get(f"/desk/accounts/{aid}")
    assert "已停用" in page.text
    # The account's own trail: newest first, with who did it and why.
    trail = page.text[page.text.index('id="events"'):]
    kinds = re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td>", trail)
    # (the one-time password signs in, as 登录, though it leads to the password change first)
    assert kinds[:7] == ["停用账号", "登录", "登录失败", "重置密码", "解除锁定", "登录失败", "锁定账号"], kinds
    assert "孙科员" in trail and "调离岗位" in trail and "离职" in trail
    # The holder's own sign-in is theirs by name, not by login.
    signed_in = re.search(r"<tr><td>[^<]*</td><td>登录</td><td>.*?</tr>", trail).group(0)
    assert "褚科员" in signed_in and "account:town.clerk2" not in signed_in
    # identity's details in Chinese: the office's lock refused a sign-in, the old password was wrong.
    assert "账号已被锁定" in trail and "密码错误" in trail and "wrong password" not in trail
    # The region's trail, filtered by kind.
    audit = county_clerk.get("/desk/accounts/audit", params={"kind": "9"})
    assert audit.status_code == 200 and "town.clerk2" in audit.text and "离职" in audit.text
    assert "锁定账号</td>" not in audit.text


def test_an_import_shows_its_row_errors_and_the_one_time_passwords_once(platform, county_clerk):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["用户名", "姓名", "角色", "区划代码", "代表或部门", "初始密码"])
    sheet.append(["town.imp1", "蒋科员", "工作人员", TOWNSHIP_A, "", ""])
    sheet.append(["town.imp2", "沈科员", "厨师", TOWNSHIP_A, "", ""])
    sheet.append(["dept.imp", "住建局", "部门", "", "住建局", "Dept-Passw0rd-imp"])
    sheet.append(["<script>x</script>", "韩科员", "工作人员", TOWNSHIP_A, "", ""])
    buf = io.BytesIO()
    book.save(buf)
    content = buf.getvalue()
    form = county_clerk.get("/desk/accounts/import")
    token = hidden(form.text, "csrf_token")
    files = {"file": ("accounts.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    assert county_clerk.post("/desk/accounts/import", files=files).status_code == 403
    checked = county_clerk.post("/desk/accounts/import", data={"csrf_token": token, "dry_run": "1"}, files=files)
    assert checked.status_code == 200, checked.text[-1500:]
    assert "检查结果（未导入）" in checked.text and "新开设 2 个" in checked.text and "有误 2 行" in checked.text
    assert "town.imp1" not in county_clerk.get(f"/desk/accounts?region={TOWNSHIP_A}").text
    done = county_clerk.post("/desk/accounts/import", data={"csrf_token": token}, files=files)
    assert done.status_code == 200
    assert "新开设 2 个" in done.text and "有误 2 行" in done.text
    errors = done.text[done.text.index('id="row-errors"'):done.text.index("</table>", done.text.index('id="row-errors"'))]
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td>", errors)
    assert ("3", "角色") in rows and ("5", "用户名") in rows, rows
    assert "<script>x</script>" not in done.text
    created = done.text[done.text.index('id="created"'):]
    assert "town.imp1" in created and "dept.imp" in created
    # The generated password is shown; the one the sheet gave is not repeated.
    assert re.search(r'town\.imp1</a></td><td class="code">[A-Za-z2-9]{12}</td>', created)
    assert "Dept-Passw0rd-imp" not in done.text
    again = county_clerk.post("/desk/accounts/import", data={"csrf_token": token}, files=files)
    assert "新开设 0 个" in again.text and "已存在未变 2 个" in again.text
    junk = county_clerk.post("/desk/accounts/import", data={"csrf_token": token},
                             files={"file": ("accounts.xlsx", b"not a workbook", "application/octet-stream")})
    assert junk.status_code == 400 and "无法读取这个表格" in junk.text


def test_another_countys_account_is_not_found_and_an_auditor_only_reads(platform, county_clerk):
    listed = platform.identity.call("ListAccounts", ipb.ListAccountsRequest(region_code=COUNTY_B),
                                    role="staff", region=PREFECTURE)
    [theirs] = [a for a in listed.accounts if a.username == "other.acc"] or [None]
    if theirs is None:
        platform.account("other.acc", STAFF, COUNTY_B)
        listed = platform.identity.call("ListAccounts", ipb.ListAccountsRequest(region_code=COUNTY_B),
                                        role="staff", region=PREFECTURE)
        [theirs] = [a for a in listed.accounts if a.username == "other.acc"]
    assert county_clerk.get(f"/desk/accounts/{theirs.id}").status_code == 404
    token = hidden(county_clerk.get("/desk/accounts").text, "csrf_token")
    assert county_clerk.post(f"/desk/accounts/{theirs.id}/reset", data={"csrf_token": token}).status_code == 404
    password = platform.account("auditor.acc", AUDITOR, COUNTY_A, name="审计员", password="audit-Passw0rd-acc")
    with client(platform.url) as auditor:
        sign_in(auditor, "auditor.acc", password)
        page = auditor.get("/desk/accounts")
        assert page.status_code == 200 and "clerk.acc" in page.text and 'id="link-new"' not in page.text
        m = re.search(r'href="/desk/accounts/([0-9a-f-]{36})">clerk\.acc<', page.text)
        assert m
        one = auditor.get(f"/desk/accounts/{m.group(1)}")
        assert one.status_code == 200 and 'id="form-reset"' not in one.text
        token = hidden(one.text, "csrf_token")
        assert auditor.post(f"/desk/accounts/{m.group(1)}/reset", data={"csrf_token": token}).status_code == 403
        assert auditor.get("/desk/accounts/new").status_code == 403
        assert auditor.get("/desk/accounts/audit").status_code == 200


def test_a_deputy_or_department_has_no_account_pages(platform):
    password = platform.account("dept.noacc", DEPARTMENT, COUNTY_A, stands_for="某局", password="dept-Passw0rd-noacc")
    with client(platform.url) as c:
        sign_in(c, "dept.noacc", password)
        assert c.get("/desk/accounts").status_code == 403
        assert 'id="nav-accounts"' not in c.get("/desk/cases").text


def test_identity_itself_refuses_what_the_page_does_not_offer(platform):
    """The page's rule is identity's: a county's staff token cannot make its own tier's staff."""
    with pytest.raises(grpc.RpcError) as e:
        platform.identity.call("CreateAccount", ipb.CreateAccountRequest(account=ipb.Account(
            username="own.tier", display_name="某人", role=STAFF, region_code=COUNTY_A),
            one_time_password="Initial-pw-2026-x"), role="staff", region=COUNTY_A)
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_the_account_page_links_a_single_sign_on_subject(platform, county_clerk):
    made = create(county_clerk, username="sso.page", display_name="秦科员", role="department", department="水务局",
                  external_issuer="https://sso.cj.gov.cn", external_subject="cj-0001")
    assert made.status_code == 200, made.text[-1500:]
    assert 'id="external">cj-0001 @ https://sso.cj.gov.cn<' in made.text
    other = create(county_clerk, username="sso.page2", display_name="尤科员", role="department", department="交通局")
    aid = account_id(other.text)
    token = hidden(other.text, "csrf_token")
    taken = county_clerk.post(f"/desk/accounts/{aid}/link", data={
        "csrf_token": token, "external_issuer": "https://sso.cj.gov.cn", "external_subject": "cj-0001"})
    assert taken.status_code == 409 and "已关联到另一个账号" in taken.text
    half = county_clerk.post(f"/desk/accounts/{aid}/link", data={
        "csrf_token": token, "external_issuer": "https://sso.cj.gov.cn", "external_subject": ""})
    assert half.status_code == 400 and "单点登录用户标识须是" in half.text
    done = county_clerk.post(f"/desk/accounts/{aid}/link", data={
        "csrf_token": token, "external_issuer": "https://sso.cj.gov.cn", "external_subject": "cj-0002"})
    assert done.status_code == 303
    page = county_clerk.get(done.headers["location"])
    assert "单点登录关联已保存" in page.text and 'id="external">cj-0002 @ https://sso.cj.gov.cn<' in page.text
    assert "关联单点登录</td>" in page.text           # the account's trail has it
    assert "关联 https://sso.cj.gov.cn</td>" in page.text and "linked at" not in page.text
