"""EvaluationService's funding and roll-up RPCs (a mixin of servicer.py): protobuf in, use
case, protobuf out; wire-level checks (ids, enums, pages, formats) before any use case runs."""
from __future__ import annotations

from functools import cached_property

from lianxin.evaluation.v1 import funding_pb2 as pb

from services.evaluation import funding_domain as f
from services.evaluation.convert import funding as convert
from services.evaluation.funding import Funding
from services.evaluation.rollup import Rollups
from services.evaluation.tables import IDEMPOTENT
from shared import paging, wire
from shared.errors import InvalidArgument
from shared.rpc import current_principal
from shared.service import Runtime


class FundingRpcs:
    runtime: Runtime

    @cached_property
    def funding(self) -> Funding:
        return Funding(self.runtime)

    @cached_property
    def rollups(self) -> Rollups:
        return Rollups(self.runtime)

    def GetFundingStandards(self, request, context):
        who = current_principal()
        code = request.region_code or who.region
        return convert.standards_to_proto(self.funding.standards(who, request.region_code, request.year), code)

    def SetFundingStandards(self, request, context):
        if not request.HasField("standards"):
            raise InvalidArgument("standards", "is required")
        given = convert.standards_from_proto(request.standards)
        return convert.standards_to_proto(self.funding.set_standards(current_principal(), given))

    def AllocateBudgets(self, request, context):
        return convert.allocation_to_proto(self.funding.allocate(current_principal(), request.region_code,
                                                                 request.year))

    def ListBudgets(self, request, context):
        who = current_principal()
        kind = wire.enum_value(f.FundKind, request.kind, "kind", required=False)
        page = paging.page(request, who)
        rows, total, token = self.funding.list_budgets(who, request.region_code, request.year, kind, page)
        return pb.ListBudgetsResponse(budgets=[convert.budget_to_proto(r) for r in rows], next_page_token=token,
                                      total_size=total)

    def GetBudget(self, request, context):
        row, spending = self.funding.get_budget(current_principal(), wire.require_id(request.id, "id"))
        return convert.budget_to_proto(row, spending)

    @IDEMPOTENT.create(pb.Spending)
    def RecordSpending(self, request, context):
        if not request.HasField("spending"):
            raise InvalidArgument("spending", "is required")
        sp = request.spending
        row, _ = self.funding.record(current_principal(), wire.require_id(sp.budget_id, "spending.budget_id"),
                                     sp.date, sp.purpose, sp.amount_fen, sp.subsidy_days)
        return convert.spending_to_proto(row)

    def ListSpending(self, request, context):
        who = current_principal()
        budget_id = wire.require_id(request.budget_id, "budget_id") if request.budget_id else ""
        page = paging.page(request, who)
        rows, total, token = self.funding.list_spending(who, request.region_code, request.year, budget_id, page)
        return pb.ListSpendingResponse(spending=[convert.spending_to_proto(sp, b) for sp, b in rows],
                                       next_page_token=token, total_size=total)

    def GetFundingReport(self, request, context):
        return convert.report_to_proto(self.funding.report(current_principal(), request.region_code, request.year))

    def ExportFundingReport(self, request, context):
        fmt = wire.file_format(request.format)
        out = self.funding.export(current_principal(), request.region_code, request.year, fmt)
        return pb.ExportFundingReportResponse(content_type=out.content_type, filename=out.filename,
                                              content=out.content)

    def GetRollup(self, request, context):
        return convert.rollup_to_proto(self.rollups.get(current_principal(), request.region_code, request.year))
