"""Resettlement estimates from surveyed structures and households, by the entitlement matrix.

Every loss is first a *claim*: one unit (a structure, its plot, its businesses
and workers, each household) of one loss type, of one affected category and
eligibility, priced by the matrix row that grants it (or by none: amount 0,
the reason stated).  Claims are personal: :func:`summarise` and
:func:`entitlement_lines` are the redaction points -- only their aggregates,
with groups of fewer than :data:`~site_gis.resettlement.privacy.MIN_GROUP`
structures suppressed, leave the library's callers.

Units (per structure):

* its structure: residential (use residential or mixed) to the owner-occupier,
  commercial (any other use) to the business owner, m² of floor area at the
  cut-off round (improvements after the cut-off are not compensated);
* its plot: m² (``plot_area_m2``; without it, the ground floor: floor area / storeys);
* businesses (income loss) and ``businesses × workers_per_business`` employees (wages);
* each household: shifting and rental by tenure (owner-occupier or tenant), and the
  vulnerable-household allowance where the household is vulnerable.

Eligibility: the structure's ``land_claim`` (formal rights, recognisable claim,
no recognisable rights; default the last, as for squatters on state land),
or ``after_cut_off`` for a structure first recorded after the cut-off and for a
household first enumerated after it; all their units fall to the
``post_cut_off_occupant`` category.

People = households × household size (Pakistan census 2023: 6.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from site_gis.crs import to_metric
from site_gis.resettlement.entitlements import LOSSES, OVERHEADS, EntitlementMatrix
from site_gis.resettlement.privacy import MIN_GROUP, suppress_small_groups
from site_gis.surfaces import EstimateRaster, zonal_statistics

HOUSEHOLD_SIZE = 6.3
"""Persons per household, Pakistan Census 2023 (241.499 M people / 38.34 M households)."""
COMPONENTS = LOSSES
"""Cost components: the loss types of the matrix, in RAP order."""
RESIDENTIAL_USES = frozenset({"residential", "mixed"})
"""Uses whose structure is a residential-structure loss (others are commercial)."""
VULNERABILITY = ("female_headed", "elderly_headed", "disabled_member", "below_poverty_line")
"""Household flags any one of which makes a household vulnerable (ADB SPS 2009 glossary)."""
HOUSEHOLD_CATEGORIES = ("owner_occupier", "tenant", "post_cut_off_occupant")
COUNTS = (
    "structures",
    "eligible_structures",
    "households",
    "people",
    *(f"households_{c}" for c in HOUSEHOLD_CATEGORIES),
    "vulnerable_households",
    "businesses",
    "workers",
)
MONEY = (*LOSSES, "subtotal", *OVERHEADS, "total")
_UNITS = {
    "residential_structure": "m2 floor area",
    "commercial_structure": "m2 floor area",
    "land_use": "m2 plot",
    "income_business": "business",
    "wages": "worker",
    "shifting": "household",
    "rental": "household",
    "vulnerable": "household",
}
REASONS = {
    "formal_rights": "formal legal rights to the land (ESS5 para 10(a))",
    "recognisable_claim": "a claim recognised or recognisable under national law (ESS5 para 10(b))",
    "no_recognisable_rights": "no recognisable legal right or claim to the land occupied "
    "(ESS5 para 10(c))",
    "after_cut_off": "first recorded after the cut-off",
}


@dataclass(frozen=True, slots=True)
class CutOff:
    """What the cut-off rests on: a survey round (with its date) or, without rounds, a date."""

    on: str
    """ISO date of the cut-off."""
    round_id: str | None = None
    method: str | None = None
    evidence: str | None = None

    def describe(self) -> str:
        """The basis in words, for each line's eligibility reason."""
        if self.round_id:
            return f"cut-off round {self.round_id} ({self.method}, {self.on})"
        return f"cut-off date {self.on} (no survey rounds: first-recorded dates)"


def claims(
    structures: pd.DataFrame,
    matrix: EntitlementMatrix,
    *,
    households: pd.DataFrame | None = None,
    after_cut_off: pd.Series | None = None,
    cut_off_floor_area: pd.Series | None = None,
    households_after_cut_off: pd.Series | None = None,
) -> pd.DataFrame:
    """Every unit of loss, priced by its row (personal: aggregate before publishing).

    Parameters
    ----------
    structures
        Rows of the structures layer (``structure_id``, ``type``, ``use``,
        ``floor_area_m2``, ``households``, ``businesses``, ``vulnerable_households``,
        ``surveyed_on``; optional ``land_claim``, ``plot_area_m2``, ``storeys``).
    matrix
        The entitlement matrix.
    households
        Rows of the households layer (``structure_id``, ``tenure`` and the
        :data:`VULNERABILITY` flags).  Without it each structure's ``households``
        are taken as owner-occupiers, ``vulnerable_households`` of them vulnerable
        (an assumption, stated in the output).
    after_cut_off, cut_off_floor_area
        Per structure (index of ``structures``): first recorded after the
        cut-off, and floor area (m²) at the cut-off round.  Default: ``surveyed_on``
        after the matrix's ``cut_off_date``, and today's floor area.
    households_after_cut_off
        Per household (index of ``households``): first enumerated after the cut-off.

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``structure`` (position in ``structures``), ``loss``,
        ``category``, ``eligibility``, ``row_id``, ``quantity``, ``per_unit``,
        ``amount`` (currency), ``households`` (households the claim is for).
    """
    n = len(structures)
    if after_cut_off is None:
        surveyed = pd.to_datetime(structures["surveyed_on"], format="%Y-%m-%d")
        late = (surveyed > pd.Timestamp(matrix.cut_off_date)).to_numpy(bool)
    else:
        late = after_cut_off.reindex(structures.index).fillna(False).to_numpy(bool)
    area = structures["floor_area_m2"].to_numpy(float)
    if cut_off_floor_area is not None:
        at_cut_off = cut_off_floor_area.reindex(structures.index).to_numpy(float)
        area = np.where(np.isnan(at_cut_off), area, np.minimum(area, at_cut_off))
    claim = (
        structures["land_claim"].fillna("no_recognisable_rights").to_numpy(object)
        if "land_claim" in structures
        else np.full(n, "no_recognisable_rights", object)
    )
    eligibility = np.where(late, "after_cut_off", claim).astype(object)
    residential = structures["use"].isin(RESIDENTIAL_USES).to_numpy(bool)
    owner = np.where(residential, "owner_occupier", "business_owner").astype(object)
    owner = np.where(late, "post_cut_off_occupant", owner).astype(object)
    types = structures["type"].to_numpy(object)
    storeys = structures["storeys"].to_numpy(float) if "storeys" in structures else np.ones(n)
    plot = area / np.maximum(storeys, 1)
    if "plot_area_m2" in structures:
        given = structures["plot_area_m2"].to_numpy(float)
        plot = np.where(np.isnan(given), plot, given)
    businesses = structures["businesses"].to_numpy(float)
    position = np.arange(n)
    pc = np.full(n, "post_cut_off_occupant", object)
    parts = [
        _units(position, np.where(residential, "residential_structure", "commercial_structure"),
               owner, eligibility, area, types),
        _units(position, "land_use", owner, eligibility, plot, types),
        _units(position, "income_business", np.where(late, pc, "business_owner"), eligibility,
               businesses, types),
        _units(position, "wages", np.where(late, pc, "employee"), eligibility,
               businesses * matrix.workers_per_business, types),
    ]  # fmt: skip
    held = _household_units(structures, households, late, households_after_cut_off)
    h_at, h_tenure, h_vulnerable, h_late = held
    h_eligibility = np.where(h_late, "after_cut_off", eligibility[h_at]).astype(object)
    h_category = np.where(h_late, "post_cut_off_occupant", h_tenure).astype(object)
    one = np.ones(len(h_at))
    for loss, quantity in (("shifting", one), ("rental", one), ("vulnerable", h_vulnerable)):
        parts.append(
            _units(h_at, loss, h_category, h_eligibility, quantity, types[h_at], households=one)
        )
    table = pd.concat(parts, ignore_index=True)
    table = table[table["quantity"] > 0].reset_index(drop=True)
    index = matrix.keyed()
    keys = list(zip(table["loss"], table["category"], table["eligibility"], strict=True))
    rows = [index.get(k) for k in keys]
    table["row_id"] = [r.id if r is not None else "" for r in rows]
    table["per_unit"] = [
        matrix.per_unit(r, t) if r is not None else 0.0
        for r, t in zip(rows, table["type"], strict=True)
    ]
    table["amount"] = table["quantity"] * table["per_unit"]
    return table.drop(columns="type")


def _units(
    structure: np.ndarray,
    loss: str | np.ndarray,
    category: str | np.ndarray,
    eligibility: np.ndarray,
    quantity: np.ndarray,
    types: np.ndarray,
    *,
    households: np.ndarray | None = None,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "structure": structure,
            "loss": loss,
            "category": category,
            "eligibility": eligibility,
            "quantity": np.asarray(quantity, float),
            "type": types,
            "households": 0.0 if households is None else households,
        }
    )


def _household_units(
    structures: pd.DataFrame,
    households: pd.DataFrame | None,
    late: np.ndarray,
    households_after_cut_off: pd.Series | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per household: structure position, tenure, vulnerable (0/1), after the cut-off."""
    if households is None:
        counts = structures["households"].fillna(0).to_numpy(int)
        at = np.repeat(np.arange(len(structures)), counts)
        vulnerable_count = structures["vulnerable_households"].fillna(0).to_numpy(int)
        rank = np.arange(len(at)) - np.repeat(np.cumsum(counts) - counts, counts)
        vulnerable = (rank < vulnerable_count[at]).astype(float)
        return at, np.full(len(at), "owner_occupier", object), vulnerable, late[at]
    positions = pd.Series(np.arange(len(structures)), index=structures["structure_id"].to_numpy())
    at_series = households["structure_id"].map(positions)
    keep = at_series.notna().to_numpy(bool)
    chosen = households[keep]
    at = at_series[keep].to_numpy(int)
    flags = [c for c in VULNERABILITY if c in chosen]
    vulnerable = (
        chosen[flags].fillna(False).astype(bool).any(axis=1).to_numpy(float)
        if flags
        else np.zeros(len(chosen))
    )
    own_late = (
        households_after_cut_off.reindex(chosen.index).fillna(False).to_numpy(bool)
        if households_after_cut_off is not None
        else np.zeros(len(chosen), bool)
    )
    tenure = chosen["tenure"].fillna("owner_occupier").to_numpy(object)
    return at, tenure, vulnerable, late[at] | own_late


def cost_structures(
    structures: pd.DataFrame,
    matrix: EntitlementMatrix,
    *,
    household_size: float = HOUSEHOLD_SIZE,
    claimed: pd.DataFrame | None = None,
    **basis: object,
) -> pd.DataFrame:
    """Counts and amounts of every structure, by loss type (personal: summarise first).

    ``claimed`` is the output of :func:`claims` when already computed; otherwise
    ``basis`` (``households``, ``after_cut_off``, ...) is passed to it.
    """
    table = claimed if claimed is not None else claims(structures, matrix, **basis)  # type: ignore[arg-type]
    n = len(structures)
    money = np.zeros((n, len(LOSSES)))
    by = table.groupby(["structure", "loss"])["amount"].sum()
    for j, loss in enumerate(LOSSES):
        part = by.xs(loss, level="loss") if loss in by.index.get_level_values("loss") else None
        if part is not None:
            money[part.index.to_numpy(int), j] = part.to_numpy()
    out = pd.DataFrame(money, columns=list(LOSSES), index=structures.index)
    out["subtotal"] = money.sum(axis=1)
    for name in OVERHEADS:
        out[name] = out["subtotal"] * matrix.rates[name].rate / 100
    out["total"] = out["subtotal"] + out[list(OVERHEADS)].sum(axis=1)
    counts = pd.DataFrame(0.0, index=structures.index, columns=list(COUNTS))
    counts["structures"] = 1.0
    structural = table[table["loss"].isin(("residential_structure", "commercial_structure"))]
    eligible = np.zeros(n)
    eligible[structural.loc[structural["eligibility"] != "after_cut_off", "structure"]] = 1
    counts["eligible_structures"] = eligible
    shifting = table[table["loss"] == "shifting"]
    for category in HOUSEHOLD_CATEGORIES:
        mine = shifting[shifting["category"] == category]
        counts[f"households_{category}"] = np.bincount(mine["structure"], minlength=n)
    counts["households"] = np.bincount(shifting["structure"], minlength=n).astype(float)
    counts["people"] = counts["households"] * household_size
    vulnerable = table[table["loss"] == "vulnerable"]
    counts["vulnerable_households"] = np.bincount(vulnerable["structure"], minlength=n)
    for loss, column in (("income_business", "businesses"), ("wages", "workers")):
        units = table[table["loss"] == loss]
        counts[column] = np.bincount(units["structure"], weights=units["quantity"], minlength=n)
    return pd.concat([counts, out], axis=1)


def summarise(
    costs: pd.DataFrame,
    keys: pd.Series | None = None,
    *,
    name: str = "group",
    minimum: int = MIN_GROUP,
) -> pd.DataFrame:
    """Aggregate per-structure costs by ``keys`` (or in one row), rounded to the currency unit.

    This is a redaction point: its rows are aggregates, never single structures, and
    groups of fewer than ``minimum`` structures are suppressed (see
    :mod:`site_gis.resettlement.privacy`).
    """
    columns = [c for c in (*COUNTS, *MONEY) if c in costs]
    extra = [c for c in costs.columns if c.startswith("relocation_") or c.startswith("total_")]
    columns += [c for c in extra if c not in columns]
    if keys is None:
        table = costs[columns].sum().to_frame().T
    else:
        table = costs[columns].groupby(keys.rename(name), dropna=False).sum().reset_index()
    money = [c for c in columns if c in MONEY or c in extra]
    table[money] = table[money].round(0)
    table["people"] = table["people"].round(1)
    hidden = [c for c in columns if c != "structures"]
    return suppress_small_groups(table, count="structures", columns=hidden, minimum=minimum)


def entitlement_lines(
    claimed: pd.DataFrame,
    matrix: EntitlementMatrix,
    cut_off: CutOff,
    keys: pd.Series | None = None,
    *,
    name: str = "group",
    minimum: int = MIN_GROUP,
) -> pd.DataFrame:
    """The entitlement table of a RAP: one line per group × loss × category × eligibility.

    Each line names its matrix row (``row_id``, ``policy``; empty where no row
    grants it), the reason for its eligibility, the structures, households and
    quantity it covers, the amount per unit and the amount.  Lines over fewer
    than ``minimum`` structures are suppressed (a redaction point).

    ``keys`` is indexed by structure position (as ``claimed["structure"]``).
    """
    table = claimed.copy()
    table[name] = "selection" if keys is None else keys.to_numpy()[table["structure"]]
    grouped = table.groupby([name, "loss", "category", "eligibility", "row_id"], dropna=False)
    lines = grouped.agg(
        structures=("structure", "nunique"),
        households=("households", "sum"),
        quantity=("quantity", "sum"),
        amount=("amount", "sum"),
    ).reset_index()
    rows = {r.id: r for r in matrix.rows}
    lines["unit"] = lines["loss"].map(_UNITS)
    lines["rate"] = lines["row_id"].map(lambda r: rows[r].rate if r in rows else "")
    lines["multiplier"] = lines["row_id"].map(lambda r: rows[r].multiplier if r in rows else 0.0)
    lines["policy"] = lines["row_id"].map(
        lambda r: rows[r].policy if r in rows else "no row of the matrix grants it"
    )
    lines["policy_verified"] = lines["row_id"].map(
        lambda r: rows[r].policy_verified if r in rows else False
    )
    basis = cut_off.describe()
    lines["reason"] = [
        f"{REASONS[e]}: {basis}" if e == "after_cut_off" else f"{REASONS[e]}; present at {basis}"
        for e in lines["eligibility"]
    ]
    lines["entitled"] = lines["amount"] > 0
    order = {loss: i for i, loss in enumerate(LOSSES)}
    lines = lines.sort_values(
        [name, "loss", "category", "eligibility"],
        key=lambda s: s.map(order) if s.name == "loss" else s,
        kind="stable",
    ).reset_index(drop=True)
    lines["amount"] = lines["amount"].round(0)
    lines["quantity"] = lines["quantity"].round(1)
    return suppress_small_groups(
        lines, count="structures", columns=["households", "quantity", "amount"], minimum=minimum
    )


def place_structures(
    structures: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame
) -> pd.DataFrame:
    """The parcel and EIA zone of each structure (by a point inside its footprint)."""
    points = shapely.point_on_surface(structures.geometry.to_numpy())
    out = pd.DataFrame({"parcel_id": None, "zone_id": None}, index=structures.index, dtype=object)
    tree = shapely.STRtree(parcels.geometry.to_numpy())
    hit_point, hit_parcel = tree.query(points, predicate="within")
    out.iloc[hit_point, 0] = parcels["parcel_id"].to_numpy()[hit_parcel]
    for zone_id, zone in zip(zones["zone_id"], zones.geometry, strict=True):
        inside = shapely.contains(zone, points)
        out.loc[inside, "zone_id"] = zone_id
    return out


def phase_encroachments(ranked: pd.DataFrame, phases: int) -> pd.Series:
    """Phase numbers (1 = first) splitting ranked encroachments into groups of about
    equal households, in rank order."""
    if phases < 1:
        raise ValueError("phases must be at least 1")
    households = ranked["households"].fillna(0).to_numpy(float)
    total = households.sum()
    if total == 0:
        return pd.Series(np.ones(len(ranked), int), index=ranked.index)
    before = np.cumsum(households) - households
    return pd.Series(
        np.minimum((before / total * phases).astype(int) + 1, phases), index=ranked.index
    )


def rank_encroachments(
    encroachments: gpd.GeoDataFrame,
    households: pd.Series,
    *,
    crs: object,
    hotspots: gpd.GeoDataFrame | None = None,
    estimate: EstimateRaster | None = None,
    cleanup_level: float | None = None,
    phases: int = 3,
) -> pd.DataFrame:
    """Priority of each encroachment by contamination exposure, and its phase.

    On a hotspot first, then by the highest exceedance ratio under it, then by
    distance to the nearest hotspot; without hotspots, by households.
    """
    metric = to_metric(encroachments, crs)
    table = pd.DataFrame(
        {"encroachment_id": metric["encroachment_id"].to_numpy(), "kind": metric["kind"].to_numpy()}
    )
    table["households"] = households.reindex(table["encroachment_id"]).fillna(0).to_numpy()
    table["distance_to_hotspot_m"] = np.nan
    table["max_exceedance_ratio"] = np.nan
    if hotspots is not None and not hotspots.empty:
        spots = shapely.union_all(to_metric(hotspots, crs).geometry.to_numpy())
        table["distance_to_hotspot_m"] = shapely.distance(metric.geometry.to_numpy(), spots)
    if estimate is not None and cleanup_level:
        stats = zonal_statistics(
            estimate.values,
            estimate.transform,
            list(metric.geometry.to_numpy()),
            nodata=estimate.nodata,
        )
        table["max_exceedance_ratio"] = stats["max"].to_numpy() / cleanup_level
    table["on_hotspot"] = table["distance_to_hotspot_m"] == 0
    ranked = table.sort_values(
        ["on_hotspot", "max_exceedance_ratio", "distance_to_hotspot_m", "households"],
        ascending=[False, False, True, False],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    ranked.insert(0, "priority", np.arange(1, len(ranked) + 1))
    ranked["phase"] = phase_encroachments(ranked, phases).to_numpy()
    return ranked


def group_keys(
    structures: gpd.GeoDataFrame, placed: pd.DataFrame, phase_of: pd.Series
) -> dict[str, pd.Series]:
    """The grouping of each structure per reporting level (index of ``structures``)."""
    return {
        "encroachment_id": structures["encroachment_id"],
        "parcel_id": placed["parcel_id"].fillna("(no parcel)"),
        "zone_id": placed["zone_id"].fillna("(outside zones)"),
        "phase": structures["encroachment_id"].map(phase_of),
    }


LEVELS: Sequence[str] = ("selection", "encroachment", "parcel", "zone", "phase")
"""Levels at which the entitlement lines can be reported."""
