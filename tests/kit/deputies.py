"""A deputy's account on the test platform (tests/portal/conftest.py): identity learns the
roster's deputies from their events, so the account is made once identity knows the deputy."""
from __future__ import annotations

import time

import grpc
from lianxin.identity.v1 import identity_pb2 as ipb

from kit.settings import COUNTY_A


def deputy_account(platform, username: str, deputy, password: str, seconds: float = 30) -> str:
    """A deputy account of COUNTY_A standing for ``deputy`` (a roster Deputy), its password
    ``password`` (returned)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return platform.account(username, ipb.ACCOUNT_ROLE_DEPUTY, COUNTY_A, stands_for=deputy.id,
                                    name=deputy.name, password=password)
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.NOT_FOUND and time.monotonic() < deadline, e
            time.sleep(0.2)
