"""Site-level settings that travel with a site's layers (``layers/site.json``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyproj import CRS

from site_gis.crs import parse_crs
from site_gis.errors import Problem, ValidationError

SITE_FILE = "site.json"


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
    """

    site_id: str
    name: str
    metric_crs: str
    centre_lon: float
    centre_lat: float
    synthetic: bool
    provenance: str

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
            if name not in data:
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
        if problems:
            raise ValidationError(problems, summary=f"{source} is not a valid site description")
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

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


@lru_cache(maxsize=16)
def _epsg(crs: str) -> int:
    return int(parse_crs(crs).to_epsg() or 0)
