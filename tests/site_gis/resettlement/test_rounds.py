"""Survey rounds: the cut-off round, each structure's status at it, changes between rounds."""

from __future__ import annotations

import pandas as pd
import pytest

from site_gis.errors import InvalidRequestError
from site_gis.resettlement import (
    CutOff,
    cut_off_basis,
    load_matrix,
    round_changes,
    structure_status,
)

ROUNDS = pd.DataFrame(
    {
        "round_id": ["A", "B"],
        "surveyed_on": ["2025-06-30", "2026-01-31"],
        "method": ["census", "drone_imagery"],
        "evidence": ["census report", "ortho 2026-01"],
    }
)
CUT_OFF = CutOff(on="2025-06-30", round_id="A", method="census", evidence="census report")
# A hand-made pair of rounds: structure, present, floor area, use, in A then in B
PAIR = [
    ("S1", True, 20.0, "residential", True, 20.0, "residential"),  # unchanged
    ("S2", True, 20.0, "residential", True, 22.0, "residential"),  # +10 %: extended
    ("S3", True, 50.0, "residential", True, 52.0, "residential"),  # +4 %: not extended
    ("S4", True, 30.0, "residential", True, 30.0, "commercial"),  # change of use
    ("S5", True, 10.0, "residential", False, None, None),  # removed (seen absent)
    ("S6", None, None, None, True, 12.0, "residential"),  # new in B
    ("S7", None, None, None, True, 9.0, "residential"),  # new in B
    ("S8", True, 40.0, "mixed", True, 60.0, "commercial"),  # extended and converted
    ("S9", True, 15.0, "residential", None, None, None),  # not seen in B: removed
]


def _observations() -> pd.DataFrame:
    rows = []
    for sid, pa, aa, ua, pb, ab, ub in PAIR:
        if pa is not None:
            rows.append(("A", sid, pa, aa, ua))
        if pb is not None:
            rows.append(("B", sid, pb, ab, ub))
    return pd.DataFrame(
        rows, columns=["round_id", "structure_id", "present", "floor_area_m2", "use"]
    )


def _structures() -> pd.DataFrame:
    ids = [p[0] for p in PAIR]
    return pd.DataFrame(
        {
            "structure_id": ids,
            "encroachment_id": ["E-1"] * 5 + ["E-2"] * 4,
            "households": [1, 1, 1, 1, 1, 2, 3, 1, 1],
            "floor_area_m2": [20, 22, 52, 30, 10, 12, 9, 60, 15],
            "surveyed_on": ["2025-06-30"] * 5 + ["2026-01-31"] * 2 + ["2025-06-30"] * 2,
        }
    )


def test_the_change_list_against_a_hand_made_pair_of_rounds() -> None:
    structures = _structures()
    parcel_of = pd.Series(["P-1"] * 4 + ["P-2"] * 5, index=structures["structure_id"])
    result = round_changes(
        _observations(),
        ROUNDS,
        "A",
        "B",
        structures=structures,
        parcel_of=parcel_of,
        cut_off=CUT_OFF,
        minimum=2,
    )
    listed = {(r.structure_id, r.change) for r in result["structures"].itertuples()}
    assert listed == {
        ("S2", "extended"),
        ("S4", "change_of_use"),
        ("S5", "removed"),
        ("S6", "new"),
        ("S7", "new"),
        ("S8", "extended"),
        ("S8", "change_of_use"),
        ("S9", "removed"),
    }
    flagged = result["structures"].set_index(["structure_id", "change"])["after_cut_off"]
    assert flagged[("S6", "new")] and flagged[("S7", "new")]
    assert not flagged[("S8", "extended")]
    by_encroachment = result["by_encroachment"].set_index("encroachment_id")
    assert by_encroachment.loc["E-1", ["new", "removed", "extended", "change_of_use"]].tolist() == [
        0,
        1,
        1,
        1,
    ]
    assert by_encroachment.loc["E-2", ["new", "removed", "extended", "change_of_use"]].tolist() == [
        2,
        1,
        1,
        1,
    ]
    assert by_encroachment.loc["E-2", "new_after_cut_off"] == 2
    assert by_encroachment.loc["E-2", "households_in_new"] == 5  # S6 2 + S7 3
    by_parcel = result["by_parcel"].set_index("parcel_id")
    assert by_parcel.loc["P-2", "new"] == 2 and by_parcel.loc["P-1", "extended"] == 1
    assert "households" not in result["structures"].columns


def test_households_in_new_structures_are_suppressed_below_five() -> None:
    structures = _structures()
    parcel_of = pd.Series("P-1", index=structures["structure_id"])
    result = round_changes(
        _observations(), ROUNDS, "A", "B", structures=structures, parcel_of=parcel_of,
        cut_off=CUT_OFF,
    )  # fmt: skip
    row = result["by_encroachment"].set_index("encroachment_id").loc["E-2"]
    assert row["new"] == 2 and pd.isna(row["households_in_new"]) and row["households_suppressed"]


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [("B", "A", "must be before"), ("A", "Z", "no survey round 'Z'"), ("A", "A", "before")],
)
def test_bad_round_pairs_are_refused(first: str, second: str, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        round_changes(
            _observations(), ROUNDS, first, second, structures=_structures(),
            parcel_of=pd.Series(dtype=object), cut_off=CUT_OFF,
        )  # fmt: skip


def test_status_at_the_cut_off_round() -> None:
    status = structure_status(_structures(), _observations(), ROUNDS, CUT_OFF)
    status.index = _structures()["structure_id"]
    assert status.loc["S6", "after_cut_off"] and status.loc["S6", "first_round"] == "B"
    assert not status.loc["S2", "after_cut_off"]
    assert status.loc["S2", "cut_off_floor_area_m2"] == 20  # 22 m² now: the extension is later
    assert pd.isna(status.loc["S6", "cut_off_floor_area_m2"])


def test_the_cut_off_is_a_round_of_the_store() -> None:
    matrix = load_matrix(overrides={"cut_off_round": "A"})
    basis = cut_off_basis(matrix, ROUNDS)
    assert basis.on == "2025-06-30" and "census" in basis.describe()
    with pytest.raises(InvalidRequestError, match="cut_off_round 'R2' is not a survey round"):
        cut_off_basis(load_matrix(), ROUNDS)
    assert cut_off_basis(load_matrix(), None).round_id is None  # no rounds: the matrix date


def test_rounds_without_observations_change_nothing() -> None:
    empty = _observations().iloc[0:0]
    result = round_changes(
        empty, ROUNDS, "A", "B", structures=_structures(), parcel_of=pd.Series(dtype=object),
        cut_off=CUT_OFF,
    )  # fmt: skip
    assert all(table.empty for table in result.values())
    status = structure_status(_structures(), empty, ROUNDS, CUT_OFF)
    assert status["after_cut_off"].tolist() == [False] * 5 + [True] * 2 + [False] * 2
