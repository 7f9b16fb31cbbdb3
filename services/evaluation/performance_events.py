"""The events a deputy's work produces, read into performance items: one reader per event class
(the consumer table), used alike when an event arrives and when a year is recomputed from the
stored events, so both derive the same items.

- liaison ActivityRecorded: every deputy present at a visit (走访选民), a reception (接待选民)
  or another activity (meeting, themed campaign, major matter: 代表活动), on the activity's day.
- liaison OpinionStepRecorded: an opinion answered by the deputy themself (码上答), on the
  China day of the answer; one item per opinion however often answered.
- balloting AttendanceRecorded: the session attended (one item per campaign and session day,
  whatever the rounds) and each round voted in (attendance only: the event never says how).
- supervision InspectionRecorded: the deputies among the participants, on the day held.
  Participants are deputies by roster id and others (experts, officials) by name, who earn
  nothing. Supervision holds no roster and cannot check an id, so an id counts when the
  directory knows it, on arrival, as a deputy of the inspection's branch of the tree; any
  other id is passed over. Inspections recorded before ids were kept name their participants
  only as written (张三, 李四): those names are matched on arrival to deputies of the branch, a
  name matching exactly one deputy (two deputies of one name: neither). Either way the ids
  taken are stored with the event, so recomputing reads the same ids. The ids (or names) not
  taken are kept too (pending): when the roster's event of such a deputy arrives only later
  (a roster deployment that was down, a new deployment replaying both topics, one topic's
  consumer behind the other's), the directory's consumer reads the event again and credits
  them then, adding them to the stored ids (Performance.learned).
- supervision ItemRegistered: a bill (议案) or a suggestion (建议) its submitting deputy (领衔)
  submitted, and each co-signer who signed (附议), on the China day it was submitted, counted
  once the office registered it (立案: its kind is known then, a withdrawn draft never counts).
- supervision OrganMeetingHeld: a meeting with the head of a state organ (约见) the deputy
  asked for, on the day it was held.
- evaluation SatisfactionVoteCounted: each deputy whose ballot is in (who voted, never what),
  on the China day the vote was counted, credited to the vote's year: the vote of year Y rates
  Y's projects and is Y's duty, held at the end of Y or early in Y+1, so it belongs in the
  deputy's file (and ranking) of Y, not of the year the count fell in.
- evaluation ConstituentReportRecorded: a report to constituents (述职), as the office recorded it.

The day is the day the work took place, in China time, never the day the event arrived: an
event arriving late lands in its own year (the day's year; the satisfaction vote's year for
that vote, above). Events of a region outside the region tree are passed over.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lianxin.balloting.v1 import events_pb2 as bev
from lianxin.evaluation.v1 import events_pb2 as eev
from lianxin.liaison.v1 import events_pb2 as lev
from lianxin.supervision.v1 import events_pb2 as sev

from services.evaluation.scoring import MAX_TITLE, ActivityKind, ItemKind, OpinionStatus, WorkKind
from shared.clock import china_day
from shared.service import ConsumedTopic, EventHandler, Runtime, event_consumer


@dataclass(frozen=True)
class Fact:
    deputy_id: str
    kind: WorkKind
    key: str
    title: str


@dataclass
class Reading:
    """What one event says of deputies' work: where and on which day, and who did what."""
    region_code: str
    day: date
    facts: list[Fact]
    resolved: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()   # participants not (yet) resolved: ids, or names of an old event
    year: int = 0           # the year the work is credited to; 0: the day's year

    @property
    def credited_year(self) -> int:
        return self.year or self.day.year


@dataclass
class Arrival:
    """The event's id and, for names to match to deputies, a resolver, and for ids to check
    as deputies', a checker, both (region_code, names or ids) -> deputy ids (on arrival: the
    roster read model; on recomputation: the ids stored with the event)."""
    event_id: str
    resolve: Callable[[str, Sequence[str]], tuple[str, ...]] = field(default=lambda region, names: ())
    known: Callable[[str, Sequence[str]], tuple[str, ...]] = field(default=lambda region, ids: ())


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _ids(values) -> list[str]:
    """Deputy ids, once each, in their order; blanks dropped."""
    seen: dict[str, None] = {}
    for v in values:
        if v and len(v) <= 36:
            seen.setdefault(v, None)
    return list(seen)


ACTIVITY_KINDS = {ActivityKind.VISIT: (WorkKind.VISIT, "走访选民"),
                  ActivityKind.RECEPTION: (WorkKind.RECEPTION, "接待选民"),
                  ActivityKind.MEETING: (WorkKind.ACTIVITY, "代表会议"),
                  ActivityKind.CAMPAIGN: (WorkKind.ACTIVITY, "主题活动"),
                  ActivityKind.MAJOR_MATTER: (WorkKind.ACTIVITY, "重大事项")}


def activity(e: lev.ActivityRecorded, a: Arrival) -> Reading | None:
    act = e.activity
    day, kind = _day(act.date), ACTIVITY_KINDS.get(act.kind)
    if day is None or kind is None or not act.id:
        return None
    title = (act.title or kind[1])[:MAX_TITLE]
    return Reading(act.region_code, day, [Fact(dep, kind[0], f"activity:{act.id}:{dep}", title)
                                          for dep in _ids(act.deputy_ids)])


def opinion_step(e: lev.OpinionStepRecorded, a: Arrival) -> Reading | None:
    if e.status != OpinionStatus.ANSWERED or not e.actor_deputy_id or not e.HasField("at"):
        return None
    dep = e.actor_deputy_id
    return Reading(e.handling_region or e.region_code, china_day(e.at.ToDatetime()),
                   [Fact(dep, WorkKind.OPINION_ANSWERED, f"answer:{e.opinion_id}:{dep}", "答复群众意见（码上答）")])


def attendance(e: bev.AttendanceRecorded, a: Arrival) -> Reading | None:
    day = _day(e.session_date)
    if day is None or not e.campaign_id:
        return None
    facts = [Fact(dep, WorkKind.SESSION_ATTENDED, f"session:{e.campaign_id}:{e.session_date}:{dep}",
                  f"出席{e.year}年民生实事项目票决会议") for dep in _ids(e.present_deputy_ids)]
    facts += [Fact(dep, WorkKind.BALLOT_CAST, f"ballot:{e.campaign_id}:{e.round}:{dep}",
                   f"参加{e.year}年民生实事项目票决（第{e.round}轮）") for dep in _ids(e.voted_deputy_ids)]
    return Reading(e.region_code, day, facts)


def inspection(e: sev.InspectionRecorded, a: Arrival) -> Reading | None:
    insp = e.inspection
    day = _day(insp.held_on)
    if day is None or not insp.id:
        return None
    if insp.participants:   # by id: deputies, not any name's bearer
        named = _ids(p.deputy_id for p in insp.participants)
        ids = a.known(insp.region_code, named)
        pending = tuple(x for x in named if x not in ids)
    else:                   # recorded before ids: names, each matching one deputy or none
        names = list(dict.fromkeys(n[:50] for n in insp.participant_names if n))
        ids = a.resolve(insp.region_code, names)
        # Which name took which id is not kept: every name stays pending while some did not.
        pending = tuple(names) if len(ids) < len(names) else ()
    return Reading(insp.region_code, day, [Fact(dep, WorkKind.INSPECTION_JOINED, f"inspection:{insp.id}:{dep}",
                                                (insp.title or "视察调研")[:MAX_TITLE]) for dep in _ids(ids)],
                   resolved=tuple(ids), pending=pending)


def item_registered(e: sev.ItemRegistered, a: Arrival) -> Reading | None:
    item = e.item
    kind = {ItemKind.BILL: WorkKind.BILL_SUBMITTED, ItemKind.SUGGESTION: WorkKind.SUGGESTION_SUBMITTED}.get(item.kind)
    if kind is None or not item.id or not item.HasField("submitted_at"):
        return None
    title = (f"{item.number}：" if item.number else "") + item.title
    facts = [Fact(dep, kind, f"item:{item.id}:{dep}", title[:MAX_TITLE]) for dep in _ids([item.submitter_id])]
    facts += [Fact(dep, WorkKind.CO_SIGNED, f"cosign:{item.id}:{dep}", f"附议：{title}"[:MAX_TITLE])
              for dep in _ids(c.deputy_id for c in item.co_signers if c.signed and c.deputy_id != item.submitter_id)]
    return Reading(item.region_code, china_day(item.submitted_at.ToDatetime()), facts)


def organ_meeting(e: sev.OrganMeetingHeld, a: Arrival) -> Reading | None:
    m = e.meeting
    day = _day(m.meeting_on) or (china_day(m.held_at.ToDatetime()) if m.HasField("held_at") else None)
    if day is None or not m.id or not m.deputy_id:
        return None
    head = f"{m.arranged_organ or m.organ}{m.head_post}{m.head_name}"
    return Reading(m.region_code, day, [Fact(m.deputy_id, WorkKind.ORGAN_HEAD_MEETING, f"organ:{m.id}:{m.deputy_id}",
                                             f"约见{head}：{m.subject}"[:MAX_TITLE])])


def satisfaction_vote(e: eev.SatisfactionVoteCounted, a: Arrival) -> Reading | None:
    vote = e.vote
    if not vote.id or not vote.HasField("closed_at"):
        return None
    facts = [Fact(dep, WorkKind.SATISFACTION_VOTE_CAST, f"satisfaction:{vote.id}:{dep}",
                  (vote.title or f"{vote.year}年民生实事项目满意度测评")[:MAX_TITLE]) for dep in _ids(e.voters)]
    return Reading(vote.region_code, china_day(vote.closed_at.ToDatetime()), facts,
                   year=vote.year if 2000 <= vote.year <= 2100 else 0)


def constituent_report(e: eev.ConstituentReportRecorded, a: Arrival) -> Reading | None:
    day = _day(e.held_on)
    if day is None or not e.deputy_id:
        return None
    return Reading(e.region_code, day, [Fact(e.deputy_id, WorkKind.CONSTITUENT_REPORT,
                                             f"report:{a.event_id}:{e.deputy_id}",
                                             (e.title or "向原选区选民述职")[:MAX_TITLE])])


READERS: dict[Any, Callable[[Any, Arrival], Reading | None]] = {
    lev.ActivityRecorded: activity,
    lev.OpinionStepRecorded: opinion_step,
    bev.AttendanceRecorded: attendance,
    sev.InspectionRecorded: inspection,
    sev.ItemRegistered: item_registered,
    sev.OrganMeetingHeld: organ_meeting,
    eev.SatisfactionVoteCounted: satisfaction_vote,
    eev.ConstituentReportRecorded: constituent_report,
}
BY_TYPE: dict[str, Any] = {cls.DESCRIPTOR.full_name: cls for cls in READERS}


def read_stored(type_name: str, data: bytes, event_id: str, resolved: tuple[str, ...], *,
                resolve: Callable[[str, Sequence[str]], tuple[str, ...]] | None = None,
                known: Callable[[str, Sequence[str]], tuple[str, ...]] | None = None) -> Reading | None:
    """An event as stored, read again (recomputation): names and ids resolve to the ids stored
    with it; or, given ``resolve`` and ``known``, against the directory as it is now (a deputy
    learned late: Performance.learned)."""
    cls = BY_TYPE.get(type_name)
    if cls is None:
        return None
    return READERS[cls](cls.FromString(data), Arrival(event_id, resolve or (lambda region, names: resolved),
                                                      known or (lambda region, ids: resolved)))


def performance_consumer(runtime: Runtime) -> ConsumedTopic:
    """The consumer table: each class above to its reader, applied by Performance.ingest."""
    from services.evaluation.performance import Performance
    performance = Performance(runtime)

    def handler(reader) -> EventHandler:
        return lambda s, e, env: performance.ingest(s, e, env, reader)

    return event_consumer(f"evaluation-performance-{runtime.settings.home_region}",
                          {cls: handler(reader) for cls, reader in READERS.items()})
