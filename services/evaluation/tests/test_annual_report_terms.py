"""The annual report names a deputy's seats in the portal's words (市（州）人大代表, not
州（市）), so the draft a deputy edits and the pages they read agree."""
from __future__ import annotations

from portal.i18n.zh_CN import LEVELS
from services.evaluation import scoring as sc
from services.evaluation.annual_report import LEVEL_LABELS


def test_the_report_names_every_level_as_the_portal_does():
    assert {int(level): label for level, label in LEVEL_LABELS.items()} == {
        int(level): LEVELS[int(level)] for level in sc.Level if level}
    assert LEVEL_LABELS[sc.Level.PREFECTURE] == "市（州）人大代表"
