"""Public calls are limited per client address (generous: a village behind one NAT shares
it), per device (stricter) and per card; a forwarded client address and device are believed
only from the portal's own token (trusted_forwarders), never from an anonymous caller."""
from __future__ import annotations

import grpc
import pytest
from liaison_support import COUNTY_A, LiaisonServer
from lianxin.liaison.v1 import liaison_pb2 as pb

from services.liaison.service import definition
from shared.auth import issue_token
from shared.service import start

ADDRESS_BURST, DEVICE_BURST = 50, 3
PORTAL = "web-portal"
RE = grpc.StatusCode.RESOURCE_EXHAUSTED


@pytest.fixture
def limited(fresh_database, tmp_path, settings_for):
    url = fresh_database()
    settings = settings_for("liaison", url, tmp_path / "bus.sqlite", **{
        "LIANXIN_PUBLIC_RATE_PER_MINUTE": "1", "LIANXIN_PUBLIC_BURST": str(ADDRESS_BURST),
        "LIANXIN_PUBLIC_DEVICE_RATE_PER_MINUTE": "1", "LIANXIN_PUBLIC_DEVICE_BURST": str(DEVICE_BURST),
        "LIANXIN_PUBLIC_SUBMISSIONS_PER_CARD_PER_HOUR": "1000", "LIANXIN_TRUSTED_FORWARDERS": PORTAL})
    server = LiaisonServer(start(definition(), settings), settings, url)
    yield server
    server.close()


def submit(server, deputy, metadata=()):
    req = pb.SubmitPublicOpinionRequest(card_code=deputy.card_code, category="道路交通", text="路灯坏了")
    return server.stub.SubmitPublicOpinion(req, metadata=tuple(metadata), timeout=30)


def track(server, metadata=()):
    return server.stub.TrackOpinion(pb.TrackOpinionRequest(tracking_code="AAAAAAAAAAAA"), metadata=tuple(metadata),
                                    timeout=30)


def code_of(call) -> grpc.StatusCode:
    try:
        call()
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def portal(server, address: str, device: str = ""):
    token = issue_token(server.settings.jwt_secret, subject=PORTAL, role="system", region="652300")
    md = [("authorization", f"Bearer {token}"), ("x-lianxin-client-address", address)]
    return md + ([("x-lianxin-device", device)] if device else [])


def test_twenty_devices_behind_one_address_each_submit(limited):
    dep = limited.add_deputy(COUNTY_A)
    for n in range(20):
        for _ in range(2):
            assert submit(limited, dep, [("x-lianxin-device", f"phone-{n}")]).tracking_code


def test_one_device_hammering_is_limited_and_its_neighbours_are_not(limited):
    dep = limited.add_deputy(COUNTY_A)
    results = [code_of(lambda: submit(limited, dep, [("x-lianxin-device", "hammer")])) for _ in range(DEVICE_BURST + 2)]
    assert results == [grpc.StatusCode.OK] * DEVICE_BURST + [RE] * 2
    with limited.expect_no_writes():
        with pytest.raises(grpc.RpcError) as e:
            submit(limited, dep, [("x-lianxin-device", "hammer")])
    assert e.value.code() == RE and "device" in e.value.details()
    assert submit(limited, dep, [("x-lianxin-device", "neighbour")]).tracking_code


def test_an_anonymous_caller_cannot_spoof_its_address_or_escape_by_new_device_ids(limited):
    codes = [code_of(lambda n=n: track(limited, [("x-lianxin-client-address", f"198.51.100.{n % 250}"),
                                                  ("x-lianxin-device", f"fake-{n}")]))
             for n in range(ADDRESS_BURST + 5)]
    assert codes[:ADDRESS_BURST] == [grpc.StatusCode.NOT_FOUND] * ADDRESS_BURST
    assert set(codes[ADDRESS_BURST:]) == {RE}
    try:
        track(limited, [("x-lianxin-client-address", "203.0.113.99")])
    except grpc.RpcError as e:
        assert e.code() == RE and "address" in e.details()


def test_the_trusted_forwarders_forwarded_address_is_the_one_limited(limited):
    # the local address is used up by anonymous calls ...
    while code_of(lambda: track(limited)) != RE:
        pass
    # ... the portal's citizens are limited by the addresses it forwards, each on its own
    codes = [code_of(lambda: track(limited, portal(limited, "203.0.113.7"))) for _ in range(ADDRESS_BURST + 2)]
    assert codes == [grpc.StatusCode.NOT_FOUND] * ADDRESS_BURST + [RE] * 2
    assert code_of(lambda: track(limited, portal(limited, "203.0.113.8"))) == grpc.StatusCode.NOT_FOUND
    # a forwarded device is limited too, wherever it moves
    dep = limited.add_deputy(COUNTY_A)
    codes = [code_of(lambda n=n: submit(limited, dep, portal(limited, f"192.0.2.{n}", "tablet-1")))
             for n in range(DEVICE_BURST + 1)]
    assert codes == [grpc.StatusCode.OK] * DEVICE_BURST + [RE]
    # a forwarded call is the citizen's, recorded as such
    code = submit(limited, dep, portal(limited, "192.0.2.200", "tablet-2")).tracking_code
    [o] = [o for o in limited.call("ListOpinions", pb.ListOpinionsRequest(deputy_id=dep.id)).opinions
           if o.tracking_code == code]
    assert (o.history[0].actor, o.history[0].actor_role) == ("citizen", "public")
    # a system token that is not a trusted forwarder: its headers name nobody
    other = issue_token(limited.settings.jwt_secret, subject="other-system", role="system", region="652300")
    md = [("authorization", f"Bearer {other}"), ("x-lianxin-client-address", "203.0.113.7")]
    assert code_of(lambda: track(limited, md)) != RE


def test_a_forwarded_call_must_name_the_client(limited):
    token = issue_token(limited.settings.jwt_secret, subject=PORTAL, role="system", region="652300")
    with pytest.raises(grpc.RpcError) as e:
        track(limited, [("authorization", f"Bearer {token}")])
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "x-lianxin-client-address" in e.value.details()
