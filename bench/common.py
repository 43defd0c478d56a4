"""Shared helpers of the benchmarks: where they read and write, a result row and a timer."""

from __future__ import annotations

import socket
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SCALED = {"n_samples": 100_000, "n_structures": 100_000}
"""The scaled site's size (SYNTHETIC): samples and structures."""


@dataclass
class Row:
    """One line of the results table; ratio = peer / ours (above 1: we are faster)."""

    task: str
    site: str
    ours: float
    peer_name: str = ""
    peer: float | None = None
    target: str = ""

    def cells(self) -> list[str]:
        ratio = f"{self.peer / self.ours:.2f}" if self.peer else ""
        peer = f"{self.peer:.3f}" if self.peer is not None else ""
        return [self.task, self.site, f"{self.ours:.3f}", self.peer_name, peer, ratio, self.target]


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Median wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    """Wait (up to 90 s) until ``url`` answers below 500; fail if ``process`` exits first."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited while starting: {url}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not start: {url}")
