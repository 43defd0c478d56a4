"""Survey rounds: the cut-off as a round, structures' status at it, and changes between rounds.

A round (layer ``survey_rounds``) has a date, a method (census, drone imagery,
field verification) and an evidence reference; the observations (layer
``structure_observations``) say, per round and structure, whether it stood,
its floor area and its use.  The matrix names the cut-off round.  Rounds are
taken to cover every encroachment: a structure with no observation in a round
was not there.

Changes from round A to round B, per structure:

* ``new``: present in B, not in A; ``removed``: present in A, not in B;
* ``extended``: present in both, floor area in B more than :data:`EXTENDED_BY`
  above A; ``change_of_use``: present in both, another use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from site_gis.errors import InvalidRequestError
from site_gis.resettlement.costs import CutOff
from site_gis.resettlement.entitlements import EntitlementMatrix
from site_gis.resettlement.privacy import MIN_GROUP, suppress_small_groups

ROUND_METHODS = ("census", "drone_imagery", "field_verification")
"""How a round was surveyed."""
EXTENDED_BY = 0.05
"""Relative floor-area growth above which a structure counts as extended (5 %)."""
CHANGES = ("new", "removed", "extended", "change_of_use")


def cut_off_basis(matrix: EntitlementMatrix, rounds: pd.DataFrame | None) -> CutOff:
    """The cut-off: the matrix's cut-off round when the store has rounds, else its date.

    Raises
    ------
    InvalidRequestError
        When the store has rounds and the cut-off round is not one of them.
    """
    if rounds is None or rounds.empty or not matrix.cut_off_round:
        return CutOff(on=matrix.cut_off_date.isoformat())
    match = rounds[rounds["round_id"] == matrix.cut_off_round]
    if match.empty:
        raise InvalidRequestError(
            f"cut_off_round {matrix.cut_off_round!r} is not a survey round; "
            f"rounds: {', '.join(rounds['round_id'].astype(str))}"
        )
    row = match.iloc[0]
    return CutOff(
        on=str(row["surveyed_on"]),
        round_id=str(row["round_id"]),
        method=str(row["method"]),
        evidence=str(row["evidence"]),
    )


def structure_status(
    structures: pd.DataFrame,
    observations: pd.DataFrame | None,
    rounds: pd.DataFrame | None,
    cut_off: CutOff,
) -> pd.DataFrame:
    """Per structure (index of ``structures``): first round and date seen, after the cut-off,
    floor area (m²) at the cut-off round.

    A structure never observed falls back to its ``surveyed_on`` (first-recorded) date.
    """
    out = pd.DataFrame(index=structures.index)
    recorded = structures["surveyed_on"].astype(str)
    out["first_round"] = None
    out["first_seen_on"] = recorded.to_numpy()
    out["cut_off_floor_area_m2"] = np.nan
    if observations is not None and not observations.empty and rounds is not None:
        seen = _present(observations, rounds)
        first = seen.sort_values(["surveyed_on", "round_id"]).drop_duplicates("structure_id")
        by_id = first.set_index("structure_id")
        ids = structures["structure_id"]
        out["first_round"] = ids.map(by_id["round_id"]).to_numpy(object)
        first_on = ids.map(by_id["surveyed_on"])
        out["first_seen_on"] = first_on.fillna(recorded).to_numpy()
        before = seen[seen["surveyed_on"] <= cut_off.on]
        last = before.sort_values(["surveyed_on", "round_id"]).drop_duplicates(
            "structure_id", keep="last"
        )
        out["cut_off_floor_area_m2"] = (
            ids.map(last.set_index("structure_id")["floor_area_m2"]).astype(float).to_numpy()
        )
    out["after_cut_off"] = (out["first_seen_on"] > cut_off.on).to_numpy(bool)
    return out


def households_after_cut_off(
    households: pd.DataFrame, rounds: pd.DataFrame | None, cut_off: CutOff
) -> pd.Series:
    """Whether each household was first enumerated in a round after the cut-off."""
    if rounds is None or rounds.empty or "enumerated_round" not in households:
        return pd.Series(False, index=households.index)
    dates = rounds.set_index("round_id")["surveyed_on"].astype(str)
    on = households["enumerated_round"].map(dates)
    return (on > cut_off.on).fillna(False).astype(bool)


def _present(observations: pd.DataFrame, rounds: pd.DataFrame) -> pd.DataFrame:
    dates = rounds.set_index("round_id")["surveyed_on"].astype(str)
    seen = observations[observations["present"].astype(bool)].copy()
    seen["surveyed_on"] = seen["round_id"].map(dates)
    return seen


def round_changes(
    observations: pd.DataFrame,
    rounds: pd.DataFrame,
    first: str,
    second: str,
    *,
    structures: pd.DataFrame,
    parcel_of: pd.Series,
    cut_off: CutOff,
    minimum: int = MIN_GROUP,
) -> dict[str, pd.DataFrame]:
    """What changed from round ``first`` to round ``second``.

    Parameters
    ----------
    observations, rounds
        The ``structure_observations`` and ``survey_rounds`` layers.
    first, second
        Round ids; ``first`` must be dated before ``second``.
    structures
        The structures layer (``structure_id``, ``encroachment_id``, ``households``,
        ``surveyed_on``).
    parcel_of
        The parcel of each structure, indexed by ``structure_id``.
    cut_off
        The cut-off, to flag structures first seen after it.

    Returns
    -------
    dict
        ``structures``: one row per changed structure and change (no household
        field); ``by_encroachment`` and ``by_parcel``: counts of each change,
        structures first seen after the cut-off, and the households in new
        structures (suppressed where fewer than ``minimum`` new structures).
    """
    dates = rounds.set_index("round_id")["surveyed_on"].astype(str)
    for field, round_id in (("from", first), ("to", second)):
        if round_id not in dates.index:
            raise InvalidRequestError(
                f"{field}: no survey round {round_id!r}; rounds: {', '.join(dates.index)}"
            )
    if dates[first] >= dates[second]:
        raise InvalidRequestError(
            f"from round {first} ({dates[first]}) must be before to round {second} "
            f"({dates[second]})"
        )
    columns = ["structure_id", "floor_area_m2", "use"]
    a = observations[(observations["round_id"] == first) & observations["present"].astype(bool)]
    b = observations[(observations["round_id"] == second) & observations["present"].astype(bool)]
    both = a[columns].merge(b[columns], on="structure_id", how="outer", suffixes=("_from", "_to"))
    in_a = both["structure_id"].isin(a["structure_id"]).to_numpy(bool)
    in_b = both["structure_id"].isin(b["structure_id"]).to_numpy(bool)
    grew = both["floor_area_m2_to"].to_numpy(float) > both["floor_area_m2_from"].to_numpy(float) * (
        1 + EXTENDED_BY
    )
    flags = {
        "new": ~in_a & in_b,
        "removed": in_a & ~in_b,
        "extended": in_a & in_b & grew,
        "change_of_use": in_a
        & in_b
        & (both["use_from"].astype(str) != both["use_to"].astype(str)).to_numpy(bool),
    }
    info = structures.set_index("structure_id")
    seen = _present(observations, rounds)
    first_seen = seen.groupby("structure_id")["surveyed_on"].min()
    rows = []
    for change, mask in flags.items():
        part = both[mask].copy()
        part.insert(1, "change", change)
        rows.append(part)
    changed = pd.concat(rows, ignore_index=True)
    changed.insert(1, "encroachment_id", changed["structure_id"].map(info["encroachment_id"]))
    changed.insert(2, "parcel_id", changed["structure_id"].map(parcel_of).fillna("(no parcel)"))
    changed["first_seen_on"] = changed["structure_id"].map(first_seen)
    seen_on = changed["first_seen_on"].astype(object).where(changed["first_seen_on"].notna(), "")
    changed["after_cut_off"] = (seen_on.astype(str) > cut_off.on).to_numpy(bool)
    changed = changed.sort_values(["encroachment_id", "structure_id", "change"], kind="stable")
    changed = changed.reset_index(drop=True)
    households = changed["structure_id"].map(info["households"]).fillna(0).astype(float)
    summaries = {
        f"by_{level}": _summary(changed, households, level, minimum)
        for level in ("encroachment", "parcel")
    }
    return {"structures": changed, **summaries}


def _summary(
    changed: pd.DataFrame, households: pd.Series, level: str, minimum: int
) -> pd.DataFrame:
    key = f"{level}_id"
    counts = pd.crosstab(changed[key], changed["change"]).reindex(
        columns=list(CHANGES), fill_value=0
    )
    new = changed["change"] == "new"
    counts["new_after_cut_off"] = (
        changed[new & changed["after_cut_off"]].groupby(key).size().reindex(counts.index)
    ).fillna(0)
    counts["households_in_new"] = (
        households[new].groupby(changed.loc[new, key]).sum().reindex(counts.index).fillna(0)
    )
    table = counts.reset_index()
    table.columns.name = None
    table = suppress_small_groups(
        table, count="new", columns=["households_in_new"], minimum=minimum
    )
    return table.rename(columns={"suppressed": "households_suppressed"})
