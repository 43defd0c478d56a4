"""Read CSV files sent by people: encoding, delimiter, header and shape checked up front."""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator

import pandas as pd

from site_gis.errors import Problem, ValidationError


def read_csv_bytes(data: bytes, source: str, *, max_rows: int) -> pd.DataFrame:
    """Parse a CSV upload into text columns, with one clear error for what cannot be read.

    Accepts UTF-8 with or without a byte-order mark, comma, semicolon or tab
    delimiters and Windows line ends.  Fully blank rows (a spreadsheet's
    trailing rows) are dropped, keeping every other row's CSV line number as
    its index (the header is line 1).  Duplicate column names are kept as
    given, so the caller can report them.  Rows are parsed a block at a time
    and parsing stops once more than ``max_rows`` rows are read, so an
    oversized file costs at most ``max_rows`` rows (and one block) of work.

    Raises
    ------
    ValidationError
        For text that is not UTF-8, an empty file, a header without rows, a
        malformed file, rows with more fields than the header, or too many rows.
    """

    def fail(reason: str) -> ValidationError:
        return ValidationError(
            [Problem(source, None, None, None, reason)],
            summary=f"cannot read {source}; nothing was imported",
        )

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start}); save it as CSV UTF-8"
        ) from exc
    if not text or text.isspace():
        raise fail("the file is empty")
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    blocks: list[pd.DataFrame] = []
    rows = 0
    complete = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # it would drop data
            header = next(csv.reader(_lines(text), delimiter=delimiter))
            with pd.read_csv(
                io.BytesIO(data),  # the bytes, not a copy of the text: validated as UTF-8 above
                encoding="utf-8-sig",
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                sep=delimiter,
                skipinitialspace=True,
                index_col=False,
                chunksize=min(max_rows + 1, _BLOCK_ROWS),
            ) as reader:
                for block in reader:
                    block = _without_blank_rows(block)
                    blocks.append(block)
                    rows += len(block)
                    if rows > max_rows:  # stop reading: the rest is never parsed
                        complete = _at_end(reader)
                        break
    except pd.errors.ParserWarning as exc:
        raise fail(_extra_fields(text, delimiter)) from exc
    except (csv.Error, pd.errors.ParserError, ValueError) as exc:
        raise fail(f"not a well-formed CSV file: {str(exc).splitlines()[0]}") from exc
    if rows > max_rows:
        count = f"{rows}" if complete else f"more than {max_rows}"
        raise fail(f"{count} rows; at most {max_rows} per file")
    if rows == 0:
        raise fail("the file has a header but no rows")
    frame = pd.concat(blocks) if len(blocks) > 1 else blocks[0]
    if len(header) == len(frame.columns):
        frame.columns = [h.strip() for h in header]
    frame.index = frame.index + 2
    return frame


_BLOCK_ROWS = 65_536
"""Rows parsed at a time."""


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their line ends (``\\n``, ``\\r\\n`` or ``\\r``), one at a time.

    As ``io.StringIO(text, newline="")`` gives them, without copying the whole text.
    """
    for found in _LINE.finditer(text):
        if not found.group():
            return
        yield found.group()


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _at_end(reader: Iterator[pd.DataFrame]) -> bool:
    """Whether ``reader`` has no more rows (reads at most one more block to know)."""
    try:
        next(reader)
    except StopIteration:
        return True
    except (csv.Error, pd.errors.ParserError, pd.errors.ParserWarning, ValueError):
        pass  # the rest is malformed, but there is a rest
    return False


def _without_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the rows whose every cell is empty or blank."""
    cells = frame.apply(lambda c: c.astype("string").str.strip())
    return frame[~(cells.isna() | (cells == "")).all(axis=1).to_numpy(bool)]


def _extra_fields(text: str, delimiter: str) -> str:
    """Which lines hold more fields than the header (an unquoted delimiter, usually)."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    width = len(next(rows))
    lines = [n for n, row in enumerate(rows, start=2) if len(row) > width]
    shown = ", ".join(map(str, lines[:10])) + (" ..." if len(lines) > 10 else "")
    return (
        f"line(s) {shown} have more fields than the header's {width}; quote values that "
        f"contain {delimiter!r}"
    )
