"""Lab-result import: what labs send is accepted, bad rows are named, nothing half-written."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from site_gis.contamination import import_results
from site_gis.errors import InvalidRequestError, ValidationError
from site_gis.store import Store

TODAY = date(2026, 11, 26)
HEADER = (
    "Sample ID,Location ID,Longitude,Latitude,Matrix,Depth Top,Depth Bottom,Sample Date,"
    "Analyte,CAS,Result,Units,Detection Limit,Qualifier,Lab,Method\n"
)
GOOD = HEADER + (
    "NEW-1-A,NEW-1,67.392,24.805,soil,0,0.5,03/11/2026,Benzo(a)pyrene,,2500,µg/kg,10,,KarLab,"
    "EPA 8270E\n"
    "NEW-1-A,NEW-1,67.392,24.805,soil,0,0.5,03/11/2026,Lead,,<0.5,mg/kg,,,KarLab,EPA 6020B\n"
    "NEW-1-A,NEW-1,67.392,24.805,soil,0,0.5,03/11/2026,,7440-43-9,ND,mg/kg,0.2,U,KarLab,"
    "EPA 6020B\n"
    "MW-NEW-1,MW-NEW,67.398,24.81,groundwater,6,12,2026-11-01,Benzene,71-43-2,0.95,mg/L,0.0005,,"
    "KarLab,EPA 8260D\n"
)


def _state(store: Store) -> tuple[str, int]:
    """What any write changes: the store's version and the length of its audit log."""
    return store.version(), len(store.audit_log())


def _assert_refused(
    store: Store, content: str, expected: list[tuple[int | None, str | None, str]]
) -> None:
    """The import fails naming each (row, field, reason) and the store is byte-identical."""
    before = _state(store)
    with pytest.raises(ValidationError) as caught:
        import_results(store, content.encode(), actor="a", source="lab.csv", today=TODAY)
    found = [(p.row, p.field, p.reason) for p in caught.value.problems]
    for row, field, reason in expected:
        assert any(r == row and f == field and reason in why for r, f, why in found), found
    assert _state(store) == before


def test_a_good_file_is_imported_with_units_normalised(store: Store) -> None:
    report = import_results(store, GOOD.encode(), actor="officer A", source="lab.csv", today=TODAY)
    assert (report.new_results, report.already_stored) == (4, 0)
    assert sorted(report.new_locations) == ["MW-NEW", "NEW-1"]
    stored = store.read("results", where={"sample_id": ["NEW-1-A", "MW-NEW-1"]}).set_index(
        "analyte"
    )
    assert stored.loc["Benzo[a]pyrene", "value"] == pytest.approx(2.5)  # 2500 µg/kg
    assert stored.loc["Benzo[a]pyrene", "detection_limit"] == pytest.approx(0.01)  # 10 µg/kg
    assert stored.loc["Benzene", "value"] == pytest.approx(950.0)  # 0.95 mg/L in µg/L
    assert stored.loc["Benzene", "unit"] == "ug/L"
    assert not stored.loc["Lead", "detected"]
    assert stored.loc["Lead", "detection_limit"] == pytest.approx(0.5)  # from "<0.5"
    assert stored.loc["Cadmium", "qualifier"] == "U"  # found by CAS number alone
    assert stored.loc["Lead", "sampled_on"] == "2026-11-03"  # dd/mm/yyyy
    locations = store.read("sample_locations", where={"location_id": "MW-NEW"})
    assert locations["location_type"].iloc[0] == "monitoring_well"
    # the alert: benzene 950 µg/L against the Dutch intervention value of 30 µg/L
    alert = report.exceedances.set_index("analyte")
    assert list(alert.index) == ["Benzene"]
    assert alert.loc["Benzene", "ratio"] == pytest.approx(950 / 30)
    log = store.audit_log().iloc[-1]
    assert log["actor"] == "officer A" and log["action"] == "import-results"
    assert log["rows"] == 6  # 4 results + 2 locations
    assert log["source_hash"] == hashlib.sha256(GOOD.encode()).hexdigest()


def test_re_importing_the_same_file_adds_nothing(store: Store) -> None:
    import_results(store, GOOD.encode(), actor="a", today=TODAY)
    before = _state(store)
    again = import_results(store, GOOD.encode(), actor="a", today=TODAY)
    assert (again.new_results, again.already_stored, again.audit) == (0, 4, None)
    assert _state(store) == before


def test_a_changed_result_is_not_overwritten_silently(store: Store) -> None:
    import_results(store, GOOD.encode(), actor="a", today=TODAY)
    before = _state(store)
    changed = GOOD.replace(",0.95,mg/L", ",0.99,mg/L")
    with pytest.raises(ValidationError) as caught:
        import_results(store, changed.encode(), actor="a", today=TODAY)
    assert [(p.row, p.field) for p in caught.value.problems] == [(5, "value")]
    assert "already stored with another result" in caught.value.problems[0].reason
    assert _state(store) == before


def _row(**changes: str) -> str:
    fields = {
        "sample": "X-1",
        "location": "NEW-9",
        "lon": "67.39",
        "lat": "24.80",
        "medium": "soil",
        "top": "0",
        "bottom": "0.5",
        "date": "2026-11-01",
        "analyte": "Lead",
        "cas": "",
        "value": "12",
        "unit": "mg/kg",
        "dl": "0.5",
        "qualifier": "",
        "lab": "KarLab",
        "method": "EPA 6020B",
    }
    fields.update(changes)
    return ",".join(fields.values()) + "\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            HEADER + _row(value="twelve"), [(2, "value", "not a number")], id="non-numeric"
        ),
        pytest.param(
            HEADER + _row(value="-3"), [(2, "value", "negative concentration")], id="negative"
        ),
        pytest.param(
            HEADER + _row(analyte="Unobtainium"),
            [(2, "analyte", "unknown analyte")],
            id="unknown-analyte",
        ),
        pytest.param(
            HEADER + _row(unit="mg/L"),
            [(2, "unit", "unit cannot be converted")],
            id="unconvertible-unit",
        ),
        pytest.param(
            HEADER + _row(lon="74.35", lat="31.52"),
            [(2, "longitude", "outside the site's region")],
            id="far-away",
        ),
        pytest.param(
            HEADER + _row(lon="24.80", lat="67.39"),
            [(2, "latitude", "latitude and longitude look swapped")],
            id="swapped",
        ),
        pytest.param(
            HEADER + _row() + _row(location="NEW-8", analyte="Zinc"),
            [(3, "location_id", "the same sample_id has another location_id")],
            id="sample-reused-elsewhere",
        ),
        pytest.param(
            HEADER + _row(sample="SB-00001-1", location="NEW-8"),
            [(2, "location_id", "sample already stored with another location_id")],
            id="sample-stored-elsewhere",
        ),
        pytest.param(
            HEADER + _row() + _row(value="13"),
            [(3, "analyte", "the same sample and analyte appear on an earlier row")],
            id="duplicate-row",
        ),
        pytest.param(
            HEADER + _row(lab="=cmd|' /C calc'!A0"),
            [(2, "lab", "begins with = + - or @")],
            id="formula",
        ),
        pytest.param(
            HEADER + _row(lab="@SUM(1+1)"), [(2, "lab", "begins with = + - or @")], id="formula-at"
        ),
        pytest.param(
            HEADER + _row(date="31/02/2026"),
            [(2, "sampled_on", "not a date")],
            id="impossible-date",
        ),
        pytest.param(
            HEADER + _row(date="2027-01-01"), [(2, "sampled_on", "in the future")], id="future-date"
        ),
        pytest.param(
            HEADER + _row(top="2", bottom="1"),
            [(2, "depth_bottom_m", "bottom of the interval is above its top")],
            id="depths",
        ),
        pytest.param(
            HEADER + _row(value="ND", dl=""),
            [(2, "detection_limit", "a non-detect needs its detection limit")],
            id="nd-without-limit",
        ),
        pytest.param(
            HEADER + _row(location="SB-00001", medium="groundwater"),
            [
                (2, "medium", "location SB-00001 is a soil location"),
                (2, "longitude", "location SB-00001 is stored"),
            ],
            id="known-location-moved",
        ),
        pytest.param(
            "Sample ID,Analyte,Result\nX,Lead,1\n",
            [(None, "location_id", "required column is missing")],
            id="missing-columns",
        ),
        pytest.param("", [(None, None, "the file is empty")], id="empty"),
        pytest.param(HEADER, [(None, None, "the file has a header but no rows")], id="no-rows"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(
    store: Store, content: str, expected: list[tuple[int | None, str | None, str]]
) -> None:
    _assert_refused(store, content, expected)


def test_every_problem_in_a_file_is_reported_at_once(store: Store) -> None:
    content = (
        HEADER
        + _row(value="twelve")
        + _row(sample="X-2", analyte="Unobtainium")
        + _row(sample="X-3", unit="furlongs")
        + _row(sample="X-4", date="yesterday")
    )
    with pytest.raises(ValidationError) as caught:
        import_results(store, content.encode(), actor="a", today=TODAY)
    assert {(p.row, p.field) for p in caught.value.problems} == {
        (2, "value"),
        (3, "analyte"),
        (4, "unit"),
        (5, "sampled_on"),
    }


def test_a_file_that_is_not_utf8_is_refused(store: Store) -> None:
    content = (HEADER + _row(lab="Laboratoire Générale")).encode("latin-1")
    with pytest.raises(ValidationError, match="not UTF-8"):
        import_results(store, content, actor="a", today=TODAY)


def test_semicolon_separated_files_are_read(store: Store) -> None:
    content = (HEADER + _row()).replace(",", ";")
    report = import_results(store, content.encode(), actor="a", today=TODAY)
    assert report.new_results == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            HEADER + _row(medium=""), [(2, "medium", "value is required")], id="blank-medium"
        ),
        pytest.param(
            HEADER + _row(value="abc", qualifier="U"),
            [(2, "value", "not a number")],
            id="unparsed-value-marked-U",
        ),
        pytest.param(
            HEADER + _row(value="<-1"),
            [(2, "value", "negative detection limit")],
            id="negative-limit",
        ),
        pytest.param(
            HEADER + _row(value="1e400"), [(2, "value", "not a finite number")], id="infinite"
        ),
        pytest.param(
            HEADER + _row(bottom="250"), [(2, "depth_bottom_m", "above 200")], id="too-deep"
        ),
        pytest.param(
            HEADER + _row(analyte="pH", value="<2", unit="pH units"),
            [(2, "value", "pH is measured, never a non-detect")],
            id="ph-non-detect",
        ),
        pytest.param(
            HEADER + _row(analyte="pH", value="15", unit="pH units", dl=""),
            [(2, "value", "pH must be between 0 and 14")],
            id="ph-15",
        ),
        pytest.param(
            HEADER.replace("Result", "Result,Result") + _row().replace(",12,", ",12,13,"),
            [(None, "value", "column appears twice")],
            id="duplicate-header",
        ),
    ],
)
def test_more_bad_input(
    store: Store, content: str, expected: list[tuple[int | None, str | None, str]]
) -> None:
    _assert_refused(store, content, expected)


def test_qualifier_text_does_not_turn_a_detect_into_a_non_detect(store: Store) -> None:
    content = HEADER + _row(qualifier="Dilution") + _row(sample="X-2", qualifier="J - estimated")
    import_results(store, content.encode(), actor="a", today=TODAY)
    stored = store.read("results", where={"sample_id": ["X-1", "X-2"]}).set_index("sample_id")
    assert stored["detected"].all() and (stored["value"] == 12).all()
    assert stored.loc["X-2", "qualifier"] == "J"


def test_blank_trailing_rows_and_trailing_delimiters_are_tolerated(store: Store) -> None:
    content = HEADER + _row().replace("\n", ",\n") + ",,,,,,,,,,,,,,,\n   \n"
    report = import_results(store, content.encode(), actor="a", today=TODAY)
    assert report.new_results == 1


def test_a_value_exactly_at_the_level_after_unit_conversion_passes(store: Store) -> None:
    # 5100 µg/kg = 5.1 mg/kg, the (recalled) US EPA industrial benzene level
    content = HEADER + _row(analyte="Benzene", value="5100", unit="µg/kg", dl="5")
    report = import_results(
        store,
        content.encode(),
        actor="a",
        standard="us_epa_rsl",
        land_use="industrial",
        today=TODAY,
    )
    assert report.exceedances.empty
    stored = store.read("results", where={"sample_id": "X-1"})
    assert stored["value"].iloc[0] == 5.1


def test_an_unknown_standard_fails_before_anything_is_written(store: Store) -> None:
    before = _state(store)
    with pytest.raises(InvalidRequestError, match="unknown standard"):
        import_results(store, GOOD.encode(), actor="a", standard="nope", today=TODAY)
    assert _state(store) == before


def test_a_standard_without_levels_for_the_land_use_screens_as_no_level(
    store: Store,
) -> None:
    report = import_results(
        store, GOOD.encode(), actor="a", standard="ccme_soil", land_use="residential", today=TODAY
    )
    assert report.new_results == 4 and report.exceedances.empty


def test_a_changed_qualifier_or_lab_is_a_correction(store: Store) -> None:
    import_results(store, GOOD.encode(), actor="a", today=TODAY)
    with pytest.raises(ValidationError, match="already stored with another result"):
        import_results(store, GOOD.replace("KarLab", "OtherLab").encode(), actor="a", today=TODAY)


def test_a_lone_carriage_return_in_the_header_is_a_clear_error() -> None:
    from site_gis.io import read_csv_bytes

    data = b"a\rb,c\n1,2\n"  # found by schemathesis: was csv.Error, a 500
    with pytest.raises(ValidationError, match=r"line\(s\) 2, 3 have more fields"):
        read_csv_bytes(data, "cr.csv", max_rows=5)


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"location": "MW-00001\x00shadow"}, "location_id"),  # GDAL would store MW-00001
        ({"sample": "X-1\x00"}, "sample_id"),
        ({"lab": "Kar\x07Lab"}, "lab"),
        ({"method": '"EPA\n6020B"'}, "method"),  # a line break inside a quoted cell
        ({"method": '"EPA\t6020B"'}, "method"),
        ({"qualifier": "J\x7f"}, "qualifier"),
        ({"analyte": "Le\x1bad"}, "analyte"),
        ({"lon": "67.39\x00"}, "longitude"),
        ({"unit": "mg/\x85kg"}, "unit"),
    ],
)
def test_a_control_character_in_any_cell_is_named_by_line_and_column(
    store: Store, change: dict[str, str], column: str
) -> None:
    _assert_refused(store, HEADER + _row(**change), [(2, column, "contains a control character")])
