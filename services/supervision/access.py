"""Who may do what in supervision: one row per action (role -> scope), one action per RPC.
The gRPC edge refuses a role an RPC's action does not grant, and any RPC missing here; the
use cases resolve the projects and milestones a request names inside the caller's scope
(shared/access.py for the scopes and the outside-scope policy).

A project is in a SUBTREE caller's scope when its region lies in the caller's region. OWN is,
for a department, the projects where it is the lead or a co-department (主办/协办): its
subject named among the project's departments and its region the project's, the two together
(a tier's projects are handled by its own government's departments, as liaison's transfers);
the prefecture's 水务局 sees nothing of a county's project with a 水务局 of the same name. For a
deputy, OWN is the projects of the branch of the tree the deputy stands on (the project's
region contains the token's region or lies within it): livelihood projects are public to
deputies, who oversee them.
"""
from __future__ import annotations

from lianxin.supervision.v1 import supervision_pb2

from shared.access import TOKEN_ROLES, AccessTable, Scope, grant
from shared.auth import Role

SERVICE_NAME = supervision_pb2.DESCRIPTOR.services_by_name["SupervisionService"].full_name

R = Role
MANAGERS = (R.STAFF, R.COMMITTEE, R.SYSTEM)
VIEWERS = (*MANAGERS, R.AUDITOR)
SUB, OWN = Scope.SUBTREE, Scope.OWN

ACTIONS = {
    "service.describe": grant(Scope.SERVICE, *TOKEN_ROLES),
    # The office (and the committee, and integrating systems) open and plan project files.
    "project.manage": grant(SUB, *MANAGERS),
    "project.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY, R.DEPARTMENT),
    # Progress is the departments' to report on their own projects; the office may enter a
    # report made on paper, and systems integrate.
    "project.report": grant(SUB, R.STAFF, R.SYSTEM) | grant(OWN, R.DEPARTMENT),
    # A programme shows every project of a region: not a department's to read.
    "programme.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    # Inspections (督导调研): the office's and deputies'. A deputy schedules in their own region,
    # records and solves what they scheduled, and reads the inspections of their branch.
    "inspection.manage": grant(SUB, *MANAGERS) | grant(OWN, R.DEPUTY),
    "inspection.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    "inspection.count": grant(SUB, *VIEWERS),
    # Reminder letters: the office's subtree, and a department the letters addressed to it
    # (its subject and region together).
    "letter.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPARTMENT),
    # Deputies' bills and suggestions (议案建议). A deputy submits to the congress of their
    # token's region and co-signs what they were invited to; OWN for a deputy is the items
    # they submitted or were invited to co-sign (in their token's region), for a department
    # the items assigned to it (lead or co, its subject and region together).
    "item.submit": grant(OWN, R.DEPUTY),
    "item.cosign": grant(OWN, R.DEPUTY),
    # The office registers, classifies and assigns.
    "item.manage": grant(SUB, *MANAGERS),
    # The lead department handles (four in place, three meetings, the reply); the office may
    # enter what a department did on paper, and systems integrate.
    "item.handle": grant(SUB, R.STAFF, R.SYSTEM) | grant(OWN, R.DEPARTMENT),
    # The submitting deputy rates the reply.
    "item.rate": grant(OWN, R.DEPUTY),
    "item.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY, R.DEPARTMENT),
    # A region's rules for items: the office sets them; deputies read those of their region
    # and the regions above it (how many must sign a bill).
    "item_rules.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    "item_rules.write": grant(SUB, R.STAFF, R.COMMITTEE),
    # Meetings with heads of state organs (约见): a deputy asks; the office arranges, records
    # and follows up; a deputy reads their own.
    "organ_meeting.request": grant(OWN, R.DEPUTY),
    "organ_meeting.manage": grant(SUB, *MANAGERS),
    "organ_meeting.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    # A department answers the letters addressed to it; the office enters an answer made on
    # paper; systems integrate.
    "letter.answer": grant(SUB, R.STAFF, R.SYSTEM) | grant(OWN, R.DEPARTMENT),
    # Figures rolled up from every tier's events: the office's, the committee's and auditors'.
    "statistics.read": grant(SUB, *VIEWERS),
}

METHODS = {
    "GetServiceInfo": "service.describe",
    "CreateProject": "project.manage",
    "GetProject": "project.read",
    "ListProjects": "project.read",
    "SetProjectPlan": "project.manage",
    "ReportProgress": "project.report",
    "GetProgramme": "programme.read",
    "ScheduleInspection": "inspection.manage",
    "RecordInspection": "inspection.manage",
    "SolveProblem": "inspection.manage",
    "GetInspection": "inspection.read",
    "ListInspections": "inspection.read",
    "GetInspectionCounts": "inspection.count",
    "ListLetters": "letter.read",
    "GetLetter": "letter.read",
    "SubmitItem": "item.submit",
    "CoSignItem": "item.cosign",
    "RegisterItem": "item.manage",
    "AssignItem": "item.manage",
    "RecordFourInPlace": "item.handle",
    "RecordItemMeeting": "item.handle",
    "ReplyItem": "item.handle",
    "RateItemReply": "item.rate",
    "GetItem": "item.read",
    "ListItems": "item.read",
    "GetItemRules": "item_rules.read",
    "SetItemRules": "item_rules.write",
    "RequestOrganMeeting": "organ_meeting.request",
    "ArrangeOrganMeeting": "organ_meeting.manage",
    "RecordOrganMeeting": "organ_meeting.manage",
    "CompleteOrganMeetingFollowUp": "organ_meeting.manage",
    "GetOrganMeeting": "organ_meeting.read",
    "ListOrganMeetings": "organ_meeting.read",
    "AnswerLetter": "letter.answer",
    "GetSupervisionStatistics": "statistics.read",
}

ACCESS = AccessTable(SERVICE_NAME, ACTIONS, METHODS)
