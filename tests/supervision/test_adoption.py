"""balloting -> supervision by events, over the real Kafka broker: a ballot published in the
balloting service opens a project file here for each adopted project, with what the ballot
carried (no re-typing), once, also when the event is delivered twice."""
from __future__ import annotations

import uuid

from kit.settings import TOWNSHIP_A2
from lianxin.supervision.v1 import supervision_pb2 as pb
from sqlalchemy import text
from supervision_support import LEAD, STAFF, departments, wait


def test_a_published_ballot_opens_its_adopted_projects_once(world):
    c, made = world.published_ballot(TOWNSHIP_A2)
    adopted = list(c.adopted)
    assert len(adopted) == 2
    rows = wait(lambda: (r := world.rows("SELECT id, proposal_id FROM projects WHERE campaign_id = :c", c=c.id))
                and len(r) == 2 and r, "the adopted projects opened in supervision")
    assert {r.proposal_id for r in rows} == set(adopted)

    listed = world.s.call("ListProjects", pb.ListProjectsRequest(region_code=TOWNSHIP_A2, year=c.year), **STAFF)
    assert listed.total_size == 2
    by_proposal = {p.proposal_id: p for p in listed.projects}
    for proposal in made:
        if proposal.id not in adopted:
            assert proposal.id not in by_proposal
            continue
        p = by_proposal[proposal.id]
        # Everything the ballot carried, nobody re-typing it; the deadline is the year's end.
        assert (p.title, p.category, p.description, p.budget_fen) == (
            proposal.title, proposal.category, proposal.description, proposal.investment_fen)
        assert (p.origin, p.campaign_id, p.region_code, p.year) == (pb.PROJECT_ORIGIN_BALLOT, c.id, TOWNSHIP_A2,
                                                                    c.year)
        assert (p.funding_source, p.schedule, p.deadline) == ("乡级财政", "当年3月至10月", f"{c.year}-12-31")
        assert p.budget_yuan == f"{proposal.investment_fen // 100}.00"
        assert p.progress_percent == "0.00" and not p.departments and not p.milestones
        assert [(h.action, h.actor, h.actor_role) for h in p.history] == [("opened", "balloting", "system")]
    assert world.events().count("ProjectOpened") >= 2

    # Delivered twice: the same event again (the inbox drops it) and a copy under a new event id
    # (as if balloting published it again): neither opens a second file.
    with world.b.engine.begin() as conn:
        first = conn.execute(text("SELECT event_id FROM outbox WHERE type = 'lianxin.balloting.v1.ProjectAdopted' "
                                  "ORDER BY seq LIMIT 1")).scalar_one()
        copy = str(uuid.uuid4())
        conn.execute(text("UPDATE outbox SET sent_at = NULL WHERE event_id = :e"), {"e": first})
        conn.execute(text(
            "INSERT INTO outbox (event_id, topic, key, type, source, subject, time, data) "
            "SELECT :new, topic, key, type, source, subject, time, data FROM outbox WHERE event_id = :old"),
            {"new": copy, "old": first})
    wait(lambda: world.rows("SELECT count(*) FROM inbox WHERE event_id = :e", e=copy)[0][0],
         "the copy handled by supervision")
    assert world.rows("SELECT count(*) FROM projects WHERE campaign_id = :c", c=c.id)[0][0] == 2

    # The office then plans the ballot's project as any other: departments, milestones.
    p = by_proposal[adopted[0]]
    planned = world.s.call("SetProjectPlan", pb.SetProjectPlanRequest(
        id=p.id, departments=departments(), budget_fen=p.budget_fen, deadline=p.deadline,
        milestones=[pb.MilestonePlan(title="开工", due_date=f"{c.year}-05-01", weight=1),
                    pb.MilestonePlan(title="完工", due_date=f"{c.year}-10-31", weight=3)]),
        role="staff", region=TOWNSHIP_A2)
    assert [x.department for x in planned.departments] == [LEAD, "dept-finance"]
    assert [h.action for h in planned.history] == ["opened", "departments", "milestones"]
