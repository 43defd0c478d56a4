"""Shared fixtures: the shipped layers, a store built from them, the raw files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from site_gis.access import Role, create_key
from site_gis.store import GeoPackageStore, Store, build_store

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "layers"


@pytest.fixture(scope="session")
def layers_dir() -> Path:
    """The shipped PSM layers."""
    return LAYERS


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> GeoPackageStore:
    """A GeoPackage built once from the shipped layers (read-only for tests)."""
    path = tmp_path_factory.mktemp("store") / "psm.gpkg"
    store = build_store(str(path), LAYERS, actor="tests")
    assert isinstance(store, GeoPackageStore)
    return store


@pytest.fixture(scope="session")
def keys(built_store: GeoPackageStore) -> dict[Role, str]:
    """One API key per role on the shared store (secrets by role)."""
    return make_keys(built_store)


def make_keys(store: Store) -> dict[Role, str]:
    """Create one key per role in ``store``; returns the secrets."""
    return {role: create_key(store, f"test {role}", [role], actor="tests")[0] for role in Role}


def key_header(secret: str) -> dict[str, str]:
    """The header carrying an API key."""
    return {"X-API-Key": secret}


def geojson(name: str) -> dict[str, Any]:
    """A shipped GeoJSON layer parsed with the json module (independent of the code under test)."""
    data: dict[str, Any] = json.loads((LAYERS / f"{name}.geojson").read_text(encoding="utf-8"))
    return data


def results_csv() -> pd.DataFrame:
    """The shipped results table read by pandas alone."""
    return pd.read_csv(LAYERS / "results.csv", keep_default_na=False, na_values=[""])
