"""Bulk import and export of the offices' spreadsheet roster."""
from __future__ import annotations

from dataclasses import dataclass, field

from services.roster import convert, popolo, sheets
from services.roster import domain as d
from services.roster.deputies import DeputyCases
from services.roster.store import RosterStore
from services.roster.tables import StatusChangeRow
from shared.auth import Principal
from shared.clock import now
from shared.errors import FailedPrecondition, InvalidArgument


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
    warnings: list[sheets.RowError] = field(default_factory=list)   # imported, but look at them


class RosterFiles(DeputyCases):
    """The import writes deputies with the deputies' own row builders and filters."""

    def import_roster(self, who: Principal, region_code: str, fmt: str, content: bytes, dry_run: bool) -> ImportReport:
        """Good rows land, bad rows are reported by row and column; a row equal to the stored
        deputy changes nothing, so re-importing a file is harmless."""
        region_code = d.check_region_code(region_code, "region_code")
        self._target_region(who, region_code, "roster.import")
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
        warnings: list[sheets.RowError] = list(getattr(rows, "warnings", []))
        scope_path = self.regions.get(region_code).path
        for r in rows:
            warnings.extend(r.warnings)
            if r.errors:
                errors.extend(r.errors)
                continue
            p = r.profile
            if p.region_code not in self.regions or not self.regions.contains(region_code, p.region_code):
                errors.append(sheets.RowError(r.row, "区划代码", f"region {p.region_code} is not within {region_code}"))
                continue
            owner = self.rt.deployment.delegated_to(p.region_code)
            if owner is not None:
                errors.append(sheets.RowError(r.row, "区划代码",
                                              f"region {p.region_code} is served by the deployment of {owner}"))
                continue
            key = (p.region_code, p.name, p.contact.phone)
            if key in seen:
                errors.append(sheets.RowError(r.row, "姓名", f"same deputy as row {seen[key]} (name and phone)"))
                continue
            seen[key] = r.row
            try:
                existing = self._find(store, scope_path, p, r.columns, self._excluded(scope_path))
            except LookupError as e:
                errors.append(sheets.RowError(r.row, "姓名", str(e)))
                continue
            if existing is None:
                if not self._seats_fit(r.row, p, errors):
                    continue
                status = r.status or d.DeputyStatus.SERVING
                if status not in d.INITIAL_STATUSES:
                    errors.append(sheets.RowError(r.row, "状态", "a new deputy is serving or by-elected"))
                    continue
                row = self._new_deputy(p, self.regions.get(p.region_code).path, status, d.CardSettings(), who)
                store.add(row)
                created += 1
                self._emit(s, convert.deputy_registered(convert.deputy_to_proto(row)), row.region_code)
                continue
            current = convert.profile_of(existing)
            # A column absent from the file says nothing about its field: the stored value stays;
            # a stored seat the row does not name stays too, with a warning (never dropped silently).
            p, notes = sheets.fill_absent(p, current, r.columns)
            status = d.DeputyStatus(existing.status) if r.status is None else r.status
            changed = [f for f in d.PROFILE_FIELDS if getattr(p, f) != getattr(current, f)]
            if "seats" in changed and not self._seats_fit(r.row, p, errors):
                continue
            if status != existing.status:
                try:
                    d.check_status_change(d.DeputyStatus(existing.status), status, "roster import")
                except (FailedPrecondition, InvalidArgument) as e:
                    errors.append(sheets.RowError(r.row, "状态", str(e)))
                    continue
            warnings.extend(sheets.RowError(r.row, column, reason) for column, reason in notes)
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
                self._emit(s, convert.deputy_status_changed(existing, old, "roster import"), existing.region_code)
            existing.updated_at = t
            s.flush()
            if changed:
                self._emit(s, convert.deputy_updated(existing, changed),
                           existing.region_code)
            updated += 1
        return ImportReport(len(rows), created, updated, unchanged, errors, warnings)

    def _seats_fit(self, number: int, p: d.DeputyProfile, errors: list[sheets.RowError]) -> bool:
        """A deliberation seat (议事代表) only for a deputy of a 街道: else the row's error, in 代表层级."""
        try:
            self._check_seats(p)
        except InvalidArgument as e:
            errors.append(sheets.RowError(number, sheets.LEVELS, e.reason))
            return False
        return True

    @staticmethod
    def _find(store: RosterStore, scope_path: str, p: d.DeputyProfile, columns: frozenset[str],
              excluded: tuple[str, ...] = ()):
        """The stored deputy a row is about: by region, name and phone; by what the file
        has when it lacks 区划代码 or 联系电话. LookupError when that names several."""
        if sheets.REGION in columns and sheets.PHONE in columns:
            return store.deputy_by_key(p.region_code, p.name, p.contact.phone)
        found = store.deputies_named(scope_path, p.name,
                                     region_code=p.region_code if sheets.REGION in columns else None,
                                     phone=p.contact.phone if sheets.PHONE in columns else None,
                                     excluded=excluded)
        if len(found) > 1:
            missing = "、".join(c for c in (sheets.REGION, sheets.PHONE) if c not in columns)
            raise LookupError(f"several deputies are named {p.name}: add the column {missing} to tell them apart")
        return found[0] if found else None

    def export_roster(self, who: Principal, region_code: str, fmt: str, level: int | None, status: int | None) -> bytes:
        # The sheet carries phones and addresses: roster.export is for those who read them.
        f = self.deputy_filter(who, region_code, "roster.export", level=level, status=status)
        with self.rt.transaction() as s:
            rows = RosterStore(s).all_deputies(f)
            if fmt == "popolo.json":
                return popolo.write_popolo(rows, self.regions)
            return sheets.write_roster(((convert.profile_of(r), d.DeputyStatus(r.status)) for r in rows), fmt)
