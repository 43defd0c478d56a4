"""``/contamination/background``: BTVs, site versus background, screening with the BTV."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from api.maps.assets import render
from api.maps.contamination import ContaminationQuery, build_contamination_map
from site_gis.store import Store


def test_btvs_mark_one_recommended_row_per_analyte_and_medium(client: httpx.Client) -> None:
    response = client.get("/contamination/background", params={"analyte": "Lead"})
    assert response.status_code == 200
    body = response.json()
    assert body["synthetic"] and "EPA/600/R-07/041" in body["reference"]
    assert body["background_locations"] == 18  # 12 boreholes and 6 wells (SYNTHETIC)
    rows = body["btvs"]
    assert {r["medium"] for r in rows} == {"soil", "groundwater"}
    for medium in ("soil", "groundwater"):
        chosen = [r for r in rows if r["medium"] == medium and r["recommended"]]
        assert len(chosen) == 1 and chosen[0]["statistic"] == "UTL95-95"
        assert chosen[0]["reason"]
    statistics = {(r["statistic"], r["variant"]) for r in rows if r["medium"] == "soil"}
    assert {("USL95", "normal"), ("UPL95", "lognormal"), ("P95", "gamma WH")} <= statistics
    assert ("UTL95-95", "nonparametric") in statistics
    usl = [r for r in rows if r["statistic"] == "USL95" and r["variant"] != "nonparametric"]
    assert not any(r["verified"] for r in usl)


def test_btvs_as_csv(client: httpx.Client) -> None:
    response = client.get(
        "/contamination/background",
        params={"medium": "soil", "recommended_only": "true", "f": "csv"},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and all(r["recommended"] == "True" for r in rows)
    assert {"Lead", "Arsenic", "Chromium (total)"} <= {r["analyte"] for r in rows}


def test_comparison_per_zone_states_its_hypothesis(client: httpx.Client) -> None:
    body = client.get(
        "/contamination/background/comparison", params={"analyte": "Lead", "medium": "soil"}
    ).json()
    assert body["hypothesis"].startswith("Form 1: H0 site ≤ background")
    tests = body["tests"]
    bfy = [t for t in tests if t["zone_id"] == "blast_furnace_yard"]
    assert {t["test"].split(" (")[0] for t in bfy} <= {
        "Student t",
        "Wilcoxon-Mann-Whitney",
        "Gehan",
        "Tarone-Ware",
    }
    verdict = {z["zone_id"]: z for z in body["zones"]}
    assert verdict["blast_furnace_yard"]["above_background"] is True  # the SYNTHETIC lead source


def test_comparison_form_2_csv(client: httpx.Client) -> None:
    response = client.get(
        "/contamination/background/comparison",
        params={"analyte": "Arsenic", "form": 2, "substantial_difference": 5, "f": "csv"},
    )
    assert response.status_code == 200
    rows = [r for r in csv.DictReader(io.StringIO(response.text)) if r["test"]]
    assert rows and all(
        r["hypothesis"].startswith("Form 2") and "S = 5" in r["hypothesis"] for r in rows
    )


def test_screening_with_background_says_so(client: httpx.Client) -> None:
    body = client.get(
        "/contamination/background/screening",
        params={"standard": "ccme_soil", "analyte": "Chromium (total)", "medium": "soil"},
    ).json()
    assert "max(standard level, background threshold value)" in body["level_rule"]
    (btv,) = [
        b
        for b in body["background_btvs"]
        if b["analyte"] == "Chromium (total)" and b["medium"] == "soil"
    ]
    rows = body["results"]
    assert rows and not any(r["location_id"].startswith("BS-") for r in rows)
    for r in rows:
        assert r["level"] == pytest.approx(max(r["standard_level"], btv["btv"]))
        assert r["level_basis"] == (
            "background BTV" if btv["btv"] > r["standard_level"] else "standard"
        )


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/contamination/background", {"medium": "air"}, "medium"),
        ("/contamination/background", {"analyte": "kryptonite"}, "kryptonite"),
        ("/contamination/background/comparison", {"form": 3}, "form"),
        ("/contamination/background/comparison", {"alpha": 0.5}, "alpha"),
        (
            "/contamination/background/comparison",
            {"substantial_difference": -1},
            "substantial_difference",
        ),
        (
            "/contamination/background/comparison",
            {"substantial_difference": 2},
            "substantial_difference",
        ),
        ("/contamination/background/comparison", {"zone": "moon"}, "zone"),
        ("/contamination/background/screening", {"standard": "nope"}, "nope"),
        ("/contamination/background", {"sigma": 2}, "sigma"),
        ("/contamination/background", {"analyte": "x" * 101}, "analyte"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    client: httpx.Client, path: str, params: dict, name: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert name in response.text


def test_zone_popup_says_whether_the_zone_is_above_background(built_store: Store) -> None:
    html = render(build_contamination_map(built_store, ContaminationQuery()))  # Lead, soil
    assert "Above background?" in html
    assert "above background (Wilcoxon-Mann-Whitney, p = " in html
    # the legend cites the standard's issuer and links its official page, never a mirror
    assert "Ministry of Housing, Spatial Planning and the Environment (VROM)" in html
    assert "https://wetten.overheid.nl/" in html and "the-uncensored-wiki" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/contamination/background",
        "/contamination/background/comparison",
        "/contamination/background/screening",
    ],
)
def test_a_selection_without_btvs_is_empty_not_an_error(client: httpx.Client, path: str) -> None:
    response = client.get(path, params={"analyte": "pH"})  # a range, no one-sided BTV
    assert response.status_code == 200
    body = response.json()
    assert body.get("btvs", body.get("tests", body.get("background_btvs"))) == []


def test_a_medium_without_background_locations_is_422(client: httpx.Client) -> None:
    response = client.get("/contamination/background", params={"medium": "sediment"})
    assert response.status_code == 422 and "background = true" in response.json()["detail"]
