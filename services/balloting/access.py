"""Who may do what in balloting: one row per action (role -> scope), one action per RPC.
The gRPC edge refuses a role an RPC's action does not grant, and any RPC missing here; the
use cases resolve the campaigns and proposals a request names inside the caller's scope
(shared/access.py for the scopes and the outside-scope policy).

A campaign is in a SUBTREE caller's scope when its region lies in the caller's region. OWN
is, for a deputy and a department, the campaigns of the branch of the tree they stand on (the
campaign's region contains the token's region or lies within it: a county deputy living in a
township proposes and reviews for the county's campaign), acting as themselves: a deputy's
proposal and review are the deputy's (the token's subject, a deputy of the token's region as
balloting knows the roster), a department's are that department's (its subject and region).
A citizen's name and phone on a proposal are for the office and systems only.
"""
from __future__ import annotations

from lianxin.balloting.v1 import balloting_pb2

from shared.access import EVERYONE, TOKEN_ROLES, AccessTable, Scope, grant
from shared.auth import Role

SERVICE_NAME = balloting_pb2.DESCRIPTOR.services_by_name["BallotingService"].full_name

R = Role
MANAGERS = (R.STAFF, R.COMMITTEE, R.SYSTEM)
VIEWERS = (*MANAGERS, R.AUDITOR)
SUB, OWN, PUBLIC = Scope.SUBTREE, Scope.OWN, Scope.PUBLIC

ACTIONS = {
    "service.describe": grant(Scope.SERVICE, *TOKEN_ROLES),
    # A region's rules are the office's setting, as contact limits are.
    "rules.read": grant(SUB, *VIEWERS),
    "rules.write": grant(SUB, R.STAFF, R.SYSTEM),
    "campaign.manage": grant(SUB, *MANAGERS),
    "campaign.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY, R.DEPARTMENT),
    # The citizen's side: the region and year name the call; the tracking code the proposal.
    "proposal.submit_public": grant(PUBLIC, *EVERYONE),
    "proposal.track": grant(PUBLIC, *EVERYONE),
    "proposal.record": grant(SUB, *MANAGERS) | grant(OWN, R.DEPUTY, R.DEPARTMENT),
    "proposal.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY, R.DEPARTMENT),
    "proposal.read_contact": grant(SUB, R.STAFF, R.SYSTEM),
    # Staff and committee enter reviews made on paper, naming the reviewer.
    "proposal.review": grant(SUB, R.STAFF, R.COMMITTEE) | grant(OWN, R.DEPUTY, R.DEPARTMENT),
    "proposal.screen": grant(SUB, *MANAGERS),
    "voters.read": grant(SUB, *VIEWERS),
    # The session: the office opens it and checks deputies in; a deputy checks in and votes as
    # themself; tellers (计票人, the office's or the committee's people) issue and enter paper ballots.
    "ballot.manage": grant(SUB, *MANAGERS),
    "ballot.attend": grant(SUB, R.STAFF, R.COMMITTEE) | grant(OWN, R.DEPUTY),
    "ballot.cast": grant(OWN, R.DEPUTY),
    "ballot.tell": grant(SUB, R.STAFF, R.COMMITTEE),
    # The published result and its bulletin are everyone's.
    "result.read": grant(PUBLIC, *EVERYONE),
    "statistics.read": grant(SUB, *VIEWERS),
}

METHODS = {
    "GetServiceInfo": "service.describe",
    "GetBallotRules": "rules.read",
    "SetBallotRules": "rules.write",
    "CreateCampaign": "campaign.manage",
    "GetCampaign": "campaign.read",
    "ListCampaigns": "campaign.read",
    "CloseCall": "campaign.manage",
    "FixCandidates": "campaign.manage",
    "OpenBallot": "campaign.manage",
    "SubmitPublicProposal": "proposal.submit_public",
    "TrackProposal": "proposal.track",
    "RecordProposal": "proposal.record",
    "GetProposal": "proposal.read",
    "ListProposals": "proposal.read",
    "ReviewProposal": "proposal.review",
    "MergeProposals": "proposal.screen",
    "ShortlistProposal": "proposal.screen",
    "ListEligibleVoters": "voters.read",
    "OpenSession": "ballot.manage",
    "CheckIn": "ballot.attend",
    "NameTellers": "ballot.manage",
    "CastBallot": "ballot.cast",
    "IssuePaperBallot": "ballot.tell",
    "EnterPaperBallot": "ballot.tell",
    "CloseBallot": "campaign.manage",
    "PublishResult": "campaign.manage",
    "GetPublicResult": "result.read",
    "GetStatistics": "statistics.read",
}

ACCESS = AccessTable(SERVICE_NAME, ACTIONS, METHODS)
