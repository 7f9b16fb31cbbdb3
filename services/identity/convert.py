"""protobuf <-> identity values."""
from __future__ import annotations

from lianxin.identity.v1 import events_pb2 as ev
from lianxin.identity.v1 import identity_pb2 as pb

from services.identity import domain as d
from services.identity.tables import AccountRow, AuditRow
from shared import wire


def draft_from_proto(a: pb.Account) -> d.AccountDraft:
    role = wire.enum_value(d.AccountRole, a.role, "account.role", required=True)
    return d.AccountDraft(a.username, a.display_name, role, a.region_code, a.stands_for, a.external_issuer,
                          a.external_subject)


def account_to_proto(row: AccountRow) -> pb.Account:
    return pb.Account(
        id=row.id, username=row.username, display_name=row.display_name, role=row.role,
        region_code=row.region_code, stands_for=row.stands_for, status=row.status,
        must_change_password=row.must_change_password, locked_until=wire.ts(row.locked_until),
        created_at=wire.ts(row.created_at), last_sign_in_at=wire.ts(row.last_sign_in_at), created_by=row.created_by,
        external_issuer=row.external_issuer, external_subject=row.external_subject)


def audit_to_proto(row: AuditRow) -> pb.AuditEvent:
    return pb.AuditEvent(
        id=row.id, kind=row.kind, at=wire.ts(row.at), account_id=row.account_id, username=row.username,
        region_code=row.region_code, actor=row.actor, actor_name=row.actor_name,
        client_address=row.client_address, detail=row.detail)


def audited(row: AuditRow) -> ev.AccountAudited:
    """The event of an audited fact (never a password, hash or token: the row holds none)."""
    return ev.AccountAudited(event=audit_to_proto(row))
