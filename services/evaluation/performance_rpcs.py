"""EvaluationService's performance RPCs (a mixin of servicer.py): protobuf in, use case
(performance.py), protobuf out."""
from __future__ import annotations

from functools import cached_property

from lianxin.evaluation.v1 import performance_pb2 as pb

from services.evaluation import annual_report
from services.evaluation.convert import performance as convert
from services.evaluation.performance import Performance
from services.evaluation.tables import IDEMPOTENT
from shared.errors import InvalidArgument
from shared.rpc import current_principal
from shared.service import Runtime


class PerformanceRpcs:
    runtime: Runtime

    @cached_property
    def performance(self) -> Performance:
        return Performance(self.runtime)

    def SetPerformanceRules(self, request, context):
        if not request.HasField("rules"):
            raise InvalidArgument("rules", "is required")
        m = request.rules
        shown = self.performance.set_rules(current_principal(), m.region_code, m.effective_year,
                                           convert.rules_from_proto(m), validate_only=request.validate_only)
        return convert.rules_to_proto(shown)

    def GetPerformanceRules(self, request, context):
        return convert.rules_to_proto(self.performance.rules_in_force(current_principal(), request.region_code,
                                                                      request.year))

    def ListPerformanceRules(self, request, context):
        return pb.ListPerformanceRulesResponse(versions=[
            convert.rules_to_proto(x) for x in self.performance.list_rules(current_principal(), request.region_code)])

    def GetPerformanceFile(self, request, context):
        return convert.file_to_proto(self.performance.file(current_principal(), request.deputy_id, request.year))

    def GetRanking(self, request, context):
        return convert.ranking_to_proto(self.performance.ranking(current_principal(), request.region_code,
                                                                 request.level, request.year))

    def PublishRanking(self, request, context):
        return convert.publication_to_proto(*self.performance.publish(current_principal(), request.region_code,
                                                                      request.year, convert.ranking_published))

    def ListPerformanceFlags(self, request, context):
        as_of, flagged = self.performance.flags(current_principal(), request.region_code, request.as_of,
                                                request.level)
        return pb.ListPerformanceFlagsResponse(deputies=[convert.flagged_to_proto(f) for f in flagged],
                                               as_of=as_of.isoformat())

    def GetAnnualReport(self, request, context):
        view = self.performance.annual_report(current_principal(), request.deputy_id, request.year)
        region = self.runtime.regions.get(view.deputy.region_code).name
        return pb.AnnualReport(
            filename=annual_report.filename(view), document=annual_report.render(view, region),
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    @IDEMPOTENT.create(pb.PerformanceItem)
    def RecordConstituentReport(self, request, context):
        row = self.performance.record_report(current_principal(), request.deputy_id, request.held_on, request.title,
                                             convert.report_recorded)
        with self.runtime.transaction() as s:
            versions = {v.id: v for v in self.performance.versions(s)}
        return convert.item_to_proto(row, versions)

    def RecomputePerformance(self, request, context):
        return convert.recomputed_to_proto(self.performance.recompute(current_principal(), request.region_code,
                                                                      request.year))
