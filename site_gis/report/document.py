"""The report as plain data: sections of text, tables and figures, and what each relied on.

Every piece is a picklable dataclass, so sections can be built on the engine's
workers and assembled on another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Text:
    """A paragraph (plain text; escaped when rendered)."""

    text: str


@dataclass(frozen=True)
class Table:
    """A numbered table: a caption, the frame as shown and an optional note below it."""

    caption: str
    frame: pd.DataFrame
    note: str = ""
    key: str = ""
    """A stable name the table can be found by (``statistics``, ``screening-counts``)."""


@dataclass(frozen=True)
class Figure:
    """A numbered figure: PNG bytes and a caption (its alternative text)."""

    caption: str
    png: bytes


Block = Text | Table | Figure


@dataclass(frozen=True)
class Assumption:
    """A figure the report used that is an assumption or not yet verified."""

    item: str
    value: str
    source: str
    used_in: str


@dataclass
class Section:
    """One numbered section of the report."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    """Parameters and methods, in words, for the methods section."""
    omitted: list[str] = field(default_factory=list)
    """What this section could not include, and why (for the "not included" list)."""

    def text(self, text: str) -> None:
        """Add a paragraph."""
        self.blocks.append(Text(text))

    def table(self, caption: str, frame: pd.DataFrame, *, note: str = "", key: str = "") -> None:
        """Add a table."""
        self.blocks.append(Table(caption, frame, note, key))

    def figure(self, caption: str, png: bytes) -> None:
        """Add a figure."""
        self.blocks.append(Figure(caption, png))


@dataclass
class Report:
    """A whole report: its title-page facts and its sections, in order."""

    title: str
    site_name: str
    report_date: dt.date
    data_version: str
    content_hash: str
    software_version: str
    synthetic: bool
    parameters: dict[str, object]
    sections: list[Section]

    def tables(self, key: str) -> list[Table]:
        """The tables named ``key``, in report order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table) and b.key == key]
