"""Deputies and their one-person-one-code cards."""
from __future__ import annotations

import uuid

from services.roster import convert, qr
from services.roster import domain as d
from services.roster.store import DeputyFilter, NewDeputy, RosterStore
from services.roster.tables import DeputyRow, SeatRow, SpecialtyRow, StatusChangeRow
from services.roster.usecase import UseCase, new_card_code, sees_contact
from shared.auth import Principal
from shared.clock import now
from shared.errors import AlreadyExists, InvalidArgument, NotFound


class DeputyCases(UseCase):
    def register_deputy(self, who: Principal, profile: d.DeputyProfile, status: d.DeputyStatus | None,
                        card: d.CardSettings | None) -> NewDeputy:
        """The new deputy's column values (convert.new_deputy_to_proto gives its proto)."""
        profile = d.validate_profile(profile)
        path = self._target_region(who, profile.region_code, "deputy.write", "deputy.region_code")
        self._check_seats(profile)
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
            # are built from the same values, not read back.
            store.insert_deputy(*new)
            self._emit(s, convert.deputy_registered(convert.new_deputy_to_proto(new)), profile.region_code)
            return new

    def _new_deputy_values(self, profile: d.DeputyProfile, path: str, status: d.DeputyStatus,
                           card: d.CardSettings, who: Principal) -> NewDeputy:
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
        return NewDeputy(deputy, seats, specialties, history)

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
            return self._deputy(RosterStore(s), who, deputy_id, "id", "deputy.read")

    @staticmethod
    def sees_contact(who: Principal, row: DeputyRow) -> bool:
        """Whether this caller is shown the contact details of a deputy already resolved in its
        scope (the access table's deputy.read_contact)."""
        return sees_contact(who, row)

    def update_deputy(self, who: Principal, deputy_id: str, patch: d.DeputyProfile, paths: list[str]) -> DeputyRow:
        if not paths:
            raise InvalidArgument("update_mask", "name at least one field to change")
        for p in paths:
            if p not in d.PROFILE_FIELDS:
                raise InvalidArgument("update_mask", f"cannot update {p!r}; one of {', '.join(d.PROFILE_FIELDS)}")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = self._deputy(store, who, deputy_id, "deputy.id", "deputy.write", for_update=True)
            current = convert.profile_of(row)
            merged = d.validate_profile(d.DeputyProfile(**{
                f: getattr(patch if f in paths else current, f)
                for f in ("region_code", *d.PROFILE_FIELDS)} | {"region_code": row.region_code}))
            changed = [f for f in d.PROFILE_FIELDS if getattr(merged, f) != getattr(current, f)]
            if not changed:
                return row
            if "seats" in changed:
                self._check_seats(merged)
            other = store.deputy_by_key(row.region_code, merged.name, merged.contact.phone)
            if other is not None and other.id != row.id:
                raise AlreadyExists("deputy", f"{merged.name} {merged.contact.phone}".strip())
            self._apply_profile(row, merged)
            row.updated_at = now()
            s.flush()
            self._emit(s, convert.deputy_updated(row, changed), row.region_code)
            return row

    def change_status(self, who: Principal, deputy_id: str, status: d.DeputyStatus, reason: str) -> DeputyRow:
        with self.rt.transaction() as s:
            row = self._deputy(RosterStore(s), who, deputy_id, "id", "deputy.write", for_update=True)
            old = d.DeputyStatus(row.status)
            reason = d.check_status_change(old, status, reason)
            t = now()
            row.status, row.updated_at = int(status), t
            row.history.append(StatusChangeRow(status=int(status), reason=reason, changed_at=t, changed_by=who.subject))
            s.flush()
            self._emit(s, convert.deputy_status_changed(row, old, reason), row.region_code)
            return row

    def list_deputies(self, who: Principal, f: DeputyFilter, page):
        """(rows, total, next page token) of one page (shared.paging)."""
        with self.rt.transaction() as s:
            return RosterStore(s).list_deputies(f, page)

    def deputy_filter(self, who: Principal, region_code: str, action: str = "deputy.read", **kw) -> DeputyFilter:
        path = self._scope_path(who, region_code, action)
        if kw.get("venue_id"):
            with self.rt.transaction() as s:   # a venue named as a filter is resolved in scope too
                self._venue(RosterStore(s), who, kw["venue_id"], "venue_id", "venue.read")
        return DeputyFilter(scope_path=path, excluded_paths=self._excluded(path), **kw)

    # ---- cards ----------------------------------------------------------------

    def update_card(self, who: Principal, deputy_id: str, card: d.CardSettings) -> DeputyRow:
        card = d.validate_card(card)
        with self.rt.transaction() as s:
            row = self._deputy(RosterStore(s), who, deputy_id, "deputy_id", "card.write", for_update=True)
            self._apply_card(row, card)
            row.updated_at = now()
            self._emit(s, convert.card_updated(row, card), row.region_code)
            return row

    def public_card(self, card_code: str) -> d.PublicCard:
        """What a citizen sees after scanning: only the fields the deputy chose, and only
        while the deputy serves. Unknown and retired codes look the same: NOT_FOUND."""
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.deputy_by_card(card_code)
            # A deputy of a region below that runs its own deployment is that deployment's to
            # show (the card's page names the right address), and one outside home is no
            # deployment's here: unknown either way.
            if (row is None or not d.is_active(d.DeputyStatus(row.status))
                    or not self.rt.deployment.serves(row.region_code)):
                raise NotFound("card", card_code)
            region = self.regions.get(row.region_code) if row.region_code in self.regions else None
            venues = [v for v in store.venues_of(row.id) if self.rt.deployment.serves(v.region_code)]
            return d.PublicCard(
                card_code=row.card_code, name=row.name,
                work_unit=row.work_unit if row.show_work_unit else "",
                position=row.position if row.show_position else "",
                phone=row.phone if row.show_phone else "",
                specialties=tuple(x.specialty for x in row.specialties) if row.show_specialties else (),
                pledge=row.pledge, levels=tuple(x.level for x in row.seats),
                region_name=region.name if region else "",
                venue_names=tuple(v.name for v in venues),
                venues=tuple(d.PublicVenue(v.name, d.VenueKind(v.kind), v.address,
                                           tuple(int(x) for x in convert.split_list(v.schedule_days)),
                                           v.schedule_hours, v.schedule_note) for v in venues))

    def qr_code(self, who: Principal, deputy_id: str, fmt: str) -> tuple[str, bytes, str]:
        with self.rt.transaction() as s:
            row = self._deputy(RosterStore(s), who, deputy_id, "deputy_id", "card.qr")
            url = qr.card_url(self.rt.settings.public_base_url, row.card_code)
        content_type, image = qr.render_qr(url, fmt)
        return content_type, image, url
