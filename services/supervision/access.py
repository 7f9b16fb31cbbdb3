"""Who may do what in supervision: one row per action (role -> scope), one action per RPC.
Today the service only describes itself; its domain's RPCs join this table as they land
(an RPC missing here is refused at the edge). See shared/access.py for the scopes."""
from __future__ import annotations

from lianxin.supervision.v1 import supervision_pb2

from shared.access import TOKEN_ROLES, AccessTable, Scope, grant

SERVICE_NAME = supervision_pb2.DESCRIPTOR.services_by_name["SupervisionService"].full_name

ACTIONS = {
    "service.describe": grant(Scope.SERVICE, *TOKEN_ROLES),
}

METHODS = {
    "GetServiceInfo": "service.describe",
}

ACCESS = AccessTable(SERVICE_NAME, ACTIONS, METHODS)
