"""Domain errors: what went wrong in the users' terms, free of any transport.

The gRPC edge (shared.rpc.errors) maps each to a status code; the domain and stores
raise these and never import grpc.
"""


class DomainError(Exception):
    """Base of every error a caller can act on."""


class InvalidArgument(DomainError):
    """A request field is missing, malformed or out of range."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class NotFound(DomainError):
    """``field`` names the request field that named the record, when a request did."""

    def __init__(self, kind: str, key: str, field: str = ""):
        self.kind = kind
        self.key = key
        self.field = field
        super().__init__(f"{field + ': ' if field else ''}{kind} {key!r} not found")


class AlreadyExists(DomainError):
    """``field`` names the request field whose value is already taken, when one is."""

    def __init__(self, kind: str, key: str, field: str = ""):
        self.kind = kind
        self.key = key
        self.field = field
        super().__init__(f"{field + ': ' if field else ''}{kind} {key!r} already exists")


class FailedPrecondition(DomainError):
    """The request is well formed but the current state does not allow it."""


class PermissionDenied(DomainError):
    """The caller's role or region does not reach what the request touches."""


class Unauthenticated(DomainError):
    """No valid credentials."""


class ResourceExhausted(DomainError):
    """A rate limit was hit; try again later."""
