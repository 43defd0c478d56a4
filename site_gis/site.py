"""Site-level settings that travel with a site's layers (``layers/site.json``).

:func:`place_near_site` is the one check of where coordinates lie against the
site: how far each point is from the site centre, whether it is farther than
the site's region, and whether it would be inside it with latitude and
longitude exchanged.  Every path into a store uses it (the store's write for
layers, the lab import for new locations, user polygons).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from pyproj import CRS, Geod

from site_gis.crs import parse_crs
from site_gis.errors import Problem, ValidationError

SITE_FILE = "site.json"
REGION_RADIUS_M = 50_000.0
"""Features farther than this from the site centre are refused (metres, geodesic on WGS 84)."""
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What the tool needs to know about a site besides its layers.

    Parameters
    ----------
    site_id
        Short identifier, e.g. ``"psm"``.
    name
        Human-readable name.
    metric_crs
        Projected CRS in metres used for every area, distance and grid
        (``"EPSG:32642"`` for PSM).
    centre_lon, centre_lat
        Reference point of the site in degrees (WGS 84).
    synthetic
        Whether (part of) the data is synthetic; shown wherever data is shown.
    provenance
        One paragraph on where the data comes from.
    surface_domains
        Where each medium may be interpolated (optional; ``site.json``'s
        ``surface_domains`` section), by medium: ``{"within": "site" | "zones" |
        "sample_hull", "zones": [zone ids], "facility_units": [facility units],
        "buffer_m": metres, "search_radius_m": metres}``.  Media left out take the
        defaults of :mod:`site_gis.surfaces.domains`.
    """

    site_id: str
    name: str
    metric_crs: str
    centre_lon: float
    centre_lat: float
    synthetic: bool
    provenance: str
    surface_domains: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def crs(self) -> CRS:
        """The metric CRS as a :class:`pyproj.CRS`."""
        return parse_crs(self.metric_crs)

    @property
    def metric_epsg(self) -> int:
        """The EPSG code of the metric CRS (0 if it has none); looked up once per CRS."""
        return _epsg(self.metric_crs)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-friendly mapping."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = SITE_FILE) -> SiteInfo:
        """Build from a mapping, reporting every missing or bad entry at once."""
        problems = []
        for name in cls.__dataclass_fields__:
            if name not in data and name not in _OPTIONAL:
                problems.append(Problem(source, None, name, None, "required entry is missing"))
        if not problems:
            try:
                parse_crs(data["metric_crs"])
            except ValueError as exc:
                problems.append(Problem(source, None, "metric_crs", data["metric_crs"], str(exc)))
            for key, limit in (("centre_lon", 180.0), ("centre_lat", 90.0)):
                try:
                    inside = -limit <= float(data[key]) <= limit
                except (TypeError, ValueError):
                    problems.append(Problem(source, None, key, data[key], "not a number"))
                    continue
                if not inside:
                    problems.append(
                        Problem(source, None, key, data[key], f"must be within ±{limit:g}°")
                    )
            problems += _domain_problems(data.get("surface_domains", {}), source)
        if problems:
            raise ValidationError(problems, summary=f"{source} is not a valid site description")
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @classmethod
    def read(cls, path: Path) -> SiteInfo:
        """Read ``site.json`` from ``path``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(
                [Problem(path.name, None, None, None, f"cannot read site description: {exc}")]
            ) from exc
        return cls.from_dict(data, source=path.name)


_OPTIONAL = {"surface_domains"}
DOMAIN_MEDIA = ("soil", "sediment", "groundwater", "surface_water")
DOMAIN_KINDS = ("site", "zones", "sample_hull")
_DOMAIN_KEYS = {"within", "zones", "facility_units", "buffer_m", "search_radius_m"}


def _domain_problems(domains: Any, source: str) -> list[Problem]:
    """Every problem of a ``surface_domains`` section (its shape; names are checked on use)."""
    where = "surface_domains"
    if not isinstance(domains, dict):
        return [Problem(source, None, where, domains, "must be an object keyed by medium")]
    problems = []
    for medium, rule in domains.items():
        key = f"{where}.{medium}"
        if medium not in DOMAIN_MEDIA:
            problems.append(
                Problem(
                    source, None, key, medium, f"medium must be one of {', '.join(DOMAIN_MEDIA)}"
                )
            )
            continue
        if not isinstance(rule, dict):
            problems.append(Problem(source, None, key, rule, "must be an object"))
            continue
        for name in sorted(set(rule) - _DOMAIN_KEYS):
            problems.append(Problem(source, None, f"{key}.{name}", rule[name], "unknown entry"))
        if rule.get("within") not in DOMAIN_KINDS:
            problems.append(
                Problem(
                    source,
                    None,
                    f"{key}.within",
                    rule.get("within"),
                    f"must be one of {', '.join(DOMAIN_KINDS)}",
                )
            )
        for name in ("zones", "facility_units"):
            value = rule.get(name, [])
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                problems.append(
                    Problem(source, None, f"{key}.{name}", value, "must be a list of names")
                )
        for name, low in (("buffer_m", 0.0), ("search_radius_m", 1e-9)):
            value = rule.get(name)
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not low <= value <= 50_000
            ):
                problems.append(
                    Problem(
                        source,
                        None,
                        f"{key}.{name}",
                        value,
                        "must be a number of metres (0 to 50,000)",
                    )
                )
    return problems


@dataclass(frozen=True, slots=True)
class Placement:
    """Where points lie against a site (one entry per point).

    Attributes
    ----------
    distance_m
        Geodesic distance from the site centre on the WGS 84 ellipsoid, in
        metres (``inf`` where a coordinate is not a finite longitude/latitude).
    far
        Finite lon/lat farther than the radius from the centre.
    swapped
        Far, but within the radius once latitude and longitude are exchanged
        (so most likely given in the wrong order).
    """

    distance_m: np.ndarray
    far: np.ndarray
    swapped: np.ndarray


def place_near_site(
    site: SiteInfo, lon: ArrayLike, lat: ArrayLike, *, radius_m: float = REGION_RADIUS_M
) -> Placement:
    """Measure points (EPSG:4326 degrees) against the site's centre and region.

    Parameters
    ----------
    site
        The site; its ``centre_lon``/``centre_lat`` are the centre.
    lon, lat
        Longitudes and latitudes in degrees (WGS 84).
    radius_m
        Radius of the site's region in metres.

    Returns
    -------
    Placement
        Distances (m) and which points are far, and which of those look swapped.
        Points whose coordinates are not finite lon/lat are neither far nor
        swapped: the schema checks name them.
    """
    x = np.asarray(lon, dtype=float).ravel()
    y = np.asarray(lat, dtype=float).ravel()
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
        could_swap = usable & (np.abs(x) <= 90)
    distance = np.full(len(x), np.inf)
    swapped_distance = np.full(len(x), np.inf)
    if usable.any():
        centre_x = np.full(int(usable.sum()), site.centre_lon)
        centre_y = np.full(int(usable.sum()), site.centre_lat)
        distance[usable] = _GEOD.inv(centre_x, centre_y, x[usable], y[usable])[2]
    if could_swap.any():
        centre_x = np.full(int(could_swap.sum()), site.centre_lon)
        centre_y = np.full(int(could_swap.sum()), site.centre_lat)
        swapped_distance[could_swap] = _GEOD.inv(centre_x, centre_y, y[could_swap], x[could_swap])[
            2
        ]
    far = usable & (distance > radius_m)
    return Placement(distance, far, far & (swapped_distance <= radius_m))


@lru_cache(maxsize=16)
def _epsg(crs: str) -> int:
    return int(parse_crs(crs).to_epsg() or 0)
