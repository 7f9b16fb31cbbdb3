"""Deputies' performance: rows and domain values to lianxin.evaluation.v1 messages, and the
rules as a request gives them to the domain's (scoring.check_rules)."""
from __future__ import annotations

from lianxin.evaluation.v1 import events_pb2 as ev
from lianxin.evaluation.v1 import performance_pb2 as pb

from services.evaluation import scoring as sc
from services.evaluation.performance import (
    FileView,
    Flagged,
    Performance,
    RankingView,
    Recomputed,
    ShownRules,
    check_day,
    to_points,
)
from services.evaluation.performance_tables import PerfItemRow, PerfPublicationRow
from shared.wire import ts


def rules_from_proto(m: pb.PerformanceRules) -> sc.Rules:
    return sc.check_rules([(int(e.kind), e.points) for e in m.points], [(int(e.kind), e.points) for e in m.caps],
                          [(int(e.level), e.weight) for e in m.weights], m.inactive_days,
                          check_day(m.term_start, "rules.term_start", required=True))


def rules_to_proto(shown: ShownRules) -> pb.PerformanceRules:
    v, r = shown.version, shown.version.rules
    return pb.PerformanceRules(
        id=v.id if shown.row is not None else "", region_code=v.region_code, number=v.number,
        effective_year=v.effective_year if shown.row is not None else 0,
        points=[pb.KindPoints(kind=int(k), points=sc.points_text(p)) for k, p in sorted(r.points.items())],
        caps=[pb.KindPoints(kind=int(k), points=sc.points_text(p)) for k, p in sorted(r.caps.items())],
        weights=[pb.LevelWeight(level=int(k), weight=sc.points_text(w)) for k, w in sorted(r.weights.items())],
        inactive_days=r.inactive_days, term_start=r.term_start.isoformat(),
        created_by=shown.row.created_by if shown.row else "",
        created_at=ts(shown.row.created_at) if shown.row else None, defaults=shown.row is None)


def item_to_proto(row: PerfItemRow, versions: dict[str, sc.RuleVersion]) -> pb.PerformanceItem:
    v = versions.get(row.rule_version_id, sc.DEFAULT_VERSION)
    return pb.PerformanceItem(
        kind=row.kind, day=row.day.isoformat(), title=row.title, region_code=row.region_code, level=row.level,
        source_event_id=row.source_event_id, source_type=row.source_type,
        points=sc.points_text(to_points(row.points)), credited=sc.points_text(to_points(row.credited)),
        rule_version_id=row.rule_version_id, rule_version=v.number, rule_region_code=v.region_code)


def file_to_proto(f: FileView) -> pb.PerformanceFile:
    return pb.PerformanceFile(
        deputy_id=f.deputy.id, name=f.deputy.name, region_code=f.deputy.region_code,
        levels=[int(x) for x in f.deputy.levels.split(",") if x], year=f.year, total=sc.points_text(f.total),
        kinds=[pb.KindTotal(kind=int(k), count=n, points=sc.points_text(p)) for k, n, p in f.kinds],
        items=[item_to_proto(r, f.versions) for r in f.items], flags=[int(x) for x in f.flags])


def ranking_to_proto(r: RankingView) -> pb.Ranking:
    return pb.Ranking(
        region_code=r.region_code, level=int(r.level), year=r.year,
        entries=[pb.RankingEntry(rank=e.rank, tied=e.tied, deputy_id=e.deputy_id, name=e.name, region_code=region,
                                 points=sc.points_text(e.points)) for e, region in r.entries],
        published=r.publication is not None,
        published_at=ts(r.published_at) if r.published_at else None,
        changed_since_publication=r.changed, published_by=r.published_by)


def publication_to_proto(row: PerfPublicationRow, levels: int) -> pb.RankingPublication:
    return pb.RankingPublication(region_code=row.region_code, year=row.year, published_at=ts(row.published_at),
                                 levels=levels)


def ranking_published(code: str, year: int, level: int, counts: list[tuple[str, list[int]]],
                      by: str) -> ev.RankingPublished:
    """counts: (deputies' region, [5 bands..., inactive, no report]) per region."""
    return ev.RankingPublished(region_code=code, year=year, level=level, published_by=by, regions=[
        ev.RankingRegionCounts(region_code=region, bands=c[:5], flagged_inactive=c[5], flagged_no_report=c[6])
        for region, c in counts])


def flagged_to_proto(f: Flagged) -> pb.FlaggedDeputy:
    return pb.FlaggedDeputy(deputy_id=f.deputy.id, name=f.deputy.name, region_code=f.deputy.region_code,
                            flags=[int(x) for x in f.flags],
                            last_work_day=f.last_work.isoformat() if f.last_work else "",
                            last_report_day=f.last_report.isoformat() if f.last_report else "")


def recomputed_to_proto(r: Recomputed) -> pb.RecomputePerformanceResponse:
    return pb.RecomputePerformanceResponse(sources=r.sources, items=r.items, changed=r.changed,
                                           total=sc.points_text(r.total))


def report_recorded(deputy_id: str, region_code: str, held_on: str, title: str,
                    recorded_by: str) -> ev.ConstituentReportRecorded:
    return ev.ConstituentReportRecorded(deputy_id=deputy_id, region_code=region_code, held_on=held_on, title=title,
                                        recorded_by=recorded_by)


__all__ = ["Performance"]
