"""Trends in a monitoring series with non-detects: Mann-Kendall, Theil-Sen, seasonal Kendall.

Comparisons follow Helsel (*Statistics for Censored Environmental Data Using
Minitab and R*, 2nd ed., 2012, ch. 12): a non-detect ``<L`` is smaller than a
value at or above ``L`` and tied with any value below ``L`` and with every
other non-detect.  ``S`` counts the later-minus-earlier signs of every pair.

Variance of ``S`` (Kendall 1975; Gilbert 1987, eq. 16.4)::

    Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18

over the groups of tied observations.  Detected values tie when equal; with one
reporting limit the non-detects (and any detect below the limit) form one group,
which is exact.  With several limits "tied" is not transitive; the groups are
then the connected sets of mutually tied observations, an approximation that
errs towards fewer ties in S than the variance assumes (stated in each result).

``Z = (S - sign(S)) / sqrt(Var(S))`` (continuity correction); the two-sided
p-value is ``2 (1 - Phi(|Z|))``.  The normal approximation is the one
Gilbert (1987) recommends from n = 10; for 4-9 rounds it is approximate.

Trend classes follow the GSI Mann-Kendall Toolkit (Connor, Farhat and
Vanderford, *GSI Mann-Kendall Toolkit for Constituent Trend Analysis, User's
Manual*, version 1, GSI Environmental, 2012,
https://www.gsienv.com/product/gsi-mann-kendall-toolkit/), whose decision
rules come from MAROS (Aziz, Meng, Rifai, Newell and Gonzales 2003, *Ground
Water* 41(3): 355-367, https://doi.org/10.1111/j.1745-6584.2003.tb02605.x),
with the confidence factor ``CF = Phi(|Z|)`` (one-sided confidence in the
sign of S) and ``COV = SD / mean`` of the values (non-detects at their limit):

================  =====================================================
S > 0, CF > 95 %   increasing
S > 0, 90-95 %     probably increasing
S > 0, CF < 90 %   no trend
S <= 0, CF < 90 %  stable if COV < 1, else no trend
S < 0, 90-95 %     probably decreasing
S < 0, CF > 95 %   decreasing
================  =====================================================

The toolkit reads CF from exact Mann-Kendall probability tables (n <= 40);
here it comes from the normal approximation, which can move a series near a
boundary by one class for small n (to verify against the toolkit where it
matters).  It requires at least 4 independent rounds; so does
:data:`MIN_ROUNDS` here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

MIN_ROUNDS = 4
"""Fewest rounds a trend is computed from (the GSI toolkit's minimum)."""
MONSOON_MONTHS = (7, 8, 9)
"""Months of the monsoon season (July-September); every other month is the dry season."""

TREND_CLASSES = (
    "increasing",
    "probably increasing",
    "no trend",
    "stable",
    "probably decreasing",
    "decreasing",
    "insufficient data",
)


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall statistic ``s``, ``var_s``, ``z``, two-sided ``p`` and ``n``."""

    s: float
    var_s: float
    z: float
    p: float
    n: int
    tie_note: str


@dataclass(frozen=True)
class SenSlope:
    """Theil-Sen slope and its two-sided confidence interval, in value units per year."""

    slope: float
    lower: float
    upper: float
    confidence: float


def pair_signs(values: np.ndarray, detected: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """``sign(x_j - x_i)`` for every pair (rows i, columns j) under Helsel's rule.

    ``values`` holds detected values (anything for non-detects), ``limits`` the
    reporting limit of each non-detect.
    """
    v = np.where(detected, values, limits).astype(float)
    d = detected.astype(bool)
    vi, vj = v[:, None], v[None, :]
    di, dj = d[:, None], d[None, :]
    both = np.sign(vj - vi)
    # i a non-detect <L_i, j detected: j is larger when x_j >= L_i, else tied
    nd_i = np.where(vj >= vi, 1.0, 0.0)
    # i detected, j a non-detect <L_j: j is smaller when x_i >= L_j, else tied
    nd_j = np.where(vi >= vj, -1.0, 0.0)
    out = np.where(di & dj, both, np.where(~di & dj, nd_i, np.where(di & ~dj, nd_j, 0.0)))
    return out


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def _tie_sizes(
    values: np.ndarray, detected: np.ndarray, limits: np.ndarray, signs: np.ndarray
) -> tuple[list[int], bool]:
    """Tie-group sizes; fast when every non-detect shares one limit no detect is below."""
    nd_limits = np.unique(limits[~detected])
    if len(nd_limits) <= 1 and not (len(nd_limits) and (values[detected] < nd_limits[0]).any()):
        keyed = np.where(detected, values, -np.inf)  # the non-detects: one group below all
        _, counts = np.unique(keyed, return_counts=True)
        return [int(c) for c in counts if c > 1], True
    return _tie_groups(signs)


def _tie_groups(signs: np.ndarray) -> tuple[list[int], bool]:
    """Sizes of the groups of mutually tied observations, and whether ties are transitive."""
    n = len(signs)
    tied = (signs == 0) | (signs.T == 0)
    seen = np.zeros(n, dtype=bool)
    sizes: list[int] = []
    transitive = True
    for start in range(n):
        if seen[start]:
            continue
        members = [start]
        seen[start] = True
        k = 0
        while k < len(members):
            for other in np.flatnonzero(tied[members[k]] & ~seen):
                seen[other] = True
                members.append(int(other))
            k += 1
        if len(members) > 1:
            sizes.append(len(members))
            block = tied[np.ix_(members, members)]
            transitive = transitive and bool(block.all())
    return sizes, transitive


def mann_kendall(
    times: np.ndarray, values: np.ndarray, detected: np.ndarray, limits: np.ndarray
) -> MannKendall:
    """Mann-Kendall test of a series with non-detects (see the module notes).

    Parameters
    ----------
    times
        Sampling times (any increasing number, e.g. decimal years); observations
        at the same time are not compared with each other.
    values, detected, limits
        Detected value, detection flag and reporting limit of each observation.
    """
    order = np.argsort(times, kind="stable")
    t = np.asarray(times, dtype=float)[order]
    signs = pair_signs(
        np.asarray(values, dtype=float)[order],
        np.asarray(detected, dtype=bool)[order],
        np.asarray(limits, dtype=float)[order],
    )
    n = len(t)
    later = (t[None, :] > t[:, None]).astype(float)
    s = float((signs * later).sum())
    sizes, transitive = _tie_sizes(
        np.asarray(values, dtype=float)[order],
        np.asarray(detected, dtype=bool)[order],
        np.asarray(limits, dtype=float)[order],
        signs,
    )
    _, time_ties = np.unique(t, return_counts=True)
    var = (
        n * (n - 1) * (2 * n + 5)
        - sum(k * (k - 1) * (2 * k + 5) for k in sizes)
        - sum(int(k) * (int(k) - 1) * (2 * int(k) + 5) for k in time_ties if k > 1)
    ) / 18.0
    z = 0.0 if var <= 0 or s == 0 else (s - np.sign(s)) / np.sqrt(var)
    p = _two_sided_p(float(z))
    note = (
        "ties: equal detects; non-detects tied with each other and with values below their limit"
        if transitive
        else "several reporting limits: non-transitive ties grouped as connected sets "
        "(approximate variance)"
    )
    return MannKendall(s, float(var), float(z), p, n, note)


def sen_slope(
    times: np.ndarray, values: np.ndarray, *, var_s: float, confidence: float = 0.95
) -> SenSlope:
    """Theil-Sen slope (median of pairwise slopes) with Sen's (1968) confidence interval.

    The interval takes the order statistics ``(N - C)/2`` and ``(N + C)/2 + 1`` of
    the ``N`` pairwise slopes, ``C = z_(1-a/2) sqrt(Var(S))`` (Gilbert 1987,
    section 16.5; the same ranks as :func:`scipy.stats.theilslopes`).
    ``times`` in years gives a slope per year.
    """
    t = np.asarray(times, dtype=float)
    y = np.asarray(values, dtype=float)
    i, j = np.triu_indices(len(t), k=1)
    keep = t[j] != t[i]
    slopes = np.sort((y[j] - y[i])[keep] / (t[j] - t[i])[keep])
    if not len(slopes):
        return SenSlope(float("nan"), float("nan"), float("nan"), confidence)
    count = len(slopes)
    c = NormalDist().inv_cdf(0.5 + confidence / 2) * math.sqrt(max(var_s, 0.0))
    upper = min(int(np.round((count + c) / 2.0)), count - 1)
    lower = max(int(np.round((count - c) / 2.0)) - 1, 0)
    return SenSlope(
        float(np.median(slopes)), float(slopes[lower]), float(slopes[upper]), confidence
    )


def seasonal_kendall(
    times: np.ndarray,
    months: np.ndarray,
    values: np.ndarray,
    detected: np.ndarray,
    limits: np.ndarray,
    *,
    monsoon_months: tuple[int, ...] = MONSOON_MONTHS,
) -> tuple[MannKendall, float, dict[str, int]]:
    """Seasonal Kendall test (Hirsch, Slack and Smith 1982) over monsoon and dry seasons.

    ``S`` and ``Var(S)`` are the sums over the seasons (no correction for serial
    dependence between seasons); the slope is the median of within-season
    pairwise slopes (non-detects at half their limit).  Returns the test, the
    slope per year and the number of observations in each season.
    """
    monsoon = np.isin(np.asarray(months), monsoon_months)
    total_s, total_var, total_n = 0.0, 0.0, 0
    slopes: list[np.ndarray] = []
    counts: dict[str, int] = {}
    t_all = np.asarray(times, dtype=float)
    half = np.where(detected, values, np.asarray(limits, dtype=float) / 2)
    for season, mask in (("monsoon", monsoon), ("dry", ~monsoon)):
        counts[season] = int(mask.sum())
        if mask.sum() < 2:
            continue
        test = mann_kendall(t_all[mask], values[mask], detected[mask], limits[mask])
        total_s += test.s
        total_var += test.var_s
        total_n += test.n
        t, y = t_all[mask], half[mask]
        i, j = np.triu_indices(len(t), k=1)
        keep = t[j] != t[i]
        slopes.append((y[j] - y[i])[keep] / (t[j] - t[i])[keep])
    z = 0.0 if total_var <= 0 or total_s == 0 else (total_s - np.sign(total_s)) / np.sqrt(total_var)
    p = _two_sided_p(float(z))
    every = np.concatenate(slopes) if slopes else np.array([])
    slope = float(np.median(every)) if len(every) else float("nan")
    test = MannKendall(total_s, total_var, float(z), p, total_n, "sum over seasons")
    return test, slope, counts


def confidence_factor(test: MannKendall) -> float:
    """The GSI toolkit's confidence in the trend's direction, 0-1: ``Phi(|Z|)``."""
    return 1.0 - 0.5 * math.erfc(abs(test.z) / math.sqrt(2))


def coefficient_of_variation(values: np.ndarray) -> float:
    """Sample SD / mean (``nan`` when the mean is 0)."""
    v = np.asarray(values, dtype=float)
    mean = v.mean()
    return float(v.std(ddof=1) / mean) if len(v) > 1 and mean != 0 else float("nan")


def gsi_trend_class(s: float, cf: float, cov: float) -> str:
    """The GSI Mann-Kendall Toolkit's trend class from S, CF (0-1) and COV."""
    if s > 0 and cf > 0.95:
        return "increasing"
    if s > 0 and cf >= 0.90:
        return "probably increasing"
    if s < 0 and cf > 0.95:
        return "decreasing"
    if s < 0 and cf >= 0.90:
        return "probably decreasing"
    if s > 0:
        return "no trend"
    return "stable" if cov < 1 else "no trend"
