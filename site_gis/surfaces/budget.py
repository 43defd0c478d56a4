"""What a surface will cost, estimated from its inputs before any of it is computed.

A surface request is refused, before its samples are fitted or a cell computed,
when its estimated cost passes a limit of :class:`SurfaceBudget`; the refusal
(:class:`~site_gis.errors.AnalysisTooCostlyError`) names the limit, the request's
cost and a change of parameters that fits.  The measures, and why:

* **grid cells** (rows × columns): the rasters the surface is written to.
* **IDW: cells × neighbours**: each inside cell finds and weighs its nearest
  samples; time and memory grow with both (about 16 bytes per pair while a piece
  of the grid is computed).
* **kriging: samples**: the variogram is fitted over every pair of samples
  (n (n − 1) / 2 distances, several arrays of them): 5,000 samples took 0.7 GB and
  2.8 s here, 10,000 samples 2.5 GB and 12 s.
* **kriging: (cells + samples) × neighbours²**: each cell, and each sample in the
  leave-one-out cross-validation, solves a system of its neighbours; measured
  here, pykrige's C loop takes about 20–30 ns per unit of this measure.

The defaults keep one request to a few seconds of one core and well under 1 GB
per worker on a 2-core machine; a server with more room raises them in settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from site_gis.errors import AnalysisTooCostlyError

MIN_KRIGING_NEIGHBOURS = 3
MAX_CELL_SIZE_M = 1000.0  # the largest cell a request may ask for


@dataclass(frozen=True)
class SurfaceBudget:
    """The most one surface may cost (see the module for each measure).

    Parameters
    ----------
    max_cells
        Grid cells (rows × columns).
    max_idw_pairs
        IDW: inside cells × neighbours.
    max_kriging_samples
        Kriging: sampled locations the variogram is fitted to.
    max_kriging_work
        Kriging: (inside cells + samples) × neighbours².
    """

    max_cells: int = 1_000_000
    max_idw_pairs: int = 25_000_000
    max_kriging_samples: int = 3_000
    max_kriging_work: int = 250_000_000


@dataclass(frozen=True)
class SurfaceCost:
    """The estimated cost of one surface request."""

    method: str
    cells: int
    samples: int
    neighbours: int

    @property
    def idw_pairs(self) -> int:
        """Inside cells × neighbours."""
        return self.cells * self.neighbours

    @property
    def kriging_work(self) -> int:
        """(Inside cells + samples) × neighbours²."""
        return (self.cells + self.samples) * self.neighbours**2


def check_cost(
    cost: SurfaceCost,
    budget: SurfaceBudget,
    *,
    cell_size_m: float,
    cells_at: Callable[[float], int],
) -> None:
    """Refuse a surface whose cost passes the budget, saying what would fit.

    Parameters
    ----------
    cost
        The request's cost (cells inside the clip, samples, neighbours per cell).
    budget
        The limits.
    cell_size_m
        The requested cell size, metres.
    cells_at
        Inside cells of the same clip at another cell size (metres), to find the
        smallest cell that fits.

    Raises
    ------
    AnalysisTooCostlyError
        Naming the limit, the request's cost and parameters that fit.
    """
    if cost.method == "idw":
        if cost.idw_pairs <= budget.max_idw_pairs:
            return
        fits = budget.max_idw_pairs // max(cost.cells, 1)
        cell = _cell_that_fits(
            cell_size_m, cells_at, lambda cells: cells * cost.neighbours <= budget.max_idw_pairs
        )
        options = [f"neighbours={fits}"] if fits >= 1 else []
        if cell is not None:
            options.append(f"cell_size_m={cell:g}")
        raise AnalysisTooCostlyError(
            f"IDW of {cost.cells:,} cells × {cost.neighbours} neighbours is "
            f"{cost.idw_pairs:,} cell-neighbour pairs; the limit is {budget.max_idw_pairs:,} "
            f"(max_idw_pairs): use {' or '.join(options) or 'a smaller zone'}",
            limit="max_idw_pairs",
        )
    if cost.samples > budget.max_kriging_samples:
        raise AnalysisTooCostlyError(
            f"kriging fits its variogram over every pair of samples: {cost.samples:,} sampled "
            f"locations; the limit is {budget.max_kriging_samples:,} (max_kriging_samples): "
            "narrow the selection with a depth interval (a zone clips the grid, not the "
            "samples) or use method=idw",
            limit="max_kriging_samples",
        )
    if cost.kriging_work <= budget.max_kriging_work:
        return
    options = []
    fits = math.isqrt(budget.max_kriging_work // max(cost.cells + cost.samples, 1))
    if fits >= MIN_KRIGING_NEIGHBOURS:
        options.append(f"neighbours={fits}")
    if cost.samples * cost.neighbours**2 < budget.max_kriging_work:
        cell = _cell_that_fits(
            cell_size_m,
            cells_at,
            lambda cells: (cells + cost.samples) * cost.neighbours**2 <= budget.max_kriging_work,
        )
        if cell is not None:
            options.append(f"cell_size_m={cell:g}")
    advice = " or ".join(options) if options else "fewer neighbours and larger cells"
    raise AnalysisTooCostlyError(
        f"kriging {cost.cells:,} cells and {cost.samples:,} samples with {cost.neighbours} "
        f"neighbours each is {cost.kriging_work:,} units of work ((cells + samples) × "
        f"neighbours²); the limit is {budget.max_kriging_work:,} (max_kriging_work): "
        f"use {advice}",
        limit="max_kriging_work",
    )


def _cell_that_fits(
    size: float, cells_at: Callable[[float], int], fits: Callable[[int], bool]
) -> float | None:
    """The smallest cell size (to 0.1 m, at most 1,000 m) above ``size`` whose cells fit."""
    low, high = size, MAX_CELL_SIZE_M
    if not fits(cells_at(high)):
        return None
    while high - low > 0.1:  # cells fall as the cell size grows (near enough to bisect)
        middle = (low + high) / 2
        if fits(cells_at(middle)):
            high = middle
        else:
            low = middle
    cell = math.floor(low * 10) / 10  # up from below, a tenth at a time: the smallest that fits
    while cell < high and not fits(cells_at(cell)):
        cell = round(cell + 0.1, 1)
    return cell
