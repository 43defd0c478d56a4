"""Every 95 % UCL family ProUCL 5.2 offers, for one group of results (one analyte and unit).

Formulas follow the ProUCL 5.2 Technical Guide (US EPA, EPA/600/R-07/041, 2022), chapter 2
(uncensored data) and chapters 4–5 (left-censored data); where the Guide's wording was not
available to check, the entry's ``note`` says what was relied on. α = 0.05 throughout.

Uncensored (n observations, mean x̄, sample SD s, logs y with mean ȳ and SD s_y):

* Student-t: x̄ + t(0.95, n−1)·s/√n; CLT: x̄ + z(0.95)·s/√n;
* modified-t (Johnson 1978): x̄ + μ̂₃/(6s²n) + t(0.95, n−1)·s/√n,
  μ̂₃ = nΣ(x−x̄)³/((n−1)(n−2));
* adjusted CLT (Chen 1995): x̄ + [z + β̂(1 + 2z²)/(6√n)]·s/√n, β̂ = μ̂₃/s³;
* gamma: k̂ by maximum likelihood, k* = (n−3)k̂/n + 2/(3n); approximate gamma
  2nk*x̄/χ²(α; 2nk*), adjusted gamma 2nk*x̄/χ²(β; 2nk*) with the adjusted level β of Grice &
  Bain (1980) for α = 0.05 (n = 5: 0.0086, 10: 0.0267, 20: 0.0380, 40: 0.0440, ∞: 0.05;
  linear in n between, linear in 1/n above 40);
* H-UCL (Land 1971): exp(ȳ + s_y²/2 + s_y·H/√(n−1)). Land's H is approximated by the
  generalised pivotal quantity of Krishnamoorthy & Mathew (2003), 20,000 seeded draws,
  which matches Land's exact limits to within Monte Carlo error (their Table 2);
* Chebyshev: m̂ + √(1/α − 1)·σ̂(m̂) for α = 0.05, 0.025, 0.01, with (mean, SD) or, for
  lognormal data, the MVUE of the mean and of its standard error (Gilbert 1987 §13.3, g_n
  series);
* bootstrap (seeded numpy generator, 2,000 resamples by default): percentile, BCa (Efron &
  Tibshirani 1993 §14.3, jackknife acceleration), bootstrap-t, Hall's (Hall 1992;
  skewness-corrected studentised statistic).

Left-censored (KM = Kaplan–Meier mean and SE, see :mod:`kaplan_meier`):

* KM-t: KM mean + t(0.95, n−1)·SE; KM-Chebyshev 95/97.5/99; KM percentile bootstrap and
  KM bootstrap-t (resampling observations with their censoring flags);
* gamma-KM: k̂ = KM mean²/KM SD², then k* and the approximate/adjusted gamma UCLs with the
  KM mean;
* ROS (Helsel's regression on order statistics, Hirsch–Stedinger plotting positions for
  several detection limits): gamma ROS (detects regressed on gamma quantiles at the detects'
  k̂) → approximate and adjusted gamma UCLs; robust lognormal ROS (logs regressed on normal
  quantiles, detects kept as measured) → Student-t, percentile and BCa bootstrap UCLs and
  the H-UCL of the imputed logs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special
from scipy import stats as _stats

from site_gis.contamination.goodness_of_fit import gamma_mle, k_star
from site_gis.contamination.kaplan_meier import (
    Convention,
    KaplanMeier,
    kaplan_meier,
    kaplan_meier_many,
)

ALPHA = 0.05
RESAMPLES = 2000
MAX_RESAMPLES = 20_000
SEED = 20260917
H_DRAWS = 20_000
Z95 = float(special.ndtri(0.95))
CHEBYSHEV = {"95": 0.05, "97.5": 0.025, "99": 0.01}
ADJUSTED_BETA = ((5, 0.0086), (10, 0.0267), (20, 0.0380), (40, 0.0440))
H_UCL_WARNING = (
    "ProUCL computes H-statistic UCLs for historical reasons only: they are unstable (both "
    "high and low) and ProUCL advises against them; prefer nonparametric UCLs for skewed data "
    "that do not follow a gamma distribution"
)


@dataclass(frozen=True, slots=True)
class Ucl:
    """One UCL family's result for one group."""

    method: str  # id used by the decision table, e.g. "gamma_adjusted"
    label: str  # ProUCL's name, e.g. "95% Adjusted Gamma UCL"
    ucl: float | None
    note: str = ""

    def record(self) -> dict[str, Any]:
        return {"method": self.method, "label": self.label, "ucl": self.ucl, "note": self.note}


# ------------------------------------------------------------------ building blocks
def adjusted_beta(n: int) -> float:
    """Adjusted significance level β for the adjusted gamma UCL at α = 0.05."""
    ns = [p[0] for p in ADJUSTED_BETA]
    betas = [p[1] for p in ADJUSTED_BETA]
    if n <= ns[-1]:
        return float(np.interp(n, ns, betas))
    return ALPHA - (ALPHA - betas[-1]) * ns[-1] / n


def gamma_ucls(mean: float, k: float, n: int) -> tuple[float, float, float]:
    """(k*, approximate gamma UCL, adjusted gamma UCL) from a mean, an MLE shape and n."""
    ks = k_star(k, n)
    nu = 2 * n * ks
    approximate = nu * mean / float(special.chdtri(nu, 1 - ALPHA))
    adjusted = nu * mean / float(special.chdtri(nu, 1 - adjusted_beta(n)))
    return ks, approximate, adjusted


def land_h_ucl(y_mean: float, y_sd: float, n: int, *, seed: int = SEED) -> float:
    """95 % UCL of a lognormal mean from log mean and SD (Land's H via the GPQ)."""
    spread, half = _pivot_draws(n, seed)
    pivot = y_mean - spread * y_sd + half * y_sd**2
    return float(np.exp(np.quantile(pivot, 1 - ALPHA)))


@functools.lru_cache(maxsize=64)  # 320 kB each
def _pivot_draws(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Z·√((n−1)/U)/√n and (n−1)/(2U), Z ~ N(0, 1), U ~ χ²(n−1), seeded by (seed, n)."""
    rng = np.random.default_rng([seed, n])
    z = rng.standard_normal(H_DRAWS)
    u = rng.chisquare(n - 1, H_DRAWS)
    return z * np.sqrt((n - 1) / u) / np.sqrt(n), (n - 1) / (2 * u)


def _g_n(t: float, n: int) -> float:
    """The g_n series of the lognormal MVUE (Gilbert 1987, eq. 13.4)."""
    total, term, k = 1.0 + (n - 1) * t / n, (n - 1) * t / n, 1
    while abs(term) > 1e-14 * abs(total) and k < 500:
        k += 1
        # term_k / term_(k−1) = (n−1)² t / (n (n + 2k − 3) k)
        term *= (n - 1) ** 2 * t / (n * (n + 2 * k - 3) * k)
        total += term
    return total


def mvue_mean_se(y_mean: float, y_var: float, n: int) -> tuple[float, float]:
    """MVUE of a lognormal mean and the MVUE-based standard error of it (Gilbert 1987)."""
    mean = float(np.exp(y_mean) * _g_n(y_var / 2, n))
    variance = float(
        np.exp(2 * y_mean) * (_g_n(y_var / 2, n) ** 2 - _g_n(y_var * (n - 2) / (n - 1), n))
    )
    return mean, float(np.sqrt(max(variance, 0.0)))


def resample_counts(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``(B, n)`` counts of each observation in B bootstrap resamples of size n."""
    idx = rng.integers(0, n, (resamples, n))
    flat = (idx + n * np.arange(resamples)[:, None]).ravel()
    return np.bincount(flat, minlength=resamples * n).reshape(resamples, n)


CACHED_COUNTS = 1_000_000  # largest B × n kept in the cache (8 MB each, 8 of them)


def seeded_counts(n: int, resamples: int, seed: int) -> np.ndarray:
    """:func:`resample_counts` from ``default_rng(seed)`` as floats (read-only).

    Every group is resampled from a fresh generator with the same seed, so groups of the
    same size share their resample counts: drawn once and cached when B × n is at most
    ``CACHED_COUNTS``.
    """
    if n * resamples <= CACHED_COUNTS:
        return _cached_counts(n, resamples, seed)
    return _draw_counts(n, resamples, seed)


def _draw_counts(n: int, resamples: int, seed: int) -> np.ndarray:
    counts = resample_counts(n, resamples, np.random.default_rng(seed)).astype(np.float64)
    counts.flags.writeable = False
    return counts


_cached_counts = functools.lru_cache(maxsize=8)(_draw_counts)


def _bca(boot: np.ndarray, estimate: float, jackknife: np.ndarray) -> float:
    proportion = float(np.mean(boot < estimate))
    proportion = min(max(proportion, 0.5 / len(boot)), 1 - 0.5 / len(boot))
    z0 = float(special.ndtri(proportion))
    dev = jackknife.mean() - jackknife
    denom = 6 * float(np.sum(dev**2)) ** 1.5
    a = float(np.sum(dev**3)) / denom if denom > 0 else 0.0
    level = float(special.ndtr(z0 + (z0 + Z95) / (1 - a * (z0 + Z95))))
    return float(np.quantile(boot, level))


def _skew_moment(x: np.ndarray) -> float:
    n = len(x)
    return float(n * np.sum((x - x.mean()) ** 3) / ((n - 1) * (n - 2)))


# ------------------------------------------------------------------ uncensored
def uncensored_ucls(
    x: np.ndarray,
    *,
    resamples: int = RESAMPLES,
    rng: np.random.Generator,
    counts: np.ndarray | None = None,
    bootstrap: bool = True,
) -> list[Ucl]:
    """All uncensored UCL families for positive values ``x`` (n ≥ 3).

    ``counts`` (B × n) may carry resamples already drawn; otherwise ``rng`` draws them.
    ``bootstrap=False`` leaves the bootstrap families out (when none is wanted).
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    mean, s = float(x.mean()), float(x.std(ddof=1))
    se = s / np.sqrt(n)
    t95 = float(special.stdtrit(n - 1, 0.95))
    mu3 = _skew_moment(x)
    skew = mu3 / s**3 if s > 0 else 0.0
    out = [
        Ucl("student_t", "95% Student's-t UCL", mean + t95 * se),
        Ucl(
            "modified_t",
            "95% Modified-t UCL (Johnson 1978)",
            mean + (mu3 / (6 * s**2 * n) if s > 0 else 0.0) + t95 * se,
        ),
        Ucl("clt", "95% CLT UCL", mean + Z95 * se),
        Ucl(
            "adjusted_clt",
            "95% Adjusted-CLT UCL (Chen 1995)",
            mean + (Z95 + skew * (1 + 2 * Z95**2) / (6 * np.sqrt(n))) * se,
        ),
    ]
    for level, alpha in CHEBYSHEV.items():
        out.append(
            Ucl(
                f"chebyshev_mean_sd_{level}",
                f"{level}% Chebyshev (Mean, Sd) UCL",
                mean + np.sqrt(1 / alpha - 1) * se,
            )
        )
    positive = bool((x > 0).all())
    if positive and s > 0:
        khat = float(gamma_mle(x)[0][0])
        ks, approximate, adjusted = gamma_ucls(mean, khat, n)
        note = f"k̂ = {khat:.4g}, k* = {ks:.4g}, ν = 2nk* = {2 * n * ks:.4g}"
        out.append(Ucl("gamma_approximate", "95% Approximate Gamma UCL", approximate, note))
        out.append(
            Ucl(
                "gamma_adjusted",
                "95% Adjusted Gamma UCL",
                adjusted,
                note + f", β = {adjusted_beta(n):.4f}",
            )
        )
        y = np.log(x)
        y_mean, y_sd = float(y.mean()), float(y.std(ddof=1))
        out.append(Ucl("h_ucl", "95% H-UCL", land_h_ucl(y_mean, y_sd, n), H_UCL_WARNING))
        m_mvue, se_mvue = mvue_mean_se(y_mean, y_sd**2, n)
        for level, alpha in CHEBYSHEV.items():
            out.append(
                Ucl(
                    f"chebyshev_mvue_{level}",
                    f"{level}% Chebyshev (MVUE) UCL",
                    m_mvue + np.sqrt(1 / alpha - 1) * se_mvue,
                    f"MVUE of the mean {m_mvue:.6g}",
                )
            )
    else:
        why = "needs positive values with some spread"
        for method, label in (
            ("gamma_approximate", "95% Approximate Gamma UCL"),
            ("gamma_adjusted", "95% Adjusted Gamma UCL"),
            ("h_ucl", "95% H-UCL"),
            *[(f"chebyshev_mvue_{lv}", f"{lv}% Chebyshev (MVUE) UCL") for lv in CHEBYSHEV],
        ):
            out.append(Ucl(method, label, None, why))
    if bootstrap:
        out.extend(bootstrap_ucls(x, resamples=resamples, rng=rng, counts=counts))
    return out


def bootstrap_ucls(
    x: np.ndarray,
    *,
    resamples: int = RESAMPLES,
    rng: np.random.Generator,
    counts: np.ndarray | None = None,
) -> list[Ucl]:
    """Percentile, BCa, bootstrap-t and Hall's bootstrap UCLs, vectorised over resamples.

    ``counts`` (B × n resample counts) may be given to reuse resamples already drawn.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    mean, s = float(x.mean()), float(x.std(ddof=1))
    if counts is None:
        counts = resample_counts(n, resamples, rng)
    counts = counts.astype(float, copy=False)
    means = counts @ x / n
    second = counts @ x**2 / n
    third = counts @ x**3 / n
    var_pop = np.maximum(second - means**2, 0.0)
    sds = np.sqrt(var_pop * n / (n - 1))
    central3 = third - 3 * means * second + 2 * means**3
    basis = f"{resamples} resamples, seeded generator"
    jackknife = (x.sum() - x) / (n - 1)
    out = [
        Ucl(
            "bootstrap_percentile",
            "95% Percentile Bootstrap UCL",
            float(np.quantile(means, 0.95)),
            basis,
        ),
        Ucl("bootstrap_bca", "95% BCA Bootstrap UCL", _bca(means, mean, jackknife), basis),
    ]
    ok = sds > 0
    if s == 0 or ok.sum() < resamples // 2:
        out.append(Ucl("bootstrap_t", "95% Bootstrap t UCL", None, "no spread in the resamples"))
        out.append(
            Ucl("bootstrap_hall", "95% Hall's Bootstrap UCL", None, "no spread in the resamples")
        )
        return out
    t = (means[ok] - mean) / (sds[ok] / np.sqrt(n))
    out.append(
        Ucl(
            "bootstrap_t",
            "95% Bootstrap t UCL",
            mean - float(np.quantile(t, ALPHA)) * s / np.sqrt(n),
            basis,
        )
    )
    # Hall (1992): W = (x̄_b − x̄)/s_b, Q(W) = W + k3 W²/3 + k3² W³/27 + k3/(6n),
    # UCL = x̄ − Q⁻¹(q_α)·s with the sample's k3 = Σ(x − x̄)³/(n σ̂³), σ̂ the n-divisor SD
    sigma = float(x.std(ddof=0))
    k3 = float(np.mean((x - mean) ** 3)) / sigma**3
    w = (means[ok] - mean) / sds[ok]
    k3b = central3[ok] / np.maximum(var_pop[ok], 1e-300) ** 1.5
    q = w + k3b * w**2 / 3 + k3b**2 * w**3 / 27 + k3b / (6 * n)
    q_alpha = float(np.quantile(q, ALPHA))
    if abs(k3) < 1e-12:
        inverse = q_alpha
    else:
        inverse = float(3 * (np.cbrt(1 + k3 * (q_alpha - k3 / (6 * n))) - 1) / k3)
    out.append(
        Ucl(
            "bootstrap_hall",
            "95% Hall's Bootstrap UCL",
            mean - inverse * s,
            basis + "; skewness with n-divisor moments (Hall 1992)",
        )
    )
    return out


# ------------------------------------------------------------------ censored
def ros_plotting_positions(x: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hirsch–Stedinger plotting positions (non-exceedance probabilities) of every value.

    Helsel (2012) ch. 6: for each detection limit L_j (and 0 below them), A_j detects lie in
    [L_j, L_(j+1)), B_j values are known to lie below L_j (detects < L_j, non-detects with
    limits ≤ L_j); the exceedance probability pe_j = pe_(j+1) + A_j/(A_j + B_j)·(1 − pe_(j+1)).
    Returns (positions, pe): ``positions[i]`` belongs to observation ``i``.
    """
    limits = np.unique(x[~d])
    limits = np.concatenate([[0.0] if x.min() > 0 else [x.min() - 1], limits, [np.inf]])
    m = len(limits) - 1
    pe = np.zeros(m + 1)  # exceedance probability at each limit; pe[m] (∞) = 0
    for j in range(m - 1, -1, -1):
        lo, hi = limits[j], limits[j + 1]
        a = float(np.sum(d & (x >= lo) & (x < hi)))
        b = float(np.sum(d & (x < lo)) + np.sum(~d & (x <= lo)))  # known to lie below lo
        pe[j] = pe[j + 1] + (a / (a + b) if a + b > 0 else 0.0) * (1 - pe[j + 1])
    positions = np.empty(len(x))
    for j in range(m):
        lo, hi = limits[j], limits[j + 1]
        inside = np.flatnonzero(d & (x >= lo) & (x < hi))
        order = inside[np.argsort(x[inside], kind="stable")]
        r = np.arange(1, len(order) + 1)
        positions[order] = (1 - pe[j]) + (pe[j] - pe[j + 1]) * r / (len(order) + 1)
        at_limit = np.flatnonzero(~d & (x == lo))
        r = np.arange(1, len(at_limit) + 1)
        positions[at_limit] = (1 - pe[j]) * r / (len(at_limit) + 1)
    return positions, pe


def ros_impute(x: np.ndarray, d: np.ndarray, *, model: str) -> np.ndarray:
    """Values with the non-detects replaced by ROS estimates.

    ``model``: ``lognormal`` (robust ROS: logs on normal quantiles), ``normal`` (values on
    normal quantiles) or ``gamma`` (values on gamma quantiles at the detects' k̂). Imputed
    values are kept below their limits and, for the normal and gamma models, above 0.1 % of
    the lowest detect (a regression line can run below zero).
    """
    positions, _ = ros_plotting_positions(x, d)
    if model == "lognormal":
        q = _stats.norm.ppf(positions)
        slope, intercept = np.polyfit(q[d], np.log(x[d]), 1)
        imputed = np.exp(intercept + slope * q[~d])
    elif model == "normal":
        q = _stats.norm.ppf(positions)
        slope, intercept = np.polyfit(q[d], x[d], 1)
        imputed = np.maximum(intercept + slope * q[~d], 1e-3 * float(x[d].min()))
    elif model == "gamma":
        khat = float(gamma_mle(x[d])[0][0])
        q = _stats.gamma.ppf(positions, khat)
        slope, intercept = np.polyfit(q[d], x[d], 1)
        imputed = intercept + slope * q[~d]
        imputed = np.maximum(imputed, 1e-3 * float(x[d].min()))
    else:
        raise ValueError(f"unknown ROS model {model!r}")
    out = x.astype(float).copy()
    out[~d] = np.minimum(imputed, x[~d])  # an imputed value never exceeds its limit
    return out


def censored_ucls(
    x: np.ndarray,
    d: np.ndarray,
    *,
    convention: Convention = "unrestricted",
    resamples: int = RESAMPLES,
    rng: np.random.Generator,
    km: KaplanMeier | None = None,
    counts: np.ndarray | None = None,
    bootstrap: bool = True,
) -> list[Ucl]:
    """All left-censored UCL families (KM-based and ROS-based) for one group.

    The values are sorted first; ``counts`` (B × n, for the sorted values) may carry
    resamples already drawn, otherwise ``rng`` draws them. ``bootstrap=False`` leaves the
    bootstrap families out.
    """
    order = np.argsort(x, kind="stable")  # sorted once: the resampling code then skips it
    x = np.asarray(x, dtype=float)[order]
    d = np.asarray(d, dtype=bool)[order]
    n = len(x)
    km = km or kaplan_meier(x, d, convention=convention)
    t95 = float(special.stdtrit(n - 1, 0.95))
    basis = f"{km.convention} KM"
    out = [Ucl("km_t", "95% KM (t) UCL", km.mean + t95 * km.se, basis)]
    for level, alpha in CHEBYSHEV.items():
        out.append(
            Ucl(
                f"km_chebyshev_{level}",
                f"{level}% KM (Chebyshev) UCL",
                km.mean + np.sqrt(1 / alpha - 1) * km.se,
                basis,
            )
        )
    if bootstrap:
        if counts is None:
            counts = resample_counts(n, resamples, rng)
        out.extend(_km_bootstrap(x, d, km, counts, convention, basis))
    out.extend(_gamma_km(km, n, basis))
    out.extend(_ros_ucls(x, d, resamples=resamples, rng=rng, counts=counts, bootstrap=bootstrap))
    return out


def _km_bootstrap(
    x: np.ndarray,
    d: np.ndarray,
    km: KaplanMeier,
    counts: np.ndarray,
    convention: Convention,
    basis: str,
) -> list[Ucl]:
    resamples = len(counts)
    out = []
    means, ses = kaplan_meier_many(x, d, counts, convention=convention)
    usable = np.isfinite(means) & np.isfinite(ses) & (ses > 0)
    dropped = resamples - int(usable.sum())
    boot_note = f"{basis}; {resamples} resamples, seeded generator" + (
        f"; {dropped} resamples with fewer than 2 detects left out" if dropped else ""
    )
    if usable.sum() >= resamples // 2:
        out.append(
            Ucl(
                "km_percentile_bootstrap",
                "95% KM (Percentile Bootstrap) UCL",
                float(np.quantile(means[usable], 0.95)),
                boot_note,
            )
        )
        t = (means[usable] - km.mean) / ses[usable]
        out.append(
            Ucl(
                "km_bootstrap_t",
                "95% KM (bootstrap t) UCL",
                km.mean - float(np.quantile(t, ALPHA)) * km.se,
                boot_note,
            )
        )
    else:
        for method, label in (
            ("km_percentile_bootstrap", "95% KM (Percentile Bootstrap) UCL"),
            ("km_bootstrap_t", "95% KM (bootstrap t) UCL"),
        ):
            out.append(Ucl(method, label, None, "too few resamples with 2 or more detects"))
    return out


def _gamma_km(km: KaplanMeier, n: int, basis: str) -> list[Ucl]:
    out = []
    if km.sd > 0 and km.mean > 0:
        k_km = km.mean**2 / km.sd**2
        ks, approximate, adjusted = gamma_ucls(km.mean, k_km, n)
        note = f"{basis}; k̂ = KM mean²/KM SD² = {k_km:.4g}, k* = {ks:.4g}"
        out.append(Ucl("gamma_km_approximate", "95% Gamma Approximate KM-UCL", approximate, note))
        out.append(
            Ucl(
                "gamma_km_adjusted",
                "95% Gamma Adjusted KM-UCL",
                adjusted,
                note + f", β = {adjusted_beta(n):.4f}",
            )
        )
    else:
        for method, label in (
            ("gamma_km_approximate", "95% Gamma Approximate KM-UCL"),
            ("gamma_km_adjusted", "95% Gamma Adjusted KM-UCL"),
        ):
            out.append(Ucl(method, label, None, "KM SD is zero"))
    return out


def _ros_ucls(
    x: np.ndarray,
    d: np.ndarray,
    *,
    resamples: int,
    rng: np.random.Generator,
    counts: np.ndarray | None = None,
    bootstrap: bool = True,
) -> list[Ucl]:
    names: tuple[tuple[str, str], ...] = (
        ("ros_gamma_approximate", "95% Approximate Gamma UCL (gamma ROS)"),
        ("ros_gamma_adjusted", "95% Adjusted Gamma UCL (gamma ROS)"),
        ("ros_lognormal_h", "95% H-UCL (lognormal ROS)"),
        ("ros_robust_t", "95% Student's-t UCL (robust lognormal ROS)"),
        ("ros_robust_percentile_bootstrap", "95% Percentile Bootstrap UCL (robust lognormal ROS)"),
        ("ros_robust_bca", "95% BCA Bootstrap UCL (robust lognormal ROS)"),
    )
    if not bootstrap:
        names = names[:4]
    if len(np.unique(x[d])) < 3 or (x <= 0).any():
        return [
            Ucl(m, lab, None, "ROS needs 3 or more distinct positive detects") for m, lab in names
        ]
    n = len(x)
    gamma_data = ros_impute(x, d, model="gamma")
    khat = float(gamma_mle(gamma_data)[0][0])
    ks, approximate, adjusted = gamma_ucls(float(gamma_data.mean()), khat, n)
    gnote = f"gamma ROS (k̂ of detects for the quantiles); k̂ = {khat:.4g}, k* = {ks:.4g}"
    log_data = ros_impute(x, d, model="lognormal")
    y = np.log(log_data)
    t95 = float(special.stdtrit(n - 1, 0.95))
    mean, s = float(log_data.mean()), float(log_data.std(ddof=1))
    lnote = "robust lognormal ROS (detects as measured, non-detects imputed)"
    out = [
        Ucl(names[0][0], names[0][1], approximate, gnote),
        Ucl(names[1][0], names[1][1], adjusted, gnote + f", β = {adjusted_beta(n):.4f}"),
        Ucl(
            names[2][0],
            names[2][1],
            land_h_ucl(float(y.mean()), float(y.std(ddof=1)), n),
            lnote + "; " + H_UCL_WARNING,
        ),
        Ucl(names[3][0], names[3][1], mean + t95 * s / np.sqrt(n), lnote),
    ]
    if bootstrap:
        by_id = {
            u.method: u
            for u in bootstrap_ucls(log_data, resamples=resamples, rng=rng, counts=counts)
        }
        for (method, label), source in zip(
            names[4:], ("bootstrap_percentile", "bootstrap_bca"), strict=True
        ):
            out.append(Ucl(method, label, by_id[source].ucl, lnote + "; " + by_id[source].note))
    return out


BOOTSTRAP_METHODS = frozenset(
    {
        "bootstrap_percentile",
        "bootstrap_bca",
        "bootstrap_t",
        "bootstrap_hall",
        "km_percentile_bootstrap",
        "km_bootstrap_t",
        "ros_robust_percentile_bootstrap",
        "ros_robust_bca",
    }
)
"""The families that resample (left out when a summary needs none of them)."""

__all__ = [
    "BOOTSTRAP_METHODS",
    "H_UCL_WARNING",
    "RESAMPLES",
    "Ucl",
    "adjusted_beta",
    "bootstrap_ucls",
    "censored_ucls",
    "gamma_ucls",
    "land_h_ucl",
    "mvue_mean_se",
    "ros_impute",
    "ros_plotting_positions",
    "uncensored_ucls",
]
