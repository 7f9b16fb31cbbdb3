"""LiaisonService over gRPC: one servicer composed of its halves (mixins), each of which
translates requests, calls its use cases and returns their answers."""
from __future__ import annotations

from lianxin.liaison.v1 import liaison_pb2_grpc

from services.liaison.activity_rpcs import ActivityRpcs
from services.liaison.opinion_rpcs import OpinionRpcs
from shared.info import service_info
from shared.service import Runtime


# The mixins come before the generated base class so their methods override its
# UNIMPLEMENTED stubs.
class LiaisonServicer(OpinionRpcs, ActivityRpcs, liaison_pb2_grpc.LiaisonServiceServicer):
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)
