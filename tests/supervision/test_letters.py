"""The lateness sweep and its reminder letters (提醒督办函), time moved with shared.clock (never
slept): milestones past their due day and projects behind plan get one numbered letter each,
to the lead department, also when two sweeps run at once; the letter is a DOCX opened here
with python-docx and its Chinese text checked."""
from __future__ import annotations

import io
import threading
from datetime import datetime

import docx
from kit.settings import COUNTY_A
from lianxin.supervision.v1 import events_pb2 as ev
from lianxin.supervision.v1 import supervision_pb2 as pb
from supervision_support import CO, LEAD, STAFF

from services.supervision.letters import Letters
from shared.clock import CHINA, frozen


def on(day: str):
    """Noon of a China day, frozen for the block."""
    return frozen(datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=CHINA))


def letters(world, **who) -> list[pb.Letter]:
    return list(world.s.call("ListLetters", pb.ListLettersRequest(region_code=COUNTY_A), **(who or STAFF)).letters)


def test_late_milestones_and_a_project_behind_plan_get_one_letter_each(world):
    p = world.project(year=2031)   # milestones due 03-31 (20), 08-31 (50), 11-30 (30)
    sweep = Letters(world.s.runtime).sweep
    with on("2031-03-31"):
        assert sweep() == 0        # due today is not late yet
    # Five days on, nothing reported: the milestone is overdue and the project 20 points behind
    # (more than the margin of 10). Two sweeps at once issue them once.
    with on("2031-04-05"):
        with world.expect_events("LetterIssued", "LetterIssued"):
            counts: list[int] = []
            threads = [threading.Thread(target=lambda: counts.append(sweep())) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert sorted(counts) == [0, 2]
        assert sweep() == 0
        # Answers say how late each milestone is, by the sweep's rule (the pages show it).
        got = world.s.call("GetProject", pb.GetProjectRequest(id=p.id), **STAFF)
        assert [m.days_late for m in got.milestones] == [5, 0, 0]
    got = sorted(letters(world), key=lambda x: x.number)
    assert [(x.kind, x.days_late, x.department, x.reply_by) for x in got] == [
        (pb.LATENESS_KIND_MILESTONE_OVERDUE, 5, LEAD, "2031-04-15"), (pb.LATENESS_KIND_BEHIND_PLAN, 5, LEAD, "2031-04-15")]
    assert [x.number for x in got] == ["昌吉市人大常委会督办函〔2031〕1号", "昌吉市人大常委会督办函〔2031〕2号"]
    assert got[0].milestone_id == p.milestones[0].id and not got[0].document
    assert got[1].what_is_late == "按推进计划截至2031年4月5日应完成20.00%，实际完成0.00%，落后20.00个百分点"
    issued = ev.LetterIssued.FromString(world.rows(
        "SELECT data FROM outbox WHERE type = 'lianxin.supervision.v1.LetterIssued' ORDER BY seq LIMIT 1")[0][0])
    assert issued.letter.number == got[0].number and not issued.letter.document

    # The letter as a document: opened with the same library, its text as sent.
    full = world.s.call("GetLetter", pb.GetLetterRequest(id=got[0].id), role="department", region=COUNTY_A,
                        subject=LEAD)
    text = "\n".join(x.text for x in docx.Document(io.BytesIO(full.document)).paragraphs)
    assert text.startswith("提醒督办函\n昌吉市人大常委会督办函〔2031〕1号\n市住建局：\n")
    assert f"民生实事项目“{p.title}”，节点“完成选址和设计”应于2031年3月31日完成，截至2031年4月5日完成0%，已逾期5天" in text
    assert "于2031年4月15日前将整改落实情况书面回复本委员会" in text
    assert text.endswith("昌吉市人大常委会\n2031年4月5日")
    # The project's history keeps each letter.
    history = world.s.call("GetProject", pb.GetProjectRequest(id=p.id), **STAFF).history
    assert [h.after for h in history if h.action == "letter"] == [f"{x.number}：{x.what_is_late}" for x in got]

    # The lead reports the first milestone done; in September the second is overdue and the
    # project behind again (planned 70, done 20): new latenesses, new letters, numbered on.
    world.report(p, 0, 100)
    with on("2031-09-05"):
        assert sweep() == 2
    assert sorted(x.number for x in letters(world))[-1] == "昌吉市人大常委会督办函〔2031〕4号"
    # A co-department sees no letter addressed to the lead; the lead sees its four.
    assert letters(world, role="department", region=COUNTY_A, subject=CO) == []
    assert len(letters(world, role="department", region=COUNTY_A, subject=LEAD)) == 4
    assert world.s.error("GetLetter", pb.GetLetterRequest(id=got[0].id), role="department", region=COUNTY_A,
                         subject=CO).code().name == "NOT_FOUND"
