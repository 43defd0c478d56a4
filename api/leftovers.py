"""Leftovers of killed processes, removed when the server starts.

A bundle or GeoPackage export works in a private temporary directory named
``site-gis-export-<pid>-<random>`` (``<pid>``: the server process that made
it) and removes it when the download ends; a server killed with SIGKILL
leaves it behind.  At start-up every such directory whose owner is no longer
running is removed.  A directory whose owner is alive -- another server on
the same machine, in the middle of an export -- is never touched, whatever its
age; one whose name carries no owner (made by an older version) is left alone.

(A GeoPackage store removes the staging copy of a killed write itself when it
is opened: :func:`site_gis.store.geopackage.remove_stale_staging`.)
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

EXPORT_DIR = re.compile(r"site-gis-export-(\d+)-\w+")
"""Name of an export's temporary directory: the owner's pid, then mkdtemp's random part."""
_CLOCK_SLACK_S = 2.0
"""How far a process's start time read from ``/proc`` may be off (btime is whole seconds)."""


def remove_dead_exports(root: Path | None = None) -> list[Path]:
    """Remove the export directories in ``root`` whose owning process has ended.

    Parameters
    ----------
    root
        Where exports make their directories (default: the temporary
        directory, ``TMPDIR`` or ``/tmp``).

    Returns
    -------
    list
        The directories removed.
    """
    folder = Path(root or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        found = EXPORT_DIR.fullmatch(entry.name)
        if found is None or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            modified = entry.stat().st_mtime
        except OSError:
            continue  # gone meanwhile
        if _owner_alive(int(found.group(1)), modified):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
    return removed


def _owner_alive(pid: int, modified: float) -> bool:
    """Whether process ``pid`` is running and could have made a directory last changed then.

    A process that started after the directory was last changed is a later
    process that was given a recycled pid, not its owner.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, run by another user
    started = _start_time(pid)
    return started is None or started <= modified + _CLOCK_SLACK_S


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch) by ``/proc``; else ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        ticks = float(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None
