"""Concentration units: what labs send, and the canonical unit per medium.

Canonical units: soil and sediment in ``mg/kg`` (dry weight), groundwater and
surface water in ``ug/L`` (µg/L), pH in ``pH units``.  Every accepted spelling
maps to a factor onto the canonical unit of its medium class; a unit of the
wrong class (``mg/L`` for soil) cannot be converted and is an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SOLID_MEDIA = frozenset({"soil", "sediment"})
WATER_MEDIA = frozenset({"groundwater", "surface_water"})
PH_UNIT = "pH units"

CANONICAL = {"solid": "mg/kg", "water": "ug/L"}
"""Canonical concentration unit by medium class."""

# spelling (lower case, no spaces, µ written u) -> (class, factor to the canonical unit)
_FACTORS: dict[str, tuple[str, float]] = {
    "mg/kg": ("solid", 1.0),
    "ppm": ("solid", 1.0),
    "ug/g": ("solid", 1.0),
    "ug/kg": ("solid", 1e-3),
    "ppb": ("solid", 1e-3),
    "ng/g": ("solid", 1e-3),
    "g/kg": ("solid", 1e3),
    "mg/g": ("solid", 1e3),
    "ug/l": ("water", 1.0),
    "ng/ml": ("water", 1.0),
    "mg/l": ("water", 1e3),
    "g/l": ("water", 1e6),
    "ng/l": ("water", 1e-3),
    "pg/ml": ("water", 1e-3),
    "ph": ("ph", 1.0),
    "phunits": ("ph", 1.0),
    "su": ("ph", 1.0),
    "s.u.": ("ph", 1.0),
}
# ppm / ppb are ambiguous between media; for waters they mean mg/L and ug/L.
_WATER_PARTS = {"ppm": 1e3, "ppb": 1.0}


def medium_class(medium: str) -> str:
    """``"solid"`` for soil and sediment, ``"water"`` for groundwater and surface water."""
    if medium in SOLID_MEDIA:
        return "solid"
    if medium in WATER_MEDIA:
        return "water"
    raise ValueError(f"unknown medium {medium!r}")


def canonical_unit(medium: str, *, is_ph: bool = False) -> str:
    """The unit results of ``medium`` are stored in."""
    return PH_UNIT if is_ph else CANONICAL[medium_class(medium)]


def normalise_key(unit: str) -> str:
    """The lookup key of a unit spelling: lower case, no spaces, µ/μ as u."""
    return unit.strip().lower().replace(" ", "").replace("µ", "u").replace("μ", "u")


def conversion_factors(units: pd.Series, media: pd.Series, is_ph: pd.Series) -> np.ndarray:
    """Factor from each given unit to its medium's canonical unit; NaN where none exists.

    Parameters
    ----------
    units
        Units as sent (any accepted spelling).
    media
        Medium of each row (soil, sediment, groundwater, surface_water).
    is_ph
        Whether each row is a pH measurement (which takes only pH units).
    """
    keys = units.fillna("").astype(str).map(normalise_key)
    classes = media.map(
        lambda m: "solid" if m in SOLID_MEDIA else "water" if m in WATER_MEDIA else "unknown"
    ).to_numpy()
    wanted = np.where(is_ph.to_numpy(dtype=bool), "ph", classes)
    found = keys.map(lambda k: _FACTORS.get(k, ("none", np.nan)))
    unit_class = np.array([c for c, _ in found], dtype=object)
    factor = np.array([f for _, f in found], dtype=float)
    water_parts = keys.map(_WATER_PARTS).to_numpy(dtype=float)
    factor = np.where((wanted == "water") & ~np.isnan(water_parts), water_parts, factor)
    unit_class = np.where((wanted == "water") & ~np.isnan(water_parts), "water", unit_class)
    return np.where(unit_class == wanted, factor, np.nan)


def convert(values: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """``values × factors`` rounded to 12 significant figures.

    Factors such as 1e-3 are not exact in binary: 5100 µg/kg × 1e-3 would give
    5.1000000000000005 mg/kg and screen as above a 5.1 mg/kg level.
    """
    out = np.asarray(values, dtype=float) * np.asarray(factors, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.abs(out)))
        scale = np.where(np.isfinite(magnitude), 10.0 ** (11 - magnitude), 1.0)
        return np.where(np.isfinite(out) & (out != 0), np.round(out * scale) / scale, out)
