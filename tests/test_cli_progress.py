"""``site-gis run`` and the progress bars, as a user runs them: in a pipe and on a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import rasterio
from rasterio.io import MemoryFile

from site_gis.store import Store
from site_gis.surfaces import SurfaceRequest, build_surface, surface_to_cog
from tests.conftest import LAYERS

SITE_GIS = [sys.executable, "-c", "from api.cli import main; main()"]
ENV = {**os.environ, "SITE_GIS_DASK_WORKERS": "1", "TERM": "xterm-256color"}
ENV.pop("NO_COLOR", None)
ZONE = ["--zone", "blast_furnace_yard", "--cell-size-m", "50"]
BAR = "━"  # rich's bar character
ESC = "\x1b"


def in_pipe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SITE_GIS, *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300
    )


def on_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """Run with standard output and error on a pseudo-terminal; its exit status and output."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*SITE_GIS, *args], cwd=cwd, env=ENV, stdout=follower, stderr=follower, close_fds=True
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process has ended
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(30), b"".join(chunks).decode(errors="replace")


def test_run_surface_writes_the_libraries_surface_and_stays_quiet_in_a_pipe(
    built_store: Store, tmp_path: Path
) -> None:
    ran = in_pipe(
        "run", "surface", "--analyte", "Lead", *ZONE, "--out", "lead.tif",
        "--store", built_store.url, cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("wrote ")
    for text in (ran.stdout, ran.stderr):
        assert ESC not in text and BAR not in text and "\r" not in text
    request = SurfaceRequest(analyte="Lead", zone="blast_furnace_yard", cell_size_m=50)
    expected = surface_to_cog(build_surface(built_store, request))
    with (
        rasterio.open(tmp_path / "lead.tif") as got,
        MemoryFile(expected) as memory,
        memory.open() as want,
    ):
        assert got.crs == want.crs and got.transform == want.transform
        assert got.profile["blockxsize"] == want.profile["blockxsize"]  # tiled: a COG
        np.testing.assert_array_equal(got.read(), want.read())
        assert got.tags()["analyte"] == "Lead"


def test_run_json_to_standard_output(built_store: Store, tmp_path: Path) -> None:
    import json

    ran = in_pipe(
        "run", "zonal-statistics", "--analyte", "Lead", "--cell-size-m", "100", "--out", "-",
        "--store", built_store.url, cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    document = json.loads(ran.stdout)
    assert document["analyte"] == "Lead"
    assert len(document["statistics"]) == 4  # the four EIA zones
    assert list(tmp_path.iterdir()) == []


def test_a_bad_input_exits_1_naming_it(tmp_path: Path) -> None:
    store = str(tmp_path / "absent.gpkg")
    bad = in_pipe("run", "surface", "--analyte", "Lead", "--cell-size-m", "0", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: ") and "--cell-size-m" in bad.stderr
    assert "Traceback" not in bad.stderr
    unknown = in_pipe("run", "hotspots", "--analyte", "Lead", "--colour", "red", cwd=tmp_path)
    assert unknown.returncode == 1 and "--colour is not an input of hotspots" in unknown.stderr
    missing = in_pipe("run", "hotspots", "--analyte", "Lead", "--store", store, cwd=tmp_path)
    assert missing.returncode == 1 and "--cleanup-level: Field required" in missing.stderr
    nothing = in_pipe("run", "kriging", cwd=tmp_path)
    assert nothing.returncode == 1 and "no process 'kriging'" in nothing.stderr


def test_run_lists_the_processes(tmp_path: Path) -> None:
    listed = in_pipe("run", cwd=tmp_path)
    assert listed.returncode == 0
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert names == [
        "surface",
        "hotspots",
        "remediation-estimate",
        "remediation-curve",
        "receptors-at-risk",
        "zonal-statistics",
        "groundwater-plume",
        "groundwater-well-redundancy",
    ]
    inputs = in_pipe("run", "remediation-curve", "--list", cwd=tmp_path).stdout
    assert "--levels" in inputs and "--cleanup-level" not in inputs


def test_run_on_a_terminal_shows_a_bar_to_100_percent(built_store: Store, tmp_path: Path) -> None:
    status, shown = on_terminal(
        "run", "surface", "--analyte", "Lead", *ZONE, "--store", built_store.url, cwd=tmp_path
    )
    assert status == 0, shown
    assert BAR in shown and "100%" in shown
    assert "wrote " in shown
    assert (tmp_path / "Lead_soil_idw.tif").exists()  # the default name: the result's own


def test_init_and_generate_show_bars_on_a_terminal_only(tmp_path: Path) -> None:
    status, shown = on_terminal("init", "--store", "t.gpkg", "--layers", str(LAYERS), cwd=tmp_path)
    assert status == 0, shown
    assert BAR in shown and "100%" in shown and "built " in shown
    piped = in_pipe("generate", "--out", "g", "--samples", "20", "--structures", "10", cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert ESC not in piped.stdout + piped.stderr and BAR not in piped.stdout + piped.stderr
    assert piped.stdout.startswith("wrote ")
    status, shown = on_terminal(
        "generate", "--out", "g2", "--samples", "20", "--structures", "10", cwd=tmp_path
    )
    assert status == 0, shown
    assert "generating" in shown and BAR in shown
