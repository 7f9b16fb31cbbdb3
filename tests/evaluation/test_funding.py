"""Activity funding (经费) over gRPC, PostgreSQL and Kafka, on two deployments: the prefecture
(652300, delegating 昌吉市 652301) and the county 652301 with its own roster and evaluation,
sharing nothing but Kafka. Budgets from the seed's standards and a region's own; spending
within budget, over it refused or flagged; a venue's allowance; the report and its XLSX; the
county's funds in the prefecture's report from its events alone, a redelivered event counted
once; who sees what.
"""
from __future__ import annotations

import io
import uuid
from decimal import Decimal

import grpc
import openpyxl
import pytest
from kafka_lock import kafka_shared
from kit.settings import COUNTY_A, COUNTY_B, COUNTY_C, PREFECTURE, TOWNSHIP_B
from kit.world import wait
from lianxin.common.v1 import common_pb2
from lianxin.evaluation.v1 import events_pb2 as ev
from lianxin.evaluation.v1 import funding_pb2 as pb
from lianxin.evaluation.v1 import satisfaction_pb2 as spb
from lianxin.roster.v1 import roster_pb2 as rpb
from sqlalchemy import inspect, text

from shared.bus.kafka import KafkaTransport
from shared.clock import china_today

pytestmark = pytest.mark.kafka
YEAR = china_today().year
DAY = f"{YEAR}-01-01"          # a day of this year never after today
STAFF_B = {"role": "staff", "region": COUNTY_B}
PREFECTURE_STAFF = {"role": "staff", "region": PREFECTURE}
COUNTY_STAFF = {"role": "staff", "region": COUNTY_A}
P = dict(page=common_pb2.PageRequest(page_size=100))


def rows(service, sql: str, **params) -> list:
    with service.engine.connect() as c:
        return list(c.execute(text(sql), params))


def digest(service) -> list:
    """The funding tables row by row and the events written (not the bus's delivery marks,
    which the consumers and the relay move meanwhile): equal before and after a refused call."""
    tables = [t for t in sorted(inspect(service.engine).get_table_names()) if t.startswith("funding_")]
    return [(t, sorted(map(repr, rows(service, f"SELECT * FROM {t}")))) for t in tables] + \
        [("outbox", rows(service, "SELECT event_id, type FROM outbox ORDER BY seq"))]


@pytest.fixture(scope="module")
def tiers(start_service, kafka_bootstrap):
    namespace = f"fund-{uuid.uuid4().hex[:8]}"
    env = {"LIANXIN_BUS": "kafka", "LIANXIN_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIANXIN_KAFKA_NAMESPACE": namespace}
    with kafka_shared(kafka_bootstrap):
        admin = KafkaTransport(kafka_bootstrap, client_id="funding-tests", namespace=namespace)
        admin.ensure_topics(["lianxin.roster.v1", "lianxin.evaluation.v1"])
        admin.close()
        prefecture = {"LIANXIN_HOME_REGION": PREFECTURE, "LIANXIN_DELEGATED_REGIONS": COUNTY_A, **env}
        county = {"LIANXIN_HOME_REGION": COUNTY_A, **env}
        return (start_service("roster", **prefecture), start_service("evaluation", **prefecture),
                start_service("roster", **county), start_service("evaluation", **county))


def deputy(roster, region: str, name: str, *levels: int, who=PREFECTURE_STAFF) -> rpb.Deputy:
    return roster.call("RegisterDeputy", rpb.RegisterDeputyRequest(deputy=rpb.Deputy(
        region_code=region, name=name, seats=[rpb.Seat(level=x, term="第十五届") for x in levels],
        contact=rpb.Contact(phone=f"139{uuid.uuid4().int % 10**8:08d}"))), **who)


def known(evaluation, deputies: list, venues: list) -> None:
    ids, vids = [d.id for d in deputies], [v.id for v in venues]
    wait(lambda: rows(evaluation, "SELECT count(*) FROM evaluation_deputies WHERE id = ANY(:i)", i=ids)[0][0]
         == len(ids) and rows(evaluation, "SELECT count(*) FROM funding_venues WHERE id = ANY(:i)", i=vids)[0][0]
         == len(vids), "evaluation's read model of the roster")


def budgets(e, of: str, **who) -> dict[str, pb.Budget]:
    got = e.call("ListBudgets", pb.ListBudgetsRequest(region_code=of, year=YEAR, **P), **(who or PREFECTURE_STAFF))
    return {b.holder_name: b for b in got.budgets}


def spend(e, budget: pb.Budget, fen: int = 0, days: int = 0, purpose: str = "走访选民交通费", **who) -> pb.Spending:
    return e.call("RecordSpending", pb.RecordSpendingRequest(spending=pb.Spending(
        budget_id=budget.id, date=DAY, purpose=purpose, amount_fen=fen, subsidy_days=days),
        request_id=str(uuid.uuid4())), **(who or STAFF_B))


@pytest.fixture(scope="module")
def prefecture_world(tiers):
    roster, e, _, _ = tiers
    made = [deputy(roster, COUNTY_B, "州代表甲", rpb.LEVEL_PREFECTURE),
            deputy(roster, COUNTY_B, "县乡代表乙", rpb.LEVEL_COUNTY, rpb.LEVEL_TOWNSHIP),
            deputy(roster, TOWNSHIP_B, "乡代表丙", rpb.LEVEL_TOWNSHIP),
            deputy(roster, COUNTY_C, "全国代表丁", rpb.LEVEL_NATIONAL),
            deputy(roster, COUNTY_C, "县代表戊", rpb.LEVEL_COUNTY),
            deputy(roster, PREFECTURE, "州本级代表己", rpb.LEVEL_PREFECTURE)]     # the prefecture's own
    venue = roster.call("CreateVenue", rpb.CreateVenueRequest(venue=rpb.Venue(
        region_code=COUNTY_B, kind=rpb.VENUE_KIND_DEPUTY_HOME, name="阜康市人大代表之家", address="天池路1号")),
        **PREFECTURE_STAFF)
    known(e, made, [venue])
    return {d.name: d for d in made}, venue


def test_budgets_from_the_seed_standards_and_a_region_s_own(tiers, prefecture_world):
    _, e, _, _ = tiers
    people, venue = prefecture_world
    s = e.call("GetFundingStandards", pb.GetFundingStandardsRequest(region_code=COUNTY_B, year=YEAR), **STAFF_B)
    assert (s.prefecture_fen, s.county_fen, s.township_fen, s.daily_subsidy_fen, s.venue_allowance_fen) \
        == (330_000, 160_000, 100_000, 15_000, 0)
    assert s.inherited and s.source_region == "" and s.overspend == pb.OVERSPEND_POLICY_REFUSE

    # 阜康市 raises its county deputies' standard and gives its venues an allowance from this year.
    own = e.call("SetFundingStandards", pb.SetFundingStandardsRequest(standards=pb.FundingStandards(
        region_code=COUNTY_B, from_year=YEAR, prefecture_fen=330_000, county_fen=180_000, township_fen=100_000,
        daily_subsidy_fen=15_000, venue_allowance_fen=2_000_000, overspend=pb.OVERSPEND_POLICY_REFUSE)), **STAFF_B)
    assert not own.inherited and own.source_region == COUNTY_B
    below = e.call("GetFundingStandards", pb.GetFundingStandardsRequest(region_code=TOWNSHIP_B, year=YEAR), **STAFF_B)
    assert below.inherited and below.source_region == COUNTY_B and below.county_fen == 180_000
    before = e.call("GetFundingStandards", pb.GetFundingStandardsRequest(region_code=COUNTY_B, year=YEAR - 1),
                    **STAFF_B)
    assert before.county_fen == 160_000 and before.source_region == ""

    done = e.call("AllocateBudgets", pb.AllocateBudgetsRequest(region_code=PREFECTURE, year=YEAR), **PREFECTURE_STAFF)
    got = budgets(e, PREFECTURE)
    assert {n: b.allocated_yuan for n, b in got.items()} == {
        "州代表甲": "3300.00", "县乡代表乙": "2800.00", "乡代表丙": "1000.00", "县代表戊": "1600.00",
        "州本级代表己": "3300.00", "阜康市人大代表之家": "20000.00"}      # the national deputy is funded above this platform
    assert list(got["县乡代表乙"].levels) == ["县人大代表", "乡人大代表"]
    assert got["县乡代表乙"].standards_region == COUNTY_B and got["县代表戊"].standards_region == ""
    assert got["阜康市人大代表之家"].kind == pb.FUND_KIND_VENUE_ALLOWANCE and got["阜康市人大代表之家"].venue_id == venue.id
    assert (done.budgets, done.changed, done.allocated_yuan) == (6, 6, "32000.00")
    # Drawn up again: nothing changed, nothing published again.
    events = rows(e, "SELECT count(*) FROM outbox WHERE type LIKE '%BudgetAllocated'")[0][0]
    again = e.call("AllocateBudgets", pb.AllocateBudgetsRequest(region_code=PREFECTURE, year=YEAR),
                   **PREFECTURE_STAFF)
    assert (again.budgets, again.changed) == (6, 0)
    assert rows(e, "SELECT count(*) FROM outbox WHERE type LIKE '%BudgetAllocated'")[0][0] == events
    assert people


def test_spending_within_over_refused_or_flagged_and_a_venue_allowance(tiers, prefecture_world):
    _, e, _, _ = tiers
    got = budgets(e, COUNTY_B, **STAFF_B)
    b = got["县乡代表乙"]                                         # 2,800 yuan
    first = spend(e, b, 250_000)
    assert (first.amount_yuan, first.flagged, first.over_fen, first.date) == ("2500.00", False, 0, DAY)
    # 300.01 yuan more is 0.01 over: refused under the region's REFUSE, naming the budget and the amount.
    before = digest(e)
    err = e.error("RecordSpending", pb.RecordSpendingRequest(spending=pb.Spending(
        budget_id=b.id, date=DAY, purpose="培训资料费", amount_fen=30_001)), **STAFF_B)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert b.id in err.details() and "县乡代表乙" in err.details() and "by 0.01 yuan" in err.details()
    assert digest(e) == before
    # A subsidy for days without fixed income: 2 x 150 yuan, outside the budget.
    sub = spend(e, b, days=2, purpose="参加视察误工补贴")
    assert (sub.amount_yuan, sub.subsidy_days) == ("300.00", 2)
    # The region flags instead of refusing: recorded, flagged, the budget shows it.
    e.call("SetFundingStandards", pb.SetFundingStandardsRequest(standards=pb.FundingStandards(
        region_code=COUNTY_B, from_year=YEAR, prefecture_fen=330_000, county_fen=180_000, township_fen=100_000,
        daily_subsidy_fen=15_000, venue_allowance_fen=2_000_000, overspend=pb.OVERSPEND_POLICY_FLAG)), **STAFF_B)
    over = spend(e, b, 40_000, purpose="调研租车费")
    assert over.flagged and over.over_fen == 10_000
    full = e.call("GetBudget", pb.GetBudgetRequest(id=b.id), **STAFF_B)
    assert (full.spent_yuan, full.remaining_yuan, full.subsidy_yuan, full.over_yuan) \
        == ("2900.00", "-100.00", "300.00", "100.00")
    assert [x.purpose for x in full.spending] == ["走访选民交通费", "参加视察误工补贴", "调研租车费"]
    # Listed for the subtree or for the one budget, newest first, each naming whose budget it was.
    listed = e.call("ListSpending", pb.ListSpendingRequest(region_code=COUNTY_B, year=YEAR, budget_id=b.id),
                    **STAFF_B)
    assert [x.purpose for x in listed.spending] == ["调研租车费", "参加视察误工补贴", "走访选民交通费"]
    assert listed.total_size == 3 and {x.holder_name for x in listed.spending} == {"县乡代表乙"}
    assert (listed.spending[0].over_yuan, listed.spending[0].budget_kind) == ("100.00", pb.FUND_KIND_DEPUTY_ACTIVITY)
    first_page = e.call("ListSpending", pb.ListSpendingRequest(region_code=COUNTY_B, year=YEAR, budget_id=b.id,
                                                               page=common_pb2.PageRequest(page_size=2)), **STAFF_B)
    rest = e.call("ListSpending", pb.ListSpendingRequest(region_code=COUNTY_B, year=YEAR, budget_id=b.id,
                                                         page=common_pb2.PageRequest(
                                                             page_size=2, page_token=first_page.next_page_token)),
                  **STAFF_B)
    assert [x.id for x in first_page.spending] + [x.id for x in rest.spending] == [x.id for x in listed.spending]
    assert not rest.next_page_token
    # The venue's allowance (人大代表之家补助).
    v = got["阜康市人大代表之家"]
    assert spend(e, v, 1_234_567, purpose="代表之家桌椅购置").amount_yuan == "12345.67"
    # Bad input of its own: names the field, writes nothing.
    before = digest(e)
    for sp, field in [(pb.Spending(budget_id=b.id, date=DAY, purpose="x"), "spending.amount_fen"),
                      (pb.Spending(budget_id=b.id, date=f"{YEAR - 1}-12-31", purpose="x", amount_fen=1),
                       "spending.date"),
                      (pb.Spending(budget_id=b.id, date=f"{YEAR + 1}-01-01", purpose="x", amount_fen=1),
                       "spending.date"),
                      (pb.Spending(budget_id=v.id, date=DAY, purpose="x", subsidy_days=1), "spending.subsidy_days"),
                      (pb.Spending(budget_id=b.id, date=DAY, purpose="x", amount_fen=5, subsidy_days=1),
                       "spending.amount_fen")]:
        err = e.error("RecordSpending", pb.RecordSpendingRequest(spending=sp), **STAFF_B)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith(field + ":"), err.details()
    err = e.error("SetFundingStandards", pb.SetFundingStandardsRequest(standards=pb.FundingStandards(
        region_code=COUNTY_B, from_year=YEAR, county_fen=-1, overspend=pb.OVERSPEND_POLICY_FLAG)), **STAFF_B)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith("standards.county_fen:")
    assert digest(e) == before

    # The report, rolled up from the events, and its sheet.
    def reported():
        r = e.call("GetFundingReport", pb.GetFundingReportRequest(region_code=PREFECTURE, year=YEAR),
                   **PREFECTURE_STAFF)
        return r if r.total.spent_fen == 250_000 + 40_000 + 1_234_567 else None
    r = wait(reported, "the spending in the prefecture's report")
    fukang = {x.region_code: x for x in r.regions}[COUNTY_B]
    assert (fukang.allocated_yuan, fukang.spent_yuan, fukang.remaining_yuan, fukang.subsidy_yuan,
            fukang.over_yuan) == ("27100.00", "15245.67", "11854.33", "300.00", "100.00")
    assert r.total.allocated_yuan == "32000.00" and r.total.region_name == "昌吉回族自治州"
    # The prefecture's own deputy is in no county's row: the 本级 row holds it, and the rows add up.
    assert (r.own.region_code, r.own.region_name, r.own.allocated_yuan) == (PREFECTURE, "昌吉回族自治州本级", "3300.00")
    for figure in ("allocated_fen", "spent_fen", "remaining_fen", "subsidy_fen", "over_fen"):
        assert getattr(r.own, figure) + sum(getattr(x, figure) for x in r.regions) == getattr(r.total, figure), figure
    sheet = e.call("ExportFundingReport", pb.ExportFundingReportRequest(
        region_code=PREFECTURE, year=YEAR, format=common_pb2.FILE_FORMAT_XLSX), **PREFECTURE_STAFF)
    assert sheet.filename == f"funding-{PREFECTURE}-{YEAR}.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(sheet.content)).active
    table = [[c.value for c in row] for row in ws.iter_rows()]
    assert table[0][:5] == ["地区代码", "地区", "已安排经费（元）", "已支出（元）", "结余（元）"]
    by_code = {row[0]: row for row in table[1:]}
    assert by_code[COUNTY_B][1:] == ["阜康市", 27100, 15245.67, 11854.33, 300, 100]
    assert table[1][:3] == [PREFECTURE, "昌吉回族自治州本级", 3300]
    assert table[-1][:3] == [PREFECTURE, "昌吉回族自治州（合计）", 32000]
    for column in range(2, 7):                      # every money column: the rows sum to the total
        assert sum(Decimal(str(row[column])) for row in table[1:-1]) == Decimal(str(table[-1][column])), table[0][column]
    assert ws.cell(row=2, column=3).number_format == "0.00"


def test_the_county_s_funds_reach_the_prefecture_by_events_once(tiers):
    _, prefecture, county_roster, county = tiers
    a = deputy(county_roster, COUNTY_A, "昌吉市县代表", rpb.LEVEL_COUNTY, who=COUNTY_STAFF)
    known(county, [a], [])
    # The prefecture draws up nothing for the delegated county, and knows none of its deputies.
    err = prefecture.error("AllocateBudgets", pb.AllocateBudgetsRequest(region_code=COUNTY_A, year=YEAR),
                           **PREFECTURE_STAFF)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and err.details().startswith("region_code:")
    county.call("AllocateBudgets", pb.AllocateBudgetsRequest(region_code=COUNTY_A, year=YEAR), **COUNTY_STAFF)
    b = budgets(county, COUNTY_A, **COUNTY_STAFF)["昌吉市县代表"]
    spend(county, b, 60_000, **COUNTY_STAFF)

    def county_row(spent: int):
        def check():
            r = prefecture.call("GetFundingReport", pb.GetFundingReportRequest(region_code=PREFECTURE, year=YEAR),
                                **PREFECTURE_STAFF)
            row = {x.region_code: x for x in r.regions}[COUNTY_A]
            return row if row.spent_fen == spent and row.allocated_fen == 160_000 else None
        return check
    row = wait(county_row(60_000), "the county's funds in the prefecture's report")
    assert (row.allocated_yuan, row.spent_yuan, row.remaining_yuan) == ("1600.00", "600.00", "1000.00")

    # The county's relay publishes everything again (it died before marking its rows sent): the
    # prefecture receives every event twice and counts each once. A last spending, keyed by the
    # same region (so after the repeats on its partition), tells when they have all arrived.
    with county.engine.begin() as c:
        c.execute(text("UPDATE outbox SET sent_at = NULL"))
    wait(lambda: rows(county, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] == 0,
         "the county's relay to publish again")
    spend(county, b, 1_000, purpose="末笔", **COUNTY_STAFF)
    row = wait(county_row(61_000), "the last spending in the prefecture's report")
    assert (row.allocated_yuan, row.spent_yuan) == ("1600.00", "610.00")
    rolled = prefecture.call("GetRollup", pb.GetRollupRequest(region_code=PREFECTURE, year=YEAR), **PREFECTURE_STAFF)
    c = {x.region_code: dict(x.counters) for x in rolled.regions}[COUNTY_A]
    assert (c["funds_allocated_fen"], c["funds_spent_fen"]) == (160_000, 61_000)
    # Its own report agrees; the prefecture's database holds no budget of the county.
    own = wait(lambda: (x := county.call("GetFundingReport", pb.GetFundingReportRequest(year=YEAR),
                                         **COUNTY_STAFF)).total.spent_fen == 61_000 and x, "the county's own report")
    assert own.total.allocated_fen == 160_000
    assert rows(prefecture, "SELECT count(*) FROM funding_budgets WHERE region_code = :c", c=COUNTY_A)[0][0] == 0


def test_who_sees_which_budget(tiers, prefecture_world):
    _, e, _, _ = tiers
    people, _ = prefecture_world
    got = budgets(e, COUNTY_B, **STAFF_B)
    mine, other = got["县乡代表乙"], got["州代表甲"]
    me = {"role": "deputy", "region": COUNTY_B, "subject": people["县乡代表乙"].id}
    # A deputy lists and reads their own budget and its spending, nothing else.
    assert [b.id for b in e.call("ListBudgets", pb.ListBudgetsRequest(year=YEAR, **P), **me).budgets] == [mine.id]
    assert len(e.call("GetBudget", pb.GetBudgetRequest(id=mine.id), **me).spending) >= 1
    assert e.error("GetBudget", pb.GetBudgetRequest(id=other.id), **me).code() == grpc.StatusCode.NOT_FOUND
    mine_listed = e.call("ListSpending", pb.ListSpendingRequest(year=YEAR, **P), **me).spending
    assert mine_listed and {x.budget_id for x in mine_listed} == {mine.id}
    assert e.error("ListSpending", pb.ListSpendingRequest(year=YEAR, budget_id=other.id),
                   **me).code() == grpc.StatusCode.NOT_FOUND
    # The same id in a token of another county owns nothing.
    elsewhere = {**me, "region": COUNTY_C}
    assert e.error("GetBudget", pb.GetBudgetRequest(id=mine.id), **elsewhere).code() == grpc.StatusCode.NOT_FOUND
    assert list(e.call("ListBudgets", pb.ListBudgetsRequest(year=YEAR, **P), **elsewhere).budgets) == []
    assert list(e.call("ListSpending", pb.ListSpendingRequest(year=YEAR, **P), **elsewhere).spending) == []
    for method, request in [("RecordSpending", pb.RecordSpendingRequest(spending=pb.Spending(
            budget_id=mine.id, date=DAY, purpose="x", amount_fen=1))),
            ("GetFundingReport", pb.GetFundingReportRequest(year=YEAR))]:
        assert e.error(method, request, **me).code() == grpc.StatusCode.PERMISSION_DENIED
    # Staff see their subtree: another county's budget is NOT_FOUND, its region PERMISSION_DENIED.
    staff_c = {"role": "staff", "region": COUNTY_C}
    assert e.error("GetBudget", pb.GetBudgetRequest(id=mine.id), **staff_c).code() == grpc.StatusCode.NOT_FOUND
    assert e.error("ListBudgets", pb.ListBudgetsRequest(region_code=COUNTY_B, year=YEAR),
                   **staff_c).code() == grpc.StatusCode.PERMISSION_DENIED
    assert e.error("ListSpending", pb.ListSpendingRequest(region_code=COUNTY_B, year=YEAR),
                   **staff_c).code() == grpc.StatusCode.PERMISSION_DENIED
    assert e.error("ListSpending", pb.ListSpendingRequest(year=YEAR, budget_id=mine.id),
                   **staff_c).code() == grpc.StatusCode.NOT_FOUND
    assert {b.holder_name for b in e.call("ListBudgets", pb.ListBudgetsRequest(year=YEAR, **P), **staff_c).budgets} \
        == {"县代表戊"}
    # A department sees none of it.
    dept = {"role": "department", "region": COUNTY_B, "subject": "dept-finance"}
    for method, request in [("ListBudgets", pb.ListBudgetsRequest(year=YEAR)),
                            ("ListSpending", pb.ListSpendingRequest(year=YEAR)),
                            ("GetBudget", pb.GetBudgetRequest(id=mine.id)),
                            ("GetFundingReport", pb.GetFundingReportRequest(year=YEAR)),
                            ("GetRollup", pb.GetRollupRequest(year=YEAR))]:
        assert e.error(method, request, **dept).code() == grpc.StatusCode.PERMISSION_DENIED


def test_the_county_s_satisfaction_vote_rectifications_and_inquiries_roll_up(tiers):
    """The county's published vote (the seed's year: 18 of 20 satisfied, 2 basically), a
    rectification required and completed, an interpellation held: the county's evaluation
    publishes them as it would (its outbox, the relay, Kafka); the prefecture counts them in its
    roll-up, each once, though the vote's result and the rectification arrive twice."""
    _, prefecture, _, county = tiers
    vote = spb.SatisfactionVote(id=str(uuid.uuid4()), region_code=COUNTY_A, year=YEAR - 1, title="民生实事满意度测评",
                                projects=[spb.ProjectResult() for _ in range(20)], satisfied_projects=18,
                                basically_satisfied_projects=2, unsatisfied_projects=0, satisfaction_rate="90.00")
    fix = spb.Rectification(id=str(uuid.uuid4()), region_code=COUNTY_A, year=YEAR - 1, title="农村饮水安全巩固提升")
    events = [ev.SatisfactionResultPublished(vote=vote), ev.SatisfactionResultPublished(vote=vote),
              ev.RectificationRequired(rectification=fix), ev.RectificationCompleted(rectification=fix),
              ev.RectificationCompleted(rectification=fix),
              ev.InquiryOpened(inquiry=spb.Inquiry(id=str(uuid.uuid4()), region_code=COUNTY_A, held_on=f"{YEAR - 1}-11-20",
                                                   kind=spb.INQUIRY_KIND_INTERPELLATION))]
    with county.runtime.transaction() as s:
        for e in events:
            county.runtime.outbox.add(s, e, region=COUNTY_A)

    def counted():
        r = prefecture.call("GetRollup", pb.GetRollupRequest(region_code=PREFECTURE, year=YEAR - 1), **PREFECTURE_STAFF)
        c = {x.region_code: dict(x.counters) for x in r.regions}.get(COUNTY_A, {})
        return (r, c) if c.get("interpellations") else None
    r, c = wait(counted, "the county's vote in the prefecture's roll-up")
    assert (c["satisfaction_votes"], c["satisfaction_projects"], c["satisfaction_satisfied"],
            c["satisfaction_basically_satisfied"]) == (1, 20, 18, 2)
    assert (c["rectifications_required"], c["rectifications_completed"], c["interpellations"]) == (1, 1, 1)
    assert dict(r.total.counters)["satisfaction_satisfied"] == 18
    assert "inquiries" not in c and "funds_allocated_fen" not in c    # none of those that year
    # The rate is evaluation's, per area: the seed's 90% for the county and the prefecture; the
    # prefecture's own level (本级) holds none of it, so it has no rate, and the rows add up.
    county_row = {x.region_code: x for x in r.regions}[COUNTY_A]
    assert (county_row.satisfaction_rate, r.total.satisfaction_rate, r.own.satisfaction_rate) == ("90.00", "90.00", "")
    assert r.own.region_name == "昌吉回族自治州本级"
    for name, total in r.total.counters.items():
        assert r.own.counters.get(name, 0) + sum(x.counters.get(name, 0) for x in r.regions) == total, name
