"""The roster's use cases, as one object the servicer calls: deputies and cards, venues,
double contact, and spreadsheet files, each a group in its own module."""
from __future__ import annotations

from services.roster.contact import DoubleContact
from services.roster.files import ImportReport, RosterFiles
from services.roster.usecase import CONTACT_READERS, READERS, WRITERS, sees_contact
from services.roster.venues import VenueCases

__all__ = ["CONTACT_READERS", "READERS", "WRITERS", "ImportReport", "Roster", "sees_contact"]


class Roster(RosterFiles, VenueCases, DoubleContact):
    """One class over the groups; the files' group is the deputies' (DeputyCases) with import
    and export, since the import reuses their row builders."""
