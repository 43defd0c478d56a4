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
* ``compute_background(results)`` -- background locations' results -> BTVs per analyte ×
  medium (UTL, UPL, USL, P95 in every variant, the recommended one marked)
* ``recommended_btvs(btvs)`` -- BTV table -> the recommended BTV per analyte × medium (for
  ``screen_results(..., background=)``)
* ``compare_to_background(results)`` -- results with the background flag -> site versus
  background tests per zone × analyte × medium (Forms 1 and 2)
* ``zone_verdicts(tests)`` -- those tests -> whether each zone is above background
* ``candidate_outliers(values)`` -- values -> those Dixon's or Rosner's test flags
* ``action_level_tests(values, detected, action_level)`` -- sign, signed-rank and proportion
  tests against an action level

``EXCEEDS``, ``OUTSIDE_RANGE``, ``PASSES``, ``NOT_DETECTED``, ``DL_ABOVE``, ``NO_LEVEL``
are the screening flags and ``RULE`` the screening rule in words; ``OUTSIDE_ZONES`` is the
zone id of results outside every EIA zone.

Modules: ``analytes`` (names, synonyms, CAS), ``units`` (units and canonical units per
medium), ``standards``, ``lab_import``, ``screening``, ``statistics`` (with ``kaplan_meier``,
``goodness_of_fit``, ``ucl``, ``ucl_choice``), ``queries``, ``background`` (BTVs),
``comparisons`` (site versus background), ``outliers`` (Dixon, Rosner),
``action_levels`` (one-sample tests against an action level).
"""

from site_gis.contamination.action_levels import action_level_tests
from site_gis.contamination.background import compute_background, recommended_btvs
from site_gis.contamination.comparisons import compare_to_background, zone_verdicts
from site_gis.contamination.lab_import import ImportReport, import_results, parse_results
from site_gis.contamination.outliers import candidate_outliers
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
    "action_level_tests",
    "candidate_outliers",
    "compare_to_background",
    "compute_background",
    "compute_statistics",
    "exceedance_table",
    "import_results",
    "load_results",
    "parse_results",
    "prepare_levels",
    "recommended_btvs",
    "resolve_analyte",
    "screen_results",
    "select_levels",
    "shipped_levels",
    "statistics_tables",
    "zone_verdicts",
]
