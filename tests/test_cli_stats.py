"""``site-gis stats``, run in-process through Typer's test runner (the command as typed)."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from api.cli import app
from site_gis.errors import InvalidRequestError
from site_gis.store import GeoPackageStore


@pytest.fixture(scope="module")
def store(demo_gpkg: GeoPackageStore) -> str:
    return str(demo_gpkg.path)


def test_stats_prints_the_recommended_ucl(store: str) -> None:
    args = [
        "--analyte",
        "Lead",
        "--medium",
        "soil",
        "--zone",
        "coal_coke_storage",
        "--detail",
        "full",
    ]
    result = CliRunner().invoke(app, ["stats", "--store", store, *args])
    assert result.exit_code == 0, result.output
    assert "coal_coke_storage / Lead / soil" in result.output
    assert result.output.count("<- recommended") == 1 and "SYNTHETIC" in result.output


def test_stats_csv_and_bad_option(store: str) -> None:
    result = CliRunner().invoke(
        app, ["stats", "--store", store, "--analyte", "Lead", "--medium", "soil", "--csv"]
    )
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and {"ucl95", "method", "distribution", "recommendation_rule"} <= set(rows[0])
    bad = CliRunner().invoke(app, ["stats", "--store", store, "--convention", "efron"])
    assert isinstance(bad.exception, InvalidRequestError)  # main() prints it as one line
    assert "convention must be one of" in str(bad.exception)
