"""HTML to PDF with a real engine: Chromium's headless print-to-PDF.

The HTML is written to a temporary file and printed from its ``file://`` address with
``--no-pdf-header-footer`` (the page's own CSS margin boxes give the notice and page
numbers).  Chromium runs with no network use beyond the file itself: the report holds
every image inline.  Without Chromium, :class:`PdfEngineMissingError` says what to install.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from site_gis.errors import SiteGISError

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium")
INSTALL_HINT = "install Debian's chromium package (apt-get install chromium) to print PDF reports"
TIMEOUT_S = 120.0


def outline_pages(pdf: bytes) -> dict[str, int]:
    """The PDF's top outline entries (Chromium makes them from the headings) -> their page
    (1-based)."""
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, int] = {}

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                page = reader.get_destination_page_number(item)
                if page is not None:
                    found.setdefault(str(item.title), page + 1)

    walk(list(reader.outline))
    return found


class PdfEngineMissingError(SiteGISError):
    """No PDF engine (Chromium) on this machine; the message names what to install."""


def pdf_engine() -> str | None:
    """The path of the Chromium executable that prints PDFs, or ``None``."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def html_to_pdf(document: str, *, engine: str | None = None, timeout_s: float = TIMEOUT_S) -> bytes:
    """Print the HTML ``document`` to PDF bytes with headless Chromium.

    Raises
    ------
    PdfEngineMissingError
        Without Chromium.
    SiteGISError
        When Chromium fails or writes no PDF within ``timeout_s`` seconds.
    """
    executable = engine or pdf_engine()
    if executable is None:
        raise PdfEngineMissingError(f"no PDF engine: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="site-gis-report-") as folder:
        source = Path(folder) / "report.html"
        target = Path(folder) / "report.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            "--generate-pdf-document-outline",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise SiteGISError(f"the PDF engine took longer than {timeout_s:g} s") from exc
        if not target.exists() or target.stat().st_size == 0:
            tail = done.stderr.decode(errors="replace")[-300:]
            raise SiteGISError(f"the PDF engine wrote no PDF (exit {done.returncode}): {tail}")
        return target.read_bytes()
