"""The identity demo for `make run`: a signing key (service.key_folder makes one at start in
development), a staff account of the home region, and, once roster and identity serve, a deputy
account for the demo roster's first deputy and a department officer's account for the lead
department of supervision's demo project (州住建局, subject ``dept-housing``: it reports that
project's progress in the portal), so the portal can be signed in to at once as any of them.
Their passwords are fixed and printed: a development convenience, never a deployment's."""
from __future__ import annotations

import time
from collections.abc import Mapping

import grpc
from lianxin.identity.v1 import identity_pb2 as ipb
from lianxin.identity.v1 import identity_pb2_grpc
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.roster.v1 import roster_pb2_grpc

from services.identity.bootstrap import bootstrap
from services.identity.settings import IdentitySettings
from shared.auth import issue_token
from shared.config import Settings

DEMO_USERNAME = "demo-staff"
DEMO_PASSWORD = "lianxin-demo-2026"
DEMO_DEPUTY_USERNAME = "demo-deputy"
DEMO_DEPUTY_PASSWORD = "lianxin-deputy-2026"
DEMO_DEPARTMENT_USERNAME = "demo-department"
DEMO_DEPARTMENT_PASSWORD = "lianxin-dept-2026"
# supervision's demo project's lead department (services/supervision/demo.py LEAD): the
# department an account stands for is its token subject.
DEMO_DEPARTMENT = "dept-housing"


def seed(settings: Settings) -> str:
    assert isinstance(settings, IdentitySettings)
    row = bootstrap(settings, DEMO_USERNAME, "演示工作人员", DEMO_PASSWORD, must_change=False)
    if row is None:
        return f"identity demo: accounts already there (sign in as {DEMO_USERNAME} / {DEMO_PASSWORD} if unchanged)"
    return f"identity demo: staff account {DEMO_USERNAME} of {row.region_code}, password {DEMO_PASSWORD}"


def deputy_account(settings: Settings, ports: Mapping[str, int], timeout: float = 60.0) -> str:
    """The launcher's hook once roster and identity serve: an account ``demo-deputy`` for the
    first deputy the roster lists (as the demo office's staff would open it through the API),
    its one-time password changed to DEMO_DEPUTY_PASSWORD. Identity learns the roster's
    deputies from their events, a moment after they are written: until then CreateAccount is
    NOT_FOUND and is tried again. An account already there is left alone."""
    token = issue_token(settings.jwt_secret, subject="demo-office", role="staff", region=settings.home_region)
    md = (("authorization", f"Bearer {token}"),)
    with grpc.insecure_channel(f"127.0.0.1:{ports['roster']}") as rc, \
            grpc.insecure_channel(f"127.0.0.1:{ports['identity']}") as ic:
        roster, identity = roster_pb2_grpc.RosterServiceStub(rc), identity_pb2_grpc.IdentityServiceStub(ic)
        listed = roster.ListDeputies(rpb.ListDeputiesRequest(page={"page_size": 1}), metadata=md, timeout=10)
        if not listed.deputies:
            return "identity demo: no deputy in the roster, so no deputy account"
        deputy = listed.deputies[0]
        one_time = "demo-one-time-2026"
        deadline = time.monotonic() + timeout
        while True:
            try:
                identity.CreateAccount(ipb.CreateAccountRequest(account=ipb.Account(
                    username=DEMO_DEPUTY_USERNAME, display_name=deputy.name, role=ipb.ACCOUNT_ROLE_DEPUTY,
                    region_code=deputy.region_code, stands_for=deputy.id), one_time_password=one_time),
                    metadata=md, timeout=10)
                break
            except grpc.RpcError as e:
                if e.code() == grpc.StatusCode.ALREADY_EXISTS:
                    return (f"identity demo: deputy account {DEMO_DEPUTY_USERNAME} already there "
                            f"(password {DEMO_DEPUTY_PASSWORD} if unchanged)")
                if e.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        identity.ChangePassword(ipb.ChangePasswordRequest(username=DEMO_DEPUTY_USERNAME, current_password=one_time,
                                                          new_password=DEMO_DEPUTY_PASSWORD), timeout=10)
    return (f"identity demo: deputy account {DEMO_DEPUTY_USERNAME} for {deputy.name} ({deputy.region_code}), "
            f"password {DEMO_DEPUTY_PASSWORD}")


def department_account(settings: Settings, ports: Mapping[str, int]) -> str:
    """An account ``demo-department`` for the home region's 州住建局 (``dept-housing``, the
    lead department of supervision's demo project), opened as the demo office's staff would,
    its one-time password changed to DEMO_DEPARTMENT_PASSWORD. Left alone when already there."""
    token = issue_token(settings.jwt_secret, subject="demo-office", role="staff", region=settings.home_region)
    md = (("authorization", f"Bearer {token}"),)
    one_time = "demo-one-time-2026"
    with grpc.insecure_channel(f"127.0.0.1:{ports['identity']}") as ic:
        identity = identity_pb2_grpc.IdentityServiceStub(ic)
        try:
            identity.CreateAccount(ipb.CreateAccountRequest(account=ipb.Account(
                username=DEMO_DEPARTMENT_USERNAME, display_name="州住建局", role=ipb.ACCOUNT_ROLE_DEPARTMENT,
                region_code=settings.home_region, stands_for=DEMO_DEPARTMENT), one_time_password=one_time),
                metadata=md, timeout=10)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
            return (f"identity demo: department account {DEMO_DEPARTMENT_USERNAME} already there "
                    f"(password {DEMO_DEPARTMENT_PASSWORD} if unchanged)")
        identity.ChangePassword(ipb.ChangePasswordRequest(
            username=DEMO_DEPARTMENT_USERNAME, current_password=one_time, new_password=DEMO_DEPARTMENT_PASSWORD),
            timeout=10)
    return (f"identity demo: department account {DEMO_DEPARTMENT_USERNAME} for {DEMO_DEPARTMENT} "
            f"({settings.home_region}), password {DEMO_DEPARTMENT_PASSWORD}")


def accounts(settings: Settings, ports: Mapping[str, int]) -> str:
    """The launcher's hook once roster and identity serve: the deputy's and the department's
    demo accounts, one line each."""
    return deputy_account(settings, ports) + "\n" + department_account(settings, ports)
