"""Demo liaison work for `make run`: a few visits and receptions at the demo venues and a few
citizens' opinions raised by QR code, some of them answered, transferred and replied to,
all through the public API like any caller. Runs once: a liaison that already holds
opinions is left alone, and the launcher says so."""
from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import timedelta

import grpc
from lianxin.liaison.v1 import liaison_pb2 as pb
from lianxin.liaison.v1 import liaison_pb2_grpc
from lianxin.roster.v1 import roster_pb2 as rpb
from lianxin.roster.v1 import roster_pb2_grpc

from shared.auth import issue_token
from shared.clock import china_today
from shared.config import Settings

OPINIONS = [("道路交通", "村口到镇上的路坑洼不平，雨天积水严重"), ("教育", "希望学校增设课后托管服务"),
            ("医疗", "卫生院周末没有医生值班"), ("社区治理", "小区路灯坏了两个月没人修"),
            ("生态环境", "河道里有人倾倒垃圾")]


def load(roster_port: int, liaison_port: int, secret: str, region: str, timeout: float = 60.0) -> dict[str, int]:
    md = (("authorization", "Bearer " + issue_token(secret, subject="demo-office", role="staff", region=region)),)
    with grpc.insecure_channel(f"127.0.0.1:{roster_port}") as rc, grpc.insecure_channel(f"127.0.0.1:{liaison_port}") as lc:
        roster, liaison = roster_pb2_grpc.RosterServiceStub(rc), liaison_pb2_grpc.LiaisonServiceStub(lc)
        present = liaison.ListOpinions(pb.ListOpinionsRequest(), metadata=md, timeout=10).total_size
        if present:
            return {"opinions": 0, "activities": 0, "present": present}
        deputies = roster.ListDeputies(rpb.ListDeputiesRequest(page={"page_size": 20}), metadata=md, timeout=10).deputies
        venues = roster.ListVenues(rpb.ListVenuesRequest(), metadata=md, timeout=10).venues
        deadline = time.monotonic() + timeout

        def once_known(call):
            """liaison learns deputies and venues from the roster's events, a moment after they
            are written: until then it answers NOT_FOUND or INVALID_ARGUMENT (unknown venue)."""
            while True:
                try:
                    return call()
                except grpc.RpcError as e:
                    waiting = e.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)
                    if not waiting or time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)

        opinions = 0
        for i, (category, text) in enumerate(OPINIONS):
            request = pb.SubmitPublicOpinionRequest(card_code=deputies[i * 3 % len(deputies)].card_code,
                                                    category=category, text=text)
            code = once_known(lambda request=request: liaison.SubmitPublicOpinion(request, timeout=10)).tracking_code
            opinions += 1
            case = next(o for o in liaison.ListOpinions(pb.ListOpinionsRequest(), metadata=md, timeout=10).opinions
                        if o.tracking_code == code)
            if i % 2 == 0:   # some cases get worked on, so the figures and registers show a life
                liaison.AcceptOpinion(pb.AcceptOpinionRequest(id=case.id), metadata=md, timeout=10)
                liaison.AnswerOpinion(pb.AnswerOpinionRequest(id=case.id, answer="已联系相关部门，近期处理"),
                                      metadata=md, timeout=10)
        today = china_today()
        activities = 0
        for n, venue in enumerate(venues[:6]):
            day = today - timedelta(days=n + 1)
            request = pb.RecordActivityRequest(activity=pb.Activity(
                venue_id=venue.id, kind=pb.ACTIVITY_KIND_RECEPTION if n % 2 else pb.ACTIVITY_KIND_VISIT,
                date=day.isoformat(), title=f"{venue.name}接待选民" if n % 2 else "走访选民户",
                people_reached=12 + n * 3, notes="演示数据"))
            once_known(lambda request=request: liaison.RecordActivity(request, metadata=md, timeout=10))
            activities += 1
        return {"opinions": opinions, "activities": activities, "present": 0}


def through_api(settings: Settings, ports: Mapping[str, int]) -> str:
    """The launcher's demo hook: raises and works the demo cases through the roster and
    liaison ports the launcher serves; returns one line saying what it did or found."""
    figures = load(ports["roster"], ports["liaison"], settings.jwt_secret, settings.home_region)
    if figures["present"]:
        return f"demo liaison work already present: {figures['present']} opinions; nothing added"
    return f"demo liaison work: {figures['opinions']} opinions, {figures['activities']} activities"
