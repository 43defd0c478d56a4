"""The redaction point for household-level personal data.

Structure-level survey records (households, businesses, vulnerable households)
are personal.  Outputs carry aggregates only, and an aggregate over fewer than
:data:`MIN_GROUP` structures is suppressed: with one or two structures in a
group, the "aggregate" would be a household's own record.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MIN_GROUP = 5
"""Fewest structures an aggregate may describe."""


def suppress_small_groups(
    table: pd.DataFrame, *, count: str, columns: Sequence[str], minimum: int = MIN_GROUP
) -> pd.DataFrame:
    """Blank ``columns`` in rows describing 1 to ``minimum - 1`` structures; flag them.

    Adds a boolean ``suppressed`` column.  Rows with no structures are kept as
    they are (there is nothing personal to reveal).
    """
    out = table.copy()
    small = ((out[count] > 0) & (out[count] < minimum)).to_numpy(bool)
    for column in columns:
        out[column] = out[column].astype(float)
        out.loc[small, column] = np.nan
    out["suppressed"] = small
    return out
