"""Raising opinions (码上提 by card, recorded at visits and receptions, from systems) and the
citizen's side: tracking and rating by tracking code."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from services.liaison import convert
from services.liaison import domain as d
from services.liaison.access import ACCESS
from services.liaison.cases import CITIZEN, MAX_CARD_CODE, MAX_RATING_COMMENT, CaseRules, NewOpinion, S, ShownOpinion
from services.liaison.directory import ACTIVE_STATUSES
from services.liaison.store import OpinionStore
from services.liaison.tables import OpinionRow
from shared.access import Scope
from shared.auth import Principal, Role
from shared.clock import now
from shared.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, ResourceExhausted


class Intake(CaseRules):
    def _tracking_code(self, store: OpinionStore) -> str:
        for _ in range(5):
            code = d.new_tracking_code()
            if not store.tracking_code_taken(code):
                return code
        raise RuntimeError("could not draw an unused tracking code")

    def _open(self, session: Session, who: Principal, o: NewOpinion, handling_region: str) -> OpinionRow:
        at = now()
        store = OpinionStore(session)
        row = OpinionRow(
            id=str(uuid.uuid4()), tracking_code=self._tracking_code(store), region_code=o.region_code,
            region_path=self.regions.get(o.region_code).path, handling_region=handling_region,
            channel=int(o.channel), category=o.category, text=o.text, deputy_id=o.deputy_id, venue_id=o.venue_id,
            contact_name=o.contact.name, contact_phone=o.contact.phone, status=int(S.RAISED), answer="",
            transfer_department="", transfer_department_name="", transfer_department_region="",
            transfer_reply="", resolved=None, feedback="",
            rating=0, rating_comment="", raised_at=at, updated_at=at, due_at=self.due(at, handling_region),
            origin_opinion_id="", origin_region="", escalated_to_region="", activity_id=o.activity_id, steps=[])
        session.add(row)
        self._step(session, row, S.RAISED, who, at=at)
        return row

    def _open_public(self, session: Session, store: OpinionStore, who: Principal, region_code: str,
                     handling_region: str, deputy_id: str, category: str, text: str, contact: d.Contact) -> str:
        """The same case, first step and event as _open for a citizen's QR-code submission,
        written with Core INSERTs from column values (no ORM unit of work); returns its
        tracking code. The tracking code's UNIQUE index is the uniqueness check: a taken
        code (60 random bits: practically never) inserts nothing and another is drawn."""
        at = now()
        opinion_id = str(uuid.uuid4())
        raised = int(S.RAISED)
        opinion: dict[str, Any] = {
            "id": opinion_id, "tracking_code": "", "region_code": region_code,
            "region_path": self.regions.get(region_code).path, "handling_region": handling_region,
            "channel": int(d.Channel.QR_CODE), "category": category, "text": text, "deputy_id": deputy_id,
            "venue_id": "", "contact_name": contact.name, "contact_phone": contact.phone, "status": raised,
            "answer": "", "transfer_department": "", "transfer_department_name": "",
            "transfer_department_region": "", "transfer_deadline": None,
            "transfer_reply": "", "transfer_replied_at": None, "resolved": None, "feedback": "", "rating": 0,
            "rating_comment": "", "raised_at": at, "updated_at": at, "due_at": self.due(at, handling_region),
            "resolved_at": None, "origin_opinion_id": "", "origin_region": "", "escalated_to_region": "",
            "activity_id": "", "inherited_steps": 0}
        for _ in range(5):
            opinion["tracking_code"] = d.new_tracking_code()
            if store.insert_new_opinion(opinion):
                break
        else:
            raise RuntimeError("could not draw an unused tracking code")
        store.insert_step({"opinion_id": opinion_id, "status": raised,
                           "actor": CITIZEN if who.role is Role.PUBLIC else who.subject[:100],
                           "actor_role": who.role.value, "actor_name": "" if who.role is Role.PUBLIC else who.name,
                           "region_code": handling_region, "note": "", "at": at})
        self.rt.outbox.add(session, convert.step_recorded(
            opinion_id=opinion_id, region_code=region_code, handling_region=handling_region, status=raised,
            channel=opinion["channel"], raised_at=at, at=at, rating=0, linked=False), region=region_code)
        return opinion["tracking_code"]

    # ---- raising ------------------------------------------------------------------
    def submit_public(self, who: Principal, card_code: str, category: str, text: str, region_code: str,
                      contact: d.Contact) -> str:
        """码上提: a citizen scanned a deputy's card. Unknown and retired cards look the same.
        Returns the new case's tracking code (the case is RAISED)."""
        card_code = d.code(card_code, "card_code", max_len=MAX_CARD_CODE, required=True)
        category = d.line(category, "category", max_len=d.MAX_CATEGORY, required=True)
        text = d.text(text, "text", max_len=d.MAX_TEXT, required=True)
        contact = d.check_contact(contact)
        if region_code:
            region_code = self._home_region(region_code, "region_code")
        with self.rt.transaction() as s:
            store = OpinionStore(s)
            deputy = store.active_deputy_by_card_code(card_code)
            if deputy is None or not self._serves(deputy[1]):
                raise NotFound("card", card_code)
            deputy_id, handling = deputy
            if region_code:
                self._within_handling(region_code, handling, "the card's deputy")
            if not self.card_limiter.allow(card_code):
                raise ResourceExhausted("too many opinions through this card; try again later")
            code = self._open_public(s, store, who, region_code or handling, handling, deputy_id, category, text,
                                     contact)
            return code

    def record(self, who: Principal, o: NewOpinion) -> ShownOpinion:
        """A visit, a reception, a hotline call or an integrating system's case. The region,
        deputy, venue and activity it names are resolved inside the caller's region first:
        a region outside it is PERMISSION_DENIED, an id outside it NOT_FOUND naming the field."""
        scope = ACCESS.scope(who, "opinion.record")
        o = NewOpinion(
            channel=o.channel,
            region_code=self._home_region(o.region_code, "region_code"),
            category=d.line(o.category, "category", max_len=d.MAX_CATEGORY, required=True),
            text=d.text(o.text, "text", max_len=d.MAX_TEXT, required=True),
            deputy_id=o.deputy_id, venue_id=o.venue_id, contact=d.check_contact(o.contact),
            activity_id=o.activity_id)
        self.regions.ensure_within(who.region, o.region_code)
        if scope is Scope.OWN:   # a deputy records what is raised to them
            if o.deputy_id and o.deputy_id != who.subject:
                raise PermissionDenied("deputy_id: a deputy records opinions raised to themselves only")
            o = replace(o, deputy_id=who.subject)
        with self.rt.transaction() as s:
            store = OpinionStore(s)
            handling = o.region_code
            if o.activity_id:
                activity = self._activity_in_scope(s, who, o.activity_id, "activity_id")
                # An opinion raised at an activity is about that activity's region: no region's
                # registers show another's cases.
                if not self.regions.contains(activity.region_code, o.region_code):
                    raise InvalidArgument("activity_id", f"the activity is in region {activity.region_code}; "
                                                         f"region_code {o.region_code} is not within it")
            if o.venue_id:
                handling = self._venue_in_scope(store, who, o.venue_id, "venue_id").region_code
                if not o.deputy_id:
                    self._within_handling(o.region_code, handling, "the venue")
            if o.deputy_id:
                deputy = self._deputy_in_scope(store, who, o.deputy_id, "deputy_id")
                if deputy.status not in ACTIVE_STATUSES:
                    raise FailedPrecondition(f"deputy {deputy.id} is not serving")
                handling = deputy.region_code
                self._within_handling(o.region_code, handling, "the deputy")
            if not self._serves(handling):
                raise FailedPrecondition(f"region {handling} is not served here")
            row = self._open(s, who, o, handling)
            return self.shown(who, row)

    def _within_handling(self, region_code: str, handling: str, whose: str) -> None:
        """A case raised to a deputy (or at a venue) is about a place in the deputy's region (a citizen tells
        a township deputy about that township; the deputy's tier handles it and the case
        climbs only by escalation): region_code must lie within the deputy's region, else
        INVALID_ARGUMENT naming region_code. Otherwise a case handled by one township would
        be counted in, and shown to the staff of, a region that never had it."""
        if not self.regions.contains(handling, region_code):
            raise InvalidArgument("region_code", f"region {region_code} is not within {handling}, the region of "
                                                 f"{whose}: a case raised to a deputy is about a place in their region")

    # ---- the citizen's side -------------------------------------------------------------
    @staticmethod
    def _code(code: str) -> str:
        return d.code(code, "tracking_code", max_len=MAX_CARD_CODE, required=True)

    def track(self, tracking_code: str) -> OpinionRow:
        """The case a tracking code names (convert.tracked_to_proto says what of it is shown)."""
        code = self._code(tracking_code)
        with self.rt.transaction() as s:
            return OpinionStore(s).by_tracking_code(code)

    def rate(self, who: Principal, tracking_code: str, rating: int, comment: str) -> OpinionRow:
        code = self._code(tracking_code)
        rating = d.check_rating(rating)
        comment = d.text(comment, "comment", max_len=MAX_RATING_COMMENT)
        with self.rt.transaction() as s:
            row = OpinionStore(s).by_tracking_code(code, for_update=True)
            d.check_step(d.Step.RATE, d.Status(row.status))
            if row.rating:
                raise FailedPrecondition("this case has been rated already")
            row.rating, row.rating_comment = rating, comment
            self._step(s, row, d.Status(row.status), who, f"评价 {rating}", rating=rating)
            return row
