"""Variograms: the experimental variogram, its fit, and the checks before kriging.

* **Experimental variogram** (Matheron's estimator): for every pair of samples
  the distance h and the semivariance (z_i − z_j)² / 2, grouped in ``n_lags``
  bins of equal width from 0 to the maximum lag; per bin the mean distance, the
  mean semivariance and the number of pairs.
* **Maximum lag**: by default half the largest distance between two samples
  (pairs farther apart are few and all at the network's edges; Journel and
  Huijbregts 1978 advise fitting no further).
* **Fit**: the model (pykrige's spherical, exponential, gaussian or linear
  formulas, so the kriging uses exactly what was fitted) by least squares
  weighted by the pairs of each lag (scipy ``least_squares``), range bounded
  by the maximum lag.
* **Diagnostics**: the weighted root-mean-square residual (in the semivariance's
  unit and relative to the sample variance), the nugget-to-sill ratio (with the
  spatial-dependence class of Cambardella et al. 1994: strong below 0.25,
  moderate to 0.75, weak above), the sill against the sample variance.
* **Refusal**: a fit that fails, a nugget-to-sill ratio above
  :data:`MAX_NUGGET_RATIO` (pure nugget: the kriging would be a moving average
  of the neighbours), or a range shorter than the first lag, is not used: the
  surface falls back to IDW (or is refused), saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import least_squares
from scipy.spatial.distance import pdist

MAX_NUGGET_RATIO = 0.9
"""Nugget / sill above which a variogram is taken as pure nugget and not kriged with."""
MIN_PAIRS = 30
"""Pairs a lag should hold (Journel and Huijbregts 1978); lags with fewer are flagged."""
MIN_LAGS = 3
"""Lags with pairs needed to fit a model at all."""
MODELS = ("spherical", "exponential", "gaussian", "linear")


@dataclass(frozen=True)
class ExperimentalVariogram:
    """Semivariance per lag bin (distances in metres, semivariance in the data's unit²).

    ``lags`` is the mean distance of the pairs in each bin; bins with no pair are left out.
    """

    lags: np.ndarray
    semivariance: np.ndarray
    pairs: np.ndarray
    max_lag_m: float
    bin_width_m: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly lists."""
        return {
            "lag_m": [round(float(v), 3) for v in self.lags],
            "semivariance": [float(f"{v:.6g}") for v in self.semivariance],
            "pairs": [int(v) for v in self.pairs],
            "max_lag_m": round(self.max_lag_m, 3),
            "bin_width_m": round(self.bin_width_m, 3),
        }


def experimental_variogram(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    *,
    max_lag_m: float | None = None,
    n_lags: int = 12,
) -> ExperimentalVariogram:
    """Matheron's experimental variogram of samples (x, y in metres).

    Parameters
    ----------
    max_lag_m
        Largest distance taken (metres); default half the largest pair distance.
    n_lags
        Number of equal bins from 0 to ``max_lag_m``.
    """
    xy = np.c_[x, y]
    distance = pdist(xy)
    gamma = 0.5 * pdist(np.asarray(z, dtype=float)[:, None], metric="sqeuclidean")
    if max_lag_m is None:
        max_lag_m = 0.5 * float(distance.max()) if distance.size else 0.0
    width = max_lag_m / n_lags if max_lag_m > 0 else 1.0
    keep = distance <= max_lag_m
    distance, gamma = distance[keep], gamma[keep]
    index = np.minimum((distance // width).astype(int), n_lags - 1)
    pairs = np.bincount(index, minlength=n_lags)
    sums = np.bincount(index, weights=distance, minlength=n_lags)
    gammas = np.bincount(index, weights=gamma, minlength=n_lags)
    used = pairs > 0
    return ExperimentalVariogram(
        lags=sums[used] / pairs[used],
        semivariance=gammas[used] / pairs[used],
        pairs=pairs[used],
        max_lag_m=float(max_lag_m),
        bin_width_m=float(width),
    )


def model_function(model: str) -> Any:
    """pykrige's γ(parameters, h) for ``model``."""
    from pykrige import variogram_models

    return getattr(variogram_models, f"{model}_variogram_model")


def parameter_names(model: str) -> list[str]:
    """pykrige's parameter order for ``model``."""
    return ["slope", "nugget"] if model == "linear" else ["psill", "range", "nugget"]


def fit_model(
    experimental: ExperimentalVariogram, model: str, *, sample_variance: float
) -> dict[str, Any]:
    """Fit ``model`` to the experimental variogram (weights: pairs per lag) and check it.

    Returns
    -------
    dict
        ``model``, its parameters (pykrige's names: ``psill``, ``range`` (m),
        ``nugget``; ``slope`` for linear), ``sill``, ``source: fitted`` and
        ``diagnostics`` (see :func:`diagnose`).
    """
    lags, gamma, pairs = experimental.lags, experimental.semivariance, experimental.pairs
    if len(lags) < MIN_LAGS:
        return {
            "model": model,
            "source": "fitted",
            "diagnostics": {
                "status": "failed",
                "reason": f"only {len(lags)} lags hold pairs; at least {MIN_LAGS} are needed",
            },
        }
    function = model_function(model)
    weights = np.sqrt(pairs / pairs.sum())
    top = max(float(gamma.max()), 1e-12)
    if model == "linear":
        start = [max((gamma[-1] - gamma[0]) / max(lags[-1], 1e-9), 0.0), max(gamma[0], 0.0)]
        bounds = ([0.0, 0.0], [np.inf, top])
    else:
        start = [max(top - gamma.min(), top * 0.1), 0.25 * experimental.max_lag_m, gamma.min()]
        bounds = (
            [0.0, experimental.bin_width_m * 1e-3, 0.0],
            [10 * top, experimental.max_lag_m, top],
        )
        start = list(np.clip(start, bounds[0], bounds[1]))

    def residuals(theta: np.ndarray) -> np.ndarray:
        return weights * (np.asarray(function(list(theta), lags)) - gamma)

    try:
        result = least_squares(residuals, start, bounds=bounds, method="trf")
        ok, theta = bool(result.success) and np.all(np.isfinite(result.x)), result.x
    except (ValueError, FloatingPointError) as exc:  # pragma: no cover - scipy's own checks
        return {
            "model": model,
            "source": "fitted",
            "diagnostics": {"status": "failed", "reason": f"the fit failed: {exc}"},
        }
    fitted = dict(zip(parameter_names(model), (float(v) for v in theta), strict=True))
    out: dict[str, Any] = {"model": model, **fitted, "source": "fitted"}
    diagnostics = diagnose(out, experimental, sample_variance=sample_variance)
    out["diagnostics"] = diagnostics
    if not ok:
        diagnostics |= {
            "status": "failed",
            "reason": "the least-squares fit did not converge",
        }
    return out


def given_model(
    model: str,
    *,
    sill: float,
    range_m: float,
    nugget: float,
    experimental: ExperimentalVariogram,
    sample_variance: float,
) -> dict[str, Any]:
    """A variogram given by the user (total ``sill``, ``range_m``, ``nugget``), checked too."""
    out: dict[str, Any] = {
        "model": model,
        "psill": float(sill - nugget),
        "range": float(range_m),
        "nugget": float(nugget),
        "source": "given",
    }
    out["diagnostics"] = diagnose(out, experimental, sample_variance=sample_variance)
    return out


def diagnose(
    variogram: dict[str, Any], experimental: ExperimentalVariogram, *, sample_variance: float
) -> dict[str, Any]:
    """Residuals, nugget-to-sill ratio and the verdict of a variogram against its lags."""
    model = variogram["model"]
    parameters = [variogram[name] for name in parameter_names(model)]
    lags, gamma, pairs = experimental.lags, experimental.semivariance, experimental.pairs
    predicted = np.asarray(model_function(model)(parameters, lags))
    rms = float(np.sqrt(np.sum(pairs * (predicted - gamma) ** 2) / np.sum(pairs)))
    nugget = float(variogram["nugget"])
    if model == "linear":
        sill = float(model_function(model)(parameters, np.array([experimental.max_lag_m]))[0])
    else:
        sill = float(variogram["psill"]) + nugget
    variogram["sill"] = sill
    ratio = nugget / sill if sill > 0 else 1.0
    dependence = "strong" if ratio < 0.25 else "moderate" if ratio <= 0.75 else "weak"
    out: dict[str, Any] = {
        "weighted_rms_residual": rms,
        "relative_rms_residual": rms / sample_variance if sample_variance > 0 else float("nan"),
        "nugget_to_sill": ratio,
        "spatial_dependence": dependence,
        "sill_to_sample_variance": sill / sample_variance if sample_variance > 0 else float("nan"),
        "sample_variance": sample_variance,
        "lags_below_min_pairs": int(np.sum(pairs < MIN_PAIRS)),
        "status": "ok",
        "reason": "",
        "warnings": [],
    }
    if ratio > MAX_NUGGET_RATIO:
        out["status"] = "pure_nugget"
        out["reason"] = (
            f"nugget-to-sill ratio {ratio:.2f} is above {MAX_NUGGET_RATIO:g}: no spatial "
            "correlation at the sampled spacing, so kriging would be a moving average"
        )
    elif model != "linear" and variogram["range"] < lags[0]:
        out["status"] = "pure_nugget"
        out["reason"] = (
            f"range {variogram['range']:,.0f} m is shorter than the first lag "
            f"({lags[0]:,.0f} m): no correlation between sampled locations"
        )
    if model != "linear" and variogram["range"] >= 0.99 * experimental.max_lag_m:
        out["warnings"].append(
            f"the range reaches the maximum lag ({experimental.max_lag_m:,.0f} m): no sill "
            "is seen within the fitted lags (a trend?)"
        )
    if out["lags_below_min_pairs"]:
        out["warnings"].append(
            f"{out['lags_below_min_pairs']} lags hold fewer than {MIN_PAIRS} pairs"
        )
    return out
