"""Tables out of the API: JSON records and CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fastapi.responses import Response

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN, NA and infinities become null."""
    clean = frame.replace([np.inf, -np.inf], np.nan).astype(object)
    return clean.where(clean.notna(), None).to_dict("records")  # type: ignore[return-value]


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote (OWASP)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            text = out[column].astype("string")
            risky = text.str.startswith(_FORMULA_START).fillna(False).to_numpy(bool)
            if risky.any():
                out[column] = out[column].astype(object)
                out.loc[risky, column] = "'" + text[risky]
    return out


def csv_response(frame: pd.DataFrame, filename: str) -> Response:
    """``frame`` as a CSV download, formulas escaped."""
    body = escape_formulas(frame).to_csv(index=False, lineterminator="\n")
    return Response(
        body,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
