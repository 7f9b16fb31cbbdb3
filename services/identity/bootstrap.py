"""``python -m services.identity.bootstrap``: the first staff account of the deployment's home
region, which no office above can create (README, "Accounts and sign-in").

It writes to identity's database directly (migrating it first) and is refused once the home
region has a staff account: from then on accounts are made through the API. The one-time
password is read from LIANXIN_BOOTSTRAP_PASSWORD, else generated and printed once; it must be
changed at the first sign-in.
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid

from sqlalchemy import select

from services.identity import domain as d
from services.identity import passwords
from services.identity.accounts import one_time_password
from services.identity.settings import IdentitySettings
from services.identity.tables import AccountRow, AuditRow
from shared import clock, config, db
from shared.errors import InvalidArgument
from shared.tenancy import RegionTree


def bootstrap(settings: IdentitySettings, username: str, display_name: str, password: str, *,
              must_change: bool = True) -> AccountRow | None:
    """Creates the first staff account of the home region; None when it has one already.
    InvalidArgument for a bad username, name or password."""
    draft = d.validate_account(d.AccountDraft(username, display_name, d.AccountRole.STAFF, settings.home_region, ""), "")
    d.check_password(password, draft.username, "password")
    regions = RegionTree.load(settings.regions_file)
    db.migrate("identity", settings.database_url)
    engine = db.make_engine(settings.database_url)
    try:
        with db.transaction(db.make_session_factory(engine)) as s:
            taken = s.execute(select(AccountRow.id).where(AccountRow.region_code == settings.home_region,
                                                          AccountRow.role == int(d.AccountRole.STAFF))).first()
            if taken is not None or s.execute(select(AccountRow.id).where(
                    AccountRow.username == draft.username)).first() is not None:
                return None
            now = clock.now()
            path = regions.get(settings.home_region).path
            row = AccountRow(id=str(uuid.uuid4()), username=draft.username, display_name=draft.display_name,
                             role=int(d.AccountRole.STAFF), region_code=settings.home_region, region_path=path,
                             stands_for="", status=int(d.AccountStatus.ACTIVE), must_change_password=must_change,
                             password_hash=passwords.hash_password(password), failed_count=0, status_reason="",
                             created_at=now, created_by="bootstrap", updated_at=now)
            s.add(row)
            # Written here directly (no event: the service is not running, and no other service
            # consumes identity's audit events; the row is the record).
            s.add(AuditRow(id=str(uuid.uuid4()), kind=int(d.AuditKind.ACCOUNT_CREATED), at=now, account_id=row.id,
                           username=row.username, region_code=row.region_code, region_path=path, actor="bootstrap",
                           actor_name="", client_address="", detail="first staff account of the home region"))
            return row
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.identity.bootstrap",
                                description="Create the first staff account of the home region.")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True, help="the holder's display name, e.g. 王秀兰")
    a = p.parse_args(argv)
    settings = config.load("identity", settings_class=IdentitySettings)
    given = os.environ.get("LIANXIN_BOOTSTRAP_PASSWORD", "")
    password = given or one_time_password()
    try:
        row = bootstrap(settings, a.username, a.name, password)
    except InvalidArgument as e:
        print(f"python -m services.identity.bootstrap: {e}", file=sys.stderr)
        return 2
    if row is None:
        print(f"python -m services.identity.bootstrap: {settings.home_region} has a staff account already "
              f"(or the username is taken); create more through CreateAccount", file=sys.stderr)
        return 1
    print(f"created staff account {row.username} of {row.region_code} (id {row.id})")
    if not given:
        print(f"one-time password (change it at the first sign-in): {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
