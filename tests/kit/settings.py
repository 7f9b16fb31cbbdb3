"""Settings for an in-process test server, and the demo region tree's codes tests use."""
from __future__ import annotations

from pathlib import Path

from shared import config

REPO = Path(__file__).resolve().parents[2]
REGIONS_FILE = REPO / "deploy" / "regions" / "demo.csv"
PREFECTURE, COUNTY_A, COUNTY_B, COUNTY_C = "652300", "652301", "652302", "652323"
TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B = "652301100", "652301101", "652302100"
OTHER_PREFECTURE, OTHER_COUNTY = "410800", "410825"


def test_env(database_url: str, bus_path: str | Path, **extra: str) -> dict[str, str]:
    """The LIANXIN_* variables of a test server; ``extra`` (LIANXIN_* names) wins."""
    return {
        "LIANXIN_DATABASE_URL": database_url, "LIANXIN_PORT": "0", "LIANXIN_HOST": "127.0.0.1",
        "LIANXIN_BUS": "embedded", "LIANXIN_EMBEDDED_BUS_PATH": str(bus_path),
        "LIANXIN_REGIONS_FILE": str(REGIONS_FILE), "LIANXIN_HOME_REGION": PREFECTURE,
        "LIANXIN_GRPC_WORKERS": "8", "LIANXIN_RELAY_INTERVAL": "0.05",
        # Public calls are rate-limited per client; every test call comes from 127.0.0.1.
        "LIANXIN_PUBLIC_RATE_PER_MINUTE": "100000", "LIANXIN_PUBLIC_BURST": "100000",
        # The identity service's keys and JWKS beside the bus file (one test run's folder), and
        # its sign-in attempts per address as generous as the public limits.
        "LIANXIN_IDENTITY_KEYS_DIR": str(Path(bus_path).parent / "identity-keys"),
        "LIANXIN_JWKS_FILE": str(Path(bus_path).parent / "jwks.json"),
        "LIANXIN_IDENTITY_SIGN_IN_RATE_PER_MINUTE": "100000",
    } | extra


def test_settings(service: str, database_url: str, bus_path: str | Path, **extra: str) -> config.Settings:
    """The service's own settings class (its definition's), loaded from ``test_env`` alone."""
    return config.load(service, test_env(database_url, bus_path, **extra))


test_env.__test__ = False        # not pytest tests, despite their names
test_settings.__test__ = False
