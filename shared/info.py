"""GetServiceInfo, answered the same way by every service."""
from __future__ import annotations

from lianxin.common.v1 import common_pb2

from shared.service import Runtime

VERSION = "0.1.0"


def service_info(runtime: Runtime) -> common_pb2.ServiceInfo:
    s = runtime.settings
    return common_pb2.ServiceInfo(
        service=s.service, version=VERSION, home_region=s.home_region,
        home_tier=int(runtime.regions.get(s.home_region).tier), bus=s.bus, topic=s.topic)
