"""``site-gis init`` on an existing store: it never drops what layers/ lacks without being told."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from site_gis.contamination import import_results, prepare_levels
from site_gis.io import read_csv_bytes
from site_gis.store import GeoPackageStore, Store, open_store
from tests.conftest import LAYERS, close_store, results_csv, store_state

SITE_GIS = [sys.executable, "-c", "from api.cli import main; main()"]

LAB = (
    "Sample ID,Location ID,Longitude,Latitude,Matrix,Depth Top,Depth Bottom,Sample Date,"
    "Analyte,CAS,Result,Units,Detection Limit,Qualifier,Lab,Method\n"
    "NEW-1-A,NEW-1,67.392,24.805,soil,0,0.5,2026-11-03,Lead,7439-92-1,120,mg/kg,0.5,,KarLab,"
    "EPA 6020B\n"
    "NEW-1-A,NEW-1,67.392,24.805,soil,0,0.5,2026-11-03,Cadmium,7440-43-9,ND,mg/kg,0.2,U,KarLab,"
    "EPA 6020B\n"
    "NEW-1-A,NEW-1,67.392,24.805,soil,0,0.5,2026-11-03,Benzene,71-43-2,0.3,mg/kg,0.01,,KarLab,"
    "EPA 8260D\n"
)
"""Three results of one new sample location (NEW-1)."""

STANDARD = (
    "standard,version,analyte,cas_number,medium,land_use,value,unit,verified\n"
    "site_specific,2026,Lead,7439-92-1,soil,industrial,500,mg/kg,true\n"
    "site_specific,2026,Benzene,71-43-2,soil,industrial,2,mg/kg,true\n"
)
"""Two screening levels of a user's own standard."""

SHIPPED_RESULTS = len(results_csv())
SHIPPED_LEVELS = len((LAYERS / "screening_levels.csv").read_text().splitlines()) - 1
SHIPPED_LOCATIONS = (LAYERS / "sample_locations.geojson").read_text().count('"Feature"')


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SITE_GIS, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def init(store: Store, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("init", "--store", store.url, "--layers", str(LAYERS), *extra, cwd=cwd)


def add_imports(store: Store) -> None:
    """One lab import (3 results, 1 location) and one standard (2 levels), as users add them."""
    import_results(store, LAB.encode(), actor="officer", source="lab.csv")
    levels = prepare_levels(
        read_csv_bytes(STANDARD.encode(), "mine.csv", max_rows=10), source="mine.csv"
    )
    store.write(
        {"screening_levels": levels}, mode="append", actor="officer", action="import-standard"
    )


def counts(store: Store) -> tuple[int, int, int]:
    return store.count("results"), store.count("sample_locations"), store.count("screening_levels")


def test_the_shipped_counts_are_what_the_files_hold() -> None:
    assert (SHIPPED_RESULTS, SHIPPED_LOCATIONS, SHIPPED_LEVELS) == (
        17740,
        273,
        107,
    )  # 255 site and 18 background locations; 16 quarterly monitoring rounds


def test_init_refuses_to_drop_imported_rows_and_changes_nothing(
    store: Store, tmp_path: Path
) -> None:
    add_imports(store)
    before = store_state(store)
    result = init(store, tmp_path)
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert "results: 3 row(s) not in the layers directory" in result.stderr
    assert "sample_locations: 1 row(s) not in the layers directory (e.g. NEW-1)" in result.stderr
    assert "screening_levels: 2 row(s) not in the layers directory" in result.stderr
    assert "standard site_specific: 2 screening level(s) only in the store" in result.stderr
    assert "--replace" in result.stderr
    assert store_state(store) == before
    assert counts(store) == (SHIPPED_RESULTS + 3, SHIPPED_LOCATIONS + 1, SHIPPED_LEVELS + 2)


def test_init_replace_backs_up_the_store_then_rebuilds_it(store: Store, tmp_path: Path) -> None:
    add_imports(store)
    keys_before = len(store.api_keys())
    result = init(store, tmp_path, "--replace")
    assert result.returncode == 0, result.stderr
    assert "results: 3 row(s) not in the layers directory" in result.stderr
    found = re.search(r"--store '([^']+)'", result.stderr) or re.search(
        r"backed up the old store to (\S+)", result.stderr
    )
    assert found, result.stderr
    backup = open_store(found.group(1))
    try:
        assert counts(backup) == (SHIPPED_RESULTS + 3, SHIPPED_LOCATIONS + 1, SHIPPED_LEVELS + 2)
        assert backup.read("sample_locations", where={"location_id": "NEW-1"})[
            "location_id"
        ].tolist() == ["NEW-1"]
        assert backup.count("screening_levels", where={"standard": "site_specific"}) == 2
    finally:
        close_store(backup)
    if isinstance(store, GeoPackageStore):
        assert Path(found.group(1)).parent == store.path.parent
        assert re.fullmatch(r"store\.\d{4}-\d\d-\d\dT\d{4}\.gpkg", Path(found.group(1)).name)
    rebuilt = open_store(store.url)
    try:
        assert counts(rebuilt) == (SHIPPED_RESULTS, SHIPPED_LOCATIONS, SHIPPED_LEVELS)
        assert len(rebuilt.api_keys()) == keys_before
    finally:
        close_store(rebuilt)
    # nothing beyond layers/ now: a second init proceeds without --replace, and says so
    again = init(store, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "held nothing beyond" in again.stdout
    assert "backed up" not in again.stderr


def test_init_twice_in_a_row_proceeds(new_store_url: object, tmp_path: Path) -> None:
    assert callable(new_store_url)
    url = new_store_url(tmp_path)
    first = run("init", "--store", url, "--layers", str(LAYERS), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = run("init", "--store", url, "--layers", str(LAYERS), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "held nothing beyond" in second.stdout


@pytest.mark.parametrize("content", [b"garbage" * 100], ids=["corrupt"])
def test_init_refuses_an_unreadable_store_unless_replace(tmp_path: Path, content: bytes) -> None:
    store = tmp_path / "old.gpkg"
    store.write_bytes(content)
    refused = run("init", "--store", str(store), "--layers", str(LAYERS), cwd=tmp_path)
    assert refused.returncode == 1
    assert "cannot be read" in refused.stderr and "--replace" in refused.stderr
    assert store.read_bytes() == content
    replaced = run(
        "init", "--store", str(store), "--layers", str(LAYERS), "--replace", cwd=tmp_path
    )
    assert replaced.returncode == 0, replaced.stderr
    [backup] = tmp_path.glob("old.*.gpkg")
    assert backup.read_bytes() == content
    assert GeoPackageStore(store).count("results") == SHIPPED_RESULTS
