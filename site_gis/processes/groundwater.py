"""Groundwater processes: plume diagnostics per round and well redundancy, as task jobs.

Both read the store once (``prepare``: results, wells and the grid, refused when
too large), then estimate one piece per task -- a round, or the round without one
well -- and combine them.  The same library functions run in process in
:func:`site_gis.groundwater.plume_diagnostics` and
:func:`site_gis.groundwater.well_redundancy`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from site_gis.groundwater import PlumeParams
from site_gis.groundwater import plume as gw
from site_gis.processes.tasks import TaskSteps
from site_gis.store import Store

BASELINE = "*"


class PlumeInputs(PlumeParams):
    """Plume diagnostics per round."""

    format: Literal["json"] = Field("json", description="Output format")


class RedundancyInputs(PlumeParams):
    """Well redundancy in one round."""

    format: Literal["json", "csv"] = Field("json", description="Output format")


def _prepare_plume(store: Store, inputs: PlumeInputs) -> tuple[gw.PlumeData, list[Any]]:
    data = gw.prepare_plume(store, inputs)
    return data, sorted(data.values["round"].unique())


def _plume_piece(data: gw.PlumeData, round_id: str, inputs: PlumeInputs) -> dict[str, Any]:
    return gw.plume_for_round(data, round_id, inputs)


def _plume_combine(
    data: gw.PlumeData, inputs: PlumeInputs, pieces: list[dict[str, Any]]
) -> dict[str, Any]:
    return gw.combine_rounds(data, pieces, inputs)


def _prepare_redundancy(store: Store, inputs: RedundancyInputs) -> tuple[gw.PlumeData, list[Any]]:
    data = gw.prepare_plume(store, inputs)
    chosen = gw.redundancy_round(data, inputs)
    wells = sorted(data.values.loc[data.values["round"] == chosen, "location_id"].unique())
    return data, [BASELINE, *wells]


def _redundancy_piece(data: gw.PlumeData, key: str, inputs: RedundancyInputs) -> dict[str, Any]:
    chosen = gw.redundancy_round(data, inputs)
    if key == BASELINE:
        return gw.plume_for_round(data, chosen, inputs)
    return gw.well_influence(data, inputs, key, chosen)


def _redundancy_combine(
    data: gw.PlumeData, inputs: RedundancyInputs, pieces: list[dict[str, Any]]
) -> dict[str, Any]:
    baseline, *without = pieces
    return gw.redundancy_result(data, inputs, gw.redundancy_round(data, inputs), baseline, without)


PLUME_STEPS = TaskSteps(_prepare_plume, _plume_piece, _plume_combine)
REDUNDANCY_STEPS = TaskSteps(
    _prepare_redundancy,
    _redundancy_piece,
    _redundancy_combine,
)
