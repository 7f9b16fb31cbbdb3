"""shared.rpc.decoding: which field of a request that does not decode is at fault."""
from __future__ import annotations

from lianxin.roster.v1 import roster_pb2 as pb

from shared.rpc.decoding import Undecodable, refusal, tolerant

METHOD = "/lianxin.roster.v1.RosterService/RegisterDeputy"
GBK = "张三".encode("gbk")


def _wire(request, placeholder: str, replacement: bytes) -> bytes:
    data = request.SerializeToString()
    assert len(placeholder.encode()) == len(replacement)
    return data.replace(placeholder.encode(), replacement)


def test_a_gbk_string_deep_in_a_repeated_message_is_named_by_its_path():
    request = pb.RegisterDeputyRequest(deputy=pb.Deputy(
        name="李四", seats=[pb.Seat(term="第十五届"), pb.Seat(term="\ue000x")]))
    data = _wire(request, "\ue000x", GBK)
    decoded = tolerant(pb.RegisterDeputyRequest.FromString)(data)
    assert isinstance(decoded, Undecodable)
    e = refusal(METHOD, decoded)
    assert str(e).startswith("deputy.seats[1].term: is not UTF-8 text")


def test_a_repeated_string_is_named_with_its_index():
    data = _wire(pb.RegisterDeputyRequest(deputy=pb.Deputy(specialties=["法律", "\ue000x"])), "\ue000x", GBK)
    assert str(refusal(METHOD, Undecodable(data))).startswith("deputy.specialties[1]:")


def test_bytes_that_are_no_message_name_the_request():
    assert str(refusal(METHOD, Undecodable(b"\xff\xff\xff"))) == \
        "request: is not a valid lianxin.roster.v1.RegisterDeputyRequest message"
    assert str(refusal("/no.Such/Method", Undecodable(b"\x0a\x02\xd5\xc5"))) == "request: is not a valid request message"


def test_a_good_request_decodes_as_itself():
    request = pb.RegisterDeputyRequest(deputy=pb.Deputy(name="阿依古丽·示例"))
    assert tolerant(pb.RegisterDeputyRequest.FromString)(request.SerializeToString()) == request
