"""Who may do what in evaluation: one row per action (role -> scope), one action per RPC, one
block per area. The gRPC edge refuses a role an RPC's action does not grant, and any RPC
missing here; the use cases resolve the records a request names inside the caller's scope
(shared/access.py for the scopes and the outside-scope policy).
"""
from __future__ import annotations

from lianxin.evaluation.v1 import evaluation_pb2

from shared.access import EVERYONE, TOKEN_ROLES, AccessTable, Scope, grant
from shared.auth import Role

SERVICE_NAME = evaluation_pb2.DESCRIPTOR.services_by_name["EvaluationService"].full_name

R = Role
MANAGERS = (R.STAFF, R.COMMITTEE, R.SYSTEM)
VIEWERS = (*MANAGERS, R.AUDITOR)
SUB, OWN, PUBLIC = Scope.SUBTREE, Scope.OWN, Scope.PUBLIC


COMMON_ACTIONS = {
    "service.describe": grant(Scope.SERVICE, *TOKEN_ROLES),
}
COMMON_METHODS = {
    "GetServiceInfo": "service.describe",
}

# ---- satisfaction vote (满意度测评), rectification (整改), inquiries (询问/质询) ----
SATISFACTION_ACTIONS = {
    # The year's projects are public to deputies, who rate them.
    "projects.read": grant(SUB, *VIEWERS, R.DEPUTY),
    # The thresholds and the quorum are the office's setting (like contact limits).
    "rules.read": grant(SUB, *VIEWERS),
    "rules.manage": grant(SUB, R.STAFF, R.SYSTEM),
    # The office (and the committee, and integrating systems) open, count and publish a vote.
    "vote.manage": grant(SUB, *MANAGERS),
    # A deputy reads the votes they are a voter of, and casts their own ballot there.
    "vote.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    "vote.cast": grant(OWN, R.DEPUTY),
    # Published results are public (公开), with or without a token.
    "result.read": grant(PUBLIC, *EVERYONE),
    # A rectification is the lead department's to answer (its subject and region together);
    # the office may enter a paper answer, systems integrate.
    "rectification.read": grant(SUB, *VIEWERS, R.DEPUTY) | grant(OWN, R.DEPARTMENT),
    "rectification.answer": grant(SUB, R.STAFF, R.SYSTEM) | grant(OWN, R.DEPARTMENT),
    # 询问 and 质询 are the standing committee's: the office and the committee record them.
    "inquiry.manage": grant(SUB, *MANAGERS),
    "inquiry.read": grant(SUB, *VIEWERS, R.DEPUTY),
}
SATISFACTION_METHODS = {
    "ListYearProjects": "projects.read",
    "SetSatisfactionRules": "rules.manage",
    "GetSatisfactionRules": "rules.read",
    "OpenSatisfactionVote": "vote.manage",
    "GetSatisfactionVote": "vote.read",
    "ListSatisfactionVotes": "vote.read",
    "CastSatisfactionBallot": "vote.cast",
    "CloseSatisfactionVote": "vote.manage",
    "PublishSatisfactionResult": "vote.manage",
    "GetPublicSatisfactionResult": "result.read",
    "ListRectifications": "rectification.read",
    "GetRectification": "rectification.read",
    "SubmitRectificationPlan": "rectification.answer",
    "CompleteRectification": "rectification.answer",
    "OpenInquiry": "inquiry.manage",
    "RecordInquiryAnswers": "inquiry.manage",
    "ListInquiries": "inquiry.read",
}

# ---- deputies' performance (履职量化考评) ----
# OWN for a deputy: their own file and annual report; the rules and, once published, the
# rankings of their branch of the tree (performance.py).
PERFORMANCE_ACTIONS = {
    # A region's office sets its rules (versioned) and records its deputies' reports (述职).
    "performance.rules.manage": grant(SUB, R.STAFF, R.SYSTEM),
    "performance.rules.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    "performance.file.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    "performance.annual_report.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    "performance.ranking.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    "performance.ranking.publish": grant(SUB, R.STAFF, R.COMMITTEE),
    "performance.flags.read": grant(SUB, *VIEWERS),
    "performance.constituent_report.record": grant(SUB, R.STAFF, R.SYSTEM),
    "performance.recompute": grant(SUB, R.STAFF, R.SYSTEM),
}
PERFORMANCE_METHODS = {
    "SetPerformanceRules": "performance.rules.manage",
    "GetPerformanceRules": "performance.rules.read",
    "ListPerformanceRules": "performance.rules.read",
    "GetPerformanceFile": "performance.file.read",
    "GetRanking": "performance.ranking.read",
    "PublishRanking": "performance.ranking.publish",
    "ListPerformanceFlags": "performance.flags.read",
    "GetAnnualReport": "performance.annual_report.read",
    "RecordConstituentReport": "performance.constituent_report.record",
    "RecomputePerformance": "performance.recompute",
}


# ---- activity funding (经费) and the roll-up ----
# Money is the office's: standards, budgets and spending are set by staff (and integrating
# systems), as contact limits are; the committee and auditors read. A deputy reads their own
# budget and its spending (OWN: the budget whose deputy is the token's subject); departments
# nothing.
FUNDING_ACTIONS = {
    "funding.standards.read": grant(SUB, *VIEWERS),
    "funding.standards.write": grant(SUB, R.STAFF, R.SYSTEM),
    "funding.allocate": grant(SUB, R.STAFF, R.SYSTEM),
    "funding.spend": grant(SUB, R.STAFF, R.SYSTEM),
    "funding.read": grant(SUB, *VIEWERS) | grant(OWN, R.DEPUTY),
    "funding.report": grant(SUB, *VIEWERS),
    "rollup.read": grant(SUB, *VIEWERS),
}
FUNDING_METHODS = {
    "GetFundingStandards": "funding.standards.read",
    "SetFundingStandards": "funding.standards.write",
    "AllocateBudgets": "funding.allocate",
    "ListBudgets": "funding.read",
    "GetBudget": "funding.read",
    "RecordSpending": "funding.spend",
    "ListSpending": "funding.read",
    "GetFundingReport": "funding.report",
    "ExportFundingReport": "funding.report",
    "GetRollup": "rollup.read",
}

ACTIONS = {**COMMON_ACTIONS, **SATISFACTION_ACTIONS, **PERFORMANCE_ACTIONS, **FUNDING_ACTIONS}
METHODS = {**COMMON_METHODS, **SATISFACTION_METHODS, **PERFORMANCE_METHODS, **FUNDING_METHODS}

ACCESS = AccessTable(SERVICE_NAME, ACTIONS, METHODS)
