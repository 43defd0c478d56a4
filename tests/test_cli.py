"""The ``site-gis`` command as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LAYERS

SITE_GIS = [sys.executable, "-c", "from api.cli import main; main()"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SITE_GIS, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_init_then_layers(tmp_path: Path) -> None:
    store = str(tmp_path / "psm.gpkg")
    built = run("init", "--store", store, "--layers", str(LAYERS), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    listed = run("layers", "--store", store, cwd=tmp_path)
    assert listed.returncode == 0
    lines = {line.split()[0]: line.split() for line in listed.stdout.splitlines()}
    assert lines["structures"][1:3] == ["Polygon", "4000"]
    assert lines["eia_zones"][1:3] == ["MultiPolygon", "4"]
    assert lines["results"][1] == "table"


@pytest.mark.parametrize("content", [b"garbage" * 100, None], ids=["corrupt", "missing"])
def test_bad_store_gives_a_message_not_a_traceback(tmp_path: Path, content: bytes | None) -> None:
    store = tmp_path / "bad.gpkg"
    if content is not None:
        store.write_bytes(content)
    result = run("layers", "--store", str(store), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "site-gis init" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_refuses_broken_layers_and_keeps_the_old_store(tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    layers.mkdir()
    for file in LAYERS.iterdir():
        (layers / file.name).write_bytes(file.read_bytes())
    store = tmp_path / "psm.gpkg"
    assert run("init", "--store", str(store), "--layers", str(layers), cwd=tmp_path).returncode == 0
    before = store.read_bytes()
    text = (layers / "receptors.geojson").read_text()
    (layers / "receptors.geojson").write_text(text.replace('"kind": "well"', '"kind": "volcano"'))
    (layers / "facilities.geojson").unlink()
    result = run("init", "--store", str(store), "--layers", str(layers), cwd=tmp_path)
    assert result.returncode == 1
    assert "facilities: layer file is missing" in result.stderr
    assert "receptors, row R-10, field 'kind'" in result.stderr
    assert store.read_bytes() == before


def test_generate_writes_a_scaled_site(tmp_path: Path) -> None:
    result = run(
        "generate",
        "--out",
        str(tmp_path / "big"),
        "--structures",
        "12000",
        "--samples",
        "1500",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "big" / "structures.geojson").stat().st_size > 3_000_000


def test_unusable_paths_give_messages_not_tracebacks(tmp_path: Path) -> None:
    directory = tmp_path / "dir.gpkg"
    directory.mkdir()
    for args in (
        ("init", "--store", str(directory), "--layers", str(LAYERS)),
        ("layers", "--store", str(directory)),
        ("init", "--store", "/proc/no/such.gpkg", "--layers", str(LAYERS)),
    ):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 1, args
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr, args


def test_a_bad_site_description_is_reported(tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    layers.mkdir()
    for file in LAYERS.iterdir():
        (layers / file.name).write_bytes(file.read_bytes())
    text = (layers / "site.json").read_text()
    (layers / "site.json").write_text(text.replace('"centre_lon": 67.35244', '"centre_lon": "abc"'))
    result = run("init", "--store", str(tmp_path / "s.gpkg"), "--layers", str(layers), cwd=tmp_path)
    assert result.returncode == 1
    assert "site.json, field 'centre_lon': not a number" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (
            b"standard,version,analyte,medium,land_use,value,unit,verified\n"
            b"mine,1,Lead,,any,5,mg/kg,true\n",
            "field 'medium': value is required",
        ),
        (
            b"standard,version,analyte,medium,land_use,value,lower_value,unit,verified\n"
            b"mine,1,pH,surface_water,any,6,9,pH units,true\n",
            "the lower limit is above the level",
        ),
        (
            "standard,version,analyte,medium,land_use,value,unit,verified\n"
            "mine,1,Plomb é,soil,any,5,mg/kg,true\n".encode("latin-1"),
            "not UTF-8",
        ),
        (
            b"standard,version,analyte,medium,land_use,value,unit,verified\n"
            b"mi\x00ne,1,Lead,soil,any,5,mg/kg,true\n",
            "field 'standard': contains a control character",
        ),
    ],
)
def test_import_standard_reports_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    store = tmp_path / "s.gpkg"
    assert run("init", "--store", str(store), "--layers", str(LAYERS), cwd=tmp_path).returncode == 0
    file = tmp_path / "mine.csv"
    file.write_bytes(content)
    result = run("import-standard", str(file), "--store", str(store), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr and "\x00" not in result.stderr


def test_import_standard_adds_a_users_standard(tmp_path: Path) -> None:
    store = tmp_path / "s.gpkg"
    run("init", "--store", str(store), "--layers", str(LAYERS), cwd=tmp_path)
    file = tmp_path / "mine.csv"
    file.write_text(
        "standard,version,analyte,cas_number,medium,land_use,value,unit,verified,"
        "source_url\nsite_specific,2026,Lead,7439-92-1,soil,industrial,500,mg/kg,"
        "true,https://example.org\n"
    )
    result = run("import-standard", str(file), "--store", str(store), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from site_gis.store import GeoPackageStore

    levels = GeoPackageStore(store).read("screening_levels", where={"standard": "site_specific"})
    assert levels["value"].tolist() == [500.0]


def test_resettle_prints_totals_and_phases(tmp_path: Path) -> None:
    store = tmp_path / "s.gpkg"
    run("init", "--store", str(store), "--layers", str(LAYERS), cwd=tmp_path)
    result = run(
        "resettle", "--store", str(store), "--kind", "scrapyard", "--phases", "2", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "total" in result.stdout and "phase 2:" in result.stdout
    assert "SYNTHETIC" in result.stdout


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    store = str(tmp_path / "s.gpkg")
    assert run("init", "--store", store, cwd=tmp_path).returncode == 0
    made = run(
        "keys",
        "create",
        "SEPA desk",
        "--roles",
        "officer,consultant",
        "--store",
        store,
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    key_id, secret = made.stdout.split()[1], made.stdout.splitlines()[1]
    assert secret.startswith(f"sgk_{key_id}_")
    listed = run("keys", "list", "--store", store, cwd=tmp_path).stdout
    assert key_id in listed and "officer,consultant" in listed and "active" in listed
    assert secret not in listed
    assert run("keys", "revoke", key_id, "--store", store, cwd=tmp_path).returncode == 0
    assert "revoked" in run("keys", "list", "--store", store, cwd=tmp_path).stdout
    bad = run("keys", "create", "x", "--roles", "admin", "--store", store, cwd=tmp_path)
    assert bad.returncode == 1 and "unknown role" in bad.stderr and "Traceback" not in bad.stderr
