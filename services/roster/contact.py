"""双联系: committee members linked to deputies, deputies to voter households, and the limits."""
from __future__ import annotations

import uuid

from services.roster import convert
from services.roster import domain as d
from services.roster.store import RosterStore
from services.roster.tables import CommitteeLinkRow, ContactLimitsRow, VoterHouseholdRow
from services.roster.usecase import UseCase
from shared.auth import Principal
from shared.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound


class DoubleContact(UseCase):
    def limits(self, region_code: str, store: RosterStore) -> d.ContactLimits:
        """A region's own limits, else its nearest ancestor's, else the defaults (5 and 10)."""
        code: str | None = region_code
        while code:
            row = store.limits(code)
            if row is not None:
                return d.ContactLimits(region_code, row.deputies_per_committee_member, row.households_per_deputy,
                                       inherited=code != region_code)
            code = self.regions.get(code).parent if code in self.regions else None
        return d.ContactLimits(region_code)

    def get_limits(self, who: Principal, region_code: str) -> d.ContactLimits:
        self._target_region(who, region_code, "limits.read")
        with self.rt.transaction() as s:
            return self.limits(region_code, RosterStore(s))

    def set_limits(self, who: Principal, region_code: str, per_member: int, per_deputy: int) -> d.ContactLimits:
        self._region(region_code, "limits.region_code")
        d.check_limit_value(per_member, "limits.deputies_per_committee_member")
        d.check_limit_value(per_deputy, "limits.households_per_deputy")
        self._target_region(who, region_code, "limits.write", "limits.region_code")
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
            self._emit(s, convert.contact_limits_changed(result), region_code)
            return result

    def link(self, who: Principal, member_id: str, deputy_id: str) -> CommitteeLinkRow:
        if member_id == deputy_id:
            raise InvalidArgument("deputy_id", "a committee member does not link to themself")
        with self.rt.transaction() as s:
            store = RosterStore(s)
            # The row lock on the member serialises concurrent links to one member.
            member = self._deputy(store, who, member_id, "committee_member_id", "link.write", for_update=True)
            deputy = self._deputy(store, who, deputy_id, "deputy_id", "link.write")
            for row, what in ((member, "committee member"), (deputy, "deputy")):
                if not d.is_active(d.DeputyStatus(row.status)):
                    raise FailedPrecondition(f"the {what} is not serving")
            if store.committee_link(member_id, deputy_id):
                raise AlreadyExists("committee link", f"{member_id}/{deputy_id}")
            limit = self.limits(member.region_code, store).deputies_per_committee_member
            d.check_contact_limit(store.count_links(member_id), limit, "deputies per committee member")
            link = CommitteeLinkRow(committee_member_id=member_id, deputy_id=deputy_id, region_code=member.region_code)
            store.add(link)
            self._emit(s, convert.committee_member_linked(link), member.region_code)
            return link

    def unlink(self, who: Principal, member_id: str, deputy_id: str) -> CommitteeLinkRow:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            self._deputy(store, who, member_id, "committee_member_id", "link.write")
            self._deputy(store, who, deputy_id, "deputy_id", "link.write")
            link = store.committee_link(member_id, deputy_id)
            if link is None:
                raise NotFound("committee link", f"{member_id}/{deputy_id}")
            store.delete(link)
            self._emit(s, convert.committee_member_unlinked(link), link.region_code)
            return link

    def list_links(self, who: Principal, member_id: str, deputy_id: str) -> list[CommitteeLinkRow]:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            if member_id:
                self._deputy(store, who, member_id, "committee_member_id", "link.read")
            if deputy_id:
                self._deputy(store, who, deputy_id, "deputy_id", "link.read")
            links = store.committee_links(member_id=member_id, deputy_id=deputy_id)
            return [x for x in links if self._in_region(who, x.region_code)]

    def add_household(self, who: Principal, deputy_id: str, h: d.Household) -> VoterHouseholdRow:
        h = d.validate_household(h)
        with self.rt.transaction() as s:
            store = RosterStore(s)
            deputy = self._deputy(store, who, deputy_id, "household.deputy_id", "household.write", for_update=True)
            if not d.is_active(d.DeputyStatus(deputy.status)):
                raise FailedPrecondition("the deputy is not serving")
            limit = self.limits(deputy.region_code, store).households_per_deputy
            d.check_contact_limit(store.count_households(deputy_id), limit, "voter households per deputy")
            row = VoterHouseholdRow(id=str(uuid.uuid4()), deputy_id=deputy_id, household_head=h.household_head,
                                    address=h.address, phone=h.phone)
            store.add(row)
            self._emit(s, convert.household_added(row, deputy.region_code),
                       deputy.region_code)
            return row

    def remove_household(self, who: Principal, household_id: str) -> VoterHouseholdRow:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            row = store.household(household_id, field="id")
            deputy = store.deputy(row.deputy_id)
            if not self._in_region(who, deputy.region_code):
                raise NotFound("voter household", household_id, "id")
            self._deputy(store, who, deputy.id, "id", "household.write")
            store.delete(row)
            self._emit(s, convert.household_removed(row, deputy.region_code),
                       deputy.region_code)
            return row

    def households(self, who: Principal, deputy_id: str) -> list[VoterHouseholdRow]:
        with self.rt.transaction() as s:
            store = RosterStore(s)
            self._deputy(store, who, deputy_id, "deputy_id", "household.read")
            return store.households(deputy_id)
