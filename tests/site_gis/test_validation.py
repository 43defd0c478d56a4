"""Schema validation reports every problem at once, naming layer, row and field."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from site_gis.errors import LayerValidationError
from site_gis.schemas import CATALOGUE
from site_gis.validation import check_layer, control_character, control_characters, validate_site

BOWTIE = Polygon([(67.30, 24.80), (67.31, 24.81), (67.31, 24.80), (67.30, 24.81)])
SQUARE = Polygon([(67.30, 24.80), (67.31, 24.80), (67.31, 24.81), (67.30, 24.81)])


def _receptors(**changes: object) -> gpd.GeoDataFrame:
    rows = {
        "receptor_id": ["R-1", "R-2"],
        "name": ["A", "B"],
        "kind": ["community", "well"],
        "population": [100, None],
        "population_basis": ["SYNTHETIC", "n/a"],
        "location_basis": ["SYNTHETIC", "SYNTHETIC"],
        "synthetic": [True, True],
    }
    rows.update(changes)  # type: ignore[arg-type]
    geometry = rows.pop("geometry", [Point(67.3, 24.8), Point(67.4, 24.9)])
    return gpd.GeoDataFrame(rows, geometry=geometry, crs=4326)


def _reasons(problems: list) -> set[tuple[object, str | None, str]]:
    return {(p.row, p.field, p.reason.split(";")[0].split(":")[0]) for p in problems}


def test_a_valid_layer_has_no_problems_and_canonical_dtypes() -> None:
    frame, problems = check_layer(_receptors(), CATALOGUE["receptors"])
    assert problems == []
    assert str(frame["population"].dtype) == "Int64"
    assert frame["synthetic"].dtype == bool


def test_every_problem_is_reported_at_once() -> None:
    broken = _receptors(
        receptor_id=["R-1", "R-1"],
        kind=["community", "volcano"],
        population=["many", -5],
        synthetic=["yes", "perhaps"],
    )
    _, problems = check_layer(broken, CATALOGUE["receptors"])
    found = _reasons(problems)
    assert ("R-1", "receptor_id", "duplicate identifier") in found
    assert ("R-1", "kind", "not one of the allowed values") in found
    assert ("R-1", "population", "not a number (expected int)") in found
    assert ("R-1", "population", "below the minimum 0") in found
    assert ("R-1", "synthetic", "not a boolean (true/false)") in found
    assert len(problems) == 5


def test_missing_and_unexpected_fields() -> None:
    frame = _receptors().drop(columns=["kind"]).assign(colour="red")
    _, problems = check_layer(frame, CATALOGUE["receptors"])
    assert (None, "kind", "required field is missing") in _reasons(problems)
    assert (None, "colour", "unexpected field") in _reasons(problems)


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        pytest.param([BOWTIE, SQUARE], "invalid geometry", id="self-intersecting"),
        pytest.param([Polygon(), SQUARE], "geometry is empty", id="empty"),
        pytest.param([None, SQUARE], "geometry is missing", id="missing"),
        pytest.param(
            [LineString([(67.3, 24.8), (67.4, 24.9)]), SQUARE],
            "geometry type must be Polygon",
            id="wrong-type",
        ),
    ],
)
def test_bad_geometry_is_named(geometry: list, reason: str) -> None:
    frame = gpd.GeoDataFrame(
        {
            "parcel_id": ["P-1", "P-2"],
            "land_use": ["open_land"] * 2,
            "owner": ["PSM"] * 2,
            "area_ha": [1.0, 1.0],
            "zone_id": [None, None],
            "synthetic": [True, True],
        },
        geometry=geometry,
        crs=4326,
    )
    _, problems = check_layer(frame, CATALOGUE["parcels"])
    assert [(p.row, p.field) for p in problems] == [("P-1", "geometry")]
    assert problems[0].reason.startswith(reason)


def test_projected_coordinates_declared_as_degrees_are_caught() -> None:
    frame = _receptors(geometry=[Point(333475, 2744912), Point(67.3, 24.8)])
    _, problems = check_layer(frame, CATALOGUE["receptors"])
    assert [(p.row, p.reason) for p in problems] == [
        ("R-1", "coordinates are not longitude/latitude in degrees")
    ]


def test_a_layer_in_another_crs_is_refused() -> None:
    frame = _receptors().to_crs(32642)
    _, problems = check_layer(frame, CATALOGUE["receptors"])
    assert len(problems) == 1 and "not in EPSG:4326" in problems[0].reason


def test_results_rules_and_foreign_keys_across_layers() -> None:
    locations = gpd.GeoDataFrame(
        {
            "location_id": ["SB-1"],
            "location_type": ["borehole"],
            "medium": ["soil"],
            "zone_id": [None],
            "synthetic": [True],
            "background": [False],
        },
        geometry=[Point(67.3, 24.8)],
        crs=4326,
    )
    base = {
        "sample_id": "SB-1-1",
        "medium": "soil",
        "depth_top_m": 0.0,
        "depth_bottom_m": 0.5,
        "sampled_on": "2026-02-03",
        "analyte": "Lead",
        "cas_number": "7439-92-1",
        "unit": "mg/kg",
        "lab": "L",
        "method": "M",
        "synthetic": "true",
    }
    results = pd.DataFrame(
        [
            {
                **base,
                "result_id": "a",
                "location_id": "SB-1",
                "value": "",
                "detected": "true",
                "detection_limit": "0.5",
                "qualifier": "",
            },
            {
                **base,
                "result_id": "b",
                "location_id": "SB-9",
                "value": "12",
                "detected": "true",
                "detection_limit": "0.5",
                "qualifier": "",
            },
            {
                **base,
                "result_id": "c",
                "location_id": "SB-1",
                "value": "",
                "detected": "false",
                "detection_limit": "",
                "qualifier": "U",
            },
            {
                **base,
                "result_id": "d",
                "location_id": "SB-1",
                "value": "3",
                "detected": "true",
                "detection_limit": "0.5",
                "qualifier": "",
                "depth_top_m": "2.0",
                "sampled_on": "03/02/2026",
            },
        ]
    )
    with pytest.raises(LayerValidationError) as caught:
        validate_site({"sample_locations": locations, "results": results})
    found = _reasons(caught.value.problems)
    assert found == {("d", "sampled_on", "not a date in YYYY-MM-DD form")}
    results.loc[3, "sampled_on"] = "2026-02-03"
    with pytest.raises(LayerValidationError) as caught:
        validate_site({"sample_locations": locations, "results": results})
    assert _reasons(caught.value.problems) == {
        ("a", "value", "a detected result needs a value"),
        ("c", "detection_limit", "a non-detect needs its detection limit"),
        ("d", "depth_bottom_m", "bottom of the interval is above its top"),
    }
    results = results.drop(index=[0, 2, 3])
    with pytest.raises(LayerValidationError) as caught:
        validate_site({"sample_locations": locations, "results": results})
    assert _reasons(caught.value.problems) == {
        ("b", "location_id", "no such location_id in sample_locations")
    }


def test_the_error_message_names_layer_row_and_field() -> None:
    with pytest.raises(LayerValidationError) as caught:
        validate_site({"receptors": _receptors(kind=["community", "volcano"])})
    message = str(caught.value)
    assert "receptors, row R-2, field 'kind'" in message and "'volcano'" in message


def test_dates_must_be_zero_padded_iso() -> None:
    structures = CATALOGUE["encroachments"]
    frame = gpd.GeoDataFrame(
        {
            "encroachment_id": ["E-1"],
            "kind": ["scrapyard"],
            "name": ["x"],
            "surveyed_on": ["2024-1-5"],
            "structures_katcha": [1],
            "structures_semi_pucca": [0],
            "structures_pucca": [0],
            "structures_total": [1],
            "households": [0],
            "businesses": [1],
            "area_ha": [1.0],
            "synthetic": [True],
        },
        geometry=[SQUARE],
        crs=4326,
    )
    _, problems = check_layer(frame, structures)
    assert [(p.field, p.reason) for p in problems] == [
        ("surveyed_on", "not a date in YYYY-MM-DD form")
    ]


def test_crs84_is_accepted_as_lon_lat() -> None:
    frame = _receptors().set_crs("OGC:CRS84", allow_override=True)
    _, problems = check_layer(frame, CATALOGUE["receptors"])
    assert problems == []


@pytest.mark.parametrize(
    ("field", "value", "refused"),
    [
        ("receptor_id", "R-01\x00evil", True),  # NUL: GDAL would store R-01
        ("receptor_id", "R-\x0101", True),
        ("receptor_id", "R\t01", True),  # tab: no identifier holds one
        ("receptor_id", "R-01\x7fx", True),  # DEL
        ("receptor_id", "R-\x8501", True),  # C1 (next line)
        ("receptor_id", "R-\x9f01", True),
        ("receptor_id", "R-é1 ü", False),  # letters of any script are text
        ("receptor_id", "R-\xa001", False),  # no-break space is not a control
        ("name", "Well\x1b[31m A", True),  # an escape sequence
        ("name", "Well\nTwo", True),  # a name is one line
        ("kind", "well\x00", True),  # one problem, not also "not one of the allowed values"
        ("population_basis", "line one\nline two\r\n\tindented", False),  # free text
        ("population_basis", "census\x00 2023", True),
        ("population_basis", "census\x0b 2023", True),  # vertical tab: not allowed in prose
        ("population_basis", "census\x7f", True),
    ],
)
def test_control_characters_are_refused_by_field_kind(
    field: str, value: str, refused: bool
) -> None:
    values = {"receptor_id": ["R-1", "R-2"], field: [value, "B" if field != "kind" else "well"]}
    if field == "receptor_id":
        values[field] = [value, "R-2"]
    _, problems = check_layer(_receptors(**values), CATALOGUE["receptors"])
    if not refused:
        assert problems == []
        return
    assert len(problems) == 1, problems
    assert (problems[0].field, problems[0].value) == (field, value)
    assert problems[0].reason.startswith("contains a control character")


def test_a_lone_surrogate_is_refused_not_a_crash() -> None:
    frame = _receptors()
    frame["receptor_id"] = pd.Series(["R-1", "R-\ud800"], dtype=object)  # only object holds one
    _, problems = check_layer(frame, CATALOGUE["receptors"])
    assert [(p.row, p.field) for p in problems] == [("R-\ud800", "receptor_id")]
    assert "lone surrogate" in problems[0].reason
    assert "'R-\\ud800'" in str(problems[0])  # shown escaped, never raw


def test_a_row_with_a_control_character_is_shown_escaped() -> None:
    _, problems = check_layer(_receptors(receptor_id=["R-1\x00x", "R-2"]), CATALOGUE["receptors"])
    assert str(problems[0]).startswith("receptors, row 'R-1\\x00x', field 'receptor_id'")


@pytest.mark.parametrize("multiline", [False, True])
def test_the_rule_is_unicodes_control_category_and_surrogates(multiline: bool) -> None:
    import unicodedata

    allowed_in_prose = {"\t", "\n", "\r"} if multiline else set()
    for code in range(0x10000):
        char = chr(code)
        expected = unicodedata.category(char) in ("Cc", "Cs") and char not in allowed_in_prose
        assert (control_character(f"a{char}b", multiline=multiline) is not None) is expected, code
    text = pd.Series([chr(c) for c in range(0xD800)] + [None])
    found = {
        c
        for c, bad in zip(range(0xD801), control_characters(text, multiline=multiline), strict=True)
        if bad
    }
    assert found == {c for c in range(0xD800) if unicodedata.category(chr(c)) == "Cc"} - {
        ord(c) for c in allowed_in_prose
    }


def test_control_character_names_the_first_one() -> None:
    assert control_character("R-01\x00evil\x7f") == "U+0000"
    assert control_character("tab\there\x1b", multiline=True) == "U+001B"
    assert control_character("plain text, é, 中文") is None
