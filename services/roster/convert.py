"""Translation between roster protobuf messages, domain values and stored rows.

Request checks that belong to the wire (ids, enums out of range, page sizes, tokens)
live here too, so every RPC rejects a malformed call before it touches the database.
"""
from __future__ import annotations

from lianxin.roster.v1 import roster_pb2 as pb

from services.roster import domain as d
from services.roster.tables import DeputyRow, VenueRow
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


def deputy_to_proto(row: DeputyRow) -> pb.Deputy:
    return pb.Deputy(
        id=row.id, region_code=row.region_code, name=row.name, gender=row.gender, ethnicity=row.ethnicity,
        seats=[pb.Seat(level=s.level, term=s.term, electoral_district=s.electoral_district) for s in row.seats],
        work_unit=row.work_unit, position=row.position,
        contact=pb.Contact(phone=row.phone, email=row.email, address=row.address),
        specialties=[s.specialty for s in row.specialties], status=row.status,
        status_history=[pb.StatusChange(status=h.status, reason=h.reason, changed_at=ts(h.changed_at),
                                        changed_by=h.changed_by) for h in row.history],
        card=card_to_proto(card_of(row)), card_code=row.card_code,
        created_at=ts(row.created_at), updated_at=ts(row.updated_at))


def new_deputy_to_proto(deputy: dict, seats: list[dict], specialties: list[dict], history: dict) -> pb.Deputy:
    """The proto of a deputy just written from its column values (see Roster._new_deputy_values),
    equal to deputy_to_proto of the stored rows, without building or reading them back."""
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
