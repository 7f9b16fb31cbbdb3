"""EvaluationService over gRPC: one mixin per area (satisfaction_rpcs.py, performance_rpcs.py,
funding_rpcs.py), each translating
the request, calling its use case and returning its answer. No SQL, no role checks here."""
from __future__ import annotations

from lianxin.evaluation.v1 import evaluation_pb2_grpc

from services.evaluation.funding_rpcs import FundingRpcs
from services.evaluation.performance_rpcs import PerformanceRpcs
from services.evaluation.satisfaction_rpcs import SatisfactionRpcs
from shared.info import service_info
from shared.service import Runtime


class EvaluationServicer(SatisfactionRpcs, PerformanceRpcs, FundingRpcs, evaluation_pb2_grpc.EvaluationServiceServicer):
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)
