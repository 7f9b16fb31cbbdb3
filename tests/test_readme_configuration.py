"""README's configuration table stays true: it lists every setting the code reads (the fields
of shared.config.Settings, of every service's own settings class and of the web portal's),
each with its environment variable and its default, and nothing the code does not read."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import services
from portal.settings import PortalSettings
from shared import config

README = Path(__file__).resolve().parents[1] / "README.md"
# Defaults the code computes or keeps secret, and that the table states in words.
IN_WORDS = {"port", "database_url", "jwt_secret"}


def table() -> dict[str, tuple[str, str]]:
    """The rows of README's configuration table: file key -> (env column, default column)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration"):]
    section = section[:section.index("\n## ", 1)]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        key = cells[0].strip("`")
        assert key not in rows, f"{key} is in the table twice"
        rows[key] = (cells[1], cells[2])
    return rows


def settings_fields() -> dict[str, object]:
    fields: dict[str, object] = {}
    classes = [services.definition(name).settings for name in services.NAMES] + [PortalSettings]
    for cls in classes:
        for f in dataclasses.fields(cls):
            if f.name != "service":
                fields[f.name] = f.default
    return fields


def shown(default: object) -> str:
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


def test_every_setting_is_in_the_table_with_its_env_and_default():
    rows, fields = table(), settings_fields()
    assert set(fields) - set(rows) == set(), "settings missing from README's configuration table"
    assert set(rows) - set(fields) == set(), "README documents settings the code does not read"
    for key, default in fields.items():
        env, stated = rows[key]
        names = re.findall(r"LIANXIN_[A-Z0-9_<>]+", env)
        assert f"LIANXIN_{key.upper()}" in names, f"{key}: env column {env!r}"
        assert stated, f"{key}: no default stated"
        if key not in IN_WORDS and default not in ("", ()):
            assert shown(default) in stated, f"{key}: README says {stated!r}, the code {default!r}"


def test_ports_in_the_table_are_the_services_defaults():
    stated = table()["port"][1]
    for n, name in enumerate(services.NAMES):
        assert f"{config.DEFAULT_BASE_PORT + n} {name}" in stated

