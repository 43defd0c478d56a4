"""The resettlement report: entitlements per encroachment, parcel, zone and phase, two scenarios.

Aggregates only: per-structure claims never leave this module.  Every table's
groups over fewer than :data:`~site_gis.resettlement.privacy.MIN_GROUP`
structures are suppressed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import geopandas as gpd
import pandas as pd

from site_gis.resettlement.costs import (
    HOUSEHOLD_SIZE,
    CutOff,
    claims,
    cost_structures,
    entitlement_lines,
    group_keys,
    place_structures,
    rank_encroachments,
    summarise,
)
from site_gis.resettlement.entitlements import EntitlementMatrix
from site_gis.resettlement.relocation import (
    RelocationSite,
    load_relocation_site,
    relocation_costs,
    scenarios,
)
from site_gis.resettlement.rounds import cut_off_basis, households_after_cut_off, structure_status
from site_gis.surfaces import EstimateRaster

if TYPE_CHECKING:
    from site_gis.store import Store

LINE_LEVELS = {
    "selection": None,
    "encroachment": "encroachment_id",
    "parcel": "parcel_id",
    "zone": "zone_id",
    "phase": "phase",
}
"""Levels of the entitlement lines, and the grouping each uses."""


def estimate_resettlement(
    structures: gpd.GeoDataFrame,
    encroachments: gpd.GeoDataFrame,
    parcels: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    matrix: EntitlementMatrix,
    *,
    crs: object,
    household_size: float = HOUSEHOLD_SIZE,
    phases: int = 3,
    hotspots: gpd.GeoDataFrame | None = None,
    estimate: EstimateRaster | None = None,
    cleanup_level: float | None = None,
    households: pd.DataFrame | None = None,
    rounds: pd.DataFrame | None = None,
    observations: pd.DataFrame | None = None,
    relocation: RelocationSite | None = None,
    lines_by: str = "selection",
) -> dict[str, pd.DataFrame]:
    """Resettlement entitlements of ``structures`` (already selected), in aggregates only.

    Parameters
    ----------
    structures, encroachments, parcels, zones
        Layers in EPSG:4326; ``crs`` is the site's metric CRS (for distances).
    matrix
        The entitlement matrix (its ``cut_off_round`` is looked up in ``rounds``).
    households, rounds, observations
        The ``households``, ``survey_rounds`` and ``structure_observations`` layers,
        when the store has them (see :func:`~site_gis.resettlement.costs.claims`
        for what is assumed without them).
    relocation
        Relocation-site rates (default: the shipped ones).
    lines_by
        Level of the entitlement lines: selection, encroachment, parcel, zone or phase.

    Returns
    -------
    dict
        ``totals`` (one row), ``by_encroachment`` (with priority and phase),
        ``by_parcel``, ``by_zone``, ``by_phase``: structures, households by
        category, people, businesses, workers, amounts by loss type, subtotal,
        contingency, administration, ``total`` (cash only), the relocation-site
        costs and ``total_relocation_site``; ``lines``: the entitlement lines at
        ``lines_by`` with their matrix row, policy and eligibility reason;
        ``scenarios``: cash only and relocation site side by side.
    """
    site = relocation or load_relocation_site()
    cut_off = cut_off_basis(matrix, rounds)
    status = structure_status(structures, observations, rounds, cut_off)
    late_households = (
        households_after_cut_off(households, rounds, cut_off) if households is not None else None
    )
    claimed = claims(
        structures,
        matrix,
        households=households,
        after_cut_off=status["after_cut_off"],
        cut_off_floor_area=status["cut_off_floor_area_m2"],
        households_after_cut_off=late_households,
    )
    costs = cost_structures(structures, matrix, household_size=household_size, claimed=claimed)
    extra = relocation_costs(claimed, len(structures), site, matrix)
    extra.index = costs.index
    costs = pd.concat([costs, extra], axis=1)
    placed = place_structures(structures, parcels, zones)
    by_encroachment = summarise(costs, structures["encroachment_id"], name="encroachment_id")
    ranked = rank_encroachments(
        encroachments[encroachments["encroachment_id"].isin(structures["encroachment_id"])],
        by_encroachment.set_index("encroachment_id")["households"],
        crs=crs,
        hotspots=hotspots,
        estimate=estimate,
        cleanup_level=cleanup_level,
        phases=phases,
    )
    by_encroachment = ranked.drop(columns=["households"]).merge(
        by_encroachment, on="encroachment_id", how="left"
    )
    keys = group_keys(structures, placed, by_encroachment.set_index("encroachment_id")["phase"])
    if lines_by not in LINE_LEVELS:
        raise ValueError(f"lines_by must be one of {', '.join(LINE_LEVELS)}")
    level = LINE_LEVELS[lines_by]
    lines = entitlement_lines(
        claimed,
        matrix,
        cut_off,
        None if level is None else keys[level].reset_index(drop=True),
        name=level or "group",
    )
    totals = summarise(costs)
    return {
        "totals": totals,
        "by_encroachment": by_encroachment,
        "by_parcel": summarise(costs, keys["parcel_id"], name="parcel_id"),
        "by_zone": summarise(costs, keys["zone_id"], name="zone_id"),
        "by_phase": summarise(costs, keys["phase"], name="phase"),
        "lines": lines,
        "scenarios": scenarios(totals.iloc[0], site),
    }


def report_basis(
    matrix: EntitlementMatrix,
    rounds: pd.DataFrame | None,
    households: pd.DataFrame | None,
    structures: pd.DataFrame | None = None,
) -> dict[str, object]:
    """What the estimate rests on, in words: the cut-off and the assumptions made.

    With ``structures``, also how many of them count more households than the
    households layer holds for them (those missing are not in the estimate).
    """
    cut_off: CutOff = cut_off_basis(matrix, rounds)
    assumptions = []
    if households is None:
        assumptions.append(
            "no households layer: every household taken as an owner-occupier, "
            "vulnerable_households of them vulnerable"
        )
    elif structures is not None and len(structures):
        listed = households["structure_id"].value_counts()
        held = structures["structure_id"].map(listed).fillna(0).to_numpy()
        short = int((structures["households"].fillna(0).to_numpy() > held).sum())
        if short:
            assumptions.append(
                f"{short} structure(s) count more households than the households layer "
                "holds for them; only the enumerated households are in the estimate"
            )
    if rounds is None or rounds.empty:
        assumptions.append("no survey rounds: the cut-off is the date of the matrix")
    return {
        "cut_off": cut_off.describe(),
        "cut_off_on": cut_off.on,
        "cut_off_round": cut_off.round_id,
        "cut_off_evidence": cut_off.evidence,
        "assumptions": assumptions,
    }


class SurveyInputs(TypedDict):
    """The survey layers :func:`estimate_resettlement` takes."""

    households: pd.DataFrame
    rounds: pd.DataFrame
    observations: pd.DataFrame


def survey_inputs(store: Store) -> SurveyInputs:
    """The ``households``, ``rounds`` and ``observations`` arguments of
    :func:`estimate_resettlement`, read from ``store``."""
    return {
        "households": store.read("households"),
        "rounds": store.read("survey_rounds"),
        "observations": store.read("structure_observations"),
    }
