"""Layer uploads in the library: formats by content, limits, the site-extent check, text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_gis.errors import TooLargeError, ValidationError
from site_gis.io import Limits, import_layer, read_layer_upload
from site_gis.schemas import CATALOGUE
from site_gis.store import Store

BAD = Path(__file__).resolve().parents[2] / "data" / "bad"


def _polygon(vertices: int) -> bytes:
    ring = [[67.3 + 0.01 * i / vertices, 24.8 + (i % 2) * 0.001] for i in range(vertices)]
    ring.append(ring[0])
    feature = {
        "type": "Feature",
        "properties": {"encroachment_id": "E-T"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def test_a_huge_coordinate_array_is_refused_by_count() -> None:
    schema = CATALOGUE["encroachments"]
    frame = read_layer_upload(_polygon(500), schema, source="ok", limits=Limits(max_vertices=1000))
    assert len(frame) == 1
    with pytest.raises(TooLargeError, match="2,001 coordinates; at most 1,000"):
        read_layer_upload(_polygon(2000), schema, source="big", limits=Limits(max_vertices=1000))


def test_too_many_features_is_refused() -> None:
    point = {"type": "Point", "coordinates": [67.4, 24.8]}
    features = [
        {"type": "Feature", "properties": {"receptor_id": f"R-{i}"}, "geometry": point}
        for i in range(11)
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    with pytest.raises(TooLargeError, match="11 features; at most 10"):
        read_layer_upload(data, CATALOGUE["receptors"], source="x", limits=Limits(max_features=10))


def test_the_feature_id_member_fills_the_identifier() -> None:
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": "R-9",
                    "properties": {},
                    "geometry": {"type": "Point", "coordinates": [67.4, 24.8]},
                }
            ],
        }
    ).encode()
    frame = read_layer_upload(data, CATALOGUE["receptors"], source="x", limits=Limits())
    assert frame["receptor_id"].tolist() == ["R-9"]
    assert frame.crs.to_epsg() == 4326


def test_a_feature_collection_is_required() -> None:
    with pytest.raises(ValidationError, match="FeatureCollection"):
        read_layer_upload(b'{"type":"Point"}', CATALOGUE["receptors"], source="x", limits=Limits())


@pytest.mark.parametrize("file", ["nul_in_identifier.geojson", "nul_in_identifier.gpkg"])
def test_a_nul_in_an_identifier_is_refused_not_cut_short(store: Store, file: str) -> None:
    before = store.version(), len(store.audit_log())
    data = (BAD / file).read_bytes()
    with pytest.raises(ValidationError) as caught:
        import_layer(store, data, layer="receptors", mode="append", actor="officer")
    assert [(p.row, p.field) for p in caught.value.problems] == [("R-01\x00evil", "receptor_id")]
    assert (store.version(), len(store.audit_log())) == before
    assert store.read("receptors")["receptor_id"].tolist().count("R-01") == 1


def test_line_breaks_in_free_text_are_kept(store: Store) -> None:
    feature = {
        "type": "Feature",
        "properties": {
            "receptor_id": "R-T9",
            "name": "Test well",
            "kind": "well",
            "population": None,
            "population_basis": "survey 2026:\n\tno residents",
            "location_basis": "SYNTHETIC test",
            "synthetic": True,
        },
        "geometry": {"type": "Point", "coordinates": [67.4, 24.8]},
    }
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    import_layer(store, data, layer="receptors", mode="append", actor="officer")
    stored = store.read("receptors", where={"receptor_id": "R-T9"})
    assert stored["population_basis"].tolist() == ["survey 2026:\n\tno residents"]
