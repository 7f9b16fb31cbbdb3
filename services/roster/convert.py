"""Translation between roster protobuf messages, domain values and stored rows: with the
servicer, the only module that builds or reads the generated messages. The use cases hand
it their rows and values; it gives the servicer its answers and the outbox its events.

Request checks that belong to the wire (ids, enums out of range, page sizes, tokens)
live here too, so every RPC rejects a malformed call before it touches the database.
"""
from __future__ import annotations

from lianxin.roster.v1 import events_pb2 as ev
from lianxin.roster.v1 import roster_pb2 as pb

from services.roster import domain as d
from services.roster.store import NewDeputy
from services.roster.tables import CommitteeLinkRow, DeputyRow, VenueRow, VoterHouseholdRow
from shared.tenancy import Region
from shared.wire import enum_value, ts

# ---- deputies -------------------------------------------------------------

def profile_from_proto(m: pb.Deputy, prefix: str = "deputy") -> d.DeputyProfile:
    for i, s in enumerate(m.seats):
        enum_value(d.Level, s.level, f"{prefix}.seats[{i}].level", required=True)
    gender = enum_value(d.Gender, m.gender, f"{prefix}.gender", required=False) or d.Gender.UNSPECIFIED
    return d.DeputyProfile(
        region_code=m.region_code, name=m.name, gender=gender, ethnicity=m.ethnicity,
        seats=tuple(d.Seat(d.Level(s.level), s.term, s.electoral_district) for s in m.seats),
        work_unit=m.work_unit, position=m.position,
        contact=d.Contact(m.contact.phone, m.contact.email, m.contact.address),
        specialties=tuple(m.specialties))


def card_from_proto(m: pb.CardSettings) -> d.CardSettings:
    return d.CardSettings(m.show_work_unit, m.show_position, m.show_phone, m.show_specialties, m.pledge)


def profile_of(row: DeputyRow) -> d.DeputyProfile:
    return d.DeputyProfile(
        region_code=row.region_code, name=row.name, gender=d.Gender(row.gender), ethnicity=row.ethnicity,
        seats=tuple(d.Seat(d.Level(s.level), s.term, s.electoral_district) for s in row.seats),
        work_unit=row.work_unit, position=row.position,
        contact=d.Contact(row.phone, row.email, row.address),
        specialties=tuple(s.specialty for s in row.specialties))


def card_of(row: DeputyRow) -> d.CardSettings:
    return d.CardSettings(row.show_work_unit, row.show_position, row.show_phone, row.show_specialties, row.pledge)


def card_to_proto(c: d.CardSettings) -> pb.CardSettings:
    return pb.CardSettings(show_work_unit=c.show_work_unit, show_position=c.show_position,
                           show_phone=c.show_phone, show_specialties=c.show_specialties, pledge=c.pledge)


def deputy_to_proto(row: DeputyRow, *, contact: bool = True) -> pb.Deputy:
    """The whole deputy; the contact details only when ``contact`` (the caller may read them)."""
    m = pb.Deputy(
        id=row.id, region_code=row.region_code, name=row.name, gender=row.gender, ethnicity=row.ethnicity,
        seats=[pb.Seat(level=s.level, term=s.term, electoral_district=s.electoral_district) for s in row.seats],
        work_unit=row.work_unit, position=row.position,
        contact=pb.Contact(phone=row.phone, email=row.email, address=row.address),
        specialties=[s.specialty for s in row.specialties], status=row.status,
        status_history=[pb.StatusChange(status=h.status, reason=h.reason, changed_at=ts(h.changed_at),
                                        changed_by=h.changed_by) for h in row.history],
        card=card_to_proto(card_of(row)), card_code=row.card_code,
        created_at=ts(row.created_at), updated_at=ts(row.updated_at))
    if not contact:
        m.ClearField("contact")
    return m


def new_deputy_to_proto(new: NewDeputy) -> pb.Deputy:
    """The proto of a deputy just written from its column values (see Roster._new_deputy_values),
    equal to deputy_to_proto of the stored rows, without building or reading them back."""
    deputy, seats, specialties, history = new
    created = ts(deputy["created_at"])
    return pb.Deputy(
        id=deputy["id"], region_code=deputy["region_code"], name=deputy["name"], gender=deputy["gender"],
        ethnicity=deputy["ethnicity"],
        seats=[pb.Seat(level=s["level"], term=s["term"], electoral_district=s["electoral_district"]) for s in seats],
        work_unit=deputy["work_unit"], position=deputy["position"],
        contact=pb.Contact(phone=deputy["phone"], email=deputy["email"], address=deputy["address"]),
        specialties=[s["specialty"] for s in specialties], status=deputy["status"],
        status_history=[pb.StatusChange(status=history["status"], reason=history["reason"],
                                        changed_at=ts(history["changed_at"]), changed_by=history["changed_by"])],
        card=pb.CardSettings(show_work_unit=deputy["show_work_unit"], show_position=deputy["show_position"],
                             show_phone=deputy["show_phone"], show_specialties=deputy["show_specialties"],
                             pledge=deputy["pledge"]),
        card_code=deputy["card_code"], created_at=created,
        updated_at=created if deputy["updated_at"] == deputy["created_at"] else ts(deputy["updated_at"]))


# ---- venues ---------------------------------------------------------------

def split_list(text: str) -> list[str]:
    return [x for x in text.split(",") if x]


def venue_to_proto(row: VenueRow, deputy_count: int = 0) -> pb.Venue:
    return pb.Venue(
        id=row.id, region_code=row.region_code, kind=row.kind, name=row.name, address=row.address,
        liaison_officer=pb.LiaisonOfficer(name=row.officer_name, phone=row.officer_phone),
        schedule=pb.ReceptionSchedule(days_of_month=[int(x) for x in split_list(row.schedule_days)],
                                      hours=row.schedule_hours, note=row.schedule_note),
        specialties=split_list(row.specialties), deputy_count=deputy_count, created_at=ts(row.created_at))


def venue_draft_from_proto(v: pb.Venue) -> d.VenueDraft:
    kind = enum_value(d.VenueKind, v.kind, "venue.kind", required=False)
    return d.VenueDraft(v.region_code, kind, v.name, v.address, v.liaison_officer.name, v.liaison_officer.phone,
                        tuple(v.schedule.days_of_month), v.schedule.hours, v.schedule.note, tuple(v.specialties))


# ---- cards and double contact ------------------------------------------------

def public_card_to_proto(c: d.PublicCard) -> pb.PublicCard:
    return pb.PublicCard(card_code=c.card_code, name=c.name, work_unit=c.work_unit, position=c.position,
                         phone=c.phone, specialties=c.specialties, pledge=c.pledge, levels=c.levels,
                         region_name=c.region_name, venue_names=c.venue_names,
                         venues=[pb.PublicVenue(name=v.name, kind=v.kind, address=v.address,
                                                schedule=pb.ReceptionSchedule(days_of_month=v.days_of_month,
                                                                              hours=v.hours, note=v.note))
                                 for v in c.venues])


def limits_to_proto(x: d.ContactLimits) -> pb.ContactLimits:
    return pb.ContactLimits(region_code=x.region_code, deputies_per_committee_member=x.deputies_per_committee_member,
                            households_per_deputy=x.households_per_deputy, inherited=x.inherited)


def link_to_proto(link: CommitteeLinkRow) -> pb.CommitteeLink:
    return pb.CommitteeLink(committee_member_id=link.committee_member_id, deputy_id=link.deputy_id,
                            region_code=link.region_code)


def household_to_proto(row: VoterHouseholdRow) -> pb.VoterHousehold:
    return pb.VoterHousehold(id=row.id, deputy_id=row.deputy_id, household_head=row.household_head,
                             address=row.address, phone=row.phone)


# ---- events (lianxin.roster.v1), written to the outbox with the change -------------------

def deputy_registered(deputy: pb.Deputy) -> ev.DeputyRegistered:
    return ev.DeputyRegistered(deputy=deputy)


def deputy_updated(row: DeputyRow, changed: list[str]) -> ev.DeputyUpdated:
    return ev.DeputyUpdated(deputy=deputy_to_proto(row), changed_fields=changed)


def deputy_status_changed(row: DeputyRow, old: int, reason: str) -> ev.DeputyStatusChanged:
    """``row`` already carries the new status."""
    return ev.DeputyStatusChanged(deputy_id=row.id, region_code=row.region_code, from_status=int(old),
                                  to_status=row.status, reason=reason)


def card_updated(row: DeputyRow, card: d.CardSettings) -> ev.CardUpdated:
    return ev.CardUpdated(deputy_id=row.id, region_code=row.region_code, card=card_to_proto(card))


def venue_created(row: VenueRow) -> ev.VenueCreated:
    return ev.VenueCreated(venue=venue_to_proto(row))


def venue_updated(row: VenueRow, changed: list[str]) -> ev.VenueUpdated:
    return ev.VenueUpdated(venue=venue_to_proto(row), changed_fields=changed)


def deputy_assigned(venue_id: str, deputy_id: str, region_code: str) -> ev.DeputyAssignedToVenue:
    return ev.DeputyAssignedToVenue(venue_id=venue_id, deputy_id=deputy_id, region_code=region_code)


def deputy_removed(venue_id: str, deputy_id: str, region_code: str) -> ev.DeputyRemovedFromVenue:
    return ev.DeputyRemovedFromVenue(venue_id=venue_id, deputy_id=deputy_id, region_code=region_code)


def contact_limits_changed(limits: d.ContactLimits) -> ev.ContactLimitsChanged:
    return ev.ContactLimitsChanged(limits=limits_to_proto(limits))


def committee_member_linked(link: CommitteeLinkRow) -> ev.CommitteeMemberLinked:
    return ev.CommitteeMemberLinked(link=link_to_proto(link))


def committee_member_unlinked(link: CommitteeLinkRow) -> ev.CommitteeMemberUnlinked:
    return ev.CommitteeMemberUnlinked(link=link_to_proto(link))


def household_added(row: VoterHouseholdRow, region_code: str) -> ev.VoterHouseholdAdded:
    return ev.VoterHouseholdAdded(household=household_to_proto(row), region_code=region_code)


def household_removed(row: VoterHouseholdRow, region_code: str) -> ev.VoterHouseholdRemoved:
    return ev.VoterHouseholdRemoved(household=household_to_proto(row), region_code=region_code)


def region_described(region: Region) -> ev.RegionDescribed:
    """A served region as the region file describes it (regions.describe_regions)."""
    return ev.RegionDescribed(code=region.code, name=region.name, tier=int(region.tier), kind=int(region.kind),
                              parent_code=region.parent or "")
