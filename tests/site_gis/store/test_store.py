"""The stores: round trip, filters, all-or-nothing writes, clear errors.

Every test taking ``built_store`` or ``store`` runs on each backend (GeoPackage
and PostGIS); the tests taking ``gpkg_store`` are about the GeoPackage file itself.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, box, shape

from site_gis.errors import (
    InvalidRequestError,
    LayerNotFoundError,
    LayerValidationError,
    StoreCorruptError,
    StoreError,
    StoreNotFoundError,
)
from site_gis.io import build_store
from site_gis.schemas import CATALOGUE
from site_gis.store import Between, GeoPackageStore, PostGISStore, Store, open_store
from site_gis.store.geopackage import staging_path
from tests.conftest import LAYERS, close_store, geojson, reopen, results_csv


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(store: Store) -> tuple[str, int]:
    """What any write changes: the store's version and the length of its audit log."""
    return store.version(), len(store.audit_log())


def _execute(store: Store, statement: str) -> None:
    """Change the store behind site-gis's back, with the backend's own client."""
    if isinstance(store, GeoPackageStore):
        with sqlite3.connect(store.path) as db:
            db.execute(statement)
        return
    import psycopg

    with psycopg.connect(store.url, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


@pytest.fixture
def gpkg_store(demo_gpkg: GeoPackageStore, tmp_path: Path) -> GeoPackageStore:
    """A writable copy of the GeoPackage (for tests of the file itself)."""
    path = tmp_path / "psm.gpkg"
    path.write_bytes(demo_gpkg.path.read_bytes())
    return GeoPackageStore(path)


def test_store_implements_the_interface(built_store: Store) -> None:
    assert isinstance(built_store, Store)


@pytest.mark.parametrize("name", [n for n, s in CATALOGUE.items() if not s.is_table])
def test_round_trip_of_every_spatial_layer(built_store: Store, name: str) -> None:
    source = geojson(name)["features"]
    stored = built_store.read(name)
    schema = CATALOGUE[name]
    assert len(stored) == len(source) == built_store.layer_info(name).feature_count
    by_id = {f["properties"][schema.id_field]: f for f in source}
    for row in stored.itertuples(index=False):
        original = by_id[getattr(row, schema.id_field)]
        assert shapely.equals_exact(row.geometry, shape(original["geometry"]), tolerance=1e-9)
        for field in schema.field_names:
            want, got = original["properties"].get(field), getattr(row, field)
            if want is None:
                assert pd.isna(got), field
            elif isinstance(want, float):
                assert got == pytest.approx(want), field
            else:
                assert got == want, field


def test_round_trip_of_the_results_table(built_store: Store) -> None:
    source = results_csv().sort_values("result_id").reset_index(drop=True)
    stored = built_store.read("results")
    assert list(stored["result_id"]) == list(source["result_id"])
    pd.testing.assert_series_equal(stored["value"], source["value"], check_names=False)
    assert (stored["detected"] == source["detected"]).all()
    assert stored["qualifier"].isna().sum() == source["qualifier"].isna().sum()


def test_layer_info_matches_the_files(built_store: Store) -> None:
    zones = geojson("eia_zones")["features"]
    bounds = shapely.total_bounds([shape(f["geometry"]) for f in zones])
    info = built_store.layer_info("eia_zones")
    assert info.geometry_type == "MultiPolygon" and info.feature_count == 4
    assert info.bounds == pytest.approx(tuple(bounds))
    assert built_store.layer_info("results").bounds is None
    assert built_store.layer_info("structures").personal


def test_bbox_read_equals_an_envelope_test(built_store: Store) -> None:
    bbox = (67.30, 24.80, 67.32, 24.82)
    expected = {
        f["properties"]["structure_id"]
        for f in geojson("structures")["features"]
        if shape(f["geometry"]).envelope.intersects(box(*bbox))
    }
    got = built_store.read("structures", bbox=bbox)
    assert 0 < len(got) < 4000
    assert set(got["structure_id"]) == expected
    assert built_store.count("structures", bbox=bbox) == len(expected)


def test_bbox_read_tests_the_geometry_not_just_its_envelope(built_store: Store) -> None:
    zones = {
        f["properties"]["zone_id"]: shape(f["geometry"]) for f in geojson("eia_zones")["features"]
    }
    union = shapely.union_all(list(zones.values()))
    west, south, east, north = union.bounds
    # a small box inside some zone's envelope but touching no zone
    probe = None
    for x, y in itertools.product(
        [west + (east - west) * i / 40 for i in range(1, 40)],
        [south + (north - south) * j / 40 for j in range(1, 40)],
    ):
        candidate = box(x - 1e-4, y - 1e-4, x + 1e-4, y + 1e-4)
        inside_envelope = [z for z, g in zones.items() if g.envelope.intersects(candidate)]
        if inside_envelope and not union.intersects(candidate):
            probe = candidate
            break
    assert probe is not None
    assert len(built_store.read("eia_zones", bbox=probe.bounds)) == 0
    edge = box(*zones["coal_coke_storage"].bounds).exterior.coords[0]  # an envelope corner
    near = box(edge[0] - 0.002, edge[1] - 0.002, edge[0] + 0.002, edge[1] + 0.002)
    expected = {z for z, g in zones.items() if g.intersects(near)}
    assert set(built_store.read("eia_zones", bbox=near.bounds)["zone_id"]) == expected
    assert built_store.count("eia_zones", bbox=near.bounds) == len(expected)


def test_reads_are_identical_on_every_backend(
    built_store: Store, demo_gpkg: GeoPackageStore
) -> None:
    for name in CATALOGUE:
        pd.testing.assert_frame_equal(built_store.read(name), demo_gpkg.read(name))
        assert built_store.layer_info(name) == demo_gpkg.layer_info(name)
    # a GeoPackage answers a bbox in its R-tree's order, so compare those rows by identifier
    box_query = {"bbox": (67.30, 24.80, 67.32, 24.82)}
    ours, theirs = (
        s.read("structures", **box_query).sort_values("structure_id", ignore_index=True)
        for s in (built_store, demo_gpkg)
    )
    pd.testing.assert_frame_equal(ours, theirs)
    queries: list[dict] = [
        {"where": {"type": ["semi_pucca", None]}, "limit": 7, "offset": 11},
        {"columns": ["encroachment_id", "floor_area_m2"], "limit": 5},
        {"where": {"surveyed_on": Between("2024-01-01", "2025-06-30")}},
        {"where": {"storeys": [2, "3", 2.5, "x"]}},
    ]
    for query in queries:
        pd.testing.assert_frame_equal(
            built_store.read("structures", **query), demo_gpkg.read("structures", **query)
        )
    built = built_store.audit_log().drop(columns="at").head(1)  # the build (tests add keys)
    pd.testing.assert_frame_equal(built, demo_gpkg.audit_log().drop(columns="at"))
    assert built_store.metadata().keys() == demo_gpkg.metadata().keys()


def test_where_filters_and_paging(built_store: Store) -> None:
    scrap = built_store.read("encroachments", where={"kind": "scrapyard"})
    expected = sum(
        f["properties"]["kind"] == "scrapyard" for f in geojson("encroachments")["features"]
    )
    assert len(scrap) == expected and set(scrap["kind"]) == {"scrapyard"}
    both = built_store.count("encroachments", where={"kind": ["scrapyard", "transport_terminal"]})
    assert both == len(scrap) + sum(
        f["properties"]["kind"] == "transport_terminal"
        for f in geojson("encroachments")["features"]
    )
    pages = [built_store.read("parcels", limit=100, offset=o) for o in range(0, 400, 100)]
    ids = [pid for page in pages for pid in page["parcel_id"]]
    assert ids == sorted(f["properties"]["parcel_id"] for f in geojson("parcels")["features"])


def test_filter_values_cannot_inject_sql(built_store: Store) -> None:
    assert built_store.count("eia_zones", where={"zone_id": "x' OR '1'='1"}) == 0
    with pytest.raises(InvalidRequestError, match="no field"):
        built_store.read("eia_zones", where={"1=1 OR zone_id": "x"})


def test_unknown_layer_is_a_clear_error(built_store: Store) -> None:
    with pytest.raises(LayerNotFoundError, match="unknown layer 'wells'; available layers"):
        built_store.read("wells")


def test_append_is_recorded_in_the_audit_log(store: Store) -> None:
    new = _new_receptor()
    entry = store.write({"receptors": new}, mode="append", actor="officer-1", action="add receptor")
    assert store.count("receptors") == 16
    assert store.read("receptors", where={"receptor_id": "R-99"})["name"].iloc[0] == "New well"
    log = store.audit_log()
    assert list(log["action"]) == ["create", "add receptor"]
    assert log["actor"].iloc[-1] == "officer-1" and log["rows"].iloc[-1] == 1
    assert log["mode"].iloc[-1] == "append"
    # the hash covers the appended rows: recompute it independently of the store
    digest = hashlib.sha256(b"receptors")
    attributes = store.read("receptors", where={"receptor_id": "R-99"}).drop(columns="geometry")
    digest.update(pd.util.hash_pandas_object(attributes, index=False).to_numpy().tobytes())
    digest.update(shapely.to_wkb(Point(67.42, 24.80)))
    assert entry.content_hash == log["content_hash"].iloc[-1] == digest.hexdigest()
    with pytest.raises(
        LayerValidationError, match="R-99, field 'receptor_id': identifier already stored"
    ):
        store.write({"receptors": new}, mode="append", actor="officer-1", action="again")
    assert store.count("receptors") == 16


def test_a_bad_write_changes_nothing(store: Store) -> None:
    before = _state(store)
    good = store.read("receptors")
    bad = good.copy()
    bad.loc[0, "kind"] = "volcano"
    bad.loc[1, "population"] = -1
    with pytest.raises(LayerValidationError) as caught:
        store.write({"receptors": bad}, mode="replace", actor="t", action="edit")
    assert len(caught.value.problems) == 2
    assert _state(store) == before


def test_a_bad_write_leaves_no_staging_file(gpkg_store: GeoPackageStore) -> None:
    before = _sha(gpkg_store.path)
    bad = gpkg_store.read("receptors")
    bad.loc[0, "kind"] = "volcano"
    with pytest.raises(LayerValidationError):
        gpkg_store.write({"receptors": bad}, mode="replace", actor="t", action="edit")
    assert _sha(gpkg_store.path) == before
    assert not list(gpkg_store.path.parent.glob(".psm.*"))


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="does not exist; build it with `site-gis init`"):
        open_store(str(tmp_path / "nowhere.gpkg"))


def test_corrupt_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.gpkg"
    path.write_bytes(b"this is not a geopackage\n" * 100)
    with pytest.raises(StoreCorruptError, match="not a readable GeoPackage"):
        open_store(str(path))


def test_truncated_store_is_a_clear_error(gpkg_store: GeoPackageStore, tmp_path: Path) -> None:
    path = tmp_path / "truncated.gpkg"
    path.write_bytes(gpkg_store.path.read_bytes()[:50_000])
    with pytest.raises(StoreCorruptError):
        open_store(str(path)).read("results")


def test_geopackage_without_site_layers_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.gpkg"
    other = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326)
    pyogrio.write_dataframe(other, path, layer="something_else")
    with pytest.raises(StoreCorruptError, match="missing site_boundary"):
        open_store(str(path))


def test_store_is_a_real_geopackage(demo_gpkg: GeoPackageStore) -> None:
    with sqlite3.connect(demo_gpkg.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA application_id").fetchone() == (0x47504B47,)  # "GPKG"
        srs = db.execute("SELECT DISTINCT srs_id FROM gpkg_geometry_columns").fetchall()
        assert srs == [(4326,)]
        rtrees = db.execute(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'rtree_%' AND type = 'table'"
        ).fetchone()[0]
        assert rtrees >= 8


def test_unsupported_store_url() -> None:
    with pytest.raises(StoreError, match="unsupported store"):
        open_store("mysql://somewhere/db")


def _new_receptor(rid: str = "R-99") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "receptor_id": [rid],
            "name": ["New well"],
            "kind": ["well"],
            "population": [None],
            "population_basis": ["n/a"],
            "location_basis": ["SYNTHETIC"],
            "synthetic": [True],
        },
        geometry=[Point(67.42, 24.80)],
        crs=4326,
    )


def test_an_unknown_write_mode_is_refused(store: Store) -> None:
    before = _state(store)
    with pytest.raises(InvalidRequestError, match="write mode"):
        store.write(
            {"receptors": _new_receptor()},
            mode="Append",
            actor="t",  # type: ignore[arg-type]
            action="typo",
        )
    assert _state(store) == before


def test_replacing_a_layer_may_not_orphan_references(store: Store) -> None:
    before = _state(store)
    fewer = store.read("encroachments").head(2)
    with pytest.raises(
        LayerValidationError,
        match=r"would leave .* stored row\(s\) of structures pointing at a missing encroachment_id",
    ):
        store.write({"encroachments": fewer}, mode="replace", actor="t", action="shrink")
    assert _state(store) == before


def test_a_referencing_layer_can_be_replaced_alone(store: Store) -> None:
    # structure observations reference structures and rounds; nothing references them
    observations = store.read("structure_observations")
    kept = observations[observations["round_id"] == "R3"]
    store.write({"structure_observations": kept}, mode="replace", actor="t", action="trim")
    assert store.count("structure_observations") == len(kept)


def test_a_referenced_layer_cannot_drop_rows_still_referenced(store: Store) -> None:
    structures = store.read("structures")
    kept = structures[structures["encroachment_id"] == "E-001"]
    with pytest.raises(LayerValidationError):  # households and observations refer to the rest
        store.write({"structures": kept}, mode="replace", actor="t", action="trim")
    ids = set(kept["structure_id"])
    households = store.read("households")
    observations = store.read("structure_observations")
    store.write(
        {
            "structures": kept,
            "households": households[households["structure_id"].isin(ids)],
            "structure_observations": observations[observations["structure_id"].isin(ids)],
        },
        mode="replace",
        actor="t",
        action="trim",
    )
    assert store.count("structures") == len(kept)


def test_appending_a_parent_and_its_children_together(store: Store) -> None:
    encroachments = store.read("encroachments")
    parent = encroachments.head(1).assign(encroachment_id="E-900")
    child = (
        store.read("structures").head(1).assign(structure_id="S-900000", encroachment_id="E-900")
    )
    orphan = (
        store.read("structures").head(1).assign(structure_id="S-900001", encroachment_id="E-999")
    )
    with pytest.raises(LayerValidationError, match="S-900001, field 'encroachment_id': no such"):
        store.write(
            {"encroachments": parent, "structures": pd.concat([child, orphan])},
            mode="append",
            actor="t",
            action="add",
        )
    store.write(
        {"encroachments": parent, "structures": child}, mode="append", actor="t", action="add"
    )
    assert store.count("structures", where={"encroachment_id": "E-900"}) == 1


def test_storage_order_is_stable_across_an_append(store: Store) -> None:
    before = list(store.read("receptors")["receptor_id"])
    assert before == sorted(before)  # a built layer is in identifier order
    store.write({"receptors": _new_receptor("R-00")}, mode="append", actor="t", action="add")
    after = list(store.read("receptors")["receptor_id"])
    assert after == [*before, "R-00"]  # appended rows follow
    pages = [store.read("receptors", limit=4, offset=o)["receptor_id"] for o in range(0, 20, 4)]
    assert [rid for page in pages for rid in page] == after  # paging walks each row once


def test_writes_keep_the_file_permissions(gpkg_store: GeoPackageStore) -> None:
    gpkg_store.path.chmod(0o644)
    gpkg_store.write({"receptors": _new_receptor()}, mode="append", actor="t", action="add")
    assert gpkg_store.path.stat().st_mode & 0o777 == 0o644


def test_concurrent_appends_of_the_same_id_admit_one(store: Store) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        outcomes = pool.map(_append_r99, [store.url] * 4)
    assert sorted(outcomes) == ["clash", "clash", "clash", "ok"]
    assert store.count("receptors", where={"receptor_id": "R-99"}) == 1
    assert list(store.audit_log()["action"]) == ["create", "race"]


def _append_r99(url: str) -> str:
    opened = open_store(url)
    try:
        opened.write({"receptors": _new_receptor()}, mode="append", actor="t", action="race")
    except LayerValidationError:
        return "clash"
    finally:
        if isinstance(opened, PostGISStore):
            opened.close()
    return "ok"


def test_a_killed_write_leaves_the_store_whole(store: Store, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import sys\n"
        "from site_gis.store import open_store\n"
        "s = open_store(sys.argv[1])\n"
        "r = s.read('results')\n"
        "while True:\n"
        "    s.write({'results': r}, mode='replace', actor='t', action='loop')\n"
    )
    before = store.count("results")
    process = subprocess.Popen([sys.executable, "-c", script, store.url])
    deadline = time.monotonic() + 120  # however slow the machine: kill it once writes land
    while time.monotonic() < deadline and process.poll() is None:
        watcher = reopen(store)
        landed = (watcher.audit_log()["action"] == "loop").any()
        close_store(watcher)
        if landed:
            break
        time.sleep(0.5)
    time.sleep(0.3)  # into the next write
    process.send_signal(signal.SIGKILL)
    process.wait()
    reopened = reopen(store)  # opens: never half-written
    assert reopened.count("results") == before
    assert reopened.audit_log()["action"].iloc[-1] == "loop"  # some writes did land
    if not isinstance(store, GeoPackageStore):
        return
    # whatever the kill left, a stale journal of the staging file must not be replayed
    stale = store.path.parent / f".{store.path.stem}.staging.gpkg-journal"
    stale.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + b"\0" * 4088)
    reopened.write({"receptors": _new_receptor()}, mode="append", actor="t", action="after")
    assert not (store.path.parent / f".{store.path.stem}.staging.gpkg").exists()
    assert not stale.exists()
    assert GeoPackageStore(store.path).count("receptors") == 16


def test_filters_with_none_and_numpy_values(built_store: Store) -> None:
    import numpy as np

    qualifiers = results_csv()["qualifier"]
    expected = int((qualifiers == "J").sum() + qualifiers.isna().sum())
    assert built_store.count("results", where={"qualifier": ["J", None]}) == expected
    not_detected = int((results_csv()["detected"] == False).sum())  # noqa: E712
    assert built_store.count("results", where={"detected": np.False_}) == not_detected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bbox": (float("nan"), 24.8, 67.4, 24.9)}, "four finite numbers"),
        ({"bbox": (67.4, 24.8, 67.3, 24.9)}, "minimum exceeds maximum"),
        ({"offset": -1}, "offset"),
        ({"limit": 0}, "limit"),
        ({"columns": ["colour"]}, "no field"),
    ],
)
def test_bad_read_requests_are_clear_errors(built_store: Store, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        built_store.read("parcels", **kwargs)


def test_rebuilding_keeps_the_audit_log(store: Store) -> None:
    store.write({"receptors": _new_receptor()}, mode="append", actor="officer", action="add")
    rebuilt = build_store(store.url, LAYERS, actor="admin")
    assert list(rebuilt.audit_log()["action"]) == ["create", "add", "create"]


def test_content_hash_does_not_depend_on_row_order(store: Store) -> None:
    from site_gis.store.common import content_hash

    receptors = store.read("receptors")
    reversed_rows = receptors.iloc[::-1]
    assert content_hash({"receptors": receptors}) == content_hash({"receptors": reversed_rows})


def test_a_required_field_emptied_outside_site_gis_is_reported(
    gpkg_store: GeoPackageStore,
) -> None:
    _execute(
        gpkg_store,
        "UPDATE results SET detected = NULL WHERE result_id = (SELECT min(result_id) FROM results)",
    )
    with pytest.raises(StoreCorruptError, match="required field 'detected' has empty values"):
        gpkg_store.read("results")


def test_a_store_from_another_schema_is_refused_clearly(store: Store) -> None:
    _execute(store, "ALTER TABLE structures DROP COLUMN vulnerable_households")
    with pytest.raises(StoreCorruptError, match="lacks the field\\(s\\) vulnerable_households"):
        store.read("structures")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("receptor_id", "R-01\x00evil"),  # GDAL would have stored a second R-01
        ("name", "New\x1b[31m well"),
        ("location_basis", "SYNTHETIC\x00"),
        ("population_basis", "n/a\x7f"),
    ],
)
def test_a_write_with_a_control_character_is_refused_on_every_store(
    store: Store, field: str, value: str
) -> None:
    before = _state(store)
    new = _new_receptor()
    new[field] = [value]
    with pytest.raises(LayerValidationError, match=f"field '{field}': contains a control"):
        store.write({"receptors": new}, mode="append", actor="t", action="add")
    assert _state(store) == before
    assert store.read("receptors")["receptor_id"].tolist().count("R-01") == 1


@pytest.mark.parametrize(
    ("layer", "where"),
    [
        ("structures", {"structure_id": "S-000001\x00"}),
        ("encroachments", {"kind": "scrap\x00yard"}),
        ("encroachments", {"kind": ["scrapyard", "scrap\x1fyard"]}),
        ("results", {"sampled_on": Between("2026-01-01\x00", None)}),
        ("eia_zones", {"description": "a\x00b"}),  # not even free text holds a NUL
    ],
)
def test_a_filter_with_a_control_character_is_refused_on_every_store(
    built_store: Store, layer: str, where: dict
) -> None:
    field = next(iter(where))
    for read in (built_store.read, built_store.count, built_store.features):
        with pytest.raises(InvalidRequestError, match=f"cannot filter {field} on text holding"):
            read(layer, where=where)


def test_free_text_may_be_filtered_on_a_line_break(built_store: Store) -> None:
    assert built_store.count("eia_zones", where={"description": "one\ntwo"}) == 0


# --- issue 15: every write checks the site's extent ---


@pytest.mark.parametrize(
    ("point", "reason"),
    [
        ((24.80, 67.42), "latitude and longitude look swapped"),
        ((74.35, 31.52), "km from"),
    ],
    ids=["swapped", "far"],
)
def test_every_write_refuses_a_feature_outside_the_site(
    store: Store, point: tuple[float, float], reason: str
) -> None:
    before = _state(store)
    new = _new_receptor("R-77").set_geometry([Point(*point)], crs=4326)
    with pytest.raises(LayerValidationError) as caught:
        store.write({"receptors": new}, mode="append", actor="o", action="add")
    (problem,) = caught.value.problems
    assert (problem.layer, problem.row, problem.field) == ("receptors", "R-77", "geometry")
    assert reason in problem.reason
    assert _state(store) == before


# --- issue 15: a killed writer's staging copy is removed, a live writer's is not ---

_REPLACE_IMPORT = """
import sys
from pathlib import Path
from site_gis.io import import_layer
from site_gis.store import GeoPackageStore
store = GeoPackageStore(sys.argv[1])
data = Path(sys.argv[2]).read_bytes()
print("ready", flush=True)
import_layer(store, data, layer="structures", mode="replace", actor="t")
print("done", flush=True)
"""


def kill_during_replace_import(path: Path) -> Path:
    """SIGKILL a process in the middle of a replace import into ``path``; its staging copy."""
    staging = staging_path(path)
    with subprocess.Popen(
        [sys.executable, "-c", _REPLACE_IMPORT, str(path), str(LAYERS / "structures.geojson")],
        stdout=subprocess.PIPE,
        text=True,
    ) as worker:
        assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
        deadline = time.monotonic() + 120
        while not staging.exists():
            assert worker.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.001)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    return staging


def test_a_killed_replace_import_leaves_a_staging_copy_that_the_next_open_removes(
    gpkg_store: GeoPackageStore,
) -> None:
    before = _sha(gpkg_store.path)
    staging = kill_during_replace_import(gpkg_store.path)
    assert staging.exists()  # left behind by the killed writer
    assert _sha(gpkg_store.path) == before  # the store itself is untouched
    reopened = GeoPackageStore(gpkg_store.path)
    assert not [p for p in staging.parent.iterdir() if p.name.startswith(staging.name)]
    assert _sha(gpkg_store.path) == before and reopened.count("structures") == 4000


_HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "a")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def test_the_staging_copy_of_a_live_writer_is_left_alone(gpkg_store: GeoPackageStore) -> None:
    path = gpkg_store.path
    staging = staging_path(path)
    shutil.copyfile(path, staging)  # as a writer in another process has it, mid-write
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(path.with_name(path.name + ".lock"))],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
            GeoPackageStore(path)
            assert staging.exists()
        finally:
            holder.kill()
    GeoPackageStore(path)  # its writer is gone now
    assert not staging.exists()
