"""Groundwater monitoring: time series, trends, indicator matrix, flow and plume diagnostics.

Public verbs (what each takes and returns):

* ``load_series(store, location_id, analyte)`` -- one water location's results for an
  analyte in time order, non-detects kept as such -> frame
* ``MIN_ROUNDS`` -- fewest rounds a trend is computed from (4, the GSI toolkit's minimum)
* ``PlumeParams`` -- the plume inputs: analyte, level, porosity, saturated thickness, grid
* ``mann_kendall(times, values, detected, limits)`` -> ``MannKendall`` (S, Var(S), Z, p) with
  non-detects compared as Helsel prescribes
* ``sen_slope(times, values, var_s=)`` -> ``SenSlope`` (Theil-Sen slope per year and its
  confidence interval)
* ``seasonal_kendall(times, months, values, detected, limits)`` -> the monsoon / dry seasonal
  Kendall test and slope
* ``gsi_trend_class(s, cf, cov)`` -> the GSI Mann-Kendall Toolkit's trend class
* ``series_trend(sampled_on, values, detected, limits)`` -> every trend figure of one series
* ``indicator_matrix(results, levels, standard=)`` -> wells x analytes: latest level against
  the standard and the trend class, GWSDAT's colours; ``matrix_html(table, title=)`` -> HTML
* ``fit_plane(x, y, head)`` / ``triangle_gradients(x, y, head)`` -> hydraulic gradient and
  flow azimuth; ``flow_by_round(heads)`` -> both per round; ``heads_with_positions(store)``
  -> heads with metric x, y and round
* ``flow_direction(store)`` -> ``(azimuth_deg, gradient, basis)`` for the receptors analysis
* ``plume_diagnostics(store, PlumeParams)`` -> per round area, mean, mass, centre of mass
  and its movement, and the pre- / post-monsoon paired tests
* ``well_redundancy(store, PlumeParams)`` -> wells ranked by their influence on plume area
  and mass

Modules: ``series``, ``trends``, ``matrix``, ``flow``, ``plume``.
"""

from site_gis.groundwater.flow import (
    fit_plane,
    flow_by_round,
    flow_direction,
    heads_with_positions,
    triangle_gradients,
)
from site_gis.groundwater.matrix import indicator_matrix, matrix_html, series_trend
from site_gis.groundwater.plume import PlumeParams, plume_diagnostics, well_redundancy
from site_gis.groundwater.series import load_series
from site_gis.groundwater.trends import (
    MIN_ROUNDS,
    MannKendall,
    SenSlope,
    gsi_trend_class,
    mann_kendall,
    seasonal_kendall,
    sen_slope,
)

__all__ = [
    "MIN_ROUNDS",
    "MannKendall",
    "PlumeParams",
    "SenSlope",
    "fit_plane",
    "flow_by_round",
    "flow_direction",
    "gsi_trend_class",
    "heads_with_positions",
    "indicator_matrix",
    "load_series",
    "mann_kendall",
    "matrix_html",
    "plume_diagnostics",
    "seasonal_kendall",
    "sen_slope",
    "series_trend",
    "triangle_gradients",
    "well_redundancy",
]
