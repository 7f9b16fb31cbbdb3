"""Activity funding's messages (funding.proto): the answers of its RPCs and the events its use
cases write to the outbox, built from rows and domain values. Money goes as integer fen with
its exact decimal yuan text beside it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from lianxin.evaluation.v1 import events_pb2 as ev
from lianxin.evaluation.v1 import funding_pb2 as pb

from services.evaluation import funding_domain as f
from services.evaluation import rollup
from services.evaluation.funding_tables import BudgetRow, SpendingRow
from shared import wire

if TYPE_CHECKING:
    from services.evaluation.funding import Allocation, Report
    from services.evaluation.rollup import Rollup

Y = f.yuan


def standards_to_proto(s: f.Standards, asked_region: str = "") -> pb.FundingStandards:
    return pb.FundingStandards(
        region_code=asked_region or s.region_code, from_year=s.from_year, prefecture_fen=s.prefecture_fen,
        county_fen=s.county_fen, township_fen=s.township_fen, daily_subsidy_fen=s.daily_subsidy_fen,
        venue_allowance_fen=s.venue_allowance_fen, overspend=int(s.overspend), inherited=s.inherited,
        source_region=s.region_code)


def standards_from_proto(m: pb.FundingStandards) -> f.Standards:
    return f.Standards(prefecture_fen=m.prefecture_fen, county_fen=m.county_fen, township_fen=m.township_fen,
                       daily_subsidy_fen=m.daily_subsidy_fen, venue_allowance_fen=m.venue_allowance_fen,
                       overspend=wire.enum_value(f.OverspendPolicy, m.overspend, "standards.overspend",
                                                 required=True),
                       region_code=m.region_code, from_year=m.from_year, inherited=False)


def spending_to_proto(r: SpendingRow, budget: BudgetRow | None = None) -> pb.Spending:
    """A spending; with its budget (a list) also whose it was: the kind, holder and region."""
    out = pb.Spending(id=r.id, budget_id=r.budget_id, date=r.day.isoformat(), purpose=r.purpose,
                      amount_fen=r.amount_fen, amount_yuan=Y(r.amount_fen), subsidy_days=r.subsidy_days,
                      over_fen=r.over_fen, over_yuan=Y(r.over_fen), flagged=r.flagged, recorded_by=r.recorded_by,
                      recorded_by_name=r.recorded_by_name, recorded_at=wire.ts(r.recorded_at))
    if budget is not None:
        out.budget_kind, out.holder_name, out.region_code = budget.kind, budget.holder_name, budget.region_code
    return out


def budget_to_proto(r: BudgetRow, spending: list[SpendingRow] | None = None) -> pb.Budget:
    deputy = r.kind == int(f.FundKind.DEPUTY_ACTIVITY)
    remaining = r.allocated_fen - r.spent_fen
    return pb.Budget(
        id=r.id, year=r.year, kind=r.kind, deputy_id=r.holder_id if deputy else "",
        venue_id="" if deputy else r.holder_id, holder_name=r.holder_name, region_code=r.region_code,
        allocated_fen=r.allocated_fen, allocated_yuan=Y(r.allocated_fen), spent_fen=r.spent_fen,
        spent_yuan=Y(r.spent_fen), remaining_fen=remaining, remaining_yuan=Y(remaining),
        subsidy_fen=r.subsidy_fen, subsidy_yuan=Y(r.subsidy_fen), over_fen=r.over_fen, over_yuan=Y(r.over_fen),
        levels=[f.LEVEL_LABELS[f.SeatLevel(int(x))] for x in r.levels.split(",") if x],
        standards_region=r.standards_region, standards_from_year=r.standards_from_year,
        spending=[spending_to_proto(x) for x in spending or ()])


def allocation_to_proto(a: Allocation) -> pb.AllocateBudgetsResponse:
    return pb.AllocateBudgetsResponse(budgets=a.budgets, changed=a.changed, allocated_fen=a.allocated_fen,
                                      allocated_yuan=Y(a.allocated_fen))


def figures_to_proto(code: str, name: str, x: f.Figures) -> pb.FundingFigures:
    return pb.FundingFigures(region_code=code, region_name=name, allocated_fen=x.allocated_fen,
                             spent_fen=x.spent_fen, remaining_fen=x.remaining_fen, subsidy_fen=x.subsidy_fen,
                             over_fen=x.over_fen, allocated_yuan=Y(x.allocated_fen), spent_yuan=Y(x.spent_fen),
                             remaining_yuan=Y(x.remaining_fen), subsidy_yuan=Y(x.subsidy_fen),
                             over_yuan=Y(x.over_fen))


def report_to_proto(r: Report) -> pb.FundingReport:
    return pb.FundingReport(year=r.year, total=figures_to_proto(*r.total),
                            regions=[figures_to_proto(*x) for x in r.regions], own=figures_to_proto(*r.own))


def rollup_to_proto(r: Rollup) -> pb.Rollup:
    def one(code: str, name: str, counters: dict[str, int]) -> pb.RollupFigures:
        return pb.RollupFigures(region_code=code, region_name=name, counters=counters,
                                satisfaction_rate=rollup.satisfaction_rate(counters))
    return pb.Rollup(year=r.year, total=one(*r.total), regions=[one(*x) for x in r.regions], own=one(*r.own))


# ---- events -----------------------------------------------------------------------------------

def funding_standards_changed(s: f.Standards) -> ev.FundingStandardsChanged:
    return ev.FundingStandardsChanged(standards=standards_to_proto(s))


def budget_allocated(r: BudgetRow) -> ev.BudgetAllocated:
    return ev.BudgetAllocated(budget=budget_to_proto(r))


def spending_recorded(r: SpendingRow, budget: BudgetRow) -> ev.SpendingRecorded:
    return ev.SpendingRecorded(spending=spending_to_proto(r), region_code=budget.region_code, year=budget.year,
                               kind=budget.kind, holder_id=budget.holder_id)
