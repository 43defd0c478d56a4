"""Which UCL to recommend: ProUCL 5.2's decision tables, read from a data file.

The table is ``site_gis/reference/ucl_recommendations.toml``: one row per line of the
Technical Guide's tables (distribution, skewness, n, % non-detects), each with the section it
comes from and whether it has been checked against the Guide (``verified``). The first
matching row wins; :func:`recommend` returns it so every output can cite it.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

TABLE = "ucl_recommendations.toml"
SKEW_MEASURES = ("none", "k_star", "sd_log")


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the decision table (see the TOML file's header for the fields)."""

    id: str
    data: str
    distributions: tuple[str, ...]
    skew: str
    skew_min: float
    skew_max: float
    n_min: float
    n_max: float
    nd_min: float
    nd_max: float
    recommend: str
    reason: str
    section: str
    verified: bool
    relied_on: str

    def matches(
        self,
        *,
        censored: bool,
        distribution: str,
        skew: dict[str, float | None],
        n: int,
        percent_nd: float,
    ) -> bool:
        if self.data != ("censored" if censored else "uncensored"):
            return False
        if distribution not in self.distributions:
            return False
        if self.skew != "none":
            value = skew.get(self.skew)
            if value is None or not self.skew_min <= value < self.skew_max:
                return False
        if not self.n_min <= n < self.n_max:
            return False
        return not censored or self.nd_min < percent_nd <= self.nd_max


def _rule(row: dict[str, Any]) -> Rule:
    missing = {
        "id",
        "data",
        "distribution",
        "skew",
        "recommend",
        "reason",
        "section",
        "verified",
        "relied_on",
    } - set(row)
    if missing:
        raise ValueError(f"decision-table row {row.get('id', '?')} lacks {sorted(missing)}")
    if row["skew"] not in SKEW_MEASURES:
        raise ValueError(f"decision-table row {row['id']}: skew must be one of {SKEW_MEASURES}")
    return Rule(
        id=str(row["id"]),
        data=str(row["data"]),
        distributions=tuple(str(row["distribution"]).split("|")),
        skew=str(row["skew"]),
        skew_min=float(row.get("skew_min", 0.0)),
        skew_max=float(row.get("skew_max", 1e9)),
        n_min=float(row.get("n_min", 0)),
        n_max=float(row.get("n_max", 1e9)),
        nd_min=float(row.get("nd_min", 0.0)),
        nd_max=float(row.get("nd_max", 100.0)),
        recommend=str(row["recommend"]),
        reason=str(row["reason"]),
        section=str(row["section"]),
        verified=bool(row["verified"]),
        relied_on=str(row["relied_on"]),
    )


@functools.cache
def rules() -> tuple[Rule, ...]:
    """The shipped decision table, in file order."""
    text = resources.files("site_gis.reference").joinpath(TABLE).read_text(encoding="utf-8")
    return tuple(_rule(row) for row in tomllib.loads(text)["rule"])


def recommend(
    *,
    censored: bool,
    distribution: str,
    k_star: float | None,
    sd_log: float | None,
    n: int,
    percent_nd: float,
) -> Rule | None:
    """The first decision-table row matching a group, or None.

    Parameters
    ----------
    censored
        Whether the group has non-detects.
    distribution
        ``normal``, ``gamma``, ``lognormal`` or ``nonparametric`` (of the detects if censored).
    k_star, sd_log
        Bias-corrected gamma shape and SD of the natural logs (of the detects if censored).
    n, percent_nd
        Number of results and the percentage of non-detects.
    """
    skew = {"k_star": k_star, "sd_log": sd_log}
    for rule in rules():
        if rule.matches(
            censored=censored, distribution=distribution, skew=skew, n=n, percent_nd=percent_nd
        ):
            return rule
    return None
