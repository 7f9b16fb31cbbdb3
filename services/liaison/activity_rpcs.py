"""The activity, register and statistics RPCs of LiaisonService, as a mixin for its servicer.

Each method checks the request's wire shape (ids, enums out of range, page sizes and tokens,
dates, control characters) before anything touches the database, names the offending field
in INVALID_ARGUMENT, and leaves the rules to the use cases (services.liaison.activities and
services.liaison.rollup). The class expects ``self.runtime``.
"""
from __future__ import annotations

from functools import cached_property

from lianxin.liaison.v1 import liaison_pb2 as pb

from services.liaison import convert, rollup
from services.liaison.activities import (
    Activities,
    ActivityDraft,
    ActivityFilter,
    Kind,
    check_id,
    check_period,
    parse_date,
)
from services.liaison.registers import Register
from services.liaison.tables import IDEMPOTENT
from shared import paging
from shared.errors import InvalidArgument
from shared.rpc import current_principal
from shared.service import Runtime
from shared.wire import file_format, text_arg


def enum_arg(value: int, allowed, field: str, *, required: bool):
    """Proto3 enums are open: a caller can send any int. Unknown values are refused here."""
    if value == 0:
        if required:
            raise InvalidArgument(field, "is required")
        return None
    if value not in allowed:
        raise InvalidArgument(field, f"unknown value {value}")
    return value


class ActivityRpcs:
    runtime: Runtime   # set by the servicer

    @cached_property
    def activities(self) -> Activities:
        return Activities(self.runtime)

    @IDEMPOTENT.create(pb.Activity)
    def RecordActivity(self, request, context):
        if not request.HasField("activity"):
            raise InvalidArgument("activity", "is required")
        a = request.activity
        enum_arg(a.kind, Kind.ALL, "activity.kind", required=True)
        draft = ActivityDraft(
            region_code=text_arg(a.region_code, "activity.region_code"),
            venue_id=text_arg(a.venue_id, "activity.venue_id", 36),
            kind=a.kind, date=text_arg(a.date, "activity.date"), title=a.title,
            deputy_ids=tuple(a.deputy_ids), people_reached=a.people_reached,
            opinion_ids=tuple(a.opinion_ids), notes=a.notes)
        row, opinion_ids = self.activities.record(current_principal(), draft)
        return convert.activity_to_proto(row, opinion_ids)

    def GetActivity(self, request, context):
        row, opinion_ids = self.activities.get(current_principal(), check_id(request.id, "id"))
        return convert.activity_to_proto(row, opinion_ids)

    def ListActivities(self, request, context):
        who = current_principal()
        kind = enum_arg(request.kind, Kind.ALL, "kind", required=False)
        venue_id = check_id(request.venue_id, "venue_id") if request.venue_id else ""
        date_from = parse_date(text_arg(request.date_from, "date_from"), "date_from", required=False)
        date_to = parse_date(text_arg(request.date_to, "date_to"), "date_to", required=False)
        check_period(date_from, date_to)
        path = self.activities.scope_path(who, text_arg(request.region_code, "region_code"))
        deputy_id = check_id(request.deputy_id, "deputy_id") if request.deputy_id else ""
        self.activities.check_venue_filter(who, venue_id)
        self.activities.check_deputy_filter(who, deputy_id)
        f = ActivityFilter(scope_path=path, venue_id=venue_id, kind=kind, date_from=date_from, date_to=date_to,
                           deputy_id=deputy_id)
        page = paging.page(request, who, resolved={"region_code": path})
        rows, opinion_ids, total, token = self.activities.list(who, f, page)
        return pb.ListActivitiesResponse(
            activities=[convert.activity_to_proto(r, opinion_ids[r.id]) for r in rows], next_page_token=token,
            total_size=total)

    def ExportRegister(self, request, context):
        venue_id = check_id(request.venue_id, "venue_id")
        register = Register(enum_arg(request.register, set(Register), "register", required=True))
        date_from = parse_date(text_arg(request.date_from, "date_from"), "date_from", required=False)
        date_to = parse_date(text_arg(request.date_to, "date_to"), "date_to", required=False)
        check_period(date_from, date_to)
        fmt = file_format(request.format)
        out = self.activities.export_register(current_principal(), venue_id, register, date_from, date_to, fmt)
        return pb.ExportRegisterResponse(content_type=out.content_type, filename=out.filename, content=out.content)

    def GetStatistics(self, request, context):
        s = rollup.statistics(self.runtime, current_principal(), text_arg(request.region_code, "region_code"),
                              text_arg(request.date_from, "date_from"), text_arg(request.date_to, "date_to"))
        return pb.Statistics(
            region_code=s.region_code, date_from=s.date_from, date_to=s.date_to, visits=s.visits,
            receptions=s.receptions, people_reached=s.people_reached, opinions_raised=s.opinions_raised,
            answered=s.answered, transferred=s.transferred, resolved=s.resolved, escalated=s.escalated,
            median_days_to_resolve=s.median_days_to_resolve, ratings=s.ratings,
            average_rating=s.average_rating, rating_counts=list(s.rating_counts), region_name=s.region_name,
            months=[pb.StatisticsMonth(month=m.month, figures=_figures(m.figures)) for m in s.months],
            regions=[pb.StatisticsRegion(region_code=r.region_code, region_name=r.region_name,
                                         figures=_figures(r.figures)) for r in s.regions],
            resolve_days=[pb.ResolveDaysBand(min_days=b.min_days, max_days=b.max_days or 0, cases=b.cases)
                          for b in s.resolve_days])


def _figures(f: rollup.Figures) -> pb.StatisticsFigures:
    return pb.StatisticsFigures(**{k: getattr(f, k) for k in rollup.FIGURES},
                                median_days_to_resolve=f.median_days_to_resolve)
