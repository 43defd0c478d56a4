"""What only a database server can show: typed tables, concurrent writers, outages, upgrades.

The shared store and API suites run on PostGIS too (see ``tests/conftest.py``);
these tests check what they cannot: the tables as PostgreSQL sees them, two
importing processes at once, a server stopped and started under a running
app, and stores of another schema version.  Expected values come from the
shipped files (json, csv) and from SQL, not from the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import psycopg
import pytest

from site_gis.errors import StoreCorruptError, StoreNotFoundError, StoreUnavailableError
from site_gis.io import open_or_build_store
from site_gis.schemas import CATALOGUE
from site_gis.store import PostGISStore, open_store, pgschema
from tests.api.conftest import serve
from tests.conftest import LAYERS, PostgresServer, geojson, results_csv
from tests.pgcluster import Cluster, free_port

pytestmark = pytest.mark.postgis


@pytest.fixture
def pg_store(postgres: PostgresServer) -> Iterator[PostGISStore]:
    """A fresh PostGIS store of the shipped layers."""
    store = PostGISStore(postgres.built_copy())
    yield store
    store.close()


def _query(url: str, statement: str, *params: object) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params or None).fetchall()  # type: ignore[arg-type]


def test_tables_are_typed_indexed_and_keyed(pg_store: PostGISStore) -> None:
    url = pg_store.url
    columns = {
        (str(t), str(g)): (str(kind), int(srid))
        for t, g, kind, srid in _query(
            url, "SELECT f_table_name, f_geometry_column, type, srid FROM geometry_columns"
        )
    }
    for name in ("eia_zones", "parcels", "structures", "sample_locations", "receptors"):
        kinds = {f["geometry"]["type"].upper() for f in geojson(name)["features"]}
        assert columns[(name, "geometry")] in {(k, 4326) for k in kinds}, name
    gist = {t for (t,) in _query(url, "SELECT tablename FROM pg_indexes WHERE indexdef ~ 'gist'")}
    assert {n for n, s in CATALOGUE.items() if not s.is_table} <= gist
    keys = dict(
        _query(
            url,
            "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu USING (constraint_name, table_name) "
            "WHERE tc.constraint_type = 'PRIMARY KEY'",
        )
    )
    assert keys["structures"] == "structure_id" and keys["results"] == "result_id"
    types = dict(
        _query(
            url,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'results'",
        )
    )
    assert types["value"] == "double precision" and types["detected"] == "boolean"
    (count,) = _query(url, "SELECT count(*) FROM results")[0]
    assert count == len(results_csv())
    version = dict(_query(url, "SELECT key, value FROM site_gis_metadata"))["schema_version"]
    assert version == pgschema.SCHEMA_VERSION


def test_the_url_never_shows_the_password(postgres: PostgresServer) -> None:
    url = postgres.built_copy().replace("postgres@", "postgres:hunter2-secret@")
    with PostGISStore(url) as store:  # trust authentication ignores the password
        assert "hunter2" not in store.url and store.url.startswith("postgresql://postgres@")
    port = free_port()
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(f"postgresql://postgres:hunter2-secret@127.0.0.1:{port}/psm")
    message = str(caught.value)
    assert (
        message == f"cannot connect to PostgreSQL at 127.0.0.1:{port}/psm: connection refused "
        "(is the server running?)"
    )


def test_a_database_without_a_store_is_built_on_first_open(postgres: PostgresServer) -> None:
    url = postgres.url(postgres.new_database())
    with pytest.raises(StoreNotFoundError, match="holds no site-gis store; build it with"):
        open_store(url)
    store, built = open_or_build_store(url, LAYERS, actor="t")
    assert built and store.count("parcels") == len(geojson("parcels")["features"])
    again, built = open_or_build_store(url, LAYERS, actor="t")
    assert not built
    for opened in (store, again):
        assert isinstance(opened, PostGISStore)
        opened.close()
    missing = postgres.url(f"{postgres.prefix}_missing")
    with pytest.raises(StoreUnavailableError, match=r'database "[^"]+_missing" does not exist'):
        open_store(missing)


def test_the_command_line_builds_and_lists_a_postgis_store(postgres: PostgresServer) -> None:
    url = postgres.url(postgres.new_database()).replace("postgres@", "postgres:not-shown@")
    cli = str(Path(sys.executable).with_name("site-gis"))
    built = subprocess.run([cli, "init", "--store", url], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "not-shown" not in built.stdout + built.stderr
    listed = subprocess.run(
        [cli, "layers"], capture_output=True, text=True, env={**os.environ, "SITE_GIS_STORE": url}
    )
    assert listed.returncode == 0, listed.stderr
    counts = {line.split()[0]: line.split()[2] for line in listed.stdout.splitlines()[1:]}
    assert counts["structures"] == str(len(geojson("structures")["features"]))
    assert counts["results"] == str(len(results_csv()))
    down = subprocess.run(
        [cli, "layers", "--store", f"postgresql://postgres:not-shown@127.0.0.1:{free_port()}/x"],
        capture_output=True,
        text=True,
    )
    assert down.returncode == 1 and "Traceback" not in down.stderr
    assert down.stderr.startswith("error: cannot connect to PostgreSQL at 127.0.0.1:")
    assert "not-shown" not in down.stderr


def _set_schema_version(url: str, version: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE site_gis_metadata SET value = %s WHERE key = 'schema_version'", [version]
        )


def test_older_and_newer_schema_versions(
    pg_store: PostGISStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_store.url
    _set_schema_version(url, "99")
    with pytest.raises(StoreCorruptError, match="version 99, made by a newer site-gis"):
        PostGISStore(url)
    _set_schema_version(url, "0")
    with pytest.raises(
        StoreCorruptError, match=r"version '0', which this site-gis .* cannot upgrade"
    ):
        PostGISStore(url)

    def add_a_key(conn: psycopg.Connection) -> str:  # what a real migration does: change, say
        conn.execute("INSERT INTO site_gis_metadata VALUES ('upgraded_from', '0')")
        return pgschema.SCHEMA_VERSION

    monkeypatch.setitem(pgschema.MIGRATIONS, "0", add_a_key)
    with PostGISStore(url) as upgraded:
        assert upgraded.metadata()["schema_version"] == pgschema.SCHEMA_VERSION
    metadata = dict(_query(url, "SELECT key, value FROM site_gis_metadata"))
    assert metadata["upgraded_from"] == "0"
    assert metadata["schema_version"] == pgschema.SCHEMA_VERSION


def _lab_file(locations: pd.DataFrame, prefix: str, samples: int, seed: int) -> bytes:
    """A SYNTHETIC lab file: ``samples`` samples × 4 analytes at stored locations."""
    rng = np.random.default_rng(seed)
    pick = locations.iloc[rng.integers(0, len(locations), samples)]
    analytes = ["Lead", "Zinc", "Cadmium", "Nickel"]
    frame = pd.DataFrame(
        {
            "Sample ID": np.repeat([f"{prefix}-{i:05d}" for i in range(samples)], len(analytes)),
            "Location ID": np.repeat(pick["location_id"].to_numpy(), len(analytes)),
            "Matrix": "soil",
            "Depth Top": 0.0,
            "Depth Bottom": 0.5,
            "Sample Date": "2026-10-15",
            "Analyte": np.tile(analytes, samples),
            "Result": np.round(rng.lognormal(2, 1, samples * len(analytes)), 3),
            "Units": "mg/kg",
            "Detection Limit": 0.5,
            "Lab": "Race Lab",
            "Method": "EPA 6020B",
        }
    )
    return frame.to_csv(index=False).encode()


def test_two_import_processes_at_once_lose_and_duplicate_nothing(
    pg_store: PostGISStore, tmp_path: Path
) -> None:
    url = pg_store.url
    soil = [
        r for r in geojson("sample_locations")["features"] if r["properties"]["medium"] == "soil"
    ]
    locations = pd.DataFrame([f["properties"] for f in soil])
    files = {}
    for prefix, seed in (("RACE-A", 1), ("RACE-B", 2)):
        path = tmp_path / f"{prefix}.csv"
        path.write_bytes(_lab_file(locations, prefix, 1500, seed))
        files[prefix] = path
    before = _query(url, "SELECT count(*) FROM results")[0][0]
    site_gis_cli = str(Path(sys.executable).with_name("site-gis"))
    command = [site_gis_cli, "import-results", "--store", url, "--actor"]
    processes = [
        subprocess.Popen(
            [*command, f"lab-{prefix}", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[3],
        )
        for prefix, path in files.items()
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    after, distinct = _query(url, "SELECT count(*), count(DISTINCT result_id) FROM results")[0]
    expected_rows = sum(len(pd.read_csv(p)) for p in files.values())
    assert after == distinct == before + expected_rows
    for prefix in files:
        (n,) = _query(url, "SELECT count(*) FROM results WHERE sample_id LIKE %s", prefix + "%")[0]
        assert n == len(pd.read_csv(files[prefix]))
    audits = _query(
        url, "SELECT actor, rows, source_hash FROM site_gis_audit WHERE action = 'import-results'"
    )
    assert sorted(audits) == sorted(
        (f"lab-{prefix}", len(pd.read_csv(p)), hashlib.sha256(p.read_bytes()).hexdigest())
        for prefix, p in files.items()
    )


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own, on a free port, removed afterwards."""
    try:
        cluster = Cluster()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot start a PostgreSQL cluster of the test's own: {exc}")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def test_the_app_answers_503_while_the_database_is_down_and_recovers(
    own_cluster: Cluster, tmp_path: Path
) -> None:
    with psycopg.connect(own_cluster.url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE psm")
    secret = "pw-never-shown-7731"
    url = own_cluster.url("psm", password=secret)
    PostGISStore.create(url, *_shipped(), actor="t").close()
    log = tmp_path / "uvicorn.log"
    for base in serve(url, log):
        zones = f"{base}/collections/eia_zones/items"
        assert httpx.get(zones, timeout=30).status_code == 200
        assert httpx.get(f"{base}/health", timeout=30).json()["status"] == "ok"
        own_cluster.stop()
        for path in ("/collections/eia_zones/items", "/collections", "/health"):
            response = httpx.get(f"{base}{path}", timeout=30)
            assert response.status_code == 503, (path, response.text)
            for leak in (secret, "Traceback", "psycopg", "SELECT"):
                assert leak not in response.text, (path, leak)
        body = httpx.get(zones, timeout=30).json()
        assert body["detail"].startswith("the data store is unavailable")
        own_cluster.start()
        response = httpx.get(zones, timeout=30)
        assert response.status_code == 200
        assert len(response.json()["features"]) == 4
        assert httpx.get(f"{base}/health", timeout=30).json()["status"] == "ok"
    text = log.read_text()
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{own_cluster.port}/psm" in text
    assert secret not in text


def test_the_app_starts_while_the_database_is_down(own_cluster: Cluster, tmp_path: Path) -> None:
    with psycopg.connect(own_cluster.url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE psm")
    PostGISStore.create(own_cluster.url("psm"), *_shipped(), actor="t").close()
    own_cluster.stop()
    for base in serve(own_cluster.url("psm"), tmp_path / "uvicorn.log"):
        assert httpx.get(f"{base}/health", timeout=30).status_code == 503
        assert httpx.get(f"{base}/collections", timeout=30).status_code == 503
        own_cluster.start()
        assert httpx.get(f"{base}/health", timeout=30).status_code == 200
        assert httpx.get(f"{base}/collections", timeout=30).status_code == 200


def _shipped() -> tuple:
    from site_gis.io import read_layers_dir

    site, frames = read_layers_dir(LAYERS, validate=False)
    return site, frames


def test_site_description_round_trips(pg_store: PostGISStore) -> None:
    shipped = json.loads((LAYERS / "site.json").read_text(encoding="utf-8"))
    assert pg_store.site().name == shipped["name"]
