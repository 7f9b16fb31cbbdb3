"""What an operator relies on: docker-compose.yml is valid Compose, runs the five services
on their documented ports with health checks, and every tier file loads."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import services as registry
from shared import config
from shared.tenancy import RegionTree

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT.parent / "shared" / "schemas"


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_file_conforms_to_the_compose_specification():
    schema_file = SCHEMAS / "compose-spec.json"
    if not schema_file.exists():
        pytest.skip("the Compose Specification schema is read from ../shared/schemas, absent in this checkout")
    import jsonschema
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.validate(compose(), schema)


def test_compose_runs_every_service_on_its_port_with_a_health_check():
    services = compose()["services"]
    for name in registry.NAMES:
        port = config.load(name, {}).port
        svc = services[name]
        assert svc["command"] == ["python", "-m", f"services.{name}"]
        assert svc["ports"] == [f"{port}:{port}"]
        assert svc["healthcheck"]["test"][-1] == str(port)
        assert svc["environment"]["LIANXIN_BUS"] == "kafka"
        assert svc["environment"]["LIANXIN_DATABASE_URL"].endswith(f"/lianxin_{name}")
    assert services["kafka"]["image"].startswith("apache/kafka:")
    init_sql = (ROOT / "deploy/postgres/init.sql").read_text(encoding="utf-8")
    for name in registry.NAMES:
        assert f"CREATE DATABASE lianxin_{name};" in init_sql


@pytest.mark.parametrize("tier_file", sorted((ROOT / "deploy/tiers").glob("*.toml")), ids=lambda p: p.stem)
def test_tier_files_load_and_name_a_known_home_region(tier_file):
    tree = RegionTree.load(ROOT / "deploy/regions/demo.csv")
    for service in registry.NAMES:
        s = config.load(service, {"LIANXIN_DEPLOYMENT_FILE": str(tier_file)})
        assert s.bus == "kafka"
        assert s.home_region in tree
        assert tier_file.stem.endswith(s.home_region)
