"""Ten structures across every category, priced by hand for cash only and a relocation site.

Rates (the shipped matrix with round-number overrides, and the shipped rows):
pucca 30,000, semi-pucca 20,000, katcha 8,000 PKR per m² of floor area; land 20,000 per
m² of plot; shifting 20,000 per household; rent 15,000 a month, 24 months for an
owner-occupier (360,000) and 3 for a tenant (45,000); business 40,000 × 12 (480,000);
wages 37,000 × 3 (111,000), one worker per business; vulnerable 50,000; humanitarian
20,000; formal rights × 1.15 (LAA s. 23(2)); contingency 10 % and administration 5 %.
The cut-off is round R2 (census, 2025-06-30).
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from site_gis.resettlement import (
    claims,
    cost_structures,
    cut_off_basis,
    entitlement_lines,
    estimate_resettlement,
    load_matrix,
    load_relocation_site,
    report_basis,
    structure_status,
    summarise,
)
from site_gis.resettlement.rounds import households_after_cut_off

RATES = {
    "rates.structure_pucca.rate": 30_000,
    "rates.structure_semi_pucca.rate": 20_000,
    "rates.structure_katcha.rate": 8_000,
    "rates.land.rate": 20_000,
    "rates.shifting.rate": 20_000,
    "rates.rental_owner.rate": 15_000,
    "rates.rental_tenant.rate": 15_000,
    "rates.business.rate": 40_000,
    "rates.wages.rate": 37_000,
    "rates.vulnerable.rate": 50_000,
    "rates.humanitarian.rate": 20_000,
    "workers_per_business": 1.0,
}
SITE = {
    "plot.rate": 60,
    "rates.land.rate": 5_000,
    "rates.services.rate": 250_000,
    "rates.transport.rate": 15_000,
}

ROUNDS = pd.DataFrame(
    {
        "round_id": ["R1", "R2", "R3"],
        "surveyed_on": ["2025-02-15", "2025-06-30", "2026-10-31"],
        "method": ["drone_imagery", "census", "field_verification"],
        "evidence": ["ortho-1", "census-1", "ortho-2"],
    }
)
# id, type, use, floor m² now, floor m² at R2, plot m², businesses, land claim, first round
STRUCTURES = [
    ("S01", "pucca", "residential", 50, 50, 60, 0, "formal_rights", "R1"),
    ("S02", "semi_pucca", "residential", 40, 40, 45, 0, "recognisable_claim", "R1"),
    ("S03", "katcha", "residential", 20, 20, 25, 0, None, "R1"),
    ("S04", "katcha", "residential", 30, 20, 30, 0, "no_recognisable_rights", "R2"),  # extended
    ("S05", "semi_pucca", "commercial", 25, 25, 30, 1, "no_recognisable_rights", "R1"),
    ("S06", "pucca", "mixed", 60, 60, 40, 1, "no_recognisable_rights", "R1"),
    ("S07", "katcha", "residential", 15, None, 20, 0, "no_recognisable_rights", "R3"),  # late
    ("S08", "katcha", "workshop", 18, None, 20, 1, "no_recognisable_rights", "R3"),  # late
    ("S09", "semi_pucca", "residential", 35, 35, 40, 0, "no_recognisable_rights", "R1"),
    ("S10", "pucca", "commercial", 40, 40, 50, 2, "formal_rights", "R1"),
]
# id, structure, tenure, female-headed, elderly-headed, disabled member, below poverty line,
# enumerated in round
HOUSEHOLDS = [
    ("H01", "S01", "owner_occupier", False, False, False, False, "R2"),
    ("H02", "S02", "owner_occupier", True, False, False, False, "R2"),
    ("H03", "S02", "tenant", False, False, False, False, "R2"),
    ("H04", "S03", "owner_occupier", False, False, False, False, "R2"),
    ("H05", "S04", "owner_occupier", False, False, False, True, "R2"),
    ("H06", "S06", "owner_occupier", False, False, False, False, "R2"),
    ("H07", "S06", "tenant", False, True, False, False, "R2"),
    ("H08", "S06", "tenant", False, False, False, False, "R3"),  # moved in after the cut-off
    ("H09", "S07", "owner_occupier", True, False, False, False, "R3"),
    ("H10", "S09", "tenant", False, False, True, False, "R2"),
]
# per structure, by hand (PKR, before contingency and administration)
BY_HAND = {
    "S01": 50 * 30_000 * 1.15 + 60 * 20_000 * 1.15 + 20_000 + 360_000,  # 3,485,000
    "S02": 40 * 20_000 + 45 * 20_000 + (20_000 + 360_000 + 50_000) + (20_000 + 45_000),
    "S03": 20 * 8_000 + 20_000 + 360_000,  # no land for no recognisable rights: 540,000
    "S04": 20 * 8_000 + 20_000 + 360_000 + 50_000,  # the R2 floor area, not 30 m²: 590,000
    "S05": 25 * 20_000 + 480_000 + 111_000,  # 1,091,000
    "S06": 60 * 30_000 + 480_000 + 111_000 + 380_000 + (20_000 + 45_000 + 50_000) + 20_000,
    "S07": 20_000,  # after the cut-off: the humanitarian allowance of its household only
    "S08": 0,  # after the cut-off, no household: nothing
    "S09": 35 * 20_000 + 20_000 + 45_000 + 50_000,  # tenant of a non-resident owner: 815,000
    "S10": 40 * 30_000 * 1.15 + 50 * 20_000 * 1.15 + 2 * 480_000 + 2 * 111_000,  # 3,712,000
}
SUBTOTAL = 15_354_000
CASH_ONLY = SUBTOTAL * 1.15  # 17,657,100
# relocation site: 5 owner-occupier households before the cut-off (H01 H02 H04 H05 H06)
# get a 60 m² plot at 5,000 per m² (1,500,000), services 5 × 250,000 (1,250,000),
# transport 5 × 15,000 (75,000); their shifting allowance (5 × 20,000) is not paid
RELOCATION = (SUBTOTAL - 100_000 + 1_500_000 + 1_250_000 + 75_000) * 1.15  # 20,790,850


def _structures() -> gpd.GeoDataFrame:
    rows = []
    for i, (sid, kind, use, area, _, plot, businesses, claim, _) in enumerate(STRUCTURES):
        households = sum(1 for h in HOUSEHOLDS if h[1] == sid)
        x = 67.300 + 0.0002 * i
        rows.append(
            {
                "structure_id": sid,
                "encroachment_id": "E-1",
                "type": kind,
                "use": use,
                "storeys": 1,
                "floor_area_m2": float(area),
                "plot_area_m2": float(plot),
                "households": households,
                "businesses": businesses,
                "vulnerable_households": 0,  # the households table decides
                "surveyed_on": "2025-01-01",  # the rounds decide
                "land_claim": claim,
                "geometry": box(x, 24.82, x + 0.0001, 24.8201),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _households() -> pd.DataFrame:
    columns = [
        "household_id",
        "structure_id",
        "tenure",
        "female_headed",
        "elderly_headed",
        "disabled_member",
        "below_poverty_line",
        "enumerated_round",
    ]
    return pd.DataFrame(HOUSEHOLDS, columns=columns)


def _observations() -> pd.DataFrame:
    rows = []
    order = {"R1": 0, "R2": 1, "R3": 2}
    for sid, _, use, area, at_r2, _, _, _, first in STRUCTURES:
        for round_id in ("R1", "R2", "R3"):
            if order[round_id] < order[first]:
                continue
            floor = area if round_id == "R3" else at_r2
            rows.append((round_id, sid, True, float(floor), use))
    return pd.DataFrame(
        rows, columns=["round_id", "structure_id", "present", "floor_area_m2", "use"]
    )


@pytest.fixture(scope="module")
def priced() -> tuple[pd.DataFrame, pd.DataFrame]:
    matrix = load_matrix(overrides=RATES)
    structures, households = _structures(), _households()
    cut_off = cut_off_basis(matrix, ROUNDS)
    status = structure_status(structures, _observations(), ROUNDS, cut_off)
    claimed = claims(
        structures,
        matrix,
        households=households,
        after_cut_off=status["after_cut_off"],
        cut_off_floor_area=status["cut_off_floor_area_m2"],
        households_after_cut_off=households_after_cut_off(households, ROUNDS, cut_off),
    )
    costs = cost_structures(structures, matrix, claimed=claimed)
    return claimed, costs.set_index(structures["structure_id"])


def test_each_structure_to_the_rupee(priced: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, costs = priced
    assert costs["subtotal"].to_dict() == pytest.approx(BY_HAND)
    assert sum(BY_HAND.values()) == SUBTOTAL
    assert costs["total"].sum() == pytest.approx(CASH_ONLY)


def test_totals_by_loss_type_and_households_by_category(
    priced: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    total = summarise(priced[1]).iloc[0]
    by_hand = {
        # S01 S02 S03 S04 (20 m² at R2) S06 S09
        "residential_structure": 1_725_000 + 800_000 + 160_000 + 160_000 + 1_800_000 + 700_000,
        "commercial_structure": 500_000 + 1_380_000,  # S05, S10
        "land_use": 1_380_000 + 900_000 + 1_150_000,  # formal S01, claim S02, formal S10
        "income_business": 4 * 480_000,  # S05, S06, 2 × S10 (S08 after the cut-off)
        "wages": 4 * 111_000,
        "shifting": 8 * 20_000 + 2 * 20_000,  # 8 eligible, H08 and H09 humanitarian
        "rental": 5 * 360_000 + 3 * 45_000,  # owners H01 H02 H04 H05 H06; tenants H03 H07 H10
        "vulnerable": 4 * 50_000,  # H02 H05 H07 H10 (H09 arrived after the cut-off)
        "subtotal": SUBTOTAL,
        "contingency": SUBTOTAL * 0.10,
        "administration": SUBTOTAL * 0.05,
        "total": CASH_ONLY,
        "structures": 10,
        "eligible_structures": 8,
        "households": 10,
        "households_owner_occupier": 5,
        "households_tenant": 3,
        "households_post_cut_off_occupant": 2,
        "vulnerable_households": 5,  # affected, H09 included (not entitled)
        "businesses": 5,  # affected, S08 included
    }
    assert {k: total[k] for k in by_hand} == pytest.approx(by_hand)
    assert total["people"] == pytest.approx(63.0) and not total["suppressed"]


def test_post_cut_off_structures_get_the_stated_allowance_and_nothing_else(
    priced: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    claimed, costs = priced
    late = claimed[claimed["structure"].isin([6, 7])]  # S07, S08
    assert set(late["category"]) == {"post_cut_off_occupant"}
    assert set(late["eligibility"]) == {"after_cut_off"}
    paid = late[late["amount"] > 0]
    assert list(paid["row_id"]) == ["PC-SH"] and list(paid["amount"]) == [20_000]
    assert costs.loc["S07", "shifting"] == 20_000 and costs.loc["S07", "subtotal"] == 20_000
    assert costs.loc["S08", "total"] == 0
    # H08 moved into an eligible structure after the cut-off: the same allowance only
    h08 = claimed[(claimed["structure"] == 5) & (claimed["category"] == "post_cut_off_occupant")]
    assert h08.groupby("loss")["amount"].sum().to_dict() == {
        "rental": 0,
        "shifting": 20_000,
    }
    # without the framework's humanitarian row: nothing at all
    strict = load_matrix(overrides={**RATES, "rates.humanitarian.rate": 0})
    assert claims(_structures().iloc[[6, 7]], strict, households=_households(),
                  after_cut_off=pd.Series(True, index=[6, 7]))["amount"].sum() == 0  # fmt: skip


def test_lines_name_their_row_policy_and_reason(
    priced: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    claimed, _ = priced
    matrix = load_matrix(overrides=RATES)
    cut_off = cut_off_basis(matrix, ROUNDS)
    lines = entitlement_lines(claimed, matrix, cut_off, minimum=1).set_index(
        ["loss", "category", "eligibility"]
    )
    rental_tenant = lines.loc[("rental", "tenant", "no_recognisable_rights")]
    assert rental_tenant["row_id"] == "RT-T" and rental_tenant["amount"] == 2 * 45_000
    assert "ESS5 para 10(c)" in rental_tenant["reason"] and "R2" in rental_tenant["reason"]
    land = lines.loc[("land_use", "owner_occupier", "no_recognisable_rights")]
    assert land["row_id"] == "LU-N" and land["amount"] == 0 and not land["entitled"]
    late = lines.loc[("residential_structure", "post_cut_off_occupant", "after_cut_off")]
    assert late["row_id"] == "PC" and "first recorded after the cut-off" in late["reason"]
    assert "ADB SPS 2009" in late["policy"]
    assert lines["amount"].sum() == SUBTOTAL
    # with the default minimum every line over fewer than 5 structures is blanked
    shown = entitlement_lines(claimed, matrix, cut_off)
    assert shown.loc[shown["structures"] < 5, "amount"].isna().all()
    assert shown.loc[shown["structures"] < 5, "suppressed"].all()


def _estimate(structures: gpd.GeoDataFrame, **kwargs: object) -> dict[str, pd.DataFrame]:
    outline = box(67.299, 24.819, 67.303, 24.822)
    encroachments = gpd.GeoDataFrame(
        {"encroachment_id": ["E-1"], "kind": ["residential_settlement"]},
        geometry=[outline],
        crs="EPSG:4326",
    )
    parcels = gpd.GeoDataFrame({"parcel_id": ["P-1"]}, geometry=[outline], crs="EPSG:4326")
    zones = gpd.GeoDataFrame({"zone_id": []}, geometry=[], crs="EPSG:4326")
    return estimate_resettlement(
        structures,
        encroachments,
        parcels,
        zones,
        load_matrix(overrides=RATES),
        crs="EPSG:32642",
        households=_households(),
        rounds=ROUNDS,
        observations=_observations(),
        relocation=load_relocation_site(overrides=SITE),
        **kwargs,  # type: ignore[arg-type]
    )


def test_cash_only_against_a_relocation_site() -> None:
    report = _estimate(_structures())
    scenarios = report["scenarios"].set_index("scenario")
    assert scenarios.loc["cash_only", "total"] == pytest.approx(CASH_ONLY)
    assert scenarios.loc["relocation_site", "total"] == pytest.approx(RELOCATION)
    assert scenarios.loc["relocation_site", "plots"] == 5
    assert scenarios.loc["relocation_site", "relocation_land"] == 1_500_000
    assert scenarios.loc["relocation_site", "relocation_services"] == 1_250_000
    assert scenarios.loc["relocation_site", "cash_replaced"] == 100_000
    for level in ("by_encroachment", "by_parcel", "by_phase"):
        row = report[level].iloc[0]
        assert row["total"] == pytest.approx(CASH_ONLY, abs=1)
        assert row["total_relocation_site"] == pytest.approx(RELOCATION, abs=1)
    json.dumps(report["lines"].to_dict("records"))  # aggregates, serialisable


def test_every_output_suppresses_groups_under_five_structures() -> None:
    report = _estimate(_structures().iloc[:4], lines_by="encroachment")
    for name in ("totals", "by_encroachment", "by_parcel", "by_phase"):
        row = report[name].iloc[0]
        assert row["suppressed"] and row["structures"] == 4
        for field in ("households", "households_tenant", "total", "total_relocation_site"):
            assert pd.isna(row[field]), (name, field)
    assert report["lines"]["suppressed"].all() and report["lines"]["amount"].isna().all()
    assert report["scenarios"]["total"].isna().all()


def test_the_basis_states_the_cut_off_and_every_assumption() -> None:
    matrix = load_matrix(overrides=RATES)
    structures = _structures()
    basis = report_basis(matrix, ROUNDS, _households(), structures)
    assert basis["cut_off_round"] == "R2" and basis["assumptions"] == []
    structures.loc[0, "households"] = 3  # S01: 3 counted, 1 enumerated
    basis = report_basis(matrix, ROUNDS, _households(), structures)
    assert "1 structure(s) count more households" in str(basis["assumptions"])
    assert "owner-occupier" in str(report_basis(matrix, None, None)["assumptions"])
