"""Who may do what, as one table per service: role x action -> scope.

Each service declares an ``AccessTable`` (``services/<name>/access.py``): every RPC of its
proto service maps to one action, and every action grants some roles a scope. The gRPC edge
looks the called method up before the servicer runs: a method missing from the table, or a
role the action does not grant, is refused (PERMISSION_DENIED) before any use case or
database is touched, so a new RPC is closed until the table names it. The use cases then ask
the same table which scope the caller has (``scope``/``allows``) to resolve the records the
request names inside that scope.

Scopes:
  SUBTREE  records whose region is the caller's region or lies below it;
  OWN      records of the caller's own identity: a deputy's own record, card, households,
           visits and the cases raised to them; a department's cases, i.e. those transferred
           to that department (token subject) of its region (token region), both together;
  PUBLIC   a citizen without a token, reaching one record through the secret code it holds
           (a card code, a tracking code); the edge rate-limits these calls per client;
  SERVICE  nothing tenant-owned (the service's own description).

Outside-scope policy (the same in every service):
  * a record named by id that the caller may not read is NOT_FOUND, naming the field, exactly
    as if it did not exist: its existence is not the caller's to learn;
  * a record the caller may read but not change in this way is PERMISSION_DENIED;
  * a role the RPC's action does not grant is PERMISSION_DENIED at the edge;
  * a region code in a request (a filter or a target) outside the caller's subtree is
    PERMISSION_DENIED: region codes are public knowledge, so nothing is revealed.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from shared.auth import Principal, Role
from shared.errors import PermissionDenied


class Scope(enum.Enum):
    SUBTREE = "subtree"
    OWN = "own"
    PUBLIC = "public"
    SERVICE = "service"


# Role groups the tables compose from; a table states every grant explicitly with them.
TOKEN_ROLES = tuple(r for r in Role if r is not Role.PUBLIC)
EVERYONE = tuple(Role)


def grant(scope: Scope, *roles: Role) -> dict[Role, Scope]:
    return {r: scope for r in roles}


@dataclass(frozen=True)
class AccessTable:
    """``service``: the proto service's full name (e.g. ``lianxin.roster.v1.RosterService``);
    ``actions``: action -> {role: scope}; ``methods``: RPC name -> action."""
    service: str
    actions: Mapping[str, Mapping[Role, Scope]]
    methods: Mapping[str, str]

    def __post_init__(self) -> None:
        for method, action in self.methods.items():
            if action not in self.actions:
                raise ValueError(f"{self.service}/{method} maps to unknown action {action!r}")

    # ---- the edge ---------------------------------------------------------------
    def method_path(self, method: str) -> str:
        return f"/{self.service}/{method}"

    def action_of_path(self, path: str) -> str | None:
        """The action of a full gRPC method path, or None when the table does not name it."""
        prefix = f"/{self.service}/"
        if not path.startswith(prefix):
            return None
        return self.methods.get(path[len(prefix):])

    def public_methods(self) -> frozenset[str]:
        """Method paths callable without a token: their action grants the public role."""
        return frozenset(self.method_path(m) for m, a in self.methods.items()
                         if self.actions[a].get(Role.PUBLIC) is Scope.PUBLIC)

    def authorize_path(self, path: str, who: Principal) -> Scope:
        """Fails closed: an RPC the table does not name is refused for everyone."""
        action = self.action_of_path(path)
        if action is None:
            raise PermissionDenied(f"{path} has no access rule")
        return self.scope(who, action)

    # ---- the use cases ------------------------------------------------------------
    def scope(self, who: Principal, action: str) -> Scope:
        """The caller's scope for ``action``; PermissionDenied when its role has none."""
        try:
            return self.actions[action][who.role]
        except KeyError:
            raise PermissionDenied(self.refusal(who.role, action)) from None

    def refusal(self, role: Role, action: str) -> str:
        """The sentence a refused caller reads: who they are, what they asked, who may.

        e.g. ``a staff account may not cast vote (vote.cast), which is granted to deputy``, so an
        integrator sees at once which role to call with, without reading the table."""
        article = "an" if role.value[0] in "aeiou" else "a"
        caller = "a caller without a token" if role is Role.PUBLIC else f"{article} {role.value} account"
        noun, _, verb = action.partition(".")
        asked = f"{verb} {noun}" if verb else noun
        grants = self.actions.get(action, {})
        granted = [r.value if r is not Role.PUBLIC else "callers without a token" for r in Role if r in grants]
        return (f"{caller} may not {asked.replace('_', ' ')} ({action}), "
                f"which is granted to {', '.join(granted) or 'no one'}")

    def allows(self, who: Principal, action: str) -> Scope | None:
        """The caller's scope for ``action``, or None (for what a caller is shown, not refused)."""
        return self.actions.get(action, {}).get(who.role)


class AccessTables:
    """The tables of the proto services one gRPC edge serves, looked up by method path."""

    def __init__(self, *tables: AccessTable):
        self.tables = tables

    def public_methods(self) -> frozenset[str]:
        return frozenset().union(*(t.public_methods() for t in self.tables))

    def authorize_path(self, path: str, who: Principal) -> Scope:
        for t in self.tables:
            if path.startswith(f"/{t.service}/"):
                return t.authorize_path(path, who)
        raise PermissionDenied(f"{path} has no access rule")
