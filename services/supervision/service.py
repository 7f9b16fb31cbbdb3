"""The supervision service, as a table of contents: how work arrives and what it touches.

Its domain arrives in a later release; today it serves GetServiceInfo, health and
reflection, and owns its database (outbox and inbox) and topic lianxin.supervision.v1.
"""
from __future__ import annotations

from lianxin.supervision.v1 import supervision_pb2, supervision_pb2_grpc

from services.supervision.access import ACCESS
from shared.placeholder import placeholder_definition


def definition():
    return placeholder_definition("supervision", supervision_pb2, supervision_pb2_grpc, "SupervisionService", ACCESS)
