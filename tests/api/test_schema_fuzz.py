"""A schema-driven run against the OpenAPI description: hundreds of generated requests, no 5xx.

Schemathesis reads ``/openapi.json`` from a real server (with a key holding every
write and read role, on a throwaway store), generates requests from examples,
boundary values, random data and linked sequences, and fails on any server error.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_gis.access import Role
from site_gis.store import GeoPackageStore, create_key
from tests.api.conftest import serve

SEED = 20151
EXAMPLES = 8  # per operation: a fixed count, so the run is the same on a slow machine
TIMEOUT_S = 900  # only a hung run gets near this


@pytest.fixture
def fuzz_target(demo_gpkg: GeoPackageStore, tmp_path: Path) -> Iterator[tuple[str, str]]:
    path = tmp_path / "store.gpkg"
    shutil.copyfile(demo_gpkg.path, path)
    roles = [Role.OFFICER, Role.PLANNER, Role.CONSULTANT]
    secret = create_key(GeoPackageStore(path), "fuzz", roles, actor="tests")[0]
    for base in serve(path, tmp_path / "uvicorn.log"):
        yield base, secret


def test_no_request_the_schema_allows_gives_a_server_error(
    fuzz_target: tuple[str, str], tmp_path: Path
) -> None:
    base, secret = fuzz_target
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{base}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--header",
            f"X-API-Key: {secret}",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            str(SEED),
            "--request-timeout",
            "60",
            "--warnings",
            "off",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=TIMEOUT_S,
        check=False,
    )
    output = run.stdout + run.stderr
    log = (tmp_path / "uvicorn.log").read_text()
    assert run.returncode == 0, output[-4000:] + "\n--- server log ---\n" + log[-6000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated, output[-2000:]
    assert int(generated.group(1)) > 500 and generated.group(1) == generated.group(2)
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    assert selected and tested and selected.group(1) == selected.group(2) == tested.group(1)
