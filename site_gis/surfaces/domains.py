"""Interpolation domains: where a medium may be mapped, and how far from a sample.

A surface is only drawn where its medium exists and where samples inform it:

* **Domain by medium** (data beside the site: ``site.json``'s ``surface_domains``
  section, per medium; the defaults below where a site says nothing):

  - soil within the site boundary;
  - sediment within the canal corridors (the ``water_discharge_canals`` zone);
  - surface water along the channels and water bodies (the canal zone and the
    ``water_reservoir`` facility), never as a site-wide field;
  - groundwater within the convex hull of the monitoring network (the sampled
    wells) plus a buffer (250 m by default).

  Every domain is also cut to the site boundary, or to the requested EIA zone.
* **Search radius**: cells farther than a radius from the nearest sample are
  masked.  By default the radius is twice the mean nearest-neighbour distance
  between the sampled locations: for randomly placed samples that is the spacing
  of the square grid of the same density, sqrt(area / n) (Clark and Evans 1954:
  the mean nearest-neighbour distance of a Poisson pattern is 0.5 / sqrt(density));
  a regular grid loses no cell to it, a gap wider than twice the network's own
  spacing is left blank.  A site may fix it per medium (``search_radius_m``),
  and a request may ask for another.

The mask and its reason travel with the surface (:class:`Domain`) into every output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from site_gis.crs import to_metric
from site_gis.errors import InvalidRequestError
from site_gis.store import Store

DEFAULT_DOMAINS: dict[str, dict[str, Any]] = {
    "soil": {"within": "site"},
    "sediment": {"within": "zones", "zones": ["water_discharge_canals"]},
    "surface_water": {
        "within": "zones",
        "zones": ["water_discharge_canals"],
        "facility_units": ["water_reservoir"],
    },
    "groundwater": {"within": "sample_hull", "buffer_m": 250.0},
}
"""Domains of a site whose description has no ``surface_domains`` entry for a medium."""
RADIUS_FACTOR = 2.0
"""Default search radius: this many mean nearest-neighbour distances of the samples."""


@dataclass(frozen=True)
class Domain:
    """Where a surface is drawn: the medium's domain and the search-radius mask.

    ``geometry`` is in the site's metric CRS (metres); ``reason`` and
    ``radius_reason`` say in words what was masked and why.
    """

    medium: str
    geometry: BaseGeometry
    reason: str
    source: str
    search_radius_m: float
    radius_reason: str
    cells_in_domain: int = 0
    cells_beyond_radius: int = 0

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly account of the mask."""
        return {
            "medium": self.medium,
            "domain": self.reason,
            "source": self.source,
            "area_ha": round(float(self.geometry.area) / 1e4, 3),
            "search_radius_m": round(self.search_radius_m, 1),
            "search_radius_reason": self.radius_reason,
            "cells_in_domain": self.cells_in_domain,
            "cells_beyond_radius": self.cells_beyond_radius,
        }

    def text(self) -> str:
        """One sentence for legends and tags."""
        return (
            f"Drawn {self.reason}, and within {self.search_radius_m:,.0f} m of a sample "
            f"({self.radius_reason}); {self.cells_beyond_radius:,} cells of the domain lie "
            "farther and are blank."
        )


def domain_rule(store: Store, medium: str) -> tuple[dict[str, Any], str]:
    """The domain rule of ``medium`` for the store's site, and where it comes from."""
    given = store.site().surface_domains.get(medium)
    if given is not None:
        return given, "site description (surface_domains)"
    return DEFAULT_DOMAINS[medium], "default of site_gis.surfaces.domains"


def medium_domain(
    store: Store,
    medium: str,
    clip: BaseGeometry,
    x: np.ndarray,
    y: np.ndarray,
    *,
    search_radius_m: float | None = None,
) -> Domain:
    """The medium's domain (metric CRS) within ``clip``, and the search radius.

    Parameters
    ----------
    store
        The store: its site description, zones and facilities.
    medium
        ``soil``, ``sediment``, ``surface_water`` or ``groundwater``.
    clip
        The site boundary or the requested EIA zone, in the site's metric CRS.
    x, y
        Sample coordinates in metres (site's metric CRS).
    search_radius_m
        The request's radius (metres); ``None`` takes the site's, else the default.

    Raises
    ------
    InvalidRequestError
        When the domain is empty within the clip, or names zones or facility units
        the site does not have.
    """
    rule, source = domain_rule(store, medium)
    crs = store.site().crs
    within = rule["within"]
    buffer_m = float(rule.get("buffer_m") or 0.0)
    if within == "site":
        geometry, reason = clip, "within the site boundary"
    elif within == "zones":
        parts, names = [], []
        zone_ids = list(rule.get("zones", []))
        if zone_ids:
            zones = store.read("eia_zones", where={"zone_id": zone_ids})
            missing = sorted(set(zone_ids) - set(zones["zone_id"]))
            if missing:
                raise InvalidRequestError(
                    f"the {medium} domain names EIA zones the site does not have: "
                    f"{', '.join(missing)}"
                )
            parts += list(to_metric(zones, crs).geometry)
            names.append(
                "the " + ", ".join(zone_ids) + " zone" + ("s" if len(zone_ids) > 1 else "")
            )
        units = list(rule.get("facility_units", []))
        if units:
            facilities = store.read("facilities", where={"unit": units})
            if len(facilities):
                parts += list(to_metric(facilities, crs).geometry)
                names.append("the " + ", ".join(units) + " facilities")
        geometry = shapely.union_all(parts) if parts else shapely.Polygon()
        reason = "within " + " and ".join(names) if names else "nowhere (no zone named)"
    else:
        hull = shapely.MultiPoint(np.c_[x, y]).convex_hull if len(x) else shapely.Polygon()
        geometry = hull
        reason = f"within the convex hull of the {len(x)} sampled locations"
    if buffer_m > 0:
        geometry = geometry.buffer(buffer_m)
        reason += f" plus {buffer_m:g} m"
    geometry = geometry.intersection(clip)
    if geometry.is_empty or geometry.area <= 0:
        raise InvalidRequestError(
            f"the {medium.replace('_', ' ')} domain ({reason}) does not overlap the clip: "
            "nothing to interpolate"
        )
    radius, radius_reason = search_radius(x, y, search_radius_m, rule.get("search_radius_m"))
    return Domain(medium, geometry, reason, source, radius, radius_reason)


def search_radius(
    x: np.ndarray, y: np.ndarray, requested: float | None, site: float | None
) -> tuple[float, str]:
    """The search radius in metres and the reason for it (see the module)."""
    if requested is not None:
        return float(requested), "the request's search_radius_m"
    if site is not None:
        return float(site), "the site description's search_radius_m"
    if len(x) < 2:
        return float("inf"), "a single sample: no spacing to measure"
    distance, _ = cKDTree(np.c_[x, y]).query(np.c_[x, y], k=2)
    mean = float(np.mean(distance[:, 1]))
    return (
        RADIUS_FACTOR * mean,
        f"{RADIUS_FACTOR:g} × the mean nearest-neighbour distance of the {len(x)} sampled "
        f"locations, {mean:,.0f} m",
    )


def beyond_radius(
    x: np.ndarray, y: np.ndarray, gx: np.ndarray, gy: np.ndarray, radius_m: float
) -> np.ndarray:
    """True for the targets (gx, gy) farther than ``radius_m`` from every sample (metres)."""
    if not len(gx):
        return np.zeros(0, dtype=bool)
    distance, _ = cKDTree(np.c_[x, y]).query(
        np.c_[gx, gy], k=1, distance_upper_bound=radius_m, workers=-1
    )
    return ~np.isfinite(distance)
