"""``site-gis background``: the recommended BTVs and the zone verdicts on the command line.

Run in-process with typer's runner (the command's code is the same; ``tests/test_cli.py``
covers how ``main`` turns errors into messages)."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app
from site_gis.errors import InvalidRequestError
from site_gis.store import Store

RUNNER = CliRunner()


def test_background_command(built_store: Store) -> None:
    shown = RUNNER.invoke(app, ["background", "--store", built_store.url, "--analyte", "Lead"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert any(line.strip().startswith("Lead soil:") and "UTL95-95" in line for line in lines)
    assert "SYNTHETIC" in shown.stdout
    compared = RUNNER.invoke(
        app, ["background", "--store", built_store.url, "--analyte", "Lead", "--compare"]
    )
    assert compared.exit_code == 0, compared.output
    assert compared.stdout.startswith("Form 1: H0 site ≤ background")
    assert "blast_furnace_yard Lead soil: above background" in compared.stdout
    as_csv = RUNNER.invoke(
        app, ["background", "--store", built_store.url, "--medium", "groundwater", "--csv"]
    )
    header, *rows = as_csv.stdout.splitlines()
    assert header.startswith("analyte,medium,unit,n,") and rows
    assert all(",groundwater,ug/L," in row for row in rows)


def test_unknown_analyte_is_refused(built_store: Store) -> None:
    result = RUNNER.invoke(
        app, ["background", "--store", built_store.url, "--analyte", "kryptonite"]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidRequestError)
    assert "kryptonite" in str(result.exception)
