"""Benchmarks of the OGC API beside pygeoapi (wrk, one uvicorn worker each) and of
GeoJSON export beside ogr2ogr, on the same data.

pygeoapi is looked for at ``$PYGEOAPI_PYTHON`` (a Python with pygeoapi and uvicorn).
Its GeoPackage provider (``SQLiteGPKG``) serves the same GeoPackage layer as we do,
which is the comparison that counts; it needs a sqlite3 that can load SpatiaLite,
which Debian's Python can and a Python built without extension loading cannot::

    apt install libsqlite3-mod-spatialite
    /usr/bin/python3 -m venv /tmp/pgapi && /tmp/pgapi/bin/pip install pygeoapi uvicorn

pygeoapi's GeoJSON provider (the same features from a GeoJSON file) is measured
too, as it works with any Python.  Both serve the layer without its household
fields, as we serve it to a caller without a key.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pyogrio

from bench.common import Row, free_port, timed, wait_for
from site_gis.access import Role
from site_gis.store import GeoPackageStore, create_key

_SOCKET_ERRORS = r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"


def _wrk(url: str) -> tuple[float, float, int]:
    """Requests/s, p99 latency (s) and failed responses of 10 s of load, 1 thread, 8 connections.

    Failed responses (status 4xx/5xx, or socket errors) are counted in the
    rate by wrk, so they are reported beside it.
    """
    out = subprocess.run(
        ["wrk", "-t1", "-c8", "-d10s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    found = re.search(r"99%\s+([0-9.]+)(us|ms|s)", out)
    sockets = re.search(_SOCKET_ERRORS, out)
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = (sum(map(int, sockets.groups())) if sockets else 0) + (
        int(refused.group(1)) if refused else 0
    )
    if found is None or rate == 0:  # no request completed
        return 0.0, float("inf"), failed
    value, unit = found.groups()
    return rate, float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit], failed


_PYGEOAPI_CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  limits: {{default_items: 1000, max_items: 10000}}
  map: {{url: "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png", attribution: OSM}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench],
                    keywords_type: theme, terms_of_service: none, url: http://example.org}}
  license: {{name: CC-BY 4.0, url: https://creativecommons.org/licenses/by/4.0/}}
  provider: {{name: bench, url: http://example.org}}
  contact: {{name: bench, position: bench, address: x, city: x, stateorprovince: x,
            postalcode: x, country: x, phone: x, fax: x, email: x@example.org, url: x,
            hours: x, instructions: x, role: pointOfContact}}
resources:
  structures:
    type: collection
    title: structures
    description: structures
    keywords: [structures]
    extents: {{spatial: {{bbox: [-180, -90, 180, 90], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}}}
    providers:
      - type: feature
        id_field: structure_id
        {provider}
"""


def _serve(store_path: Path, cache_mb: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "SITE_GIS_STORE": str(store_path),
        "SITE_GIS_RESPONSE_CACHE_MB": str(cache_mb),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/health", process)
    return process, base


def bench_ogc(label: str, store_path: Path, rows: list[Row]) -> None:
    if not shutil.which("wrk"):
        rows.append(Row("items?limit=1000 (wrk not installed: apt install wrk)", label, 0.0))
        return
    peers = _pygeoapi_peers(store_path)
    key = create_key(GeoPackageStore(store_path), "bench", [Role.CONSULTANT], actor="bench")[0]
    for cache_mb, what in ((0, "no response cache"), (128, "response cache on")):
        process, base = _serve(store_path, cache_mb)
        try:
            rate, p99, failed = _wrk(f"{base}/collections/structures/items?limit=1000")
            for peer_name, (peer_rate, peer_p99, peer_failed) in peers.items():
                note = f"p99 {p99 * 1000:.0f} ms, {failed} failed" + (
                    f"; pygeoapi p99 {peer_p99 * 1000:.0f} ms, {peer_failed} failed"
                    if peer_rate
                    else ""
                )
                rows.append(
                    Row(
                        f"items?limit=1000, time per request at 8 connections, {what} "
                        f"({rate:.0f} req/s; {note})",
                        label,
                        1 / rate,
                        peer_name,
                        1 / peer_rate if peer_rate else None,
                        "≥ 5",
                    )
                )
            if cache_mb:
                _export_row(label, store_path, base, rows, key)
        finally:
            process.terminate()
            process.wait(timeout=30)


def _pygeoapi_peers(store_path: Path) -> dict[str, tuple[float, float, int]]:
    """pygeoapi's requests/s, p99 (s) and failed responses per provider, on ``store_path``'s
    structures layer."""
    python = os.environ.get("PYGEOAPI_PYTHON")
    if not python or not Path(python).exists():
        return {"pygeoapi not found ($PYGEOAPI_PYTHON)": (0.0, 0.0, 0)}
    found: dict[str, tuple[float, float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        frame = pyogrio.read_dataframe(store_path, layer="structures")
        public = frame.drop(columns=["households", "businesses", "vulnerable_households"])
        geopackage = Path(tmp) / "structures.gpkg"
        pyogrio.write_dataframe(public, geopackage, layer="structures", driver="GPKG")
        geojson = Path(tmp) / "structures.geojson"
        pyogrio.write_dataframe(public, geojson, driver="GeoJSON")
        providers = {
            "pygeoapi 0.21, SQLiteGPKG provider on a GeoPackage": (
                f"name: SQLiteGPKG\n        data: {geopackage}\n        table: structures"
            ),
            "pygeoapi 0.21, GeoJSON provider": f"name: GeoJSON\n        data: {geojson}",
        }
        for name, provider in providers.items():
            if "SQLiteGPKG" in name and not _loads_spatialite(python):
                found[f"{name}: not run, {python} cannot load SpatiaLite"] = (0.0, 0.0, 0)
                continue
            rate, p99, failed = _pygeoapi(python, provider, Path(tmp))
            found[name if rate else f"{name}: no request completed in 10 s"] = (rate, p99, failed)
    return found


def _loads_spatialite(python: str) -> bool:
    probe = (
        "import sqlite3; c = sqlite3.connect(':memory:'); c.enable_load_extension(True); "
        "c.load_extension('mod_spatialite')"
    )
    return subprocess.run([python, "-c", probe], capture_output=True).returncode == 0


def _export_row(label: str, store_path: Path, base: str, rows: list[Row], key: str) -> None:
    """Our export over HTTP with a consultant's key, beside ogr2ogr on the same GeoPackage."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "ours.geojson"

        def download() -> None:  # curl writes the file, as ogr2ogr does
            subprocess.run(
                [
                    "curl",
                    "-sf",
                    "-H",
                    f"X-API-Key: {key}",
                    "-o",
                    str(target),
                    f"{base}/exports/structures",
                ],
                check=True,
            )

        ours_time = timed(download, 3)
        peer = None
        if shutil.which("ogr2ogr"):
            out = Path(tmp) / "peer.geojson"

            def convert() -> None:
                out.unlink(missing_ok=True)
                subprocess.run(
                    ["ogr2ogr", "-f", "GeoJSON", str(out), str(store_path), "structures"],
                    check=True,
                    capture_output=True,
                )

            peer = timed(convert, 3)
        count = pyogrio.read_info(store_path, layer="structures")["features"]
        rows.append(
            Row(
                f"GeoJSON export of {count:,} structures (over HTTP)",
                label,
                ours_time,
                "ogr2ogr from the GeoPackage" if peer else "",
                peer,
                "≥ 2",
            )
        )


def _pygeoapi(python: str, provider: str, tmp: Path) -> tuple[float, float, int]:
    port = free_port()
    config = tmp / "pygeoapi.yml"
    config.write_text(_PYGEOAPI_CONFIG.format(port=port, provider=provider))
    openapi = tmp / "openapi.yml"
    binary = Path(python).with_name("pygeoapi")
    subprocess.run(
        [str(binary), "openapi", "generate", str(config), "--output-file", str(openapi)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    server = subprocess.Popen(
        [
            python,
            "-m",
            "uvicorn",
            "pygeoapi.starlette_app:APP",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/collections/structures/items?limit=1000&f=json"
        try:
            wait_for(url, server)
        except RuntimeError:  # too slow to answer one page: report no rate
            return 0.0, float("inf"), 0
        return _wrk(url)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # still busy with a page
            server.kill()
            server.wait()
