"""The balloting service, as a table of contents: how work arrives and what it touches.

Its domain arrives in a later release; today it serves GetServiceInfo, health and
reflection, and owns its database (outbox and inbox) and topic lianxin.balloting.v1.
"""
from __future__ import annotations

from lianxin.balloting.v1 import balloting_pb2, balloting_pb2_grpc

from services.balloting.access import ACCESS
from shared.placeholder import placeholder_definition


def definition():
    return placeholder_definition("balloting", balloting_pb2, balloting_pb2_grpc, "BallotingService", ACCESS)
