"""Meetings with heads of state organs (约见): a deputy asks to meet the head of a state organ
(the organ, the subject, the reason); the office arranges it (the day, the organ, the head's
name and post), records it as held with the outcome and the follow-up promised, and tracks it
until it marks the follow-up done. The order of the steps is bills_domain's.

Scope: the office (staff, committee, systems) its subtree; a deputy the meetings they asked
for, in their token's region. Each step runs in one transaction with its event.
"""
from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.supervision import bills_domain as b
from services.supervision import convert
from services.supervision import domain as d
from services.supervision.access import ACCESS
from services.supervision.store import in_subtree
from services.supervision.tables import OrganMeetingRow
from shared import paging, validation
from shared import text as canonical
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import china_day, now
from shared.errors import InvalidArgument, NotFound, PermissionDenied
from shared.service import Runtime


class OrganMeetings:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    def sees(self, who: Principal, row: OrganMeetingRow) -> bool:
        scope = ACCESS.allows(who, "organ_meeting.read")
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN and who.role is Role.DEPUTY:
            return row.region_code == who.region and row.deputy_id == who.subject
        return False

    def in_scope(self, s: Session, who: Principal, meeting_id: str, action: str,
                 *, for_update: bool = True) -> OrganMeetingRow:
        """The meeting a request names, for ``action``; NOT_FOUND naming ``id`` when unknown or
        outside the caller's scope (another deputy's, another region's)."""
        scope = ACCESS.scope(who, action)
        q = select(OrganMeetingRow).where(OrganMeetingRow.id == meeting_id)
        row = s.scalars(q.with_for_update() if for_update else q).first()
        if row is None or not self.sees(who, row):
            raise NotFound("organ meeting", meeting_id, "id")
        if scope is Scope.SUBTREE and not self.regions.contains(who.region, row.region_code):
            raise NotFound("organ meeting", meeting_id, "id")
        return row

    def _publish(self, s: Session, row: OrganMeetingRow, event) -> OrganMeetingRow:
        row.updated_at = now()
        s.flush()
        self.rt.outbox.add(s, event(row), region=row.region_code)
        return row

    def request(self, who: Principal, organ: str, subject: str, reason: str) -> OrganMeetingRow:
        """A deputy asks to meet the head of ``organ`` about ``subject``, for ``reason``."""
        ACCESS.scope(who, "organ_meeting.request")
        self.rt.deployment.require_served(who.region, "region_code")
        region = self.regions.get(who.region)
        if not region.has_congress:
            raise PermissionDenied("a sub-district has no people's congress of its own")
        organ = d.line(organ, "organ", max_len=b.MAX_ORGAN, required=True)
        subject = d.line(subject, "subject", max_len=b.MAX_SUBJECT, required=True)
        reason = d.text(reason, "reason", max_len=b.MAX_REASON, required=True)
        at = now()
        with self.rt.transaction() as s:
            row = OrganMeetingRow(id=str(uuid.uuid4()), region_code=region.code, region_path=region.path,
                                  deputy_id=who.subject[:100], deputy_name=who.name[:50], organ=organ,
                                  subject=subject, reason=reason, status=int(b.OrganMeetingStatus.REQUESTED),
                                  meeting_on=None, arranged_organ="", head_name="", head_post="", outcome="",
                                  follow_up="", follow_up_result="", arranged_by="", recorded_by="", completed_by="",
                                  requested_at=at, arranged_at=None, held_at=None, completed_at=None, updated_at=at)
            s.add(row)
            return self._publish(s, row, convert.organ_meeting_requested)

    def arrange(self, who: Principal, meeting_id: str, meeting_on: str, organ: str, head_name: str,
                head_post: str) -> OrganMeetingRow:
        """The office fixes the day, the organ and its head (again, until held)."""
        day = d.check_day(meeting_on, "meeting_on", required=True)
        organ = d.line(organ, "organ", max_len=b.MAX_ORGAN, required=True)
        head_name = validation.text(head_name, "head_name", max_len=d.MAX_NAME, required=True, form=canonical.name)
        head_post = d.line(head_post, "head_post", max_len=b.MAX_POST, required=True)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, meeting_id, "organ_meeting.manage")
            b.check_arrange(b.OrganMeetingStatus(row.status))
            row.meeting_on, row.arranged_organ, row.head_name, row.head_post = day, organ, head_name, head_post
            row.arranged_by, row.arranged_at = who.subject[:100], now()
            row.status = int(b.OrganMeetingStatus.ARRANGED)
            return self._publish(s, row, convert.organ_meeting_arranged)

    def record(self, who: Principal, meeting_id: str, outcome: str, follow_up: str,
               no_follow_up: bool = False) -> OrganMeetingRow:
        """The meeting as held (on or after its day): the outcome and the follow-up promised
        (HELD, followed until done). A blank follow-up is refused (INVALID_ARGUMENT follow_up)
        unless ``no_follow_up`` says nothing was promised: then it is done at once (DONE), so
        a field left empty by mistake never closes a meeting."""
        outcome = d.text(outcome, "outcome", max_len=b.MAX_OUTCOME, required=True)
        follow_up = d.text(follow_up, "follow_up", max_len=b.MAX_OUTCOME, required=not no_follow_up)
        if no_follow_up and follow_up:
            raise InvalidArgument("no_follow_up", "is set but a follow-up is given")
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, meeting_id, "organ_meeting.manage")
            b.check_record_organ(b.OrganMeetingStatus(row.status), row.meeting_on, china_day(now()))
            row.outcome, row.follow_up = outcome, follow_up
            row.recorded_by, row.held_at = who.subject[:100], now()
            row.status = int(b.OrganMeetingStatus.HELD if follow_up else b.OrganMeetingStatus.DONE)
            return self._publish(s, row, convert.organ_meeting_held)

    def complete(self, who: Principal, meeting_id: str, result: str) -> OrganMeetingRow:
        """The office marks the promised follow-up done, saying how."""
        result = d.text(result, "result", max_len=b.MAX_OUTCOME, required=True)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, meeting_id, "organ_meeting.manage")
            b.check_follow_up(b.OrganMeetingStatus(row.status))
            row.follow_up_result, row.completed_by, row.completed_at = result, who.subject[:100], now()
            row.status = int(b.OrganMeetingStatus.DONE)
            return self._publish(s, row, convert.organ_meeting_followed_up)

    def get(self, who: Principal, meeting_id: str) -> OrganMeetingRow:
        with self.rt.transaction() as s:
            return self.in_scope(s, who, meeting_id, "organ_meeting.read", for_update=False)

    def list_meetings(self, who: Principal, region_code: str, status: b.OrganMeetingStatus | None,
                      page: paging.Page) -> tuple[list[OrganMeetingRow], int, str]:
        """Meetings of a region's subtree (oldest request first); a deputy's own only."""
        ACCESS.scope(who, "organ_meeting.read")
        code = validation.region_code(region_code, "region_code") if region_code else who.region
        self.regions.require(code, "region_code")
        self.rt.deployment.require_home(code, "region_code")
        self.regions.ensure_within(who.region, code)
        where = [in_subtree(OrganMeetingRow.region_path, self.regions.get(code).path)]
        if status is not None:
            where.append(OrganMeetingRow.status == int(status))
        if who.role is Role.DEPUTY:
            where += [OrganMeetingRow.region_code == who.region, OrganMeetingRow.deputy_id == who.subject]
        with self.rt.transaction() as s:
            total = s.scalar(select(func.count()).select_from(OrganMeetingRow).where(*where)) or 0
            order = [(OrganMeetingRow.region_path, paging.ASC), (OrganMeetingRow.requested_at, paging.ASC),
                     (OrganMeetingRow.id, paging.ASC)]
            rows, token = paging.take(page, list(s.scalars(paging.keyset(select(OrganMeetingRow).where(*where),
                                                                         order, page))),
                                      lambda r: (r.region_path, r.requested_at, r.id))
            return rows, total, token
