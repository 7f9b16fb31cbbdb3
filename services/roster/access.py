"""Who may do what in the roster: one row per action (role -> scope), one action per RPC.

The gRPC edge refuses a role an RPC's action does not grant, and any RPC missing here; the
use cases resolve the records a request names inside the caller's scope (shared/access.py
for the scopes and the outside-scope policy). Rules' source: the standing committee's
office (staff) keeps the roster; members of the standing committee (committee) work on
deputies' records with it; contact limits are an office setting (staff and system only);
auditors read everything in scope; a deputy reads the roster and keeps their own card and
voter households; departments read the roster without contact details.
"""
from __future__ import annotations

from lianxin.roster.v1 import roster_pb2

from shared.access import EVERYONE, TOKEN_ROLES, AccessTable, Scope, grant
from shared.auth import Role

SERVICE_NAME = roster_pb2.DESCRIPTOR.services_by_name["RosterService"].full_name

R = Role
WRITERS = (R.STAFF, R.COMMITTEE, R.SYSTEM)
CONTACT_READERS = (R.STAFF, R.COMMITTEE, R.SYSTEM, R.AUDITOR)
READERS = (*CONTACT_READERS, R.DEPUTY, R.DEPARTMENT)
SUB, OWN = Scope.SUBTREE, Scope.OWN

ACTIONS = {
    "service.describe": grant(Scope.SERVICE, *TOKEN_ROLES),
    "deputy.read": grant(SUB, *READERS),
    # Contact details, voter households and the roster sheet: citizens' and deputies' own data.
    "deputy.read_contact": grant(SUB, *CONTACT_READERS) | grant(OWN, R.DEPUTY),
    "deputy.write": grant(SUB, *WRITERS),
    "roster.import": grant(SUB, *WRITERS),
    "roster.export": grant(SUB, *CONTACT_READERS),
    "venue.read": grant(SUB, *READERS),
    "venue.write": grant(SUB, *WRITERS),
    "link.read": grant(SUB, *READERS),
    "link.write": grant(SUB, *WRITERS),
    "household.read": grant(SUB, *CONTACT_READERS) | grant(OWN, R.DEPUTY),
    "household.write": grant(SUB, *WRITERS) | grant(OWN, R.DEPUTY),
    "limits.read": grant(SUB, *READERS),
    "limits.write": grant(SUB, R.STAFF, R.SYSTEM),
    "card.write": grant(SUB, *WRITERS) | grant(OWN, R.DEPUTY),
    "card.qr": grant(SUB, *CONTACT_READERS, R.DEPARTMENT) | grant(OWN, R.DEPUTY),
    # A citizen's scan: the card code is the key; a token, if sent, changes nothing.
    "card.public": grant(Scope.PUBLIC, *EVERYONE),
}

METHODS = {
    "GetServiceInfo": "service.describe",
    "RegisterDeputy": "deputy.write",
    "GetDeputy": "deputy.read",
    "UpdateDeputy": "deputy.write",
    "ChangeDeputyStatus": "deputy.write",
    "ListDeputies": "deputy.read",
    "CreateVenue": "venue.write",
    "GetVenue": "venue.read",
    "UpdateVenue": "venue.write",
    "ListVenues": "venue.read",
    "AssignDeputyToVenue": "venue.write",
    "RemoveDeputyFromVenue": "venue.write",
    "ListDeputyVenues": "venue.read",
    "GroupDeputiesIntoVenues": "venue.write",
    "LinkCommitteeMember": "link.write",
    "UnlinkCommitteeMember": "link.write",
    "ListCommitteeLinks": "link.read",
    "AddVoterHousehold": "household.write",
    "RemoveVoterHousehold": "household.write",
    "ListVoterHouseholds": "household.read",
    "GetContactLimits": "limits.read",
    "SetContactLimits": "limits.write",
    "UpdateCard": "card.write",
    "GetPublicCard": "card.public",
    "GetCardQrCode": "card.qr",
    "ImportRoster": "roster.import",
    "ExportRoster": "roster.export",
}

ACCESS = AccessTable(SERVICE_NAME, ACTIONS, METHODS)
