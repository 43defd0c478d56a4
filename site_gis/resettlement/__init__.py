"""Resettlement: encroached parcels, the entitlement matrix, survey rounds, costs, grievances.

Public verbs (what each takes and returns):

* ``analyse_parcels(parcels, encroachments, structures, zones, crs=)`` -> encroached parcels
  with encroached area (ha), structures, households, people, and exposure to hotspots
* ``query_parcels(analysed, ParcelQuery)`` -> the parcels a planner asked for, and their count
* ``load_matrix(path, overrides=)`` -> a validated ``EntitlementMatrix``: rows of loss type x
  affected category x eligibility with their policy source, rates with sources, price years
  and ``verified`` flags, the cut-off round
* ``load_relocation_site(path, overrides=)`` -> the relocation-site scenario's rates
* ``estimate_resettlement(structures, encroachments, parcels, zones, matrix, crs=, households=,
  rounds=, observations=)`` -> per encroachment, parcel, zone and phase: households by
  category, entitlements by loss type, totals of both scenarios, and the entitlement lines
  with each line's matrix row and eligibility reason (aggregates only)
* ``report_basis(matrix, rounds, households)`` -> the cut-off and the assumptions, in words;
  ``survey_inputs(store)`` reads the households and survey layers the estimate takes
* ``claims(structures, matrix, ...)`` -> every unit of loss priced by its row (personal;
  internal to the estimate) and ``cost_structures`` / ``summarise`` / ``entitlement_lines``
  over them (the redaction points)
* ``cut_off_basis(matrix, rounds)``, ``structure_status(...)``, ``round_changes(...)`` ->
  the cut-off round, each structure's status at it, what changed between two rounds
* ``summarise_grievances(grievances)`` -> grievance counts per encroachment and status
* ``matrix_table(matrix)`` -> the entitlement matrix as a table (a RAP annex)
* ``place_structures(structures, parcels, zones)`` -> the parcel and zone of each structure
* ``suppress_small_groups(table, count=, columns=)`` -> aggregates over fewer than
  ``MIN_GROUP`` structures blanked

Constants: ``LOSSES``, ``CATEGORIES`` and ``ELIGIBILITIES`` (the matrix's keys),
``COMPONENTS`` (the loss types, as cost columns), ``HOUSEHOLD_SIZE`` (people per household,
census 2023), ``HOUSEHOLD_FIGURES`` (household-level parcel fields), ``MIN_GROUP``,
``ROUND_METHODS``, ``GRIEVANCE_CATEGORIES``, ``GRIEVANCE_STATUSES``, ``LINE_LEVELS``; types
``EntitlementMatrix``, ``RelocationSite``, ``CutOff``, ``ParcelQuery``.

Modules: ``encroachment``, ``entitlements``, ``costs``, ``rounds``, ``relocation``,
``estimate``, ``grievances``, ``privacy``.
"""

from site_gis.resettlement.costs import (
    COMPONENTS,
    HOUSEHOLD_SIZE,
    CutOff,
    claims,
    cost_structures,
    entitlement_lines,
    place_structures,
    summarise,
)
from site_gis.resettlement.encroachment import (
    HOUSEHOLD_FIGURES,
    ParcelQuery,
    analyse_parcels,
    query_parcels,
)
from site_gis.resettlement.entitlements import (
    CATEGORIES,
    ELIGIBILITIES,
    LOSSES,
    EntitlementMatrix,
    load_matrix,
    matrix_table,
)
from site_gis.resettlement.estimate import (
    LINE_LEVELS,
    estimate_resettlement,
    report_basis,
    survey_inputs,
)
from site_gis.resettlement.grievances import (
    GRIEVANCE_CATEGORIES,
    GRIEVANCE_STATUSES,
    summarise_grievances,
)
from site_gis.resettlement.privacy import MIN_GROUP, suppress_small_groups
from site_gis.resettlement.relocation import RelocationSite, load_relocation_site
from site_gis.resettlement.rounds import (
    ROUND_METHODS,
    cut_off_basis,
    round_changes,
    structure_status,
)

__all__ = [
    "CATEGORIES",
    "COMPONENTS",
    "ELIGIBILITIES",
    "GRIEVANCE_CATEGORIES",
    "GRIEVANCE_STATUSES",
    "HOUSEHOLD_FIGURES",
    "HOUSEHOLD_SIZE",
    "LINE_LEVELS",
    "LOSSES",
    "MIN_GROUP",
    "ROUND_METHODS",
    "CutOff",
    "EntitlementMatrix",
    "ParcelQuery",
    "RelocationSite",
    "analyse_parcels",
    "claims",
    "cost_structures",
    "cut_off_basis",
    "entitlement_lines",
    "estimate_resettlement",
    "load_matrix",
    "load_relocation_site",
    "matrix_table",
    "place_structures",
    "query_parcels",
    "report_basis",
    "round_changes",
    "structure_status",
    "summarise",
    "summarise_grievances",
    "suppress_small_groups",
    "survey_inputs",
]
