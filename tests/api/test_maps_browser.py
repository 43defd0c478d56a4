"""The map pages in headless Chromium against the app under real uvicorn.

Each page must load with no console error, no Content-Security-Policy violation
(the server's policy is on: no inline script but the page's own, by hash) and no
request leaving 127.0.0.1, draw the features the shipped layer files hold (counted here
with the json and csv modules), hide a layer when it is unticked and open popups; at
1440 x 900 and 390 x 844 (phone layout, axe-core accessibility), with search,
coordinates, forms, printing and a drawn area.  Screenshots (and a PDF) go to
``tests/out/`` for review.  Without ``/usr/bin/chromium`` these tests skip, unless
``SITE_GIS_REQUIRE_BROWSER=1`` (as in CI), where they fail.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pyproj
import pytest
import shapely

from site_gis.access import Role
from tests.conftest import LAYERS, ROOT, geojson

SHOTS = ROOT / "tests" / "out"

pytestmark = pytest.mark.browser


@dataclass
class Visit:
    """A page with every console error and every requested host recorded."""

    page: Any
    errors: list[str] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    policy: str = ""

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.hosts <= {"127.0.0.1"}, self.hosts
        assert "frame-ancestors 'self'" in self.policy  # the checks above ran under the policy
        script_src = next(d for d in self.policy.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src


REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e => console.error(
    `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
"""


DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGES = ("/maps/site", "/maps/contamination", "/maps/encroachments")

CONTROLS = (
    ".leaflet-control-zoom-in",
    ".leaflet-control-zoom-out",
    ".leaflet-control-layers-toggle, .leaflet-control-layers-expanded",
    ".leaflet-control-measure-toggle, .leaflet-control-measure",
    ".leaflet-control-fullscreen-button",
    ".sg-panel-toggle",
    ".sg-menu-button",
    ".sg-search input",
    ".sg-print a",
)
"""What a user must be able to reach on every map page (visible ones checked)."""

HIT = """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null)
    .map(e => { const r = e.getBoundingClientRect();
      const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return [sel, e.contains(top) || (top !== null && top.contains(e)), r.bottom]; })"""
"""For each visible control: whether a click at its centre reaches it (nothing covers it)."""


CONTAINER_POINT = """([lat, lon]) => { const map = siteGis.map;
    const p = map.latLngToContainerPoint([lat, lon]);
    const r = map.getContainer().getBoundingClientRect(); return [r.x + p.x, r.y + p.y]; }"""
"""Page coordinates of a lon/lat point on the encroachment map."""


def first_encroachment() -> dict[str, Any]:
    properties: dict[str, Any] = geojson("encroachments")["features"][0]["properties"]
    return properties


def _front_end_only(request: pytest.FixtureRequest) -> None:
    """Pages whose behaviour does not depend on the store run on one backend only (the
    browser suite is the slowest part of CI)."""
    if "postgis" in request.node.callspec.id:
        pytest.skip("front-end behaviour: checked on the GeoPackage store")


def _uncovered(visit: Visit) -> None:
    viewport = visit.page.viewport_size
    for selector in CONTROLS:
        for name, reached, bottom in visit.page.evaluate(HIT, selector):
            assert reached, f"{name} is covered"
            assert bottom <= viewport["height"], f"{name} is off screen"


def _open(context: Any, server: str, path: str, *, ready: bool = True) -> Visit:
    page = context.new_page()
    seen = Visit(page)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("request", lambda r: seen.hosts.add(urlparse(r.url).hostname or "data"))
    response = page.goto(server + path)
    seen.policy = response.headers.get("content-security-policy", "")
    if ready:
        page.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=60_000)
    return seen


@pytest.fixture
def visit(browser: Any, server: str) -> Iterator[Any]:
    """Open a path of the server and wait for the map to be ready."""
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(REPORT_VIOLATIONS)
    visits: list[Visit] = []

    def open_path(path: str, *, ready: bool = True) -> Visit:
        seen = _open(context, server, path, ready=ready)
        visits.append(seen)
        return seen

    yield open_path
    for seen in visits:
        seen.hosts.discard("data")
        seen.check_clean()
    context.close()


def _shot(visit: Visit, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.wait_for_timeout(300)  # let popups finish fading in
    visit.page.screenshot(path=str(SHOTS / f"{name}.png"))


def _toggle(visit: Visit, layer: str) -> None:
    """Tick or untick a layer in the layer control, as a user does."""
    visit.page.locator(".leaflet-control-layers-overlays label", has_text=layer).locator(
        "input"
    ).click()


def _lead_in_soil() -> list[dict[str, str]]:
    with (LAYERS / "results.csv").open(newline="", encoding="utf-8") as handle:
        return [
            r for r in csv.DictReader(handle) if r["analyte"] == "Lead" and r["medium"] == "soil"
        ]


def test_site_map(visit: Any) -> None:
    seen = visit("/maps/site")
    assert seen.count("path.sg-zone") == len(geojson("eia_zones")["features"])
    assert seen.count("path.sg-encroachment") == len(geojson("encroachments")["features"])
    assert seen.count("path.sg-facility") == len(geojson("facilities")["features"])
    assert seen.count("path.sg-receptor") == len(geojson("receptors")["features"])
    assert seen.count("path.sg-parcel") == len(geojson("parcels")["features"])  # by bbox
    assert seen.page.locator(".sg-banner").inner_text().startswith("SYNTHETIC DATA")
    for control in (".leaflet-control-scale", ".leaflet-control-measure", ".sg-legend"):
        assert seen.count(control) == 1, control
    _shot(seen, "site")
    _toggle(seen, "EIA zones")
    assert seen.count("path.sg-zone") == 0
    seen.page.locator("path.sg-encroachment").first.click(force=True)
    text = seen.page.locator(".leaflet-popup-content").inner_text()
    assert "Households" in text
    kinds = {f["properties"]["kind"] for f in geojson("encroachments")["features"]}
    assert not any(kind in text for kind in kinds)  # codes shown as words
    assert any(kind.replace("_", " ").capitalize() in text for kind in kinds)
    seen.page.keyboard.press("Escape")
    # search by id or name: what the page holds, then the server's layers; fly to it
    for text, heading in [
        (first_encroachment()["encroachment_id"], first_encroachment()["name"]),
        ("steel town", "Steel Town"),  # a receptor, by part of its name
        ("sb-00002", "SB-00002"),  # a sample location: not on this map, fetched
    ]:
        seen.page.fill(".sg-search input", text)
        seen.page.press(".sg-search input", "Enter")
        heading_seen = seen.page.locator(".leaflet-popup-content h3")
        heading_seen.filter(has_text=heading).wait_for()
    _shot(seen, "site-search")
    # the cursor's position in lon/lat and in the site's CRS (UTM 42N), as pyproj gives it
    lon, lat = 67.3574863, 24.8052306
    x, y = seen.page.evaluate(CONTAINER_POINT, [lat, lon])
    seen.page.mouse.move(x, y)
    readout = seen.page.locator(".sg-coordinates").inner_text()
    shown_lat, shown_lon = (float(v) for v in re.findall(r"([\d.]+)° [NE]", readout))
    easting, northing = (int(v.replace(",", "")) for v in re.findall(r"[EN] ([\d,]+) m", readout))
    at_lon, at_lat = seen.page.evaluate(
        "([x, y]) => { const r = siteGis.map.getContainer().getBoundingClientRect();"
        " const ll = siteGis.map.containerPointToLatLng([x - r.x, y - r.y]);"
        " return [ll.lng, ll.lat]; }",
        [x, y],
    )
    expected = pyproj.Transformer.from_crs(4326, 32642, always_xy=True).transform(at_lon, at_lat)
    assert (shown_lat, shown_lon) == (round(at_lat, 5), round(at_lon, 5))
    assert abs(easting - expected[0]) <= 1 and abs(northing - expected[1]) <= 1
    assert "EPSG:32642" in readout
    # below zoom 12 the parcels are not fetched, and the map says so
    seen.page.evaluate("siteGis.map.setZoom(11, {animate: false})")
    notice = seen.page.locator(".sg-notice", has_text="Land parcels are hidden at this zoom")
    notice.wait_for()
    assert seen.count("path.sg-parcel") == 0
    # the optional base map, offline: its tiles fail and the map says so
    seen.page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    _toggle(seen, "OpenStreetMap base map")
    seen.page.locator(".sg-notice", has_text="base map cannot load").wait_for()
    _shot(seen, "site-offline-base-map")
    seen.hosts.discard("tile.openstreetmap.org")  # asked for, and refused by the test
    seen.errors = [e for e in seen.errors if "ERR_FAILED" not in e]


def test_contamination_map(visit: Any) -> None:
    seen = visit("/maps/contamination?analyte=Lead&medium=soil&standard=dutch_iv")
    rows = _lead_in_soil()
    locations = {r["location_id"] for r in rows}
    page = seen.page
    assert page.evaluate("siteGis.registry.samples[0].getLayers().length") == len(locations)
    # every location is drawn, as a point or inside a cluster, once the map shows them all
    page.evaluate(
        "new Promise(done => { const c = siteGis.registry.samples[0];"
        " c._map.once('moveend', () => setTimeout(done, 300));"
        " c._map.fitBounds(c.getBounds(), {animate: false}); })"
    )
    clustered = sum(int(t) for t in page.locator(".sg-cluster span").all_inner_texts())
    assert seen.count(".sg-sample") + clustered == len(locations)
    assert seen.count("path.sg-zone") == len(geojson("eia_zones")["features"])
    assert seen.count("img.leaflet-image-layer") == 1 and seen.count("path.sg-hotspot") >= 1
    legend = page.locator(".sg-legend-panel").inner_text()
    assert "Dutch intervention values" in legend and "530 mg/kg" in legend and "Source" in legend
    _shot(seen, "contamination")

    top = max((r for r in rows if r["value"]), key=lambda r: float(r["value"]))
    page.evaluate(
        "id => new Promise(done => { const c = siteGis.registry.samples[0];"
        " const m = c.getLayers().find(m => m.sgRow[3] === id);"
        " c.zoomToShowLayer(m, () => setTimeout(done, 300)); })",
        top["sample_id"],
    )
    page.locator(f'[data-sample-id="{top["sample_id"]}"]').click()
    popup = page.locator(".leaflet-popup-content")
    assert f"{float(top['value']):,.0f} mg/kg" in popup.inner_text()
    page.wait_for_selector(".sg-analytes")  # the sample's other analytes, fetched locally
    assert "Zinc" in popup.inner_text() and "Ratio" in popup.inner_text()
    _shot(seen, "contamination-popup")

    page.keyboard.press("Escape")
    page.fill(".sg-search input", top["location_id"])  # a sample, by its location's id
    page.press(".sg-search input", "Enter")
    popup.locator("h3", has_text=f"Sample {top['sample_id']}").wait_for()
    _toggle(seen, "Interpolated surface")
    assert seen.count("img.leaflet-image-layer") == 0
    page.evaluate("siteGis.registry.eia_zones[0].openPopup()")
    assert "95% UCL" in popup.inner_text()
    page.keyboard.press("Escape")
    # the zone statistics table, by keyboard: focus a zone's button, Enter opens its popup
    zone = geojson("eia_zones")["features"][0]["properties"]
    page.locator(f'.sg-zone-table button[data-zone="{zone["zone_id"]}"]').focus()
    page.keyboard.press("Enter")
    assert popup.locator("h3").inner_text() == zone["name"]
    assert "95% UCL" in popup.inner_text()


def test_kriging_uncertainty_layer_and_hotspot_link(
    visit: Any, request: pytest.FixtureRequest
) -> None:
    """The kriging view's SD overlay, unticked at first, is drawn when ticked; a hotspot's
    popup links its remediation estimate (the server-side checks run on both stores)."""
    _front_end_only(request)
    seen = visit("/maps/contamination?analyte=Lead&medium=soil&method=kriging")
    page = seen.page
    assert seen.count("img.leaflet-image-layer") == 1  # the estimate only
    assert seen.count("img.sg-surface-sd") == 0
    _toggle(seen, "Kriging standard deviation")
    sd = page.locator("img.leaflet-image-layer.sg-surface-sd")
    sd.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('img.sg-surface-sd');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    box = sd.bounding_box()
    assert box["width"] > 100 and box["height"] > 100  # drawn over the site, not collapsed
    assert seen.count("img.leaflet-image-layer") == 2
    assert "Variogram (spherical" in page.locator(".sg-legend-panel").inner_text()
    assert _serious(page) == []  # the legend's variogram tables too
    _shot(seen, "contamination-kriging-sd")
    page.evaluate("siteGis.registry.hotspots[0].openPopup()")
    link = page.locator(".leaflet-popup-content a", has_text="volume and cost estimate")
    href = link.get_attribute("href")
    assert href.startswith("/remediation/estimate?") and "method=kriging" in href


def test_encroachment_map(visit: Any) -> None:
    seen = visit("/maps/encroachments")
    expected = len(geojson("encroachments")["features"])
    assert seen.count("path.sg-encroachment") == expected
    # a click on an encroachment (inside it, on top of its parcel) opens its own popup
    first = geojson("encroachments")["features"][0]
    inside = shapely.geometry.shape(first["geometry"]).representative_point()
    x, y = seen.page.evaluate(CONTAINER_POINT, [inside.y, inside.x])
    seen.page.mouse.click(x, y)
    popup = seen.page.locator(".leaflet-popup-content")
    assert popup.locator("h3").inner_text() == first["properties"]["name"]
    assert first["properties"]["encroachment_id"] in popup.inner_text()
    seen.page.keyboard.press("Escape")
    assert seen.count("path.sg-phase") == 0  # the phase colouring starts unticked
    _toggle(seen, "Encroachments by resettlement phase")
    assert seen.count("path.sg-phase") == expected
    _toggle(seen, "Encroachments by kind")
    assert seen.count("path.sg-encroachment") == 0
    seen.page.locator("path.sg-phase").first.click(force=True)
    text = seen.page.locator(".leaflet-popup-content").inner_text()
    assert "Households" in text and "People" in text and "PKR" in text
    _shot(seen, "encroachments")
    # printed (or saved as PDF): title, date, data version, SYNTHETIC, legend, scale, north
    page = seen.page
    page.keyboard.press("Escape")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    info = page.locator(".sg-print-info").inner_text()
    assert "Encroachments and resettlement" in info and "SYNTHETIC DATA" in info
    assert re.search(r"Printed 20\d\d-\d\d-\d\d \d\d:\d\d UTC · data version [0-9a-f]{12}", info)
    for shown in (".sg-north", ".leaflet-control-scale", ".sg-legend-panel .sg-panel-body"):
        assert page.locator(shown).is_visible(), shown
    assert not page.locator(".sg-header").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SHOTS / "encroachments.pdf"), landscape=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")


def test_bad_input_page_and_landing_page(visit: Any) -> None:
    seen = visit("/maps/contamination?analyte=Unobtainium", ready=False)
    assert "unknown analyte" in seen.page.inner_text("body")
    seen.errors = [e for e in seen.errors if "status of 404" not in e]  # the page itself
    home = visit("/", ready=False)
    links = home.page.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    paths = {urlparse(link).path for link in links}
    assert {"/maps/site", "/maps/contamination", "/maps/encroachments", "/docs"} <= paths
    _shot(home, "landing")


def test_phone_layout(browser: Any, server: str, request: pytest.FixtureRequest) -> None:
    """At 390 x 844: a one-line header under 15 % of the height, every control reachable,
    legend and layer list folded into buttons that open, pinch zoom allowed."""
    _front_end_only(request)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        for path in (*PAGES, "/groundwater/map"):  # the groundwater map shares the header
            seen = _open(context, server, path)
            page = seen.page
            assert page.locator(".sg-header").bounding_box()["height"] < 0.15 * PHONE["height"]
            viewport = page.get_attribute('meta[name="viewport"]', "content")
            assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport
            assert page.get_attribute("html", "lang") == "en"
            assert not page.locator(".sg-legend-panel .sg-panel-body").is_visible()
            _uncovered(seen)
            _shot(seen, f"phone-{path.rsplit('/', 1)[-1]}")
            page.locator(".sg-legend-panel .sg-panel-toggle").click()
            assert page.locator(".sg-legend-panel .sg-panel-body").is_visible()
            page.locator(".sg-menu-button").click()
            assert page.locator(".sg-header nav a", has_text="Home").is_visible()
            if path == "/maps/contamination":
                _shot(seen, "phone-contamination-menu")
            page.keyboard.press("Escape")
            assert not page.locator(".sg-header nav").is_visible()
            page.locator(".leaflet-control-layers-toggle").click()
            assert page.locator(".leaflet-control-layers-list").is_visible()
            seen.hosts.discard("data")
            seen.check_clean()
    finally:
        context.close()


def test_groundwater_from_the_form_is_never_an_empty_page(visit: Any) -> None:
    seen = visit("/maps/contamination?medium=soil&depth=0-0.5")
    page = seen.page
    page.select_option("select[name=medium]", "groundwater")
    depths = page.locator("select[name=depth] option").evaluate_all("os => os.map(o => o.value)")
    assert depths == ["", "6-12"]  # the groundwater wells' screened interval only
    assert page.input_value("select[name=depth]") == ""
    standards = page.locator("select[name=standard] option").all_inner_texts()
    assert "WHO drinking-water guidelines" in standards
    assert not any("CCME" in s for s in standards)  # a soil standard
    assert "depth: all depths" in page.locator(".sg-form-hint").inner_text()
    _shot(seen, "contamination-groundwater-form")
    with page.expect_navigation() as navigation:
        page.locator(".sg-form button[type=submit]").click()
    assert navigation.value.status == 200
    page.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=60_000)
    assert "groundwater" in page.locator(".sg-header h1").inner_text()


def test_api_documentation_offline(visit: Any, request: pytest.FixtureRequest) -> None:
    _front_end_only(request)
    docs = visit("/docs", ready=False)
    docs.page.wait_for_selector(".opblock", timeout=30_000)  # the routes, drawn from here
    assert docs.count(".opblock") > 20
    redoc = visit("/redoc", ready=False)
    redoc.page.wait_for_selector("h1", timeout=30_000)
    assert "site-gis" in redoc.page.locator("h1").first.inner_text()
    _shot(docs, "docs")


HTML_PAGES = (
    "/?f=html",
    "/collections?f=html",
    "/collections/eia_zones/items?f=html",
    "/collections/receptors/items/R-01?f=html",
    "/conformance?f=html",
)


def _serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page (WCAG 2.1 A/AA rules)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_pages_styled_accessible_and_exports_ask_for_a_key(
    browser: Any, server: str, keys: dict[Role, str], request: pytest.FixtureRequest
) -> None:
    """The OGC HTML pages share the maps' look and draw their features; axe-core finds no
    serious violation on any page at either size; an export link asks for a key, then
    downloads with it."""
    _front_end_only(request)
    for size in (DESKTOP, PHONE):
        context = browser.new_context(viewport=size, accept_downloads=True)
        try:
            phone = size is PHONE
            for path in (*PAGES, *HTML_PAGES):
                seen = _open(context, server, path, ready=path.startswith("/maps/"))
                page = seen.page
                assert page.get_attribute("html", "lang") == "en", path
                assert page.locator('meta[name="viewport"]').count() == 1, path
                if "/items" in path:
                    page.wait_for_selector("html[data-map-ready='1']", state="attached")
                    assert seen.count(".sg-mini-map path.leaflet-interactive") > 0
                if not path.startswith("/maps/"):
                    assert page.locator("nav a", has_text="Home").count() == 1
                    if path != "/conformance?f=html":
                        assert page.locator("a", has_text="JSON").count() >= 1, path
                assert _serious(page) == [], (path, size)
                if path in ("/collections/eia_zones/items?f=html", "/?f=html"):
                    _shot(seen, f"{'phone' if phone else 'desktop'}-{len(path)}")
                seen.hosts.discard("data")
                assert seen.errors == [] and seen.hosts <= {"127.0.0.1"}, path
            if phone:
                continue
            home = _open(context, server, "/?f=html", ready=False).page
            home.locator('a[href="/exports/eia_zones?format=geojson"]').click()
            assert "Sign-in needed" in home.locator(".sg-export-status").inner_text()
            home.fill("#sg-key input[name=key]", keys[Role.CONSULTANT])
            home.locator("#sg-key button[type=submit]").click()
            with home.expect_download() as download:
                home.locator('a[href="/exports/eia_zones?format=geojson"]').click()
            saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
            assert len(saved["features"]) == len(geojson("eia_zones")["features"])
        finally:
            context.close()


def test_draw_an_area_lists_parcels_and_estimates_for_a_planner(
    visit: Any, keys: dict[Role, str]
) -> None:
    seen = visit("/maps/encroachments")
    page = seen.page
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: sent.append(json.loads(r.post_data or "{}")) if r.method == "POST" else None,
    )
    page.locator(".leaflet-draw-draw-polygon").click()
    corners = [(67.28, 24.82), (67.33, 24.82), (67.33, 24.86), (67.28, 24.86)]
    points = [page.evaluate(CONTAINER_POINT, [lat, lon]) for lon, lat in corners]
    for x, y in [*points, points[0]]:  # a click on the first vertex closes the polygon
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
    result = page.locator(".sg-area")
    result.locator("strong", has_text="encroached parcels").wait_for()
    drawn = shapely.geometry.shape(sent[0]["polygon"])  # as Leaflet drew it (lon/lat)
    encroached = shapely.union_all(
        [shapely.geometry.shape(f["geometry"]) for f in geojson("encroachments")["features"]]
    )
    expected = sorted(
        f["properties"]["parcel_id"]
        for f in geojson("parcels")["features"]
        if (shape := shapely.geometry.shape(f["geometry"])).intersects(drawn)
        and shape.intersection(encroached).area > 0
    )
    assert expected, "the drawn area holds no encroached parcel"
    assert result.locator("strong").inner_text() == f"{len(expected)} encroached parcels"
    assert set(expected) <= set(re.findall(r"P-\d+", result.inner_text()))
    # the estimate needs a planner's key: asked for, then given
    result.locator(".sg-warn", has_text="needs a planner's API key").wait_for()
    result.locator("input[name=key]").fill(keys[Role.PLANNER])
    result.locator(".sg-key-inline button").click()
    result.locator("th", has_text="Resettlement estimate").wait_for()
    households = sum(
        f["properties"]["households"] or 0
        for f in geojson("structures")["features"]
        if f["properties"]["encroachment_id"]
        and shapely.geometry.shape(f["geometry"]).intersects(drawn)
    )
    row = result.locator("tr", has_text="Households").locator("td").inner_text()
    assert int(row.replace(",", "")) == households
    assert "PKR" in result.inner_text()
    _shot(seen, "encroachments-drawn-area")
    seen.errors = [e for e in seen.errors if "status of 401" not in e]  # asked without a key
