"""Start-up removes what killed processes left behind, and nothing of a live one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.leftovers import EXPORT_DIR, remove_dead_exports
from api.routers.exports import _temp_path
from site_gis.store import GeoPackageStore
from tests.api.conftest import serve
from tests.site_gis.store.test_store import kill_during_replace_import


def _dead_pid() -> int:
    """The pid of a process that has ended."""
    with subprocess.Popen([sys.executable, "-c", "pass"]) as ended:
        ended.wait(timeout=30)
    return ended.pid


def _plant(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "export.zip").write_bytes(b"PK half an export")
    return folder


def test_an_export_directory_is_named_for_its_server_process() -> None:
    path = _temp_path(".zip")
    try:
        found = EXPORT_DIR.fullmatch(path.parent.name)
        assert found is not None and int(found.group(1)) == os.getpid()
    finally:
        shutil.rmtree(path.parent)


@pytest.mark.slow
def test_start_up_removes_only_what_dead_processes_left(
    demo_gpkg: GeoPackageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = tmp_path / "tmp"
    exports.mkdir()
    store = tmp_path / "store.gpkg"
    shutil.copyfile(demo_gpkg.path, store)
    staging = kill_during_replace_import(store)  # a real SIGKILL mid-write
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]) as live:
        try:
            dead = _plant(exports, f"site-gis-export-{_dead_pid()}-k1ll3d")
            alive = _plant(exports, f"site-gis-export-{live.pid}-l1v3")
            legacy = _plant(exports, "site-gis-export-abc123")  # an older version's: no owner
            other = _plant(exports, "someone-else-123")
            monkeypatch.setenv("TMPDIR", str(exports))  # the server's temporary directory
            for _ in serve(store, tmp_path / "uvicorn.log"):
                assert not dead.exists()
                assert alive.exists() and (alive / "export.zip").exists()
                assert legacy.exists() and other.exists()
                assert not staging.exists()
        finally:
            live.kill()
    assert "left by an export whose server was killed" in (tmp_path / "uvicorn.log").read_text()


def test_a_recycled_pid_does_not_keep_a_dead_export(tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]) as live:
        try:
            time.sleep(0.2)
            recent = _plant(tmp_path, f"site-gis-export-{live.pid}-n0w")
            older = _plant(tmp_path, f"site-gis-export-{live.pid}-b3f0r3")
            hour_ago = time.time() - 3600  # changed before that process started: not its own
            os.utime(older, (hour_ago, hour_ago))
            assert remove_dead_exports(tmp_path) == [older]
            assert recent.exists()
        finally:
            live.kill()
    assert remove_dead_exports(tmp_path) == [recent]
