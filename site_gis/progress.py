"""Progress of long library work, reported to whoever asked (a CLI bar, a log, nothing).

A long function (building a store, generating a site, importing a lab file) takes an
optional ``progress`` callback and calls it as ``progress(done, total, step)``: ``done``
of ``total`` steps are finished and ``step`` names the one starting now (``"done"``
once ``done == total``).  Steps are the function's real stages, counted, not a
guess of time.  The library never draws anything itself.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told ``done`` of ``total`` steps are finished and which ``step`` starts now."""

    def __call__(self, done: int, total: int, step: str) -> None:
        """Report progress (``done`` and ``total`` are step counts, ``0 <= done <= total``)."""


class Steps:
    """Counts a function's steps and reports each to an optional :class:`Progress`.

    Parameters
    ----------
    progress
        The callback, or ``None`` to report nothing.
    total
        How many steps the work has.
    """

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = max(total, 0)
        self.done = 0
        self.current = ""

    def start(self, step: str) -> None:
        """Report that ``step`` starts (all earlier ones are done)."""
        self.current = step
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total, step)

    def finish(self) -> None:
        """Count the current step as done and report it (``"done"`` after the last)."""
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            label = "done" if self.done == self.total else self.current
            self.progress(self.done, self.total, label)

    def grow(self, extra: int) -> None:
        """Add ``extra`` steps once their number is known (e.g. layers read from a file)."""
        self.total += max(extra, 0)

    def part(self, steps: int) -> Progress:
        """A callback for work done by another function, counted as the next ``steps`` steps.

        Its ``done`` of ``total`` is scaled onto those steps; once it reports
        ``done == total`` they count as done.
        """
        base = self.done

        def report(done: int, total: int, step: str) -> None:
            share = steps if total <= 0 or done >= total else (steps * done) // total
            self.done = min(base + share, self.total)
            self.current = step
            if self.progress is not None:
                label = "done" if self.done == self.total else step
                self.progress(self.done, self.total, label)

        return report

    def complete(self) -> None:
        """Report every step done (work that skipped some steps ends at 100 % too)."""
        self.done = self.total
        if self.progress is not None:
            self.progress(self.total, self.total, "done")


__all__ = ["Progress", "Steps"]
