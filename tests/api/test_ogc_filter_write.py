"""OGC API - Features Part 4: officers create, replace, update and delete features.

Over real HTTP, on a writable copy of the shipped (SYNTHETIC) store on each backend.
Expected values are the ones sent, and the audit log's own entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pytest

from site_gis.access import Role
from site_gis.io import edit_feature
from site_gis.io.feature_edit import stored_version
from site_gis.schemas import CATALOGUE
from site_gis.store import Store
from site_gis.store.keys import create_key
from tests.api.conftest import serve
from tests.conftest import StoreFactory, close_store, geojson, key_header, make_keys

GEOJSON = {"Content-Type": "application/geo+json"}
PATCH = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture(scope="module")
def writable(
    store_factory: StoreFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[Any, str]]]:
    """A server on a fresh writable store, and one key per role (plus officer+planner)."""
    folder = tmp_path_factory.mktemp("part4")
    store = store_factory(folder)
    keys: dict[Any, str] = make_keys(store)
    keys["officer+planner"] = create_key(
        store, "officer and planner", [Role.OFFICER, Role.PLANNER], actor="tests"
    )[0]
    for base in serve(store.url, folder / "uvicorn.log"):
        yield base, keys
    close_store(store)


@pytest.fixture(scope="module")
def officer(writable: tuple[str, dict[Any, str]]) -> Iterator[httpx.Client]:
    base, keys = writable
    with httpx.Client(base_url=base, headers=key_header(keys[Role.OFFICER]), timeout=60) as c:
        yield c


def _receptor(receptor_id: str, **changes: Any) -> dict[str, Any]:
    """A shipped receptor's feature under a new id (SYNTHETIC copy)."""
    feature = dict(geojson("receptors")["features"][2])
    properties = {**feature["properties"], "receptor_id": receptor_id, **changes}
    return {"type": "Feature", "geometry": feature["geometry"], "properties": properties}


def _count(client: httpx.Client, layer: str) -> int:
    return int(
        client.get(f"/collections/{layer}/items", params={"limit": 1}).json()["numberMatched"]
    )


def test_create_read_and_audit(officer: httpx.Client) -> None:
    before = _count(officer, "receptors")
    sent = _receptor("R-90", name="New well (SYNTHETIC)", population=None, kind="well")
    created = officer.post("/collections/receptors/items", json=sent, headers=GEOJSON)
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location.endswith("/collections/receptors/items/R-90")
    read = officer.get(location, params={"f": "json"})
    assert read.status_code == 200
    assert read.headers["ETag"] == created.headers["ETag"]
    assert read.json()["properties"]["name"] == "New well (SYNTHETIC)"
    assert read.json()["properties"]["population"] is None
    assert read.json()["geometry"]["coordinates"] == sent["geometry"]["coordinates"]
    assert _count(officer, "receptors") == before + 1
    audit = officer.get("/audit", params={"f": "json"}).json()
    entries = audit if isinstance(audit, list) else audit.get("entries", audit.get("audit", []))
    assert any(
        e.get("action") == "create-feature" and e.get("note") == "receptors/R-90" for e in entries
    ), str(audit)[:500]


def test_only_officers_write(writable: tuple[str, dict[Any, str]]) -> None:
    base, keys = writable
    body = _receptor("R-91")
    anonymous = httpx.post(f"{base}/collections/receptors/items", json=body, headers=GEOJSON)
    assert anonymous.status_code in (401, 403)
    for role in (Role.PUBLIC, Role.CONSULTANT, Role.PLANNER):
        headers = {**GEOJSON, **key_header(keys[role])}
        response = httpx.post(f"{base}/collections/receptors/items", json=body, headers=headers)
        assert response.status_code == 403, role


def test_household_layers_need_the_planner_role_too(
    officer: httpx.Client, writable: tuple[str, dict[Any, str]]
) -> None:
    base, keys = writable
    both = {"X-API-Key": keys["officer+planner"]}
    first = httpx.get(f"{base}/collections/structures/items", params={"limit": 1}, headers=both)
    structure_id = first.json()["features"][0]["id"]
    patch = {"type": "Feature", "properties": {"storeys": 2}}
    tag = officer.get(f"/collections/structures/items/{structure_id}").headers["ETag"]
    refused = officer.patch(
        f"/collections/structures/items/{structure_id}",
        json=patch,
        headers={**PATCH, "If-Match": tag},
    )
    assert refused.status_code == 403
    full_tag = httpx.get(f"{base}/collections/structures/items/{structure_id}", headers=both)
    assert full_tag.headers["ETag"] != tag  # it covers the household fields the officer cannot see
    done = httpx.patch(
        f"{base}/collections/structures/items/{structure_id}",
        json=patch,
        headers={**both, **PATCH, "If-Match": full_tag.headers["ETag"]},
    )
    assert done.status_code == 200, done.text
    after = httpx.get(f"{base}/collections/structures/items/{structure_id}", headers=both).json()
    assert after["properties"]["storeys"] == 2
    assert after["properties"]["households"] == full_tag.json()["properties"]["households"]


def test_replace_needs_the_current_etag(officer: httpx.Client) -> None:
    path = "/collections/receptors/items/R-02"
    read = officer.get(path)
    tag = read.headers["ETag"]
    new = _receptor("R-02", name="Replaced (SYNTHETIC)")
    missing = officer.put(path, json=new, headers=GEOJSON)
    assert missing.status_code == 428
    stale = officer.put(path, json=new, headers={**GEOJSON, "If-Match": '"0000"'})
    assert stale.status_code == 412
    weak = officer.put(path, json=new, headers={**GEOJSON, "If-Match": f"W/{tag}"})
    assert weak.status_code == 400  # If-Match compares strongly
    done = officer.put(path, json=new, headers={**GEOJSON, "If-Match": tag})
    assert done.status_code == 200, done.text
    assert done.headers["ETag"] != tag
    assert officer.get(path).json()["properties"]["name"] == "Replaced (SYNTHETIC)"
    again = officer.put(path, json=new, headers={**GEOJSON, "If-Match": tag})
    assert again.status_code == 412  # the first write changed it: no lost update
    renamed = officer.put(
        path, json=_receptor("R-77"), headers={**GEOJSON, "If-Match": done.headers["ETag"]}
    )
    assert renamed.status_code == 400


def test_merge_patch_changes_only_what_it_names(officer: httpx.Client) -> None:
    path = "/collections/receptors/items/R-03"
    before = officer.get(path)
    patch = {"type": "Feature", "properties": {"name": "Patched (SYNTHETIC)", "population": None}}
    done = officer.patch(path, json=patch, headers={**PATCH, "If-Match": before.headers["ETag"]})
    assert done.status_code == 200, done.text
    after = officer.get(path).json()
    expected = {**before.json()["properties"], "name": "Patched (SYNTHETIC)", "population": None}
    assert after["properties"] == expected
    assert after["geometry"] == before.json()["geometry"]


def test_invalid_features_are_422s_naming_the_field_and_change_nothing(
    officer: httpx.Client,
) -> None:
    before = _count(officer, "receptors")
    far = _receptor("R-92")
    far["geometry"] = {"type": "Point", "coordinates": [10.0, 50.0]}  # Europe, not Karachi
    bad_kind = _receptor("R-93", kind="volcano")
    duplicate = _receptor("R-01")
    for body in (far, bad_kind, duplicate):
        response = officer.post("/collections/receptors/items", json=body, headers=GEOJSON)
        assert response.status_code == 422, response.text
    assert "kind" in str(
        officer.post("/collections/receptors/items", json=bad_kind, headers=GEOJSON).json()
    )
    not_json = officer.post(
        "/collections/receptors/items", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    wrong_type = officer.post(
        "/collections/receptors/items", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    results = officer.post("/collections/results/items", json=far, headers=GEOJSON)
    assert results.status_code == 400
    assert _count(officer, "receptors") == before


def test_delete_checks_references_and_etag(officer: httpx.Client) -> None:
    referred = "/collections/encroachments/items/E-001"
    tag = officer.get(referred).headers["ETag"]
    refused = officer.delete(referred, headers={"If-Match": tag})
    assert refused.status_code == 422  # structures stand in it
    assert officer.get(referred).status_code == 200
    created = officer.post("/collections/receptors/items", json=_receptor("R-94"), headers=GEOJSON)
    path = "/collections/receptors/items/R-94"
    assert officer.delete(path).status_code == 428
    gone = officer.delete(path, headers={"If-Match": created.headers["ETag"]})
    assert gone.status_code == 204
    assert officer.get(path).status_code == 404
    assert officer.delete(path, headers={"If-Match": "*"}).status_code == 404


def test_concurrent_edits_of_different_features_are_all_kept(officer: httpx.Client) -> None:
    ids = ["R-05", "R-06", "R-07", "R-08"]
    tags = {i: officer.get(f"/collections/receptors/items/{i}").headers["ETag"] for i in ids}

    def rename(receptor_id: str) -> int:
        patch = {"type": "Feature", "properties": {"name": f"Concurrent {receptor_id}"}}
        headers = {**PATCH, "If-Match": tags[receptor_id]}
        return officer.patch(
            f"/collections/receptors/items/{receptor_id}", json=patch, headers=headers
        ).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(rename, ids))
    assert statuses == [200] * 4
    for receptor_id in ids:
        name = officer.get(f"/collections/receptors/items/{receptor_id}").json()["properties"][
            "name"
        ]
        assert name == f"Concurrent {receptor_id}"


def test_options_lists_the_write_methods(officer: httpx.Client) -> None:
    allowed = officer.options("/collections/receptors/items/R-01").headers["Allow"]
    assert {"GET", "PUT", "PATCH", "DELETE"} <= {m.strip() for m in allowed.split(",")}
    classes = officer.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in classes


class _Interleaved:
    """A real store on which another writer renames R-09 right after an edit first reads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.interleaved = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def read(self, name: str, **options: Any) -> Any:
        frame = self.store.read(name, **options)
        if name == "receptors" and not options and not self.interleaved:
            self.interleaved = True  # as a CLI import in another process would
            other = frame.copy()
            other.loc[other.receptor_id == "R-09", "name"] = "Renamed meanwhile (SYNTHETIC)"
            self.store.write({name: other}, mode="replace", actor="other", action="import-layer")
        return frame


def test_an_edit_over_a_layer_changed_meanwhile_is_redone_on_the_new_layer(store: Store) -> None:
    schema = CATALOGUE["receptors"]
    version = stored_version(store, schema, "R-10")
    assert version is not None
    patch = orjson.dumps({"type": "Feature", "properties": {"name": "Edited (SYNTHETIC)"}})
    interleaved = _Interleaved(store)
    done = edit_feature(
        interleaved,
        "receptors",
        "update",
        actor="officer",
        feature_id="R-10",
        body=patch,
        expected=(version,),
    )
    assert interleaved.interleaved
    names = store.read("receptors").set_index("receptor_id")["name"]
    assert names["R-09"] == "Renamed meanwhile (SYNTHETIC)"  # the other write is not lost
    assert names["R-10"] == "Edited (SYNTHETIC)"
    actions = list(store.audit_log()["action"])
    assert actions[-2:] == ["import-layer", "update-feature"]
    assert done.version == stored_version(store, schema, "R-10")
