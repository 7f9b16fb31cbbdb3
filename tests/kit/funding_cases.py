"""Activity funding's part of the seeded world and its isolation cases (evaluation).

Evaluation learns the world's deputies and venues from the roster's events on the shared bus;
652301's budgets of FUNDING_YEAR are drawn up once, on first use (BA1: deputy A1's). Money is
the office's: standards, budgets and spending for staff and systems; the committee and
auditors read; a deputy reads their own budget; departments nothing."""
from __future__ import annotations

import time

from lianxin.common.v1 import common_pb2
from lianxin.evaluation.v1 import funding_pb2 as fpb
from sqlalchemy import text

from kit.isolation import NF, PD, Case
from kit.settings import COUNTY_A

OFFICE = {"role": "staff", "region": COUNTY_A, "subject": "clerk-funding"}
FUNDING_YEAR = 2026
VIEWERS = frozenset({"own", "parent", "auditor", "committee", "system"})
MANAGERS = frozenset({"own", "parent", "system"})


def funded(w):
    """World ``w`` with 652301's budgets of FUNDING_YEAR drawn up (``w.BA1``: deputy A1's)."""
    if getattr(w, "BA1", None) is None:
        e = w.by_name["evaluation"]

        def known() -> bool:
            with e.engine.connect() as c:
                return bool(c.execute(text("SELECT count(*) FROM evaluation_deputies WHERE id = :a"),
                                      {"a": w.A1.id}).scalar_one()
                            and c.execute(text("SELECT count(*) FROM funding_venues WHERE id = :v"),
                                          {"v": w.VA.id}).scalar_one())
        deadline = time.monotonic() + 20
        while not known():
            assert time.monotonic() < deadline, "evaluation never learnt the roster's deputies and venues"
            time.sleep(0.05)
        e.call("AllocateBudgets", fpb.AllocateBudgetsRequest(region_code=COUNTY_A, year=FUNDING_YEAR), **OFFICE)
        listed = e.call("ListBudgets", fpb.ListBudgetsRequest(region_code=COUNTY_A, year=FUNDING_YEAR,
                                                               page=common_pb2.PageRequest(page_size=500)), **OFFICE)
        w.BA1 = next(b for b in listed.budgets if b.deputy_id == w.A1.id)
    return w


def cases(*, DEPUTIES, DEPUTY_ROLE, DEPARTMENTS, role_refused) -> dict:
    standards = fpb.FundingStandards(region_code=COUNTY_A, from_year=FUNDING_YEAR, prefecture_fen=330_000,
                                     county_fen=160_000, township_fen=100_000, daily_subsidy_fen=15_000,
                                     venue_allowance_fen=500_000, overspend=fpb.OVERSPEND_POLICY_REFUSE)
    return {
        ("evaluation", "GetFundingStandards"): [Case(lambda w, c: fpb.GetFundingStandardsRequest(
            region_code=COUNTY_A, year=FUNDING_YEAR), ok=VIEWERS, default=PD)],
        ("evaluation", "SetFundingStandards"): [Case(lambda w, c: fpb.SetFundingStandardsRequest(
            standards=standards), ok=MANAGERS, default=PD)],
        ("evaluation", "AllocateBudgets"): [Case(lambda w, c: fpb.AllocateBudgetsRequest(
            region_code=COUNTY_A, year=FUNDING_YEAR), ok=MANAGERS, default=PD)],
        # A deputy lists only their own (A2 theirs, none of A1's); another region is PERMISSION_DENIED.
        ("evaluation", "ListBudgets"): [Case(lambda w, c: fpb.ListBudgetsRequest(
            region_code=COUNTY_A, year=FUNDING_YEAR), ok=VIEWERS | DEPUTIES, default=PD)],
        ("evaluation", "GetBudget"): [Case(lambda w, c: fpb.GetBudgetRequest(id=funded(w).BA1.id),
                                           ok=VIEWERS | {"deputy_own"}, denied=role_refused(DEPARTMENTS))],
        ("evaluation", "RecordSpending"): [Case(lambda w, c: fpb.RecordSpendingRequest(spending=fpb.Spending(
            budget_id=funded(w).BA1.id, date=f"{FUNDING_YEAR}-01-05", purpose="走访交通费", amount_fen=100)),
            ok=MANAGERS, denied=role_refused({"committee", "auditor"} | DEPARTMENTS | DEPUTY_ROLE))],
        # One budget's spending (A1's: their deputy sees it, another deputy of the region does
        # not find it), and every budget's of the region (a deputy lists their own only).
        ("evaluation", "ListSpending"): [
            Case(lambda w, c: fpb.ListSpendingRequest(region_code=COUNTY_A, year=FUNDING_YEAR,
                                                      budget_id=funded(w).BA1.id),
                 ok=VIEWERS | {"deputy_own"}, default=PD, denied={"deputy_other": NF}),
            Case(lambda w, c: fpb.ListSpendingRequest(region_code=COUNTY_A, year=FUNDING_YEAR),
                 ok=VIEWERS | DEPUTIES, default=PD, label="subtree")],
        ("evaluation", "GetFundingReport"): [Case(lambda w, c: fpb.GetFundingReportRequest(
            region_code=COUNTY_A, year=FUNDING_YEAR), ok=VIEWERS, default=PD)],
        ("evaluation", "ExportFundingReport"): [Case(lambda w, c: fpb.ExportFundingReportRequest(
            region_code=COUNTY_A, year=FUNDING_YEAR, format=common_pb2.FILE_FORMAT_XLSX), ok=VIEWERS, default=PD)],
        ("evaluation", "GetRollup"): [Case(lambda w, c: fpb.GetRollupRequest(region_code=COUNTY_A, year=FUNDING_YEAR),
                                           ok=VIEWERS, default=PD)],
    }
