"""Malformed requests the opinion rules refuse (limits, formats, ranges) with
INVALID_ARGUMENT naming the field, writing nothing (the generated table of tests/bad_input
covers what field types call for). Then random requests never end in UNKNOWN or INTERNAL."""
from __future__ import annotations

import uuid

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from liaison_support import COUNTY_A, OTHER_COUNTY, PREFECTURE, TOWNSHIP_A, drive, future
from lianxin.liaison.v1 import liaison_pb2 as pb

LONG = "长" * 2001
BAD_ID = "not-an-id"
PAST = Timestamp(seconds=1_000_000)
OPINION_RPCS = ["SubmitPublicOpinion", "RecordOpinion", "GetOpinion", "ListOpinions", "AcceptOpinion",
                "RejectOpinion", "AnswerOpinion", "TransferOpinion", "ReplyToTransfer", "ConcludeOpinion",
                "EscalateOpinion", "GiveFeedback", "CloseOpinion", "TrackOpinion", "RateOpinion"]
PUBLIC = {"SubmitPublicOpinion", "TrackOpinion", "RateOpinion"}


@pytest.fixture(scope="module")
def known(liaison):
    dep = liaison.add_deputy(COUNTY_A)
    raised = liaison.record(dep, region=COUNTY_A)
    accepted = drive(liaison, liaison.record(dep, region=COUNTY_A).id, pb.OPINION_STATUS_ACCEPTED)
    transferred = drive(liaison, liaison.record(dep, region=COUNTY_A).id, pb.OPINION_STATUS_TRANSFERRED)
    answered = drive(liaison, liaison.record(dep, region=COUNTY_A).id, pb.OPINION_STATUS_ANSWERED)
    resolved = drive(liaison, liaison.record(dep, region=COUNTY_A).id, pb.OPINION_STATUS_RESOLVED)
    given_ = drive(liaison, liaison.record(dep, region=COUNTY_A).id, pb.OPINION_STATUS_FEEDBACK_GIVEN)
    return {"deputy": dep, "raised": raised, "accepted": accepted, "transferred": transferred,
            "answered": answered, "resolved": resolved, "feedback": given_}


def cases(k):
    """(method, request, field named in the error) — each request good in every other field.
    Limits one past their bound, formats, ranges and orders: what field types call for (ids,
    enums, regions, timestamps, pages, NUL, absent fields) is tests/bad_input's generated table."""
    card = k["deputy"].card_code
    r, a, t, an = k["raised"].id, k["accepted"].id, k["transferred"].id, k["answered"].id
    res, fb = k["resolved"].id, k["feedback"].id
    sub = dict(card_code=card, category="教育", text="问题")
    rec = dict(channel=pb.CHANNEL_VISIT, region_code=COUNTY_A, category="教育", text="问题")
    tr = dict(id=a, department="d1", department_name="水务局", deadline=future())
    return [
        ("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(**{**sub, "card_code": "C" * 17}), "card_code"),
        ("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(**{**sub, "category": "类" * 21}), "category"),
        ("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(**{**sub, "text": LONG}), "text"),
        ("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(**{**sub, "region_code": OTHER_COUNTY}), "region_code"),
        ("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(**sub, contact=pb.Contact(phone="abc")), "contact.phone"),
        ("SubmitPublicOpinion", pb.SubmitPublicOpinionRequest(**sub, contact=pb.Contact(name="名" * 51)), "contact.name"),
        ("RecordOpinion", pb.RecordOpinionRequest(**{**rec, "text": LONG}), "text"),
        ("RecordOpinion", pb.RecordOpinionRequest(**rec, contact=pb.Contact(phone="1" * 21)), "contact.phone"),
        ("ListOpinions", pb.ListOpinionsRequest(department="d" * 101), "department"),
        ("ListOpinions", pb.ListOpinionsRequest(raised_from=future(2), raised_to=future(1)), "raised_to"),
        ("AcceptOpinion", pb.AcceptOpinionRequest(id=r, note=LONG), "note"),
        ("RejectOpinion", pb.RejectOpinionRequest(id=r, reason=LONG), "reason"),
        ("AnswerOpinion", pb.AnswerOpinionRequest(id=a, answer=LONG), "answer"),
        ("TransferOpinion", pb.TransferOpinionRequest(**{**tr, "department": "d" * 101}), "department"),
        ("TransferOpinion", pb.TransferOpinionRequest(**{**tr, "deadline": PAST}), "deadline"),
        ("TransferOpinion", pb.TransferOpinionRequest(**tr, note=LONG), "note"),
        ("ReplyToTransfer", pb.ReplyToTransferRequest(id=t, reply=LONG), "reply"),
        ("ConcludeOpinion", pb.ConcludeOpinionRequest(id=an, resolved=True, note=LONG), "note"),
        ("EscalateOpinion", pb.EscalateOpinionRequest(id=a, reason=LONG), "reason"),
        ("GiveFeedback", pb.GiveFeedbackRequest(id=res, feedback=LONG), "feedback"),
        ("CloseOpinion", pb.CloseOpinionRequest(id=fb, note=LONG), "note"),
        ("TrackOpinion", pb.TrackOpinionRequest(tracking_code="C" * 17), "tracking_code"),
        ("RateOpinion", pb.RateOpinionRequest(tracking_code=k["feedback"].tracking_code, rating=0), "rating"),
        ("RateOpinion", pb.RateOpinionRequest(tracking_code=k["feedback"].tracking_code, rating=6), "rating"),
        ("RateOpinion", pb.RateOpinionRequest(tracking_code=k["feedback"].tracking_code, rating=4,
                                              comment="评" * 501), "comment"),
    ]


def caller(method: str) -> dict:
    if method in PUBLIC:
        return {"token": None}
    if method == "ReplyToTransfer":
        return {"role": "system"}   # a department other than the case's would see NOT_FOUND first
    return {"role": "staff", "region": PREFECTURE}


def test_every_rpc_refuses_malformed_requests_naming_the_field(liaison, known):
    table = cases(known)
    for method, request, field in table:
        with liaison.expect_no_writes():
            e = liaison.error(method, request, **caller(method))
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, field, e.code(), e.details())
        assert e.details().startswith(field + ":") or f"{field}:" in e.details(), (method, field, e.details())


# ---- random requests ----------------------------------------------------------------------

ROLES = ["staff", "deputy", "department", "committee", "auditor", "system"]
REGIONS = [PREFECTURE, COUNTY_A, TOWNSHIP_A, OTHER_COUNTY, "", "zzz"]


def strings(ids) -> st.SearchStrategy:
    return st.one_of(st.text(max_size=40), st.text(max_size=2100).filter(lambda s: len(s) > 1990),
                     st.sampled_from(ids + [COUNTY_A, TOWNSHIP_A, OTHER_COUNTY, "", str(uuid.uuid4())]))


def message_strategy(descriptor, ids, depth=0) -> st.SearchStrategy:
    """Random messages of any request type, from its descriptor."""
    from google.protobuf import symbol_database
    cls = symbol_database.Default().GetSymbol(descriptor.full_name)
    fields = {}
    for f in descriptor.fields:
        if f.type == FieldDescriptor.TYPE_STRING:
            v = strings(ids)
        elif f.type == FieldDescriptor.TYPE_BOOL:
            v = st.booleans()
        elif f.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_ENUM):
            v = st.one_of(st.integers(-3, 15), st.integers(-2**31, 2**31 - 1))
        elif f.type == FieldDescriptor.TYPE_MESSAGE and f.message_type.full_name == "google.protobuf.Timestamp":
            v = st.builds(Timestamp, seconds=st.one_of(st.integers(-2**40, 2**40), st.integers(-2**63, 2**63 - 1)),
                          nanos=st.integers(-10, 2**31 - 1))
        elif f.type == FieldDescriptor.TYPE_MESSAGE and depth < 2:
            v = message_strategy(f.message_type, ids, depth + 1)
        else:
            continue
        fields[f.name] = st.one_of(st.none(), v)

    def build(values):
        m = cls()
        for name, v in values.items():
            if v is None:
                continue
            if isinstance(v, (Timestamp,)) or hasattr(v, "DESCRIPTOR"):
                getattr(m, name).CopyFrom(v)
            else:
                setattr(m, name, v)
        return m
    return st.fixed_dictionaries(fields).map(build)


@pytest.mark.parametrize("method", OPINION_RPCS)
def test_random_requests_never_fail_inside_the_server(liaison, known, method):
    rpc = pb.DESCRIPTOR.services_by_name["LiaisonService"].methods_by_name[method]
    ids = [known[k].id for k in ("raised", "accepted", "transferred", "answered", "resolved", "feedback")]
    ids += [known["deputy"].id, known["deputy"].card_code, known["feedback"].tracking_code,
            known["raised"].tracking_code]

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(request=message_strategy(rpc.input_type, ids), role=st.sampled_from(ROLES),
           region=st.sampled_from(REGIONS), subject=st.sampled_from(ids[:7] + ["d1", "clerk"]),
           anonymous=st.booleans())
    def run(request, role, region, subject, anonymous):
        kw = {"token": None} if anonymous else {"role": role, "region": region or PREFECTURE, "subject": subject}
        try:
            liaison.call(method, request, **kw)
        except grpc.RpcError as e:
            assert e.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), (
                f"{method} -> {e.code().name}: {e.details()}\n{request!r}")

    run()
