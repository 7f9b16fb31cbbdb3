"""Venues (deputy homes, liaison stations, workstations, activity rooms) and 就近编组进家."""
from __future__ import annotations

import dataclasses
import uuid

from services.roster import convert
from services.roster import domain as d
from services.roster.store import RosterStore
from services.roster.tables import VenueMemberRow, VenueRow
from services.roster.usecase import UseCase
from shared.auth import Principal
from shared.clock import now
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound


class VenueCases(UseCase):
    def create_venue(self, who: Principal, draft: d.VenueDraft) -> VenueRow:
        draft = d.validate_venue(draft)
        path = self._target_region(who, draft.region_code, "venue.write", "venue.region_code")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            if store.venue_by_name(draft.region_code, draft.name):
                raise AlreadyExists("venue", draft.name)
            row = VenueRow(id=str(uuid.uuid4()), region_path=path, created_at=now())
            self._apply_venue(row, draft)
            store.add(row)
            self._emit(s, convert.venue_created(row), row.region_code)
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
            row = self._venue(store, who, venue_id, "id", "venue.read")
            return row, store.venue_counts([row.id]).get(row.id, 0)

    def update_venue(self, who: Principal, venue_id: str, patch: d.VenueDraft, paths: list[str]) -> tuple[VenueRow, int]:
        if not paths:
            raise InvalidArgument("update_mask", "name at least one field to change")
        for p in paths:
            if p not in d.VENUE_FIELDS:
                raise InvalidArgument("update_mask", f"cannot update {p!r}; one of {', '.join(d.VENUE_FIELDS)}")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = self._venue(store, who, venue_id, "venue.id", "venue.write")
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
                self._emit(s, convert.venue_updated(row, changed), row.region_code)
            return row, store.venue_counts([row.id]).get(row.id, 0)

    def venue_scope(self, who: Principal, region_code: str) -> str:
        """The region path a venue listing covers (the caller's own region unless narrowed)."""
        return self._scope_path(who, region_code, "venue.read")

    def list_venues(self, who: Principal, region_code: str, kind: int | None, page):
        """(rows, member counts, total, next page token) of one page (shared.paging)."""
        path = self._scope_path(who, region_code, "venue.read")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            rows, total, token = store.list_venues(path, kind, page, self._excluded(path))
            return rows, store.venue_counts([r.id for r in rows]), total, token

    def deputy_venues(self, who: Principal, deputy_id: str):
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = self._deputy(store, who, deputy_id, "deputy_id", "venue.read")
            # Only the venues the caller may see: a county deputy may sit in a prefecture's venue.
            venues = [v for v in store.venues_of(row.id) if self._in_region(who, v.region_code)]
            return venues, store.venue_counts([v.id for v in venues])

    def assign(self, who: Principal, venue_id: str, deputy_id: str) -> None:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            venue = self._venue(store, who, venue_id, "venue_id", "venue.write")
            deputy = self._deputy(store, who, deputy_id, "deputy_id", "venue.write")
            if not d.is_active(d.DeputyStatus(deputy.status)):
                raise FailedPrecondition("only a serving deputy can be grouped into a venue")
            if store.membership(venue.id, deputy.id):
                raise AlreadyExists("venue membership", f"{venue.id}/{deputy.id}")
            store.add(VenueMemberRow(venue_id=venue.id, deputy_id=deputy.id))
            self._emit(s, convert.deputy_assigned(venue.id, deputy.id, venue.region_code), venue.region_code)

    def unassign(self, who: Principal, venue_id: str, deputy_id: str) -> None:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            venue = self._venue(store, who, venue_id, "venue_id", "venue.write")
            self._deputy(store, who, deputy_id, "deputy_id", "venue.write")
            m = store.membership(venue_id, deputy_id)
            if m is None:
                raise NotFound("venue membership", f"{venue_id}/{deputy_id}")
            store.delete(m)
            self._emit(s, convert.deputy_removed(venue_id, deputy_id, venue.region_code), venue.region_code)

    def group_into_venues(self, who: Principal, region_code: str, dry_run: bool):
        """就近编组进家 for every serving deputy of the subtree who has no venue yet, by
        domain.choose_venue (nearest; a professional workstation only for its specialties)."""
        path = self._scope_path(who, region_code, "venue.write")
        excluded = self._excluded(path)   # a delegated subtree's deputies and venues are not grouped here
        with self.rt.transaction() as s:
            store = RosterStore(s)
            venues = store.venues_in(path, excluded)
            counts = store.venue_counts([v.id for v in venues])
            choices = {v.id: d.VenueChoice(v.id, v.region_path, tuple(convert.split_list(v.specialties)),
                                           counts.get(v.id, 0), d.VenueKind(v.kind)) for v in venues}
            placed, unplaced = [], []
            for dep in store.unplaced_active_deputies(path, tuple(int(x) for x in d.INITIAL_STATUSES), excluded):
                choice = d.choose_venue(dep.region_path, [x.specialty for x in dep.specialties], list(choices.values()))
                if choice is None:
                    unplaced.append(dep.id)
                    continue
                choices[choice.id] = dataclasses.replace(choice, deputy_count=choice.deputy_count + 1)
                placed.append((choice.id, dep.id))
                if not dry_run:
                    region = next(v.region_code for v in venues if v.id == choice.id)
                    store.add(VenueMemberRow(venue_id=choice.id, deputy_id=dep.id))
                    self._emit(s, convert.deputy_assigned(choice.id, dep.id, region), region)
            return placed, unplaced
