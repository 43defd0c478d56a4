"""Start the app under real uvicorn on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.maps import ARGS, CHROMIUM
from site_gis.access import Role
from site_gis.store import Store
from tests.conftest import key_header


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(store: str | Path, log: Path, **settings: str) -> Iterator[str]:
    """Run uvicorn with ``create_app`` against the store at ``store``; yield its base URL.

    ``settings`` become ``SITE_GIS_*`` environment variables of the server.
    """
    port = _free_port()
    env = {
        **os.environ,
        "SITE_GIS_STORE": str(store),
        "SITE_GIS_JOBS_DIR": str(log.parent / "jobs"),  # never the working directory
        "SITE_GIS_MAP_WAIT_S": "120",  # map pages drawn whole (tests of progress set 0)
        **{f"SITE_GIS_{k.upper()}": v for k, v in settings.items()},
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def server(
    built_store: Store,
    keys: dict[Role, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """Base URL of a server on the shipped PSM layers, on each store backend."""
    yield from serve(built_store.url, tmp_path_factory.mktemp("log") / "uvicorn.log")


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    """A client without a key (the public role while the server runs open for reading)."""
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


@pytest.fixture
def consultant(server: str, keys: dict[Role, str]) -> Iterator[httpx.Client]:
    """A client with a consultant's key (exports)."""
    with httpx.Client(base_url=server, timeout=30, headers=key_header(keys[Role.CONSULTANT])) as c:
        yield c


@pytest.fixture
def planner(server: str, keys: dict[Role, str]) -> Iterator[httpx.Client]:
    """A client with a planner's key (household detail, resettlement scenarios)."""
    with httpx.Client(base_url=server, timeout=30, headers=key_header(keys[Role.PLANNER])) as c:
        yield c


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    required = os.environ.get("SITE_GIS_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            pytest.fail("SITE_GIS_REQUIRE_BROWSER=1 but the playwright package is missing")
        pytest.skip("playwright is not installed")
    if not CHROMIUM.exists():
        if required:
            pytest.fail(f"SITE_GIS_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium to run the browser tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()
