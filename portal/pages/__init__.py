"""The portal's pages, one module per audience. Each module exports ``routes`` (Starlette
routes whose endpoints take the request and use ``portal.render`` helpers). A new audience or
a new service's pages (balloting, supervision, evaluation) is one more module here and its
templates under templates/<module>/; app.py mounts every module listed."""
from __future__ import annotations

from portal.pages import (
    accounts,
    ballot,
    campaigns,
    citizen,
    dashboard,
    deputy,
    deputy_items,
    funding,
    home,
    items,
    performance,
    projects,
    registers,
    rollup,
    roster,
    rules,
    satisfaction,
    signin,
    supervision,
    venues,
    work,
)

MODULES = (home, citizen, projects, signin, work, registers, accounts, deputy, ballot, campaigns, roster, venues, dashboard,
           funding, satisfaction, supervision, performance, deputy_items, items, rules, rollup)
