"""A layers directory: a value GDAL would cut short is refused, never stored truncated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_gis.errors import LayerValidationError
from site_gis.io import build_store, read_layers_dir
from tests.conftest import LAYERS


def _layers(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "layers"
    shutil.copytree(LAYERS, folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (folder / file).write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "row", "field"),
    [
        # GDAL reads "R-01\u0000evil" as "R-01": without the check, a second R-01
        (
            '"receptor_id": "R-02"',
            '"receptor_id": "R-01\\u0000evil"',
            "R-01\x00evil",
            "receptor_id",
        ),
        ('"name": "Steel Town"', '"name": "Steel\\u0000Town"', "R-02", "name"),
        (  # free text may hold line breaks, never a NUL
            '"population_basis": "SYNTHETIC", "location_basis": "U: point from public app code '
            '(to verify)", "synthetic": true }, "geometry": { "type": "Point", "coordinates": '
            "[ 67.291769",
            '"population_basis": "SYN\\nTHETIC\\u0000", "location_basis": "U: point from public '
            'app code (to verify)", "synthetic": true }, "geometry": { "type": "Point", '
            '"coordinates": [ 67.291769',
            "R-03",
            "population_basis",
        ),
    ],
)
def test_a_nul_in_a_geojson_layer_is_named_by_row_and_field(
    tmp_path: Path, old: str, new: str, row: str, field: str
) -> None:
    folder = _layers(tmp_path, "receptors.geojson", old, new)
    with pytest.raises(LayerValidationError) as caught:
        read_layers_dir(folder)
    found = [(p.layer, p.row, p.field, p.reason) for p in caught.value.problems]
    assert len(found) == 1, found
    assert found[0][:3] == ("receptors", row, field)
    assert found[0][3].startswith("contains a control character")


def test_a_control_character_in_a_table_layer_is_refused_and_no_store_made(
    tmp_path: Path,
) -> None:
    folder = _layers(tmp_path, "results.csv", "MW-00001-1:100-41-4,", "MW-00001-1:100-41-4\x07,")
    store = tmp_path / "psm.gpkg"
    with pytest.raises(LayerValidationError) as caught:
        build_store(str(store), folder, actor="tests")
    assert [(p.layer, p.row, p.field) for p in caught.value.problems] == [
        ("results", "MW-00001-1:100-41-4\x07", "result_id")
    ]
    assert not store.exists()
