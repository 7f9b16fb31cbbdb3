"""Deputies' performance: its isolation cases (evaluation). The deputies are the world's (A1,
A2 of 652301, known to evaluation from the roster's events); rankings of 652301 for 2030 are
published once, by the office, before a deputy reads them."""
from __future__ import annotations

from lianxin.evaluation.v1 import performance_pb2 as ppb
from lianxin.roster.v1 import roster_pb2 as rpb

from kit.isolation import PD, Case
from kit.settings import COUNTY_A

OFFICE = {"role": "staff", "region": COUNTY_A, "subject": "clerk-perf"}
YEAR = 2030


def rules(region: str = COUNTY_A) -> ppb.SetPerformanceRulesRequest:
    kinds = [v for v in ppb.WorkKind.values() if v]
    return ppb.SetPerformanceRulesRequest(rules=ppb.PerformanceRules(
        region_code=region, effective_year=YEAR, inactive_days=90, term_start="2026-01-01",
        points=[ppb.KindPoints(kind=k, points="2") for k in kinds],
        caps=[ppb.KindPoints(kind=ppb.WORK_KIND_VISIT, points="30")],
        weights=[ppb.LevelWeight(level=rpb.LEVEL_COUNTY, weight="1.5")]))


def published(w) -> ppb.GetRankingRequest:
    svc = w.by_name["evaluation"]
    svc.call("PublishRanking", ppb.PublishRankingRequest(region_code=COUNTY_A, year=YEAR), **OFFICE)
    return ppb.GetRankingRequest(region_code=COUNTY_A, level=rpb.LEVEL_COUNTY, year=YEAR)


def cases(*, DEPARTMENTS, DEPUTY_ROLE, role_refused) -> dict:
    office = frozenset({"own", "parent", "system"})
    readers = frozenset({"own", "parent", "auditor", "committee", "system"})
    branch = readers | {"deputy_own", "deputy_other"}
    own_file = readers | {"deputy_own"}
    return {
        ("evaluation", "SetPerformanceRules"): [Case(lambda w, c: rules(), ok=office, default=PD)],
        ("evaluation", "GetPerformanceRules"): [Case(lambda w, c: ppb.GetPerformanceRulesRequest(
            region_code=COUNTY_A, year=YEAR), ok=branch, default=PD)],
        ("evaluation", "ListPerformanceRules"): [Case(lambda w, c: ppb.ListPerformanceRulesRequest(
            region_code=COUNTY_A), ok=branch, default=PD)],
        # A deputy's file and report: the office's subtree and the deputy themself; anyone else
        # learns nothing of the deputy (NOT_FOUND), a department is refused by role.
        ("evaluation", "GetPerformanceFile"): [Case(lambda w, c: ppb.GetPerformanceFileRequest(
            deputy_id=w.A1.id, year=YEAR), ok=own_file, denied=role_refused(DEPARTMENTS))],
        ("evaluation", "GetAnnualReport"): [Case(lambda w, c: ppb.GetAnnualReportRequest(
            deputy_id=w.A1.id, year=YEAR), ok=own_file, denied=role_refused(DEPARTMENTS))],
        ("evaluation", "GetRanking"): [Case(lambda w, c: published(w), ok=branch, default=PD)],
        ("evaluation", "PublishRanking"): [Case(lambda w, c: ppb.PublishRankingRequest(
            region_code=COUNTY_A, year=YEAR), ok=frozenset({"own", "parent", "committee"}), default=PD)],
        ("evaluation", "ListPerformanceFlags"): [Case(lambda w, c: ppb.ListPerformanceFlagsRequest(
            region_code=COUNTY_A, as_of=f"{YEAR}-06-30"), ok=readers, default=PD)],
        ("evaluation", "RecordConstituentReport"): [Case(lambda w, c: ppb.RecordConstituentReportRequest(
            deputy_id=w.A1.id, held_on="2026-01-05", title="向第1选区选民述职"), ok=office,
            denied=role_refused({"committee", "auditor"} | DEPARTMENTS | DEPUTY_ROLE))],
        ("evaluation", "RecomputePerformance"): [Case(lambda w, c: ppb.RecomputePerformanceRequest(
            region_code=COUNTY_A, year=YEAR), ok=office, default=PD)],
    }
