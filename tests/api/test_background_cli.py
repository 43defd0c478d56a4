"""``site-gis background``: the recommended BTVs and the zone verdicts on the command line."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from site_gis.store import Store

SITE_GIS = [sys.executable, "-c", "from api.cli import main; main()"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SITE_GIS, "background", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_background_command(built_store: Store, tmp_path: Path) -> None:
    shown = _run("--store", built_store.url, "--analyte", "Lead", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert any(line.strip().startswith("Lead soil:") and "UTL95-95" in line for line in lines)
    assert "SYNTHETIC" in shown.stdout
    compared = _run("--store", built_store.url, "--analyte", "Lead", "--compare", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    assert compared.stdout.startswith("Form 1: H0 site ≤ background")
    assert "blast_furnace_yard Lead soil: above background" in compared.stdout
    as_csv = _run("--store", built_store.url, "--medium", "groundwater", "--csv", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows and {r["medium"] for r in rows} == {"groundwater"}


def test_unknown_analyte_is_a_message(built_store: Store, tmp_path: Path) -> None:
    result = _run("--store", built_store.url, "--analyte", "kryptonite", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.startswith("error: ")
    assert "kryptonite" in result.stderr and "Traceback" not in result.stderr
