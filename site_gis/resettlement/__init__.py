"""Resettlement: encroached parcels, the entitlement matrix, costs and privacy.

Public verbs (what each takes and returns):

* ``analyse_parcels(parcels, encroachments, structures, zones, crs=)`` -> encroached parcels
  with encroached area (ha), structures, households, people, and exposure to hotspots
* ``query_parcels(analysed, ParcelQuery)`` -> the parcels a planner asked for, and their count
  (``ParcelQuery``: zone, kind, minimum area and households, on or near a hotspot, order)
* ``load_matrix(path, overrides=)`` -> a validated ``EntitlementMatrix`` (rates, sources,
  price years, the cut-off date)
* ``estimate_resettlement(structures, encroachments, parcels, zones, matrix, crs=)`` ->
  totals and components per encroachment, parcel, zone and phase (aggregates only)
* ``cost_structures(structures, matrix)`` -> each structure's cost by component (internal to
  the estimate: never served); ``summarise(costs, keys)`` -> aggregates, small groups suppressed
* ``place_structures(structures, parcels, zones)`` -> the parcel and zone of each structure
* ``suppress_small_groups(table, count=, columns=)`` -> aggregates over fewer than
  ``MIN_GROUP`` structures blanked (the redaction point)

``HOUSEHOLD_SIZE`` is people per household (census 2023), ``HOUSEHOLD_FIGURES`` the
household-level fields, ``COMPONENTS`` and ``CATEGORIES`` the cost components.

Modules: ``encroachment``, ``entitlements``, ``costs``, ``privacy``.
"""

from site_gis.resettlement.costs import (
    COMPONENTS,
    HOUSEHOLD_SIZE,
    cost_structures,
    estimate_resettlement,
    place_structures,
    summarise,
)
from site_gis.resettlement.encroachment import (
    HOUSEHOLD_FIGURES,
    ParcelQuery,
    analyse_parcels,
    query_parcels,
)
from site_gis.resettlement.entitlements import CATEGORIES, EntitlementMatrix, load_matrix
from site_gis.resettlement.privacy import MIN_GROUP, suppress_small_groups

__all__ = [
    "CATEGORIES",
    "COMPONENTS",
    "HOUSEHOLD_FIGURES",
    "HOUSEHOLD_SIZE",
    "MIN_GROUP",
    "EntitlementMatrix",
    "ParcelQuery",
    "analyse_parcels",
    "cost_structures",
    "estimate_resettlement",
    "load_matrix",
    "place_structures",
    "query_parcels",
    "summarise",
    "suppress_small_groups",
]
