"""What the contamination map's kriging view adds to the estimate: the kriging standard
deviation and the probability of exceeding the level as overlays (unticked), and the
variogram with its fit diagnostics in the legend.

All three come from the one ``map-surface`` job the estimate comes from
(:class:`site_gis.processes.MapSurface`): nothing is interpolated here.  A kriging
request whose variogram was refused falls back to IDW, which has no variance: the
legend says so and no empty layer is drawn.
"""

from __future__ import annotations

from typing import Any

import folium
import numpy as np
from folium.raster_layers import ImageOverlay
from markupsafe import Markup

from api.maps.legend import (
    PROBABILITY_BREAKS,
    PROBABILITY_COLORS,
    SD_COLORS,
    note,
    section,
    surface_scale,
)
from site_gis.processes import MapSurface
from site_gis.surfaces.variogram import MIN_PAIRS

SD_LAYER = "Kriging standard deviation"
PROBABILITY_LAYER = "Probability of exceeding"


def classified_rgba(
    values: np.ndarray, breaks: tuple[float, ...], colors: tuple[str, ...], opacity: float
) -> np.ndarray:
    """``values`` as RGBA pixels: class ``i`` is ``breaks[i-1] <= v < breaks[i]``
    (``np.digitize``), coloured ``colors[i]``; NaN transparent."""
    palette = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colors], np.uint8)
    index = np.digitize(np.nan_to_num(values, nan=-np.inf), breaks)
    rgba = np.zeros((*values.shape, 4), np.uint8)
    rgba[..., :3] = palette[index]
    rgba[..., 3] = np.where(np.isfinite(values), round(255 * opacity), 0)
    return rgba


def quintiles(values: np.ndarray) -> tuple[float, ...]:
    """The 20, 40, 60 and 80 % quantiles of the finite values (zeros if there are none)."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return (0.0,) * 4
    return tuple(float(q) for q in np.quantile(finite, [0.2, 0.4, 0.6, 0.8]))


def fell_back(shown: MapSurface) -> bool:
    """Whether a kriging request was computed by IDW (a refused variogram)."""
    if shown.method:
        return shown.method == "idw"
    return bool(shown.warnings) and "IDW instead" in shown.warnings[0]  # kept before `method`


def uncertainty_layers(fmap: folium.Map, shown: MapSurface, unit: str, *, opacity: float) -> Markup:
    """Add the kriging standard deviation and probability overlays (unticked) to ``fmap``;
    return their legend sections and the variogram's.

    ``shown`` is a kriging request's map surface; ``unit`` is its result unit.
    """
    title = "Kriging standard deviation and probability of exceeding"
    if fell_back(shown) or shown.std is None:
        parts = section(
            title,
            note(
                "Not available: the kriging variogram was refused, so this surface is IDW, "
                "which gives no kriging standard deviation (and so no probability of "
                "exceeding). No layer is drawn for them.",
                warn=True,
            ),
        )
        return parts + variogram_section(shown, unit)
    sd_unit = "ln units" if shown.log_transform else unit
    sd_breaks = quintiles(shown.std)
    ImageOverlay(
        classified_rgba(shown.std, sd_breaks, SD_COLORS, opacity),
        bounds=_bounds(shown),
        name=f"{SD_LAYER} ({sd_unit})",
        interactive=False,
        zIndex=2,
        show=False,
        className="sg-surface-sd",
    ).add_to(fmap)
    parts = section(
        f"{SD_LAYER} ({sd_unit}; layer off by default)",
        surface_scale(sd_breaks, SD_COLORS, sd_unit),
        "Classes are quintiles of the map's cells. Low near samples, high far from them; "
        + (
            "of ln(value): a log-kriging SD is a spread of the logarithm."
            if shown.log_transform
            else "in the result unit."
        ),
    )
    if shown.probability is None or shown.threshold is None:
        parts += section(PROBABILITY_LAYER, "No level, so no probability of exceeding.")
        return parts + variogram_section(shown, unit)
    ImageOverlay(
        classified_rgba(shown.probability, PROBABILITY_BREAKS, PROBABILITY_COLORS, opacity),
        bounds=_bounds(shown),
        name=f"{PROBABILITY_LAYER} {shown.threshold:g} {unit}",
        interactive=False,
        zIndex=3,
        show=False,
        className="sg-surface-probability",
    ).add_to(fmap)
    parts += section(
        f"{PROBABILITY_LAYER} {shown.threshold:g} {unit} (layer off by default)",
        surface_scale(tuple(100 * b for b in PROBABILITY_BREAKS), PROBABILITY_COLORS, "%"),
        "Per cell, 1 − Φ((level − estimate) / SD): the kriging error taken as normal"
        + (" in ln(value)" if shown.log_transform else "")
        + "; not the chance that a whole area exceeds.",
    )
    return parts + variogram_section(shown, unit)


def _bounds(shown: MapSurface) -> list[list[float]]:
    west, south, east, north = shown.bounds
    return [[south, west], [north, east]]


def _g(value: Any, digits: int = 4) -> str:
    """A number for the legend: whole with thousands separators from 1,000 up, else
    ``digits`` significant figures; a missing or infinite value as a dash."""
    if value is None or not np.isfinite(float(value)):
        return "—"
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.{digits}g}"


def variogram_section(shown: MapSurface, unit: str) -> Markup:
    """The variogram the surface carries: model, parameters, fit diagnostics and the
    experimental lags (empty markup without one)."""
    variogram = shown.variogram
    if not variogram:
        return Markup("")
    diagnostics = variogram.get("diagnostics", {})
    gamma_unit = "(ln units)²" if shown.log_transform else f"({unit})²"
    rows: list[tuple[str, str]] = [("Model", f"{variogram.get('model', '?')}")]
    if "nugget" in variogram:
        rows.append((f"Nugget {gamma_unit}", _g(variogram["nugget"])))
    if "psill" in variogram:
        rows.append((f"Partial sill {gamma_unit}", _g(variogram["psill"])))
    if "slope" in variogram:
        rows.append((f"Slope {gamma_unit} per m", _g(variogram["slope"])))
    if "sill" in variogram:
        rows.append((f"Sill {gamma_unit}", _g(variogram["sill"])))
    if "range" in variogram:
        rows.append(("Range (m)", _g(variogram["range"], 5)))
    if "max_lag_m" in variogram:
        rows.append(("Largest lag fitted (m)", _g(variogram["max_lag_m"], 5)))
    if "weighted_rms_residual" in diagnostics:
        rows.append(
            (
                f"Weighted RMS residual {gamma_unit}",
                f"{_g(diagnostics['weighted_rms_residual'], 3)} "
                f"({_g(diagnostics.get('relative_rms_residual'), 2)} × sample variance)",
            )
        )
    if "nugget_to_sill" in diagnostics:
        rows.append(
            (
                "Nugget-to-sill ratio",
                f"{_g(diagnostics['nugget_to_sill'], 2)} "
                f"({diagnostics.get('spatial_dependence', '?')} spatial dependence)",
            )
        )
    if "sill_to_sample_variance" in diagnostics:
        rows.append(("Sill / sample variance", _g(diagnostics["sill_to_sample_variance"], 3)))
    if "lags_below_min_pairs" in diagnostics:
        rows.append((f"Lags with < {MIN_PAIRS} pairs", f"{diagnostics['lags_below_min_pairs']}"))
    status = str(diagnostics.get("status", "?")).replace("_", " ")
    reason = diagnostics.get("reason")
    rows.append(("Fit", f"{status}: {reason}" if reason else status))
    table = Markup('<table class="sg-variogram"><tbody>{}</tbody></table>').format(
        Markup("").join(
            Markup('<tr><th scope="row">{}</th><td>{}</td></tr>').format(k, v) for k, v in rows
        )
    )
    return section(
        f"Variogram ({variogram.get('model', '?')}, {variogram.get('source', 'fitted')})",
        table,
        _experimental(variogram.get("experimental", {}), gamma_unit),
        "Spatial dependence after Cambardella et al. (1994): strong below 0.25, moderate to "
        "0.75, weak above; above 0.9 kriging is refused (pure nugget).",
    )


def _experimental(experimental: dict[str, Any], gamma_unit: str) -> Markup:
    """The experimental variogram's lags as a folded table."""
    lags = experimental.get("lag_m") or []
    if not lags:
        return Markup("")
    body = Markup("").join(
        Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(_g(h, 5), _g(g, 4), n)
        for h, g, n in zip(
            lags, experimental.get("semivariance", []), experimental.get("pairs", []), strict=True
        )
    )
    return Markup(
        '<details class="sg-variogram-lags"><summary>Experimental variogram ({} lags)</summary>'
        '<table class="sg-variogram"><thead><tr><th scope="col">Lag (m)</th>'
        '<th scope="col">γ {}</th><th scope="col">Pairs</th></tr></thead>'
        "<tbody>{}</tbody></table></details>"
    ).format(len(lags), gamma_unit, body)
