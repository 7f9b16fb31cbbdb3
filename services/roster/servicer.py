"""RosterService over gRPC: translate the request, call the use case, translate the answer."""
from __future__ import annotations

from lianxin.common.v1 import common_pb2
from lianxin.roster.v1 import roster_pb2 as pb
from lianxin.roster.v1 import roster_pb2_grpc

from services.roster import convert, popolo, sheets
from services.roster import domain as d
from services.roster.handlers import Roster
from services.roster.tables import IDEMPOTENT, DeputyRow
from shared import paging, wire
from shared import text as canonical
from shared.auth import Principal
from shared.errors import InvalidArgument
from shared.info import service_info
from shared.rpc import current_principal
from shared.service import Runtime
from shared.wire import file_format, text_arg

# Export also speaks Popolo JSON for other systems; import takes the offices' sheets only.
EXPORT_FORMATS = {common_pb2.FILE_FORMAT_XLSX: "xlsx", common_pb2.FILE_FORMAT_CSV: "csv",
                  common_pb2.FILE_FORMAT_POPOLO_JSON: "popolo.json"}
CONTENT_TYPES = {**sheets.CONTENT_TYPES, "popolo.json": popolo.CONTENT_TYPE}
QR_FORMATS = {pb.QR_FORMAT_PNG: "png", pb.QR_FORMAT_SVG: "svg"}
MAX_IMPORT_BYTES = 20 * 1024 * 1024


class RosterServicer(roster_pb2_grpc.RosterServiceServicer):
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.roster = Roster(runtime)

    def _shown(self, who: Principal, row: DeputyRow) -> pb.Deputy:
        """A deputy as this caller may see it: the contact details only where the use case says so."""
        return convert.deputy_to_proto(row, contact=self.roster.sees_contact(who, row))

    def GetServiceInfo(self, request, context):
        return service_info(self.runtime)

    # ---- deputies ----
    @IDEMPOTENT.create(pb.Deputy)
    def RegisterDeputy(self, request, context):
        if not request.HasField("deputy"):
            raise InvalidArgument("deputy", "is required")
        m = request.deputy
        status = wire.enum_value(d.DeputyStatus, m.status, "deputy.status", required=False)
        card = convert.card_from_proto(m.card) if m.HasField("card") else None
        new = self.roster.register_deputy(current_principal(), convert.profile_from_proto(m), status, card)
        return convert.new_deputy_to_proto(new)

    def GetDeputy(self, request, context):
        who = current_principal()
        return self._shown(who, self.roster.get_deputy(who, wire.require_id(request.id, "id")))

    def UpdateDeputy(self, request, context):
        if not request.HasField("deputy"):
            raise InvalidArgument("deputy", "is required")
        deputy_id = wire.require_id(request.deputy.id, "deputy.id")
        paths = list(request.update_mask.paths)
        patch = convert.profile_from_proto(request.deputy)
        return convert.deputy_to_proto(self.roster.update_deputy(current_principal(), deputy_id, patch, paths))

    def ChangeDeputyStatus(self, request, context):
        deputy_id = wire.require_id(request.id, "id")
        status = wire.enum_value(d.DeputyStatus, request.status, "status", required=True)
        return convert.deputy_to_proto(self.roster.change_status(current_principal(), deputy_id, status, request.reason))

    def ListDeputies(self, request, context):
        who = current_principal()
        f = self.roster.deputy_filter(
            who, request.region_code,
            level=wire.enum_value(d.Level, request.level, "level", required=False),
            specialty=text_arg(request.specialty, "specialty", 20, form=canonical.line),
            venue_id=wire.require_id(request.venue_id, "venue_id") if request.venue_id else "",
            status=wire.enum_value(d.DeputyStatus, request.status, "status", required=False),
            name=text_arg(request.name, "name", 50, form=canonical.name))
        page = paging.page(request, who, resolved={"region_code": f.scope_path})
        rows, total, token = self.roster.list_deputies(who, f, page)
        return pb.ListDeputiesResponse(deputies=[self._shown(who, r) for r in rows], next_page_token=token,
                                       total_size=total)

    # ---- venues ----
    @IDEMPOTENT.create(pb.Venue)
    def CreateVenue(self, request, context):
        if not request.HasField("venue"):
            raise InvalidArgument("venue", "is required")
        draft = convert.venue_draft_from_proto(request.venue)
        if draft.kind is None:
            raise InvalidArgument("venue.kind", "is required")
        return convert.venue_to_proto(self.roster.create_venue(current_principal(), draft))

    def GetVenue(self, request, context):
        row, count = self.roster.get_venue(current_principal(), wire.require_id(request.id, "id"))
        return convert.venue_to_proto(row, count)

    def UpdateVenue(self, request, context):
        if not request.HasField("venue"):
            raise InvalidArgument("venue", "is required")
        venue_id = wire.require_id(request.venue.id, "venue.id")
        draft = convert.venue_draft_from_proto(request.venue)
        paths = list(request.update_mask.paths)
        if "kind" in paths and draft.kind is None:
            raise InvalidArgument("venue.kind", "is required")
        row, count = self.roster.update_venue(current_principal(), venue_id, draft, paths)
        return convert.venue_to_proto(row, count)

    def ListVenues(self, request, context):
        who = current_principal()
        kind = wire.enum_value(d.VenueKind, request.kind, "kind", required=False)
        page = paging.page(request, who, resolved={"region_code": self.roster.venue_scope(who, request.region_code)})
        rows, counts, total, token = self.roster.list_venues(who, request.region_code, kind, page)
        return pb.ListVenuesResponse(venues=[convert.venue_to_proto(r, counts.get(r.id, 0)) for r in rows],
                                     next_page_token=token, total_size=total)

    def AssignDeputyToVenue(self, request, context):
        venue_id = wire.require_id(request.venue_id, "venue_id")
        deputy_id = wire.require_id(request.deputy_id, "deputy_id")
        self.roster.assign(current_principal(), venue_id, deputy_id)
        return pb.VenueMembership(venue_id=venue_id, deputy_id=deputy_id)

    def RemoveDeputyFromVenue(self, request, context):
        venue_id = wire.require_id(request.venue_id, "venue_id")
        deputy_id = wire.require_id(request.deputy_id, "deputy_id")
        self.roster.unassign(current_principal(), venue_id, deputy_id)
        return pb.VenueMembership(venue_id=venue_id, deputy_id=deputy_id)

    def ListDeputyVenues(self, request, context):
        venues, counts = self.roster.deputy_venues(current_principal(), wire.require_id(request.deputy_id, "deputy_id"))
        return pb.ListVenuesResponse(venues=[convert.venue_to_proto(v, counts.get(v.id, 0)) for v in venues],
                                     total_size=len(venues))

    def GroupDeputiesIntoVenues(self, request, context):
        placed, unplaced = self.roster.group_into_venues(current_principal(), request.region_code, request.dry_run)
        return pb.GroupDeputiesIntoVenuesResponse(
            assignments=[pb.VenueMembership(venue_id=v, deputy_id=dep) for v, dep in placed],
            unplaced_deputy_ids=unplaced)

    # ---- double contact ----
    @IDEMPOTENT.create(pb.CommitteeLink)
    def LinkCommitteeMember(self, request, context):
        link = self.roster.link(current_principal(), wire.require_id(request.committee_member_id, "committee_member_id"),
                                wire.require_id(request.deputy_id, "deputy_id"))
        return convert.link_to_proto(link)

    def UnlinkCommitteeMember(self, request, context):
        link = self.roster.unlink(current_principal(),
                                  wire.require_id(request.committee_member_id, "committee_member_id"),
                                  wire.require_id(request.deputy_id, "deputy_id"))
        return convert.link_to_proto(link)

    def ListCommitteeLinks(self, request, context):
        if not request.committee_member_id and not request.deputy_id:
            raise InvalidArgument("committee_member_id", "give committee_member_id or deputy_id")
        member = wire.require_id(request.committee_member_id, "committee_member_id") if request.committee_member_id else ""
        deputy = wire.require_id(request.deputy_id, "deputy_id") if request.deputy_id else ""
        links = self.roster.list_links(current_principal(), member, deputy)
        return pb.ListCommitteeLinksResponse(links=[convert.link_to_proto(x) for x in links])

    @IDEMPOTENT.create(pb.VoterHousehold)
    def AddVoterHousehold(self, request, context):
        if not request.HasField("household"):
            raise InvalidArgument("household", "is required")
        h = request.household
        row = self.roster.add_household(current_principal(), wire.require_id(h.deputy_id, "household.deputy_id"),
                                        d.Household(h.household_head, h.address, h.phone))
        return convert.household_to_proto(row)

    def RemoveVoterHousehold(self, request, context):
        return convert.household_to_proto(self.roster.remove_household(current_principal(), wire.require_id(request.id, "id")))

    def ListVoterHouseholds(self, request, context):
        rows = self.roster.households(current_principal(), wire.require_id(request.deputy_id, "deputy_id"))
        return pb.ListVoterHouseholdsResponse(households=[convert.household_to_proto(r) for r in rows])

    def GetContactLimits(self, request, context):
        return convert.limits_to_proto(self.roster.get_limits(current_principal(), request.region_code))

    def SetContactLimits(self, request, context):
        if not request.HasField("limits"):
            raise InvalidArgument("limits", "is required")
        x = request.limits
        limits = self.roster.set_limits(current_principal(), x.region_code, x.deputies_per_committee_member,
                                        x.households_per_deputy)
        return convert.limits_to_proto(limits)

    # ---- cards ----
    def UpdateCard(self, request, context):
        if not request.HasField("card"):
            raise InvalidArgument("card", "is required")
        row = self.roster.update_card(current_principal(), wire.require_id(request.deputy_id, "deputy_id"),
                                      convert.card_from_proto(request.card))
        return convert.deputy_to_proto(row)

    def GetPublicCard(self, request, context):
        code = canonical.code(request.card_code)
        if not code:
            raise InvalidArgument("card_code", "is required")
        if len(code) != 10 or any(c not in "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" for c in code):
            raise InvalidArgument("card_code", "is not a card code")
        return convert.public_card_to_proto(self.roster.public_card(code))

    def GetCardQrCode(self, request, context):
        deputy_id = wire.require_id(request.deputy_id, "deputy_id")
        if request.format not in QR_FORMATS:
            raise InvalidArgument("format", "must be QR_FORMAT_PNG or QR_FORMAT_SVG")
        content_type, image, url = self.roster.qr_code(current_principal(), deputy_id, QR_FORMATS[request.format])
        return pb.QrCode(content_type=content_type, image=image, url=url)

    # ---- import / export ----
    def ImportRoster(self, request, context):
        fmt = file_format(request.format)
        if not request.content:
            raise InvalidArgument("content", "is empty")
        if len(request.content) > MAX_IMPORT_BYTES:
            raise InvalidArgument("content", f"is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB")
        r = self.roster.import_roster(current_principal(), request.region_code, fmt, request.content, request.dry_run)
        return pb.ImportRosterResponse(
            rows=r.rows, created=r.created, updated=r.updated, unchanged=r.unchanged,
            failed=len({e.row for e in r.errors}),
            errors=[pb.RowError(row=e.row, column=e.column, reason=e.reason) for e in r.errors],
            warnings=[pb.RowError(row=e.row, column=e.column, reason=e.reason) for e in r.warnings])

    def ExportRoster(self, request, context):
        fmt = EXPORT_FORMATS.get(request.format)
        if fmt is None:
            raise InvalidArgument("format", "must be FILE_FORMAT_XLSX, FILE_FORMAT_CSV or FILE_FORMAT_POPOLO_JSON")
        level = wire.enum_value(d.Level, request.level, "level", required=False)
        status = wire.enum_value(d.DeputyStatus, request.status, "status", required=False)
        content = self.roster.export_roster(current_principal(), request.region_code, fmt, level, status)
        return pb.ExportRosterResponse(content_type=CONTENT_TYPES[fmt],
                                       filename=f"roster-{request.region_code or current_principal().region}.{fmt}",
                                       content=content)
