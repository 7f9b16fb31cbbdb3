"""Roster use cases. Each runs in one transaction: check the caller's role and region,
apply the domain rules, store the change and write its event to the outbox, together."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from lianxin.roster.v1 import events_pb2 as ev
from lianxin.roster.v1 import roster_pb2 as pb

from services.roster import convert, domain as d, qr, sheets
from services.roster.store import DeputyFilter, RosterStore
from services.roster.tables import (CommitteeLinkRow, ContactLimitsRow, DeputyRow, SeatRow, SpecialtyRow,
                                    StatusChangeRow, VenueMemberRow, VenueRow, VoterHouseholdRow)
from shared.auth import Principal, Role
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from shared.service import Runtime

WRITERS = (Role.STAFF, Role.COMMITTEE, Role.SYSTEM)
READERS = (Role.STAFF, Role.COMMITTEE, Role.SYSTEM, Role.AUDITOR, Role.DEPUTY, Role.DEPARTMENT)
# Who reads deputies' contact details and their voter households (citizens' own details);
# a deputy and a department see the roster, and a deputy their own record in full.
CONTACT_READERS = (Role.STAFF, Role.COMMITTEE, Role.SYSTEM, Role.AUDITOR)


def sees_contact(who: Principal, deputy_id: str) -> bool:
    return who.role in CONTACT_READERS or (who.role is Role.DEPUTY and who.subject == deputy_id)
CARD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: codes get read aloud and typed
assert len(CARD_ALPHABET) == 32   # new_card_code relies on it


def now() -> datetime:
    return datetime.now(timezone.utc)


def new_card_code() -> str:
    # 32 symbols divide 256, so `byte & 31` is uniform: one urandom call instead of ~20.
    return "".join(CARD_ALPHABET[b & 31] for b in secrets.token_bytes(10))


class _DryRun(Exception):
    def __init__(self, report):
        self.report = report


@dataclass(frozen=True)
class ImportReport:
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[sheets.RowError]


class Roster:
    def __init__(self, runtime: Runtime):
        self.rt = runtime
        self.regions = runtime.regions

    # ---- scope ------------------------------------------------------------
    def _scope(self, who: Principal, region_code: str, roles=READERS) -> None:
        who.require(*roles)
        self.regions.ensure_within(who.region, region_code)

    def _scope_path(self, who: Principal, region_code: str, field: str = "region_code") -> str:
        """The subtree a listing covers: the caller's own region unless narrowed."""
        who.require(*READERS)
        code = region_code or who.region
        d.check_region_code(code, field)
        self.regions.require(code, field)
        self.regions.ensure_within(who.region, code)
        return self.regions.get(code).path

    def _region(self, code: str, field: str) -> str:
        d.check_region_code(code, field)
        return self.regions.require(code, field).path

    def _emit(self, session, message, region: str) -> None:
        self.rt.outbox.add(session, message, region=region)

    # ---- deputies -----------------------------------------------------------
    def register_deputy(self, who: Principal, profile: d.DeputyProfile, status: d.DeputyStatus | None,
                        card: d.CardSettings | None) -> pb.Deputy:
        profile = d.validate_profile(profile)
        path = self._region(profile.region_code, "deputy.region_code")
        self._scope(who, profile.region_code, WRITERS)
        status = status or d.DeputyStatus.SERVING
        if status not in d.INITIAL_STATUSES:
            raise InvalidArgument("deputy.status", "a new deputy is serving or by-elected")
        card = d.validate_card(card or d.CardSettings(), "deputy.card")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            if store.deputy_key_taken(profile.region_code, profile.name, profile.contact.phone):
                raise AlreadyExists("deputy", f"{profile.name} {profile.contact.phone}".strip())
            new = self._new_deputy_values(profile, path, status, card, who)
            # Core INSERTs on statements built once, not the ORM unit of work: the same rows
            # for about a third of the CPU, on the hottest write. The answer and the event
            # are built from the same values, once.
            store.insert_deputy(*new)
            deputy = convert.new_deputy_to_proto(*new)
            self._emit(s, ev.DeputyRegistered(deputy=deputy), profile.region_code)
            return deputy

    def _new_deputy_values(self, profile: d.DeputyProfile, path: str, status: d.DeputyStatus,
                           card: d.CardSettings, who: Principal):
        """A new deputy's rows as column values: (deputy, seats, specialties, first status change)."""
        t = now()
        deputy_id = str(uuid.uuid4())
        contact = profile.contact
        deputy = {
            "id": deputy_id, "region_code": profile.region_code, "region_path": path, "name": profile.name,
            "gender": int(profile.gender), "ethnicity": profile.ethnicity, "work_unit": profile.work_unit,
            "position": profile.position, "phone": contact.phone, "email": contact.email,
            "address": contact.address, "status": int(status), "card_code": new_card_code(),
            "show_work_unit": card.show_work_unit, "show_position": card.show_position,
            "show_phone": card.show_phone, "show_specialties": card.show_specialties, "pledge": card.pledge,
            "created_at": t, "updated_at": t}
        seats = [{"deputy_id": deputy_id, "level": int(x.level), "term": x.term,
                  "electoral_district": x.electoral_district} for x in profile.seats]
        specialties = [{"deputy_id": deputy_id, "specialty": x, "position": i}
                       for i, x in enumerate(profile.specialties)]
        history = {"deputy_id": deputy_id, "status": int(status), "reason": "registered", "changed_at": t,
                   "changed_by": who.subject}
        return deputy, seats, specialties, history

    def _new_deputy(self, profile, path, status, card, who) -> DeputyRow:
        """The same new deputy as ORM rows, for the import (which goes on to work with them)."""
        deputy, seats, specialties, history = self._new_deputy_values(profile, path, status, card, who)
        return DeputyRow(**deputy, seats=[SeatRow(**x) for x in seats],
                         specialties=[SpecialtyRow(**x) for x in specialties],
                         history=[StatusChangeRow(**history)])

    @staticmethod
    def _apply_profile(row: DeputyRow, p: d.DeputyProfile) -> None:
        row.region_code, row.name, row.gender, row.ethnicity = p.region_code, p.name, int(p.gender), p.ethnicity
        row.work_unit, row.position = p.work_unit, p.position
        row.phone, row.email, row.address = p.contact.phone, p.contact.email, p.contact.address
        row.seats = [SeatRow(level=int(s.level), term=s.term, electoral_district=s.electoral_district) for s in p.seats]
        row.specialties = [SpecialtyRow(specialty=x, position=i) for i, x in enumerate(p.specialties)]

    @staticmethod
    def _apply_card(row: DeputyRow, c: d.CardSettings) -> None:
        row.show_work_unit, row.show_position = c.show_work_unit, c.show_position
        row.show_phone, row.show_specialties, row.pledge = c.show_phone, c.show_specialties, c.pledge

    def get_deputy(self, who: Principal, deputy_id: str) -> DeputyRow:
        with self.rt.transaction() as s:
            row = RosterStore(s).deputy(deputy_id)
            self._scope(who, row.region_code)
            return row

    def update_deputy(self, who: Principal, deputy_id: str, patch: d.DeputyProfile, paths: list[str]) -> DeputyRow:
        if not paths:
            raise InvalidArgument("update_mask", "name at least one field to change")
        for p in paths:
            if p not in d.PROFILE_FIELDS:
                raise InvalidArgument("update_mask", f"cannot update {p!r}; one of {', '.join(d.PROFILE_FIELDS)}")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.deputy(deputy_id, for_update=True)
            self._scope(who, row.region_code, WRITERS)
            current = convert.profile_of(row)
            merged = d.validate_profile(d.DeputyProfile(**{
                f: getattr(patch if f in paths else current, f)
                for f in ("region_code", *d.PROFILE_FIELDS)} | {"region_code": row.region_code}))
            changed = [f for f in d.PROFILE_FIELDS if getattr(merged, f) != getattr(current, f)]
            if not changed:
                return row
            other = store.deputy_by_key(row.region_code, merged.name, merged.contact.phone)
            if other is not None and other.id != row.id:
                raise AlreadyExists("deputy", f"{merged.name} {merged.contact.phone}".strip())
            self._apply_profile(row, merged)
            row.updated_at = now()
            s.flush()
            self._emit(s, ev.DeputyUpdated(deputy=convert.deputy_to_proto(row), changed_fields=changed), row.region_code)
            return row

    def change_status(self, who: Principal, deputy_id: str, status: d.DeputyStatus, reason: str) -> DeputyRow:
        with self.rt.transaction() as s:
            row = RosterStore(s).deputy(deputy_id, for_update=True)
            self._scope(who, row.region_code, WRITERS)
            old = d.DeputyStatus(row.status)
            reason = d.check_status_change(old, status, reason)
            t = now()
            row.status, row.updated_at = int(status), t
            row.history.append(StatusChangeRow(status=int(status), reason=reason, changed_at=t, changed_by=who.subject))
            s.flush()
            self._emit(s, ev.DeputyStatusChanged(deputy_id=row.id, region_code=row.region_code, from_status=int(old),
                                                 to_status=int(status), reason=reason), row.region_code)
            return row

    def list_deputies(self, who: Principal, f: DeputyFilter, limit: int, offset: int):
        with self.rt.transaction() as s:
            return RosterStore(s).list_deputies(f, limit=limit, offset=offset)

    def deputy_filter(self, who: Principal, region_code: str, **kw) -> DeputyFilter:
        return DeputyFilter(scope_path=self._scope_path(who, region_code), **kw)

    # ---- cards ----------------------------------------------------------------
    def _self_or_writer(self, who: Principal, row: DeputyRow) -> None:
        if who.role is Role.DEPUTY and who.subject == row.id:
            return
        self._scope(who, row.region_code, WRITERS)

    def update_card(self, who: Principal, deputy_id: str, card: d.CardSettings) -> DeputyRow:
        card = d.validate_card(card)
        with self.rt.transaction() as s:
            row = RosterStore(s).deputy(deputy_id, for_update=True)
            self._self_or_writer(who, row)
            self._apply_card(row, card)
            row.updated_at = now()
            self._emit(s, ev.CardUpdated(deputy_id=row.id, region_code=row.region_code,
                                         card=convert.card_to_proto(card)), row.region_code)
            return row

    def public_card(self, card_code: str) -> pb.PublicCard:
        """What a citizen sees after scanning: only the fields the deputy chose, and only
        while the deputy serves. Unknown and retired codes look the same: NOT_FOUND."""
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.deputy_by_card(card_code)
            if row is None or not d.is_active(d.DeputyStatus(row.status)):
                raise NotFound("card", card_code)
            region = self.regions.get(row.region_code) if row.region_code in self.regions else None
            return pb.PublicCard(
                card_code=row.card_code, name=row.name,
                work_unit=row.work_unit if row.show_work_unit else "",
                position=row.position if row.show_position else "",
                phone=row.phone if row.show_phone else "",
                specialties=[x.specialty for x in row.specialties] if row.show_specialties else [],
                pledge=row.pledge, levels=[x.level for x in row.seats],
                region_name=region.name if region else "",
                venue_names=[v.name for v in store.venues_of(row.id)])

    def qr_code(self, who: Principal, deputy_id: str, fmt: str) -> tuple[str, bytes, str]:
        with self.rt.transaction() as s:
            row = RosterStore(s).deputy(deputy_id)
            if who.role is Role.DEPUTY:
                self._self_or_writer(who, row)
            else:
                self._scope(who, row.region_code)
            url = qr.card_url(self.rt.settings.public_base_url, row.card_code)
        content_type, image = qr.render_qr(url, fmt)
        return content_type, image, url

    # ---- venues -----------------------------------------------------------------
    def create_venue(self, who: Principal, draft: d.VenueDraft) -> VenueRow:
        draft = d.validate_venue(draft)
        path = self._region(draft.region_code, "venue.region_code")
        self._scope(who, draft.region_code, WRITERS)
        with self.rt.transaction() as s:
            store = RosterStore(s)
            if store.venue_by_name(draft.region_code, draft.name):
                raise AlreadyExists("venue", draft.name)
            row = VenueRow(id=str(uuid.uuid4()), region_path=path, created_at=now())
            self._apply_venue(row, draft)
            store.add(row)
            self._emit(s, ev.VenueCreated(venue=convert.venue_to_proto(row)), row.region_code)
            return row

    @staticmethod
    def _apply_venue(row: VenueRow, v: d.VenueDraft) -> None:
        row.region_code, row.kind, row.name, row.address = v.region_code, int(v.kind), v.name, v.address
        row.officer_name, row.officer_phone = v.officer_name, v.officer_phone
        row.schedule_days = ",".join(str(x) for x in v.days_of_month)
        row.schedule_hours, row.schedule_note = v.hours, v.note
        row.specialties = ",".join(v.specialties)

    @staticmethod
    def _venue_draft(row: VenueRow) -> d.VenueDraft:
        return d.VenueDraft(row.region_code, d.VenueKind(row.kind), row.name, row.address, row.officer_name,
                            row.officer_phone, tuple(int(x) for x in convert.split_list(row.schedule_days)),
                            row.schedule_hours, row.schedule_note, tuple(convert.split_list(row.specialties)))

    def get_venue(self, who: Principal, venue_id: str) -> tuple[VenueRow, int]:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.venue(venue_id)
            self._scope(who, row.region_code)
            return row, store.venue_counts([row.id]).get(row.id, 0)

    def update_venue(self, who: Principal, venue_id: str, patch: d.VenueDraft, paths: list[str]) -> tuple[VenueRow, int]:
        if not paths:
            raise InvalidArgument("update_mask", "name at least one field to change")
        for p in paths:
            if p not in d.VENUE_FIELDS:
                raise InvalidArgument("update_mask", f"cannot update {p!r}; one of {', '.join(d.VENUE_FIELDS)}")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.venue(venue_id)
            self._scope(who, row.region_code, WRITERS)
            current = self._venue_draft(row)
            fields = {"kind": ("kind",), "name": ("name",), "address": ("address",),
                      "liaison_officer": ("officer_name", "officer_phone"),
                      "schedule": ("days_of_month", "hours", "note"), "specialties": ("specialties",)}
            take = {f for p in paths for f in fields[p]}
            merged = d.validate_venue(d.VenueDraft(**{
                f: getattr(patch if f in take else current, f) for f in d.VenueDraft.__dataclass_fields__}
                | {"region_code": row.region_code}))
            other = store.venue_by_name(row.region_code, merged.name)
            if other is not None and other.id != row.id:
                raise AlreadyExists("venue", merged.name)
            changed = [p for p in paths if any(getattr(merged, f) != getattr(current, f) for f in fields[p])]
            if changed:
                self._apply_venue(row, merged)
                s.flush()
                self._emit(s, ev.VenueUpdated(venue=convert.venue_to_proto(row), changed_fields=changed), row.region_code)
            return row, store.venue_counts([row.id]).get(row.id, 0)

    def list_venues(self, who: Principal, region_code: str, kind: int | None, limit: int, offset: int):
        path = self._scope_path(who, region_code)
        with self.rt.transaction() as s:
            store = RosterStore(s)
            rows, total = store.list_venues(path, kind, limit=limit, offset=offset)
            return rows, store.venue_counts([r.id for r in rows]), total

    def deputy_venues(self, who: Principal, deputy_id: str):
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.deputy(deputy_id)
            self._scope(who, row.region_code)
            venues = store.venues_of(row.id)
            return venues, store.venue_counts([v.id for v in venues])

    def assign(self, who: Principal, venue_id: str, deputy_id: str) -> None:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            venue, deputy = store.venue(venue_id), store.deputy(deputy_id)
            self._scope(who, venue.region_code, WRITERS)
            self._scope(who, deputy.region_code, WRITERS)
            if not d.is_active(d.DeputyStatus(deputy.status)):
                raise FailedPrecondition("only a serving deputy can be grouped into a venue")
            if store.membership(venue.id, deputy.id):
                raise AlreadyExists("venue membership", f"{venue.id}/{deputy.id}")
            store.add(VenueMemberRow(venue_id=venue.id, deputy_id=deputy.id))
            self._emit(s, ev.DeputyAssignedToVenue(venue_id=venue.id, deputy_id=deputy.id,
                                                   region_code=venue.region_code), venue.region_code)

    def unassign(self, who: Principal, venue_id: str, deputy_id: str) -> None:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            venue = store.venue(venue_id)
            self._scope(who, venue.region_code, WRITERS)
            m = store.membership(venue_id, deputy_id)
            if m is None:
                raise NotFound("venue membership", f"{venue_id}/{deputy_id}")
            store.delete(m)
            self._emit(s, ev.DeputyRemovedFromVenue(venue_id=venue_id, deputy_id=deputy_id,
                                                    region_code=venue.region_code), venue.region_code)

    def group_into_venues(self, who: Principal, region_code: str, dry_run: bool):
        """就近编组进家 for every serving deputy of the subtree who has no venue yet."""
        path = self._scope_path(who, region_code)
        who.require(*WRITERS)
        with self.rt.transaction() as s:
            store = RosterStore(s)
            venues = store.venues_in(path)
            counts = store.venue_counts([v.id for v in venues])
            choices = {v.id: d.VenueChoice(v.id, v.region_path, tuple(convert.split_list(v.specialties)),
                                           counts.get(v.id, 0)) for v in venues}
            placed, unplaced = [], []
            for dep in store.unplaced_active_deputies(path, tuple(int(x) for x in d.INITIAL_STATUSES)):
                choice = d.choose_venue(dep.region_path, [x.specialty for x in dep.specialties], list(choices.values()))
                if choice is None:
                    unplaced.append(dep.id)
                    continue
                choices[choice.id] = d.VenueChoice(choice.id, choice.region_path, choice.specialties,
                                                   choice.deputy_count + 1)
                placed.append((choice.id, dep.id))
                if not dry_run:
                    region = next(v.region_code for v in venues if v.id == choice.id)
                    store.add(VenueMemberRow(venue_id=choice.id, deputy_id=dep.id))
                    self._emit(s, ev.DeputyAssignedToVenue(venue_id=choice.id, deputy_id=dep.id,
                                                           region_code=region), region)
            return placed, unplaced

    # ---- double contact ---------------------------------------------------------
    def limits(self, region_code: str, store: RosterStore) -> pb.ContactLimits:
        """A region's own limits, else its nearest ancestor's, else the defaults (5 and 10)."""
        code = region_code
        while code:
            row = store.limits(code)
            if row is not None:
                return pb.ContactLimits(region_code=region_code,
                                        deputies_per_committee_member=row.deputies_per_committee_member,
                                        households_per_deputy=row.households_per_deputy,
                                        inherited=code != region_code)
            code = self.regions.get(code).parent if code in self.regions else None
        return pb.ContactLimits(region_code=region_code,
                                deputies_per_committee_member=d.DEFAULT_DEPUTIES_PER_COMMITTEE_MEMBER,
                                households_per_deputy=d.DEFAULT_HOUSEHOLDS_PER_DEPUTY, inherited=True)

    def get_limits(self, who: Principal, region_code: str) -> pb.ContactLimits:
        self._region(region_code, "region_code")
        self._scope(who, region_code)
        with self.rt.transaction() as s:
            return self.limits(region_code, RosterStore(s))

    def set_limits(self, who: Principal, region_code: str, per_member: int, per_deputy: int) -> pb.ContactLimits:
        self._region(region_code, "limits.region_code")
        d.check_limit_value(per_member, "limits.deputies_per_committee_member")
        d.check_limit_value(per_deputy, "limits.households_per_deputy")
        self._scope(who, region_code, (Role.STAFF, Role.SYSTEM))
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.limits(region_code)
            if row is None:
                store.add(ContactLimitsRow(region_code=region_code, deputies_per_committee_member=per_member,
                                           households_per_deputy=per_deputy))
            else:
                row.deputies_per_committee_member, row.households_per_deputy = per_member, per_deputy
            s.flush()
            result = self.limits(region_code, store)
            self._emit(s, ev.ContactLimitsChanged(limits=result), region_code)
            return result

    def link(self, who: Principal, member_id: str, deputy_id: str) -> CommitteeLinkRow:
        if member_id == deputy_id:
            raise InvalidArgument("deputy_id", "a committee member does not link to themself")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            member = store.deputy(member_id, for_update=True)   # serialises concurrent links to one member
            deputy = store.deputy(deputy_id)
            self._scope(who, member.region_code, WRITERS)
            self._scope(who, deputy.region_code, WRITERS)
            for row, what in ((member, "committee member"), (deputy, "deputy")):
                if not d.is_active(d.DeputyStatus(row.status)):
                    raise FailedPrecondition(f"the {what} is not serving")
            if store.committee_link(member_id, deputy_id):
                raise AlreadyExists("committee link", f"{member_id}/{deputy_id}")
            limit = self.limits(member.region_code, store).deputies_per_committee_member
            d.check_contact_limit(store.count_links(member_id), limit, "deputies per committee member")
            link = CommitteeLinkRow(committee_member_id=member_id, deputy_id=deputy_id, region_code=member.region_code)
            store.add(link)
            self._emit(s, ev.CommitteeMemberLinked(link=self._link_pb(link)), member.region_code)
            return link

    @staticmethod
    def _link_pb(link: CommitteeLinkRow) -> pb.CommitteeLink:
        return pb.CommitteeLink(committee_member_id=link.committee_member_id, deputy_id=link.deputy_id,
                                region_code=link.region_code)

    def unlink(self, who: Principal, member_id: str, deputy_id: str) -> CommitteeLinkRow:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            link = store.committee_link(member_id, deputy_id)
            if link is None:
                raise NotFound("committee link", f"{member_id}/{deputy_id}")
            self._scope(who, link.region_code, WRITERS)
            store.delete(link)
            self._emit(s, ev.CommitteeMemberUnlinked(link=self._link_pb(link)), link.region_code)
            return link

    def list_links(self, who: Principal, member_id: str, deputy_id: str) -> list[CommitteeLinkRow]:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            anchor = store.deputy(member_id or deputy_id)
            self._scope(who, anchor.region_code)
            links = store.committee_links(member_id=member_id, deputy_id=deputy_id)
            return [x for x in links if self.regions.contains(who.region, x.region_code)]

    def add_household(self, who: Principal, deputy_id: str, h: d.Household) -> VoterHouseholdRow:
        h = d.validate_household(h)
        with self.rt.transaction() as s:
            store = RosterStore(s)
            deputy = store.deputy(deputy_id, for_update=True)
            self._self_or_writer(who, deputy)
            if not d.is_active(d.DeputyStatus(deputy.status)):
                raise FailedPrecondition("the deputy is not serving")
            limit = self.limits(deputy.region_code, store).households_per_deputy
            d.check_contact_limit(store.count_households(deputy_id), limit, "voter households per deputy")
            row = VoterHouseholdRow(id=str(uuid.uuid4()), deputy_id=deputy_id, household_head=h.household_head,
                                    address=h.address, phone=h.phone)
            store.add(row)
            self._emit(s, ev.VoterHouseholdAdded(household=self.household_pb(row), region_code=deputy.region_code),
                       deputy.region_code)
            return row

    @staticmethod
    def household_pb(row: VoterHouseholdRow) -> pb.VoterHousehold:
        return pb.VoterHousehold(id=row.id, deputy_id=row.deputy_id, household_head=row.household_head,
                                 address=row.address, phone=row.phone)

    def remove_household(self, who: Principal, household_id: str) -> VoterHouseholdRow:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.household(household_id)
            deputy = store.deputy(row.deputy_id)
            self._self_or_writer(who, deputy)
            store.delete(row)
            self._emit(s, ev.VoterHouseholdRemoved(household=self.household_pb(row), region_code=deputy.region_code),
                       deputy.region_code)
            return row

    def households(self, who: Principal, deputy_id: str) -> list[VoterHouseholdRow]:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            deputy = store.deputy(deputy_id)
            self._scope(who, deputy.region_code)
            if not sees_contact(who, deputy_id):
                raise PermissionDenied("voter households are kept for staff and the deputy themself")
            return store.households(deputy_id)

    # ---- import and export --------------------------------------------------------
    def import_roster(self, who: Principal, region_code: str, fmt: str, content: bytes, dry_run: bool) -> ImportReport:
        """Good rows land, bad rows are reported by row and column; a row equal to the stored
        deputy changes nothing, so re-importing a file is harmless."""
        self._region(region_code, "region_code")
        self._scope(who, region_code, WRITERS)
        try:
            rows = sheets.read_roster(content, fmt, region_code)
        except sheets.SheetError as e:
            raise InvalidArgument("content", str(e)) from None
        try:
            with self.rt.transaction() as s:
                report = self._import_rows(s, who, region_code, rows)
                if dry_run:
                    raise _DryRun(report)   # leaves through the rollback path: nothing is written
        except _DryRun as done:
            return done.report
        return report

    def _import_rows(self, s, who: Principal, region_code: str, rows: list) -> ImportReport:
        errors: list[sheets.RowError] = []
        created = updated = unchanged = 0
        store = RosterStore(s)
        seen: dict[tuple, int] = {}
        for r in rows:
            if r.errors:
                errors.extend(r.errors)
                continue
            p = r.profile
            if p.region_code not in self.regions or not self.regions.contains(region_code, p.region_code):
                errors.append(sheets.RowError(r.row, "区划代码", f"region {p.region_code} is not within {region_code}"))
                continue
            key = (p.region_code, p.name, p.contact.phone)
            if key in seen:
                errors.append(sheets.RowError(r.row, "姓名", f"same deputy as row {seen[key]} (name and phone)"))
                continue
            seen[key] = r.row
            status = r.status or d.DeputyStatus.SERVING
            existing = store.deputy_by_key(*key)
            if existing is None:
                if status not in d.INITIAL_STATUSES:
                    errors.append(sheets.RowError(r.row, "状态", "a new deputy is serving or by-elected"))
                    continue
                row = self._new_deputy(p, self.regions.get(p.region_code).path, status, d.CardSettings(), who)
                store.add(row)
                created += 1
                self._emit(s, ev.DeputyRegistered(deputy=convert.deputy_to_proto(row)), row.region_code)
                continue
            current = convert.profile_of(existing)
            changed = [f for f in d.PROFILE_FIELDS if getattr(p, f) != getattr(current, f)]
            if status != existing.status:
                try:
                    d.check_status_change(d.DeputyStatus(existing.status), status, "roster import")
                except (FailedPrecondition, InvalidArgument) as e:
                    errors.append(sheets.RowError(r.row, "状态", str(e)))
                    continue
            if not changed and status == existing.status:
                unchanged += 1
                continue
            t = now()
            if changed:
                self._apply_profile(existing, p)
            if status != existing.status:
                old = existing.status
                existing.status = int(status)
                existing.history.append(StatusChangeRow(status=int(status), reason="roster import",
                                                        changed_at=t, changed_by=who.subject))
                s.flush()
                self._emit(s, ev.DeputyStatusChanged(deputy_id=existing.id, region_code=existing.region_code,
                                                     from_status=old, to_status=int(status),
                                                     reason="roster import"), existing.region_code)
            existing.updated_at = t
            s.flush()
            if changed:
                self._emit(s, ev.DeputyUpdated(deputy=convert.deputy_to_proto(existing), changed_fields=changed),
                           existing.region_code)
            updated += 1
        return ImportReport(len(rows), created, updated, unchanged, errors)

    def export_roster(self, who: Principal, region_code: str, fmt: str, level: int | None, status: int | None) -> bytes:
        who.require(*CONTACT_READERS)   # the sheet carries phones and addresses
        f = self.deputy_filter(who, region_code, level=level, status=status)
        with self.rt.transaction() as s:
            rows = RosterStore(s).all_deputies(f)
            return sheets.write_roster(((convert.profile_of(r), d.DeputyStatus(r.status)) for r in rows), fmt)

