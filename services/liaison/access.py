"""Who may do what in liaison: one row per action (role -> scope), one action per RPC.

The gRPC edge refuses a role an RPC's action does not grant, and any RPC missing here; the
use cases resolve the cases, deputies, venues and activities a request names inside the
caller's scope (shared/access.py for the scopes and the outside-scope policy).

A case is in a SUBTREE caller's scope when its region or the tier handling it lies in the
caller's region; acting on it needs the handling tier there. OWN is, for a deputy, the cases
raised to them (and visits they took part in); for a department, the cases transferred to
that department (token subject) of its region (token region), the two together: the transfer
records the region of the tier that handled the case when it transferred it, and a
department of another region with the same name sees nothing of it.
"""
from __future__ import annotations

from lianxin.liaison.v1 import liaison_pb2

from shared.access import EVERYONE, TOKEN_ROLES, AccessTable, Scope, grant
from shared.auth import Role

SERVICE_NAME = liaison_pb2.DESCRIPTOR.services_by_name["LiaisonService"].full_name

R = Role
MANAGERS = (R.STAFF, R.COMMITTEE, R.SYSTEM)
VIEWERS = (*MANAGERS, R.AUDITOR)
SUB, OWN, PUBLIC = Scope.SUBTREE, Scope.OWN, Scope.PUBLIC

ACTIONS = {
    "service.describe": grant(Scope.SERVICE, *TOKEN_ROLES),
    # The citizen's side: the card code or the tracking code is the key.
    "opinion.submit_public": grant(PUBLIC, *EVERYONE),
    "opinion.track": grant(PUBLIC, *EVERYONE),
    "opinion.rate": grant(PUBLIC, *EVERYONE),
    "opinion.record": grant(SUB, R.STAFF, R.SYSTEM) | grant(OWN, R.DEPUTY),
    "opinion.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY, R.DEPARTMENT),
    # The citizen's name and phone: the office and systems of the case's region, the department.
    "opinion.read_contact": grant(SUB, R.STAFF, R.SYSTEM) | grant(OWN, R.DEPARTMENT),
    "opinion.manage": grant(SUB, *MANAGERS),
    "opinion.answer": grant(SUB, R.STAFF) | grant(OWN, R.DEPUTY),
    "opinion.reply": grant(SUB, R.SYSTEM) | grant(OWN, R.DEPARTMENT),
    "activity.record": grant(SUB, *MANAGERS) | grant(OWN, R.DEPUTY),
    "activity.read": grant(SUB, *VIEWERS, R.DEPUTY),
    "register.export": grant(SUB, *VIEWERS),
    "statistics.read": grant(SUB, *VIEWERS),
}

MANAGE = ("AcceptOpinion", "RejectOpinion", "TransferOpinion", "ConcludeOpinion", "EscalateOpinion",
          "GiveFeedback", "CloseOpinion")
METHODS = {
    "GetServiceInfo": "service.describe",
    "SubmitPublicOpinion": "opinion.submit_public",
    "RecordOpinion": "opinion.record",
    "GetOpinion": "opinion.read",
    "ListOpinions": "opinion.read",
    **{m: "opinion.manage" for m in MANAGE},
    "AnswerOpinion": "opinion.answer",
    "ReplyToTransfer": "opinion.reply",
    "TrackOpinion": "opinion.track",
    "RateOpinion": "opinion.rate",
    "RecordActivity": "activity.record",
    "GetActivity": "activity.read",
    "ListActivities": "activity.read",
    "ExportRegister": "register.export",
    "GetStatistics": "statistics.read",
}

ACCESS = AccessTable(SERVICE_NAME, ACTIONS, METHODS)
