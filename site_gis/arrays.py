"""Fast array helpers for large string columns."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def isin(values: pd.Series, allowed: pd.Series | Iterable[object]) -> np.ndarray:
    """Boolean array: which of ``values`` occur in ``allowed`` (missing values never do).

    Uses pyarrow's hash-based ``is_in``: pandas' ``isin`` on arrow-backed
    strings walks the allowed values in Python, which takes seconds for
    millions of identifiers.
    """
    allowed_series = allowed if isinstance(allowed, pd.Series) else pd.Series(list(allowed))
    left = pa.array(values.astype("string"), type=pa.large_string())
    right = pa.array(allowed_series.astype("string").dropna(), type=pa.large_string())
    found = pc.is_in(left, value_set=right, skip_nulls=True)
    return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
