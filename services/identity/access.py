"""Who may do what in identity: one row per action (role -> scope), one action per RPC.

Sign-in, password change, refresh, sign-out and the public keys are public (a person signing
in has no token yet; the edge rate-limits them per client, and sign-in attempts have a limit
of their own). Accounts are kept by the offices (staff), in their region's subtree, and read
by auditors; which accounts an office may create or change is the use cases' rule on top
(staff and auditor accounts come from the region above: domain.FROM_ABOVE). No system token
manages accounts: an integrating system has no business minting people.
"""
from __future__ import annotations

from lianxin.identity.v1 import identity_pb2

from shared.access import EVERYONE, TOKEN_ROLES, AccessTable, Scope, grant
from shared.auth import Role

SERVICE_NAME = identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name

R = Role
SUB = Scope.SUBTREE

ACTIONS = {
    "service.describe": grant(Scope.SERVICE, *TOKEN_ROLES),
    # The password or the refresh token is the credential; a token, if sent, changes nothing.
    "session.public": grant(Scope.PUBLIC, *EVERYONE),
    "keys.public": grant(Scope.PUBLIC, *EVERYONE),
    "account.read": grant(SUB, R.STAFF, R.AUDITOR),
    "account.write": grant(SUB, R.STAFF),
    "audit.read": grant(SUB, R.STAFF, R.AUDITOR),
}

METHODS = {
    "GetServiceInfo": "service.describe",
    "SignIn": "session.public",
    "ChangePassword": "session.public",
    "RefreshToken": "session.public",
    "SignOut": "session.public",
    "GetJwks": "keys.public",
    "CreateAccount": "account.write",
    "ImportAccounts": "account.write",
    "GetAccount": "account.read",
    "ListAccounts": "account.read",
    "ResetPassword": "account.write",
    "LockAccount": "account.write",
    "UnlockAccount": "account.write",
    "DisableAccount": "account.write",
    "ListAuditEvents": "audit.read",
    "LinkExternalSubject": "account.write",
}

ACCESS = AccessTable(SERVICE_NAME, ACTIONS, METHODS)
