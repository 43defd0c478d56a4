"""Contamination: lab results, standards, screening and censored-data statistics.

Public verbs (what each takes and returns):

* ``import_results(store, data, actor=)`` -- a lab's CSV bytes, written all or nothing ->
  ``ImportReport`` (rows added, new exceedances)
* ``parse_results(data, store)`` -- a lab's CSV bytes -> validated results and new locations
  (nothing written)
* ``load_results(store, zone=, analyte=, medium=)`` -- results, each with its EIA zone -> frame
* ``resolve_analyte(name)`` -- a name, synonym or CAS number -> the canonical analyte name
* ``prepare_levels(frame)`` / ``shipped_levels()`` -- screening levels, checked, in canonical
  units -> frame
* ``select_levels(levels, standard, land_use)`` -- one standard's levels -> frame
* ``screen_results(results, levels, standard=, land_use=)`` -- results -> each with its level,
  ratio and flag
* ``exceedance_table(screened)`` -- screened results -> samples × analytes crosstab
* ``compute_statistics(results)`` -- results -> per zone × analyte × medium: n, KM (ProUCL 5.2
  conventions), goodness of fit, the recommended UCL95 and why, EPC; ``statistics_tables``
  adds every UCL family

``EXCEEDS``, ``OUTSIDE_RANGE``, ``PASSES``, ``NOT_DETECTED``, ``DL_ABOVE``, ``NO_LEVEL``
are the screening flags and ``RULE`` the screening rule in words; ``OUTSIDE_ZONES`` is the
zone id of results outside every EIA zone.

Modules: ``analytes`` (names, synonyms, CAS), ``units`` (units and canonical units per
medium), ``standards``, ``lab_import``, ``screening``, ``statistics`` (with ``kaplan_meier``,
``goodness_of_fit``, ``ucl``, ``ucl_choice``), ``queries``.
"""

from site_gis.contamination.lab_import import ImportReport, import_results, parse_results
from site_gis.contamination.queries import OUTSIDE_ZONES, load_results, resolve_analyte
from site_gis.contamination.screening import (
    DL_ABOVE,
    EXCEEDS,
    NO_LEVEL,
    NOT_DETECTED,
    OUTSIDE_RANGE,
    PASSES,
    RULE,
    exceedance_table,
    screen_results,
    select_levels,
)
from site_gis.contamination.standards import prepare_levels, shipped_levels
from site_gis.contamination.statistics import compute_statistics, statistics_tables

__all__ = [
    "DL_ABOVE",
    "EXCEEDS",
    "NOT_DETECTED",
    "NO_LEVEL",
    "OUTSIDE_RANGE",
    "OUTSIDE_ZONES",
    "PASSES",
    "RULE",
    "ImportReport",
    "compute_statistics",
    "exceedance_table",
    "import_results",
    "load_results",
    "parse_results",
    "prepare_levels",
    "resolve_analyte",
    "screen_results",
    "select_levels",
    "shipped_levels",
    "statistics_tables",
]
