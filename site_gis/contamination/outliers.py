"""Candidate outliers: Dixon's test (3 ≤ n ≤ 25) and Rosner's test (n ≥ 25).

Both assume the data *without* the suspect values are normal, and both only flag:
nothing is ever removed.  The US EPA guidance (*Data Quality Assessment: Statistical
Methods for Practitioners*, EPA QA/G-9S, 2006, §4.4; ProUCL 5.2 Technical Guide,
chapter 7) asks the user to decide, from field notes and the site's history, whether
a flagged value is an error or a real hot spot.

* **Dixon** (Dixon 1953, *Biometrics* 9:74-89) tests the largest value with the ratio
  of its gap to the range: r10 = (x(n) - x(n-1)) / (x(n) - x(1)) for n = 3-7,
  r11 = (x(n) - x(n-1)) / (x(n) - x(2)) for 8-10, r21 = (x(n) - x(n-2)) / (x(n) - x(2))
  for 11-13, r22 = (x(n) - x(n-2)) / (x(n) - x(3)) for 14-25 (the smallest value with
  the mirror ratios).  Critical values: :data:`DIXON_CRITICAL`, the 5 % and 1 %
  columns of Dixon's table as printed in EPA QA/G-9S (2006), Table A-3.
* **Rosner** (Rosner 1983, *Technometrics* 25:165-172), the generalised extreme
  Studentised deviate: remove the value farthest from the mean r times, R(i) =
  max |x - x̄| / s of what is left; the number of outliers is the largest i with
  R(i) > λ(i), λ(i) = (n - i) t(p; n - i - 1) / √((n - i - 1 + t²)(n - i + 1)),
  p = 1 - α / (2 (n - i + 1)) (Rosner's approximation, which reproduces his table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _stats

DIXON_MAX_N = 25
ROSNER_MIN_N = 25
ROSNER_MAX_SUSPECTS = 10

# n: (5 %, 1 %); Dixon (1953) as printed in EPA QA/G-9S (2006) Table A-3
DIXON_CRITICAL: dict[int, tuple[float, float]] = {
    3: (0.941, 0.988),
    4: (0.765, 0.889),
    5: (0.642, 0.780),
    6: (0.560, 0.698),
    7: (0.507, 0.637),
    8: (0.554, 0.683),
    9: (0.512, 0.635),
    10: (0.477, 0.597),
    11: (0.576, 0.679),
    12: (0.546, 0.642),
    13: (0.521, 0.615),
    14: (0.546, 0.641),
    15: (0.525, 0.616),
    16: (0.507, 0.595),
    17: (0.490, 0.577),
    18: (0.475, 0.561),
    19: (0.462, 0.547),
    20: (0.450, 0.535),
    21: (0.440, 0.524),
    22: (0.430, 0.514),
    23: (0.421, 0.505),
    24: (0.413, 0.497),
    25: (0.406, 0.489),
}
DIXON_TABLE_VERIFIED = False
"""The table above was transcribed for this module, not checked against a scan of Table
A-3; a Monte Carlo test checks every 5 % value to about ±0.02."""


@dataclass(frozen=True, slots=True)
class DixonResult:
    """Dixon's test of the largest (``side = "high"``) or smallest value."""

    side: str
    ratio_name: str
    statistic: float
    critical: float
    alpha: float
    suspect: float
    outlier: bool


def dixon_ratio(x: np.ndarray, side: str = "high") -> tuple[str, float]:
    """Dixon's ratio for the largest (or smallest) of ``x``: (its name, its value)."""
    v = np.sort(np.asarray(x, dtype=float))
    n = len(v)
    if not 3 <= n <= DIXON_MAX_N:
        raise ValueError(f"Dixon's test needs 3 ≤ n ≤ {DIXON_MAX_N} (has {n})")
    if side == "low":
        v = -v[::-1]
    elif side != "high":
        raise ValueError("side must be 'high' or 'low'")
    gap, far, name = (1, 0, "r10") if n <= 7 else (1, 1, "r11") if n <= 10 else (2, 1, "r21")
    if n >= 14:
        gap, far, name = 2, 2, "r22"
    spread = v[-1] - v[far]
    return name, float((v[-1] - v[-1 - gap]) / spread) if spread > 0 else 0.0


def dixon_test(x: np.ndarray, *, side: str = "high", alpha: float = 0.05) -> DixonResult:
    """Dixon's test at ``alpha`` (0.05 or 0.01) for the largest or smallest value."""
    if alpha not in (0.05, 0.01):
        raise ValueError("alpha must be 0.05 or 0.01 (the tabulated levels)")
    name, r = dixon_ratio(x, side)
    critical = DIXON_CRITICAL[len(x)][0 if alpha == 0.05 else 1]
    suspect = float(np.max(x) if side == "high" else np.min(x))
    return DixonResult(side, name, r, critical, alpha, suspect, r > critical)


@dataclass(frozen=True, slots=True)
class RosnerResult:
    """Rosner's test: per step i the removed value, R(i) and λ(i); the outliers found."""

    values: tuple[float, ...]
    statistics: tuple[float, ...]
    critical: tuple[float, ...]
    alpha: float
    n_outliers: int

    @property
    def outliers(self) -> tuple[float, ...]:
        return self.values[: self.n_outliers]


def rosner_critical(n: int, i: int, alpha: float = 0.05) -> float:
    """λ(i) of Rosner's test (i = 1 for the first suspect) for ``n`` observations."""
    p = 1 - alpha / (2 * (n - i + 1))
    t = float(_stats.t.ppf(p, n - i - 1))
    return (n - i) * t / float(np.sqrt((n - i - 1 + t**2) * (n - i + 1)))


def rosner_test(
    x: np.ndarray, *, suspects: int = ROSNER_MAX_SUSPECTS, alpha: float = 0.05
) -> RosnerResult:
    """Rosner's generalised ESD test for up to ``suspects`` outliers (either side)."""
    v = np.asarray(x, dtype=float)
    n = len(v)
    if n < ROSNER_MIN_N:
        raise ValueError(f"Rosner's test needs n ≥ {ROSNER_MIN_N} (has {n}); use Dixon's")
    if not 1 <= suspects <= min(ROSNER_MAX_SUSPECTS, n - 2):
        raise ValueError(f"suspects must be between 1 and {min(ROSNER_MAX_SUSPECTS, n - 2)}")
    left = v.copy()
    removed, r_stats, lambdas = [], [], []
    for i in range(1, suspects + 1):
        mean, sd = left.mean(), left.std(ddof=1)
        far = int(np.argmax(np.abs(left - mean)))
        r_stats.append(float(abs(left[far] - mean) / sd) if sd > 0 else 0.0)
        lambdas.append(rosner_critical(n, i, alpha))
        removed.append(float(left[far]))
        left = np.delete(left, far)
    above = [i for i in range(suspects) if r_stats[i] > lambdas[i]]
    count = above[-1] + 1 if above else 0
    return RosnerResult(tuple(removed), tuple(r_stats), tuple(lambdas), alpha, count)


def candidate_outliers(x: np.ndarray, *, alpha: float = 0.05) -> list[float]:
    """Values flagged by Dixon's test (n ≤ 25, both ends) or Rosner's (n > 25)."""
    v = np.asarray(x, dtype=float)
    if len(v) < 3 or np.ptp(v) == 0:
        return []
    if len(v) <= DIXON_MAX_N:
        return [
            r.suspect
            for r in (dixon_test(v, side=s, alpha=alpha) for s in ("high", "low"))
            if r.outlier
        ]
    return list(
        rosner_test(v, suspects=min(ROSNER_MAX_SUSPECTS, len(v) // 5), alpha=alpha).outliers
    )
