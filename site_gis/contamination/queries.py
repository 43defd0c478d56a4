"""Common selections of stored data used by several analyses and routes."""

from __future__ import annotations

import pandas as pd

from site_gis.contamination.analytes import resolve_analytes
from site_gis.errors import InvalidRequestError
from site_gis.schemas import MEDIA, ZONE_IDS
from site_gis.store import Store

OUTSIDE_ZONES = "outside"
"""Zone filter value for results from locations outside every EIA zone."""


def resolve_analyte(name: str) -> str:
    """The canonical name of an analyte given by name, synonym or CAS number."""
    canonical, _ = resolve_analytes(pd.Series([name]), pd.Series([None], dtype="string"))
    if pd.isna(canonical.iloc[0]):
        raise InvalidRequestError(f"unknown analyte {name!r}")
    return str(canonical.iloc[0])


def load_results(
    store: Store,
    *,
    zone: str | None = None,
    analyte: str | None = None,
    medium: str | None = None,
    background: bool | None = None,
) -> pd.DataFrame:
    """Results with the EIA zone of their location and whether it is a background
    (reference) location (``background``, false where the layer does not say),
    optionally filtered.

    Parameters
    ----------
    zone
        A zone id, or ``"outside"`` for locations outside every zone.
    analyte
        Name, synonym or CAS number.
    medium
        soil, sediment, groundwater or surface_water.
    background
        ``False``: the site's locations only (what surfaces are made of); ``True``: the
        background (reference) locations only; ``None``: both.
    """
    if zone is not None and zone not in (*ZONE_IDS, OUTSIDE_ZONES):
        raise InvalidRequestError(f"zone must be one of {', '.join(ZONE_IDS)} or {OUTSIDE_ZONES!r}")
    if medium is not None and medium not in MEDIA:
        raise InvalidRequestError(f"medium must be one of {', '.join(MEDIA)}")
    where: dict[str, object] = {}
    if analyte is not None:
        where["analyte"] = resolve_analyte(analyte)
    if medium is not None:
        where["medium"] = medium
    results = store.read("results", where=where or None)
    locations = pd.DataFrame(store.read("sample_locations").drop(columns="geometry"))
    zones = locations.reindex(columns=["location_id", "zone_id", "background"])
    zones["background"] = zones["background"].fillna(False).astype(bool)
    joined = results.merge(zones, on="location_id", how="left", validate="many_to_one")
    if background is not None:
        joined = joined[joined["background"].fillna(False).astype(bool) == background]
    if zone == OUTSIDE_ZONES:
        joined = joined[joined["zone_id"].isna()]
    elif zone is not None:
        joined = joined[joined["zone_id"] == zone]
    return joined.reset_index(drop=True)
