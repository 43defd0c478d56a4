"""Shared fixtures: the shipped layers, stores built from them on each backend, the raw files.

Store and API tests run on every backend: the ``backend`` fixture is
parametrised over the GeoPackage and PostGIS stores.  PostGIS needs a server,
named by ``SITE_GIS_TEST_POSTGRES`` (a database URL; the tests create and drop
databases beside it, so its user needs CREATEDB).  Without it the PostGIS
tests are skipped, saying how to run them; with ``SITE_GIS_REQUIRE_POSTGIS=1``
(as in ``.ci/run``) a skipped PostGIS test is a failure.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from site_gis.access import Role
from site_gis.io import build_store
from site_gis.store import GeoPackageStore, PostGISStore, Store, create_key

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "layers"
POSTGRES_ENV = "SITE_GIS_TEST_POSTGRES"
REQUIRE_ENV = "SITE_GIS_REQUIRE_POSTGIS"
HOW_TO_RUN_POSTGIS = (
    f"no PostGIS server: set {POSTGRES_ENV}=postgresql://postgres@127.0.0.1:55432/site_gis_test "
    "(.ci/run installs postgresql-15-postgis-3 and starts one; README: Running on PostGIS)"
)
BACKENDS = ["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)]

StoreFactory = Callable[[Path], Store]


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """With ``SITE_GIS_REQUIRE_POSTGIS=1`` a skipped PostGIS test fails."""
    if call.when != "setup" or os.environ.get(REQUIRE_ENV) != "1":
        return None
    if item.get_closest_marker("postgis") is None:
        return None
    if call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception):
        report = pytest.TestReport.from_item_and_call(item, call)
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_ENV}=1 but this PostGIS test was skipped: {call.excinfo.value}"
        return report
    return None


class PostgresServer:
    """The test server: makes and drops databases beside the one in ``SITE_GIS_TEST_POSTGRES``."""

    def __init__(self, url: str) -> None:
        self.params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
        self.base = self.params.get("dbname", "site_gis_test")
        self.prefix = f"{self.base}_{uuid.uuid4().hex[:6]}"
        self._names = (f"{self.prefix}_{n}" for n in itertools.count())
        self.template = f"{self.prefix}_template"
        self._template_built = False

    def url(self, dbname: str) -> str:
        """The ``postgresql://`` URL of database ``dbname`` on this server."""
        user = quote(self.params.get("user", ""), safe="")
        password = self.params.get("password")
        auth = f"{user}:{quote(password, safe='')}@" if password else f"{user}@" if user else ""
        host = self.params.get("host", "127.0.0.1")
        return f"postgresql://{auth}{host}:{self.params.get('port', '5432')}/{dbname}"

    def admin(self, sql_text: sql.Composable) -> None:
        """Run one statement in the base database (autocommit)."""
        with psycopg.connect(self.url(self.base), autocommit=True) as conn:
            conn.execute(sql_text)

    def new_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); its name."""
        name = next(self._names)
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        self.admin(statement)
        return name

    def drop(self, name: str) -> None:
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def built_copy(self) -> str:
        """URL of a new database holding the store built from the shipped layers."""
        if not self._template_built:
            self.new_database()  # consume a name so the template gets its own
            self.admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template)))
            store = build_store(self.url(self.template), LAYERS, actor="tests")
            assert isinstance(store, PostGISStore)
            store.close()
            self._template_built = True
        return self.url(self.new_database(self.template))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The PostgreSQL server of the tests; skipped (or failed, if required) without one."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {POSTGRES_ENV} is not set. {HOW_TO_RUN_POSTGIS}")
        pytest.skip(HOW_TO_RUN_POSTGIS)
    server = PostgresServer(url)
    yield server
    with psycopg.connect(server.url(server.base), autocommit=True) as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [server.prefix + "%"]
        ).fetchall()
    for (name,) in names:
        server.drop(name)


@pytest.fixture(scope="session")
def layers_dir() -> Path:
    """The shipped PSM layers."""
    return LAYERS


@pytest.fixture(scope="session")
def demo_gpkg(tmp_path_factory: pytest.TempPathFactory) -> GeoPackageStore:
    """A GeoPackage built once from the shipped layers (read-only; for analysis tests)."""
    path = tmp_path_factory.mktemp("store") / "psm.gpkg"
    store = build_store(str(path), LAYERS, actor="tests")
    assert isinstance(store, GeoPackageStore)
    return store


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend under test: ``gpkg`` or ``postgis``."""
    if request.param == "postgis":
        request.getfixturevalue("postgres")
    return str(request.param)


@pytest.fixture(scope="session")
def store_factory(
    backend: str, demo_gpkg: GeoPackageStore, request: pytest.FixtureRequest
) -> StoreFactory:
    """Makes a fresh writable store holding the shipped layers, on the backend under test.

    GeoPackage: a copy of the built file in the given folder; PostGIS: a new
    database copied from a built template database.
    """
    if backend == "gpkg":

        def copy_gpkg(folder: Path) -> Store:
            path = folder / "store.gpkg"
            shutil.copyfile(demo_gpkg.path, path)
            return GeoPackageStore(path)

        return copy_gpkg
    server: PostgresServer = request.getfixturevalue("postgres")

    def copy_database(folder: Path) -> Store:
        return PostGISStore(server.built_copy())

    return copy_database


@pytest.fixture(scope="session")
def built_store(
    store_factory: StoreFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A store built once from the shipped layers, on each backend (read-only for tests)."""
    store = store_factory(tmp_path_factory.mktemp("built"))
    yield store
    close_store(store)


@pytest.fixture
def store(store_factory: StoreFactory, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of the shipped layers that a test may write to, on each backend."""
    fresh = store_factory(tmp_path)
    yield fresh
    close_store(fresh)


@pytest.fixture(scope="session")
def new_store_url(backend: str, request: pytest.FixtureRequest) -> Callable[[Path], str]:
    """Gives the URL of a place for a new store on the backend under test (nothing there yet)."""
    if backend == "gpkg":
        return lambda folder: str(folder / "new.gpkg")
    server: PostgresServer = request.getfixturevalue("postgres")
    return lambda folder: server.url(server.new_database())


def store_state(store: Store) -> str:
    """A fingerprint that any write changes.

    GeoPackage: the file's SHA-256, byte for byte.  PostGIS: the data version
    and the audit log's length (a write that fails is rolled back whole).
    """
    if isinstance(store, GeoPackageStore):
        return hashlib.sha256(store.path.read_bytes()).hexdigest()
    return f"{store.version()}/{len(store.audit_log())}"


def store_contains(store: Store, text: str) -> bool:
    """Whether ``text`` appears anywhere in the store (file bytes, or any table's rows)."""
    if isinstance(store, GeoPackageStore):
        return text.encode() in store.path.read_bytes()
    with psycopg.connect(store.url) as conn:
        tables = conn.execute(
            "SELECT quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).fetchall()
        for (table,) in tables:
            query = sql.SQL("SELECT count(*) FROM {} t WHERE strpos(t::text, %s) > 0")
            found = conn.execute(query.format(sql.SQL(table)), [text]).fetchone()
            if found and found[0]:
                return True
    return False


def close_store(store: Store) -> None:
    """Release a store's connections (PostGIS); nothing to do for a GeoPackage."""
    if isinstance(store, PostGISStore):
        store.close()


def reopen(store: Store) -> Store:
    """A second handle on the same store, as another process would open it."""
    if isinstance(store, GeoPackageStore):
        return GeoPackageStore(store.path)
    assert isinstance(store, PostGISStore)
    return PostGISStore(store.url)


@pytest.fixture(scope="session")
def keys(built_store: Store) -> dict[Role, str]:
    """One API key per role on the shared store (secrets by role)."""
    return make_keys(built_store)


def make_keys(store: Store) -> dict[Role, str]:
    """Create one key per role in ``store``; returns the secrets."""
    return {role: create_key(store, f"test {role}", [role], actor="tests")[0] for role in Role}


def key_header(secret: str) -> dict[str, str]:
    """The header carrying an API key."""
    return {"X-API-Key": secret}


def geojson(name: str) -> dict[str, Any]:
    """A shipped GeoJSON layer parsed with the json module (independent of the code under test)."""
    data: dict[str, Any] = json.loads((LAYERS / f"{name}.geojson").read_text(encoding="utf-8"))
    return data


def results_csv() -> pd.DataFrame:
    """The shipped results table read by pandas alone."""
    return pd.read_csv(LAYERS / "results.csv", keep_default_na=False, na_values=[""])
