"""The map surface kept as a job's result: its kriging bands and variogram survive the
round trip, and a result kept before they were recorded still loads."""

from __future__ import annotations

import io
import json

import numpy as np

from site_gis.processes import MapSurface


def _surface(**extra: object) -> MapSurface:
    values = np.array([[1.0, np.nan], [3.0, 4.0]], dtype="float32")
    return MapSurface(
        values=values,
        bounds=(67.2, 24.7, 67.4, 24.9),
        hotspots=None,
        cell_size_m=25.0,
        samples=12,
        non_detects="half the detection limit",
        rmse=1.5,
        **extra,  # type: ignore[arg-type]
    )


def test_kriging_bands_and_variogram_survive_the_round_trip() -> None:
    std = np.array([[0.5, np.nan], [0.25, 0.75]], dtype="float32")
    probability = np.array([[0.1, np.nan], [0.9, 1.0]], dtype="float32")
    variogram = {"model": "spherical", "nugget": 2.0, "diagnostics": {"status": "ok"}}
    kept = MapSurface.from_bytes(
        _surface(
            method="kriging",
            std=std,
            probability=probability,
            threshold=530.0,
            variogram=variogram,
        ).to_bytes()
    )
    assert kept.method == "kriging" and kept.threshold == 530.0 and kept.variogram == variogram
    assert kept.std is not None and kept.probability is not None
    np.testing.assert_array_equal(kept.std, std)
    np.testing.assert_array_equal(kept.probability, probability)


def test_an_idw_surface_has_no_bands() -> None:
    kept = MapSurface.from_bytes(_surface(method="idw").to_bytes())
    assert kept.std is None and kept.probability is None and kept.variogram == {}


def test_a_result_kept_before_the_bands_still_loads() -> None:
    about = {
        "bounds": [67.2, 24.7, 67.4, 24.9],
        "cell_size_m": 25.0,
        "samples": 12,
        "non_detects": "half the detection limit",
        "rmse": 1.5,
        "notes": [],
        "warnings": [],
        "hotspots": None,
    }
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, values=np.ones((2, 2), dtype="float32"), about=np.array(json.dumps(about))
    )
    kept = MapSurface.from_bytes(buffer.getvalue())
    assert kept.method == "" and kept.std is None and kept.variogram == {}
