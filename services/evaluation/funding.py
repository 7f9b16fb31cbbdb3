"""Activity funding (经费): each region's standards by year, the budgets of a year (a deputy's
activity budget, a venue's allowance), spending against them, and the per-region report.

Rules are funding_domain's (the seed's standards and their source). Each use case runs in one
transaction: resolve what the request names inside the caller's scope (access.py), change the
records and write the event to the outbox, together; a refused call writes nothing. A budget
the caller may not see is NOT_FOUND naming the field, exactly like an unknown id; a region
code outside the caller's region is PERMISSION_DENIED.

Who is who comes from roster events only (funding_directory.py): the deputies and venues this
deployment serves. The report reads the roll-up (rollup.py), fed by every tier's funding events,
so a prefecture's report holds its counties' budgets without reading their databases; the facts
of this deployment's own budgets and spending are set there by the use case that writes them
(rollup.put_own), so the office's report includes a spending as soon as it is recorded.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.evaluation import funding_domain as f
from services.evaluation import rollup
from services.evaluation.access import ACCESS
from services.evaluation.convert import funding as convert
from services.evaluation.funding_tables import (
    BudgetRow,
    FundingStandardsRow,
    FundingVenueRow,
    SpendingRow,
)
from services.evaluation.store import in_subtree
from services.evaluation.tables import DeputyRow
from shared import paging, secret_ballot, sheets, validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import china_today, now
from shared.errors import NotFound
from shared.service import Runtime

# The roster's statuses that hold a seat (serving, by-elected), as the ballots' electorate.
SEATED = tuple(int(x) for x in secret_ballot.SEATED)


@dataclass(frozen=True)
class Allocation:
    budgets: int
    changed: int
    allocated_fen: int


@dataclass(frozen=True)
class Report:
    year: int
    total: tuple[str, str, f.Figures]
    regions: tuple[tuple[str, str, f.Figures], ...]
    own: tuple[str, str, f.Figures]     # the region's own level (本级): total less its children


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    content: bytes


class Funding:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    # ---- regions and standards ------------------------------------------------------------
    def _chain(self, code: str) -> list[str]:
        out: list[str] = []
        at: str | None = code
        while at and at in self.regions:
            out.append(at)
            at = self.regions.get(at).parent
        return out

    def _region_filter(self, who: Principal, code: str, field: str = "region_code") -> str:
        code = validation.region_code(code, field) if code else who.region
        self.regions.require(code, field)
        self.rt.deployment.require_home(code, field)
        self.regions.ensure_within(who.region, code)
        return code

    def _served_region(self, who: Principal, code: str, field: str) -> str:
        code = validation.region_code(code, field)
        self.regions.require(code, field)
        self.rt.deployment.require_served(code, field)
        self.regions.ensure_within(who.region, code)
        return code

    @staticmethod
    def _year(year: int, field: str = "year") -> int:
        return f.check_year(year, field) if year else china_today().year

    def standards_in(self, s: Session, code: str, year: int) -> f.Standards:
        chain = self._chain(code)
        rows = s.scalars(select(FundingStandardsRow).where(FundingStandardsRow.region_code.in_(chain),
                                                           FundingStandardsRow.from_year <= year))
        return f.effective([standards_of(r) for r in rows], chain, year)

    def standards(self, who: Principal, region_code: str, year: int) -> f.Standards:
        """The standards in force for a region (the caller's by default) and year (this year
        by default): its own latest version from that year or before, else its nearest
        ancestor's, else the seed's defaults."""
        ACCESS.scope(who, "funding.standards.read")
        code = self._region_filter(who, region_code)
        year = self._year(year)
        with self.rt.transaction() as s:
            return self.standards_in(s, code, year)

    def set_standards(self, who: Principal, given: f.Standards) -> f.Standards:
        """A region's own standards from ``from_year`` on (a version: years before keep theirs;
        budgets of a year already drawn up change when the office allocates them again)."""
        ACCESS.scope(who, "funding.standards.write")
        code = self._served_region(who, given.region_code, "standards.region_code")
        given = f.check_standards(given)
        with self.rt.transaction() as s:
            row = s.get(FundingStandardsRow, (code, given.from_year))
            if row is None:
                row = FundingStandardsRow(region_code=code, from_year=given.from_year)
                s.add(row)
            row.prefecture_fen, row.county_fen, row.township_fen = \
                given.prefecture_fen, given.county_fen, given.township_fen
            row.daily_subsidy_fen, row.venue_allowance_fen = given.daily_subsidy_fen, given.venue_allowance_fen
            row.overspend, row.set_by, row.set_at = int(given.overspend), who.subject[:100], now()
            s.flush()
            out = standards_of(row)
            self.rt.outbox.add(s, convert.funding_standards_changed(out), region=code)
            return out

    # ---- budgets --------------------------------------------------------------------------
    def allocate(self, who: Principal, region_code: str, year: int) -> Allocation:
        """Draws up the year's budgets of a subtree this deployment serves: one per seated
        deputy sitting in a funded congress (the sum of their congresses' standards) and one
        per venue (the venue allowance), each under the standards in force for the year at
        its region. Again later: new deputies and venues get theirs, amounts follow changed
        standards (a deputy no longer seated keeps the budget spent from). BudgetAllocated
        for each new or changed budget."""
        ACCESS.scope(who, "funding.allocate")
        code = self._served_region(who, region_code, "region_code")
        year = f.check_year(year)
        path = self.regions.get(code).path
        with self.rt.transaction() as s:
            existing = {(r.kind, r.holder_id): r for r in s.scalars(
                select(BudgetRow).where(BudgetRow.year == year, in_subtree(BudgetRow.region_path, path))
                .with_for_update())}
            cache: dict[str, f.Standards] = {}

            def standards(region: str) -> f.Standards:
                if region not in cache:
                    cache[region] = self.standards_in(s, region, year)
                return cache[region]

            wanted: list[tuple[f.FundKind, str, str, str, str, int, f.Standards]] = []
            for dep in s.scalars(select(DeputyRow).where(in_subtree(DeputyRow.region_path, path),
                                                                 DeputyRow.status.in_(SEATED))):
                funded = f.funded_levels(int(x) for x in dep.levels.split(",") if x)
                if not funded or not self.rt.deployment.serves(dep.region_code):
                    continue
                st = standards(dep.region_code)
                wanted.append((f.FundKind.DEPUTY_ACTIVITY, dep.id, dep.name, dep.region_code,
                               ",".join(str(int(x)) for x in funded), f.deputy_allocation(funded, st), st))
            for venue in s.scalars(select(FundingVenueRow).where(in_subtree(FundingVenueRow.region_path, path))):
                if not self.rt.deployment.serves(venue.region_code):
                    continue
                st = standards(venue.region_code)
                wanted.append((f.FundKind.VENUE_ALLOWANCE, venue.id, venue.name, venue.region_code, "",
                               st.venue_allowance_fen, st))
            changed = 0
            at = now()
            for kind, holder, name, region, levels, amount, st in wanted:
                row = existing.get((int(kind), holder))
                if row is None:
                    row = BudgetRow(id=str(uuid.uuid4()), year=year, kind=int(kind), holder_id=holder,
                                    spent_fen=0, subsidy_fen=0, over_fen=0, created_at=at)
                    s.add(row)
                    existing[(int(kind), holder)] = row
                elif (row.allocated_fen, row.holder_name, row.region_code, row.levels) == (amount, name, region,
                                                                                           levels):
                    continue
                row.holder_name, row.region_code, row.region_path = name, region, self.regions.get(region).path
                row.levels, row.allocated_fen = levels, amount
                row.standards_region, row.standards_from_year = st.region_code, st.from_year
                row.updated_at = at
                changed += 1
                s.flush()
                event = convert.budget_allocated(row)
                rollup.put_own(self.rt, s, event, self.rt.outbox.add(s, event, region=region))
            rows = list(existing.values())
            return Allocation(len(rows), changed, sum(r.allocated_fen for r in rows))

    def token_deputy(self, s: Session, who: Principal) -> DeputyRow | None:
        """The deputy a deputy token names: a roster deputy (as funding knows it) whose id is
        the subject and whose region lies in the token's region; None for any other token."""
        if who.role is not Role.DEPUTY or len(who.subject) > 36:
            return None
        row = s.get(DeputyRow, who.subject)
        if row is None or not self.regions.contains(who.region, row.region_code):
            return None
        return row

    def _sees(self, s: Session, who: Principal, row: BudgetRow, action: str) -> bool:
        scope = ACCESS.allows(who, action)
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN and who.role is Role.DEPUTY:
            return (row.kind == int(f.FundKind.DEPUTY_ACTIVITY) and row.holder_id == who.subject
                    and self.token_deputy(s, who) is not None)
        return False

    def _budget(self, s: Session, who: Principal, budget_id: str, field: str, action: str,
                *, for_update: bool = False) -> BudgetRow:
        ACCESS.scope(who, action)
        q = select(BudgetRow).where(BudgetRow.id == budget_id)
        if for_update:
            q = q.with_for_update()
        row = s.scalars(q).first()
        if row is None or not self._sees(s, who, row, action):
            raise NotFound("budget", budget_id, field)
        return row

    def get_budget(self, who: Principal, budget_id: str) -> tuple[BudgetRow, list[SpendingRow]]:
        """A budget with its spending, oldest first: staff of its subtree, the deputy it is for."""
        with self.rt.transaction() as s:
            row = self._budget(s, who, budget_id, "id", "funding.read")
            spending = list(s.scalars(select(SpendingRow).where(SpendingRow.budget_id == row.id)
                                      .order_by(SpendingRow.day, SpendingRow.recorded_at, SpendingRow.id)))
            return row, spending

    def list_budgets(self, who: Principal, region_code: str, year: int, kind: f.FundKind | None,
                     page: paging.Page) -> tuple[list[BudgetRow], int, str]:
        """The year's budgets of a subtree (the caller's region by default); a deputy lists
        their own only."""
        scope = ACCESS.scope(who, "funding.read")
        code = self._region_filter(who, region_code)
        year = self._year(year)
        with self.rt.transaction() as s:
            where = [BudgetRow.year == year, in_subtree(BudgetRow.region_path, self.regions.get(code).path)]
            if kind is not None:
                where.append(BudgetRow.kind == int(kind))
            if scope is not Scope.SUBTREE:
                mine = self.token_deputy(s, who)
                where += [BudgetRow.kind == int(f.FundKind.DEPUTY_ACTIVITY),
                          BudgetRow.holder_id == (mine.id if mine is not None else "")]
            total = s.scalar(select(func.count()).select_from(BudgetRow).where(*where)) or 0
            order = [(BudgetRow.region_path, paging.ASC), (BudgetRow.kind, paging.ASC),
                     (BudgetRow.holder_name, paging.ASC), (BudgetRow.id, paging.ASC)]
            rows, token = paging.take(page, list(s.scalars(paging.keyset(select(BudgetRow).where(*where), order,
                                                                         page))),
                                      lambda r: (r.region_path, r.kind, r.holder_name, r.id))
            return rows, total, token

    # ---- spending -------------------------------------------------------------------------
    def record(self, who: Principal, budget_id: str, day: str, purpose: str, amount_fen: int,
               subsidy_days: int) -> tuple[SpendingRow, BudgetRow]:
        """A spending against a budget, on a China day of the budget's year (not after today):
        an amount, or for a deputy without fixed income the subsidised days (the amount is
        days x the daily standard in force, and stays outside the budget). Beyond what remains
        of the budget, the region's policy decides: refused (FAILED_PRECONDITION naming the
        budget and the amount over) or recorded and flagged. SpendingRecorded."""
        with self.rt.transaction() as s:
            budget = self._budget(s, who, budget_id, "spending.budget_id", "funding.spend", for_update=True)
            if not self.rt.deployment.serves(budget.region_code):
                raise NotFound("budget", budget_id, "spending.budget_id")
            kind = f.FundKind(budget.kind)
            amount_fen, subsidy_days, purpose = f.check_spending(amount_fen, subsidy_days, purpose, kind)
            when = f.check_day(day, "spending.date", today=china_today(), year=budget.year)
            st = self.standards_in(s, budget.region_code, budget.year)
            if subsidy_days:
                drawn = f.Draw(f.subsidy(subsidy_days, st), 0, False)
                budget.subsidy_fen += drawn.amount_fen
            else:
                drawn = f.draw(budget.allocated_fen, budget.spent_fen, amount_fen, st.overspend, label(budget))
                budget.spent_fen += drawn.amount_fen
                budget.over_fen += drawn.over_fen
            at = now()
            budget.updated_at = at
            row = SpendingRow(id=str(uuid.uuid4()), budget_id=budget.id, day=when, purpose=purpose,
                              amount_fen=drawn.amount_fen, subsidy_days=subsidy_days, over_fen=drawn.over_fen,
                              flagged=drawn.flagged, recorded_by=who.subject[:100], recorded_by_name=who.name[:50],
                              recorded_at=at)
            s.add(row)
            s.flush()
            event = convert.spending_recorded(row, budget)
            rollup.put_own(self.rt, s, event, self.rt.outbox.add(s, event, region=budget.region_code))
            return row, budget

    def list_spending(self, who: Principal, region_code: str, year: int, budget_id: str,
                      page: paging.Page) -> tuple[list[tuple[SpendingRow, BudgetRow]], int, str]:
        """The spending recorded against the year's budgets of a subtree (the caller's region,
        this year by default), or against one budget of it (``budget_id``), newest first: by
        day, then by when it was recorded. A deputy lists their own budget's only; a budget the
        caller may not see is NOT_FOUND (``budget_id``), as an unknown one."""
        scope = ACCESS.scope(who, "funding.read")
        code = self._region_filter(who, region_code)
        year = self._year(year)
        with self.rt.transaction() as s:
            where = [BudgetRow.year == year, in_subtree(BudgetRow.region_path, self.regions.get(code).path)]
            if budget_id:
                where.append(BudgetRow.id == self._budget(s, who, budget_id, "budget_id", "funding.read").id)
            if scope is not Scope.SUBTREE:
                mine = self.token_deputy(s, who)
                where += [BudgetRow.kind == int(f.FundKind.DEPUTY_ACTIVITY),
                          BudgetRow.holder_id == (mine.id if mine is not None else "")]
            joined = select(SpendingRow, BudgetRow).join(BudgetRow, SpendingRow.budget_id == BudgetRow.id).where(*where)
            total = s.scalar(select(func.count()).select_from(SpendingRow)
                             .join(BudgetRow, SpendingRow.budget_id == BudgetRow.id).where(*where)) or 0
            order = [(SpendingRow.day, paging.DESC), (SpendingRow.recorded_at, paging.DESC),
                     (SpendingRow.id, paging.DESC)]
            rows, token = paging.take(page, [(sp, b) for sp, b in s.execute(paging.keyset(joined, order, page))],
                                      lambda r: (r[0].day, r[0].recorded_at, r[0].id))
            return rows, total, token

    # ---- the report -----------------------------------------------------------------------
    def report(self, who: Principal, region_code: str, year: int) -> Report:
        """A region subtree's funds for a year (the caller's region, this year by default):
        allocated, spent, remaining, subsidies and spending over budget, in total and per child
        region, rolled up from every tier's funding events (a delegated subtree's included)."""
        ACCESS.scope(who, "funding.report")
        code = self._region_filter(who, region_code)
        year = self._year(year)
        with self.rt.transaction() as s:
            total, children = rollup.figures(s, self.regions, code, year)
        # 本级: what is held at the region itself (the prefecture's own deputies, its venues) lies in
        # no child's subtree; taken as the total less the children, so the rows always add up.
        own = {name: total.get(name, 0) - sum(x.get(name, 0) for _, x in children) for name in FUNDS}
        name = self.regions.get(code).name
        return Report(year, (code, name, figures_of(total)),
                      tuple((c, self.regions.get(c).name, figures_of(x)) for c, x in children),
                      (code, f"{name}本级", figures_of(own)))

    def export(self, who: Principal, region_code: str, year: int, fmt: str) -> Export:
        """The report as a sheet (XLSX or CSV): the region's own level (本级), one row per child
        region, then the total (the sum of the rows above it); money as exact yuan (number cells
        with two places)."""
        r = self.report(who, region_code, year)
        columns = ["地区代码", "地区", "已安排经费（元）", "已支出（元）", "结余（元）", "无固定收入代表补贴（元）",
                   "超预算支出（元）"]

        def line(code: str, name: str, x: f.Figures) -> list[object]:
            return [code, name, *(f.yuan_decimal(v) for v in (x.allocated_fen, x.spent_fen, x.remaining_fen,
                                                               x.subsidy_fen, x.over_fen))]

        rows = [line(*r.own)] + [line(*c) for c in r.regions]
        code, name, total = r.total
        rows.append(line(code, f"{name}（合计）", total))
        content = sheets.write(columns, rows, fmt, title=f"{r.year}年代表活动经费",
                               widths={"地区": 24, "无固定收入代表补贴（元）": 26, "超预算支出（元）": 18})
        return Export(f"funding-{code}-{r.year}.{fmt}", sheets.CONTENT_TYPES[fmt], content)


def standards_of(row: FundingStandardsRow) -> f.Standards:
    return f.Standards(prefecture_fen=row.prefecture_fen, county_fen=row.county_fen, township_fen=row.township_fen,
                       daily_subsidy_fen=row.daily_subsidy_fen, venue_allowance_fen=row.venue_allowance_fen,
                       overspend=f.OverspendPolicy(row.overspend), region_code=row.region_code,
                       from_year=row.from_year, inherited=False)


def label(budget: BudgetRow) -> str:
    """How an error names a budget: the holder, the year and its id."""
    what = "代表活动经费" if budget.kind == int(f.FundKind.DEPUTY_ACTIVITY) else "代表之家补助"
    return f"{budget.holder_name} {budget.year}年{what} ({budget.id})"


FUNDS = ("funds_allocated_fen", "funds_spent_fen", "funds_subsidy_fen", "funds_over_fen")


def figures_of(counters: dict[str, int]) -> f.Figures:
    return f.Figures(*(counters.get(name, 0) for name in FUNDS))
