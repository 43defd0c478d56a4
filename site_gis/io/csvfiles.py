"""Read CSV files sent by people: encoding, delimiter, header and shape checked up front."""

from __future__ import annotations

import csv
import io
import warnings

import pandas as pd

from site_gis.errors import Problem, ValidationError


def read_csv_bytes(data: bytes, source: str, *, max_rows: int) -> pd.DataFrame:
    """Parse a CSV upload into text columns, with one clear error for what cannot be read.

    Accepts UTF-8 with or without a byte-order mark, comma, semicolon or tab
    delimiters and Windows line ends.  Fully blank rows (a spreadsheet's
    trailing rows) are dropped, keeping every other row's CSV line number as
    its index (the header is line 1).  Duplicate column names are kept as
    given, so the caller can report them.

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
    if not text.strip():
        raise fail("the file is empty")
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # it would drop data
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                sep=delimiter,
                skipinitialspace=True,
                index_col=False,
            )
    except pd.errors.ParserWarning as exc:
        raise fail(_extra_fields(text, delimiter)) from exc
    except (csv.Error, pd.errors.ParserError, ValueError) as exc:
        raise fail(f"not a well-formed CSV file: {str(exc).splitlines()[0]}") from exc
    if len(header) == len(frame.columns):
        frame.columns = [h.strip() for h in header]
    frame.index = frame.index + 2
    cells = frame.apply(lambda c: c.astype("string").str.strip())
    frame = frame[~(cells.isna() | (cells == "")).all(axis=1).to_numpy(bool)]
    if frame.empty:
        raise fail("the file has a header but no rows")
    if len(frame) > max_rows:
        raise fail(f"{len(frame)} rows; at most {max_rows} per file")
    return frame


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
