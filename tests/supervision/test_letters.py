"""The lateness sweep and its reminder letters (提醒督办函), time moved with shared.clock (never
slept): milestones past their due day get one numbered letter each, a project behind plan
one once its overdue milestones' letters are answered (not two letters for one lateness),
to the lead department, also when two sweeps run at once; the letter is a DOCX opened here
with python-docx and its Chinese text checked."""
from __future__ import annotations

import io
import re
import threading
from datetime import datetime

import docx
from kit.settings import COUNTY_A, PREFECTURE
from lianxin.supervision.v1 import events_pb2 as ev
from lianxin.supervision.v1 import supervision_pb2 as pb
from supervision_support import CO, LEAD, PREFECTURE_STAFF, STAFF

from services.supervision.letters import Letters
from shared.clock import CHINA, frozen


def on(day: str):
    """Noon of a China day, frozen for the block."""
    return frozen(datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=CHINA))


def letters(world, **who) -> list[pb.Letter]:
    return list(world.s.call("ListLetters", pb.ListLettersRequest(region_code=COUNTY_A), **(who or STAFF)).letters)


def test_a_late_milestone_gets_one_letter_and_behind_plan_waits_for_its_answer(world):
    p = world.project(year=2031)   # milestones due 03-31 (20), 08-31 (50), 11-30 (30)
    sweep = Letters(world.s.runtime).sweep
    with on("2031-03-31"):
        assert sweep() == 0        # due today is not late yet
    # Five days on, nothing reported: the milestone is overdue and the project 20 points behind
    # (more than the margin of 10). The milestone's letter says the project is late: no second
    # letter about it the same minute. Two sweeps at once issue it once.
    with on("2031-04-05"):
        with world.expect_events("LetterIssued"):
            counts: list[int] = []
            threads = [threading.Thread(target=lambda: counts.append(sweep())) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert sorted(counts) == [0, 1]
        assert sweep() == 0
        # Answers say how late each milestone is, by the sweep's rule (the pages show it).
        got = world.s.call("GetProject", pb.GetProjectRequest(id=p.id), **STAFF)
        assert [m.days_late for m in got.milestones] == [5, 0, 0]
    got = sorted(letters(world), key=lambda x: x.number)
    assert [(x.kind, x.days_late, x.department, x.reply_by) for x in got] == [
        (pb.LATENESS_KIND_MILESTONE_OVERDUE, 5, LEAD, "2031-04-15")]
    assert [x.number for x in got] == ["昌吉市人大常委会督办函〔2031〕1号"]
    assert got[0].milestone_id == p.milestones[0].id and not got[0].document
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
    # The milestone's letter answered and the project still behind: now the project gets its letter.
    with on("2031-04-06"):
        answer(world, got[0].id)
        assert sweep() == 1
        assert sweep() == 0
    got = sorted(letters(world), key=lambda x: x.number)
    assert [(x.kind, x.number) for x in got][1:] == [(pb.LATENESS_KIND_BEHIND_PLAN, "昌吉市人大常委会督办函〔2031〕2号")]
    assert got[1].what_is_late == "按推进计划截至2031年4月6日应完成20.00%，实际完成0.00%，落后20.00个百分点"
    # The project's history keeps each letter.
    history = world.s.call("GetProject", pb.GetProjectRequest(id=p.id), **STAFF).history
    assert [h.after for h in history if h.action == "letter"] == [f"{x.number}（提醒督办函）：{x.what_is_late}" for x in got]

    # The lead reports the first milestone done; in September the second is overdue and the
    # project behind again (planned 70, done 20): the new milestone's letter, numbered on.
    world.report(p, 0, 100)
    with on("2031-09-05"):
        assert sweep() == 1
    assert sorted(x.number for x in letters(world))[-1] == "昌吉市人大常委会督办函〔2031〕3号"
    # A co-department sees no letter addressed to the lead; the lead sees its three.
    assert letters(world, role="department", region=COUNTY_A, subject=CO) == []
    assert len(letters(world, role="department", region=COUNTY_A, subject=LEAD)) == 3
    assert world.s.error("GetLetter", pb.GetLetterRequest(id=got[0].id), role="department", region=COUNTY_A,
                         subject=CO).code().name == "NOT_FOUND"


def document_text(world, letter_id: str) -> str:
    full = world.s.call("GetLetter", pb.GetLetterRequest(id=letter_id), **STAFF)
    return "\n".join(x.text for x in docx.Document(io.BytesIO(full.document)).paragraphs)


def answer(world, letter_id: str, text: str = "已召开专题会议研究，倒排工期，确保按期完成。", day: str = "", *,
           subject: str = LEAD, **who):
    who = who or {"role": "department", "region": COUNTY_A, "subject": subject}
    return world.s.call("AnswerLetter", pb.AnswerLetterRequest(id=letter_id, answer=text, answered_on=day), **who)


def test_unanswered_letters_grow_firmer_and_go_to_the_tier_above_and_an_answer_stops_them(world):
    # 2032: milestones due 03-15 (10), 03-31 (20), 08-31 (40), 11-30 (30); nothing reported.
    p = world.project(year=2032, milestones=[
        pb.MilestonePlan(title="完成选址", due_date="2032-03-15", weight=10),
        pb.MilestonePlan(title="完成设计", due_date="2032-03-31", weight=20),
        pb.MilestonePlan(title="完成主体施工", due_date="2032-08-31", weight=40),
        pb.MilestonePlan(title="验收交付使用", due_date="2032-11-30", weight=30)])
    run = Letters(world.s.runtime).sweep

    def sweep() -> int:
        """Sweeps; the letters it issued about this project (the module's others are swept too)."""
        before = len(mine())
        run()
        return len(mine()) - before

    def mine() -> list[pb.Letter]:
        return [x for x in letters(world) if x.project_id == p.id]
    with on("2032-04-05"):
        assert sweep() == 2
    # two overdue milestones, one letter each; the project behind plan gets none while they are
    # unanswered (their letters say it is late)
    first = {x.milestone_id: x for x in mine()}
    assert {x.kind for x in first.values()} == {pb.LATENESS_KIND_MILESTONE_OVERDUE}
    late, earlier = first[p.milestones[1].id], first[p.milestones[0].id]
    assert (late.level, late.title, late.chain, late.follows_id) == (1, "提醒督办函", late.chain, "")

    # The department answers the first milestone's letter (on paper the day before it was entered).
    with on("2032-04-10"):
        # bad answers first: nothing recorded
        with world.expect_no_writes():
            for day, field in (("2032-04-11", "answered_on"), ("2032-04-04", "answered_on"), ("4/9", "answered_on")):
                err = world.s.error("AnswerLetter", pb.AnswerLetterRequest(id=earlier.id, answer="好", answered_on=day),
                                    role="department", region=COUNTY_A, subject=LEAD)
                assert err.code().name == "INVALID_ARGUMENT" and err.details().startswith(f"{field}:"), err.details()
            err = world.s.error("AnswerLetter", pb.AnswerLetterRequest(id=earlier.id, answer=" "),
                                role="department", region=COUNTY_A, subject=LEAD)
            assert err.details().startswith("answer:")
            # a co-department may not answer the lead's letter: it is not theirs to see
            assert world.s.error("AnswerLetter", pb.AnswerLetterRequest(id=earlier.id, answer="好"), role="department",
                                 region=COUNTY_A, subject=CO).code().name == "NOT_FOUND"
        with world.expect_events("LetterAnswered"):
            answered = answer(world, earlier.id, day="2032-04-09")
        assert (answered.answered_on, answered.answered_by, answered.answer) == (
            "2032-04-09", LEAD, "已召开专题会议研究，倒排工期，确保按期完成。")
        assert answer_error(world, earlier.id) == "FAILED_PRECONDITION"   # answered once

    # Reply-by day 04-15: not yet overdue on that day; the next day the milestone's letter,
    # unanswered, is followed by a 督办函 (once, also with two sweeps at once); the answered
    # chain stops, and behind plan still waits (one milestone's letter is unanswered).
    with on("2032-04-15"):
        assert sweep() == 0
    with on("2032-04-16"):
        before = len(mine())
        counts: list[int] = []
        threads = [threading.Thread(target=lambda: counts.append(run())) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert min(counts) == 0 and len(mine()) == before + 1
    chain = sorted((x for x in letters(world) if x.chain == late.chain), key=lambda x: x.level)
    second = chain[-1]
    assert [(x.level, x.title) for x in chain] == [(1, "提醒督办函"), (2, "督办函")]
    assert (second.follows_id, second.days_late, second.reply_by, second.department) == (
        late.id, 16, "2032-04-26", LEAD)
    text = document_text(world, second.id)
    assert text.startswith(f"督办函\n{second.number}\n市住建局：\n")
    assert f"本委员会已于2032年4月5日以{late.number}函告你单位，要求于2032年4月15日前书面回复，截至2032年4月16日未收到回复" \
        in text
    assert "你单位未在规定期限内书面回复。请高度重视，切实履行主办责任，于2032年4月26日前" in text
    assert not [x for x in letters(world) if x.chain == earlier.chain and x.level > 1]

    # Unanswered again: 再次督办函, firmer still.
    with on("2032-04-27"):
        assert sweep() == 1
    third = max((x for x in letters(world) if x.chain == late.chain), key=lambda x: x.level)
    assert (third.level, third.title, third.follows_id) == (3, "再次督办函", second.id)
    text = document_text(world, third.id)
    assert text.startswith(f"再次督办函\n{third.number}\n")
    assert "本委员会已2次发函，你单位仍未书面回复。现再次督办，请你单位主要负责同志亲自过问" in text

    # Three unanswered (letters_before_tier_above): the tier above writes. Here the prefecture
    # is served by the same deployment, so its letter is issued at once, in its own series.
    with on("2032-05-08"):
        run()
    above = [x for x in world.s.call("ListLetters", pb.ListLettersRequest(region_code=PREFECTURE),
                                     **PREFECTURE_STAFF).letters if x.origin_region == COUNTY_A
             and x.origin_letter_id == third.id]
    assert len(above) == 1
    up = above[0]
    assert (up.title, up.region_code, up.issuer, up.origin_number, up.department) == (
        "提级督办函", PREFECTURE, "昌吉回族自治州人大常委会", third.number, LEAD)
    # numbered in the prefecture's own series (the module's other project's chains went up too)
    assert re.fullmatch(r"昌吉回族自治州人大常委会督办函〔2032〕\d+号", up.number), up.number
    assert world.s.call("GetLetter", pb.GetLetterRequest(id=third.id), **STAFF).escalated_to == PREFECTURE
    text = "\n".join(x.text for x in docx.Document(io.BytesIO(world.s.call(
        "GetLetter", pb.GetLetterRequest(id=up.id), **PREFECTURE_STAFF).document)).paragraphs)
    assert text.startswith(f"提级督办函\n{up.number}\n市住建局：\n昌吉市人大常委会就昌吉市2032年民生实事项目“{p.title}”先后3次")
    assert f"（{late.number}、{second.number}、{third.number}）" in text and "本委员会决定提级督办" in text
    assert text.endswith("昌吉回族自治州人大常委会\n2032年5月8日")
    # Nothing more goes out for that chain; the history keeps every letter and the answer.
    with on("2032-06-30"):
        assert sweep() == 0
        assert len([x for x in world.s.call("ListLetters", pb.ListLettersRequest(region_code=PREFECTURE),
                                            **PREFECTURE_STAFF).letters if x.origin_letter_id == third.id]) == 1
    history = [h for h in world.s.call("GetProject", pb.GetProjectRequest(id=p.id), **STAFF).history
               if h.action in ("letter", "letter_answer")]
    assert [h.action for h in history] == ["letter", "letter", "letter_answer", "letter", "letter", "letter",
                                           "letter"]
    assert history[2].after.startswith(f"{earlier.number}：已召开专题会议") and history[2].actor == LEAD
    assert history[-2].after.startswith(f"{third.number}等3件督办函逾期未复，提请昌吉回族自治州人大常委会督办")
    assert history[-1].after == f"{up.number}（提级督办函，昌吉回族自治州人大常委会）"


def answer_error(world, letter_id: str) -> str:
    return world.s.error("AnswerLetter", pb.AnswerLetterRequest(id=letter_id, answer="再答一次"), role="department",
                         region=COUNTY_A, subject=LEAD).code().name
