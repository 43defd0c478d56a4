"""Faults: imports killed with SIGKILL mid-way, many times over; concurrent writers over HTTP.

After every kill the store must open, pass a full integrity check (every layer
against its schema and every reference, plus SQLite's own check), and hold
each batch either whole or not at all, with one audit entry per batch stored.
The kills run on the GeoPackage (a killed PostGIS writer is covered by the store
suite); the concurrent writers run on every store.
"""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from site_gis.access import Role
from site_gis.schemas import CATALOGUE
from site_gis.store import GeoPackageStore, Store
from site_gis.validation import validate_site
from tests.api.conftest import serve
from tests.conftest import key_header, make_keys
from tests.site_gis.contamination.test_lab_import import HEADER, _row

BATCH_ROWS = 40
ANALYTES = (
    "Lead",
    "Cadmium",
    "Arsenic",
    "Chromium (total)",
    "Nickel",
    "Zinc",
    "Manganese",
    "Phenol",
)


def batch(name: str, rows: int = BATCH_ROWS) -> str:
    """A lab file of ``rows`` new results at one new location, sample ids prefixed ``name``."""
    lines = [
        _row(
            sample=f"{name}-{i // len(ANALYTES)}",
            location=f"LOC-{name}",
            analyte=ANALYTES[i % len(ANALYTES)],
            value=str(1 + i),
        )
        for i in range(rows)
    ]
    return HEADER + "".join(lines)


def _samples(store: Store, name: str) -> int:
    ids = [f"{name}-{i}" for i in range(BATCH_ROWS // len(ANALYTES) + 1)]
    return store.count("results", where={"sample_id": ids})


def _integrity(store: Store) -> None:
    validate_site({name: store.read(name) for name in CATALOGUE})
    if isinstance(store, GeoPackageStore):
        with sqlite3.connect(store.path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.fixture
def store_copy(demo_gpkg: GeoPackageStore, tmp_path: Path) -> Path:
    path = tmp_path / "store.gpkg"
    shutil.copyfile(demo_gpkg.path, path)
    return path


def _import(lab_file: Path, store_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "import-results",
            str(lab_file),
            "--store",
            str(store_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_imports_killed_mid_way_leave_whole_batches(store_copy: Path, tmp_path: Path) -> None:
    # how long one whole import takes here, start-up included, on a spare copy
    spare = tmp_path / "spare.gpkg"
    shutil.copyfile(store_copy, spare)
    warm = tmp_path / "warm.csv"
    warm.write_text(batch("W"), encoding="utf-8")
    started = time.monotonic()
    assert _import(warm, spare).wait() == 0
    duration = time.monotonic() - started
    outcomes = {"landed": 0, "absent": 0}
    # kills spread from early start-up to after the end, so they land before and after the commit
    for attempt, share in enumerate(random.Random(20151).sample(list(range(12)), 12)):
        name = f"K{attempt}"
        lab_file = tmp_path / f"{name}.csv"
        lab_file.write_text(batch(name), encoding="utf-8")
        process = _import(lab_file, store_copy)
        time.sleep(duration * (0.1 + 1.2 * share / 11))
        process.send_signal(signal.SIGKILL)
        process.wait()
        store = GeoPackageStore(store_copy)
        _integrity(store)
        stored = _samples(store, name)
        assert stored in (0, BATCH_ROWS), f"attempt {attempt}: a partial batch of {stored} rows"
        audited = store.audit_log()["note"].str.contains(f"{name}.csv", regex=False).sum()
        assert audited == (1 if stored else 0)
        outcomes["landed" if stored else "absent"] += 1
    # both outcomes occurred, so kills landed before and after the commit
    assert outcomes["landed"] and outcomes["absent"], outcomes


@pytest.fixture
def officer_server(store: Store, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    officer = key_header(make_keys(store)[Role.OFFICER])
    for base in serve(store.url, tmp_path / "uvicorn.log"):
        yield base, officer


def _post(base: str, headers: dict[str, str], name: str, content: str) -> httpx.Response:
    return httpx.post(
        f"{base}/imports/results",
        files={"file": (f"{name}.csv", content.encode())},
        headers=headers,
        timeout=120,
    )


def test_concurrent_writers_lose_nothing_and_see_no_lock_errors(
    officer_server: tuple[str, dict[str, str]], store: Store
) -> None:
    base, officer = officer_server
    names = [f"C{i}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda n: _post(base, officer, n, batch(n)), names))
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert all("locked" not in r.text for r in responses)
    assert [_samples(store, n) for n in names] == [BATCH_ROWS] * 8
    _integrity(store)
    # the same file sent four times at once lands once; the others are told it is stored
    # (200 if they read the store after the first write, 422 "already stored" if during it)
    same = batch("SAME")
    with ThreadPoolExecutor(max_workers=4) as pool:
        repeats = list(pool.map(lambda _: _post(base, officer, "SAME", same), range(4)))
    statuses = sorted(r.status_code for r in repeats)
    assert statuses.count(201) == 1, [r.text for r in repeats]
    for response in repeats:  # a racer finding the rows stored first is told so, nothing more
        assert response.status_code in (200, 201, 422), response.text
        if response.status_code == 422:
            assert "already stored" in response.text
    assert _samples(store, "SAME") == BATCH_ROWS
