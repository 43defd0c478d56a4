"""The store's renderings: geometries as RFC 7946 GeoJSON text (lon/lat, right-hand wound).

Stores render geometries with :func:`geometry_json` (the GeoPackage store keeps
the renderings beside the layers); the API puts the text into features as it is.
It lives with the store, below the wings, because the store's serving path needs it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

_POLYGONAL = [
    shapely.GeometryType.POLYGON,
    shapely.GeometryType.MULTIPOLYGON,
    shapely.GeometryType.GEOMETRYCOLLECTION,
]


def geometry_json(geometry: npt.NDArray[np.object_]) -> list[str]:
    """Each geometry as GeoJSON text (``"null"`` for a missing one), wound as RFC 7946 asks."""
    return ["null" if g is None else g for g in shapely.to_geojson(right_hand(geometry))]


def right_hand(geometry: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Polygons wound as RFC 7946 (3.1.6) asks: exteriors counter-clockwise, holes clockwise.

    Only the polygons that need it are re-oriented: a simple polygon whose
    exterior already runs counter-clockwise is checked in a fraction of the
    time re-orienting it would take.
    """
    types = shapely.get_type_id(geometry)
    fine = (types == shapely.GeometryType.POLYGON) & (shapely.get_num_interior_rings(geometry) == 0)
    fine[fine] = shapely.is_ccw(shapely.get_exterior_ring(geometry[fine]))
    todo = ~fine & np.isin(types, _POLYGONAL)
    if not todo.any():
        return geometry
    out = geometry.copy()
    out[todo] = shapely.orient_polygons(geometry[todo])
    return out
