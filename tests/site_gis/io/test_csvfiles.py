"""Uploaded CSV bytes: the row limit is applied while reading, not after."""

from __future__ import annotations

import pytest

from site_gis.errors import ValidationError
from site_gis.io import read_csv_bytes


def test_a_file_over_the_row_limit_is_refused_with_its_row_count() -> None:
    with pytest.raises(ValidationError, match="3 rows; at most 2 per file"):
        read_csv_bytes(b"a,b\n1,2\n3,4\n5,6\n", "three.csv", max_rows=2)


def test_reading_stops_at_the_row_limit() -> None:
    # the tail is an unterminated quote: parsing the whole file would fail on it
    data = b"sample_id\n" + b"S-1\n" * 200_000 + b'"never closed\n' + b"S-2\n" * 10
    with pytest.raises(ValidationError) as caught:
        read_csv_bytes(data, "big.csv", max_rows=10)
    assert "more than 10 rows; at most 10 per file" in str(caught.value)
    assert "well-formed" not in str(caught.value)
    with pytest.raises(ValidationError, match="not a well-formed CSV file"):
        read_csv_bytes(data, "big.csv", max_rows=300_000)  # within the limit, it is parsed


def test_blank_rows_do_not_count_towards_the_limit() -> None:
    frame = read_csv_bytes(b"a,b\n1,2\n,\n , \n3,4\n", "blank.csv", max_rows=2)
    assert frame.values.tolist() == [["1", "2"], ["3", "4"]]
    assert frame.index.tolist() == [2, 5]  # CSV line numbers, the header being line 1
