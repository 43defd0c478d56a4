"""Groundwater flow per round: hydraulic gradient and flow direction from heads.

Two estimates, both in the site's metric CRS (metres):

* a **planar least-squares fit** ``h = a + b x + c y`` over every well measured
  in the round, with its R² and each well's residual (m);
* the **three-point method** on each triangle of a Delaunay triangulation of
  the wells (the plane through three heads), skipping slivers whose smallest
  angle is under ``min_angle_deg``; the network figure is their median
  gradient and circular-mean azimuth.

The hydraulic gradient is ``|grad h|`` (m/m, dimensionless); flow runs down
the gradient, ``-grad h``, and its azimuth is in compass degrees (0 = north,
90 = east), the convention of
:class:`site_gis.surfaces.ReceptorParams` ``flow_azimuth_deg``.  A round is a
calendar quarter (``2026-Q3``): the wells of one round are measured within a
few weeks.  A planar water table is an assumption: a poor R² says it does not
hold (mounding, pumping, tides).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import Delaunay

from site_gis.crs import to_metric
from site_gis.errors import InsufficientDataError, InvalidRequestError
from site_gis.store import Store

MIN_WELLS = 3


def round_of(dates: pd.Series) -> pd.Series:
    """The calendar quarter of each ISO date, e.g. ``2026-Q3``."""
    when = pd.to_datetime(dates)
    return when.dt.year.astype(str) + "-Q" + ((when.dt.month - 1) // 3 + 1).astype(str)


def azimuth_of(dx: float, dy: float) -> float:
    """Compass azimuth (degrees, 0 = north, clockwise) of the vector (east dx, north dy)."""
    return float(math.degrees(math.atan2(dx, dy)) % 360.0)


def fit_plane(x: np.ndarray, y: np.ndarray, head: np.ndarray) -> dict[str, Any]:
    """Least-squares plane through heads (m) at points (x, y) (m).

    Returns the gradient (m/m), flow azimuth (degrees), the plane's coefficients
    ``dh_dx`` and ``dh_dy``, R² and the residuals (observed - fitted, m).

    Raises
    ------
    InsufficientDataError
        With fewer than three wells or wells on one line.
    """
    x, y, head = (np.asarray(a, dtype=float) for a in (x, y, head))
    if len(x) < MIN_WELLS:
        raise InsufficientDataError(f"a plane needs heads at 3 wells or more, not {len(x)}")
    x0, y0 = x.mean(), y.mean()  # centred: better conditioned in UTM metres
    design = np.c_[np.ones_like(x), x - x0, y - y0]
    if np.linalg.matrix_rank(design) < 3:
        raise InsufficientDataError("the wells lie on one line: no plane fits their heads")
    coef, *_ = np.linalg.lstsq(design, head, rcond=None)
    fitted = design @ coef
    residuals = head - fitted
    total = float(((head - head.mean()) ** 2).sum())
    r2 = 1.0 - float((residuals**2).sum()) / total if total > 0 else float("nan")
    b, c = float(coef[1]), float(coef[2])
    return {
        "gradient": math.hypot(b, c),
        "azimuth_deg": azimuth_of(-b, -c),
        "dh_dx": b,
        "dh_dy": c,
        "r2": r2,
        "rmse_m": float(np.sqrt((residuals**2).mean())),
        "residuals_m": residuals,
        "wells": len(x),
    }


def triangle_gradients(
    x: np.ndarray, y: np.ndarray, head: np.ndarray, *, min_angle_deg: float = 15.0
) -> pd.DataFrame:
    """The three-point gradient and flow azimuth of each well triangle (Delaunay).

    Columns: ``a``, ``b``, ``c`` (indices of the wells), ``gradient``,
    ``azimuth_deg``, ``area_m2``, ``min_angle_deg``; slivers are left out.
    """
    pts = np.c_[np.asarray(x, dtype=float), np.asarray(y, dtype=float)]
    head = np.asarray(head, dtype=float)
    if len(pts) < MIN_WELLS:
        return pd.DataFrame(
            columns=["a", "b", "c", "gradient", "azimuth_deg", "area_m2", "min_angle_deg"]
        )
    centre = pts.mean(axis=0)
    triangles = Delaunay(pts - centre).simplices
    rows = []
    for tri in triangles:
        p = pts[tri] - centre
        angle = _smallest_angle(p)
        if angle < min_angle_deg:
            continue
        design = np.c_[np.ones(3), p]
        b, c = np.linalg.solve(design, head[tri])[1:]
        u, v = p[1] - p[0], p[2] - p[0]
        area = abs(u[0] * v[1] - u[1] * v[0]) / 2
        rows.append(
            {
                "a": int(tri[0]),
                "b": int(tri[1]),
                "c": int(tri[2]),
                "gradient": math.hypot(b, c),
                "azimuth_deg": azimuth_of(-b, -c),
                "area_m2": float(area),
                "min_angle_deg": angle,
            }
        )
    return pd.DataFrame(
        rows, columns=["a", "b", "c", "gradient", "azimuth_deg", "area_m2", "min_angle_deg"]
    )


def _smallest_angle(p: np.ndarray) -> float:
    angles = []
    for k in range(3):
        u, v = p[(k + 1) % 3] - p[k], p[(k + 2) % 3] - p[k]
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
        angles.append(math.degrees(math.acos(max(-1.0, min(1.0, cos)))))
    return min(angles)


def circular_mean_deg(azimuths: np.ndarray) -> float:
    """The mean direction of compass azimuths (degrees)."""
    a = np.deg2rad(np.asarray(azimuths, dtype=float))
    return azimuth_of(float(np.sin(a).sum()), float(np.cos(a).sum()))


def heads_with_positions(store: Store) -> pd.DataFrame:
    """Every head with its well's x and y in the site's metric CRS and its round."""
    heads = store.read("groundwater_heads")
    if not len(heads):
        raise InsufficientDataError("the store holds no groundwater heads")
    wells = store.read(
        "sample_locations", where={"location_id": sorted(heads["location_id"].unique())}
    )
    metric: gpd.GeoDataFrame = to_metric(wells, store.site().crs)
    xy = pd.DataFrame(
        {"location_id": metric["location_id"], "x": metric.geometry.x, "y": metric.geometry.y}
    )
    out = pd.DataFrame(heads).merge(xy, on="location_id", how="inner", validate="many_to_one")
    return out.assign(round=round_of(out["measured_on"])).sort_values(
        ["round", "location_id"], kind="stable"
    )


def flow_by_round(heads: pd.DataFrame, *, min_angle_deg: float = 15.0) -> list[dict[str, Any]]:
    """Plane fit and triangle estimates for every round of ``heads``.

    ``heads`` has ``round``, ``location_id``, ``head_m``, ``x`` and ``y`` (metric
    CRS, m); a well measured twice in a round enters with its mean head.
    """
    out = []
    for name, group in heads.groupby("round", sort=True):
        per_well = group.groupby("location_id", sort=True).agg(
            head_m=("head_m", "mean"), x=("x", "first"), y=("y", "first")
        )
        entry: dict[str, Any] = {"round": str(name), "wells": len(per_well)}
        px = per_well["x"].to_numpy(dtype=float)
        py = per_well["y"].to_numpy(dtype=float)
        ph = per_well["head_m"].to_numpy(dtype=float)
        try:
            plane = fit_plane(px, py, ph)
        except InsufficientDataError as exc:
            entry["plane"] = None
            entry["note"] = str(exc)
            out.append(entry)
            continue
        residuals = plane.pop("residuals_m")
        plane["residuals_m"] = dict(
            zip(per_well.index, np.round(residuals, 4).tolist(), strict=True)
        )
        entry["plane"] = plane
        tri = triangle_gradients(px, py, ph, min_angle_deg=min_angle_deg)
        ids = per_well.index.to_numpy()
        entry["triangles"] = {
            "count": len(tri),
            "median_gradient": float(tri["gradient"].median()) if len(tri) else None,
            "mean_azimuth_deg": circular_mean_deg(tri["azimuth_deg"].to_numpy())
            if len(tri)
            else None,
            "each": [
                {
                    "wells": [str(ids[int(r[k])]) for k in ("a", "b", "c")],
                    "gradient": float(r["gradient"]),
                    "azimuth_deg": float(r["azimuth_deg"]),
                    "area_m2": float(r["area_m2"]),
                }
                for r in tri.to_dict("records")
            ],
        }
        out.append(entry)
    return out


def flow_direction(store: Store, *, round_id: str | None = None) -> tuple[float, float, str]:
    """``(azimuth_deg, gradient, basis)`` of groundwater flow from the store's heads.

    The planar least-squares fit of the latest round (or ``round_id``), for
    :class:`site_gis.surfaces.ReceptorParams` ``flow_azimuth_deg``; ``basis``
    says which wells, round and fit it comes from, and whether heads are
    synthetic.
    """
    heads = heads_with_positions(store)
    rounds = sorted(heads["round"].unique())
    if not rounds:
        raise InsufficientDataError("the store holds no groundwater heads")
    chosen = round_id or rounds[-1]
    if chosen not in rounds:
        raise InvalidRequestError(f"no heads in round {chosen!r}; rounds: {', '.join(rounds)}")
    (entry,) = flow_by_round(heads[heads["round"] == chosen])
    plane = entry["plane"]
    if plane is None:
        raise InsufficientDataError(f"round {chosen}: {entry['note']}")
    synthetic = bool(heads["synthetic"].any()) if "synthetic" in heads else False
    basis = (
        f"planar least-squares fit of the heads at {plane['wells']} wells, round {chosen} "
        f"(R² {plane['r2']:.3f}, RMSE {plane['rmse_m']:.3f} m)"
        + ("; SYNTHETIC heads" if synthetic else "")
    )
    return plane["azimuth_deg"], plane["gradient"], basis
