"""The library stays free of the web: no FastAPI, Folium or environment variables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_library_imports_no_web_framework() -> None:
    code = (
        "import sys, site_gis, site_gis.store, site_gis.synthetic, site_gis.sources, "
        "site_gis.validation\n"
        "bad = [m for m in ('fastapi', 'starlette', 'folium', 'uvicorn') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_library_reads_no_environment_variables() -> None:
    for source in (ROOT / "site_gis").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "os.environ" not in text and "getenv" not in text, source
