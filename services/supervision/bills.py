"""Deputies' bills and suggestions (议案建议: 提 办 督 评), "items": submitted by a deputy with the
deputies invited to co-sign (联名), each of whom signs with their own token; registered and
classified by the office (a bill needs the signers its region's rules ask); assigned to a lead
department and co-departments (主办/协办) with a deadline; the four in place (四落实) recorded by
the lead department before handling starts, the three meetings with the deputy (三见面), the
final reply (A/B/C) and the deputy's rating, an unsatisfied one reopening handling once with a
new deadline. The rules of each step are bills_domain's.

Each use case runs in one transaction: resolve the item inside the caller's scope, change it,
keep the change in its history (who, when, before -> after) and write its event to the
outbox, together; a refused call writes nothing. Scope: the office (staff, committee,
systems) its subtree; a deputy the items they submitted or were invited to co-sign, in their
token's region (the congress they sit in); a department the items assigned to it (lead or
co, its subject and region together). An item outside the caller's scope is NOT_FOUND naming
the field; one the caller reads but may not change this way is PERMISSION_DENIED (a
co-signer rating, a co-department recording the four in place).

Deputies are the roster's: supervision holds no list of them. An invited co-signer proves
themself a deputy of the same congress by signing with a deputy token of the item's region.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.supervision import bills_domain as b
from services.supervision import convert
from services.supervision import domain as d
from services.supervision.access import ACCESS
from services.supervision.store import in_subtree
from services.supervision.tables import (
    ItemChangeRow,
    ItemCoSignerRow,
    ItemDepartmentRow,
    ItemMeetingRow,
    ItemReplyRow,
    ItemRow,
    ItemRulesRow,
)
from shared import paging, validation
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import china_day, now
from shared.errors import InvalidArgument, NotFound, PermissionDenied
from shared.service import Runtime


@dataclass(frozen=True)
class Overdue:
    """An item past its round's deadline, for the lateness sweep (letters.py)."""
    item: ItemRow
    lead: ItemDepartmentRow
    lateness: d.Lateness


def signers(row: ItemRow) -> int:
    """The submitter and every co-signer who signed."""
    return 1 + sum(1 for c in row.co_signers if c.signed_at is not None)


def held_meetings(row: ItemRow) -> list[tuple[int, b.MeetingStage]]:
    return [(m.round, b.MeetingStage(m.stage)) for m in row.meetings]


def lead_of(row: ItemRow) -> ItemDepartmentRow | None:
    return next((x for x in row.departments if x.role == int(d.DepartmentRole.LEAD)), None)


def overdue_items(s: Session, home_path: str, today: date, serves) -> list[Overdue]:
    """Items of the deployment's subtree past their round's deadline and still with their
    departments (assigned or handling), each with its lateness (one per round and deadline)."""
    out = []
    rows = s.scalars(select(ItemRow).where(in_subtree(ItemRow.region_path, home_path),
                                           ItemRow.status.in_([int(b.ItemStatus.ASSIGNED),
                                                               int(b.ItemStatus.HANDLING)]),
                                           ItemRow.deadline < today)
                     .order_by(ItemRow.region_path, ItemRow.id))
    for row in rows:
        lead = lead_of(row)
        if lead is None or row.deadline is None or not serves(row.region_code):
            continue
        days = b.days_overdue(b.ItemStatus(row.status), row.deadline, today)
        out.append(Overdue(row, lead, d.Lateness(
            key=f"item:{row.id}:{row.round}:{row.deadline.isoformat()}", kind=d.LatenessKind.ITEM_OVERDUE,
            milestone_id="", days_late=days, what=b.overdue_text(b.ItemKind(row.kind), row.deadline, today))))
    return out


def described(row: ItemRow) -> str:
    """How a letter names the item: 张三代表提出的建议“…”（…2026年第3号建议）."""
    label = b.KIND_LABELS.get(b.ItemKind(row.kind), "建议")
    return f"{row.submitter_name or ''}代表提出的{label}“{row.title}”" + (f"（{row.number}）" if row.number else "")


def change(row: ItemRow, action: str, who: Principal | None, before: str, after: str) -> ItemChangeRow:
    """Keeps one change in the item's history; ``who`` None: the service's own sweep."""
    at = now()
    row.updated_at = at
    c = ItemChangeRow(action=action, before=before, after=after,
                      actor=who.subject[:100] if who else "supervision",
                      actor_role=who.role.value if who else "system",
                      actor_name=who.name[:50] if who else "督办提醒", at=at)
    row.history.append(c)
    return c


class Items:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    # ---- scope ----------------------------------------------------------------------------
    def sees(self, who: Principal, row: ItemRow) -> bool:
        scope = ACCESS.allows(who, "item.read")
        if scope is Scope.SUBTREE:
            return self.regions.contains(who.region, row.region_code)
        if scope is Scope.OWN and who.role is Role.DEPUTY:
            return row.region_code == who.region and (
                row.submitter_id == who.subject or any(c.deputy_id == who.subject for c in row.co_signers))
        if scope is Scope.OWN and who.role is Role.DEPARTMENT:
            return row.region_code == who.region and any(x.department == who.subject for x in row.departments)
        return False

    def in_scope(self, s: Session, who: Principal, item_id: str, field: str, action: str,
                 *, for_update: bool = False) -> ItemRow:
        """The item a request names for ``action`` (a role the action does not grant is
        PERMISSION_DENIED first); NOT_FOUND naming ``field`` when unknown or unseen; for a
        department's handling step, PERMISSION_DENIED unless it is the lead (主办)."""
        scope = ACCESS.scope(who, action)
        q = select(ItemRow).where(ItemRow.id == item_id)
        if for_update:
            q = q.with_for_update()
        row = s.scalars(q).first()
        if row is None or not self.sees(who, row):
            raise NotFound("item", item_id, field)
        if scope is Scope.SUBTREE and not self.regions.contains(who.region, row.region_code):
            raise NotFound("item", item_id, field)
        if action == "item.handle" and who.role is Role.DEPARTMENT:
            lead = lead_of(row)
            if lead is None or lead.department != who.subject:
                raise PermissionDenied("the lead department (主办) handles the item; co-departments assist")
        return row

    def _congress(self, who: Principal) -> str:
        """The submitting deputy's congress: their token's region, served here, with a congress."""
        self.rt.deployment.require_served(who.region, "region_code")
        region = self.regions.get(who.region)
        if not region.has_congress:
            raise PermissionDenied("a sub-district has no people's congress of its own")
        return region.code

    # ---- rules ------------------------------------------------------------------------------
    def rules_of(self, s: Session, code: str) -> b.ItemRules:
        """The region's own rules, else the defaults: the organic law's signers for its tier,
        three months to handle, one to handle again."""
        own = s.get(ItemRulesRow, code)
        if own is None:
            return b.ItemRules(code, b.law_signers(self.regions.get(code)))
        return b.ItemRules(code, own.bill_signers_required, own.handling_months, own.rehandling_months,
                           inherited=False)

    def get_rules(self, who: Principal, region_code: str) -> b.ItemRules:
        ACCESS.scope(who, "item_rules.read")
        code = validation.region_code(region_code, "region_code") if region_code else who.region
        self.regions.require(code, "region_code")
        self.rt.deployment.require_home(code, "region_code")
        if ACCESS.scope(who, "item_rules.read") is Scope.OWN:
            if not (self.regions.contains(code, who.region)):
                raise PermissionDenied("a deputy reads the rules of their own region and those above it")
        else:
            self.regions.ensure_within(who.region, code)
        with self.rt.transaction() as s:
            return self.rules_of(s, code)

    def set_rules(self, who: Principal, region_code: str, signers_required: int, handling: int,
                  rehandling: int) -> b.ItemRules:
        """A region's own rules (the office's): signers of a bill, at least the law's for the
        tier; months to handle and to handle again."""
        ACCESS.scope(who, "item_rules.write")
        code = validation.region_code(region_code, "rules.region_code")
        region = self.regions.require(code, "rules.region_code")
        self.rt.deployment.require_served(code, "rules.region_code")
        self.regions.ensure_within(who.region, code)
        if not region.has_congress:
            raise InvalidArgument("rules.region_code", "a sub-district has no people's congress")
        rules = b.check_rules(region, signers_required, handling, rehandling)
        with self.rt.transaction() as s:
            row = s.get(ItemRulesRow, code)
            if row is None:
                row = ItemRulesRow(region_code=code)
                s.add(row)
            row.bill_signers_required, row.handling_months = rules.bill_signers_required, rules.handling_months
            row.rehandling_months = rules.rehandling_months
            s.flush()
            self.rt.outbox.add(s, convert.item_rules_changed(rules), region=code)
            return rules

    # ---- 提: submission and co-signing ----------------------------------------------------------
    def submit(self, who: Principal, title: str, content: str, category: str, requested_kind: b.ItemKind | None,
               co_signer_ids: Sequence[str]) -> ItemRow:
        """A deputy's bill or suggestion to the congress of their token's region, with the
        deputies invited to co-sign (they sign with CoSignItem)."""
        ACCESS.scope(who, "item.submit")
        code = self._congress(who)
        title = d.line(title, "title", max_len=b.MAX_TITLE, required=True)
        content = d.text(content, "content", max_len=b.MAX_CONTENT, required=True)
        category = d.line(category, "category", max_len=b.MAX_CATEGORY, required=True)
        invited = b.check_co_signers(co_signer_ids, who.subject)
        at = now()
        with self.rt.transaction() as s:
            # the deputy sees at once how many signers a bill needs (registration applies the rule then)
            required = self.rules_of(s, code).bill_signers_required
            row = ItemRow(id=str(uuid.uuid4()), region_code=code, region_path=self.regions.get(code).path,
                          year=china_day(at).year, seq=None, number="", kind=0,
                          requested_kind=int(requested_kind or 0), title=title, content=content, category=category,
                          submitter_id=who.subject[:100], submitter_name=who.name[:50],
                          status=int(b.ItemStatus.SUBMITTED), signers_required=required, deadline=None, round=1,
                          final_rating=0, plan="", measures="", target="", time_limit=None, four_recorded_by="",
                          four_recorded_at=None, submitted_at=at, updated_at=at,
                          co_signers=[ItemCoSignerRow(deputy_id=x, position=i, name="", signed_at=None)
                                      for i, x in enumerate(invited)],
                          departments=[], meetings=[], replies=[], history=[])
            s.add(row)
            hint = f"，拟作{b.KIND_LABELS[requested_kind]}" if requested_kind else ""
            c = change(row, "submitted", who, "", f"{title}（{category}{hint}），邀请联名代表 {len(invited)} 人")
            return self._publish(s, row, c, convert.item_submitted)

    def co_sign(self, who: Principal, item_id: str) -> ItemRow:
        """An invited deputy signs (联名) with their own token, while the item is submitted."""
        ACCESS.scope(who, "item.cosign")
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, item_id, "id", "item.cosign", for_update=True)
            mine = next((c for c in row.co_signers if c.deputy_id == who.subject), None)
            if row.submitter_id == who.subject:
                raise PermissionDenied("the submitting deputy signs already")
            b.check_co_sign(b.ItemStatus(row.status), mine is not None, bool(mine and mine.signed_at))
            assert mine is not None
            before = signers(row)
            mine.signed_at, mine.name = now(), who.name[:50]
            c = change(row, "co_signed", who, f"联名 {before} 人", f"联名 {signers(row)} 人（{who.name or who.subject}）")
            return self._publish(s, row, c, convert.item_co_signed)

    # ---- 办: registration, assignment, handling ---------------------------------------------------
    def register(self, who: Principal, item_id: str, kind: b.ItemKind, note: str) -> ItemRow:
        """The office registers (立案) and classifies the item; a bill needs the region's
        signers (FAILED_PRECONDITION naming ``kind`` otherwise). Invitations not signed lapse:
        the invited deputy can no longer sign (FAILED_PRECONDITION status) but still sees the
        item, listed as invited and not signed.
        Registered items are numbered per region, year and kind."""
        note = d.line(note, "note", max_len=d.MAX_NOTE)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, item_id, "id", "item.manage", for_update=True)
            rules = self.rules_of(s, row.region_code)
            b.check_register(b.ItemStatus(row.status), kind, signers(row), rules.bill_signers_required)
            seq = (s.scalar(select(func.max(ItemRow.seq)).where(
                ItemRow.region_code == row.region_code, ItemRow.year == row.year, ItemRow.kind == int(kind))) or 0) + 1
            row.kind, row.seq, row.status = int(kind), seq, int(b.ItemStatus.REGISTERED)
            row.number = b.number(self.regions.get(row.region_code).name, row.year, kind, seq)
            row.signers_required = rules.bill_signers_required
            c = change(row, "registered", who, b.STATUS_LABELS[b.ItemStatus.SUBMITTED],
                       f"{row.number}，联名 {signers(row)} 人" + (f"；{note}" if note else ""))
            return self._publish(s, row, c, convert.item_registered)

    def assign(self, who: Principal, item_id: str, departments: Sequence[d.Department], deadline: str) -> ItemRow:
        """Assignment (交办): one lead department and any co-departments, each with its
        responsible person, and a deadline (default: the rules' handling_months from today).
        Changeable until the four in place are recorded."""
        depts = d.check_departments(departments)
        day = d.check_day(deadline, "deadline", required=False)
        today = china_day(now())
        if day is not None:
            b.check_deadline(day, today)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, item_id, "id", "item.manage", for_update=True)
            b.check_assign(b.ItemStatus(row.status))
            if day is None:
                day = b.add_months(today, self.rules_of(s, row.region_code).handling_months)
            before = self._assignment_text(row)
            row.departments = [ItemDepartmentRow(department=x.department, position=i, name=x.name, role=int(x.role),
                                                 responsible_person=x.responsible_person)
                               for i, x in enumerate(depts)]
            row.deadline, row.status = day, int(b.ItemStatus.ASSIGNED)
            c = change(row, "assigned", who, before, self._assignment_text(row))
            return self._publish(s, row, c, convert.item_assigned)

    @staticmethod
    def _assignment_text(row: ItemRow) -> str:
        if not row.departments:
            return ""
        depts = d.departments_text([d.Department(x.department, x.name, d.DepartmentRole(x.role), x.responsible_person)
                                    for x in row.departments])
        return f"{depts}；办理时限 {row.deadline.isoformat() if row.deadline else ''}"

    def record_four(self, who: Principal, item_id: str, four: b.FourInPlace) -> ItemRow:
        """The four in place (四落实: plan, measures, target, time limit), by the lead department
        (or the office for it), once; handling starts with them."""
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, item_id, "id", "item.handle", for_update=True)
            b.check_record_four(b.ItemStatus(row.status))
            at = now()
            row.plan, row.measures, row.target, row.time_limit = four.plan, four.measures, four.target, four.time_limit
            row.four_recorded_by, row.four_recorded_at = who.subject[:100], at
            row.status = int(b.ItemStatus.HANDLING)
            c = change(row, "four_in_place", who, "",
                       f"方案：{four.plan}；措施：{four.measures}；目标：{four.target}；时限：{four.time_limit.isoformat()}")
            return self._publish(s, row, c, convert.four_in_place_recorded)

    def record_meeting(self, who: Principal, item_id: str, stage: b.MeetingStage, held_on: str,
                       form: b.MeetingForm, notes: str) -> ItemRow:
        """One of the three meetings with the deputy (三见面), in order, each once a round."""
        day = d.check_day(held_on, "held_on", required=True)
        assert day is not None
        notes = d.text(notes, "notes", max_len=b.MAX_NOTES)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, item_id, "id", "item.handle", for_update=True)
            b.check_meeting(b.ItemStatus(row.status), stage, row.round, held_meetings(row), day, china_day(now()))
            row.meetings.append(ItemMeetingRow(round=row.round, stage=int(stage), held_on=day, form=int(form),
                                               notes=notes, recorded_by=who.subject[:100], recorded_at=now()))
            c = change(row, "meeting", who, "",
                       f"第{row.round}轮{b.STAGE_LABELS[stage]}：{day.isoformat()}，{b.FORM_LABELS[form]}"
                       + (f"；{notes}" if notes else ""))
            return self._publish(s, row, c, convert.item_meeting_recorded)

    def reply(self, who: Principal, item_id: str, reply_class: b.ReplyClass, text: str) -> ItemRow:
        """The lead department's final reply of the round, classed A/B/C, after the meeting
        with the deputy on it."""
        text = d.text(text, "text", max_len=b.MAX_REPLY, required=True)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, item_id, "id", "item.handle", for_update=True)
            b.check_reply(b.ItemStatus(row.status), row.round, held_meetings(row))
            row.replies.append(ItemReplyRow(round=row.round, reply_class=int(reply_class), text=text,
                                            replied_by=who.subject[:100], replied_at=now(), rating=0,
                                            rating_comment="", rated_at=None))
            row.status = int(b.ItemStatus.REPLIED)
            c = change(row, "replied", who, b.STATUS_LABELS[b.ItemStatus.HANDLING],
                       f"第{row.round}轮答复，{b.CLASS_LABELS[reply_class]}")
            return self._publish(s, row, c, convert.item_replied)

    # ---- 评: the deputy's rating -------------------------------------------------------------
    def rate(self, who: Principal, item_id: str, rating: b.ReplyRating, comment: str) -> ItemRow:
        """The submitting deputy rates the round's reply; unsatisfied the first time reopens
        handling (round 2, deadline: the rules' rehandling_months from today), the second
        time closes the item as unsatisfied."""
        comment = d.text(comment, "comment", max_len=b.MAX_COMMENT)
        with self.rt.transaction() as s:
            row = self.in_scope(s, who, item_id, "id", "item.rate", for_update=True)
            if row.submitter_id != who.subject:
                raise PermissionDenied("the submitting deputy (领衔代表) rates the reply")
            outcome = b.rate(b.ItemStatus(row.status), row.round, rating)
            reply = row.replies[-1]
            reply.rating, reply.rating_comment, reply.rated_at = int(rating), comment, now()
            before = f"第{row.round}轮答复待评价"
            if outcome.reopened:
                today = china_day(now())
                row.deadline = b.add_months(today, self.rules_of(s, row.region_code).rehandling_months)
                after = f"{b.RATING_LABELS[rating]}：重新办理，办理时限 {row.deadline.isoformat()}"
            else:
                after = f"{b.RATING_LABELS[rating]}：办结"
            row.status, row.round, row.final_rating = int(outcome.status), outcome.round, int(outcome.final_rating)
            c = change(row, "reopened" if outcome.reopened else "closed", who, before,
                       after + (f"；{comment}" if comment else ""))
            return self._publish(s, row, c, convert.item_rated)

    # ---- reading ---------------------------------------------------------------------------------
    def get(self, who: Principal, item_id: str) -> ItemRow:
        with self.rt.transaction() as s:
            return self.in_scope(s, who, item_id, "id", "item.read")

    def list_items(self, who: Principal, region_code: str, year: int, status: b.ItemStatus | None,
                   page: paging.Page) -> tuple[list[ItemRow], int, str]:
        """Items of a region's subtree (the caller's region by default), oldest first; a
        deputy's own and those they were invited to co-sign, a department's assigned to it."""
        ACCESS.scope(who, "item.read")
        code = validation.region_code(region_code, "region_code") if region_code else who.region
        self.regions.require(code, "region_code")
        self.rt.deployment.require_home(code, "region_code")
        self.regions.ensure_within(who.region, code)
        if year:
            d.check_year(year)
        where = [in_subtree(ItemRow.region_path, self.regions.get(code).path)]
        if year:
            where.append(ItemRow.year == year)
        if status is not None:
            where.append(ItemRow.status == int(status))
        if who.role is Role.DEPUTY:
            where += [ItemRow.region_code == who.region,
                      or_(ItemRow.submitter_id == who.subject,
                          ItemRow.id.in_(select(ItemCoSignerRow.item_id).where(ItemCoSignerRow.deputy_id == who.subject)))]
        elif who.role is Role.DEPARTMENT:
            where += [ItemRow.region_code == who.region,
                      ItemRow.id.in_(select(ItemDepartmentRow.item_id)
                                     .where(ItemDepartmentRow.department == who.subject))]
        with self.rt.transaction() as s:
            total = s.scalar(select(func.count()).select_from(ItemRow).where(*where)) or 0
            order = [(ItemRow.region_path, paging.ASC), (ItemRow.submitted_at, paging.ASC), (ItemRow.id, paging.ASC)]
            rows, token = paging.take(page, list(s.scalars(paging.keyset(select(ItemRow).where(*where), order,
                                                                         page))),
                                      lambda r: (r.region_path, r.submitted_at, r.id))
            return rows, total, token

    # ---- publishing ------------------------------------------------------------------------------
    def _publish(self, s: Session, row: ItemRow, c: ItemChangeRow, event) -> ItemRow:
        s.flush()
        self.rt.outbox.add(s, event(row, c), region=row.region_code)
        return row
