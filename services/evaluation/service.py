"""The evaluation service, as a table of contents: how work arrives and what it touches.

Its domain arrives in a later release; today it serves GetServiceInfo, health and
reflection, and owns its database (outbox and inbox) and topic lianxin.evaluation.v1.
"""
from __future__ import annotations

from lianxin.evaluation.v1 import evaluation_pb2, evaluation_pb2_grpc

from services.evaluation.access import ACCESS
from shared.placeholder import placeholder_definition


def definition():
    return placeholder_definition("evaluation", evaluation_pb2, evaluation_pb2_grpc, "EvaluationService", ACCESS)
