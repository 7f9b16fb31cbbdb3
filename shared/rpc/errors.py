"""Mapping of domain errors to gRPC status codes."""
from __future__ import annotations

import grpc

from shared import errors

STATUS = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
}


def status_of(error: errors.DomainError) -> grpc.StatusCode:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return grpc.StatusCode.FAILED_PRECONDITION


def status_of_storage_error(error: Exception) -> tuple[grpc.StatusCode, str] | None:
    """Storage failures a caller can act on: the database is down or busy (UNAVAILABLE:
    nothing was written, retry), or a unique key was taken by a concurrent call between the
    use case's check and its write (ALREADY_EXISTS). Anything else stays INTERNAL."""
    from sqlalchemy import exc
    if isinstance(error, exc.IntegrityError):
        return grpc.StatusCode.ALREADY_EXISTS, "a record with the same key was written at the same time"
    if isinstance(error, exc.DBAPIError) and (error.connection_invalidated or isinstance(error, exc.OperationalError)):
        return grpc.StatusCode.UNAVAILABLE, "the database is unavailable; nothing was written, try again"
    if isinstance(error, exc.TimeoutError):   # no pooled connection came free in time
        return grpc.StatusCode.UNAVAILABLE, "the service is busy; nothing was written, try again"
    return None
