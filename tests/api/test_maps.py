"""Map pages without a browser: builders render the expected layers from local assets only;
bad input gets a page that says why.  Expected values come from the shipped layer files."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import branca
import httpx
import numpy as np
import pytest
from PIL import Image

from api.maps import MapRequestError
from api.maps.assets import BASE_MAP_TILES, STATIC_DIR, render
from api.maps.contamination import (
    ContaminationQuery,
    build_contamination_map,
    medium_options,
    remediation_link,
)
from api.maps.encroachments import EncroachmentQuery, build_encroachment_map, suggested_level
from api.maps.legend import (
    NO_LEVEL_COLORS,
    PROBABILITY_BREAKS,
    PROBABILITY_COLORS,
    RATIO_CLASSES,
    SD_COLORS,
    SURFACE_COLORS,
)
from api.maps.site import build_site_map
from site_gis.store import GeoPackageStore
from site_gis.surfaces import SurfaceRequest, build_surface
from tests.conftest import LAYERS, ROOT, geojson

PAGE_LIMIT = 1_500_000
CDN_HOSTS = ("jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "fontawesome", "unpkg")


def _results() -> list[dict[str, str]]:
    with (LAYERS / "results.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _levels() -> list[dict[str, str]]:
    with (LAYERS / "screening_levels.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _cited_urls() -> set[str]:
    """URLs that are data: sources cited by the layers and the standards."""
    text = "".join(p.read_text(encoding="utf-8") for p in LAYERS.glob("*.geojson"))
    text += (LAYERS / "screening_levels.csv").read_text(encoding="utf-8")
    return set(re.findall(r"https?://[^\s\"',;)]+", text))


def _sample_options(html: str) -> dict[str, Any]:
    start = html.index("siteGis.sampleLayer(") + len("siteGis.sampleLayer(")
    options, _ = json.JSONDecoder().raw_decode(html[start:])
    return options  # type: ignore[no-any-return]


def assert_offline(html: str) -> None:
    """Every script, style and image of the page is served by the app itself."""
    for attribute in re.findall(r'<(?:script|link|img)[^>]*?(?:src|href)="([^"]*)"', html):
        assert attribute.startswith(("/static/", "data:")), attribute
    assert not any(host in html for host in CDN_HOSTS)
    remote = set(re.findall(r"https?://[^\s\"'<>]+", html))
    remote -= {BASE_MAP_TILES}
    remote = {u for u in remote if not any(u.startswith(c) for c in _cited_urls())}
    # what is left may only be a comment of folium's measure-control template
    assert remote <= {"https://github.com/ljagis/leaflet-measure/issues/171"}, remote


@pytest.fixture(scope="module")
def pages(built_store: GeoPackageStore) -> dict[str, str]:
    return {
        "site": render(build_site_map(built_store)),
        "contamination": render(build_contamination_map(built_store, ContaminationQuery())),
        "encroachments": render(build_encroachment_map(built_store, EncroachmentQuery())),
    }


@pytest.mark.parametrize("name", ["site", "contamination", "encroachments"])
def test_pages_are_offline_small_and_flagged_synthetic(pages: dict[str, str], name: str) -> None:
    html = pages[name]
    assert_offline(html)
    assert len(html.encode()) < PAGE_LIMIT
    assert "SYNTHETIC DATA" in html
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html
    assert "L.control.layers" in html and "L.control.scale" in html
    assert "L.Control.Measure" in html and "L.control.fullscreen" in html


def test_vendored_assets_are_all_there_with_licences(pages: dict[str, str]) -> None:
    links = {
        (path, version)
        for html in pages.values()
        for path, version in re.findall(r"/static/([\w./-]+\.(?:js|css))\?v=(\w+)", html)
    }
    assert len(links) >= 10
    for link, version in links:
        assert (STATIC_DIR / link).is_file(), link
        assert hashlib.sha256((STATIC_DIR / link).read_bytes()).hexdigest()[:12] == version
    for folder in (STATIC_DIR / "vendor").iterdir():
        if folder.is_dir():
            assert any(
                p.name.upper().startswith(("LICENSE", "MIT-LICEN")) for p in folder.iterdir()
            )
    assert "leaflet" in (STATIC_DIR / "vendor" / "VERSIONS").read_text()


def test_site_map_has_every_layer(pages: dict[str, str]) -> None:
    html = pages["site"]
    for name in ("Site boundary", "EIA zones", "Plant units", "Encroachments", "Receptors"):
        assert f'"{name}"' in html, name
    assert '"/collections/parcels/items"' in html  # parcels load by bounding box
    for layer in ("eia_zones", "facilities", "encroachments", "receptors"):
        for feature in geojson(layer)["features"]:
            first_id = next(iter(feature["properties"].values()))
            assert first_id in html, (layer, first_id)
    assert "P-0001" not in html  # not embedded


def test_contamination_map_samples_standard_surface_hotspots(pages: dict[str, str]) -> None:
    html = pages["contamination"]
    locations = {
        r["location_id"] for r in _results() if r["analyte"] == "Lead" and r["medium"] == "soil"
    }
    options = _sample_options(html)
    assert len(options["rows"]) == len(locations)
    level = next(
        r
        for r in _levels()
        if r["standard"] == "dutch_iv" and r["analyte"] == "Lead" and r["medium"] == "soil"
    )
    assert f"{float(level['value']):g} mg/kg" in options["level"]
    assert level["source_url"] in html and "dutch_iv" in html
    assert "Interpolated surface (IDW)" in html and "data:image/png;base64," in html
    assert "sg-hotspot" in html and "surface above 530 mg/kg" in html
    assert "EIA zones (click for statistics)" in html and "95% UCL" in html
    # each row's value is the highest Lead result at its location (or its detection limit)
    highest: dict[str, float] = {}
    for r in _results():
        if r["analyte"] == "Lead" and r["medium"] == "soil":
            value = float(r["value"] or r["detection_limit"])
            highest[r["location_id"]] = max(highest.get(r["location_id"], 0.0), value)
    assert sorted(round(row[4], 3) for row in options["rows"]) == pytest.approx(
        sorted(round(v, 3) for v in highest.values())
    )


def test_an_unverified_level_says_to_verify(built_store: GeoPackageStore) -> None:
    unverified = next(
        r
        for r in _levels()
        if r["verified"] == "False" and r["medium"] == "groundwater" and r["analyte"] == "Lead"
    )
    query = ContaminationQuery(
        analyte="Lead", medium="groundwater", standard=unverified["standard"]
    )
    html = render(build_contamination_map(built_store, query))
    assert "to verify" in _sample_options(html)["level"]
    assert "still to verify" in html


def test_encroachment_map_aggregates_only(pages: dict[str, str]) -> None:
    html = pages["encroachments"]
    for feature in geojson("encroachments")["features"]:
        assert feature["properties"]["encroachment_id"] in html
    assert "Encroachments by resettlement phase" in html and "Resettlement estimate" in html
    assert not re.search(r"S-\d{6}", html)  # no structure identifiers
    assert "vulnerable" not in html and "floor_area" not in html


def test_parcels_on_a_hotspot_are_highlighted(built_store: GeoPackageStore) -> None:
    strict = EncroachmentQuery(cleanup_level=20)  # mg/kg of lead: hotspots reach the west
    html = render(build_encroachment_map(built_store, strict))
    assert "sg-parcel-hotspot" in html
    assert "sg-parcel-hotspot" not in render(
        build_encroachment_map(built_store, EncroachmentQuery(cleanup_level=1e6))
    )


@pytest.mark.parametrize(
    ("highest", "expected"), [(410, 360), (1234, 1100), (44, 39), (9.5, 8.5), (100, 90)]
)
def test_suggested_level_is_just_under_the_highest_estimate(
    highest: float, expected: float
) -> None:
    # 90 % rounded down to two significant figures, by hand: 0.9 x 410 = 369 -> 360
    assert suggested_level(highest) == pytest.approx(expected)


def test_encroachment_form_and_a_level_that_shows_the_overlap(
    built_store: GeoPackageStore, pages: dict[str, str]
) -> None:
    html = pages["encroachments"]
    form = html[html.index('<form class="sg-form"') : html.index("</form>")]
    for name in ("analyte", "standard", "land_use", "cleanup_level", "phases"):
        assert f'name="{name}"' in form, name
    assert ">Dutch intervention values</option>" in form
    assert "WHO" not in form and "NSDWQ" not in form  # drinking-water standards: no soil level
    assert "sg-parcel-hotspot" not in html  # at the Dutch level no encroached parcel is on one
    found = re.search(r"Show hotspots above ([\d.]+) mg/kg", html)  # in the legend's JSON
    assert found is not None, "no suggested level"
    level = float(found.group(1))
    assert "/maps/encroachments?analyte=Lead" in html
    assert f"cleanup_level={found.group(1)}" in html
    shown = render(build_encroachment_map(built_store, EncroachmentQuery(cleanup_level=level)))
    assert "sg-parcel-hotspot" in shown and "Show hotspots above" not in shown


def test_form_choices_follow_the_medium(built_store: GeoPackageStore) -> None:
    with (LAYERS / "results.csv").open(newline="", encoding="utf-8") as handle:
        results = list(csv.DictReader(handle))
    with (ROOT / "site_gis/reference/screening_levels.csv").open(encoding="utf-8") as handle:
        levels = list(csv.DictReader(handle))
    options = medium_options(built_store)
    for medium, offered in options.items():
        rows = [r for r in results if r["medium"] == medium]
        depths = {f"{float(r['depth_top_m']):g}-{float(r['depth_bottom_m']):g}" for r in rows}
        assert set(offered["depths"]) == depths, medium
        assert set(offered["analytes"]) == {r["analyte"] for r in rows}, medium
        with_level = {r["standard"] for r in levels if r["medium"] == medium}
        assert {c for c, _ in offered["standards"]} == (
            with_level or {r["standard"] for r in levels}
        )
    assert options["groundwater"]["depths"] == ["6-12"]  # no 0-0.5 m for groundwater
    soil = dict(options["soil"]["standards"])
    assert soil["dutch_iv"] == "Dutch intervention values" and "who_dwq" not in soil
    assert "WHO drinking-water guidelines" in dict(options["groundwater"]["standards"]).values()


def test_an_empty_selection_links_to_ones_with_results(client: httpx.Client) -> None:
    page = client.get("/maps/contamination", params={"medium": "groundwater", "depth": "0-0.5"})
    assert page.status_code == 404
    assert "no groundwater results for Lead at 0–0.5 m" in page.text
    assert "medium=groundwater&amp;depth=6-12" in page.text and "Lead in soil" in page.text


def _lightness(color: str) -> float:
    """CIE L* of an sRGB colour (IEC 61966-2-1 decoding, CIE 1976 lightness)."""
    rgb = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def test_ramps_are_colour_blind_safe_sequences() -> None:
    # ColorBrewer 2.0 YlOrRd 5-class and matplotlib viridis, as published
    assert SURFACE_COLORS == ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
    assert NO_LEVEL_COLORS == ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
    ratio = [RATIO_CLASSES[i].color for i in (2, 3, 6, 7, 8)]  # <=0.5 ... >5 x level
    assert ratio == list(SURFACE_COLORS)
    # ordered by lightness, so the order reads without hue (any colour-vision deficiency)
    lightness = [_lightness(c) for c in ratio]
    assert lightness == sorted(lightness, reverse=True)
    viridis = [_lightness(c) for c in NO_LEVEL_COLORS]
    assert viridis == sorted(viridis)
    # the kriging view: viridis for the SD, ColorBrewer PuBu 6 for the probability, as
    # branca (folium's colour library) ships ColorBrewer's tables
    schemes = json.loads((Path(branca.__file__).parent / "_schemes.json").read_text())
    assert list(PROBABILITY_COLORS) == schemes["PuBu_06"] and SD_COLORS == NO_LEVEL_COLORS
    assert len(PROBABILITY_BREAKS) == len(PROBABILITY_COLORS) - 1
    pubu = [_lightness(c) for c in PROBABILITY_COLORS]
    assert pubu == sorted(pubu, reverse=True)


def test_popups_show_codes_as_words(pages: dict[str, str]) -> None:
    site = pages["site"]
    assert '"codes":["kind"]' in site and '"codes":["land_use","zone_id"]' in site
    assert ">Dutch intervention values</option>" in pages["contamination"]
    assert "dutch_iv</option>" not in pages["contamination"]


def test_zone_statistics_table_beside_the_map(pages: dict[str, str]) -> None:
    html = pages["contamination"]
    assert "Zone statistics" in html
    for feature in geojson("eia_zones")["features"]:
        assert f'data-zone=\\"{feature["properties"]["zone_id"]}\\"' in html


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        (ContaminationQuery(analyte="Unobtainium"), 404, "unknown analyte"),
        (ContaminationQuery(standard="nope"), 404, "unknown standard"),
        (ContaminationQuery(depth="40-50"), 404, "no soil results"),
        (ContaminationQuery(depth="deep"), 422, "depth must be"),
        (ContaminationQuery(medium="air"), 422, "medium must be"),
        (ContaminationQuery(land_use="farm"), 422, "land_use must be"),
    ],
)
def test_bad_contamination_input_is_refused_in_words(
    built_store: GeoPackageStore, query: ContaminationQuery, status: int, words: str
) -> None:
    with pytest.raises(MapRequestError) as caught:
        build_contamination_map(built_store, query)
    assert caught.value.status == status and words in caught.value.message


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/maps/contamination?analyte=Unobtainium", 404, "unknown analyte"),
        ("/maps/contamination?standard=nope", 404, "unknown standard"),
        ("/maps/contamination?medium=surface_water&depth=3-9", 404, "no surface water results"),
        ("/maps/contamination?depth=x", 422, "depth must be"),
        ("/maps/encroachments?analyte=Unobtainium", 404, "unknown analyte"),
        ("/maps/encroachments?phases=99", 422, "phases must be"),
        ("/maps/encroachments?cleanup_level=-1", 422, "cleanup_level must be"),
        ("/maps/encroachments?cleanup_level=0", 422, "cleanup_level must be"),
        ("/maps/encroachments?cleanup_level=inf", 422, "cleanup_level must be a finite"),
        ("/maps/encroachments?cleanup_level=-inf", 422, "cleanup_level must be a finite"),
        ("/maps/encroachments?cleanup_level=Infinity", 422, "cleanup_level must be a finite"),
        ("/maps/encroachments?cleanup_level=nan", 422, "cleanup_level must be a finite"),
    ],
)
def test_bad_input_over_http_is_a_small_html_page(
    client: httpx.Client, path: str, status: int, words: str
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "Cannot draw this map" in response.text and words in response.text
    assert "SYNTHETIC DATA" in response.text


def test_map_pages_and_assets_are_served(client: httpx.Client) -> None:
    for path in ("/maps/site", "/maps/contamination", "/maps/encroachments"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', client.get("/maps/site").text):
        assert client.get(path).status_code == 200, path
    assert client.get("/static/vendor/leaflet-1.9.4/images/layers.png").status_code == 200


def test_sample_detail_screens_every_analyte_of_the_sample(client: httpx.Client) -> None:
    results = _results()
    rows = [r for r in results if r["sample_id"] == results[0]["sample_id"]]
    body = client.get(
        f"/maps/contamination/samples/{rows[0]['sample_id']}",
        params={"standard": "who_dwq", "land_use": "residential"},
    ).json()
    assert sorted(r["analyte"] for r in body["results"]) == sorted(r["analyte"] for r in rows)
    assert body["location_id"] == rows[0]["location_id"]
    assert client.get("/maps/contamination/samples/nope").status_code == 404


def test_landing_page_links_maps_docs_and_exports(client: httpx.Client) -> None:
    html = client.get("/", headers={"accept": "text/html"}).text
    for href in ("/maps/site", "/maps/contamination", "/maps/encroachments", "/docs"):
        assert f'href="{href}' in html or href in html, href
    assert "/exports/eia_zones?format=gpkg" in html and "/exports?layers=" in html
    assert client.get("/").json()["site"]["synthetic"] is True  # OGC clients still get JSON
    assert client.get("/?f=json", headers={"accept": "text/html"}).json()["links"]


def test_a_map_page_is_remembered_per_caller(client: httpx.Client, planner: httpx.Client) -> None:
    # folium gives every element a random id, so equal bytes mean the page was not rebuilt
    first = client.get("/maps/encroachments", params={"phases": 2})
    again = client.get("/maps/encroachments", params={"phases": 2})
    assert first.status_code == again.status_code == 200 and first.content == again.content
    detailed = planner.get("/maps/encroachments", params={"phases": 2})
    assert detailed.status_code == 200 and detailed.content != first.content


def test_static_files_versioned_cached_and_gzipped(client: httpx.Client) -> None:
    path = "vendor/leaflet-1.9.4/leaflet.js"
    raw = (STATIC_DIR / path).read_bytes()
    version = hashlib.sha256(raw).hexdigest()[:12]
    fresh = client.get(f"/static/{path}?v={version}", headers={"Accept-Encoding": "gzip"})
    assert fresh.status_code == 200 and fresh.content == raw  # httpx undid the gzip
    assert fresh.headers["content-encoding"] == "gzip"
    assert int(fresh.headers["content-length"]) < len(raw) / 2
    assert fresh.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in fresh.headers["vary"]
    for url in (f"/static/{path}", f"/static/{path}?v=000000000000"):
        stale = client.get(url, headers={"Accept-Encoding": "identity"})
        assert stale.headers["cache-control"] == "no-cache" and stale.content == raw
        assert "content-encoding" not in stale.headers
        again = client.get(url, headers={"If-None-Match": stale.headers["etag"]})
        assert again.status_code == 304


def test_docs_are_served_from_here(client: httpx.Client) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200 and '<html lang="en">' in page.text
        assert "https://" not in page.text  # no CDN
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
            assert client.get(asset).status_code == 200, asset


EVERY_HTML_PAGE = (
    "/?f=html",
    "/collections?f=html",
    "/collections/eia_zones?f=html",
    "/collections/eia_zones/items?f=html",
    "/collections/receptors/items/R-01?f=html",
    "/conformance?f=html",
    "/docs",
    "/redoc",
    "/maps/site",
    "/maps/contamination?analyte=Unobtainium",
)


def test_every_page_has_lang_viewport_and_links_home(client: httpx.Client) -> None:
    for path in EVERY_HTML_PAGE:
        text = client.get(path).text
        assert re.search(r'<html lang="?en"?>', text), path
        viewport = re.search(r'<meta name="viewport" content="([^"]+)"', text)
        assert viewport and "user-scalable" not in viewport.group(1), path
        assert 'href="/?f=html"' in text, path


def test_a_browser_without_a_key_is_told_how_to_sign_in(client: httpx.Client) -> None:
    url = "/exports/eia_zones?format=geojson"
    page = client.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert "Sign-in needed" in page.text and "X-API-Key" in page.text
    assert page.headers["www-authenticate"]
    machine = client.get(url, headers={"Accept": "application/json"})
    assert machine.status_code == 401 and machine.json()["type"] == "NotAuthenticatedError"


# The kriging view: uncertainty overlays, variogram legend, fallback; links between pages

KRIGING = ContaminationQuery(method="kriging")  # Lead in soil, Dutch intervention value 530
FALLBACK = ContaminationQuery(analyte="Benzene", medium="groundwater", method="kriging")


@pytest.fixture(scope="module")
def kriging_pages(built_store: GeoPackageStore) -> dict[str, str]:
    return {
        "kriging": render(build_contamination_map(built_store, KRIGING)),
        "fallback": render(build_contamination_map(built_store, FALLBACK)),
    }


def _overlay(html: str, class_name: str) -> tuple[str, np.ndarray]:
    """The variable name and decoded RGBA pixels of the image overlay with ``class_name``."""
    found = re.search(
        r"var (image_overlay_\w+) = L\.imageOverlay\(\s*\"data:image/png;base64,([^\"]+)\","
        r"[^;]*?\"className\": \"" + class_name + '"',
        html,
        re.S,
    )
    assert found, class_name
    with Image.open(io.BytesIO(base64.b64decode(found.group(2)))) as image:
        return found.group(1), np.asarray(image.convert("RGBA"))


def _classes(rgba: np.ndarray, colors: tuple[str, ...]) -> np.ndarray:
    """Index of each opaque pixel's colour in ``colors`` (-1: transparent)."""
    out = np.full(rgba.shape[:2], -1)
    for i, color in enumerate(colors):
        rgb = [int(color[j : j + 2], 16) for j in (1, 3, 5)]
        out[(rgba[..., :3] == rgb).all(axis=-1) & (rgba[..., 3] > 0)] = i
    return out


def _legend_markup(html: str) -> str:
    start = html.index('"', html.index("siteGis.legend("))
    markup, _ = json.JSONDecoder().raw_decode(html[start:])
    return str(markup)


def _legend_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(_legend_markup(html))))


def test_kriging_sd_and_probability_are_unticked_overlays_of_the_same_grid(
    kriging_pages: dict[str, str],
) -> None:
    html = kriging_pages["kriging"]
    estimate_var, estimate = _overlay(html, "sg-surface-estimate")
    sd_var, sd = _overlay(html, "sg-surface-sd")
    probability_var, probability = _overlay(html, "sg-surface-probability")
    assert f"{estimate_var}.addTo(" in html  # the estimate is ticked, the other two not
    assert f"{sd_var}.addTo(" not in html and f"{probability_var}.addTo(" not in html
    assert f'"Kriging standard deviation (mg/kg)" : {sd_var}' in html  # in the layer list
    assert f'"Probability of exceeding 530 mg/kg" : {probability_var}' in html
    assert estimate.shape == sd.shape == probability.shape
    drawn = estimate[..., 3] > 0
    assert drawn.sum() > 1000
    assert ((sd[..., 3] > 0) == drawn).all() and ((probability[..., 3] > 0) == drawn).all()
    # every drawn pixel has a class colour of its ramp
    sd_class = _classes(sd, SD_COLORS)
    assert (sd_class[drawn] >= 0).all()
    # SD classes are quintiles of the drawn cells: about a fifth each
    shares = np.bincount(sd_class[drawn], minlength=5) / drawn.sum()
    assert shares == pytest.approx([0.2] * 5, abs=0.05)
    # By hand: P(Z > L) = 1 - Φ((L - m) / σ) is at least 0.5 exactly where m >= L, so the
    # probability's upper classes (from 50 %) are the estimate's classes from 1 × level.
    above_level = _classes(estimate, SURFACE_COLORS)[drawn] >= 2  # breaks 0.5, 1, 2, 5 × L
    at_least_half = _classes(probability, PROBABILITY_COLORS)[drawn] >= 3  # 0.1, 0.25, 0.5
    assert above_level.any() and (above_level == at_least_half).mean() > 0.999


def test_kriging_legend_shows_the_variogram_the_surface_carries(
    kriging_pages: dict[str, str], built_store: GeoPackageStore
) -> None:
    text = _legend_text(kriging_pages["kriging"])
    surface = build_surface(
        built_store, SurfaceRequest(analyte="Lead", medium="soil", method="kriging")
    )
    tags = surface.tags()
    variogram = json.loads(tags["variogram"])
    diagnostics = json.loads(tags["variogram_diagnostics"])
    assert f"Variogram ({variogram['model']}, {variogram['source']})" in text
    assert f"Range (m) {variogram['range']:,.0f}" in text
    assert f"Nugget (mg/kg)² {variogram['nugget']:,.0f}" in text
    # the ratio, by hand from the parameters: nugget / (nugget + partial sill)
    ratio = variogram["nugget"] / (variogram["nugget"] + variogram["psill"])
    assert f"Nugget-to-sill ratio {ratio:.2g} ({diagnostics['spatial_dependence']}" in text
    assert "× sample variance" in text and "Fit ok" in text
    experimental = json.loads(tags["experimental_variogram"])
    assert f"Experimental variogram ({len(experimental['lag_m'])} lags)" in text
    assert "Kriging standard deviation (mg/kg; layer off by default)" in text
    assert "≥ 90 %" in text and "1 − Φ((level − estimate) / SD)" in text


def test_a_kriging_that_fell_back_to_idw_says_so_and_draws_no_empty_layer(
    kriging_pages: dict[str, str], built_store: GeoPackageStore
) -> None:
    # the premise: the shipped benzene heads give no usable variogram (fit did not converge)
    surface = build_surface(
        built_store, SurfaceRequest(analyte="Benzene", medium="groundwater", method="kriging")
    )
    assert surface.method_used == "idw" and surface.std is None
    html = kriging_pages["fallback"]
    assert "sg-surface-sd" not in html and "sg-surface-probability" not in html
    assert "Kriging standard deviation" not in html.split("L.control.layers")[-1]
    text = _legend_text(html)
    assert "Interpolated surface (IDW: kriging refused" in text
    assert "Not available: the kriging variogram was refused, so this surface is IDW" in text
    status = json.loads(surface.tags()["variogram_diagnostics"])
    assert f"Fit {status['status']}: {status['reason']}" in text


def test_hotspots_link_their_remediation_estimate(
    kriging_pages: dict[str, str], pages: dict[str, str]
) -> None:
    for html, method in ((pages["contamination"], "idw"), (kriging_pages["kriging"], "kriging")):
        hotspots = re.findall(r'"hotspot_id": "[^"]+"', html)
        expected = (
            "/remediation/estimate?analyte=Lead\\u0026cleanup_level=530\\u0026medium=soil"
            f"\\u0026method={method}"
        )
        assert hotspots and html.count(f'"remediation": "{expected}"') == len(hotspots)
        assert '"links":[["remediation","Remediation","volume and cost estimate (JSON)"]]' in html


def test_hotspot_links_keep_the_depth_and_say_why_waters_have_none(
    built_store: GeoPackageStore,
) -> None:
    query = ContaminationQuery(depth="0-0.5")
    assert remediation_link(query, "Lead", 530) == (
        "/remediation/estimate?analyte=Lead&cleanup_level=530&medium=soil&method=idw"
        "&depth_top_m=0&depth_bottom_m=0.5"
    )
    water = remediation_link(FALLBACK, "Benzene", 30)
    assert not water.startswith("/") and "not estimated for groundwater" in water


def test_the_remediation_link_answers(client: httpx.Client) -> None:
    query = ContaminationQuery(depth="0-0.5")
    answer = client.get(remediation_link(query, "Lead", 530))
    assert answer.status_code == 200, answer.text
    assert answer.json()["price_year"] and answer.json()["depth_basis"]


def test_groundwater_map_linked_from_the_groundwater_view_and_every_header(
    kriging_pages: dict[str, str], pages: dict[str, str], client: httpx.Client
) -> None:
    link = "/groundwater/map?analyte=Benzene&amp;standard=dutch_iv&amp;land_use=industrial"
    assert f'class="sg-groundwater-link" href="{link}"' in _legend_markup(kriging_pages["fallback"])
    assert "sg-groundwater-link" not in pages["contamination"]  # soil: no such link
    for html in pages.values():
        assert 'href="/groundwater/map">Groundwater</a>' in html
    home = client.get("/", headers={"accept": "text/html"}).text
    assert 'href="/groundwater/map"' in home
    page = client.get(unescape(link))
    assert page.status_code == 200
    # the same responsive header and menu as the other map pages, on its own page
    assert 'class="sg-menu-button" aria-expanded="false"' in page.text
    assert re.search(r'href="/groundwater/map"\s+aria-current="page"\s*>Groundwater</a>', page.text)
    assert "siteGis.signalReady" in page.text and "EPSG:32642" in page.text
    assert_offline(page.text.replace("http://www.w3.org/2000/svg", ""))  # a namespace name
