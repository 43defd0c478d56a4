"""Comparing a store with its layers directory, and the guard of a rebuild."""

from __future__ import annotations

import pytest

from site_gis.errors import RebuildRefusedError
from site_gis.io import compare_with_layers, read_layers_dir
from site_gis.store import Store, recreate_store
from site_gis.store.common import no_stored
from site_gis.store.integrity import plan_write
from tests.conftest import LAYERS, store_state


@pytest.fixture(scope="module")
def planned() -> dict[str, object]:
    """The shipped layers as a rebuild writes them."""
    site, frames = read_layers_dir(LAYERS, validate=False)
    return {"site": site, "frames": plan_write(frames, "replace", no_stored, site=site)}


def test_a_store_built_from_the_layers_loses_nothing(
    built_store: Store, planned: dict[str, object]
) -> None:
    difference = compare_with_layers(built_store, planned["frames"])  # type: ignore[arg-type]
    assert difference.losses == () and not difference.loses_data


def test_rows_changed_in_the_store_count_as_lost_and_removed_ones_do_not(
    store: Store, planned: dict[str, object]
) -> None:
    zones = store.read("eia_zones")
    first = zones["zone_id"].iloc[0]
    changed = zones.copy()
    changed.loc[changed["zone_id"] == first, "name"] = "Renamed by an officer"
    store.write({"eia_zones": changed}, mode="replace", actor="t", action="edit")
    receptors = store.read("receptors")
    store.write({"receptors": receptors.iloc[1:]}, mode="replace", actor="t", action="edit")
    difference = compare_with_layers(store, planned["frames"])  # type: ignore[arg-type]
    [loss] = difference.losses
    assert (loss.layer, loss.only_in_store, loss.changed, loss.examples) == (
        "eia_zones",
        0,
        1,
        (str(first),),
    )
    assert difference.describe() == [
        f"eia_zones: 1 row(s) that differ from the layers directory (e.g. {first})"
    ]


def test_a_rebuild_refuses_a_store_changed_since_it_was_compared(
    store: Store, planned: dict[str, object]
) -> None:
    seen = store.version()
    receptors = store.read("receptors")
    store.write({"receptors": receptors}, mode="replace", actor="t", action="edit")
    before = store_state(store)
    with pytest.raises(RebuildRefusedError, match="changed while it was being compared"):
        recreate_store(
            store.url,
            planned["site"],  # type: ignore[arg-type]
            planned["frames"],  # type: ignore[arg-type]
            actor="t",
            expect_version=seen,
        )
    assert store_state(store) == before
