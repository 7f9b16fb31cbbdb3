"""IdentityService over gRPC: translate the request, call the use case, translate the answer."""
from __future__ import annotations

import json

from lianxin.identity.v1 import identity_pb2 as pb
from lianxin.identity.v1 import identity_pb2_grpc

from services.identity import convert
from services.identity import domain as d
from services.identity.accounts import Accounts
from services.identity.keys import KeyFolder, Signer
from services.identity.sessions import Session, Sessions
from services.identity.tables import IDEMPOTENT
from shared import paging, validation, wire
from shared.auth import Role
from shared.errors import InvalidArgument
from shared.info import service_info
from shared.rpc import current_principal
from shared.rpc.server import client_address
from shared.service import Runtime

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _client(context) -> str:
    """The address audited for a call: the public caller's (the user's, forwarded by the
    portal), else the connection's."""
    who = current_principal()
    if who.role is Role.PUBLIC:
        return who.subject.removeprefix("public:")
    return client_address(context)


def _session(s: Session) -> pb.SignInResponse:
    return pb.SignInResponse(access_token=s.access_token, expires_at=wire.ts(s.expires_at),
                             refresh_token=s.refresh_token, refresh_expires_at=wire.ts(s.refresh_expires_at),
                             must_change_password=s.must_change_password, account=convert.account_to_proto(s.account))


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, runtime: Runtime, folder: KeyFolder):
        self.runtime = runtime
        self.folder = folder
        self.sessions = Sessions(runtime, Signer(folder))
        self.accounts = Accounts(runtime)

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)

    # ---- public ----
    def SignIn(self, request, context):
        d.presented_password(request.password, "password")
        return _session(self.sessions.sign_in(request.username, request.password, _client(context)))

    def ChangePassword(self, request, context):
        d.presented_password(request.current_password, "current_password")
        return _session(self.sessions.change_password(request.username, request.current_password,
                                                      request.new_password, _client(context)))

    def RefreshToken(self, request, context):
        return _session(self.sessions.refresh(d.refresh_token(request.refresh_token), _client(context)))

    def SignOut(self, request, context):
        self.sessions.sign_out(d.refresh_token(request.refresh_token), _client(context))
        return pb.SignOutResponse()

    def GetJwks(self, request, context):
        return pb.Jwks(json=json.dumps(self.folder.jwks()))

    # ---- offices ----
    @IDEMPOTENT.create(pb.Account)
    def CreateAccount(self, request, context):
        if not request.HasField("account"):
            raise InvalidArgument("account", "is required")
        row = self.accounts.create(current_principal(), convert.draft_from_proto(request.account),
                                   request.one_time_password)
        return convert.account_to_proto(row)

    def ImportAccounts(self, request, context):
        fmt = wire.file_format(request.format)
        if not request.content:
            raise InvalidArgument("content", "is empty")
        if len(request.content) > MAX_IMPORT_BYTES:
            raise InvalidArgument("content", f"is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB")
        region = validation.region_code(request.region_code, "region_code") if request.region_code else ""
        r = self.accounts.import_accounts(current_principal(), region, fmt, request.content, request.dry_run)
        return pb.ImportAccountsResponse(
            rows=r.rows, created=r.created, unchanged=r.unchanged, failed=len({e.row for e in r.errors}),
            errors=[pb.RowError(row=e.row, column=e.column, reason=e.reason) for e in r.errors],
            accounts=[pb.CreatedAccount(row=n, username=u, account_id=i, one_time_password=p)
                      for n, u, i, p in r.accounts])

    def GetAccount(self, request, context):
        return convert.account_to_proto(self.accounts.get(current_principal(), wire.require_id(request.id, "id")))

    def ListAccounts(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        role = wire.enum_value(d.AccountRole, request.role, "role", required=False)
        status = wire.enum_value(d.AccountStatus, request.status, "status", required=False)
        region = validation.region_code(request.region_code, "region_code") if request.region_code else ""
        rows, total, token = self.accounts.list(who, region, role, status, page)
        return pb.ListAccountsResponse(accounts=[convert.account_to_proto(r) for r in rows], next_page_token=token,
                                       total_size=total)

    def ResetPassword(self, request, context):
        row = self.accounts.reset_password(current_principal(), wire.require_id(request.id, "id"),
                                           request.one_time_password)
        return convert.account_to_proto(row)

    def LockAccount(self, request, context):
        return convert.account_to_proto(self.accounts.set_status(
            current_principal(), wire.require_id(request.id, "id"), d.AccountStatus.LOCKED, request.reason))

    def UnlockAccount(self, request, context):
        return convert.account_to_proto(self.accounts.set_status(
            current_principal(), wire.require_id(request.id, "id"), d.AccountStatus.ACTIVE, ""))

    def DisableAccount(self, request, context):
        return convert.account_to_proto(self.accounts.set_status(
            current_principal(), wire.require_id(request.id, "id"), d.AccountStatus.DISABLED, request.reason))

    def LinkExternalSubject(self, request, context):
        return convert.account_to_proto(self.accounts.link_external(
            current_principal(), wire.require_id(request.id, "id"), request.external_issuer, request.external_subject))

    def ListAuditEvents(self, request, context):
        who = current_principal()
        page = paging.page(request, who)
        kind = wire.enum_value(d.AuditKind, request.kind, "kind", required=False)
        region = validation.region_code(request.region_code, "region_code") if request.region_code else ""
        account_id = wire.optional_id(request.account_id, "account_id")
        rows, total, token = self.accounts.audit_events(who, region, account_id, kind, page)
        return pb.ListAuditEventsResponse(events=[convert.audit_to_proto(r) for r in rows], next_page_token=token,
                                          total_size=total)
