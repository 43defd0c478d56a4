"""Every parameter of every route: no control characters, no inf or nan.

The routes and their parameters are read from the live server's OpenAPI
document, so a route added later is covered without editing this file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from site_gis.access import Role
from tests.api.conftest import serve
from tests.conftest import StoreFactory, close_store, key_header, make_keys, store_state

DATA = Path(__file__).resolve().parents[1] / "data" / "bad"
GOOD_PATH = {
    "layer": "results",
    "feature_id": "x",
    "analyte": "Lead",
    "sample_id": "x",
    "process_id": "surface",
    "job_id": "x",
    "tileMatrixSetId": "WebMercatorQuad",
    "tileMatrix": "15",
    "tileRow": "14000",
    "tileCol": "23000",
}
GOOD_QUERY = {
    "analyte": "Lead",
    "cleanup_level": "100",
    "levels": "100",
    "layers": "eia_zones",
    "location_id": "MW-00001",
    "level": "30",
}


def _operations(client: httpx.Client) -> list[tuple[str, str, list[dict[str, Any]]]]:
    spec = client.get("/openapi.json").json()
    return [
        (method, path, op.get("parameters", []))
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    ]


def _fill(path: str, **bad: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: bad.get(m.group(1), GOOD_PATH[m.group(1)]), path)


def _required(parameters: list[dict[str, Any]], skip: str) -> dict[str, str]:
    return {
        p["name"]: GOOD_QUERY[p["name"]]
        for p in parameters
        if p["in"] == "query" and p.get("required") and p["name"] != skip
    }


def _assert_names(response: httpx.Response, where: str, name: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["detail"][0]["loc"] == [where, name], body
    assert f"{where} parameter {name}" in body["description"]


def test_a_control_character_in_any_path_id_is_a_400_naming_it(client: httpx.Client) -> None:
    checked = 0
    for method, path, _ in _operations(client):
        for name in re.findall(r"\{(\w+)\}", path):
            response = client.request(method, _fill(path, **{name: "x%00y"}))
            _assert_names(response, "path", name)
            checked += 1
    assert checked >= 9  # layer, feature_id, analyte, sample_id on their routes


def test_a_control_character_in_any_query_parameter_is_a_400_naming_it(
    client: httpx.Client,
) -> None:
    checked = 0
    for method, path, parameters in _operations(client):
        for parameter in (p for p in parameters if p["in"] == "query"):
            name = parameter["name"]
            query = {**_required(parameters, name), name: "a\x00b"}
            response = client.request(method, _fill(path), params=query)
            _assert_names(response, "query", name)
            checked += 1
    assert checked >= 80


@pytest.mark.parametrize(
    ("escaped", "status"),
    [
        ("%00", 400),  # NUL
        ("%01", 400),
        ("%09", 400),  # tab
        ("%0A", 400),  # line feed
        ("%0D", 400),  # carriage return
        ("%1B", 400),  # escape
        ("%1F", 400),
        ("%7F", 400),  # DEL
        ("%C2%80", 400),  # the C1 controls U+0080 ...
        ("%C2%85", 400),  # ... (next line) ...
        ("%C2%9F", 400),  # ... to U+009F
        ("%C2%A0", 200),  # no-break space: text, not a control
        ("%C3%A9", 200),  # é
        ("%20", 200),  # space
    ],
)
def test_which_characters_a_query_value_may_hold(
    client: httpx.Client, escaped: str, status: int
) -> None:
    response = client.get(f"/collections/encroachments/items?kind=scrap{escaped}yard&limit=1")
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["numberMatched"] == 0


@pytest.mark.parametrize(
    ("url", "where", "name"),
    [
        ("/collections/structures/items/S-000001%00", "path", "feature_id"),
        ("/collections/encroachments/items?kind=scrap%00yard", "query", "kind"),
        ("/collections/encroachments/items?f=html&kind=scrap%00yard", "query", "kind"),
        ("/exports/encroachments?kind=scrap%00yard", "query", "kind"),
        ("/static/maps/site-gis%00.js", "path", "path"),
        ("/no-such-route%00", "path", "path"),
        ("/collections/parcels/items?na%01me=x", "query", "'na\\x01me'"),
    ],
)
def test_the_issue_examples_are_400s_naming_the_parameter(
    client: httpx.Client, url: str, where: str, name: str
) -> None:
    _assert_names(client.get(url), where, name)


def test_a_nul_query_logs_no_false_corruption(store_factory: StoreFactory, tmp_path: Path) -> None:
    store = store_factory(tmp_path)
    log = tmp_path / "uvicorn.log"
    for base in serve(store.url, log):
        for url in (
            "/collections/structures/items/S-000001%00",
            "/collections/encroachments/items?kind=scrap%00yard",
            "/collections/encroachments/items?f=html&name=a%00b",
            "/maps/contamination/samples/X%00?standard=dutch_iv",
        ):
            assert httpx.get(f"{base}{url}", timeout=30).status_code == 400, url
        assert httpx.get(f"{base}/health", timeout=30).status_code == 200
    close_store(store)
    text = log.read_text(errors="replace")
    for words in ("corrupt", "cannot read", "unavailable", "ERROR", "failed", "Traceback"):
        assert words not in text, text


NUL_FILES = [
    ("nul_in_identifier.geojson", "layers/receptors"),
    ("nul_in_identifier.gpkg", "layers/receptors"),
    ("nul_in_location_id.csv", "results"),
]


@pytest.mark.slow
def test_the_routes_keep_working_after_nul_import_attempts(
    store_factory: StoreFactory, tmp_path: Path
) -> None:
    store = store_factory(tmp_path)
    officer = key_header(make_keys(store)[Role.OFFICER])
    before = store_state(store)
    for base in serve(store.url, tmp_path / "uvicorn.log"):
        for file, to in NUL_FILES:
            content = (DATA / file).read_bytes()
            response = httpx.post(
                f"{base}/imports/{to}", files={"file": (file, content)}, headers=officer, timeout=60
            )
            assert response.status_code == 422, response.text
            problem = response.json()["problems"][0]
            assert problem["field"] in ("receptor_id", "location_id")
            assert problem["row"] in ("R-01\x00evil", 2)  # the feature, or the CSV line
            assert "control character" in problem["reason"]
            assert store_state(store) == before
        with httpx.Client(base_url=base, timeout=120) as client:
            for layer, field, value in (
                ("receptors", "receptor_id", "R-01"),
                ("sample_locations", "location_id", "MW-00001"),
            ):
                found = client.get(f"/collections/{layer}/items", params={field: value}).json()
                assert found["numberMatched"] == 1
            for url in (
                "/contamination/screening?limit=5",
                "/contamination/statistics",
                "/hotspots?analyte=Lead&cleanup_level=400",
                "/receptors/at-risk?analyte=Lead&cleanup_level=400",
                "/maps/contamination",
                "/maps/encroachments",
            ):
                assert client.get(url).status_code == 200, url
    close_store(store)


def _number_parameters(client: httpx.Client) -> list[tuple[str, str, dict[str, str]]]:
    """``(path, name, required query)`` of every number query parameter of every GET."""
    found = []
    for method, path, parameters in _operations(client):
        for parameter in parameters:
            schema = parameter["schema"]
            types = {schema.get("type"), *(s.get("type") for s in schema.get("anyOf", []))}
            if method == "get" and parameter["in"] == "query" and "number" in types:
                found.append((_fill(path), parameter["name"], _required(parameters, "")))
    return found


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "nan", "NaN"])
def test_no_number_query_parameter_takes_inf_or_nan(client: httpx.Client, value: str) -> None:
    found = _number_parameters(client)
    assert ("/maps/encroachments", "cleanup_level") in {(p, n) for p, n, _ in found}
    assert len(found) >= 45
    for path, name, required in found:
        response = client.get(path, params={**required, name: value})
        if path.startswith("/maps/"):  # a map page says why in HTML, as for any bad value
            assert response.status_code == 422, (path, name)
            assert "Cannot draw this map" in response.text and name in response.text
        else:
            assert response.status_code == 400, (path, name, response.text)
            assert name in response.json()["description"], (path, name)


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        (
            "/encroachments/parcels",
            '{"analyte": "Lead", "cleanup_level": Infinity}',
            "cleanup_level",
        ),
        ("/encroachments/parcels", '{"min_encroached_m2": Infinity}', "min_encroached_m2"),
        ("/encroachments/parcels", '{"min_encroached_m2": NaN}', "min_encroached_m2"),
        ("/resettlement/estimate", '{"usd_rate": Infinity}', "usd_rate"),
        ("/resettlement/estimate", '{"analyte": "Lead", "cleanup_level": NaN}', "cleanup_level"),
    ],
)
def test_no_number_in_a_body_takes_inf_or_nan(
    planner: httpx.Client, path: str, body: str, name: str
) -> None:
    response = planner.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert name in response.json()["description"]


@pytest.mark.parametrize("levels", ["100,inf", "nan", "-inf,200"])
def test_the_levels_of_a_cost_curve_are_finite(client: httpx.Client, levels: str) -> None:
    response = client.get("/remediation/curve", params={"analyte": "Lead", "levels": levels})
    assert response.status_code == 400 and "levels must be finite" in response.json()["detail"]


def test_the_quick_check_misses_no_escape_that_decodes_to_a_control() -> None:
    from urllib.parse import parse_qsl

    from api.params import _MAY_HOLD_CONTROL

    def decodes_to_control(raw: bytes) -> bool:  # as Starlette decodes a query string
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        return any(
            0 <= ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for kv in pairs for t in kv for c in t
        )

    singles = [bytes([b]) for b in range(256)] + [b"%%%02x" % b for b in range(256)]
    pairs = [b"%%%02X%%%02x" % (a, b) for a in range(256) for b in range(256)]
    candidates = [b"a=x" + c for c in singles + pairs]
    missed = [c for c in candidates if decodes_to_control(c) and not _MAY_HOLD_CONTROL.search(c)]
    assert missed == []
    assert sum(map(decodes_to_control, candidates)) > 100  # the table does hold controls
