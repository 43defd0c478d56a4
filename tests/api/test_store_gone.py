"""A store that goes away while the server runs: every route the one 503, then service again.

A GeoPackage deleted, overwritten with garbage or replaced by another file, a
PostGIS database whose tables were dropped, a PostgreSQL server stopped: every
route family that reads the store (items, maps, imports, exports, surfaces,
contamination, encroachments, jobs, /health) answers 503 with ``Retry-After``
and the same safe message -- never a 500, never a path or a traceback -- and
answers 200 again, without a restart, once the store is back.  The log says
once what happened, and once that it is over.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import psycopg
import pytest

from site_gis.access import Role
from site_gis.contamination import import_results
from site_gis.io import build_store, read_layers_dir
from site_gis.store import GeoPackageStore, PostGISStore, Store
from tests.api.conftest import serve
from tests.api.test_faults import batch
from tests.conftest import key_header, make_keys
from tests.pgcluster import Cluster

UNAVAILABLE = "the data store is unavailable"

# (path, role sending it, whether the answer is a page); a sample of every route family
ROUTES: list[tuple[str, Role | None, bool]] = [
    ("/", None, False),
    ("/collections/receptors/items", None, False),
    ("/collections/receptors/items?f=html", None, True),
    ("/maps/site", None, True),
    ("/exports/receptors", Role.CONSULTANT, False),
    ("/exports/receptors?format=gpkg", Role.CONSULTANT, False),
    ("/surfaces/Lead?f=json", None, False),
    ("/contamination/exceedances", None, False),
    ("/encroachments/parcels", None, False),
    ("/jobs", Role.OFFICER, False),
]


class Client:
    """Requests to one server, with a key per role."""

    def __init__(self, base: str, keys: dict[Role, str]) -> None:
        self.base = base
        self.keys = keys

    def get(self, path: str, role: Role | None = None) -> httpx.Response:
        headers = key_header(self.keys[role]) if role else {}
        return httpx.get(f"{self.base}{path}", headers=headers, timeout=120)

    def import_batch(self, name: str) -> httpx.Response:
        return httpx.post(
            f"{self.base}/imports/results",
            files={"file": (f"{name}.csv", batch(name).encode())},
            headers=key_header(self.keys[Role.OFFICER]),
            timeout=120,
        )


def assert_all_unavailable(client: Client, batch_name: str, *hidden: str) -> None:
    """Every sampled route, /health and an import answer the 503, saying nothing of why."""
    answers = [(path, client.get(path, role), page) for path, role, page in ROUTES]
    answers.append(("/health", client.get("/health"), False))
    answers.append(("POST /imports/results", client.import_batch(batch_name), False))
    for path, response, page in answers:
        assert response.status_code == 503, (path, response.status_code, response.text[:300])
        assert response.headers["retry-after"] == "30", path
        for leak in ("Traceback", "sqlite", "psycopg", "pyogrio", *hidden):
            assert leak not in response.text, (path, leak)
        if page:
            assert response.headers["content-type"].startswith("text/html"), path
            assert UNAVAILABLE in response.text, path
        else:
            assert response.json()["detail"].startswith(UNAVAILABLE), path
    health = answers[-2][1].json()
    assert health["status"] == "unavailable"


def assert_all_served(client: Client, batch_name: str) -> None:
    """Every sampled route, /health and an import answer as usual."""
    for path, role, _ in ROUTES:
        response = client.get(path, role)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    assert client.get("/health").json()["status"] == "ok"
    # a new location's 40 results (batch() makes them): stored now, so 201
    imported = client.import_batch(batch_name)
    assert imported.status_code == 201, imported.text
    assert imported.json()["new_results"] == 40


def location_results(client: Client, name: str) -> int:
    """How many results of a batch's location the server serves."""
    response = client.get(f"/collections/results/items?location_id=LOC-{name}&limit=1")
    assert response.status_code == 200, response.text
    matched: int = response.json()["numberMatched"]
    return matched


def outages(log: Path) -> int:
    """How many times the server logged that the store has a problem."""
    return sum("store problem:" in line for line in log.read_text().splitlines())


@pytest.fixture
def running(store: Store, tmp_path: Path) -> Iterator[tuple[Client, Path]]:
    """A server on a fresh store of the backend under test, and its log."""
    keys = make_keys(store)
    log = tmp_path / "uvicorn.log"
    for base in serve(store.url, log):
        yield Client(base, keys), log


def _tables(store: Store) -> Callable[[str, str], None]:
    def rename(old: str, new: str) -> None:
        assert isinstance(store, PostGISStore)
        with psycopg.connect(store.url, autocommit=True) as conn:
            for table in ("results", "site_gis_metadata"):
                conn.execute(f"ALTER TABLE {table}{old} RENAME TO {table}{new}")

    return rename


def take_away(store: Store) -> None:
    """GeoPackage: the file is moved away (deleted). PostGIS: tables are dropped (moved away)."""
    if isinstance(store, GeoPackageStore):
        os.rename(store.path, store.path.with_name("away.gpkg"))
    else:
        _tables(store)("", "_away")


def put_back(store: Store) -> None:
    """What :func:`take_away` took, back as it was."""
    if isinstance(store, GeoPackageStore):
        os.rename(store.path.with_name("away.gpkg"), store.path)
    else:
        _tables(store)("_away", "")


def test_a_store_taken_away_gives_every_route_503_and_serves_again_once_back(
    running: tuple[Client, Path], store: Store, tmp_path: Path
) -> None:
    client, log = running
    assert_all_served(client, "B1")  # the response cache holds these pages now
    take_away(store)
    assert_all_unavailable(client, "GONE", str(tmp_path))
    assert_all_unavailable(client, "GONE2", str(tmp_path))  # asked again: still the 503
    put_back(store)
    assert_all_served(client, "B2")
    assert location_results(client, "GONE") == 0  # the imports sent meanwhile wrote nothing
    assert location_results(client, "B2") == 40
    text = log.read_text()
    assert outages(log) == 1, text  # said once, however many requests it refused
    assert text.count("the store answers again") == 1, text
    assert "Traceback" not in text


def test_a_geopackage_overwritten_with_garbage_gives_503_not_500(
    running: tuple[Client, Path], store: Store, tmp_path: Path, backend: str
) -> None:
    if backend != "gpkg":
        pytest.skip("a GeoPackage file overwritten")
    assert isinstance(store, GeoPackageStore)
    client, log = running
    assert client.get("/collections/receptors/items").status_code == 200
    kept = tmp_path / "kept.gpkg"
    shutil.copyfile(store.path, kept)
    store.path.write_bytes(b"\x00garbage, not SQLite\xff" * 4096)  # in place: the same inode
    assert_all_unavailable(client, "JUNK", str(tmp_path))
    os.replace(kept, store.path)  # the real one back (a new inode)
    assert_all_served(client, "B3")
    assert outages(log) == 1
    assert "Traceback" not in log.read_text()


def test_a_geopackage_replaced_by_another_store_is_served_from_the_new_file(
    running: tuple[Client, Path], store: Store, tmp_path: Path, backend: str
) -> None:
    if backend != "gpkg":
        pytest.skip("a GeoPackage file replaced")
    assert isinstance(store, GeoPackageStore)
    client, _ = running
    other = tmp_path / "other.gpkg"
    shutil.copyfile(store.path, other)
    import_results(GeoPackageStore(other), batch("NEW").encode(), actor="t", source="NEW.csv")
    page = "/collections/results/items?location_id=LOC-NEW&limit=1"
    assert location_results(client, "NEW") == 0  # remembered by the response cache
    old_map = client.get("/maps/contamination?analyte=Lead").text
    os.replace(other, store.path)
    assert client.get(page).json()["numberMatched"] == 40  # not the cached answer of the old file
    assert client.get("/maps/contamination?analyte=Lead").text != old_map


def test_a_geopackage_replaced_by_another_site_serves_the_new_site(
    running: tuple[Client, Path], store: Store, tmp_path: Path, backend: str, layers_dir: Path
) -> None:
    if backend != "gpkg":
        pytest.skip("a GeoPackage file replaced")
    assert isinstance(store, GeoPackageStore)
    client, _ = running
    assert client.get("/").json()["site"]["name"].startswith("Pakistan Steel Mills")
    site, frames = read_layers_dir(layers_dir)
    other = tmp_path / "other.gpkg"
    GeoPackageStore.create(other, replace(site, name="Renamed works"), frames, actor="t")
    os.replace(other, store.path)
    assert client.get("/").json()["site"]["name"] == "Renamed works"


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own, on a free port, removed afterwards."""
    try:
        cluster = Cluster()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"cannot start a PostgreSQL cluster of the test's own: {exc}")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.mark.postgis
def test_a_stopped_postgresql_server_gives_every_route_503_until_it_is_back(
    own_cluster: Cluster, tmp_path: Path, layers_dir: Path
) -> None:
    with psycopg.connect(own_cluster.url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE psm")
    secret = "pw-never-shown-5521"
    url = own_cluster.url("psm", password=secret)
    built = build_store(url, layers_dir, actor="t")
    keys = make_keys(built)
    assert isinstance(built, PostGISStore)
    built.close()
    log = tmp_path / "uvicorn.log"
    for base in serve(url, log):
        client = Client(base, keys)
        assert_all_served(client, "P1")
        own_cluster.stop()
        assert_all_unavailable(client, "PDOWN", secret, "SELECT")
        own_cluster.start()
        assert_all_served(client, "P2")
        assert location_results(client, "PDOWN") == 0
    text = log.read_text()
    assert outages(log) == 1, text
    assert secret not in text
