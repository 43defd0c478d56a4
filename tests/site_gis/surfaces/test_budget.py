"""The cost model refuses at its limits, and what it suggests fits."""

from __future__ import annotations

import pytest

from site_gis.errors import AnalysisTooCostlyError, InvalidRequestError
from site_gis.surfaces import SurfaceBudget
from site_gis.surfaces.budget import SurfaceCost, check_cost


def cells_at(size: float) -> int:
    """Cells of a 2 km square at ``size`` metres (by hand: (2000 / size)², rounded up)."""
    side = -(-2000 // size)
    return int(side * side)


def _check(method: str, cells: int, samples: int, neighbours: int, **limits: int) -> None:
    check_cost(
        SurfaceCost(method, cells, samples, neighbours),
        SurfaceBudget(**limits),
        cell_size_m=2000 / cells**0.5,
        cells_at=cells_at,
    )


def test_idw_at_the_pair_limit_runs_and_one_pair_over_is_refused() -> None:
    _check("idw", 10_000, 50, 12, max_idw_pairs=120_000)  # 10,000 × 12 = 120,000: runs
    with pytest.raises(AnalysisTooCostlyError) as refused:
        _check("idw", 10_000, 50, 13, max_idw_pairs=120_000)
    message = str(refused.value)
    assert refused.value.limit == "max_idw_pairs"
    assert "130,000 cell-neighbour pairs; the limit is 120,000" in message
    assert "neighbours=12" in message  # 120,000 // 10,000


def test_the_suggested_idw_cell_size_fits_and_a_tenth_of_a_metre_less_does_not() -> None:
    with pytest.raises(AnalysisTooCostlyError) as refused:
        _check("idw", 40_000, 50, 200, max_idw_pairs=1_000_000)  # 10 m cells, 8 M pairs
    cell = float(str(refused.value).split("cell_size_m=")[1].split()[0])
    # By hand: at most 1,000,000 / 200 = 5,000 cells; 70 × 70 = 4,900 fits, 71 × 71 does
    # not, so cells of at least 2000 / 70 = 28.57 m: 28.6 m to a tenth of a metre
    assert cell == pytest.approx(28.6)
    assert cells_at(cell) * 200 <= 1_000_000 < cells_at(cell - 0.1) * 200


def test_kriging_refuses_more_samples_than_its_limit_whatever_the_grid() -> None:
    _check("kriging", 100, 3_000, 10, max_kriging_samples=3_000)
    with pytest.raises(AnalysisTooCostlyError) as refused:
        _check("kriging", 100, 3_001, 10, max_kriging_samples=3_000)
    assert refused.value.limit == "max_kriging_samples"
    assert "3,001 sampled locations; the limit is 3,000" in str(refused.value)
    assert "method=idw" in str(refused.value)


def test_kriging_work_counts_cells_and_samples_times_neighbours_squared() -> None:
    # (10,000 + 1,000) × 30² = 9,900,000
    _check("kriging", 10_000, 1_000, 30, max_kriging_work=9_900_000)
    with pytest.raises(AnalysisTooCostlyError) as refused:
        _check("kriging", 10_000, 1_000, 30, max_kriging_work=9_899_999)
    message = str(refused.value)
    assert refused.value.limit == "max_kriging_work"
    assert "9,900,000 units of work" in message
    assert "neighbours=29" in message  # isqrt(9,899,999 // 11,000) = isqrt(899) = 29


def test_a_refusal_is_an_invalid_request() -> None:
    assert issubclass(AnalysisTooCostlyError, InvalidRequestError)  # a 400, as a bad grid
